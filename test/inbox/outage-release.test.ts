/**
 * Events held up by a Temporal outage apply as soon as it passes, not after their backoff, on real
 * Postgres and a real Temporal dev server behind a proxy that plays it down, then back: a purchase
 * that could not signal its buyer's journeys is not stored either, and journeys whose waits ended
 * during the outage check for it as soon as Temporal is back. An event failing for its own reason
 * keeps its backoff.
 */
import { Client, Connection } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type InboxProcessor,
  retryOffsetSeconds,
  startInboxProcessor,
} from '../../src/inbox/processor.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { until } from '../support/processes.js';
import { type SlowProxy, startSlowProxy } from '../support/slow-proxy.js';
import { createDevServerEnv } from '../support/temporal.js';
import { storeHeldPurchases } from './harness.js';

/** Failed attempts as after an outage of minutes: the next retry 510 s after receipt. */
const LONG_OUTAGE_ATTEMPTS = 8;

describe('the inbox processor when Temporal comes back', () => {
  let env: TestWorkflowEnvironment;
  let database: TestDatabase;
  let proxy: SlowProxy;
  let temporal: Client;
  let processor: InboxProcessor | undefined;
  beforeAll(async () => {
    [env, database] = await Promise.all([createDevServerEnv(), createTestDatabase()]);
    proxy = await startSlowProxy(env.address, 0);
    proxy.down = true;
    // No retry interceptor: a call fails at once while Temporal is down, as each round needs.
    temporal = new Client({
      connection: Connection.lazy({
        address: proxy.address,
        interceptors: [],
        connectTimeout: '1s',
      }),
    });
  });
  afterAll(async () => {
    await processor?.stop();
    await temporal?.connection.close();
    await proxy?.close();
    await env?.teardown();
    await database?.drop();
  });

  const rows = (ids: number[]) =>
    database.db
      .selectFrom('inbox_events')
      .select(['id', 'attempts', 'received_at', 'processed_at', 'parked_at', 'last_error'])
      .where('id', 'in', ids)
      .orderBy('id')
      .execute();

  it('applies the purchases held up by the outage at once when it passes, while their backoff still runs', async () => {
    const { db } = database;
    // Buyers with a running journey, whose purchases must signal it, which Temporal down refuses,
    // and one whose buyer is unknown, which fails for its own reason.
    // (No workflow runs their journeys: once Temporal answers, the signal finds none and each
    // purchase applies.)
    const { purchases, orphan } = await storeHeldPurchases(db);

    const lines: string[] = [];
    const log = { info: (l: string) => lines.push(l), warn: (l: string) => lines.push(l) };
    processor = startInboxProcessor(
      { db, temporal, taskQueue: 'unused' },
      { intervalMs: 50, log, startQueue: false },
    );
    await until(
      async () => lines.some((l) => /^inbox: 3 events not applied: Temporal/.test(l)) || undefined,
      'the purchases held up by the outage',
    );
    await until(
      async () => (await rows([orphan]))[0]!.attempts >= 1 || undefined,
      'the orphan tried',
    );
    // As after minutes of outage: their next retries are due 510 s after they were received.
    await db
      .updateTable('inbox_events')
      .set({ attempts: LONG_OUTAGE_ATTEMPTS })
      .where('id', 'in', [...purchases, orphan])
      .execute();
    // The oldest held purchase is tried each round all the same; the others wait for it.
    await until(
      async () =>
        (await rows([purchases[0]!]))[0]!.attempts >= LONG_OUTAGE_ATTEMPTS + 2 || undefined,
      'two rounds trying the oldest held purchase',
    );
    expect((await rows(purchases.slice(1))).map((r) => r.attempts)).toEqual([
      LONG_OUTAGE_ATTEMPTS,
      LONG_OUTAGE_ATTEMPTS,
    ]);
    expect(await db.selectFrom('orders').select('external_id').execute()).toEqual([]);

    proxy.down = false;
    await until(
      async () => (await rows(purchases)).every((r) => r.processed_at !== null) || undefined,
      'the held purchases applied',
    );
    await until(
      async () =>
        lines.some((l) => l.startsWith('inbox: events held up by the outage apply again')) ||
        undefined,
      'the line saying that events apply again',
    );
    await processor.stop();
    processor = undefined;

    for (const row of await rows(purchases)) {
      expect(row.last_error).toBeNull();
      // Applied before its backoff would have had it tried again.
      const dueAt = row.received_at.getTime() + retryOffsetSeconds(row.attempts - 1) * 1000;
      expect(row.processed_at!.getTime()).toBeLessThan(dueAt);
    }
    const orders = await db
      .selectFrom('orders')
      .select('external_id')
      .orderBy('external_id')
      .execute();
    expect(orders.map((o) => o.external_id)).toEqual(['order-ann', 'order-bob', 'order-cid']);
    // Not held up by the outage: not tried before its backoff has passed.
    expect(await rows([orphan])).toEqual([
      expect.objectContaining({
        attempts: LONG_OUTAGE_ATTEMPTS,
        processed_at: null,
        parked_at: null,
        last_error: expect.stringMatching(/no contact has external_id "cust-nobody"/),
      }),
    ]);
  });
});
