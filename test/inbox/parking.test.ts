/**
 * Poison events on real Postgres: an event that keeps failing is parked with its reason after
 * PARK_AFTER_ATTEMPTS, no longer retried, counted by /metrics, and handled with `boomerang inbox`.
 */
import { describe, expect, it } from 'vitest';
import { countInboxByState } from '../../src/db/inbox.js';
import { acceptEvents } from '../../src/inbox/store.js';
import {
  PARK_AFTER_ATTEMPTS,
  processInboxBatch,
  retryOffsetSeconds,
} from '../../src/inbox/processor.js';
import { collectMetrics } from '../../src/reports/metrics.js';
import { runCli } from '../cli/support.js';
import { useOfflineInbox } from './harness.js';

describe('poison events', () => {
  const offline = useOfflineInbox();

  /** A Shopify-like order whose buyer has a customer id but no email: it waits for a registration that never comes. */
  const orphanPurchase = (orderId: string) => ({
    type: 'purchase',
    contact: { external_id: `cust-${orderId}` },
    order: { id: orderId, total: 10, placed_at: '2026-11-24T09:30:00Z' },
  });

  it('parks an event after PARK_AFTER_ATTEMPTS failures, with its reason, and stops retrying it', async () => {
    const deps = { db: offline.database.db, temporal: offline.temporal, taskQueue: 'unused' };
    const accepted = await acceptEvents(offline.database.db, 'api', orphanPurchase('p1'));
    if (!accepted.ok) throw new Error('not accepted');
    const id = accepted.events[0]!.id;
    const { received_at: receivedAt } = await offline.database.db
      .selectFrom('inbox_events')
      .select('received_at')
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    const statuses: string[] = [];
    for (let n = 0; n < PARK_AFTER_ATTEMPTS + 3; n++) {
      // Each time just after the event is due again.
      const now = new Date(receivedAt.getTime() + retryOffsetSeconds(n) * 1000 + 1000);
      const summary = await processInboxBatch(deps, { now });
      statuses.push(...summary.outcomes.map((o) => o.status));
    }
    expect(statuses).toEqual([...Array<string>(PARK_AFTER_ATTEMPTS - 1).fill('failed'), 'parked']);
    const row = await offline.database.db
      .selectFrom('inbox_events')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(row.parked_at).not.toBeNull();
    expect(row.processed_at).toBeNull();
    expect(row.last_error).toMatch(
      /^parked after 12 attempts: no contact has external_id "cust-p1"/,
    );
    expect(await countInboxByState(offline.database.db)).toMatchObject({ parked: 1, pending: 0 });
    const metrics = await collectMetrics(offline.database.db);
    expect(metrics.find((m) => m.name === 'boomerang_inbox_events')?.samples).toContainEqual({
      labels: { state: 'parked' },
      value: 1,
    });
  });

  it('lists, shows, retries and discards parked events with boomerang inbox', async () => {
    const deps = { db: offline.database.db, temporal: offline.temporal, taskQueue: 'unused' };
    const list = await runCli(offline.database.url, ['inbox', 'list']);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/parked: 1/);
    expect(list.stdout).toMatch(/purchase .* parked after 12 attempts/);
    const [parked] = (
      JSON.parse((await runCli(offline.database.url, ['inbox', 'list', '--json'])).stdout) as {
        events: { id: number; state: string }[];
      }
    ).events;
    expect(parked).toMatchObject({ state: 'parked' });

    const show = await runCli(offline.database.url, ['inbox', 'show', String(parked!.id)]);
    expect(show.stdout).toMatch(/: parked/);
    expect(show.stdout).toMatch(/"external_id": "cust-p1"/);

    // Retried: pending again and due at once; the buyer has registered meanwhile, so it applies.
    await acceptEvents(offline.database.db, 'api', {
      type: 'account_registered',
      contact: { email: 'p1@example.com', external_id: 'cust-p1' },
    });
    expect((await processInboxBatch(deps)).applied).toBe(1);
    const retry = await runCli(offline.database.url, ['inbox', 'retry', String(parked!.id)]);
    expect(retry.code).toBe(0);
    expect(retry.stdout).toMatch(/1 event pending again/);
    const summary = await processInboxBatch(deps);
    expect(summary.outcomes.map((o) => [o.type, o.status])).toEqual([['purchase', 'applied']]);

    // Discarded: kept as rejected with the reason, never applied.
    const other = await acceptEvents(offline.database.db, 'api', orphanPurchase('p2'));
    if (!other.ok) throw new Error('not accepted');
    await processInboxBatch(deps, { parkAfterAttempts: 1 });
    const discard = await runCli(offline.database.url, [
      'inbox',
      'discard',
      String(other.events[0]!.id),
      '--reason',
      'test order',
    ]);
    expect(discard.stdout).toMatch(/1 event discarded/);
    const row = await offline.database.db
      .selectFrom('inbox_events')
      .selectAll()
      .where('id', '=', other.events[0]!.id)
      .executeTakeFirstOrThrow();
    expect(row.processed_at).not.toBeNull();
    expect(row.last_error).toMatch(/^discarded: test order; last error: parked after 1 attempts/);
    expect(await countInboxByState(offline.database.db)).toMatchObject({ parked: 0, rejected: 1 });

    const bad = await runCli(offline.database.url, ['inbox', 'retry', 'abc']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/"abc" is not an inbox event id/);
    const notParked = await runCli(offline.database.url, ['inbox', 'discard', String(parked!.id)]);
    expect(notParked.code).toBe(1);
    expect(notParked.stderr).toMatch(/not parked/);
  });
});
