/**
 * The statistics of campaign results, in pure TypeScript: confidence intervals for a proportion,
 * for a difference of two proportions (conversion uplift) and for a difference of two means
 * (revenue-per-contact uplift), with the normal and Student t quantiles they need.
 *
 * Methods (all two-sided, default level 95%):
 *  - one proportion: Wilson's score interval, no continuity correction;
 *  - difference of proportions p1 − p2: Newcombe's hybrid score interval ("method 10" of
 *    R. G. Newcombe, Interval estimation for the difference between independent proportions:
 *    comparison of eleven methods, Statistics in Medicine 17 (1998) 873–890), built from the two
 *    Wilson intervals. Unlike the Wald interval it stays inside [−1, 1], behaves with 0 or n
 *    successes and keeps close to its nominal coverage for small groups;
 *  - difference of means m1 − m2: Welch's interval, with the Welch–Satterthwaite degrees of freedom.
 */
import { logBeta, logGamma } from '../indicators/special.js';

export interface Interval {
  estimate: number;
  low: number;
  high: number;
  /** Confidence level, e.g. 0.95. */
  level: number;
}

/** Regularized incomplete gamma: [P(a, x), Q(a, x)], each computed directly (no 1 − tiny cancellation). */
function incompleteGamma(a: number, x: number): [number, number] {
  if (x <= 0) return [0, 1];
  const prefix = Math.exp(a * Math.log(x) - x - logGamma(a));
  if (x < a + 1) {
    let term = 1 / a;
    let sum = term;
    for (let n = 1; n < 1000; n++) {
      term *= x / (a + n);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * 1e-16) break;
    }
    const p = sum * prefix;
    return [p, 1 - p];
  }
  const q = continuedFractionGammaQ(a, x) * prefix;
  return [1 - q, q];
}

function continuedFractionGammaQ(a: number, x: number): number {
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 1000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return h;
}

/** Standard normal cumulative distribution Φ(x), accurate in the lower tail (Φ(−x) = Q(½, x²/2) / 2). */
export function normalCdf(x: number): number {
  if (!Number.isFinite(x)) return x > 0 ? 1 : 0;
  const [p, q] = incompleteGamma(0.5, (x * x) / 2); // p = erf(|x|/√2), q = erfc(|x|/√2)
  return x >= 0 ? 0.5 + p / 2 : q / 2;
}

/** Solves f(x) = target for an increasing f on [lo, hi] by bisection (to the last bit). */
function bisect(f: (x: number) => number, target: number, lo: number, hi: number): number {
  for (let i = 0; i < 200; i++) {
    const mid = (lo + hi) / 2;
    if (mid === lo || mid === hi) break;
    if (f(mid) < target) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** The standard normal quantile Φ⁻¹(p), 0 < p < 1. */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`normalQuantile: p must be in (0, 1), got ${p}`);
  if (p === 0.5) return 0;
  // Solved in the lower tail, where Φ keeps its relative precision; 1 − p is exact for p ≥ ½.
  if (p > 0.5) return -normalQuantile(1 - p);
  return bisect(normalCdf, p, -40, 0);
}

/** Regularized incomplete beta I_x(a, b), by the continued fraction of Numerical Recipes (Lentz). */
export function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(a * Math.log(x) + b * Math.log1p(-x) - logBeta(a, b));
  if (x > (a + 1) / (a + b + 2)) return 1 - incompleteBeta(1 - x, b, a);
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m < 1000; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return (front * h) / a;
}

/** Student t cumulative distribution with `df` (> 0, not necessarily whole) degrees of freedom. */
export function studentTCdf(t: number, df: number): number {
  if (!(df > 0)) throw new RangeError(`studentTCdf: df must be positive, got ${df}`);
  if (!Number.isFinite(df)) return normalCdf(t);
  const tail = 0.5 * incompleteBeta(df / (df + t * t), df / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
}

/** The Student t quantile: t such that P(T ≤ t) = p. */
export function studentTQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`studentTQuantile: p must be in (0, 1), got ${p}`);
  if (!(df > 0)) throw new RangeError(`studentTQuantile: df must be positive, got ${df}`);
  if (!Number.isFinite(df) || df > 1e8) return normalQuantile(p);
  if (p === 0.5) return 0;
  // Solved in the lower tail, where the cdf is the incomplete beta itself (no 1 − tiny).
  if (p > 0.5) return -studentTQuantile(1 - p, df);
  // Lower bound: grow until the cdf falls below p (df = 1 has heavy tails: t(0.0005) ≈ −637).
  let lo = 2 * normalQuantile(p) - 1;
  while (studentTCdf(lo, df) > p) lo *= 2;
  return bisect((t) => studentTCdf(t, df), p, lo, 0);
}

