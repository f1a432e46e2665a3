/**
 * A shop's campaign history written straight into Postgres (contacts, campaigns, journeys, their
 * events, messages, coupons, orders), and the report's figures computed again from those same
 * arrays with plain JavaScript: no report code, no SQL. Tests compare the two.
 *
 * Three campaigns: low-CLV (30% held out, a coupon pool running low), welcome (20% held out,
 * some contacts bought before registering), inactive (no control group). Journeys take every path
 * of their workflow, including the unexpected endings (coupon pool exhausted, unsubscribed), some
 * are still running; orders fall before, inside and after the attribution windows, some refunded,
 * one in another currency; coupons are redeemed inside the window, and (inactive campaign) after it.
 */
import type { Db } from '../../src/db/database.js';
import { saveCampaign } from '../../src/db/campaigns.js';
import { mulberry32 } from '../domain/indicators/simulate.js';
import { INACTIVE_STEPS, LOW_CLV_STEPS, through, WELCOME_STEPS } from '../support/journey-steps.js';

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;
export const BASE = Date.parse('2026-03-02T08:00:00Z');

export interface FxJourney {
  workflow_id: string;
  campaign_id: string;
  contact_id: number;
  holdout: boolean;
  enrolled_at: Date;
  ended_at: Date | null;
  end_reason: string | null;
}
export interface FxEvent {
  idempotency_key: string;
  workflow_id: string;
  campaign_id: string;
  contact_id: number;
  type: string;
  step: string | null;
  detail: Record<string, unknown>;
  occurred_at: Date;
}
export interface FxMessage {
  idempotency_key: string;
  channel: 'email' | 'sms';
  status: 'sent' | 'failed' | 'sending';
  contact_id: number;
  campaign_id: string;
  workflow_id: string;
  created_at: Date;
  sent_at: Date | null;
}
export interface FxCoupon {
  set_id: string;
  code: string;
  contact_id: number | null;
  assignment_key: string | null;
  assigned_at: Date | null;
  /** external id of the order that redeemed it */
  redeemed_by: string | null;
}
export interface FxOrder {
  external_id: string;
  contact_id: number;
  placed_at: Date;
  total: number;
  currency: string;
  status: 'paid' | 'refunded' | 'cancelled';
  coupon_code: string | null;
  id?: number;
}

export interface Fixture {
  contactIds: number[];
  journeys: FxJourney[];
  events: FxEvent[];
  messages: FxMessage[];
  coupons: FxCoupon[];
  orders: FxOrder[];
  /** Coupon sets: codes and thresholds as inserted. */
  sets: { id: string; threshold: number }[];
  campaigns: { id: string; kind: string; holdoutPercent: number; couponSet: string }[];
}

type Path = {
  steps: readonly string[];
  end: string | null;
  buyAfter?: string;
  coupon?: boolean;
  skip?: Record<string, string>;
  fail?: string[];
};

const LOW_CLV_PATHS: Path[] = [
  { steps: through(LOW_CLV_STEPS, 'is_in_segment'), end: 'not_in_segment' },
  {
    steps: through(LOW_CLV_STEPS, 'wait'),
    end: 'purchased',
    buyAfter: 'send_offer',
    coupon: true,
  },
  { steps: through(LOW_CLV_STEPS, 'still_in_segment'), end: 'left_segment' },
  { steps: through(LOW_CLV_STEPS, 'has_purchased'), end: 'purchased', buyAfter: 'wait' },
  { steps: LOW_CLV_STEPS, end: 'completed' },
  { steps: LOW_CLV_STEPS, end: 'completed', buyAfter: 'send_reminder' },
  { steps: LOW_CLV_STEPS, end: 'completed', skip: { send_reminder: 'frequency_cap' } },
  { steps: through(LOW_CLV_STEPS, 'wait'), end: null },
];
const LOW_CLV_TREATED_ONLY: Path[] = [
  { steps: through(LOW_CLV_STEPS, 'assign_coupon'), end: 'coupon_pool_exhausted' },
  {
    steps: through(LOW_CLV_STEPS, 'send_offer'),
    end: 'unsubscribed',
    skip: { send_offer: 'unsubscribed' },
  },
  { steps: LOW_CLV_STEPS, end: 'completed', fail: ['send_reminder'] },
];

