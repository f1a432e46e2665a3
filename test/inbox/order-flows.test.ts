/**
 * An order's cancellation reaches the contact's flows, with every real part but the clock (the
 * store's events through the inbox on real Postgres, the real workers, the time-skipping test
 * server): a flow entered on `order_cancelled` starts once for a cancellation (not for a paid
 * order, not again for a repeat), a post-purchase journey keyed per order ends on its own order's
 * cancellation only, and a cancellation whose signal cannot be sent is not kept, so its retry
 * tells them.
 */
import { describe, expect, it } from 'vitest';
import { describeResult } from '../../src/inbox/apply.js';
import { processInboxEvent } from '../../src/inbox/processor.js';
import { useOrderFlows } from '../support/order-flows.js';

// A review request per order, which the order's cancellation ends.
const REVIEW_REQUEST = `
id: review-request
name: Review request
kind: flow
exitWhen: { events: [order_cancelled] }
nodes:
  start: { type: entry, trigger: event, event: purchase, key: order_id, next: wait-10d }
  wait-10d: { type: wait, duration: 10 days, next: done }
  done: { type: exit, reason: completed }
`;

// Entered on a cancellation, again for a later one once the last journey ended.
const CANCEL_SURVEY = `
id: cancel-survey
name: Cancellation survey
kind: flow
nodes:
  start: { type: entry, trigger: event, event: order_cancelled, reentry: after_end, next: done }
  done: { type: exit, reason: completed }
`;

describe('cancellations in flows', () => {
  const flows = useOrderFlows([REVIEW_REQUEST, CANCEL_SURVEY]);
  const { stack, apply, waiting, ended, orderStatus } = flows;

  const order = (orderId: string, eventId: string, status: 'paid' | 'cancelled') => ({
    type: 'purchase',
    event_id: eventId,
    contact: { email: 'rita@example.com' },
    order: { id: orderId, total: 40, currency: 'EUR', status },
  });
  const review = (orderId: string) => `review-request/${flows.contactId}/key/${orderId}`;
  const survey = (entry = 1) =>
    entry === 1 ? `cancel-survey/${flows.contactId}` : `cancel-survey/${flows.contactId}/${entry}`;

  /** Every journey of the campaign, started or still queued. */
  const journeysOf = async (campaignId: string) => {
    const { db } = stack.database;
    const rows = [
      ...(await db
        .selectFrom('journeys')
        .select('workflow_id')
        .where('campaign_id', '=', campaignId)
        .execute()),
      ...(await db
        .selectFrom('journey_starts')
        .select('workflow_id')
        .where('campaign_id', '=', campaignId)
        .execute()),
    ];
    return rows.map((r) => r.workflow_id).sort();
  };

  it("starts the cancellation's flow once, not for a paid order, and ends only the cancelled order's journey", async () => {
    for (const orderId of ['c-1', 'c-2']) {
      const paid = await apply(order(orderId, `buy-${orderId}`, 'paid'));
      expect(paid.result).toMatchObject({
        journeys: [{ workflowId: review(orderId), outcome: 'started' }],
      });
      expect(paid.result).not.toHaveProperty('cancellation');
    }
    await waiting(review('c-1'));
    await waiting(review('c-2'));
    expect(await journeysOf('cancel-survey')).toEqual([]);

    const cancelled = await apply(order('c-1', 'cancel-c-1', 'cancelled'));
    expect(cancelled).toMatchObject({ status: 'applied' });
    // Both orders' journeys are told; the one keyed on another order ignores it.
    expect(cancelled.result).toMatchObject({
      order: { status: 'cancelled' },
      cancellation: {
        journeysSignalled: 2,
        journeys: [{ campaignId: 'cancel-survey', workflowId: survey(), outcome: 'started' }],
      },
    });
    expect(describeResult(cancelled.result!)).toBe(
      `contact ${flows.contactId} found; order c-1 updated (cancelled); cancelled now: 2 running journeys signalled, 1 journey started`,
    );
    expect(await ended(review('c-1'))).toBe('order_cancelled');
    expect(await ended(survey())).toBe('completed');
    await waiting(review('c-2'));

    // The same cancellation again (another event id): the order is cancelled already.
    const again = await apply(order('c-1', 'cancel-c-1-again', 'cancelled'));
    expect(again.result).not.toHaveProperty('cancellation');
    expect(describeResult(again.result!)).toContain('not a new purchase, no journey signalled');
    // The survey's journey has ended, so a second entry would have been told apart.
    expect(await journeysOf('cancel-survey')).toEqual([survey()]);
  });

  it('keeps no cancellation whose signal cannot be sent, so the retry tells the journeys', async () => {
    await apply(order('c-3', 'buy-c-3', 'paid'));
    await waiting(review('c-3'));
    const failed = await apply(order('c-3', 'cancel-c-3', 'cancelled'), flows.down);
    expect(failed).toMatchObject({ status: 'failed', error: expect.stringMatching(/UNAVAILABLE/) });
    expect(await orderStatus('c-3')).toBe('paid');
    expect(await journeysOf('cancel-survey')).toEqual([survey()]);

    const retried = (await processInboxEvent(flows.deps, failed.id))!;
    expect(retried.result).toMatchObject({
      cancellation: { journeys: [{ workflowId: survey(2), outcome: 'started' }] },
    });
    expect(await orderStatus('c-3')).toBe('cancelled');
    expect(await ended(review('c-3'))).toBe('order_cancelled');
    expect(await ended(survey(2))).toBe('completed');
  });
});
