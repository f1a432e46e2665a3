/** checkCouponPools: one warning line per coupon set below its low_stock_threshold. */
import { describe, expect, it } from 'vitest';
import { ensureCouponSet, generateCoupons } from '../../src/db/coupons.js';
import { checkCouponPools } from '../../src/reports/coupon-pools.js';
import { parseReportOptions } from '../../src/reports/options.js';
import { buildReport } from '../../src/reports/report.js';
import { runCli } from '../cli/support.js';
import { useTestDatabase } from '../support/db.js';

describe('checkCouponPools', () => {
  const database = useTestDatabase();

  it('warns once per low set, with what to do, and returns the low sets', async () => {
    const db = database.db;
    await ensureCouponSet(db, { id: 'plenty', lowStockThreshold: 5 });
    await generateCoupons(db, 'plenty', 8);
    await ensureCouponSet(db, { id: 'scarce', lowStockThreshold: 10 });
    await generateCoupons(db, 'scarce', 4);
    await ensureCouponSet(db, { id: 'empty', lowStockThreshold: 1 });
    // Expired codes are not available.
    await db
      .insertInto('coupons')
      .values({ set_id: 'empty', code: 'OLD-1', expires_at: new Date(Date.now() - 1000) })
      .execute();
    // Exactly at the threshold is not low.
    await ensureCouponSet(db, { id: 'edge', lowStockThreshold: 3 });
    await generateCoupons(db, 'edge', 3);

    const lines: { message: string; meta?: Record<string, unknown> }[] = [];
    const low = await checkCouponPools(db, {
      warn: (message, meta) => lines.push({ message, meta }),
    });
    expect(low.map((s) => s.setId)).toEqual(['empty', 'scarce']);
    expect(lines).toEqual([
      {
        message: expect.stringMatching(
          /^coupon pool low: set "empty" has 0 codes available, below its threshold of 1; .*`boomerang coupons generate empty --count N`/,
        ),
        meta: { couponSet: 'empty', available: 0, lowStockThreshold: 1 },
      },
      {
        message: expect.stringMatching(
          /^coupon pool low: set "scarce" has 4 codes available, below its threshold of 10;/,
        ),
        meta: { couponSet: 'scarce', available: 4, lowStockThreshold: 10 },
      },
    ]);

    // console works as the log, and nothing is logged once the pools are refilled.
    await generateCoupons(db, 'scarce', 10);
    await generateCoupons(db, 'empty', 1);
    const warnings: string[] = [];
    expect(await checkCouponPools(db, { warn: (m) => warnings.push(m) })).toEqual([]);
    expect(warnings).toEqual([]);
    await expect(checkCouponPools(db, console)).resolves.toEqual([]);
  });

  it('a shop without campaigns gets an empty report, pools still listed', async () => {
    const config = {
      temporal: { uiUrl: 'http://localhost:8233', namespace: 'default' },
      shop: { currency: 'EUR', timezone: 'UTC' },
    };
    const report = await buildReport(database.db, config, parseReportOptions({}));
    expect(report.campaigns).toEqual([]);
    expect(report.couponPools.map((p) => [p.setId, p.campaigns])).toEqual([
      ['edge', []],
      ['empty', []],
      ['plenty', []],
      ['scarce', []],
    ]);
    const run = await runCli(database.url, ['report']);
    expect(run).toMatchObject({
      code: 0,
      stdout: expect.stringContaining(
        'no campaigns yet; create one with `boomerang campaign create --file FILE`',
      ),
    });
  });
});
