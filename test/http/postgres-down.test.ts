/**
 * Every route that touches Postgres answers 503 with Retry-After while Postgres is unreachable,
 * never 500; the routes that do not touch it keep answering. A Postgres that takes connections and
 * never answers gets the same answer once the connect timeout runs out, not a request left hanging.
 */
import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type Db } from '../../src/db/database.js';
import { createUnsubscribeToken } from '../../src/domain/messages/unsubscribe-token.js';
import { startSilentServer } from '../support/silent-server.js';
import {
  API_KEY,
  closedPort,
  EVERY_ROUTE_CONFIG,
  OPERATOR_BEARER,
  type RunningServer,
  SHOPIFY_SECRET,
  SIGNING_SECRET,
  signShopify,
  startServer,
  unreachableTemporal,
} from './support.js';

describe('routes while Postgres is down', () => {
  let downDb: Db;
  let temporal: Client;
  let server: RunningServer;

  beforeAll(async () => {
    downDb = createDb(`postgres://nobody:x@127.0.0.1:${await closedPort()}/none`, { max: 1 });
    temporal = await unreachableTemporal();
    server = await startServer({
      db: downDb,
      temporal,
      config: EVERY_ROUTE_CONFIG,
    });
  });
  afterAll(async () => {
    await server?.close();
    await temporal?.connection.close();
    await downDb?.destroy();
  });

  const link = () =>
    `${server.base}/unsubscribe?token=${encodeURIComponent(createUnsubscribeToken(SIGNING_SECRET, 42))}`;
  const customer = JSON.stringify({ id: 1, email: 'down@example.com' });
  const requests: [string, () => Promise<Response>][] = [
    [
      'POST /events',
      () =>
        fetch(`${server.base}/events`, {
          method: 'POST',
          headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
          body: JSON.stringify({ type: 'account_registered', contact: { email: 'a@example.com' } }),
        }),
    ],
    [
      'POST /webhooks/shopify',
      () =>
        fetch(`${server.base}/webhooks/shopify`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'x-shopify-topic': 'customers/create',
            'x-shopify-hmac-sha256': signShopify(customer),
          },
          body: customer,
        }),
    ],
    ['GET /unsubscribe', () => fetch(link())],
    [
      'POST /unsubscribe (RFC 8058 one-click)',
      () => fetch(link(), { method: 'POST', body: 'List-Unsubscribe=One-Click' }),
    ],
    ['GET /readyz', () => fetch(`${server.base}/readyz`)],
    ['GET /api/report', () => fetch(`${server.base}/api/report`, { headers: OPERATOR_BEARER })],
    [
      'GET /api/model-health',
      () => fetch(`${server.base}/api/model-health`, { headers: OPERATOR_BEARER }),
    ],
    ['GET /metrics', () => fetch(`${server.base}/metrics`, { headers: OPERATOR_BEARER })],
  ];

  it.each(requests)('%s answers 503 with Retry-After', async (_route, request) => {
    const res = await request();
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    // Nothing internal for whoever asks: no address, no stack.
    expect(await res.text()).not.toMatch(/127\.0\.0\.1|ECONNREFUSED|at .*\.ts:\d+/);
  });

  it('the unsubscribe page says so to a person', async () => {
    const page = await (await fetch(link())).text();
    expect(page).toContain('<h1>Unsubscribing is not available right now</h1>');
  });

  it('/healthz does not depend on Postgres', async () => {
    expect((await fetch(`${server.base}/healthz`)).status).toBe(200);
  });
});

it('POST /events answers 503 once a Postgres that never answers has had its connect timeout', async () => {
  const silent = await startSilentServer();
  const db = createDb(`postgres://nobody:x@127.0.0.1:${silent.port}/none`, {
    max: 1,
    connectTimeout: { seconds: 1, setting: 'PGCONNECT_TIMEOUT' },
  });
  const temporal = await unreachableTemporal();
  const server = await startServer({
    db,
    temporal,
    config: {
      apiKey: API_KEY,
      signingSecret: SIGNING_SECRET,
      shopifyWebhookSecret: SHOPIFY_SECRET,
    },
  });
  try {
    const res = await fetch(`${server.base}/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'account_registered', contact: { email: 'a@example.com' } }),
    });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
  } finally {
    await server.close();
    await temporal.connection.close();
    await db.destroy();
    await silent.close();
  }
});
