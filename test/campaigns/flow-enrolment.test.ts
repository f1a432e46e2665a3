/**
 * Flows through the enrolment module, on real Postgres with a client that records the journeys
 * it is asked to start: a flow entered on a segment starts on the recompute's entries, a flow
 * entered on an event starts with the event (its `where` and re-entry `atMostOncePer` honoured).
 */
import type { Client } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { campaignsStartedBy, enrolOnSegmentEntry } from '../../src/campaigns/enrolment.js';
import type { FlowEvent, JourneyInput } from '../../src/campaigns/journey-contract.js';
import { enterJourneys } from '../../src/inbox/journey-entry.js';
import { saveCampaign } from '../../src/db/campaigns.js';
import { createSegment } from '../../src/db/segments.js';
import { useTestDatabase } from '../support/db.js';

interface Started {
  type: string;
  workflowId: string;
  input: JourneyInput & { entryEvent?: FlowEvent };
}

function recordingClient(): { client: Client; started: Started[] } {
  const started: Started[] = [];
  const client = {
    workflow: {
      async start(type: string, opts: { workflowId: string; args: [Started['input']] }) {
        started.push({ type, workflowId: opts.workflowId, input: opts.args[0] });
      },
    },
  } as unknown as Client;
  return { client, started };
}

const flow = (id: string, entry: Record<string, unknown>) => ({
  id,
  name: id,
  kind: 'flow',
  audience: { limitation: 'all' },
  nodes: {
    start: { type: 'entry', ...entry, next: 'wait' },
    wait: { type: 'wait', duration: '1 day', next: 'done' },
    done: { type: 'exit', reason: 'completed' },
  },
});

const DAY = 86_400_000;

