/**
 * `boomerang model backtest` on real Postgres: every figure of its report is recomputed here from
 * the raw orders, with the purchase-day rule written out again (UTC days; orders before the cut
 * are calibration, orders in the next N days holdout, one purchase per day).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectedPurchases, fitBgNbd } from '../../src/domain/indicators/bgnbd.js';
import {
  expectedAverageOrderValue,
  fitGammaGamma,
} from '../../src/domain/indicators/gamma-gamma.js';
import { runBacktest } from '../../src/indicators/backtest.js';
import { runCli } from '../cli/support.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { DAY, type RawOrder, seedBacktestOrders } from './backtest-fixture.js';

const CALIBRATION_END = '2025-03-31';
const CUT = Date.parse('2025-04-01T00:00:00Z');
const HOLDOUT_DAYS = 120;
const START = Date.parse('2024-01-01T00:00:00Z');

describe('model backtest', () => {
  let database: TestDatabase;
  let orders: RawOrder[] = [];
  let contactIds: number[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    ({ orders, contactIds } = await seedBacktestOrders(database.db, {
      start: START,
      cut: CUT,
      holdoutDays: HOLDOUT_DAYS,
    }));
  });
  afterAll(() => database?.drop());

  /** The report's figures, from the raw orders. */
  function independently() {
    const holdoutEnd = CUT + HOLDOUT_DAYS * DAY;
    const lastCalibrationDay = Math.floor(CUT / DAY) - 1;
    const customers = contactIds.flatMap((id) => {
      const calibration = new Map<number, number>();
      const holdout = new Map<number, number>();
      for (const o of orders) {
        if (o.contact !== id || o.status !== 'paid') continue;
        const time = o.placedAt.getTime();
        const day = Math.floor(time / DAY);
        const into = time < CUT ? calibration : time < holdoutEnd ? holdout : null;
        into?.set(day, (into.get(day) ?? 0) + o.total);
      }
      if (calibration.size === 0) return [];
      const days = [...calibration.keys()].sort((x, y) => x - y);
      const frequency = days.length - 1;
      const repeatSpend = days.slice(1).reduce((s, d) => s + calibration.get(d)!, 0);
      return [
        {
          frequency,
          recency: days.at(-1)! - days[0]!,
          T: lastCalibrationDay - days[0]!,
          monetaryValue: frequency > 0 ? repeatSpend / frequency : 0,
          holdoutPurchases: holdout.size,
          holdoutValue: [...holdout.values()].reduce((s, v) => s + v, 0),
        },
      ];
    });
    const fit = fitBgNbd(customers.filter((c) => c.T > 0));
    const spendFit = fitGammaGamma(
      customers
        .filter((c) => c.frequency > 0)
        .map((c) => ({ frequency: c.frequency, monetaryValue: c.monetaryValue })),
    );
    const rows = customers.map((c) => {
      const predicted = expectedPurchases(fit, HOLDOUT_DAYS, c.frequency, c.recency, c.T);
      const orderValue = expectedAverageOrderValue(spendFit, c.frequency, c.monetaryValue);
      return { ...c, predicted, orderValue, value: predicted * orderValue };
    });
    const mean = (xs: number[]) => (xs.length ? xs.reduce((s, x) => s + x, 0) / xs.length : 0);
    const byFrequency = Array.from({ length: 8 }, (_, g) => {
      const group = rows.filter((r) => (g === 7 ? r.frequency >= 7 : r.frequency === g));
      return {
        customers: group.length,
        actual: mean(group.map((r) => r.holdoutPurchases)),
        predicted: mean(group.map((r) => r.predicted)),
      };
    });
    const ranked = rows.map((r, i) => ({ ...r, i })).sort((x, y) => y.value - x.value || x.i - y.i);
    const byDecile = Array.from({ length: 10 }, (_, d) => {
      const group = ranked.slice(
        Math.floor((d * ranked.length) / 10),
        Math.floor(((d + 1) * ranked.length) / 10),
      );
      return {
        customers: group.length,
        actual: mean(group.map((r) => r.holdoutPurchases)),
        predicted: mean(group.map((r) => r.predicted)),
        actualValue: mean(group.map((r) => r.holdoutValue)),
      };
    });
    const buyers = rows.filter((r) => r.holdoutPurchases > 0);
    return {
      customers: rows.length,
      fit,
      actualTotal: rows.reduce((s, r) => s + r.holdoutPurchases, 0),
      predictedTotal: rows.reduce((s, r) => s + r.predicted, 0),
      mae: mean(rows.map((r) => Math.abs(r.holdoutPurchases - r.predicted))),
      byFrequency,
      byDecile,
      spend: {
        buyers: buyers.length,
        expected: mean(buyers.map((r) => r.orderValue)),
        actual: mean(buyers.map((r) => r.holdoutValue / r.holdoutPurchases)),
      },
    };
  }

  it('reports actual against predicted as recomputed from the raw orders', async () => {
    const report = await runBacktest(database.db, {
      calibrationEnd: CALIBRATION_END,
      holdoutDays: HOLDOUT_DAYS,
    });
    const expected = independently();
    expect(report.customers).toBe(expected.customers);
    expect(report.models.bgnbd.r).toBeCloseTo(expected.fit.r, 8);
    expect(report.models.bgnbd.alpha).toBeCloseTo(expected.fit.alpha, 6);
    expect(report.total.actualPurchases).toBe(expected.actualTotal);
    expect(report.total.actualPurchases).toBeGreaterThan(50); // the data exercise the tables
    expect(report.total.predictedPurchases).toBeCloseTo(expected.predictedTotal, 6);
    expect(report.meanAbsoluteError).toBeCloseTo(expected.mae, 9);
    expect(report.byFrequency.map((g) => g.label)).toEqual([
      '0',
      '1',
      '2',
      '3',
      '4',
      '5',
      '6',
      '7+',
    ]);
    report.byFrequency.forEach((g, i) => {
      expect(g.customers).toBe(expected.byFrequency[i]!.customers);
      expect(g.actualPurchases).toBeCloseTo(expected.byFrequency[i]!.actual, 9);
      expect(g.predictedPurchases).toBeCloseTo(expected.byFrequency[i]!.predicted, 9);
    });
    report.byDecile.forEach((d, i) => {
      expect(d.customers).toBe(expected.byDecile[i]!.customers);
      expect(d.actualPurchases).toBeCloseTo(expected.byDecile[i]!.actual, 9);
      expect(d.predictedPurchases).toBeCloseTo(expected.byDecile[i]!.predicted, 9);
      expect(d.actualValue).toBeCloseTo(expected.byDecile[i]!.actualValue, 6);
    });
    expect(report.spend!.buyers).toBe(expected.spend.buyers);
    expect(report.spend!.expectedOrderValue).toBeCloseTo(expected.spend.expected, 6);
    expect(report.spend!.actualOrderValue).toBeCloseTo(expected.spend.actual, 6);
    // The forecasts are worth something: the top decile buys more than the bottom one.
    expect(report.byDecile[0]!.actualPurchases).toBeGreaterThan(
      report.byDecile[9]!.actualPurchases,
    );
  });

  it('prints the tables, writes nothing, and names a bad option', async () => {
    const countRows = async () => ({
      fits: (await database.db.selectFrom('model_fits').select('id').execute()).length,
      indicators: (
        await database.db.selectFrom('contact_indicators').select('contact_id').execute()
      ).length,
    });
    const before = await countRows();
    const run = await runCli(database.url, [
      'model',
      'backtest',
      '--calibration-end',
      CALIBRATION_END,
      '--holdout-days',
      String(HOLDOUT_DAYS),
    ]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('By repeat purchases in calibration');
    expect(run.stdout).toMatch(/^7\+\s+\d+\s+[\d.]+\s+[\d.]+$/m);
    expect(run.stdout).toContain('By decile of predicted value');
    expect(run.stdout).toContain(`actual ${independently().actualTotal},`);
    expect(await countRows()).toEqual(before);

    const json = await runCli(database.url, [
      'model',
      'backtest',
      '--calibration-end',
      CALIBRATION_END,
      '--horizon-days',
      String(HOLDOUT_DAYS),
      '--json',
    ]);
    expect(JSON.parse(json.stdout).byFrequency).toHaveLength(8);

    const bad = await runCli(database.url, [
      'model',
      'backtest',
      '--calibration-end',
      '2025-02-30',
    ]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('--calibration-end');
    const future = await runCli(database.url, [
      'model',
      'backtest',
      '--calibration-end',
      new Date().toISOString().slice(0, 10),
    ]);
    expect(future.code).toBe(1);
    expect(future.stderr).toContain('has not ended yet');
  });
});
