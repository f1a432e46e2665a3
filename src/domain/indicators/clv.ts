/**
 * Customer value indicators for one customer, from the fitted BG/NBD and Gamma-Gamma models.
 *
 * Time unit: DAYS throughout Boomerang. `summarizeOrders` measures recency and T in whole UTC
 * calendar days, the BG/NBD model must be fitted on summaries in days (so α is per day), and the
 * forecast horizon is in days: 365 by default, i.e. the next 12 months.
 */
import { expectedPurchases, probabilityAlive, type BgNbdParams } from './bgnbd.js';
import { expectedAverageOrderValue, type GammaGammaParams } from './gamma-gamma.js';

export const MS_PER_DAY = 86_400_000;
/** The default forecast horizon: 12 months, as 365 days. */
export const DEFAULT_HORIZON_DAYS = 365;

/**
 * A customer's purchase history in the form the models take (the same as lifetimes'
 * `summary_data_from_transaction_data` with freq='D'). All times in days.
 */
export interface CustomerSummary {
  /** Repeat purchases: the number of distinct purchase days after the first one. */
  readonly frequency: number;
  /** Days from the first purchase day to the last one (0 if frequency is 0). */
  readonly recency: number;
  /** Days from the first purchase day to the as-of day. */
  readonly T: number;
  /** Mean value of the repeat purchase days (each day's orders summed); 0 if frequency is 0. */
  readonly monetaryValue: number;
}

export interface OrderForSummary {
  readonly placedAt: Date;
  readonly total: number;
  /** Orders explicitly marked unpaid (`false`) are ignored; pass paid orders only otherwise. */
  readonly paid?: boolean;
}

/** A purchase's day: its UTC calendar day, as days since 1970-01-01. */
export function purchaseDay(date: Date): number {
  return Math.floor(date.getTime() / MS_PER_DAY);
}

/**
 * The as-of day of an as-of instant: the UTC day of the last instant before it, so that an
 * as-of at midnight ends the previous day and the summary covers exactly the orders placed
 * before the instant. The SQL summary (src/db/indicators.ts) uses the same rule.
 */
export function lastObservedDay(asOf: Date): number {
  return Math.floor((asOf.getTime() - 1) / MS_PER_DAY);
}

/**
 * Summarise a contact's orders as of `asOf`, the way lifetimes' summary_data_from_transaction_data
 * does with freq='D':
 * - only orders placed strictly before the `asOf` instant count (an order at the instant belongs
 *   to what comes after it), and not those with `paid === false`; timestamps are truncated to their
 *   UTC calendar day; the as-of day is the day of the last instant before `asOf` (see
 *   `lastObservedDay`), so T = as-of day − first purchase day;
 * - orders on the same day count as one purchase whose value is their sum;
 * - the first purchase day is the customer's "birth" and is not a repeat purchase: frequency is
 *   the number of later purchase days, recency = last day − first day, T = as-of day − first day;
 * - monetaryValue is the mean value of the repeat purchase days (the first day excluded), 0 when
 *   there are none.
 * Returns null when there is no qualifying order.
 */
export function summarizeOrders(
  orders: readonly OrderForSummary[],
  asOf: Date,
): CustomerSummary | null {
  const asOfDay = lastObservedDay(asOf);
  const cut = asOf.getTime();
  const byDay = new Map<number, number>();
  for (const order of orders) {
    if (order.paid === false) continue;
    const day = purchaseDay(order.placedAt);
    if (!Number.isFinite(day) || !(order.placedAt.getTime() < cut)) continue;
    if (!Number.isFinite(order.total))
      throw new RangeError(`order total must be a finite number (got ${order.total})`);
    byDay.set(day, (byDay.get(day) ?? 0) + order.total);
  }
  if (byDay.size === 0) return null;
  const days = [...byDay.keys()].sort((x, y) => x - y);
  const first = days[0]!;
  const last = days[days.length - 1]!;
  let repeatValue = 0;
  for (let i = 1; i < days.length; i++) repeatValue += byDay.get(days[i]!)!;
  const frequency = days.length - 1;
  return {
    frequency,
    recency: last - first,
    T: asOfDay - first,
    monetaryValue: frequency > 0 ? repeatValue / frequency : 0,
  };
}

export interface ValueModels {
  /** BG/NBD fitted on summaries in days. */
  readonly bgnbd: BgNbdParams;
  /** Gamma-Gamma fitted on the same customers' repeat-purchase values; null if not available. */
  readonly gammaGamma: GammaGammaParams | null;
}

export interface CustomerIndicators {
  /** P(the customer is still active as of the summary's as-of day). */
  readonly probabilityAlive: number;
  /** Expected number of purchases over the horizon. */
  readonly expectedPurchases: number;
  /** Expected value of a future order (Gamma-Gamma); null without a spend model. */
  readonly expectedOrderValue: number | null;
  /** expectedPurchases × expectedOrderValue; null without a spend model. */
  readonly clv: number | null;
  readonly horizonDays: number;
}

/**
 * The indicators of one customer over the next `horizonDays` days (default 365):
 * - probabilityAlive: BG/NBD P(alive | x, t_x, T);
 * - expectedPurchases: BG/NBD conditional expectation E[X(T, T+horizon] | x, t_x, T];
 * - expectedOrderValue: Gamma-Gamma E[M | x, m] (the population mean when x = 0);
 * - clv = expectedPurchases × expectedOrderValue: expected revenue over the horizon, with NO
 *   discounting (a 12-month horizon makes the discount factor a second-order effect; apply one
 *   downstream if needed) and revenue, not margin.
 */
export function computeIndicators(
  models: ValueModels,
  summary: CustomerSummary,
  horizonDays: number = DEFAULT_HORIZON_DAYS,
): CustomerIndicators {
  const { frequency: x, recency: tx, T, monetaryValue } = summary;
  const alive = probabilityAlive(models.bgnbd, x, tx, T);
  const purchases = expectedPurchases(models.bgnbd, horizonDays, x, tx, T);
  const orderValue = models.gammaGamma
    ? expectedAverageOrderValue(models.gammaGamma, x, monetaryValue)
    : null;
  return {
    probabilityAlive: alive,
    expectedPurchases: purchases,
    expectedOrderValue: orderValue,
    clv: orderValue === null ? null : purchases * orderValue,
    horizonDays,
  };
}
