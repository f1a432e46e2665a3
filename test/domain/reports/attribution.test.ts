import { describe, expect, it } from 'vitest';
import {
  attributeOrders,
  attributionWindow,
  type JourneyFacts,
  type OrderFacts,
} from '../../../src/domain/reports/attribution.js';
import {
  compareControlGroups,
  CONVERSION_UPLIFT_METHOD,
} from '../../../src/domain/reports/uplift.js';
import {
  newcombeDifferenceInterval,
  summarize,
  welchDifferenceInterval,
} from '../../../src/domain/reports/statistics.js';

const DAY = 86_400_000;
const WEEK = 7 * DAY;
const T0 = Date.parse('2026-03-02T10:00:00Z');
const at = (ms: number) => new Date(T0 + ms);

function journey(over: Partial<JourneyFacts> & { workflowId: string }): JourneyFacts {
  return {
    contactId: 1,
    holdout: false,
    enrolledAt: at(0),
    lastMessageSentAt: null,
    lastMessageStepAt: null,
    ...over,
  };
}

let nextOrder = 1;
function order(over: Partial<OrderFacts> & { placedAt: Date }): OrderFacts {
  return {
    id: nextOrder++,
    contactId: 1,
    total: 10,
    currency: 'EUR',
    firstPurchase: false,
    redeemedCouponOf: null,
    ...over,
  };
}

const attribute = (journeys: JourneyFacts[], orders: OrderFacts[], windowMs = WEEK) =>
  attributeOrders(journeys, orders, { windowMs, currency: 'EUR' });

describe('attribution window', () => {
  it('treated: from enrolment to the last message sent + the window, both ends included', () => {
    const j = journey({
      workflowId: 'c/1',
      lastMessageSentAt: at(3 * DAY),
      lastMessageStepAt: at(3 * DAY - 1000),
    });
    expect(attributionWindow(j, WEEK)).toEqual({
      from: at(0),
      to: at(10 * DAY),
      anchor: at(3 * DAY),
      anchoredOn: 'last_message_sent',
    });
    const [r] = attribute(
      [j],
      [
        order({ placedAt: at(-1) }),
        order({ placedAt: at(0), total: 1 }),
        order({ placedAt: at(10 * DAY), total: 2 }),
        order({ placedAt: at(10 * DAY + 1) }),
      ],
    );
    expect(r!.orders.map((o) => o.total)).toEqual([1, 2]);
    expect(r!.revenue).toBe(3);
  });

  it('treated journey that sent nothing: anchored at its enrolment', () => {
    const j = journey({ workflowId: 'c/1', lastMessageStepAt: at(2 * DAY) });
    expect(attributionWindow(j, WEEK)).toMatchObject({ to: at(WEEK), anchoredOn: 'enrolment' });
  });

  it('held-out journey: anchored on the last message node it entered, not on messages', () => {
    const j = journey({
      workflowId: 'c/1',
      holdout: true,
      lastMessageSentAt: at(9 * DAY),
      lastMessageStepAt: at(2 * DAY),
    });
    expect(attributionWindow(j, WEEK)).toMatchObject({
      to: at(9 * DAY),
      anchoredOn: 'last_message_step',
    });
    expect(attributionWindow({ ...j, lastMessageStepAt: null }, WEEK)).toMatchObject({
      to: at(WEEK),
      anchoredOn: 'enrolment',
    });
  });

  it('a message stamped before the enrolment (clock skew) does not shorten the window', () => {
    const j = journey({ workflowId: 'c/1', lastMessageSentAt: at(-5000) });
    expect(attributionWindow(j, WEEK)).toMatchObject({
      from: at(0),
      to: at(WEEK),
      anchor: at(0),
      anchoredOn: 'last_message_sent',
    });
  });

  it('a zero window keeps only orders up to the anchor; a negative one is refused', () => {
    const j = journey({ workflowId: 'c/1', lastMessageSentAt: at(DAY) });
    const [r] = attribute([j], [order({ placedAt: at(DAY) }), order({ placedAt: at(DAY + 1) })], 0);
    expect(r!.orders).toHaveLength(1);
    expect(() => attributionWindow(j, -1)).toThrow(RangeError);
  });
});

