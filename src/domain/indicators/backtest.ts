/**
 * A backtest of the value models on a shop's own orders: fit BG/NBD and Gamma-Gamma on the
 * customers' histories up to a calibration cut, forecast each customer's purchases over the
 * holdout period that follows, and set the forecasts against what the customers then did —
 * the check of Fader, Hardie & Lee (2005, figure 4 and table 2) for CDNOW.
 */
import { expectedPurchasesIfAlive, fitBgNbd, probabilityAlive, type BgNbdParams } from './bgnbd.js';
import { expectedAverageOrderValue, fitGammaGamma, type GammaGammaParams } from './gamma-gamma.js';

/** One customer: the calibration summary (days) and the holdout outcome. */
export interface BacktestCustomer {
  readonly frequency: number;
  readonly recency: number;
  readonly T: number;
  readonly monetaryValue: number;
  /** Distinct purchase days in the holdout. */
  readonly holdoutPurchases: number;
  /** Revenue in the holdout. */
  readonly holdoutValue: number;
}

export interface BacktestGroup {
  readonly label: string;
  readonly customers: number;
  /** Mean per customer of the group. */
  readonly actualPurchases: number;
  readonly predictedPurchases: number;
}

export interface BacktestDecile extends BacktestGroup {
  /** Mean holdout revenue per customer, and its forecast (null without a spend model). */
  readonly actualValue: number;
  readonly predictedValue: number | null;
}

export interface BacktestReport {
  readonly customers: number;
  readonly holdoutDays: number;
  readonly models: { readonly bgnbd: BgNbdParams; readonly gammaGamma: GammaGammaParams | null };
  readonly warnings: readonly string[];
  /** Sums over every customer. */
  readonly total: { readonly actualPurchases: number; readonly predictedPurchases: number };
  /** Mean absolute error per customer of the forecast purchases… */
  readonly meanAbsoluteError: number;
  /** …and of the naive forecast "the customer's calibration rate, x/T, kept up", for scale. */
  readonly naiveMeanAbsoluteError: number;
  /** By repeat purchases in calibration: 0, 1, …, 6, 7+. */
  readonly byFrequency: readonly BacktestGroup[];
  /** By decile of predicted value, highest first (see `backtestModels`). */
  readonly byDecile: readonly BacktestDecile[];
  /** Gamma-Gamma against the holdout buyers' mean order value (null without a spend model). */
  readonly spend: {
    readonly buyers: number;
    /** Mean over the holdout buyers of E[M | x, m]. */
    readonly expectedOrderValue: number;
    /** Mean over the holdout buyers of their holdout revenue per purchase day. */
    readonly actualOrderValue: number;
  } | null;
}

/** Frequency groups of the table: 0 … 6 and 7+. */
export const FREQUENCY_GROUPS = 8;

/**
 * Fits both models on the customers' calibration summaries and compares the forecasts over
 * `holdoutDays` with the holdout. Customers with T = 0 are forecast but, as in the recompute,
 * not fitted on (they carry no information about the purchase rate).
 *
 * Deciles: customers sorted by predicted value (forecast purchases × Gamma-Gamma expected order
 * value, or forecast purchases alone without a spend model), highest first, ties in input order;
 * decile i holds positions floor(i·n/10) … floor((i+1)·n/10) − 1.
 */