/** z for a two-sided interval at `level`: z(0.95) = 1.959963984540054. */
export function twoSidedZ(level: number): number {
  if (!(level > 0 && level < 1))
    throw new RangeError(`confidence level must be in (0, 1), got ${level}`);
  return normalQuantile(1 - (1 - level) / 2);
}

/** Wilson's score interval for x successes out of n (n > 0). */
export function wilsonInterval(x: number, n: number, level = 0.95): Interval {
  checkCounts(x, n);
  const z = twoSidedZ(level);
  const z2 = z * z;
  const p = x / n;
  const centre = (x + z2 / 2) / (n + z2);
  const half = (z * Math.sqrt((x * (n - x)) / n + z2 / 4)) / (n + z2);
  // At x = 0 or x = n one bound is exactly 0 or 1; rounding must not push it across.
  return {
    estimate: p,
    low: x === 0 ? 0 : Math.max(0, centre - half),
    high: x === n ? 1 : Math.min(1, centre + half),
    level,
  };
}

/**
 * Newcombe's hybrid score interval for p1 − p2 (method 10, no continuity correction):
 *   δ = √((p1 − l1)² + (u2 − p2)²), ε = √((u1 − p1)² + (p2 − l2)²), CI = (p1 − p2 − δ, p1 − p2 + ε)
 * where (l_i, u_i) are the Wilson intervals of the two proportions.
 */
export function newcombeDifferenceInterval(
  x1: number,
  n1: number,
  x2: number,
  n2: number,
  level = 0.95,
): Interval {
  const a = wilsonInterval(x1, n1, level);
  const b = wilsonInterval(x2, n2, level);
  const d = a.estimate - b.estimate;
  const delta = Math.sqrt((a.estimate - a.low) ** 2 + (b.high - b.estimate) ** 2);
  const epsilon = Math.sqrt((a.high - a.estimate) ** 2 + (b.estimate - b.low) ** 2);
  return { estimate: d, low: Math.max(-1, d - delta), high: Math.min(1, d + epsilon), level };
}

export interface Sample {
  n: number;
  mean: number;
  /** Unbiased sample variance (n − 1 in the denominator). */
  variance: number;
}

/** Mean and unbiased variance (Welford's update: no catastrophic cancellation). */
export function summarize(values: readonly number[]): Sample {
  let mean = 0;
  let m2 = 0;
  values.forEach((v, i) => {
    const delta = v - mean;
    mean += delta / (i + 1);
    m2 += delta * (v - mean);
  });
  return {
    n: values.length,
    mean: values.length ? mean : NaN,
    variance: values.length > 1 ? m2 / (values.length - 1) : NaN,
  };
}

export interface WelchInterval extends Interval {
  /** Welch–Satterthwaite degrees of freedom. */
  df: number;
  standardError: number;
}

/** Welch's interval for mean1 − mean2 (unequal variances); each sample needs n ≥ 2. */
export function welchDifferenceInterval(a: Sample, b: Sample, level = 0.95): WelchInterval {
  if (a.n < 2 || b.n < 2)
    throw new RangeError(
      `Welch's interval needs at least 2 values in each sample (got ${a.n} and ${b.n})`,
    );
  const va = a.variance / a.n;
  const vb = b.variance / b.n;
  const se = Math.sqrt(va + vb);
  const d = a.mean - b.mean;
  if (se === 0) return { estimate: d, low: d, high: d, level, df: a.n + b.n - 2, standardError: 0 };
  const df = (va + vb) ** 2 / (va ** 2 / (a.n - 1) + vb ** 2 / (b.n - 1));
  const t = studentTQuantile(1 - (1 - level) / 2, df);
  return { estimate: d, low: d - t * se, high: d + t * se, level, df, standardError: se };
}

function checkCounts(x: number, n: number): void {
  if (!Number.isInteger(n) || n <= 0)
    throw new RangeError(`a proportion needs a positive whole number of trials, got n = ${n}`);
  if (!Number.isInteger(x) || x < 0 || x > n)
    throw new RangeError(`successes must be a whole number from 0 to n = ${n}, got ${x}`);
}
