/**
 * Recovered checkouts in the report of a checkout flow, on journeys, messages, withheld sends,
 * checkouts and orders inserted row by row: which orders recover a checkout (the order names it
 * within its source, is paid, and comes after a message), which node each is credited to (the last
 * message before the order), and the treated vs held-out figures with their intervals.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { formatReport } from '../../src/cli/report.js';
import {
  newcombeDifferenceInterval,
  summarize,
  welchDifferenceInterval,
} from '../../src/domain/reports/statistics.js';
import { parseReportOptions } from '../../src/reports/options.js';
import { buildReport } from '../../src/reports/report.js';
import type { CampaignsReport } from '../../src/reports/types.js';
import { useTestDatabase } from '../support/db.js';
import { CHECKOUT_CAMPAIGN, seedCheckoutFixture } from './checkout-fixture.js';
import { REPORT_CONFIG } from './matchers.js';

const CAMPAIGN = CHECKOUT_CAMPAIGN;

describe('recovered checkouts in the report of a checkout flow', () => {
  const database = useTestDatabase();
  let report: CampaignsReport;
  const result = () => report.campaigns.find((c) => c.id === CAMPAIGN)!.checkouts!;

  beforeAll(async () => {
    await seedCheckoutFixture(database.db);
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
