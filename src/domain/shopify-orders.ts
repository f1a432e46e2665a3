/**
 * What a Shopify order is in Boomerang's model, by its financial status; the order webhooks
 * (src/inbox/shopify.ts) and the orders export import (src/import/shopify.ts) both apply it:
 * - paid, partially_paid, partially_refunded → paid: the customer bought, and a partial refund
 *   leaves a purchase (with its total as placed, as a partial refund event does);
 * - refunded → refunded; voided and expired (a payment never captured) → cancelled: kept in the
 *   customer's history, never counted as purchases;
 * - any order with a cancellation date → cancelled;
 * - pending, authorized → not a purchase yet (Boomerang has no "unpaid" order): the orders/paid
 *   webhook, or a later export, brings it once it is paid.
 * A webhook without a financial status (older API versions) is a paid order.
 */
export const SHOPIFY_FINANCIAL_STATUSES = [
  'paid',
  'partially_paid',
  'partially_refunded',
  'refunded',
  'voided',
  'expired',
  'pending',
  'authorized',
] as const;

export type ShopifyOrderState =
  { status: 'paid' | 'refunded' | 'cancelled' } | { notPaidYet: string } | { unknown: string };

export function shopifyOrderState(
  financialStatus: string | undefined,
  cancelled: boolean,
): ShopifyOrderState {
  if (cancelled) return { status: 'cancelled' };
  const financial = financialStatus?.trim().toLowerCase();
  switch (financial) {
    case undefined:
    case 'paid':
    case 'partially_paid':
    case 'partially_refunded':
      return { status: 'paid' };
    case 'refunded':
      return { status: 'refunded' };
    case 'voided':
    case 'expired':
      return { status: 'cancelled' };
    case 'pending':
    case 'authorized':
      return { notPaidYet: financial };
    default:
      return { unknown: financial };
  }
}
