/**
 * `campaign stop` right after `campaign launch`, as the README walks it, on the dev server with the
 * real workers: the journeys of contacts outside the segment end at its first check, each recording
 * its own end before its workflow closes. The stop reads the open journeys from the table, then asks
 * Temporal about each; journeys that end between the two were recorded by themselves, and the stop
 * must not report them as "ended without being recorded".
 *
 * The race is made certain: a lock on the segments table holds the journeys at their segment check
 * (enrolled, their rows open) until the stop has read the open rows, and the stop's first look at
 * Temporal waits until every journey's workflow has closed.
 */
import { Client, type WorkflowClientInterceptor } from '@temporalio/client';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { journeyWorkflowId, launchCampaign, stopCampaign } from '../../src/campaigns/enrolment.js';
import type { JourneyResult } from '../../src/campaigns/journey-contract.js';
import { createDb } from '../../src/db/database.js';
import { openJourneyIds } from '../../src/db/journeys.js';
import { ensurePresetSegments } from '../../src/db/segments.js';
import { lowClvCampaign } from '../support/campaigns.js';
import { contactMaker } from '../support/customers.js';
import { until } from '../support/processes.js';
import { SHOP_ENV, useStack } from '../support/stack.js';

describe('a stop right after a launch', () => {
  const stack = useStack({ workers: { env: SHOP_ENV, name: 'stop-after-launch' } });

  it('counts as settled only the journeys whose end it recorded itself', async () => {
    const { db } = stack.database;
    const campaignId = 'stop-after-launch';
    await ensurePresetSegments(db);
    // Subscribed, but without indicators: outside "Customers to reengage".
    const newContact = contactMaker(stack.database, 'outside');
    const contactIds = [await newContact(), await newContact(), await newContact()];
    const workflowIds = contactIds.map((id) => journeyWorkflowId(campaignId, id));
    await lowClvCampaign(db, campaignId, { name: 'Stop after launch', coupons: 3 });

    const locker = createDb(stack.database.url, { max: 1 });
    let release = () => {};
    const released = new Promise<void>((resolve) => (release = resolve));
    let segmentsLocked = () => {};
    const locked = new Promise<void>((resolve) => (segmentsLocked = resolve));
    const lockHeld = locker.transaction().execute(async (trx) => {
      await sql`LOCK TABLE segments IN ACCESS EXCLUSIVE MODE`.execute(trx);
      segmentsLocked();
      await released;
    });
    try {
      await locked;
      const launched = await launchCampaign(
        { db, client: stack.env.client, config: stack.workers!.config },
        { campaignId },
      );
      expect(launched.progress).toMatchObject({ started: 3, done: true });
      await until(
        async () => (await openJourneyIds(db, { campaignId })).length === 3,
        'three journeys enrolled, held at their segment check',
      );

      // What the table says of each journey once every workflow has closed, before the stop settles.
      let endsWhenClosed: unknown;
      const closedBeforeDescribe: WorkflowClientInterceptor = {
        async describe(input, next) {
          if (endsWhenClosed === undefined) {
            release();
            await lockHeld;
            await until(async () => {
              const statuses = await Promise.all(
                workflowIds.map(
                  async (id) => (await stack.env.client.workflow.getHandle(id).describe()).status,
                ),
              );
              return statuses.every((s) => s.name === 'COMPLETED');
            }, 'every journey workflow closed');
            const rows = await db
              .selectFrom('journeys')
              .select(['workflow_id', 'end_reason'])
              .where('campaign_id', '=', campaignId)
              .where('ended_at', 'is not', null)
              .execute();
            endsWhenClosed = rows.sort((a, b) => a.workflow_id.localeCompare(b.workflow_id));
          }
          return next(input);
        },
      };
      const client = new Client({
        connection: stack.env.connection,
        interceptors: { workflow: [closedBeforeDescribe] },
      });

      const outcome = await stopCampaign({ db, client }, { campaignId });

      // Each journey had recorded its own end by the time its workflow closed, the one its workflow
      // returned: not_in_segment, or campaign_stopped where the stop's signal came in during its
      // last workflow task (Temporal then runs that task again, and the signal comes first)…
      const ends = await Promise.all(
        [...workflowIds]
          .sort((a, b) => a.localeCompare(b))
          .map(async (id) => ({
            workflow_id: id,
            end_reason: ((await stack.env.client.workflow.getHandle(id).result()) as JourneyResult)
              .endReason,
          })),
      );
      for (const { end_reason } of ends)
        expect(['not_in_segment', 'campaign_stopped']).toContain(end_reason);
      expect(endsWhenClosed).toEqual(ends);
      // …so the stop had none to record, and says so.
      expect(outcome.settled).toEqual({ running: 0, failed: 0, completed: 0 });
      expect(await openJourneyIds(db, { campaignId })).toEqual([]);
      const endedEvents = await db
        .selectFrom('journey_events')
        .select('workflow_id')
        .where('campaign_id', '=', campaignId)
        .where('type', '=', 'ended')
        .execute();
      expect(endedEvents).toHaveLength(3);

      // A closed journey whose row is open (as a lost end would leave it) is still settled, and counted.
      await db
        .updateTable('journeys')
        .set({ ended_at: null, end_reason: null })
        .where('workflow_id', '=', workflowIds[0]!)
        .execute();
      const again = await stopCampaign({ db, client: stack.env.client }, { campaignId });
      expect(again.settled).toEqual({ running: 0, failed: 0, completed: 1 });
      const result = (await stack.env.client.workflow
        .getHandle(workflowIds[0]!)
        .result()) as JourneyResult;
      expect(
        await db
          .selectFrom('journeys')
          .select('end_reason')
          .where('workflow_id', '=', workflowIds[0]!)
          .executeTakeFirstOrThrow(),
      ).toEqual({ end_reason: result.endReason });
    } finally {
      release();
      await lockHeld.catch(() => {});
      await locker.destroy();
    }
  });
});
