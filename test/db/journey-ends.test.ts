/**
 * How a journey's end is written: by its own workflow run (the last end that run records wins, a
 * retry of the same end changes nothing, another run's end is left alone), and by `campaign
 * stop`'s settlement (first write wins, and it says whether it wrote).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { upsertContact } from '../../src/db/contacts.js';
import {
  type OwnJourneyEnd,
  recordJourneyEnd,
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
  });

  /** A new contact's journey row in campaign `ends`, not ended; its workflow id. */
  async function journey(): Promise<string> {
    contactId = (await upsertContact(database.db, { email: `end${++next}@example.com` })).contact
      .id;
    await insertJourneyRow(database.db, 'ends', contactId);
    return `ends/${contactId}`;
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

  it('leaves an end written by another run of the same workflow id, or by the settlement', async () => {
    const id = await journey();
    await ownEnd(id, { runId: 'run-a', reason: 'completed', at: t1 });
    await ownEnd(id, { runId: 'run-b', reason: 'purchased', at: t2 });
    const completed = {
      end_reason: 'completed',
      ended_at: t1,
      failure: null,
      events: [{ detail: { reason: 'completed' }, occurred_at: t1 }],
    };
    expect(await recorded(id)).toEqual(completed);

    const settled = await journey();
    expect(await recordJourneyEnd(database.db, settled, 'campaign_stopped', t1)).toBe(true);
    await ownEnd(settled, { runId: 'run-a', reason: 'purchased', at: t2 });
    expect(await recorded(settled)).toMatchObject({ end_reason: 'campaign_stopped', ended_at: t1 });
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
});
