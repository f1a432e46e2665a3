/**
 * An order's cancellation and its partial refunds reach the contact's flows, with every real part
 * but the clock (the store's events through the inbox on real Postgres, the real workers, the
 * time-skipping test server): a flow entered on `order_cancelled` starts once for a cancellation
 * (not for a paid order, not again for a repeat), a post-purchase journey keyed per order ends on
 * its own order's cancellation or partial refund only, a partial refund is told once however often
 * it comes, and a cancellation whose signal cannot be sent is not kept, so its retry tells them.
 */
import { describe, expect, it } from 'vitest';
import { describeResult } from '../../src/inbox/apply.js';
import { processInboxEvent } from '../../src/inbox/processor.js';
import {
  enteredOnFlow,
  purchaseEvent,
  refundEvent,
  reviewRequestFlow,
  useOrderFlows,
} from '../support/order-flows.js';

// Entered on a partial refund; its branch reads the amount refunded.
const PARTIAL_REFUND_NOTE = `
id: partial-refund-note
name: Partial refund note
kind: flow
nodes:
  start: { type: entry, trigger: event, event: order_partially_refunded, reentry: after_end, next: amount }
  amount: { type: branch, if: { entryEvent: { property: amount, value: 10 } }, then: ten, else: other }
  ten: { type: exit, reason: ten }
  other: { type: exit, reason: other }
`;

describe('cancellations and partial refunds in flows', () => {
  const flows = useOrderFlows([
    // A review request per order, which the order's cancellation or partial refund ends.
    reviewRequestFlow(['order_cancelled', 'order_partially_refunded']),
    // Entered on a cancellation, again for a later one once the last journey ended.
    enteredOnFlow('cancel-survey', 'Cancellation survey', 'order_cancelled'),
    PARTIAL_REFUND_NOTE,
  ]);
  const { apply, waiting, ended, orderStatus, journeysOf } = flows;

  const order = (orderId: string, eventId: string, status: 'paid' | 'cancelled') =>
    purchaseEvent(orderId, eventId, status);
  const partialRefund = (orderId: string, eventId: string, amount: number, at: string) =>
    refundEvent(orderId, eventId, amount, at);
  const review = (orderId: string) => flows.keyedJourney('review-request', orderId);
  const survey = (entry = 1) => flows.journey('cancel-survey', entry);
  const note = (entry = 1) => flows.journey('partial-refund-note', entry);

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
    // Only the journey keyed on the cancelled order is told; c-2's would ignore it.
    expect(cancelled.result).toMatchObject({
      order: { status: 'cancelled' },
      cancellation: {
        journeysSignalled: 1,
        journeys: [{ campaignId: 'cancel-survey', workflowId: survey(), outcome: 'started' }],
      },
    });
    expect(describeResult(cancelled.result!)).toBe(
      `contact ${flows.contactId} found; order c-1 updated (cancelled); cancelled now: 1 running journey signalled, 1 journey started`,
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

  it("ends only the partially refunded order's journey, tells a partial refund once, and gives its amount", async () => {
    await apply(order('p-1', 'buy-p-1', 'paid'));
    await apply(order('p-2', 'buy-p-2', 'paid'));
    await waiting(review('p-1'));
    await waiting(review('p-2'));

    const partial = await apply(partialRefund('p-1', 'refund-p-1', 10, '2026-12-07T10:00:00Z'));
    expect(partial.result).toMatchObject({
      outcome: 'partial_refund',
      // Running: c-2's and both p- orders' review requests; only p-1's, keyed on this order, is told.
      journeysSignalled: 1,
      journeys: [{ workflowId: note(), outcome: 'started' }],
    });
    expect(await orderStatus('p-1')).toBe('paid');
    expect(await ended(review('p-1'))).toBe('order_partially_refunded');
    expect(await ended(note())).toBe('ten');
    await waiting(review('p-2'));
    await waiting(review('c-2'));

    // The same refund sent again under another event id: kept already, told to no one.
    const again = await apply(
      partialRefund('p-1', 'refund-p-1-resent', 10, '2026-12-07T10:00:00Z'),
    );
    expect(again.result).toMatchObject({
      outcome: 'partial_refund_again',
      journeysSignalled: 0,
      journeys: [],
    });
    expect(describeResult(again.result!)).toBe(
      `order p-1 of contact ${flows.contactId}: partial refund again`,
    );
    expect(await journeysOf('partial-refund-note')).toEqual([note()]);

    // Another partial refund of the same order is a new one: the flow entered on it starts again.
    const second = await apply(partialRefund('p-1', 'refund-p-1-more', 5, '2026-12-07T11:00:00Z'));
    expect(second.result).toMatchObject({
      outcome: 'partial_refund',
      journeys: [{ workflowId: note(2), outcome: 'started' }],
    });
    expect(await ended(note(2))).toBe('other');
    await waiting(review('p-2'));
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