const WELCOME_PATHS: Path[] = [
  { steps: ['send_welcome', 'wait', 'add_to_segment'], end: 'purchased', buyAfter: 'send_welcome' },
  {
    steps: [...through(WELCOME_STEPS, 'has_purchased'), 'add_to_segment'],
    end: 'purchased',
    buyAfter: 'wait',
  },
  {
    // the second wait, after the voucher
    steps: [...through(WELCOME_STEPS, 'send_voucher'), 'wait'],
    end: 'purchased',
    buyAfter: 'send_voucher',
    coupon: true,
  },
  { steps: WELCOME_STEPS, end: 'completed' },
  { steps: WELCOME_STEPS, end: 'completed', skip: { send_reminder_sms: 'no_phone' } },
  { steps: through(WELCOME_STEPS, 'wait'), end: null },
];
const WELCOME_TREATED_ONLY: Path[] = [
  { steps: ['send_welcome'], end: 'not_subscribed', skip: { send_welcome: 'not_subscribed' } },
];

const INACTIVE_PATHS: Path[] = [
  { steps: through(INACTIVE_STEPS, 'wait'), end: 'purchased', buyAfter: 'enrolled' },
  { steps: INACTIVE_STEPS, end: 'completed' },
  { steps: INACTIVE_STEPS, end: 'completed', buyAfter: 'send_coupon', coupon: true },
];

/** Hours between entering one step and the next, by the step left (waits take days). */
const STEP_GAP: Record<string, number> = {
  wait: 48,
  wait_for_window: 10,
  send_offer: 1,
  send_voucher: 1,
  send_welcome: 1,
};

