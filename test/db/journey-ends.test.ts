/**
 * How a journey's end is written: by its own workflow runs (the last end recorded wins, whichever
 * run of the journey wrote the one before; a retry of the same end changes nothing), and by
 * `campaign stop`'s settlement (first write wins, it says whether it wrote, and no run's end
 * replaces it); and which journeys a purchase or a flow event is still sent to once their end is
 * written.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { saveCampaign } from '../../src/db/campaigns.js';
import { reachableFlowJourneys } from '../../src/db/contact-events.js';
import { upsertContact } from '../../src/db/contacts.js';
import {
  type OwnJourneyEnd,
  reachableJourneyIds,
  recordJourneyEnd,
  recordJourneyEvent,
  recordOwnJourneyEnd,
} from '../../src/db/journeys.js';
import { insertJourneyRow, lowClvCampaign } from '../support/campaigns.js';
import { useTestDatabase } from '../support/db.js';

describe('journey ends', () => {
  const database = useTestDatabase();
  let contactId: number;
  let next = 0;
  beforeAll(async () => {
    await lowClvCampaign(database.db, 'ends', { name: 'Ends', coupons: 1 });
    await saveCampaign(database.db, {
      id: 'ends-flow',
      name: 'Ends of a flow',
      kind: 'flow',
      audience: { limitation: 'all' },
      nodes: {
        start: { type: 'entry', trigger: 'launch', next: 'pause' },
        pause: { type: 'wait', duration: '1 day', next: 'done' },
        done: { type: 'exit', reason: 'completed' },
      },
    });
  });

  /** A new contact's journey row in `campaign`, not ended; its workflow id. */
  async function journey(campaign = 'ends'): Promise<string> {
    contactId = (await upsertContact(database.db, { email: `end${++next}@example.com` })).contact
      .id;
    await insertJourneyRow(database.db, campaign, contactId);
    return `${campaign}/${contactId}`;
  }

  const ownEnd = (workflowId: string, end: Omit<OwnJourneyEnd, 'workflowId'>) =>
    recordOwnJourneyEnd(
      database.db,
      { workflowId, ...end },
      {
        key: `${workflowId}:ended`,
        workflowId,
        campaignId: 'ends',
        contactId,
        type: 'ended',
        detail: { reason: end.reason, ...(end.failure ? { error: end.failure } : {}) },
      },
    );

  async function recorded(workflowId: string) {
    const row = await database.db
      .selectFrom('journeys')
      .select(['end_reason', 'ended_at', 'failure'])
      .where('workflow_id', '=', workflowId)
      .executeTakeFirstOrThrow();
    const events = await database.db
      .selectFrom('journey_events')
      .select(['detail', 'occurred_at'])
      .where('workflow_id', '=', workflowId)
      .where('type', '=', 'ended')
      .execute();
    return { ...row, events };
  }

  const t1 = new Date('2026-12-01T10:00:00Z');
  const t2 = new Date('2026-12-01T10:05:00Z');

  it('replaces an end its own run wrote before, in the row and the ended event; the same end keeps its time', async () => {
    const id = await journey();
    await ownEnd(id, { runId: 'run-a', reason: 'completed', at: t1 });
    // A retry of the same end (the local activity again): nothing moves.
    await ownEnd(id, { runId: 'run-a', reason: 'completed', at: t2 });
    expect(await recorded(id)).toEqual({
      end_reason: 'completed',
      ended_at: t1,
      failure: null,
      events: [{ detail: { reason: 'completed' }, occurred_at: t1 }],
    });

    // The discarded task's end is replaced by the one the run went on to record.
    await ownEnd(id, { runId: 'run-a', reason: 'purchased', at: t2 });
    expect(await recorded(id)).toEqual({
      end_reason: 'purchased',
      ended_at: t2,
      failure: null,
      events: [{ detail: { reason: 'purchased' }, occurred_at: t2 }],
    });

    // A failure recorded earlier by the run is cleared by its later end, and the other way round.
    await ownEnd(id, { runId: 'run-a', reason: 'failed', failure: 'no template', at: t1 });
    expect(await recorded(id)).toMatchObject({
      end_reason: 'failed',
      failure: 'no template',
      events: [{ detail: { reason: 'failed', error: 'no template' } }],
    });
    await ownEnd(id, { runId: 'run-a', reason: 'left_segment', at: t2 });
    expect(await recorded(id)).toMatchObject({ end_reason: 'left_segment', failure: null });
  });

  it('replaces an end an earlier run of the journey wrote (a reset), in the row and the ended event', async () => {
    const id = await journey();
    await ownEnd(id, { runId: 'run-a', reason: 'failed', failure: 'no template', at: t1 });
    await ownEnd(id, { runId: 'run-b', reason: 'purchased', at: t2 });
    expect(await recorded(id)).toEqual({
      end_reason: 'purchased',
      ended_at: t2,
      failure: null,
      events: [{ detail: { reason: 'purchased' }, occurred_at: t2 }],
    });

    // The reset run ending the same way as the run before it ended when it did, not before.
    const again = await journey();
    await ownEnd(again, { runId: 'run-a', reason: 'completed', at: t1 });
    await ownEnd(again, { runId: 'run-b', reason: 'completed', at: t2 });
    expect(await recorded(again)).toMatchObject({
      end_reason: 'completed',
      ended_at: t2,
      events: [{ occurred_at: t2 }],
    });
  });

  it('leaves an end the settlement wrote, or one recorded before ended_by_run existed, whichever run ends', async () => {
    const settled = await journey();
    expect(await recordJourneyEnd(database.db, settled, 'campaign_stopped', t1)).toBe(true);
    await ownEnd(settled, { runId: 'run-a', reason: 'purchased', at: t2 });
    expect(await recorded(settled)).toMatchObject({
      end_reason: 'campaign_stopped',
      ended_at: t1,
      failure: null,
    });

    // Before journeys.ended_by_run, a journey's own end left it null beside its ended event.
    const older = await journey();
    await recordJourneyEnd(database.db, older, 'completed', t1);
    await recordJourneyEvent(database.db, {
      key: `${older}:ended`,
      workflowId: older,
      campaignId: 'ends',
      contactId,
      type: 'ended',
      detail: { reason: 'completed' },
      at: t1,
    });
    await ownEnd(older, { runId: 'run-b', reason: 'purchased', at: t2 });
    expect(await recorded(older)).toEqual({
      end_reason: 'completed',
      ended_at: t1,
      failure: null,
      events: [{ detail: { reason: 'completed' }, occurred_at: t1 }],
    });
  });

  it("the settlement writes once, and only after the run's own end says it did not write", async () => {
    const id = await journey();
    expect(await recordJourneyEnd(database.db, id, 'completed', t1)).toBe(true);
    expect(await recordJourneyEnd(database.db, id, 'purchased', t2)).toBe(false);
    expect(await recorded(id)).toMatchObject({ end_reason: 'completed', ended_at: t1 });

    const own = await journey();
    await ownEnd(own, { runId: 'run-a', reason: 'purchased', at: t1 });
    expect(await recordJourneyEnd(database.db, own, 'completed', t2)).toBe(false);
    expect(await recorded(own)).toMatchObject({ end_reason: 'purchased', ended_at: t1 });
  });

  it('a purchase or a flow event still reaches a journey its run ended lately, not one ended long ago or by the settlement', async () => {
    /** The journeys of the last journey's contact that a purchase, and a flow event, is sent to. */
    const reached = async () => {
      const purchase = await reachableJourneyIds(database.db, contactId);
      const event = (await reachableFlowJourneys(database.db, contactId)).map((j) => j.workflowId);
      expect(event).toEqual(purchase);
      return purchase;
    };
    const running = await journey('ends-flow');
    expect(await reached()).toEqual([running]);

    // Its workflow task may yet be discarded, and the task run again hears what came meanwhile.
    const endedNow = await journey('ends-flow');
    await ownEnd(endedNow, { runId: 'run-a', reason: 'completed', at: new Date() });
    expect(await reached()).toEqual([endedNow]);

    const endedLongAgo = await journey('ends-flow');
    const twoHoursAgo = new Date(Date.now() - 2 * 3600_000);
    await ownEnd(endedLongAgo, { runId: 'run-a', reason: 'completed', at: twoHoursAgo });
    expect(await reached()).toEqual([]);

    // The settlement writes the end of a workflow Temporal has closed.
    const settled = await journey('ends-flow');
    expect(await recordJourneyEnd(database.db, settled, 'campaign_stopped')).toBe(true);
    expect(await reached()).toEqual([]);
  });
});
