/**
 * The inbox processor's log while Temporal is down, on real Postgres: events that must signal a
 * running journey fail every retry for the same outage, and the log says so once, in words, then a
 * line a minute (the test's clock) with the count, and once when they apply again — not a line per
 * event and retry. An event that fails for its own reason keeps its line at every attempt.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { type InboxProcessor, startInboxProcessor } from '../../src/inbox/processor.js';
import { until } from '../support/processes.js';
import { storeHeldPurchases, useOfflineInbox } from './harness.js';

describe('the inbox processor while Temporal is down', () => {
  const offline = useOfflineInbox();
  let processor: InboxProcessor | undefined;
  afterAll(async () => {
    await processor?.stop();
  });

  it('says once that events cannot be applied, counts their retries a line a minute, and says when they apply again', async () => {
    const { db } = offline.database;
    // Buyers with a running journey, whose purchases must signal it, which Temporal down refuses,
    // and one whose buyer is unknown, which fails for its own reason.
    const { purchases, orphan } = await storeHeldPurchases(db);
    // Received long ago, so every backoff has passed: each round retries every event.
    await db
      .updateTable('inbox_events')
      .set({ received_at: new Date(Date.now() - 86_400_000) })
      .execute();

    const lines: string[] = [];
    const log = { info: (l: string) => lines.push(l), warn: (l: string) => lines.push(l) };
    let clock = 0;
    processor = startInboxProcessor(
      { db, temporal: offline.temporal, taskQueue: 'unused' },
      { intervalMs: 50, log, now: () => clock },
    );
    const orphanLines = () => lines.filter((l) => l.startsWith(`inbox: inbox event ${orphan} `));
    const outageLines = () =>
      lines.filter((l) => /^inbox: (\d+ events? not applied|still not|events held up)/.test(l));

    // Two rounds at least: the orphan has a line for each of its attempts.
    await until(async () => orphanLines().length >= 2 || undefined, 'two rounds');
    const attempts = await db
      .selectFrom('inbox_events')
      .select('attempts')
      .where('id', 'in', purchases)
      .execute();
    expect(attempts.map((a) => a.attempts >= 2)).toEqual([true, true, true]);
    expect(outageLines()).toEqual([
      expect.stringMatching(
        /^inbox: 3 events not applied: Temporal does not answer \(UNAVAILABLE: .+\); they stay pending and are retried until it passes, with a line a minute meanwhile$/,
      ),
    ]);
    expect(outageLines()[0]).toMatch(/ECONNREFUSED 127\.0\.0\.1:\d+\)/);
    expect(outageLines()[0]).not.toMatch(/\n|\bat .*\.js:\d+/);
    expect(orphanLines().slice(0, 2)).toEqual([
      expect.stringMatching(/failed \(attempt 1\), .*no contact has external_id "cust-nobody"/),
      expect.stringMatching(/failed \(attempt 2\), .*no contact has external_id "cust-nobody"/),
    ]);

    // A minute later by the processor's clock: one line with the count.
    clock += 60_000;
    const still = await until(
      async () => lines.find((l) => l.startsWith('inbox: still not applying events')),
      'the line of the minute',
    );
    const [, failed] = /; (\d+) attempts failed for it since the last line$/.exec(still) ?? [];
    expect(Number(failed)).toBeGreaterThanOrEqual(3);
    expect(still).toMatch(/^inbox: still not applying events: Temporal does not answer \(/);

    // Their journeys end: nothing to signal, so the purchases apply.
    await db.updateTable('journeys').set({ ended_at: new Date() }).execute();
    await until(
      async () =>
        lines.some((l) => l.startsWith('inbox: events held up by the outage')) || undefined,
      'the line saying that events apply again',
    );
    await processor.stop();
    processor = undefined;

    expect(outageLines()).toEqual([
      expect.stringMatching(/^inbox: 3 events not applied: /),
      still,
      expect.stringMatching(
        /^inbox: events held up by the outage apply again( \(\d+ failed attempts? since the last line\))?$/,
      ),
    ]);
    // Each purchase has one line of its own: applied.
    for (const id of purchases)
      expect(lines.filter((l) => l.startsWith(`inbox: inbox event ${id} `))).toEqual([
        expect.stringMatching(/ applied: /),
      ]);
  });
});