export async function seedReportFixture(db: Db): Promise<Fixture> {
  const rng = mulberry32(2026);
  const pick = <T>(xs: T[]): T => xs[Math.floor(rng() * xs.length)]!;
  const fx: Fixture = {
    contactIds: [],
    journeys: [],
    events: [],
    messages: [],
    coupons: [],
    orders: [],
    sets: [
      { id: 'low-clv', threshold: 10 },
      { id: 'welcome', threshold: 5 },
      { id: 'inactive', threshold: 2 },
    ],
    campaigns: [
      { id: 'low-clv', kind: 'low_clv_coupon', holdoutPercent: 30, couponSet: 'low-clv' },
      { id: 'welcome', kind: 'welcome_voucher', holdoutPercent: 20, couponSet: 'welcome' },
      { id: 'inactive', kind: 'inactive_reactivation', holdoutPercent: 0, couponSet: 'inactive' },
    ],
  };

  const contacts = await db
    .insertInto('contacts')
    .values(
      Array.from({ length: 90 }, (_, i) => ({
        email: `report${i}@example.com`,
        first_name: `R${i}`,
        newsletter_status: 'subscribed' as const,
      })),
    )
    .returning('id')
    .execute();
  fx.contactIds = contacts.map((c) => c.id);

  await saveCampaign(db, {
    id: 'low-clv',
    name: 'Reactivate low-CLV customers',
    kind: 'low_clv_coupon',
    couponSet: 'low-clv',
    holdoutPercent: 30,
  });
  await saveCampaign(db, {
    id: 'welcome',
    name: 'Welcome voucher',
    kind: 'welcome_voucher',
    couponSet: 'welcome',
    holdoutPercent: 20,
  });
  await saveCampaign(db, {
    id: 'inactive',
    name: "Can't lose them",
    kind: 'inactive_reactivation',
    couponSet: 'inactive',
  });
  for (const set of fx.sets)
    await db
      .insertInto('coupon_sets')
      .values({ id: set.id, name: set.id, low_stock_threshold: set.threshold })
      .execute();

  let orderNo = 0;
  const addOrder = (
    o: Omit<FxOrder, 'external_id' | 'status' | 'currency' | 'coupon_code'> & Partial<FxOrder>,
  ): FxOrder => {
    const order: FxOrder = {
      external_id: `fx-${++orderNo}`,
      status: 'paid',
      currency: 'EUR',
      coupon_code: null,
      ...o,
    };
    fx.orders.push(order);
    return order;
  };
  const amount = () => Math.round((15 + rng() * 120) * 100) / 100;

  const simulate = (
    campaignId: string,
    contactId: number,
    enrolledAt: number,
    holdout: boolean,
    path: Path,
  ) => {
    const workflowId = `${campaignId}/${contactId}`;
    const journey: FxJourney = {
      workflow_id: workflowId,
      campaign_id: campaignId,
      contact_id: contactId,
      holdout,
      enrolled_at: new Date(enrolledAt),
      ended_at: null,
      end_reason: null,
    };
    fx.journeys.push(journey);
    const event = (
      type: string,
      step: string | null,
      at: number,
      key: string,
      detail: Record<string, unknown> = {},
    ) =>
      fx.events.push({
        idempotency_key: `${workflowId}:${key}`,
        workflow_id: workflowId,
        campaign_id: campaignId,
        contact_id: contactId,
        type,
        step,
        detail,
        occurred_at: new Date(at),
      });
    event('enrolled', null, enrolledAt, 'enrolled', { holdout });
    let t = enrolledAt + 60_000;
    const stepAt: Record<string, number> = { enrolled: enrolledAt };
    let code: string | null = null;
    path.steps.forEach((step, index) => {
      event('step_entered', step, t, `${step}#${index + 1}:entered`);
      stepAt[step] = t;
      if (step === 'assign_coupon' && !holdout && path.end !== 'coupon_pool_exhausted') {
        code = `${campaignId.toUpperCase()}-${contactId}`;
        fx.coupons.push({
          set_id: fx.campaigns.find((c) => c.id === campaignId)!.couponSet,
          code,
          contact_id: contactId,
          assignment_key: `${workflowId}/coupon:x`,
          assigned_at: new Date(t + 500),
          redeemed_by: null,
        });
        event('coupon_assigned', `coupon:${campaignId}`, t + 500, 'coupon', { code });
      }
      if (step.startsWith('send_')) {
        const channel = step.endsWith('_sms') ? 'sms' : 'email';
        // A control-group send runs the same checks, then is withheld (reason "holdout").
        const skipped = path.skip?.[step] ?? (holdout ? 'holdout' : undefined);
        if (skipped)
          event('message_skipped', step, t + 1000, `${step}:message`, { channel, reason: skipped });
        else {
          const failed = path.fail?.includes(step);
          fx.messages.push({
            idempotency_key: `${workflowId}/${step}`,
            channel,
            status: failed ? 'failed' : 'sent',
            contact_id: contactId,
            campaign_id: campaignId,
            workflow_id: workflowId,
            created_at: new Date(t + 1000),
            sent_at: failed ? null : new Date(t + 2000 + Math.floor(rng() * 60_000)),
          });
          event(failed ? 'message_failed' : 'message_sent', step, t + 2000, `${step}:message`, {
            channel,
          });
        }
      }
      t += (STEP_GAP[step] ?? 0.01) * HOUR;
    });
    if (path.end) {
      journey.ended_at = new Date(t);
      journey.end_reason = path.end;
      event('ended', null, t, 'ended', { reason: path.end });
    }
    if (path.buyAfter) {
      const placed = stepAt[path.buyAfter]! + (2 + rng() * 20) * HOUR;
      const useCoupon = path.coupon && code !== null;
      const order = addOrder({
        contact_id: contactId,
        placed_at: new Date(
          useCoupon ? placed + (campaignId === 'inactive' ? 12 : 3) * DAY : placed,
        ),
        total: amount(),
        coupon_code: useCoupon ? code : null,
      });
      if (useCoupon) fx.coupons.find((c) => c.code === code)!.redeemed_by = order.external_id;
    }
    return journey;
  };

  // Low-CLV: contacts 0–59, enrolled over 10 days from BASE.
  for (let i = 0; i < 60; i++) {
    const holdout = rng() < 0.3;
    const path = holdout ? pick(LOW_CLV_PATHS) : pick([...LOW_CLV_PATHS, ...LOW_CLV_TREATED_ONLY]);
    simulate('low-clv', fx.contactIds[i]!, BASE + i * 4 * HOUR, holdout, path);
  }
  // Welcome: contacts 50–89 (50–59 are in both campaigns), enrolled from day 3.
  for (let i = 50; i < 90; i++) {
    const holdout = rng() < 0.2;
    const path = holdout ? pick(WELCOME_PATHS) : pick([...WELCOME_PATHS, ...WELCOME_TREATED_ONLY]);
    simulate('welcome', fx.contactIds[i]!, BASE + 3 * DAY + (i - 50) * 5 * HOUR, holdout, path);
  }
  // Inactive: contacts 20–29, no control group.
  for (let i = 20; i < 30; i++)
    simulate(
      'inactive',
      fx.contactIds[i]!,
      BASE + 20 * DAY + (i - 20) * HOUR,
      false,
      INACTIVE_PATHS[i % INACTIVE_PATHS.length]!,
    );

  // Orders no journey may claim, and some it may, for every contact now and then.
  // An order placed `fromDays` plus up to `spanDays` (negative: before) days from BASE.
  const orderAround = (
    contactId: number,
    fromDays: number,
    spanDays: number,
    extra: Partial<FxOrder> = {},
  ) =>
    addOrder({
      contact_id: contactId,
      placed_at: new Date(BASE + (fromDays + rng() * spanDays) * DAY),
      total: amount(),
      ...extra,
    });
  for (const contactId of fx.contactIds) {
    const r = rng();
    // Long before, long after, refunded, or maybe inside a window.
    if (r < 0.25) orderAround(contactId, -5, -60);
    else if (r < 0.4) orderAround(contactId, 40, 20);
    else if (r < 0.5) orderAround(contactId, 3, 20, { status: 'refunded' });
    else if (r < 0.65) orderAround(contactId, 1, 25);
  }
  // One order in dollars inside a low-CLV window; one exactly at a window's end.
  const sample = fx.journeys.find(
    (j) => j.campaign_id === 'low-clv' && j.end_reason === 'not_in_segment',
  )!;
  addOrder({
    contact_id: sample.contact_id,
    placed_at: new Date(sample.enrolled_at.getTime() + DAY),
    total: 99,
    currency: 'USD',
  });
  const edge = fx.journeys.find(
    (j) => j.campaign_id === 'low-clv' && j.end_reason === 'left_segment' && !j.holdout,
  )!;
  const lastSent = Math.max(
    ...fx.messages
      .filter((m) => m.workflow_id === edge.workflow_id && m.status === 'sent')
      .map((m) => m.sent_at!.getTime()),
  );
  addOrder({ contact_id: edge.contact_id, placed_at: new Date(lastSent + 7 * DAY), total: 12.34 });
  addOrder({
    contact_id: edge.contact_id,
    placed_at: new Date(lastSent + 7 * DAY + 1000),
    total: 43.21,
  });

  // Spare codes: low-CLV runs low (3 < 10), welcome has plenty.
  const spare = (setId: string, code: string) =>
    fx.coupons.push({
      set_id: setId,
      code,
      contact_id: null,
      assignment_key: null,
      assigned_at: null,
      redeemed_by: null,
    });
  for (let i = 0; i < 3; i++) spare('low-clv', `LOW-SPARE-${i}`);
  for (let i = 0; i < 20; i++) spare('welcome', `WELCOME-SPARE-${i}`);

  await db.insertInto('journeys').values(fx.journeys).execute();
  await db
    .insertInto('journey_events')
    .values(fx.events.map((e) => ({ ...e, detail: JSON.stringify(e.detail) })))
    .execute();
  await db
    .insertInto('messages')
    .values(
      fx.messages.map((m) => ({
        ...m,
        provider: 'outbox',
        to_address: m.channel === 'sms' ? '+34600000000' : 'x@example.com',
        text: 'hello',
      })),
    )
    .execute();
  const inserted = await db
    .insertInto('orders')
    .values(fx.orders.map(({ id: _id, ...o }) => o))
    .returning(['id', 'external_id'])
    .execute();
  const idOf = new Map(inserted.map((o) => [o.external_id, o.id]));
  for (const o of fx.orders) o.id = idOf.get(o.external_id)!;
  await db
    .insertInto('coupons')
    .values(
      fx.coupons.map(({ redeemed_by, ...c }) => {
        const order = redeemed_by ? fx.orders.find((o) => o.external_id === redeemed_by)! : null;
        return {
          ...c,
          redeemed_order_id: order?.id ?? null,
          redeemed_at: order?.placed_at ?? null,
        };
      }),
    )
    .execute();
  return fx;
}

