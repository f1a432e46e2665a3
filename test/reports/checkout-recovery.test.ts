/**
 * Recovered checkouts in the report of a checkout flow, on journeys, messages, withheld sends,
 * checkouts and orders inserted row by row: which orders recover a checkout (the order names it
 * within its source, is paid, and comes after a message), which node each is credited to (the last
 * message before the order), and the treated vs held-out figures with their intervals.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { formatReport } from '../../src/cli/report.js';
import { saveCampaign } from '../../src/db/campaigns.js';
import {
  newcombeDifferenceInterval,
  summarize,
  welchDifferenceInterval,
} from '../../src/domain/reports/statistics.js';
import { parseReportOptions } from '../../src/reports/options.js';
import { buildReport } from '../../src/reports/report.js';
import type { CampaignsReport } from '../../src/reports/types.js';
import { useTestDatabase } from '../support/db.js';
import { REPORT_CONFIG } from './matchers.js';

const CAMPAIGN = 'cart';
const HOUR = 3_600_000;
const T0 = Date.parse('2026-11-02T10:00:00Z');
const at = (hours: number) => new Date(T0 + hours * HOUR);

const CHECKOUT_FLOW = {
  id: CAMPAIGN,
  name: 'Abandoned cart',
  kind: 'flow',
  holdoutPercent: 30,
  nodes: {
    start: {
      type: 'entry',
      trigger: 'event',
      event: 'checkout_started',
      key: 'checkout_id',
      next: 'wait-1h',
    },
    'wait-1h': { type: 'wait', duration: '1 hour', next: 'email-items' },
    'email-items': {
      type: 'send',
      channel: 'email',
      template: { subject: 'Your cart', html: '<p>{{ checkout.total }}</p>' },
      next: 'wait-1d',
    },
    'wait-1d': { type: 'wait', duration: '1 day', next: 'sms' },
    sms: { type: 'send', channel: 'sms', template: { body: 'Your cart' }, next: 'done' },
    done: { type: 'exit', reason: 'completed' },
  },
};

interface Case {
  checkout: string;
  holdout?: boolean;
  /** Hours after the start when each node's message went (held out: was withheld). */
  touches?: Partial<Record<'email-items' | 'sms', number>>;
  /** A failed message: no touch. */
  failed?: 'email-items' | 'sms';
  orders?: {
    hours: number;
    total: number;
    currency?: string;
    source?: string;
    status?: 'paid' | 'refunded';
  }[];
}

const CASES: Case[] = [
  // Treated.
  { checkout: 'a', touches: { 'email-items': 1 }, orders: [{ hours: 2, total: 100 }] },
  { checkout: 'b', touches: { 'email-items': 1, sms: 25 }, orders: [{ hours: 26, total: 50 }] },
  { checkout: 'c', orders: [{ hours: 0.5, total: 70 }] }, // ordered before any message
  { checkout: 'd', touches: { 'email-items': 1, sms: 25 } },
  {
    checkout: 'e',
    touches: { 'email-items': 1 },
    orders: [{ hours: 3, total: 40, currency: 'USD' }],
  },
  {
    checkout: 'f',
    touches: { 'email-items': 1 },
    failed: 'sms',
    orders: [
      { hours: 30, total: 90, source: 'pos' }, // another source's checkout of the same id
      { hours: 31, total: 90, status: 'refunded' },
    ],
  },
  // Held out.
  {
    checkout: 'g',
    holdout: true,
    touches: { 'email-items': 1 },
    orders: [{ hours: 2, total: 80 }],
  },
  { checkout: 'h', holdout: true, touches: { 'email-items': 1, sms: 25 } },
  { checkout: 'i', holdout: true, orders: [{ hours: 0.2, total: 60 }] },
];