export function backtestModels(
  customers: readonly BacktestCustomer[],
  holdoutDays: number,
): BacktestReport {
  if (!(Number.isInteger(holdoutDays) && holdoutDays > 0))
    throw new RangeError(`holdout days must be a whole number > 0 (got ${holdoutDays})`);
  if (customers.length === 0)
    throw new RangeError('no customer has a paid order before the calibration end');
  const warnings: string[] = [];
  const fit = fitBgNbd(
    customers
      .filter((c) => c.T > 0)
      .map((c) => ({ frequency: c.frequency, recency: c.recency, T: c.T })),
  );
  if (!fit.converged) warnings.push('BG/NBD: the optimiser stopped before converging');
  const bgnbd: BgNbdParams = { r: fit.r, alpha: fit.alpha, a: fit.a, b: fit.b };
  let gammaGamma: GammaGammaParams | null = null;
  try {
    const spend = fitGammaGamma(
      customers
        .filter((c) => c.frequency > 0 && c.monetaryValue > 0)
        .map((c) => ({ frequency: c.frequency, monetaryValue: c.monetaryValue })),
    );
    gammaGamma = { p: spend.p, q: spend.q, v: spend.v };
  } catch (error) {
    warnings.push(`Gamma-Gamma not fitted: ${(error as Error).message}`);
  }

  // The expectation given alive depends on (x, T) only, and whole days repeat a lot.
  const forecasts = new Map<string, number>();
  const n = customers.length;
  const predicted = new Float64Array(n);
  const value = new Float64Array(n);
  const orderValue = new Float64Array(n);
  let absoluteError = 0;
  let naiveError = 0;
  let actualTotal = 0;
  let predictedTotal = 0;
  for (let i = 0; i < n; i++) {
    const c = customers[i]!;
    const key = `${c.frequency}|${c.T}`;
    let ifAlive = forecasts.get(key);
    if (ifAlive === undefined) {
      ifAlive = expectedPurchasesIfAlive(bgnbd, holdoutDays, c.frequency, c.T);
      forecasts.set(key, ifAlive);
    }
    const forecast = probabilityAlive(bgnbd, c.frequency, c.recency, c.T) * ifAlive;
    predicted[i] = forecast;
    orderValue[i] = gammaGamma
      ? expectedAverageOrderValue(gammaGamma, c.frequency, c.monetaryValue)
      : NaN;
    value[i] = gammaGamma ? forecast * orderValue[i]! : forecast;
    absoluteError += Math.abs(c.holdoutPurchases - forecast);
    const naive = c.T > 0 ? (c.frequency / c.T) * holdoutDays : 0;
    naiveError += Math.abs(c.holdoutPurchases - naive);
    actualTotal += c.holdoutPurchases;
    predictedTotal += forecast;
  }

  const byFrequency: BacktestGroup[] = [];
  for (let g = 0; g < FREQUENCY_GROUPS; g++) {
    let count = 0;
    let actual = 0;
    let forecast = 0;
    for (let i = 0; i < n; i++) {
      const c = customers[i]!;
      if (Math.min(c.frequency, FREQUENCY_GROUPS - 1) !== g) continue;
      count++;
      actual += c.holdoutPurchases;
      forecast += predicted[i]!;
    }
    byFrequency.push({
      label: g === FREQUENCY_GROUPS - 1 ? `${g}+` : String(g),
      customers: count,
      actualPurchases: count > 0 ? actual / count : 0,
      predictedPurchases: count > 0 ? forecast / count : 0,
    });
  }

  const order = Array.from({ length: n }, (_, i) => i).sort(
    (i, j) => value[j]! - value[i]! || i - j,
  );
  const byDecile: BacktestDecile[] = [];
  for (let d = 0; d < 10; d++) {
    const from = Math.floor((d * n) / 10);
    const to = Math.floor(((d + 1) * n) / 10);
    let actual = 0;
    let forecast = 0;
    let actualValue = 0;
    let forecastValue = 0;
    for (let k = from; k < to; k++) {
      const i = order[k]!;
      actual += customers[i]!.holdoutPurchases;
      forecast += predicted[i]!;
      actualValue += customers[i]!.holdoutValue;
      forecastValue += value[i]!;
    }
    const count = to - from;
    const mean = (x: number) => (count > 0 ? x / count : 0);
    byDecile.push({
      label: String(d + 1),
      customers: count,
      actualPurchases: mean(actual),
      predictedPurchases: mean(forecast),
      actualValue: mean(actualValue),
      predictedValue: gammaGamma ? mean(forecastValue) : null,
    });
  }

  let spend: BacktestReport['spend'] = null;
  if (gammaGamma) {
    let buyers = 0;
    let expected = 0;
    let actual = 0;
    for (let i = 0; i < n; i++) {
      const c = customers[i]!;
      if (c.holdoutPurchases === 0) continue;
      buyers++;
      expected += orderValue[i]!;
      actual += c.holdoutValue / c.holdoutPurchases;
    }
    spend = {
      buyers,
      expectedOrderValue: buyers > 0 ? expected / buyers : 0,
      actualOrderValue: buyers > 0 ? actual / buyers : 0,
    };
  }

  return {
    customers: n,
    holdoutDays,
    models: { bgnbd, gammaGamma },
    warnings,
    total: { actualPurchases: actualTotal, predictedPurchases: predictedTotal },
    meanAbsoluteError: absoluteError / n,
    naiveMeanAbsoluteError: naiveError / n,
    byFrequency,
    byDecile,
    spend,
  };
}
