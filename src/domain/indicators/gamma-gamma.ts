/**
 * The Gamma-Gamma model of spend per transaction (Fader, Hardie & Lee 2005, "RFM and CLV: Using
 * Iso-Value Curves for Customer Base Analysis", Journal of Marketing Research 42(4), 415–430;
 * Fader & Hardie's note "The Gamma-Gamma Model of Monetary Value", 2013).
 *
 * A customer's transaction values are i.i.d. Gamma(p, ν) (shape p, rate ν), so their mean is p/ν;
 * across customers ν ~ Gamma(q, v) (shape q, rate v). The model is fitted on customers with at
 * least one repeat purchase, described by
 *   x = frequency: number of repeat purchases (>= 1),
 *   m = monetary value: the mean value of those x purchases (> 0).
 * It assumes spend is independent of the purchase process, as in the paper.
 */
import { logGamma } from './special.js';
import {
  fitMaximumLikelihood,
  type MaximumLikelihoodFit,
  type MinimizeOptions,
} from './optimize.js';

export interface GammaGammaParams {
  readonly p: number;
  readonly q: number;
  /** The rate of the Gamma distribution of ν; γ in the paper, `v` in lifetimes. */
  readonly v: number;
}

export interface GammaGammaObservation {
  readonly frequency: number;
  readonly monetaryValue: number;
  readonly weight?: number;
}

/** Column-oriented data of the customers with frequency > 0. */
export interface GammaGammaData {
  readonly rows: number;
  readonly x: Float64Array;
  readonly m: Float64Array;
  readonly weight: Float64Array;
  /** ln m per row, computed once (it does not depend on the parameters). */
  readonly lnM: Float64Array;
  readonly slot: Int32Array;
  readonly distinctX: Float64Array;
  /** Scratch space for the likelihood: distinctX.length numbers. */
  readonly workspace: Float64Array;
  readonly totalWeight: number;
  /** Weighted mean of m, the money unit the optimiser works in. */
  readonly meanM: number;
}

export interface GammaGammaFitOptions extends MinimizeOptions {
  /**
   * L2 penalty: the fit minimises −LL/n + penalizer·(p² + q² + v²), with v measured in units of
   * the data's mean order value (so the penalty does not depend on the currency). Default 0.
   */
  readonly penalizer?: number;
  /** Starting point. Default p = q = 1, v = the mean order value. */
  readonly initial?: GammaGammaParams;
}

export interface GammaGammaFit extends GammaGammaParams, MaximumLikelihoodFit {
  /** Number of customers used (total weight of the rows with frequency > 0). */
  readonly n: number;
}

/** Why an observation cannot enter the Gamma-Gamma fit, or undefined if it can. */
export function checkSpendObservation(x: number, m: number, w = 1): string | undefined {
  if (!(Number.isInteger(x) && x >= 0))
    return `frequency must be a non-negative integer (got ${x})`;
  if (x > 0 && !(Number.isFinite(m) && m > 0)) {
    return `monetary value must be a finite number > 0 when frequency > 0 (got ${m})`;
  }
  if (!(Number.isFinite(w) && w >= 0)) return `weight must be a finite number >= 0 (got ${w})`;
  return undefined;
}

/**
 * Validate and convert observations; rows with frequency 0 are skipped (the model describes
 * repeat purchases only). Throws a RangeError naming the first invalid row.
 */
export function prepareGammaGammaData(
  observations: readonly GammaGammaObservation[],
): GammaGammaData {
  const n = observations.length;
  const x = new Float64Array(n);
  const m = new Float64Array(n);
  const weight = new Float64Array(n);
  let rows = 0;
  for (let i = 0; i < n; i++) {
    const o = observations[i]!;
    const w = o.weight ?? 1;
    const problem = checkSpendObservation(o.frequency, o.monetaryValue, w);
    if (problem) throw new RangeError(`Gamma-Gamma observation ${i}: ${problem}`);
    if (o.frequency === 0 || w === 0) continue;
    x[rows] = o.frequency;
    m[rows] = o.monetaryValue;
    weight[rows] = w;
    rows++;
  }
  const xs = x.slice(0, rows);
  const ms = m.slice(0, rows);
  const ws = weight.slice(0, rows);
  const lnM = new Float64Array(rows);
  const slot = new Int32Array(rows);
  const slots = new Map<number, number>();
  const distinct: number[] = [];
  let totalWeight = 0;
  let weightedM = 0;
  for (let i = 0; i < rows; i++) {
    lnM[i] = Math.log(ms[i]!);
    let s = slots.get(xs[i]!);
    if (s === undefined) {
      s = distinct.length;
      distinct.push(xs[i]!);
      slots.set(xs[i]!, s);
    }
    slot[i] = s;
    totalWeight += ws[i]!;
    weightedM += ws[i]! * ms[i]!;
  }
  return {
    rows,
    x: xs,
    m: ms,
    weight: ws,
    lnM,
    slot,
    distinctX: Float64Array.from(distinct),
    workspace: new Float64Array(distinct.length),
    totalWeight,
    meanM: totalWeight > 0 ? weightedM / totalWeight : NaN,
  };
}