describe('recovered checkouts in the report of a checkout flow', () => {
  const database = useTestDatabase();
  let report: CampaignsReport;
  const result = () => report.campaigns.find((c) => c.id === CAMPAIGN)!.checkouts!;

  beforeAll(async () => {
    const { db } = database;
    await saveCampaign(db, CHECKOUT_FLOW);
    await saveCampaign(db, {
      id: 'welcome',
      name: 'Welcome',
      kind: 'welcome_voucher',
      couponSet: 'w',
    });
    let orderNo = 0;
    for (const c of CASES) {
      const contact = await db
        .insertInto('contacts')
        .values({ email: `${c.checkout}@example.com`, newsletter_status: 'subscribed' })
        .returning('id')
        .executeTakeFirstOrThrow();
      const workflowId = `${CAMPAIGN}/${contact.id}/key/${c.checkout}`;
      await db
        .insertInto('journeys')
        .values({
          workflow_id: workflowId,
          campaign_id: CAMPAIGN,
          contact_id: contact.id,
          holdout: c.holdout ?? false,
          enrolled_at: at(0),
        })
        .execute();
      await db
        .insertInto('checkouts')
        .values({
          source: 'shop',
          external_id: c.checkout,
          contact_id: contact.id,
          currency: 'EUR',
          total: 10,
          started_at: at(0),
          updated_at: at(0),
        })
        .execute();
      const message = (step: string, hours: number, status: 'sent' | 'failed') => ({
        idempotency_key: `${workflowId}/${step}`,
        channel: step === 'sms' ? 'sms' : 'email',
        provider: 'test',
        status,
        contact_id: contact.id,
        campaign_id: CAMPAIGN,
        workflow_id: workflowId,
        to_address: `${c.checkout}@example.com`,
        text: 'x',
        created_at: at(hours),
        sent_at: status === 'sent' ? at(hours) : null,
      });
      for (const [step, hours] of Object.entries(c.touches ?? {})) {
        if (c.holdout)
          await db
            .insertInto('journey_events')
            .values({
              idempotency_key: `${workflowId}/${step}:message`,
              workflow_id: workflowId,
              campaign_id: CAMPAIGN,
              contact_id: contact.id,
              type: 'message_skipped',
              step,
              detail: JSON.stringify({
                channel: step === 'sms' ? 'sms' : 'email',
                reason: 'holdout',
              }),
              occurred_at: at(hours),
            })
            .execute();
        else
          await db
            .insertInto('messages')
            .values(message(step, hours, 'sent'))
            .execute();
      }
      if (c.failed)
        await db
          .insertInto('messages')
          .values(message(c.failed, 25, 'failed'))
          .execute();
      for (const o of c.orders ?? [])
        await db
          .insertInto('orders')
          .values({
            source: o.source ?? 'shop',
            external_id: `order-${++orderNo}`,
            contact_id: contact.id,
            placed_at: at(o.hours),
            total: o.total,
            currency: o.currency ?? 'EUR',
            status: o.status ?? 'paid',
            checkout_id: c.checkout,
          })
          .execute();
    }
    report = await buildReport(database.db, REPORT_CONFIG, parseReportOptions({}));
  });

  it('counts a checkout recovered when its paid order, from its source, follows a message', () => {
    const r = result();
    expect(r.treated).toMatchObject({
      checkouts: 6,
      completed: 4, // a, b, c, e: f's orders are another source's and a refunded one
      recovered: 3, // c ordered before any message
      recoveryRate: 0.5,
      recoveredRevenue: 150, // e paid in USD: recovered, not added
      recoveredInOtherCurrencies: 1,
    });
    expect(r.heldOut).toMatchObject({
      checkouts: 3,
      completed: 2,
      recovered: 1, // g, after the email withheld from it; i ordered before
      recoveredRevenue: 80,
    });
    expect(r.all).toMatchObject({ checkouts: 9, recovered: 4, recoveredRevenue: 230 });
    expect(r.treated.revenuePerCheckout).toBeCloseTo(25);
  });

  it('gives each recovered checkout to the last message before its order, per send node', () => {
    const nodes = Object.fromEntries(result().bySendNode.map((n) => [n.node, n]));
    expect(Object.keys(nodes)).toEqual(['email-items', 'sms']);
    // Reached: journeys it sent to (a failed SMS is none); credited: the last message before the order.
    expect(nodes['email-items']!.treated).toMatchObject({
      checkouts: 5,
      recovered: 2,
      recoveredRevenue: 100,
    });
    expect(nodes['email-items']!.heldOut).toMatchObject({
      checkouts: 2,
      recovered: 1,
      recoveredRevenue: 80,
    });
    expect(nodes.sms!.treated).toMatchObject({ checkouts: 2, recovered: 1, recoveredRevenue: 50 });
    expect(nodes.sms!.heldOut).toMatchObject({ checkouts: 1, recovered: 0, recoveredRevenue: 0 });
    const credited = result().bySendNode.reduce(
      (sum, n) => sum + n.treated.recovered + n.heldOut.recovered,
      0,
    );
    expect(credited).toBe(result().all.recovered);
  });

  it('compares treated and held out with the intervals of the purchase uplift', () => {
    const r = result();
    const rate = newcombeDifferenceInterval(3, 6, 1, 3);
    expect(r.recoveryRateUplift).toMatchObject({
      status: 'ok',
      estimate: rate.estimate,
      low: rate.low,
      high: rate.high,
    });
    const revenue = welchDifferenceInterval(
      summarize([100, 50, 0, 0, 0, 0]),
      summarize([80, 0, 0]),
    );
    expect(r.revenuePerCheckoutUplift).toMatchObject({
      status: 'ok',
      low: revenue.low,
      high: revenue.high,
    });
    const sms = r.bySendNode.find((n) => n.node === 'sms')!;
    expect(sms.revenuePerCheckoutUplift).toMatchObject({ status: 'not_enough_data' }); // one held out
    const smsRate = newcombeDifferenceInterval(1, 2, 0, 1);
    expect(sms.recoveryRateUplift).toMatchObject({
      status: 'ok',
      low: smsRate.low,
      high: smsRate.high,
    });
  });

  it('leaves other campaigns without the section, and prints it in the text report', () => {
    expect(report.campaigns.find((c) => c.id === 'welcome')!.checkouts).toBeNull();
    const text = formatReport(report);
    expect(text).toContain('Recovered checkouts');
    expect(text).toMatch(/recovery rate: \+16\.7 pts/);
  });
});