describe('flow enrolment', () => {
  const database = useTestDatabase();

  it('starts a flow entered on a segment for the contacts the refresh found entering it', async () => {
    const { db } = database;
    const [a, b] = await db
      .insertInto('contacts')
      .values([{ email: 'a@example.com' }, { email: 'b@example.com' }])
      .returning('id')
      .execute();
    const segment = await createSegment(db, { name: 'Champions', definition: { static: true } });
    const at = new Date('2026-12-06T03:00:00Z');
    await db
      .insertInto('segment_memberships')
      .values(
        [a!, b!].map(({ id }) => ({ segment_id: segment.id, contact_id: id, entered_at: at })),
      )
      .execute();
    await saveCampaign(db, flow('vip', { trigger: 'segment_entry', segment: 'Champions' }));
    await saveCampaign(db, flow('on-launch', { trigger: 'launch' }));
    const { client, started } = recordingClient();

    const counts = await enrolOnSegmentEntry(
      { client, db, taskQueue: 'q', searchAttributes: false },
      [{ segment: 'Champions', segmentId: segment.id, at: at.toISOString(), entered: 2 }],
    );
    expect(counts).toEqual({ started: 2, alreadyEnrolled: 0 });
    expect(started.map((s) => [s.type, s.workflowId])).toEqual([
      ['flowJourney', `vip/${a!.id}`],
      ['flowJourney', `vip/${b!.id}`],
    ]);
  });

  it('starts a flow entered on an event with the event, once per 30 days at most', async () => {
    const { db } = database;
    await saveCampaign(
      db,
      flow('review', {
        trigger: 'event',
        event: 'review_written',
        where: { stars: 5 },
        reentry: { atMostOncePer: '30 days' },
      }),
    );
    const campaigns = await campaignsStartedBy(db, 'review_written');
    expect(campaigns.map((c) => c.definition.id)).toEqual(['review']);
    expect(await campaignsStartedBy(db, 'account_registered')).toEqual([]);
    const { id } = await db
      .insertInto('contacts')
      .values({ email: null })
      .returning('id')
      .executeTakeFirstOrThrow();
    const contact = { id, email: null };
    const { client, started } = recordingClient();
    const starter = { temporal: client, db, taskQueue: 'q', searchAttributes: false };
    const review = (stars: number): FlowEvent => ({
      name: 'review_written',
      properties: { stars },
    });

    expect(await enterJourneys(starter, campaigns, contact, review(3))).toEqual([]);
    const first = await enterJourneys(starter, campaigns, contact, review(5));
    expect(first).toEqual([
      { campaignId: 'review', workflowId: `review/${id}`, outcome: 'started' },
    ]);
    expect(started[0]!.input.entryEvent).toEqual(review(5));

    // The journey, as its activities record it: ended; enrolled 10 days ago, then 40.
    await db
      .updateTable('journeys')
      .set({
        enrolled_at: new Date(Date.now() - 10 * DAY),
        ended_at: new Date(Date.now() - 9 * DAY),
        end_reason: 'completed',
      })
      .where('workflow_id', '=', `review/${id}`)
      .execute();
    const tooSoon = await enterJourneys(starter, campaigns, contact, review(5));
    expect(tooSoon).toMatchObject([{ outcome: 'already_enrolled' }]);
    await db
      .updateTable('journeys')
      .set({ enrolled_at: new Date(Date.now() - 40 * DAY) })
      .where('workflow_id', '=', `review/${id}`)
      .execute();
    const again = await enterJourneys(starter, campaigns, contact, review(5));
    expect(again).toEqual([
      { campaignId: 'review', workflowId: `review/${id}/2`, outcome: 'started' },
    ]);
  });

  it("applies a keyed entry's re-entry rule per contact, across key values", async () => {
    const { db } = database;
    const keyed = (id: string, reentry: unknown) =>
      flow(id, {
        trigger: 'event',
        event: 'cart_started',
        key: 'cart_id',
        ...(reentry ? { reentry } : {}),
      });
    await saveCampaign(db, keyed('per-cart', undefined));
    await saveCampaign(db, keyed('weekly', { atMostOncePer: '7 days' }));
    await saveCampaign(db, keyed('after-end', 'after_end'));
    const { id } = await db
      .insertInto('contacts')
      .values({ email: 'carts@example.com' })
      .returning('id')
      .executeTakeFirstOrThrow();
    const contact = { id, email: 'carts@example.com' };
    const { client } = recordingClient();
    const starter = { temporal: client, db, taskQueue: 'q', searchAttributes: false };
    const campaigns = await campaignsStartedBy(db, 'cart_started');
    const cart = async (key: string) =>
      Object.fromEntries(
        (
          await enterJourneys(starter, campaigns, contact, {
            name: 'cart_started',
            properties: { cart_id: key },
          })
        ).map((j) => [j.campaignId, j.outcome]),
      );

    // The first cart starts a journey in each; its row is there at once for the next check.
    expect(await cart('c1')).toEqual({
      'per-cart': 'started',
      weekly: 'started',
      'after-end': 'started',
    });
    // Without a rule, one journey per cart; with one, the running journey keeps the others out.
    expect(await cart('c2')).toEqual({
      'per-cart': 'started',
      weekly: 'already_enrolled',
      'after-end': 'already_enrolled',
    });
    // The first journeys end: after_end lets the next cart in, the 7 days do not (yet).
    await db
      .updateTable('journeys')
      .set({ ended_at: new Date() })
      .where('contact_id', '=', id)
      .execute();
    expect(await cart('c3')).toMatchObject({ weekly: 'already_enrolled', 'after-end': 'started' });
    await db
      .updateTable('journeys')
      .set({ enrolled_at: new Date(Date.now() - 8 * DAY), ended_at: new Date() })
      .where('contact_id', '=', id)
      .execute();
    expect(await cart('c4')).toMatchObject({ weekly: 'started' });
    const weekly = await db
      .selectFrom('journeys')
      .select('workflow_id')
      .where('campaign_id', '=', 'weekly')
      .orderBy('workflow_id')
      .execute();
    expect(weekly.map((j) => j.workflow_id)).toEqual([
      `weekly/${id}/key/c1`,
      `weekly/${id}/key/c4`,
    ]);
  });
});
