/**
 * A refund reaches the contact's flows, with every real part but the clock (the store's events
 * through the inbox on real Postgres, the real workers, the time-skipping test server): a
 * post-purchase journey keyed per order ends when its own order is refunded, and only then (not
 * on a partial refund, not twice, not for another order); a flow entered on a refund starts once;
 * a refund whose signal cannot be sent is not kept, so its retry tells the journey.
 */
import { describe, expect, it } from 'vitest';
import type { JourneyResult } from '../../src/campaigns/journey-contract.js';
import { describeResult } from '../../src/inbox/apply.js';
import { processInboxEvent } from '../../src/inbox/processor.js';
import {
  enteredOnFlow,
  purchaseEvent,
  refundEvent,
  reviewRequestFlow,
  useOrderFlows,
} from '../support/order-flows.js';

describe('refunds in flows', () => {
  const flows = useOrderFlows([
    // A shop's review request, one journey per order, which a refund of that order ends.
    reviewRequestFlow(['order_refunded']),
    // Entered on a refund, again for a later refund once the last journey ended.
    enteredOnFlow('refund-survey', 'Refund survey', 'order_refunded'),
  ]);
  const { stack, apply, waiting, ended, orderStatus } = flows;

  const purchase = (orderId: string) => apply(purchaseEvent(orderId, `buy-${orderId}`));
  const refund = (orderId: string, eventId: string, amount?: number) =>
    refundEvent(orderId, eventId, amount);
  const review = (orderId: string) => flows.keyedJourney('review-request', orderId);
  const survey = (entry = 1) => flows.journey('refund-survey', entry);

  it("ends only the refunded order's journey, not on a partial refund, and starts the flow entered on refunds", async () => {
    for (const orderId of ['r-1', 'r-2'])
      expect((await purchase(orderId)).result).toMatchObject({
        journeys: [{ workflowId: review(orderId), outcome: 'started' }],
      });
    await waiting(review('r-1'));
    await waiting(review('r-2'));

    // A partial refund leaves the order paid: no journey is told, none starts.
    const partial = await apply(refund('r-1', 'refund-r-1-part', 10));
    expect(partial.result).toMatchObject({
      outcome: 'partial_refund',
      journeysSignalled: 0,
      journeys: [],
    });
    await waiting(review('r-1'));

    const full = await apply(refund('r-1', 'refund-r-1'));
    expect(full).toMatchObject({ status: 'applied' });
    // Only the refunded order's journey is told (and counted): the other order's would ignore it.
    expect(full.result).toMatchObject({
      outcome: 'refunded',
      journeysSignalled: 1,
      journeys: [{ campaignId: 'refund-survey', workflowId: survey(), outcome: 'started' }],
    });
    expect(describeResult(full.result!)).toBe(
      `order r-1 of contact ${flows.contactId}: refunded; 1 running journey signalled; 1 journey started`,
    );
    expect(await ended(review('r-1'))).toBe('order_refunded');
    expect(await ended(survey())).toBe('completed');
    // The other order's journey goes on waiting.
    await waiting(review('r-2'));
  });

  it('keeps no refund whose signal cannot be sent, so the retry tells the journey', async () => {
    await purchase('r-3');
    await waiting(review('r-3'));
    const failed = await apply(refund('r-3', 'refund-r-3'), flows.down);
    expect(failed).toMatchObject({ status: 'failed', error: expect.stringMatching(/UNAVAILABLE/) });
    expect(await orderStatus('r-3')).toBe('paid');
    expect(
      await stack.database.db.selectFrom('journey_starts').select('workflow_id').execute(),
    ).toEqual([]);

    const retried = (await processInboxEvent(flows.deps, failed.id))!;
    expect(retried.result).toMatchObject({
      outcome: 'refunded',
      journeysSignalled: 1,
      journeys: [{ workflowId: survey(2), outcome: 'started' }],
    });
    expect(await orderStatus('r-3')).toBe('refunded');
    expect(await ended(review('r-3'))).toBe('order_refunded');
    expect(await ended(survey(2))).toBe('completed');
    await waiting(review('r-2'));
  });

  it("tells no one twice when a refund comes again, and the other order's journey goes on to its end", async () => {
    const again = await apply(refund('r-1', 'refund-r-1-redelivered'));
    expect(again.result).toMatchObject({
      outcome: 'already_refunded',
      journeysSignalled: 0,
      journeys: [],
    });
    expect(describeResult(again.result!)).toBe(
      `order r-1 of contact ${flows.contactId}: already refunded`,
    );
    // The survey's journeys have ended, so an entry now would have been a third one.
    const journeys = await stack.database.db
      .selectFrom('journeys')
      .select('workflow_id')
      .where('campaign_id', '=', 'refund-survey')
      .execute();
    const queued = await stack.database.db
      .selectFrom('journey_starts')
      .select('workflow_id')
      .where('campaign_id', '=', 'refund-survey')
      .execute();
    expect([...journeys, ...queued].map((j) => j.workflow_id).sort()).toEqual([
      survey(),
      survey(2),
    ]);

    // Waiting on its result lets the test server skip the 10 days.
    const result = (await stack.env.client.workflow
      .getHandle(review('r-2'))
      .result()) as JourneyResult;
    expect(result.endReason).toBe('completed');
  });
});
