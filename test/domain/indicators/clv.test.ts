import { describe, expect, it } from 'vitest';
import {
  expectedPurchases,
  probabilityAlive,
  type BgNbdParams,
} from '../../../src/domain/indicators/bgnbd.js';
import {
  computeIndicators,
  DEFAULT_HORIZON_DAYS,
  lastObservedDay,
  purchaseDay,
  summarizeOrders,
  type OrderForSummary,
} from '../../../src/domain/indicators/clv.js';
import {
  expectedAverageOrderValue,
  type GammaGammaParams,
} from '../../../src/domain/indicators/gamma-gamma.js';

const at = (iso: string) => new Date(iso);

describe('summarizeOrders (days, as lifetimes summary_data_from_transaction_data)', () => {
  it('counts repeat purchase days, recency and age in whole UTC days', () => {
    const orders: OrderForSummary[] = [
      { placedAt: at('2024-01-10T09:00:00Z'), total: 50 }, // first purchase day: not a repeat
      { placedAt: at('2024-01-10T18:30:00Z'), total: 25 }, // same day: merged into the first
      { placedAt: at('2024-02-09T12:00:00Z'), total: 30 }, // day 30
      { placedAt: at('2024-03-10T23:59:00Z'), total: 40 }, // day 60
      { placedAt: at('2024-03-10T00:01:00Z'), total: 20 }, // same day 60: 40 + 20 = 60
    ];
    expect(summarizeOrders(orders, at('2024-04-09T08:00:00Z'))).toEqual({
      frequency: 2,
      recency: 60,
      T: 90,
      monetaryValue: (30 + 60) / 2, // mean of the repeat days' totals, first day excluded
    });
  });

  it('ignores unpaid orders and orders after the as-of day, and order does not matter', () => {
    const orders: OrderForSummary[] = [
      { placedAt: at('2024-05-01T00:00:00Z'), total: 99, paid: false },
      { placedAt: at('2024-05-03T10:00:00Z'), total: 10, paid: true },
      { placedAt: at('2024-05-20T10:00:00Z'), total: 15 },
      { placedAt: at('2024-07-01T10:00:00Z'), total: 1000 }, // after as-of
      { placedAt: at('2024-05-02T10:00:00Z'), total: 5, paid: false },
    ];
    expect(summarizeOrders(orders, at('2024-06-02T12:00:00Z'))).toEqual({
      frequency: 1,
      recency: 17,
      T: 30,
      monetaryValue: 15,
    });
  });

  it('counts only orders placed before the as-of instant; an as-of at midnight ends the day before', () => {
    const orders: OrderForSummary[] = [
      { placedAt: at('2024-06-01T09:00:00Z'), total: 10 },
      { placedAt: at('2024-06-01T23:59:59.999Z'), total: 20 }, // the last instant before the cut
      { placedAt: at('2024-06-02T00:00:00Z'), total: 40 }, // at the cut: after it
      { placedAt: at('2024-06-02T20:00:00Z'), total: 80 }, // later on the as-of date
    ];
    expect(summarizeOrders(orders, at('2024-06-02T00:00:00Z'))).toEqual({
      frequency: 0,
      recency: 0,
      T: 0, // the as-of day is 1 June, the day of the last instant observed
      monetaryValue: 0,
    });
    // Mid-day, the day's earlier orders count and its later ones do not.
    expect(summarizeOrders(orders, at('2024-06-02T12:00:00Z'))).toEqual({
      frequency: 1,
      recency: 1,
      T: 1,
      monetaryValue: 40,
    });
    expect(lastObservedDay(at('2024-06-02T00:00:00Z'))).toBe(
      purchaseDay(at('2024-06-01T12:00:00Z')),
    );
    expect(lastObservedDay(at('2024-06-02T00:00:00.001Z'))).toBe(
      purchaseDay(at('2024-06-02T12:00:00Z')),
    );
  });

  it('returns null without a qualifying order', () => {
    expect(summarizeOrders([], at('2024-01-01T00:00:00Z'))).toBeNull();
    const unpaid = [{ placedAt: at('2024-01-01T00:00:00Z'), total: 5, paid: false }];
    expect(summarizeOrders(unpaid, at('2024-02-01T00:00:00Z'))).toBeNull();
  });
});

describe('computeIndicators', () => {
  // CDNOW estimates converted from weeks to days: α per day = α per week × 7.
  const bgnbd: BgNbdParams = { r: 0.243, alpha: 4.414 * 7, a: 0.793, b: 2.426 };
  const gammaGamma: GammaGammaParams = { p: 6.25, q: 3.74, v: 15.44 };
  const summary = { frequency: 2, recency: 30.43 * 7, T: 38.86 * 7, monetaryValue: 22.35 };

  it('combines P(alive), a 365-day purchase forecast and the expected order value', () => {
    const result = computeIndicators({ bgnbd, gammaGamma }, summary);
    expect(result.horizonDays).toBe(DEFAULT_HORIZON_DAYS);
    expect(result.probabilityAlive).toBe(probabilityAlive(bgnbd, 2, 30.43 * 7, 38.86 * 7));
    expect(result.expectedPurchases).toBe(expectedPurchases(bgnbd, 365, 2, 30.43 * 7, 38.86 * 7));
    expect(result.expectedOrderValue).toBe(expectedAverageOrderValue(gammaGamma, 2, 22.35));
    expect(result.clv).toBeCloseTo(result.expectedPurchases * result.expectedOrderValue!, 12);
    // The paper's customer: 1.226 purchases in 39 weeks; the same in days, 273 days.
    expect(computeIndicators({ bgnbd, gammaGamma }, summary, 39 * 7).expectedPurchases).toBeCloseTo(
      1.226,
      3,
    );
  });

  it('leaves the money indicators null without a spend model', () => {
    const result = computeIndicators({ bgnbd, gammaGamma: null }, summary);
    expect(result.expectedOrderValue).toBeNull();
    expect(result.clv).toBeNull();
    expect(result.expectedPurchases).toBeGreaterThan(0);
  });

  it('uses the population mean order value for a one-time buyer', () => {
    const result = computeIndicators(
      { bgnbd, gammaGamma },
      { frequency: 0, recency: 0, T: 100, monetaryValue: 0 },
    );
    expect(result.probabilityAlive).toBe(1);
    expect(result.expectedOrderValue).toBeCloseTo((6.25 * 15.44) / 2.74, 10);
  });
});
