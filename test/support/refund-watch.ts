/**
 * A journey per order that waits ten days for its own order's refund: what the replay recorder and
 * the time-skipping flow tests both run for the keyed wait (patch 'keyed-waits-hear-own-key').
 */
export const REFUND_WATCH = {
  id: 'refund-watch',
  name: 'Refund watch',
  kind: 'flow',
  nodes: {
    start: { type: 'entry', trigger: 'event', event: 'purchase', key: 'order_id', next: 'wait' },
    wait: {
      type: 'wait',
      until: { event: 'order_refunded' },
      timeout: '10 days',
      onEvent: 'refunded',
      onTimeout: 'kept',
    },
    refunded: { type: 'exit', reason: 'refunded' },
    kept: { type: 'exit', reason: 'kept' },
  },
};

/** The entry event: the purchase of order o-1. */
export const ORDER_ONE = {
  name: 'purchase',
  properties: { order_id: 'o-1', source: 'api', total: 30 },
};

/** The refund in full of `orderId`, as the inbox tells flows of it. */
export const refundOf = (orderId: string) => ({
  name: 'order_refunded',
  properties: { order_id: orderId, source: 'api', total: 30 },
});
