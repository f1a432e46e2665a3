/**
 * The properties of the flow events Boomerang makes of its own events (campaigns/flow-events.ts):
 * an order's purchase, refund and cancellation, a partial refund (the order's, and the amount
 * refunded), and a registration (only what the contact chose). What a flow's branches and
 * templates may read of them. Pure.
 */
export const ORDER_EVENT_PROPERTIES = ['order_id', 'source', 'total'] as const;
export const PARTIAL_REFUND_EVENT_PROPERTIES = [...ORDER_EVENT_PROPERTIES, 'amount'] as const;
export const REGISTRATION_EVENT_PROPERTIES = [
  'country',
  'locale',
  'timezone',
  'newsletter',
  'sms_consent',
] as const;
