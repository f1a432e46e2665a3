/**
 * The abandoned-checkout simulation of `npm run bench -- checkouts`, small and seeded: 60 checkouts
 * from 40 contacts over the real `POST /events`, inbox processor and workers on the dev server, the
 * example flow with its waits cut to 3, 5 and 5 seconds and a 20% control group. A third of the
 * checkouts are completed during each wait or after the last message; the checks then find, for
 * every checkout, exactly the journey, messages, coupons and SMS the flow prescribes.
 */
import type proto from '@temporalio/proto';
import { describe, expect, it } from 'vitest';
import {
  checkSimulation,
  decidedAfterTold,
  NODES,
  planSimulation,
  readJourneyHistory,
  runSimulation,
  seedSimulation,
  simulationFlow,
  startSimulationStack,
} from '../../bench/checkout-simulation.js';
import { createDb } from '../../src/db/database.js';
import { useStack } from '../support/stack.js';

type HistoryEvent = proto.temporal.api.history.v1.IHistoryEvent;

/**
 * `events` with event `moved` placed just before event `before`, numbered again in their new
 * order (references to other events, `…EventId`, follow).
 */
function moveEvent(events: HistoryEvent[], moved: number, before: number): HistoryEvent[] {
  const order = events.filter((e) => Number(e.eventId) !== moved);
  order.splice(
    order.findIndex((e) => Number(e.eventId) === before),
    0,
    events.find((e) => Number(e.eventId) === moved)!,
  );
  const newId = new Map(order.map((e, i) => [Number(e.eventId), i + 1]));
  const renumber = (value: unknown): unknown =>
    value && typeof value === 'object' && !(value instanceof Uint8Array) && !('low' in value)
      ? Object.fromEntries(
          Object.entries(value).map(([k, v]) => [
            k,
            /^eventId$|EventId$/.test(k) ? newId.get(Number(v)) : renumber(v),
          ]),
        )
      : value;
  return order.map((e) => renumber(e) as HistoryEvent);
}

describe('abandoned-checkout simulation', () => {
  const stack = useStack();

  it('sends exactly what the flow prescribes for each checkout, nothing after its order, one journey per contact', async () => {
    // The pool a worker gets in production (createDb's default), not the test's small one.
    const db = createDb(stack.database.url);
    const flow = await simulationFlow([3000, 5000, 5000], 20);
    const plan = planSimulation({
      checkouts: 60,
      contacts: 40,
      spreadMs: 4000,
      gapMs: 1500,
      seed: 23,
    });
    await seedSimulation(db, plan, flow);
    const sim = await startSimulationStack(db, stack.env, 'checkout-simulation');
    try {
      const run = await runSimulation(db, sim.httpUrl, plan, flow, {
        guardMs: 1000,
        timeoutMs: 150_000,
      });
      expect(run.timedOut).toBe(false);
      const checks = await checkSimulation(db, stack.env.client, flow, 300);
      expect(checks.examples).toEqual([]);
      expect(checks).toMatchObject({
        checkouts: 60,
        wrongJourney: 0,
        contactsWithTwoJourneys: 0,
        wrongSends: 0,
        wrongStage: 0,
        afterOrder: 0,
        smsWithoutConsent: 0,
        pass: true,
      });
      // The run covers what the checks are about: every reason for no journey, orders in each
      // wait and after the last message, both groups, SMS with and without consent.
      expect(Object.keys(checks.noJourney).sort()).toEqual([
        'no contact',
        'no email consent',
        'one journey per contact per 7 days',
      ]);
      for (const n of checks.orderedDuring) expect(n).toBeGreaterThan(0);
      expect(checks.journeys.heldOut).toBeGreaterThan(0);
      expect(checks.sent.sms).toBeGreaterThan(0);
      expect(checks.stages[3]).toBeGreaterThan(checks.sent.sms); // some reached the end without consent

      // The checks can fail: a second item email, claimed after the order of a journey's contact.
      const ordered = await db
        .selectFrom('journeys')
        .innerJoin('orders', 'orders.contact_id', 'journeys.contact_id')
        .innerJoin('messages', 'messages.workflow_id', 'journeys.workflow_id')
        .select(['journeys.workflow_id', 'orders.created_at', 'messages.id'])
        .where('journeys.holdout', '=', false)
        .where('messages.idempotency_key', 'like', '%/email-items')
        .executeTakeFirstOrThrow();
      const copy = await db
        .selectFrom('messages')
        .selectAll()
        .where('id', '=', ordered.id)
        .executeTakeFirstOrThrow();
      const { id: _id, ...row } = copy;
      await db
        .insertInto('messages')
        .values({
          ...row,
          idempotency_key: `${copy.idempotency_key}-again`,
          created_at: new Date(), // after every journey ended, so after its signal too
        })
        .execute();
      const broken = await checkSimulation(db, stack.env.client, flow, 300);
      expect(broken).toMatchObject({ afterOrder: 1, wrongSends: 1, pass: false });

      // And from the history: a journey told of its order before the task that scheduled its
      // item email would have decided that email knowing of the order.
      const readAs = (workflowId: string) => ({
        journeyKey: workflowId.split('/key/')[1]!,
        exitEvents: flow.exitEvents,
        sendActivities: ['sendEmail', 'sendSms'],
      });
      let found = false;
      for (const { workflow_id: workflowId } of await db
        .selectFrom('journeys')
        .select('workflow_id')
        .execute()) {
        const { events = [] } = await stack.env.client.workflow
          .getHandle(workflowId)
          .fetchHistory();
        const history = readJourneyHistory(events!, readAs(workflowId));
        const email = history.decisions.find((d) => d.node === NODES.firstEmail);
        // A journey told of its order right after its item email: moving the signal before that
        // email's task leaves exactly that email decided after it (one told after its coupon
        // email would have those decided after it too).
        if (
          !history.told ||
          !email ||
          history.decisions.some((d) => d.decidedFrom > email.decidedFrom)
        )
          continue;
        expect(decidedAfterTold(history)).toEqual([]);
        const told = moveEvent(events!, history.told.eventId, email.decidedFrom);
        expect(
          decidedAfterTold(readJourneyHistory(told, readAs(workflowId))).map((d) => d.node),
        ).toEqual([NODES.firstEmail]);
        found = true;
        break;
      }
      expect(found).toBe(true);
    } finally {
      await sim.stop();
      await db.destroy();
    }
  }, 300_000);
});
