/** The report's figures against the ones computed from the fixture's arrays (shared by the report tests). */
import { expect } from 'vitest';
import {
  newcombeDifferenceInterval,
  summarize,
  welchDifferenceInterval,
} from '../../src/domain/reports/statistics.js';
import type { CampaignResult } from '../../src/reports/types.js';
import type { Expected } from './fixture.js';

export const REPORT_CONFIG = {
  temporal: { uiUrl: 'http://ui.example:8233', namespace: 'shop ns' },
  shop: { currency: 'EUR', timezone: 'UTC' },
};

export const cents = (x: number) => Math.round(x * 100) / 100;

/** Every figure of one campaign's result against the independently computed ones. */
export function expectCampaignMatches(c: CampaignResult, e: Expected): void {
  expect(c.journeys).toEqual({
    enrolled: e.enrolled,
    treated: e.treated,
    heldOut: e.heldOut,
    active: e.active,
    ended: e.ended,
    failed: e.endings.failed ?? 0,
  });
  expect(Object.fromEntries(c.endings.map((x) => [x.reason, x.count]))).toEqual(e.endings);

  const nodes = Object.fromEntries(
    c.funnel.nodes
      .filter((n) => n.reached > 0 || n.here > 0)
      .map((n) => [
        n.id,
        { reached: n.reached, treated: n.treated, heldOut: n.heldOut, here: n.here },
      ]),
  );
  expect(nodes).toEqual(
    Object.fromEntries(Object.entries(e.nodes).filter(([, n]) => n.reached > 0 || n.here > 0)),
  );
  expect(c.funnel.unmapped).toEqual([]);
  expect(
    Object.fromEntries(
      c.funnel.exits.filter((x) => x.count > 0).map((x) => [`${x.from} ${x.reason}`, x.count]),
    ),
  ).toEqual(e.exits);
  for (const x of c.funnel.exits) expect(x.count).toBe(x.treated + x.heldOut);

  expect(c.messages.sent).toEqual({ ...e.sent, total: e.sent.email + e.sent.sms });
  expect(c.messages.failed).toEqual({ ...e.failed, total: e.failed.email + e.failed.sms });
  expect(
    Object.fromEntries(c.messages.skipped.map((s) => [`${s.channel} ${s.reason}`, s.count])),
  ).toEqual(e.skipped);
  expect(c.messages.withheldFromControlGroup).toBe(e.withheld);
  expect(c.coupons).toMatchObject({ assigned: e.couponsAssigned, redeemed: e.couponsRedeemed });

  for (const key of ['treated', 'heldOut', 'all'] as const) {
    const got = c.results[key];
    const want = e.groups[key];
    expect(got, key).toMatchObject({
      journeys: want.journeys,
      converted: want.converted,
      orders: want.orders,
      revenue: cents(want.revenue),
    });
    expect(got.conversionRate, key).toBe(want.journeys ? want.converted / want.journeys : null);
    if (want.journeys)
      expect(got.revenuePerContact!, key).toBeCloseTo(want.revenue / want.journeys, 9);
  }
  const t = e.groups.treated;
  const h = e.groups.heldOut;
  if (t.journeys && h.journeys) {
    const ci = newcombeDifferenceInterval(t.converted, t.journeys, h.converted, h.journeys);
    expect(c.results.conversionRateUplift).toMatchObject({
      status: 'ok',
      estimate: ci.estimate,
      low: ci.low,
      high: ci.high,
    });
  } else {
    expect(c.results.conversionRateUplift.status).toBe('not_enough_data');
  }
  if (t.journeys >= 2 && h.journeys >= 2) {
    const ci = welchDifferenceInterval(
      summarize(t.perJourneyRevenue),
      summarize(h.perJourneyRevenue),
    );
    const got = c.results.revenuePerContactUplift;
    expect(got.status).toBe('ok');
    if (got.status === 'ok') {
      expect(got.estimate).toBeCloseTo(ci.estimate, 9);
      expect(got.low).toBeCloseTo(ci.low, 9);
      expect(got.high).toBeCloseTo(ci.high, 9);
    }
  } else {
    expect(c.results.revenuePerContactUplift.status).toBe('not_enough_data');
  }
  expect(Object.fromEntries(c.revenueByDay.map((d) => [d.date, d.revenue]))).toEqual(
    Object.fromEntries(Object.entries(e.revenueByDay).map(([d, r]) => [d, cents(r)])),
  );
}