function isData(input: readonly GammaGammaObservation[] | GammaGammaData): input is GammaGammaData {
  return !Array.isArray(input);
}

/**
 * Total weighted log-likelihood of the mean spends: for each customer the density of m given x,
 *   ln f(m | p, q, v, x) = ln Γ(px+q) − ln Γ(px) − ln Γ(q) + q ln v + (px−1) ln m + px ln x
 *                        − (px+q) ln(v + x m),
 * with the gamma functions evaluated once per distinct x.
 */
export function gammaGammaLogLikelihood(params: GammaGammaParams, data: GammaGammaData): number {
  const { p, q, v } = params;
  const k = data.distinctX.length;
  const buf = data.workspace;
  const lgQ = logGamma(q);
  const qLnV = q * Math.log(v);
  for (let s = 0; s < k; s++) {
    const x = data.distinctX[s]!;
    const px = p * x;
    buf[s] = logGamma(px + q) - logGamma(px) - lgQ + qLnV + px * Math.log(x);
  }
  const { x, m, lnM, weight, slot } = data;
  let total = 0;
  for (let i = 0; i < data.rows; i++) {
    const xi = x[i]!;
    const px = p * xi;
    total +=
      weight[i]! * (buf[slot[i]!]! + (px - 1) * lnM[i]! - (px + q) * Math.log(v + xi * m[i]!));
  }
  return total;
}

/**
 * Maximum-likelihood (optionally L2-penalised) fit of {p, q, v} by Nelder–Mead on the
 * log-parameters, on the customers with frequency > 0.
 */
export function fitGammaGamma(
  customers: readonly GammaGammaObservation[] | GammaGammaData,
  options: GammaGammaFitOptions = {},
): GammaGammaFit {
  const data = isData(customers) ? customers : prepareGammaGammaData(customers);
  if (!(data.totalWeight > 0))
    throw new RangeError('fitGammaGamma: no customers with frequency > 0');
  const penalizer = options.penalizer ?? 0;
  // Optimise with v in units of the mean order value; the likelihood itself uses raw v.
  const unit = data.meanM;
  const init = options.initial ?? { p: 1, q: 1, v: unit };
  const x0 = [Math.log(init.p), Math.log(init.q), Math.log(init.v / unit)];
  const paramsOf = (z: readonly number[]): GammaGammaParams => ({
    p: Math.exp(z[0]!),
    q: Math.exp(z[1]!),
    v: Math.exp(z[2]!) * unit,
  });
  return fitMaximumLikelihood(
    {
      logLikelihood: (params) => gammaGammaLogLikelihood(params, data),
      paramsOf,
      penalty: (params) =>
        penalizer > 0 ? penalizer * (params.p ** 2 + params.q ** 2 + (params.v / unit) ** 2) : 0,
      n: data.totalWeight,
    },
    x0,
    options,
  );
}

/**
 * E[M | p, q, v, x, m]: the expected value of a customer's future orders given x repeat purchases
 * averaging m (eq. 5 of the paper),
 *   p (v + x m) / (p x + q − 1)
 *   = (q−1)/(px+q−1) · pv/(q−1) + px/(px+q−1) · m,
 * a weighted mean of the population mean and the customer's own mean. With x = 0 it is the
 * population mean. Requires q > 1 when x = 0 (otherwise the mean is infinite: NaN).
 */
export function expectedAverageOrderValue(params: GammaGammaParams, x: number, m: number): number {
  const { p, q, v } = params;
  const denominator = p * x + q - 1;
  if (!(denominator > 0)) return NaN;
  return (p * (v + (x > 0 ? x * m : 0))) / denominator;
}

/** E[Z] = p v / (q − 1): the population mean order value (NaN unless q > 1). */
export function populationMeanOrderValue(params: GammaGammaParams): number {
  return params.q > 1 ? (params.p * params.v) / (params.q - 1) : NaN;
}
