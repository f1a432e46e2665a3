/** `boomerang report`: the human tables and `--json`, which is exactly what GET /api/report answers. */
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { parseReportOptions } from '../../src/reports/options.js';
import { buildReport } from '../../src/reports/report.js';
import { runCli } from '../cli/support.js';
import { useTestDatabase } from '../support/db.js';
import { expectedFigures, type Fixture, seedReportFixture } from './fixture.js';

describe('boomerang report', () => {
  const database = useTestDatabase();
  let fx: Fixture;

  beforeAll(async () => {
    fx = await seedReportFixture(database.db);
  });

  it('--json prints the report object (the same as the API), generatedAt aside', async () => {
    const run = await runCli(database.url, [
      'report',
      'low-clv',
      '--json',
      '--window',
      '5d',
      '--since',
      '2026-03-03',
    ]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const printed = JSON.parse(run.stdout);
    const config = loadConfig({ DATABASE_URL: database.url });
    const direct = await buildReport(
      database.db,
      config,
      parseReportOptions({ campaign: 'low-clv', window: '5d', since: '2026-03-03' }),
    );
    expect({ ...printed, generatedAt: null }).toEqual(
      JSON.parse(JSON.stringify({ ...direct, generatedAt: null })),
    );
    expect(printed.filters).toEqual({
      campaign: 'low-clv',
      since: '2026-03-03T00:00:00.000Z',
      window: '5d',
      windowMs: 5 * 86_400_000,
    });
  });

  it('prints the funnel, endings, messages, coupons, results and uplift per campaign', async () => {
    const run = await runCli(database.url, ['report']);
    expect(run.code).toBe(0);
    const out = run.stdout;
    if (process.env.SHOW_REPORT) console.info(out);
    expect(out).toMatch(
      /^WARNING coupon pool low: set "low-clv" has 3 codes available, below its threshold of 10/m,
    );
    for (const title of [
      'Reactivate low-CLV customers (low-clv) · low_clv_coupon · active · holdout 30%',
      'Welcome voucher (welcome)',
      "Can't lose them (inactive)",
    ])
      expect(out).toContain(title);

    // Campaigns come in id order: inactive, low-clv, welcome.
    const starts = [
      "Can't lose them (inactive)",
      'Reactivate low-CLV customers (low-clv)',
      'Welcome voucher (welcome)',
    ].map((t) => out.indexOf(t));
    expect(starts).toEqual([...starts].sort((a, b) => a - b));
    const [inactive, low, welcome] = starts.map((start, i) =>
      out.slice(start, starts[i + 1] ?? out.length),
    );

    const e = expectedFigures(fx, 'low-clv');
    expect(low!).toContain(
      `journeys: ${e.enrolled} enrolled (${e.treated} treated, ${e.heldOut} held out), ${e.active} running, ${e.ended} ended`,
    );
    const funnelRow = (label: string, id: string) =>
      new RegExp(
        `^${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s+${id}\\s+${e.nodes[id]!.reached}\\s+${e.nodes[id]!.treated}\\s+${e.nodes[id]!.heldOut}\\s+${e.nodes[id]!.here}$`,
        'm',
      );
    expect(low!).toMatch(funnelRow('Is in segment "Customers to reengage"?', 'is_in_segment'));
    expect(low!).toMatch(funnelRow('Send coupon email', 'send_offer'));
    expect(low!).toMatch(funnelRow('Wait 7 days: purchased?', 'wait'));
    expect(low!).toMatch(
      new RegExp(
        `^is_in_segment \\(no\\)\\s+not_in_segment\\s+${e.exits['is_in_segment not_in_segment']}\\s`,
        'm',
      ),
    );
    expect(low!).toContain(
      `messages: ${e.sent.email + e.sent.sms} sent (${e.sent.email} email, ${e.sent.sms} SMS), ${e.failed.email + e.failed.sms} failed`,
    );
    expect(low!).toContain(
      `coupons:  ${e.couponsAssigned} assigned, ${e.couponsRedeemed} redeemed; pool "low-clv": 3 available (threshold 10) — LOW`,
    );
    expect(low!).toMatch(
      new RegExp(
        `^treated\\s+${e.groups.treated.journeys}\\s+${e.groups.treated.converted}\\s`,
        'm',
      ),
    );
    expect(low!).toMatch(
      /conversion rate: [+−]\d+\.\d pts \(95% CI [+−]\d+\.\d pts to [+−]\d+\.\d pts; Newcombe hybrid score interval/,
    );
    expect(low!).toMatch(
      /revenue per contact: [+−]€\d+\.\d\d \(95% CI [+−]€[\d,]+\.\d\d to [+−]€[\d,]+\.\d\d; Welch interval .*, df \d+\.\d\)/,
    );

    expect(inactive!).toContain('conversion rate: not enough data (no held-out journeys');
    expect(welcome!).toMatch(
      /first-purchase revenue per 1,000 registrations: €[\d,]+\.\d\d \(\d+ first purchases of \d+ registrations, .*; seed average €3,950\.00\)/,
    );
  });

  it('explains bad options and unknown campaigns', async () => {
    expect(await runCli(database.url, ['report', '--window', 'soon'])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('window must be a duration such as "7d"'),
    });
    expect(await runCli(database.url, ['report', '--since', 'yesterday-ish'])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('since must be a date'),
    });
    expect(await runCli(database.url, ['report', 'Bad Id'])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('campaign must be a campaign id'),
    });
    expect(await runCli(database.url, ['report', 'nope'])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining(
        'unknown campaign "nope"; known campaigns: inactive, low-clv, welcome',
      ),
    });
  });
});
