/**
 * Everything real for one test file: a Temporal dev server (with Boomerang's search attributes),
 * a migrated Postgres, the worker and the messages worker on their own task queue, an active
 * welcome campaign with its coupon set, and the HTTP endpoint on 127.0.0.1.
 */
import type { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll } from 'vitest';
import type { Config } from '../../src/config.js';
import { saveCampaign } from '../../src/db/campaigns.js';
import { generateCoupons } from '../../src/db/coupons.js';
import type { HttpDeps } from '../../src/http/server.js';
import type { InboxDeps } from '../../src/inbox/processor.js';
import { journeyQuery, type JourneyState } from '../../src/campaigns/journey-contract.js';
import { upsertContact } from '../../src/db/contacts.js';
import type { Db } from '../../src/db/database.js';
import { acceptEvents } from '../../src/inbox/store.js';
import { insertJourneyRow, lowClvCampaign } from '../support/campaigns.js';
import {
  API_KEY,
  type RunningServer,
  SHOPIFY_SECRET,
  SIGNING_SECRET,
  startServer,
  unreachableTemporal,
} from '../http/support.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { until } from '../support/processes.js';
import { createDevServerEnv } from '../support/temporal.js';
import { startRealWorkers } from '../support/workers.js';

export const WELCOME = 'welcome';

export interface InboxHarness {
  env: TestWorkflowEnvironment;
  database: TestDatabase;
  taskQueue: string;
  config: Config;
  /** What the inbox processor needs, with the dev server's client. */
  deps: InboxDeps;
  server: RunningServer;
  /** POST /events with the API key. */
  postEvent(body: unknown): Promise<{
    status: number;
    body: { id: number; duplicate: boolean } & Record<string, unknown>;
  }>;
  /** Another endpoint on the same database (e.g. wired to a processor). */
  startServer(extra?: Partial<HttpDeps>): Promise<RunningServer>;
  /** Waits until a journey reports `step` as its current step; returns its state. */
  journeyAt(workflowId: string, step: string): Promise<JourneyState>;
  teardown(): Promise<void>;
}

export async function startInboxHarness(name: string): Promise<InboxHarness> {
  const [env, database] = await Promise.all([createDevServerEnv(), createTestDatabase()]);
  const db = database.db;
  const workers = await startRealWorkers(env, db, {
    name,
    env: {
      TEMPORAL_ADDRESS: env.address,
      BOOMERANG_API_KEY: API_KEY,
      BOOMERANG_SIGNING_SECRET: SIGNING_SECRET,
      SHOPIFY_WEBHOOK_SECRET: SHOPIFY_SECRET,
      BOOMERANG_PUBLIC_URL: 'https://shop.example',
    },
  });
  const { config, taskQueue } = workers;

  await generateCoupons(db, 'welcome', 20, { prefix: 'WELCOME-' });
  await saveCampaign(db, {
    id: WELCOME,
    name: 'Welcome voucher',
    kind: 'welcome_voucher',
    couponSet: 'welcome',
  });

  const deps: InboxDeps = { db, temporal: env.client, taskQueue, defaultCurrency: 'EUR' };
  const serve = (extra: Partial<HttpDeps> = {}) =>
    startServer({ db, temporal: env.client, config, ...extra });
  const server = await serve();

  return {
    env,
    database,
    taskQueue,
    config,
    deps,
    server,
    async postEvent(body) {
      const res = await fetch(`${server.base}/events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as { id: number; duplicate: boolean } };
    },
    startServer: serve,
    async journeyAt(workflowId, step) {
      const handle = env.client.workflow.getHandle(workflowId);
      return until(
        async () => {
          const state = await handle.query(journeyQuery).catch(() => undefined);
          return state?.currentStep === step ? state : undefined;
        },
        `journey ${workflowId} at step ${step}`,
        30_000,
      );
    },
    async teardown() {
      await server.close();
      await workers.stop();
      await env.teardown();
      await database.drop();
    },
  };
}

/** A client's journeys of a contact, as the Web UI's search finds them (visibility may lag). */
export async function journeysBySearch(client: Client, contactId: number): Promise<string[]> {
  const ids: string[] = [];
  for await (const execution of client.workflow.list({
    query: `BoomerangContactId = "${contactId}"`,
  }))
    ids.push(execution.workflowId);
  return ids.sort();
}

export interface OfflineInbox {
  database: TestDatabase;
  /** A client of a Temporal server that is down: no campaign runs, so none is needed. */
  temporal: Client;
}

/**
 * For the test file that calls it: a fresh database and an unreachable Temporal, for the inbox
 * on real Postgres alone; both closed after the file.
 */
export function useOfflineInbox(): OfflineInbox {
  const inbox = {} as OfflineInbox;
  beforeAll(async () => {
    [inbox.database, inbox.temporal] = await Promise.all([
      createTestDatabase(),
      unreachableTemporal(),
    ]);
  });
  afterAll(async () => {
    await inbox.temporal?.connection.close();
    await inbox.database?.drop();
  });
  return inbox;
}

/** A checkout event as a store posts it: one mug for €20, its recovery link; `extra` overrides. */
export const checkoutEvent = (
  type: 'checkout_started' | 'checkout_updated',
  id: string,
  email: string | undefined,
  extra: Record<string, unknown> = {},
) => ({
  type,
  ...(email ? { contact: { email } } : {}),
  checkout: {
    id,
    total: 20,
    currency: 'EUR',
    line_items: [{ product_id: 'p1', title: 'Mug', quantity: 1, price: 20 }],
    recovery_url: `https://shop.example/checkouts/${id}/recover`,
    ...extra,
  },
});

/** Stores one event as the store posts it (not applied); its inbox id. */
export async function storeEvent(db: Db, event: unknown): Promise<number> {
  const accepted = await acceptEvents(db, 'api', event);
  if (!accepted.ok) throw new Error(`not accepted: ${JSON.stringify(accepted)}`);
  return accepted.events[0]!.id;
}

/**
 * Purchases a Temporal outage holds up, stored: three buyers (ann, bob, cid) each with a running
 * journey in the low-CLV campaign `held`, so their purchases must signal it, and one purchase
 * whose buyer is unknown, which fails for its own reason whatever Temporal does.
 */
export async function storeHeldPurchases(db: Db): Promise<{ purchases: number[]; orphan: number }> {
  await lowClvCampaign(db, 'held', { name: 'Held', coupons: 1 });
  const purchases: number[] = [];
  for (const name of ['ann', 'bob', 'cid']) {
    const email = `${name}@example.com`;
    const { contact } = await upsertContact(db, { email });
    await insertJourneyRow(db, 'held', contact.id);
    purchases.push(
      await storeEvent(db, {
        type: 'purchase',
        contact: { email },
        order: { id: `order-${name}`, total: 10, placed_at: '2026-11-24T09:30:00Z' },
      }),
    );
  }
  const orphan = await storeEvent(db, {
    type: 'purchase',
    contact: { external_id: 'cust-nobody' },
    order: { id: 'order-nobody', total: 10, placed_at: '2026-11-24T09:30:00Z' },
  });
  return { purchases, orphan };
}