describe('attributing orders', () => {
  it("an order that redeemed the journey's coupon is the journey's even outside the window", () => {
    const j = journey({ workflowId: 'c/1', lastMessageSentAt: at(DAY) });
    const late = order({ placedAt: at(30 * DAY), total: 25, redeemedCouponOf: 'c/1' });
    const [r] = attribute([j], [late]);
    expect(r).toMatchObject({ converted: true, revenue: 25, couponRedemptions: 1 });
  });

  it("a coupon of another journey does not pull the order away from its own contact's window", () => {
    const mine = journey({ workflowId: 'c/1', contactId: 1, lastMessageSentAt: at(DAY) });
    const other = journey({ workflowId: 'c/2', contactId: 2, lastMessageSentAt: at(DAY) });
    // The code was assigned to contact 2 but used by contact 1 (a shared code).
    const [r1, r2] = attribute(
      [mine, other],
      [order({ placedAt: at(2 * DAY), contactId: 1, redeemedCouponOf: 'c/2' })],
    );
    expect(r1!.orders).toHaveLength(1);
    expect(r1!.couponRedemptions).toBe(0);
    expect(r2!.orders).toHaveLength(0);
  });

  it('re-entry: an order both windows cover goes to the later enrolment, once', () => {
    const first = journey({ workflowId: 'c/1', lastMessageSentAt: at(DAY) });
    const second = journey({
      workflowId: 'c/1/2',
      enrolledAt: at(5 * DAY),
      lastMessageSentAt: at(5 * DAY),
    });
    const [r1, r2] = attribute(
      [first, second],
      [order({ placedAt: at(6 * DAY) }), order({ placedAt: at(3 * DAY) })],
    );
    expect(r1!.orders.map((o) => o.placedAt)).toEqual([at(3 * DAY)]);
    expect(r2!.orders.map((o) => o.placedAt)).toEqual([at(6 * DAY)]);
  });

  it('orders of other contacts are ignored', () => {
    const [r] = attribute(
      [journey({ workflowId: 'c/1' })],
      [order({ placedAt: at(DAY), contactId: 99 })],
    );
    expect(r!.converted).toBe(false);
  });

  it('orders in another currency convert but add no revenue', () => {
    const [r] = attribute(
      [journey({ workflowId: 'c/1' })],
      [
        order({ placedAt: at(DAY), currency: 'USD', total: 50 }),
        order({ placedAt: at(2 * DAY), total: 0.1 }),
        order({ placedAt: at(3 * DAY), total: 0.2 }),
      ],
    );
    expect(r).toMatchObject({ converted: true, revenue: 0.3, ordersInOtherCurrencies: 1 });
  });

  it("first-purchase revenue: only the contact's first paid order ever, when attributed", () => {
    const [a, b] = attribute(
      [journey({ workflowId: 'w/1', contactId: 1 }), journey({ workflowId: 'w/2', contactId: 2 })],
      [
        order({ placedAt: at(DAY), contactId: 1, total: 40, firstPurchase: true }),
        order({ placedAt: at(2 * DAY), contactId: 1, total: 15 }),
        order({ placedAt: at(2 * DAY), contactId: 2, total: 70 }), // contact 2 bought before registering
      ],
    );
    expect(a).toMatchObject({ firstPurchase: true, firstPurchaseRevenue: 40, revenue: 55 });
    expect(b).toMatchObject({ firstPurchase: false, firstPurchaseRevenue: 0, revenue: 70 });
  });
});

describe('treated vs held-out', () => {
  const journeys: JourneyFacts[] = [];
  const orders: OrderFacts[] = [];
  // 10 treated (4 buy: 20, 30, 40, 50), 8 held out (1 buys: 35).
  for (let i = 0; i < 18; i++)
    journeys.push(
      journey({
        workflowId: `c/${i}`,
        contactId: i,
        holdout: i >= 10,
        lastMessageSentAt: at(DAY),
        lastMessageStepAt: at(DAY),
      }),
    );
  [20, 30, 40, 50].forEach((total, i) =>
    orders.push(order({ contactId: i, placedAt: at(2 * DAY), total })),
  );
  orders.push(order({ contactId: 12, placedAt: at(2 * DAY), total: 35 }));

  it('gives each group its rates and the uplift with Newcombe and Welch intervals', () => {
    const cmp = compareControlGroups(attribute(journeys, orders));
    expect(cmp.treated).toMatchObject({
      journeys: 10,
      converted: 4,
      conversionRate: 0.4,
      revenue: 140,
      revenuePerContact: 14,
    });
    expect(cmp.heldOut).toMatchObject({
      journeys: 8,
      converted: 1,
      conversionRate: 0.125,
      revenue: 35,
      revenuePerContact: 4.375,
    });
    const newcombe = newcombeDifferenceInterval(4, 10, 1, 8);
    expect(cmp.conversionRateUplift).toEqual({
      status: 'ok',
      estimate: newcombe.estimate,
      low: newcombe.low,
      high: newcombe.high,
      level: 0.95,
      method: CONVERSION_UPLIFT_METHOD,
    });
    const welch = welchDifferenceInterval(
      summarize([20, 30, 40, 50, 0, 0, 0, 0, 0, 0]),
      summarize([0, 0, 35, 0, 0, 0, 0, 0]),
    );
    expect(cmp.revenuePerContactUplift).toMatchObject({
      status: 'ok',
      estimate: welch.estimate,
      low: welch.low,
      high: welch.high,
      df: welch.df,
    });
  });

  it('says "not enough data" when a group is empty or too small', () => {
    const noControl = compareControlGroups(attribute(journeys.slice(0, 10), orders));
    expect(noControl.conversionRateUplift).toMatchObject({
      status: 'not_enough_data',
      reason: expect.stringMatching(/no held-out journeys/),
    });
    expect(noControl.revenuePerContactUplift.status).toBe('not_enough_data');
    expect(noControl.heldOut).toMatchObject({
      journeys: 0,
      conversionRate: null,
      revenuePerContact: null,
      conversionRateInterval: null,
    });

    const oneControl = compareControlGroups(attribute(journeys.slice(0, 11), orders));
    expect(oneControl.conversionRateUplift.status).toBe('ok');
    expect(oneControl.revenuePerContactUplift).toMatchObject({
      status: 'not_enough_data',
      reason: expect.stringMatching(/too few held-out/),
    });

    const onlyControl = compareControlGroups(attribute(journeys.slice(10), orders));
    expect(onlyControl.conversionRateUplift).toMatchObject({
      status: 'not_enough_data',
      reason: 'no treated journeys yet',
    });
  });
});
