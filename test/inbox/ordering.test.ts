/**
 * The inbox applies a batch concurrently across contacts and in order within a contact, on real
 * Postgres (no campaign runs, so no Temporal is needed).
 */
import { describe, expect, it } from 'vitest';
import { lanesOf, orderingKeys, processInboxBatch } from '../../src/inbox/processor.js';
import { acceptEvents } from '../../src/inbox/store.js';
import { useOfflineInbox } from './harness.js';

describe('inbox batches', () => {
  const offline = useOfflineInbox();

  it('puts events that share an email, external id or order in one lane, in id order', () => {
    expect(orderingKeys({ contact: { email: ' Ada@Example.com ', external_id: 'c1' } })).toEqual([
      'email:ada@example.com',
      'external:c1',
    ]);
    const rows = [
      { id: 1, payload: { contact: { email: 'a@x.com', external_id: 'A' } } },
      { id: 2, payload: { contact: { email: 'b@x.com' } } },
      { id: 3, payload: { contact: { external_id: 'A' }, order: { id: 'o1' } } },
      { id: 4, payload: { order: { id: 'o1' } } },
      { id: 5, payload: { contact: { email: 'B@x.com' } } },
    ];
    expect(lanesOf(rows).map((lane) => lane.map((r) => r.id))).toEqual([
      [1, 3, 4],
      [2, 5],
    ]);
  });

  it("applies each contact's events in the order received, many contacts at once", async () => {
    const events = [];
    for (let i = 0; i < 40; i++) {
      events.push({
        type: 'account_registered',
        contact: { email: `c${i}@example.com`, external_id: `ext-${i}`, first_name: 'First' },
      });
      // Only the external id: it finds the contact only if the registration was applied first.
      events.push({
        type: 'purchase',
        contact: { external_id: `ext-${i}` },
        order: { id: `o-${i}`, total: 10, placed_at: '2026-11-24T09:30:00Z' },
      });
      events.push({
        type: 'account_registered',
        contact: { email: `c${i}@example.com`, first_name: 'Second' },
      });
    }
    for (let i = 0; i < events.length; i += 100) {
      const accepted = await acceptEvents(offline.database.db, 'api', {
        events: events.slice(i, i + 100),
      });
      expect(accepted.ok).toBe(true);
    }
    const summary = await processInboxBatch(
      { db: offline.database.db, temporal: offline.temporal, taskQueue: 'unused' },
      // The test pool has 5 connections: 2 lanes × 2 + the batch's own.
      { limit: 1000, concurrency: 2 },
    );
    expect(summary).toMatchObject({ applied: 120, failed: 0, rejected: 0, parked: 0 });
    const contacts = await offline.database.db
      .selectFrom('contacts')
      .leftJoin('orders', 'orders.contact_id', 'contacts.id')
      .select(['contacts.email', 'contacts.first_name', 'orders.external_id as order_id'])
      .orderBy('contacts.email')
      .execute();
    expect(contacts).toHaveLength(40);
    for (const c of contacts) {
      expect(c.first_name).toBe('Second');
      expect(c.order_id).toBe(`o-${c.email!.slice(1, -'@example.com'.length)}`);
    }
  });
});
