/**
 * Revenue attribution: which purchases a campaign's journeys may claim. Pure; the report feeds it
 * rows from Postgres.
 *
 * The rule (one window per journey, the same for treated and held-out journeys):
 *
 *  - A journey's window runs from its enrolment to its *anchor* plus the attribution window
 *    (default 7 days), both ends included.
 *  - Treated journey: the anchor is its last message sent (messages.sent_at). A treated journey
 *    that sent nothing (it ended before its first send, or every send was skipped) is anchored at
 *    its enrolment.
 *  - Held-out journey: it walks the same nodes but sends nothing, recording each node it enters.
 *    Its anchor is the moment it entered its last message node ("send email", "send SMS"): when a
 *    treated journey in the same place would have sent its last message. No message node entered:
 *    anchored at its enrolment, like a treated journey that sent nothing.
 *    (Anchoring held-out journeys at "enrolment + the treated journeys' typical first-message
 *    delay" instead would give treated journeys that got a reminder a longer window than any
 *    held-out one, and so a positive uplift where there is none.)
 *  - Only paid orders count (cancelled and refunded ones are not purchases).
 *  - An order that redeemed a coupon the journey assigned is the journey's, wherever it falls.
 *  - Any other order of the contact is the journey's if it falls in the journey's window; when two
 *    journeys of the same campaign and contact both cover it (re-entry), the later enrolment takes it.
 *    An order is claimed by at most one journey of a campaign; different campaigns may each claim it.
 *  - A journey converts when it has at least one attributed order.
 *  - Revenue adds the attributed orders in the shop's currency; orders in other currencies count
 *    as conversions and are reported apart, never added.
 *  - First-purchase revenue (the welcome campaign's key metric, "revenue from the first purchases of
 *    newly registered customers"): the total of an attributed order that is the contact's first
 *    paid order ever.
 */

export const DEFAULT_ATTRIBUTION_WINDOW_MS = 7 * 86_400_000;

export interface JourneyFacts {
  workflowId: string;
  contactId: number;
  holdout: boolean;
  enrolledAt: Date;
  /** Treated journeys: when the last message was sent; null when none was. */
  lastMessageSentAt: Date | null;
  /** When the journey last entered a message node (sent or not); null when it never did. */
  lastMessageStepAt: Date | null;
}

export interface OrderFacts {
  id: number;
  contactId: number;
  placedAt: Date;
  total: number;
  currency: string;
  /** The contact's first paid order ever. */
  firstPurchase: boolean;
  /** The journey whose assigned coupon this order redeemed, if any. */
  redeemedCouponOf: string | null;
}

export interface AttributionWindow {
  from: Date;
  to: Date;
  anchor: Date;
  anchoredOn: 'last_message_sent' | 'last_message_step' | 'enrolment';
}

/** Where a journey's window ends, and why (see the rule above). */
export function attributionWindow(
  journey: JourneyFacts,
  windowMs = DEFAULT_ATTRIBUTION_WINDOW_MS,
): AttributionWindow {
  if (!(windowMs >= 0))
    throw new RangeError(`the attribution window must be a duration ≥ 0, got ${windowMs} ms`);
  const message = journey.holdout ? journey.lastMessageStepAt : journey.lastMessageSentAt;
  if (!message)
    return {
      from: journey.enrolledAt,
      to: new Date(journey.enrolledAt.getTime() + windowMs),
      anchor: journey.enrolledAt,
      anchoredOn: 'enrolment',
    };
  // A message is never before the enrolment; if clocks say so, the window still starts at the enrolment.
  const anchor = message.getTime() > journey.enrolledAt.getTime() ? message : journey.enrolledAt;
  return {
    from: journey.enrolledAt,
    to: new Date(anchor.getTime() + windowMs),
    anchor,
    anchoredOn: journey.holdout ? 'last_message_step' : 'last_message_sent',
  };
}

export function isInWindow(window: Pick<AttributionWindow, 'from' | 'to'>, at: Date): boolean {
  const t = at.getTime();
  return t >= window.from.getTime() && t <= window.to.getTime();
}

export interface JourneyAttribution {
  journey: JourneyFacts;
  window: AttributionWindow;
  orders: OrderFacts[];
  converted: boolean;
  /** Attributed revenue in the shop's currency. */
  revenue: number;
  /** The attributed order that is the contact's first purchase, if any: its total in the shop's currency. */
  firstPurchaseRevenue: number;
  firstPurchase: boolean;
  couponRedemptions: number;
  ordersInOtherCurrencies: number;
}

/** Cents, so sums of many amounts stay exact. */
const cents = (amount: number): number => Math.round(amount * 100);

/**
 * Attributes orders to journeys (one campaign). `orders` may hold any orders of the journeys'
 * contacts; those no journey claims are left out.
 */
export function attributeOrders(
  journeys: readonly JourneyFacts[],
  orders: readonly OrderFacts[],
  opts: { windowMs?: number; currency: string },
): JourneyAttribution[] {
  const windowMs = opts.windowMs ?? DEFAULT_ATTRIBUTION_WINDOW_MS;
  const results = journeys.map((journey) => ({
    journey,
    window: attributionWindow(journey, windowMs),
    orders: [] as OrderFacts[],
  }));
  const byWorkflow = new Map(results.map((r) => [r.journey.workflowId, r]));
  const byContact = new Map<number, typeof results>();
  for (const r of results) {
    const list = byContact.get(r.journey.contactId) ?? [];
    list.push(r);
    byContact.set(r.journey.contactId, list);
  }
  for (const list of byContact.values())
    list.sort((a, b) => b.journey.enrolledAt.getTime() - a.journey.enrolledAt.getTime());

  for (const order of orders) {
    const redeemedBy = order.redeemedCouponOf ? byWorkflow.get(order.redeemedCouponOf) : undefined;
    if (redeemedBy && redeemedBy.journey.contactId === order.contactId) {
      redeemedBy.orders.push(order);
      continue;
    }
    // Latest enrolment first: the first window that covers the order takes it.
    const claimant = byContact
      .get(order.contactId)
      ?.find((r) => isInWindow(r.window, order.placedAt));
    claimant?.orders.push(order);
  }

  return results.map(({ journey, window, orders: claimed }) => {
    claimed.sort((a, b) => a.placedAt.getTime() - b.placedAt.getTime() || a.id - b.id);
    const inCurrency = claimed.filter((o) => o.currency === opts.currency);
    const first = inCurrency.find((o) => o.firstPurchase);
    return {
      journey,
      window,
      orders: claimed,
      converted: claimed.length > 0,
      revenue: inCurrency.reduce((sum, o) => sum + cents(o.total), 0) / 100,
      firstPurchase: claimed.some((o) => o.firstPurchase),
      firstPurchaseRevenue: first ? cents(first.total) / 100 : 0,
      couponRedemptions: claimed.filter((o) => o.redeemedCouponOf === journey.workflowId).length,
      ordersInOtherCurrencies: claimed.length - inCurrency.length,
    };
  });
}
