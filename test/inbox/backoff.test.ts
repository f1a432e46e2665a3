/** The retry schedule of failed events, as the claim query applies it on real Postgres. */
import { describe, expect, it } from 'vitest';
import { processInboxBatch, retryOffsetSeconds } from '../../src/inbox/processor.js';
import { acceptEvents } from '../../src/inbox/store.js';
import { useOfflineInbox } from './harness.js';

describe('inbox retry backoff', () => {
  const offline = useOfflineInbox();

  it('doubles from 2 s and then waits at most 15 minutes between attempts', () => {
    const offsets = Array.from({ length: 13 }, (_, n) => retryOffsetSeconds(n));
    expect(offsets).toEqual([0, 2, 6, 14, 30, 62, 126, 254, 510, 1022, 1922, 2822, 3722]);
    const gaps = offsets.slice(1).map((o, i) => o - offsets[i]!);
    expect(Math.max(...gaps)).toBe(900);
  });

  it('claims an event only once received_at + the offset of its attempts has passed', async () => {
    const receivedAt = new Date('2026-11-20T10:00:00.000Z');
    const deps = { db: offline.database.db, temporal: offline.temporal, taskQueue: 'unused' };
    for (const attempts of [0, 1, 4, 9, 10, 14]) {
      // A payload that is no event: claimed means rejected at once, without Temporal.
      const { id } = await offline.database.db
        .insertInto('inbox_events')
        .values({
          source: 'api',
          dedupe_key: `backoff-${attempts}`,
          type: 'purchase',
          payload: JSON.stringify({ type: 'purchase' }),
          received_at: receivedAt,
          attempts,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      const due = receivedAt.getTime() + retryOffsetSeconds(attempts) * 1000;
      expect((await processInboxBatch(deps, { now: new Date(due - 1000) })).outcomes).toEqual([]);
      const { outcomes } = await processInboxBatch(deps, { now: new Date(due) });
      expect(outcomes).toEqual([
        expect.objectContaining({
          id,
          status: 'rejected',
          attempts: attempts + 1,
          error: expect.stringContaining('order: is required'),
        }),
      ]);
    }
  });

  it('claims an event stored a moment ago, in the same millisecond or not', async () => {
    // received_at is Postgres's clock to the microsecond: judged against a JavaScript Date
    // (milliseconds), about one event in five stored just before a batch was left out of it.
    const deps = { db: offline.database.db, temporal: offline.temporal, taskQueue: 'unused' };
    const missed: number[] = [];
    for (let n = 0; n < 100; n++) {
      const accepted = await acceptEvents(offline.database.db, 'api', {
        type: 'purchase',
        contact: { external_id: `moment-${n}` },
        order: { id: `moment-${n}`, total: 10, placed_at: '2026-11-24T09:30:00Z' },
      });
      if (!accepted.ok) throw new Error('not accepted');
      const id = accepted.events[0]!.id;
      // Parked at its first failure, so it is never claimed again by a later round.
      const { outcomes } = await processInboxBatch(deps, { parkAfterAttempts: 1 });
      if (!outcomes.some((o) => o.id === id)) missed.push(n);
    }
    expect(missed).toEqual([]);
  });
});
