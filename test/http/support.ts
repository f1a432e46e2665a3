/** An HTTP endpoint on 127.0.0.1:0 for one test file, and a Temporal client that never answers. */
import { createHmac } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll } from 'vitest';
import type { Config } from '../../src/config.js';
import type { Db } from '../../src/db/database.js';
import { registerReportRoutes, type ReportRouteDeps } from '../../src/http/dashboard.js';
import { createHttpServer, type Handler, type HttpDeps, listen } from '../../src/http/server.js';
import { REPORT_CONFIG } from '../reports/matchers.js';
import { type RouteServer, startRouteServer } from '../reports/route-server.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

export const API_KEY = 'bmr_test-api-key';
export const SHOPIFY_SECRET = 'shopify-test-secret';
export const SIGNING_SECRET = 'test-signing-secret';
export const OPERATOR_KEY = 'bmr_op_test-operator-key';
/** The operator key as a program sends it. */
export const OPERATOR_BEARER = { authorization: `Bearer ${OPERATOR_KEY}` };
/** HTTP Basic credentials, as a browser sends them after its sign-in prompt. */
export const basicAuth = (user: string, password: string) => ({
  authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`,
});

/** Every route's secret and the report settings: every route is there and lets the tests in. */
export const EVERY_ROUTE_CONFIG: NonNullable<HttpDeps['config']> = {
  apiKey: API_KEY,
  shopifyWebhookSecret: SHOPIFY_SECRET,
  signingSecret: SIGNING_SECRET,
  operatorKey: OPERATOR_KEY,
  ...(REPORT_CONFIG as Pick<Config, 'temporal' | 'shop'>),
};

export interface RunningServer {
  base: string;
  close(): Promise<void>;
}

export async function startServer(deps: HttpDeps): Promise<RunningServer> {
  const server = createHttpServer(deps);
  const port = await listen(server, 0, '127.0.0.1');
  return {
    base: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A port nothing listens on. */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * A client of a Temporal server that is down: calls fail at once (no gRPC retries), as they
 * would after the SDK's retries while Temporal is unreachable. On `port`, when given (closed).
 */
export async function unreachableTemporal(port?: number): Promise<Client> {
  const connection = Connection.lazy({
    address: `127.0.0.1:${port ?? (await closedPort())}`,
    interceptors: [],
    connectTimeout: '1s',
  });
  return new Client({ connection });
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A request whose body is written in chunks without a Content-Length (chunked encoding). */
export function postChunked(
  url: string,
  headers: Record<string, string>,
  chunks: Buffer[],
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = http.request(
      url,
      { method: 'POST', headers: { ...headers, 'transfer-encoding': 'chunked' } },
      (res) => {
        answered = true;
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    // Writing after an early answer may fail (the server closed): the answer is what counts.
    req.on('error', (err) => (answered ? undefined : reject(err)));
    let i = 0;
    const writeNext = (): void => {
      if (req.destroyed) return;
      if (i >= chunks.length) return void req.end();
      req.write(chunks[i++], () => setImmediate(writeNext));
    };
    writeNext();
  });
}

/** Trimmed from Shopify's sample orders/create payload. */
export function shopifyOrder(overrides: Record<string, unknown> = {}) {
  return {
    id: 820982911946154500,
    name: '#9999',
    email: 'jon@example.com',
    created_at: '2026-11-24T10:15:00-05:00',
    processed_at: '2026-11-24T10:15:01-05:00',
    currency: 'USD',
    total_price: '403.00',
    financial_status: 'paid',
    cancelled_at: null,
    discount_codes: [{ code: 'WELCOME-7QX2', amount: '10.00', type: 'fixed_amount' }],
    customer: {
      id: 115310627314723950,
      email: 'jon@example.com',
      first_name: 'Jon',
      last_name: 'Snow',
      email_marketing_consent: {
        state: 'subscribed',
        opt_in_level: 'single_opt_in',
        consent_updated_at: null,
      },
    },
    line_items: [{ id: 1, title: 'Sweater', quantity: 1, price: '413.00' }],
    ...overrides,
  };
}

export function signShopify(body: string, secret = SHOPIFY_SECRET): string {
  return createHmac('sha256', secret).update(body, 'utf8').digest('base64');
}

/** POST /webhooks/shopify at `base`: `body` under `topic`, signed with the test secret. */
export function deliverShopify(
  base: string,
  topic: string,
  body: string,
  webhookId: string,
): Promise<Response> {
  return fetch(`${base}/webhooks/shopify`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-shopify-topic': topic,
      'x-shopify-hmac-sha256': signShopify(body),
      'x-shopify-webhook-id': webhookId,
    },
    body,
  });
}

export interface TestEndpoint {
  database: TestDatabase;
  /** A client of a Temporal server that is down (the endpoint stores events without it). */
  temporal: Client;
  server: RunningServer;
  /** How often the endpoint woke the inbox processor (reset it in a beforeEach if a test counts). */
  kicks: number;
}

/**
 * For the test file that calls it: a fresh database and the HTTP endpoint over it with the test
 * secrets (and `config`, e.g. provider feedback's; `limits`, e.g. a shorter request timeout),
 * Temporal unreachable; all of it stopped after the file.
 */
export function useTestEndpoint(
  config: Partial<NonNullable<HttpDeps['config']>> = {},
  limits: Pick<HttpDeps, 'maxBodyBytes' | 'requestTimeoutMs'> = {},
): TestEndpoint {
  const endpoint = { kicks: 0 } as TestEndpoint;
  beforeAll(async () => {
    [endpoint.database, endpoint.temporal] = await Promise.all([
      createTestDatabase(),
      unreachableTemporal(),
    ]);
    endpoint.server = await startServer({
      db: endpoint.database.db,
      temporal: endpoint.temporal,
      config: {
        apiKey: API_KEY,
        shopifyWebhookSecret: SHOPIFY_SECRET,
        signingSecret: SIGNING_SECRET,
        ...config,
      },
      onEventsAccepted: () => endpoint.kicks++,
      ...limits,
    });
  });
  afterAll(async () => {
    await endpoint.server?.close();
    await endpoint.temporal?.connection.close();
    await endpoint.database?.drop();
  });
  return endpoint;
}

/**
 * A server around the report routes (/dashboard, /api/report, /api/model-health, /metrics) over
 * `db`, with REPORT_CONFIG and OPERATOR_KEY unless told otherwise. The report routes are added to
 * `routes` when given (e.g. with a stand-in page).
 */
export async function startReportServer(
  db: Db,
  opts: Partial<Omit<ReportRouteDeps, 'db'>> & { routes?: Map<string, Handler> } = {},
): Promise<RouteServer> {
  const { routes = new Map<string, Handler>(), ...deps } = opts;
  registerReportRoutes(routes, { config: REPORT_CONFIG, operatorKey: OPERATOR_KEY, ...deps, db });
  return startRouteServer(routes);
}
