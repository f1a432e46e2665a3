/**
 * The report on a campaign history inserted row by row, against the same figures computed in the
 * test from the inserted arrays (fixture.ts): no report query is used to compute what is expected.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { saveCampaign } from '../../src/db/campaigns.js';
import { parseReportOptions } from '../../src/reports/options.js';
import { buildReport, UnknownReportCampaignError } from '../../src/reports/report.js';
import type { CampaignsReport } from '../../src/reports/types.js';
import { useTestDatabase } from '../support/db.js';
import { LOW_CLV_STEPS } from '../support/journey-steps.js';
import { BASE, DAY, expectedFigures, type Fixture, seedReportFixture } from './fixture.js';
import { cents, expectCampaignMatches, REPORT_CONFIG } from './matchers.js';

describe('campaign report on an inserted campaign history', () => {
  const database = useTestDatabase();
  let fx: Fixture;
  let report: CampaignsReport;
  const byId = (r: CampaignsReport, id: string) => r.campaigns.find((c) => c.id === id)!;

  beforeAll(async () => {
    fx = await seedReportFixture(database.db);
    report = await buildReport(database.db, REPORT_CONFIG, parseReportOptions({}));
  });

  it('the fixture covers what the report must handle', () => {
    const low = expectedFigures(fx, 'low-clv');
    expect(low.treated).toBeGreaterThan(20);
    expect(low.heldOut).toBeGreaterThan(8);
    expect(low.active).toBeGreaterThan(0);
    expect(Object.keys(low.endings)).toEqual(
      expect.arrayContaining([
        'not_in_segment',
        'purchased',
        'left_segment',
        'completed',
        'coupon_pool_exhausted',
        'unsubscribed',
      ]),
    );
    expect(low.groups.treated.converted).toBeGreaterThan(0);
    expect(low.groups.heldOut.converted).toBeGreaterThan(0);
    expect(Object.keys(low.skipped).length).toBeGreaterThan(0);
    expect(low.failed.email).toBeGreaterThan(0);
    const welcome = expectedFigures(fx, 'welcome');
    expect(welcome.nodes['wait#2']!.reached).toBeGreaterThan(0);
    expect(welcome.firstPurchase.all.firstPurchases).toBeGreaterThan(0);
    expect(welcome.firstPurchase.all.firstPurchases).toBeLessThan(welcome.groups.all.converted); // some bought before registering
    expect(expectedFigures(fx, 'inactive').couponsRedeemed).toBeGreaterThan(0);
  });

  it.each(['low-clv', 'welcome', 'inactive'])(
    '%s: every figure matches the one computed from the raw rows',
    (id) => {
      expectCampaignMatches(byId(report, id), expectedFigures(fx, id));
    },
  );

  it("lists the funnel in the kind's node order, with the designed exits even at 0", () => {
    const low = byId(report, 'low-clv');
    expect(low.funnel.nodes.map((n) => n.id)).toEqual(['enrolled', ...LOW_CLV_STEPS]);
    expect(
      low.funnel.exits
        .filter((x) => x.designed)
        .map((x) => `${x.from} ${x.label ?? ''} ${x.reason}`),
    ).toEqual([
      'is_in_segment no not_in_segment',
      'wait yes purchased',
      'still_in_segment no left_segment',
      'has_purchased yes purchased',
      'send_reminder  completed',
    ]);
    expect(low.funnel.exits.find((x) => x.reason === 'coupon_pool_exhausted')).toMatchObject({
      from: 'assign_coupon',
      designed: false,
    });
    const welcome = byId(report, 'welcome');
    expect(welcome.funnel.nodes.map((n) => n.id)).toContain('has_purchased#2');
    expect(
      byId(report, 'inactive').funnel.exits.find((x) => x.from === 'has_purchased'),
    ).toMatchObject({ count: 0, designed: true });
  });

  it('links every count to the Web UI with the campaign and step', () => {
    const node = byId(report, 'low-clv').funnel.nodes.find((n) => n.id === 'send_offer')!;
    expect(node.uiQuery).toBe('BoomerangCampaign="low-clv" AND BoomerangStep="send_offer"');
    const url = new URL(node.uiUrl);
    expect(`${url.origin}${url.pathname}`).toBe(
      'http://ui.example:8233/namespaces/shop%20ns/workflows',
    );
    expect(url.searchParams.get('query')).toBe(node.uiQuery);
    expect(node.uiUrl).toContain(
      'query=BoomerangCampaign%3D%22low-clv%22%20AND%20BoomerangStep%3D%22send_offer%22',
    );
    const exit = byId(report, 'low-clv').funnel.exits.find((x) => x.reason === 'left_segment')!;
    expect(exit.uiQuery).toBe('BoomerangCampaign="low-clv" AND BoomerangStep="end:left_segment"');
    expect(byId(report, 'welcome').funnel.nodes[0]!.uiQuery).toBe('BoomerangCampaign="welcome"');
  });

  it('the welcome campaign: first-purchase revenue per 1,000 registrations', () => {
    const e = expectedFigures(fx, 'welcome');
    const w = byId(report, 'welcome').welcome!;
    expect(w).toMatchObject({
      registrations: e.enrolled,
      firstPurchases: e.firstPurchase.all.firstPurchases,
      firstPurchaseRevenue: cents(e.firstPurchase.all.revenue),
      seedBenchmarkPerThousand: 3950,
    });
    expect(w.perThousandRegistrations).toBeCloseTo(
      (e.firstPurchase.all.revenue / e.enrolled) * 1000,
      2,
    );
    expect(w.treated.registrations).toBe(e.treated);
    expect(w.treated.firstPurchaseRevenue).toBe(cents(e.firstPurchase.treated.revenue));
    expect(w.heldOut.firstPurchaseRevenue).toBe(cents(e.firstPurchase.heldOut.revenue));
    expect(byId(report, 'low-clv').welcome).toBeNull();
  });

  it('the window is inclusive at its end, and a shorter one attributes less', async () => {
    const edge = fx.orders.find((o) => o.total === 12.34)!;
    const after = fx.orders.find((o) => o.total === 43.21)!;
    const low = byId(report, 'low-clv');
    const e = expectedFigures(fx, 'low-clv');
    expect(e.groups.all.revenue).toBeGreaterThan(0);
    // The expected figures include the order at the window's end and not the one a second later.
    const lowJourneyOfEdge = fx.journeys.find(
      (j) => j.campaign_id === 'low-clv' && j.contact_id === edge.contact_id,
    )!;
    expect(lowJourneyOfEdge.holdout).toBe(false);
    expect(
      low.revenueByDay.find((d) => d.date === edge.placed_at.toISOString().slice(0, 10))!.revenue,
    ).toBeGreaterThanOrEqual(12.34);
    expect(after.placed_at.getTime() - edge.placed_at.getTime()).toBe(1000);

    const short = await buildReport(
      database.db,
      REPORT_CONFIG,
      parseReportOptions({ window: '2 days' }),
    );
    expect(short.filters).toMatchObject({ window: '2 days', windowMs: 2 * DAY });
    for (const id of ['low-clv', 'welcome', 'inactive'])
      expectCampaignMatches(byId(short, id), expectedFigures(fx, id, 2 * DAY));
    expect(byId(short, 'low-clv').results.all.revenue).toBeLessThan(low.results.all.revenue);
  });

  it('--since keeps only the journeys enrolled since then', async () => {
    const since = new Date(BASE + 5 * DAY);
    const r = await buildReport(
      database.db,
      REPORT_CONFIG,
      parseReportOptions({ since: since.toISOString() }),
    );
    expect(r.filters.since).toBe(since.toISOString());
    for (const id of ['low-clv', 'welcome', 'inactive'])
      expectCampaignMatches(byId(r, id), expectedFigures(fx, id, 7 * DAY, since));
    expect(byId(r, 'low-clv').journeys.enrolled).toBeLessThan(
      byId(report, 'low-clv').journeys.enrolled,
    );
  });

  it('one campaign, and an unknown one', async () => {
    const one = await buildReport(
      database.db,
      REPORT_CONFIG,
      parseReportOptions({ campaign: 'welcome' }),
    );
    expect(one.campaigns.map((c) => c.id)).toEqual(['welcome']);
    expect(one.campaigns[0]).toEqual(byId(report, 'welcome'));
    await expect(
      buildReport(database.db, REPORT_CONFIG, parseReportOptions({ campaign: 'nope' })),
    ).rejects.toThrow(UnknownReportCampaignError);
    await expect(
      buildReport(database.db, REPORT_CONFIG, parseReportOptions({ campaign: 'nope' })),
    ).rejects.toThrow(/known campaigns: inactive, low-clv, welcome/);
  });

  it('says "not enough data" for a campaign without a control group', () => {
    const inactive = byId(report, 'inactive');
    expect(inactive.results.heldOut.journeys).toBe(0);
    expect(inactive.results.conversionRateUplift).toMatchObject({
      status: 'not_enough_data',
      reason: expect.stringContaining('holdoutPercent'),
    });
    expect(inactive.results.revenuePerContactUplift.status).toBe('not_enough_data');
  });

  it('flags low coupon pools with the campaigns that use them', () => {
    const pools = Object.fromEntries(report.couponPools.map((p) => [p.setId, p]));
    const assignedLow = fx.coupons.filter((c) => c.set_id === 'low-clv' && c.assignment_key).length;
    expect(pools['low-clv']).toMatchObject({
      available: 3,
      assigned: assignedLow,
      lowStockThreshold: 10,
      low: true,
      campaigns: ['low-clv'],
    });
    expect(pools['welcome']).toMatchObject({ available: 20, low: false, campaigns: ['welcome'] });
    expect(byId(report, 'low-clv').coupons.pool).toEqual(pools['low-clv']);
  });

  it("buckets revenue by the shop's calendar days", async () => {
    // Kiritimati is UTC+14 all year: most orders move to the next calendar day.
    const r = await buildReport(
      database.db,
      { ...REPORT_CONFIG, shop: { currency: 'EUR', timezone: 'Pacific/Kiritimati' } },
      parseReportOptions({ campaign: 'low-clv' }),
    );
    expect(r.timezone).toBe('Pacific/Kiritimati');
    expectCampaignMatches(
      r.campaigns[0]!,
      expectedFigures(fx, 'low-clv', 7 * DAY, undefined, 14 * 3_600_000),
    );
    expect(r.campaigns[0]!.revenueByDay).not.toEqual(byId(report, 'low-clv').revenueByDay);
  });

  it('says a campaign with a holdout has held nobody out yet, not to set holdoutPercent', async () => {
    const { db } = database;
    await saveCampaign(db, {
      id: 'fresh-holdout',
      name: 'Just launched',
      kind: 'low_clv_coupon',
      couponSet: 'low-clv',
      holdoutPercent: 10,
    });
    await db
      .insertInto('journeys')
      .values({
        workflow_id: `fresh-holdout/${fx.contactIds[0]}`,
        campaign_id: 'fresh-holdout',
        contact_id: fx.contactIds[0]!,
        holdout: false,
        enrolled_at: new Date(BASE),
      })
      .execute();
    const fresh = await buildReport(
      db,
      REPORT_CONFIG,
      parseReportOptions({ campaign: 'fresh-holdout' }),
    );
    const { results } = fresh.campaigns[0]!;
    for (const uplift of [results.conversionRateUplift, results.revenuePerContactUplift])
      expect(uplift).toEqual({
        status: 'not_enough_data',
        reason: 'no held-out journeys yet: the campaign holds out 10% of its contacts',
      });
  });
});