// ---- the figures, computed again from the arrays ----

export interface Expected {
  enrolled: number;
  treated: number;
  heldOut: number;
  active: number;
  ended: number;
  endings: Record<string, number>;
  nodes: Record<string, { reached: number; treated: number; heldOut: number; here: number }>;
  exits: Record<string, number>;
  sent: { email: number; sms: number };
  failed: { email: number; sms: number };
  skipped: Record<string, number>;
  withheld: number;
  couponsAssigned: number;
  couponsRedeemed: number;
  groups: Record<
    'treated' | 'heldOut' | 'all',
    {
      journeys: number;
      converted: number;
      revenue: number;
      orders: number;
      perJourneyRevenue: number[];
    }
  >;
  firstPurchase: Record<'treated' | 'heldOut' | 'all', { firstPurchases: number; revenue: number }>;
  revenueByDay: Record<string, number>;
}

/** `utcOffsetMs`: the shop's fixed UTC offset, for the calendar days of revenueByDay. */
export function expectedFigures(
  fx: Fixture,
  campaignId: string,
  windowMs = 7 * DAY,
  since?: Date,
  utcOffsetMs = 0,
): Expected {
  const journeys = fx.journeys.filter(
    (j) => j.campaign_id === campaignId && (!since || j.enrolled_at >= since),
  );
  const inScope = new Set(journeys.map((j) => j.workflow_id));
  const events = fx.events.filter((e) => inScope.has(e.workflow_id));
  const e: Expected = {
    enrolled: journeys.length,
    treated: journeys.filter((j) => !j.holdout).length,
    heldOut: journeys.filter((j) => j.holdout).length,
    active: journeys.filter((j) => !j.ended_at).length,
    ended: journeys.filter((j) => j.ended_at).length,
    endings: {},
    nodes: {},
    exits: {},
    sent: { email: 0, sms: 0 },
    failed: { email: 0, sms: 0 },
    skipped: {},
    withheld: 0,
    couponsAssigned: 0,
    couponsRedeemed: 0,
    groups: {
      treated: { journeys: 0, converted: 0, revenue: 0, orders: 0, perJourneyRevenue: [] },
      heldOut: { journeys: 0, converted: 0, revenue: 0, orders: 0, perJourneyRevenue: [] },
      all: { journeys: 0, converted: 0, revenue: 0, orders: 0, perJourneyRevenue: [] },
    },
    firstPurchase: {
      treated: { firstPurchases: 0, revenue: 0 },
      heldOut: { firstPurchases: 0, revenue: 0 },
      all: { firstPurchases: 0, revenue: 0 },
    },
    revenueByDay: {},
  };
  const node = (id: string) => (e.nodes[id] ??= { reached: 0, treated: 0, heldOut: 0, here: 0 });
  node('enrolled');
  for (const j of journeys) {
    if (j.end_reason) e.endings[j.end_reason] = (e.endings[j.end_reason] ?? 0) + 1;
    const start = node('enrolled');
    start.reached++;
    if (j.holdout) start.heldOut++;
    else start.treated++;
    const seen: Record<string, number> = {};
    let last = 'enrolled';
    for (const ev of events.filter(
      (x) => x.workflow_id === j.workflow_id && x.type === 'step_entered',
    )) {
      seen[ev.step!] = (seen[ev.step!] ?? 0) + 1;
      const id = seen[ev.step!] === 1 ? ev.step! : `${ev.step}#${seen[ev.step!]}`;
      const n = node(id);
      n.reached++;
      if (j.holdout) n.heldOut++;
      else n.treated++;
      if (j.holdout && ev.step!.startsWith('send_')) {
        const skip = events.find(
          (x) =>
            x.workflow_id === j.workflow_id && x.type === 'message_skipped' && x.step === ev.step,
        );
        if ((skip?.detail as { reason?: string } | undefined)?.reason === 'holdout') e.withheld++;
      }
      last = id;
    }
    if (!j.ended_at) node(last).here++;
    else e.exits[`${last} ${j.end_reason}`] = (e.exits[`${last} ${j.end_reason}`] ?? 0) + 1;
  }
  for (const m of fx.messages.filter((m) => inScope.has(m.workflow_id))) {
    if (m.status === 'sent') e.sent[m.channel]++;
    if (m.status === 'failed') e.failed[m.channel]++;
  }
  // Withheld control-group messages are counted apart (withheld), not as skipped.
  for (const ev of events.filter(
    (x) =>
      x.type === 'message_skipped' &&
      (x.detail as { reason?: string } | undefined)?.reason !== 'holdout',
  )) {
    const key = `${String(ev.detail.channel)} ${String(ev.detail.reason)}`;
    e.skipped[key] = (e.skipped[key] ?? 0) + 1;
  }
  const assigned = events
    .filter((x) => x.type === 'coupon_assigned')
    .map((x) => fx.coupons.find((c) => c.code === x.detail.code)!);
  e.couponsAssigned = assigned.length;
  e.couponsRedeemed = assigned.filter((c) => c.redeemed_by).length;

  // Attribution, by the documented rule.
  const firstPaid = new Map<number, FxOrder>();
  for (const o of fx.orders
    .filter((o) => o.status === 'paid')
    .sort((a, b) => a.placed_at.getTime() - b.placed_at.getTime() || a.id! - b.id!)) {
    if (!firstPaid.has(o.contact_id)) firstPaid.set(o.contact_id, o);
  }
  for (const j of journeys) {
    const enrolled = j.enrolled_at.getTime();
    const marks = j.holdout
      ? events
          .filter(
            (x) =>
              x.workflow_id === j.workflow_id &&
              x.type === 'step_entered' &&
              x.step!.startsWith('send_'),
          )
          .map((x) => x.occurred_at.getTime())
      : fx.messages
          .filter((m) => m.workflow_id === j.workflow_id && m.status === 'sent')
          .map((m) => m.sent_at!.getTime());
    const end = Math.max(enrolled, ...marks) + windowMs;
    const myCodes = new Set(
      assigned
        .filter((c) => c.assignment_key!.startsWith(`${j.workflow_id}/`))
        .map((c) => c.redeemed_by),
    );
    const orders = fx.orders.filter(
      (o) =>
        o.status === 'paid' &&
        o.contact_id === j.contact_id &&
        (myCodes.has(o.external_id) ||
          (o.placed_at.getTime() >= enrolled && o.placed_at.getTime() <= end)),
    );
    const revenue = orders.filter((o) => o.currency === 'EUR').reduce((sum, o) => sum + o.total, 0);
    const first = orders.find((o) => firstPaid.get(j.contact_id) === o && o.currency === 'EUR');
    for (const key of [j.holdout ? 'heldOut' : 'treated', 'all'] as const) {
      const g = e.groups[key];
      g.journeys++;
      g.orders += orders.length;
      if (orders.length) g.converted++;
      g.revenue += revenue;
      g.perJourneyRevenue.push(Math.round(revenue * 100) / 100);
      if (first) {
        e.firstPurchase[key].firstPurchases++;
        e.firstPurchase[key].revenue += first.total;
      }
    }
    for (const o of orders.filter((o) => o.currency === 'EUR')) {
      const day = new Date(o.placed_at.getTime() + utcOffsetMs).toISOString().slice(0, 10);
      e.revenueByDay[day] = (e.revenueByDay[day] ?? 0) + o.total;
    }
  }
  return e;
}
