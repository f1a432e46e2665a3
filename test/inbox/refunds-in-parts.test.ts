/**
 * An order refunded otherwise than by one refund in full still becomes refunded and reaches the
 * contact's flows as `order_refunded`, once, with every real part but the clock (the store's events
 * through the inbox on real Postgres, the real workers, the time-skipping test server): partial
 * refunds that add up to the order's total (Shopify refunds an order in parts, each its own
 * refunds/create), and a purchase restating the order as refunded.
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

describe('orders refunded in parts or by a restatement', () => {
  const flows = useOrderFlows([
    // A review request per order, which the order's refund ends.
    reviewRequestFlow(['order_refunded']),
    // Entered on a refund, again for a later one once the last journey ended.
    enteredOnFlow('refund-survey', 'Refund survey', 'order_refunded'),
    // Entered on each partial refund.
    enteredOnFlow('partial-refund-note', 'Partial refund note', 'order_partially_refunded'),
  ]);
  const { apply, waiting, ended, orderStatus, journeysOf } = flows;

  const order = (orderId: string, eventId: string, status: 'paid' | 'refunded') =>
    purchaseEvent(orderId, eventId, status);
  const refund = refundEvent;
  const review = (orderId: string) => flows.keyedJourney('review-request', orderId);
  const entry = (campaignId: string, n: number) => flows.journey(campaignId, n);

  it('refunds an order whose partial refunds add up to its total, told as both a partial refund and a refund, once', async () => {
    await apply(order('s-1', 'buy-s-1', 'paid'));
    await waiting(review('s-1'));

    const first = await apply(refund('s-1', 'refund-s-1-a', 15, '2026-12-07T10:00:00Z'));
    expect(first.result).toMatchObject({
      outcome: 'partial_refund',
      journeys: [{ workflowId: entry('partial-refund-note', 1), outcome: 'started' }],
    });
    expect(await orderStatus('s-1')).toBe('paid');
    expect(await ended(entry('partial-refund-note', 1))).toBe('completed');
    await waiting(review('s-1'));

    // 15 + 25 is the whole 40: the order is refunded now.
    const last = await apply(refund('s-1', 'refund-s-1-b', 25, '2026-12-07T11:00:00Z'));
    expect(last).toMatchObject({ status: 'applied' });
    expect(last.result).toMatchObject({
      outcome: 'refunded_in_parts',
      // The review request exits on order_refunded (not on a partial refund): told once.
      journeysSignalled: 1,
      journeys: [
        { workflowId: entry('partial-refund-note', 2), outcome: 'started' },
        { workflowId: entry('refund-survey', 1), outcome: 'started' },
      ],
    });
    expect(describeResult(last.result!)).toBe(
      `order s-1 of contact ${flows.contactId}: refunded in parts; 1 running journey signalled; 2 journeys started`,
    );
    expect(await orderStatus('s-1')).toBe('refunded');
    expect(await ended(review('s-1'))).toBe('order_refunded');
    expect(await ended(entry('refund-survey', 1))).toBe('completed');
    expect(await ended(entry('partial-refund-note', 2))).toBe('completed');

    // The last part again, then a refund in full: nothing is told twice.
    const again = await apply(refund('s-1', 'refund-s-1-b-resent', 25, '2026-12-07T11:00:00Z'));
    expect(again.result).toMatchObject({ outcome: 'partial_refund_again', journeys: [] });
    const full = await apply(refund('s-1', 'refund-s-1-full'));
    expect(full.result).toMatchObject({ outcome: 'already_refunded', journeys: [] });
    expect(await journeysOf('refund-survey')).toEqual([entry('refund-survey', 1)]);
  });

  it('keeps no part of a refund in parts whose signal cannot be sent, so the retry refunds the order', async () => {
    await apply(order('s-2', 'buy-s-2', 'paid'));
    await waiting(review('s-2'));
    await apply(refund('s-2', 'refund-s-2-a', 30, '2026-12-07T10:00:00Z'));
    expect(await ended(entry('partial-refund-note', 3))).toBe('completed');

    const failed = await apply(
      refund('s-2', 'refund-s-2-b', 10, '2026-12-07T11:00:00Z'),
      flows.down,
    );
    expect(failed).toMatchObject({ status: 'failed', error: expect.stringMatching(/UNAVAILABLE/) });
    expect(await orderStatus('s-2')).toBe('paid');

    const retried = (await processInboxEvent(flows.deps, failed.id))!;
    expect(retried.result).toMatchObject({
      outcome: 'refunded_in_parts',
      journeysSignalled: 1,
      journeys: [
        { workflowId: entry('partial-refund-note', 4), outcome: 'started' },
        { workflowId: entry('refund-survey', 2), outcome: 'started' },
      ],
    });
    expect(await orderStatus('s-2')).toBe('refunded');
    expect(await ended(review('s-2'))).toBe('order_refunded');
    expect(await ended(entry('refund-survey', 2))).toBe('completed');
  });

  it('tells order_refunded when a purchase restates its order as refunded, not again for a repeat or a refund', async () => {
    await apply(order('s-3', 'buy-s-3', 'paid'));
    await apply(order('s-4', 'buy-s-4', 'paid'));
    await waiting(review('s-3'));
    await waiting(review('s-4'));

    const restated = await apply(order('s-3', 'restate-s-3', 'refunded'));
    expect(restated).toMatchObject({ status: 'applied' });
    // Only the journey keyed on the refunded order is told; s-4's would ignore it.
    expect(restated.result).toMatchObject({
      order: { status: 'refunded' },
      newPurchase: false,
      refund: {
        journeysSignalled: 1,
        journeys: [{ workflowId: entry('refund-survey', 3), outcome: 'started' }],
      },
    });
    expect(describeResult(restated.result!)).toBe(
      `contact ${flows.contactId} found; order s-3 updated (refunded); refunded now: 1 running journey signalled, 1 journey started`,
    );
    expect(await ended(review('s-3'))).toBe('order_refunded');
    expect(await ended(entry('refund-survey', 3))).toBe('completed');
    await waiting(review('s-4'));

    // The same restatement again, a late "paid" delivery, then the store's refund event: the order
    // is refunded already, so no one is told.
    const again = await apply(order('s-3', 'restate-s-3-again', 'refunded'));
    expect(again.result).not.toHaveProperty('refund');
    expect(describeResult(again.result!)).toContain('not a new purchase, no journey signalled');
    const late = await apply(order('s-3', 'paid-s-3-late', 'paid'));
    expect(late.result).toMatchObject({ order: { status: 'refunded' } });
    expect(late.result).not.toHaveProperty('refund');
    const refunded = await apply(refund('s-3', 'refund-s-3'));
    expect(refunded.result).toMatchObject({ outcome: 'already_refunded', journeys: [] });
    expect(await journeysOf('refund-survey')).toEqual([
      entry('refund-survey', 1),
      entry('refund-survey', 2),
      entry('refund-survey', 3),
    ]);
  });
});
