/**
 * Special functions for the customer-value models: log-gamma, log-beta and the Gauss
 * hypergeometric function 2F1.
 *
 * Every function here takes and returns plain numbers and allocates nothing, so they can sit in
 * the per-customer hot loops (a million evaluations of `hyp2f1` is meant to be cheap).
 */

/** Smallest relative contribution a series term may make before we stop summing. */
const SERIES_EPS = 1e-17;

// Lanczos approximation, g = 671/128 with 14 coefficients (Godfrey's set, as published in
// Numerical Recipes 3rd ed., §6.1). Relative error below 1e-15 for x >= 0.5.
const LANCZOS_G_SHIFT = 5.2421875; // g + 1/2 with g = 671/128
const LANCZOS_C0 = 0.999999999999997092;
const LANCZOS_COEFFICIENTS = [
  57.1562356658629235, -59.5979603554754912, 14.1360979747417471, -0.491913816097620199,
  0.339946499848118887e-4, 0.465236289270485756e-4, -0.983744753048795646e-4,
  0.158088703224912494e-3, -0.210264441724104883e-3, 0.217439618115212643e-3,
  -0.16431810653676389e-3, 0.844182239838527433e-4, -0.261908384015814087e-4,
  0.368991826595316234e-5,
] as const;
const SQRT_2PI = 2.5066282746310005;
const LOG_PI = Math.log(Math.PI);

/** sin(pi * x), exact at integers and half-integers (no pi*x rounding for large x). */
export function sinPi(x: number): number {
  if (!Number.isFinite(x)) return NaN;
  // Reduce to r in [-1, 1]: sin(pi x) = sin(pi r) because the period is 2.
  let r = x - 2 * Math.round(x / 2);
  if (r > 0.5) r = 1 - r;
  else if (r < -0.5) r = -1 - r;
  return Math.sin(Math.PI * r);
}

function isNonPositiveInteger(x: number): boolean {
  return x <= 0 && Number.isInteger(x);
}

function lanczosLogGamma(x: number): number {
  // x >= 0.5
  let y = x;
  const tmp = x + LANCZOS_G_SHIFT;
  let ser = LANCZOS_C0;
  for (let j = 0; j < 14; j++) ser += LANCZOS_COEFFICIENTS[j]! / ++y;
  return (x + 0.5) * Math.log(tmp) - tmp + Math.log((SQRT_2PI * ser) / x);
}

/**
 * ln|Γ(x)| for real x. Lanczos for x >= 0.5, the reflection formula below that.
 * Absolute error about 1e-15 near the zeros at 1 and 2, relative error about 1e-15 elsewhere.
 * Returns +Infinity at the poles (0, -1, -2, …) and NaN for NaN.
 */
export function logGamma(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x === Infinity) return Infinity;
  if (x >= 0.5) return lanczosLogGamma(x);
  if (isNonPositiveInteger(x)) return Infinity;
  // Γ(x) Γ(1-x) = π / sin(πx)
  return LOG_PI - Math.log(Math.abs(sinPi(x))) - lanczosLogGamma(1 - x);
}

/** The sign of Γ(x): +1 for x > 0, alternating on the negative axis; NaN at poles. */
export function gammaSign(x: number): number {
  if (x > 0) return 1;
  if (Number.isNaN(x) || isNonPositiveInteger(x)) return NaN;
  return Math.floor(x) % 2 === 0 ? 1 : -1;
}

/** ln B(a, b) = ln Γ(a) + ln Γ(b) − ln Γ(a + b), for a, b > 0. */
export function logBeta(a: number, b: number): number {
  return logGamma(a) + logGamma(b) - logGamma(a + b);
}

/**
 * Γ(p1)Γ(p2) / (Γ(q1)Γ(q2)) for real arguments, through log-gamma so that large arguments do not
 * overflow. A pole in the denominator (q1 or q2 a non-positive integer) gives 0.
 */
function gammaRatio(p1: number, p2: number, q1: number, q2: number): number {
  if (isNonPositiveInteger(q1) || isNonPositiveInteger(q2)) return 0;
  const sign = gammaSign(p1) * gammaSign(p2) * gammaSign(q1) * gammaSign(q2);
  return sign * Math.exp(logGamma(p1) + logGamma(p2) - logGamma(q1) - logGamma(q2));
}

/** Hard cap on the number of series terms; reached only for z within ~1e-5 of 1. */
const MAX_SERIES_TERMS = 5_000_000;

/**
 * Condition estimate of the last evaluation: the largest magnitude among the quantities that were
 * added up, divided by the magnitude of the result (1 when nothing cancels). About
 * `conditionOfLast * 1e-16` is the relative error to expect. Module state rather than a returned
 * object so that the hot path allocates nothing.
 */
let conditionOfLast = 1;

/** Accept an evaluation without trying alternatives when it cancels less than this. */
const ACCEPTABLE_CONDITION = 100;

/**
 * The Gauss series Σ (a)_n (b)_n / ((c)_n n!) z^n summed term by term.
 * Stops when a bound on the remaining tail falls below SERIES_EPS relative to the sum, once the
 * term ratios have settled (n past every sign change of the Pochhammer symbols). NaN if it does
 * not converge within MAX_SERIES_TERMS. Sets `conditionOfLast`.
 */
function gaussSeries(a: number, b: number, c: number, z: number): number {
  let sum = 1;
  let term = 1;
  let largest = 1;
  // Beyond this index no factor (a+n), (b+n), (c+n) changes sign any more.
  const settled = Math.max(0, -a, -b, -c) + 1;
  const az = Math.abs(z);
  let factor = ((a * b) / c) * z; // term(n+1) / term(n) for n = 0
  for (let n = 0; n < MAX_SERIES_TERMS; n++) {
    term *= factor;
    if (term === 0) break; // a terminating (polynomial) series, or underflow
    sum += term;
    const size = Math.abs(term);
    if (size > largest) largest = size;
    factor = (((a + n + 1) * (b + n + 1)) / ((c + n + 1) * (n + 2))) * z;
    if (n >= settled) {
      // From here on the ratios tend to |z| monotonically, so the tail is bounded by a geometric
      // series with ratio max(|factor|, |z|).
      const bound = Math.max(Math.abs(factor), az);
      if (bound < 1 && size * bound <= SERIES_EPS * (1 - bound) * Math.abs(sum)) {
        conditionOfLast = largest / Math.abs(sum);
        return sum;
      }
    }
    if (!Number.isFinite(sum)) break;
  }
  if (term !== 0 || !Number.isFinite(sum)) {
    conditionOfLast = Infinity;
    return Number.isFinite(sum) ? NaN : sum;
  }
  conditionOfLast = largest / Math.abs(sum);
  return sum;
}

/** Above this z (in [0, 1)) the series converges slowly and the 1−z transformation is tried. */
const NEAR_ONE = 0.9;
/** c−a−b closer than this to an integer makes the 1−z transformation lose digits. */
const INTEGER_GAP = 0.05;
/** With c−a−b at least this large the direct series converges fast even close to z = 1. */
const LARGE_EXCESS = 6;

/**
 * DLMF 15.8.4 (Abramowitz & Stegun 15.3.6), for 0 < z < 1 and d = c−a−b not an integer:
 * F(a,b;c;z) = Γ(c)Γ(d)/(Γ(c−a)Γ(c−b)) F(a,b;1−d;1−z)
 *            + (1−z)^d Γ(c)Γ(−d)/(Γ(a)Γ(b)) F(c−a,c−b;1+d;1−z)
 */
function oneMinusZTransform(a: number, b: number, c: number, z: number): number {
  const d = c - a - b;
  const w = 1 - z;
  const g1 = gammaRatio(c, d, c - a, c - b);
  const g2 = gammaRatio(c, -d, a, b);
  let t1 = 0;
  let t2 = 0;
  let cond = 1;
  if (g1 !== 0) {
    t1 = g1 * gaussSeries(a, b, 1 - d, w);
    cond = conditionOfLast;
  }
  if (g2 !== 0) {
    t2 = g2 * Math.pow(w, d) * gaussSeries(c - a, c - b, 1 + d, w);
    cond = Math.max(cond, conditionOfLast);
  }
  const value = t1 + t2;
  conditionOfLast = (cond * (Math.abs(t1) + Math.abs(t2))) / Math.abs(value);
  return value;
}

/** 2F1 for 0 < z < 1 with c not a pole and a, b not non-positive integers. */
function hyp2f1UnitInterval(a: number, b: number, c: number, z: number): number {
  const d = c - a - b;
  // Preferred form: the one whose series converges at z = 1, i.e. with c−a−b >= 0. For d < 0
  // that is Euler's transformation F(a,b;c;z) = (1−z)^d F(c−a, c−b; c; z).
  const euler = d < 0;
  const pa = euler ? c - a : a;
  const pb = euler ? c - b : b;
  const excess = Math.abs(d);
  const scale = euler ? Math.pow(1 - z, d) : 1;
  if (pa === 0 || pb === 0) {
    conditionOfLast = 1;
    return scale;
  }
  let best = NaN;
  let bestCondition = Infinity;
  if (
    z > NEAR_ONE &&
    excess < LARGE_EXCESS &&
    Math.abs(excess - Math.round(excess)) >= INTEGER_GAP &&
    !isNonPositiveInteger(pa) &&
    !isNonPositiveInteger(pb)
  ) {
    best = scale * oneMinusZTransform(pa, pb, c, z);
    bestCondition = conditionOfLast;
    if (bestCondition < ACCEPTABLE_CONDITION) return best;
  }
  const preferred = scale * gaussSeries(pa, pb, c, z);
  if (conditionOfLast < bestCondition) {
    best = preferred;
    bestCondition = conditionOfLast;
  }
  if (bestCondition < ACCEPTABLE_CONDITION) {
    conditionOfLast = bestCondition;
    return best;
  }
  // Both failed to be well conditioned (large parameters of mixed sign): the other series form.
  const other = euler
    ? gaussSeries(a, b, c, z)
    : Math.pow(1 - z, d) * gaussSeries(c - a, c - b, c, z);
  if (conditionOfLast < bestCondition || Number.isNaN(best)) {
    best = other;
    bestCondition = conditionOfLast;
  }
  conditionOfLast = bestCondition;
  return best;
}

/**
 * The Gauss hypergeometric function 2F1(a, b; c; z) for real parameters.
 *
 * Domain: real a, b, c and z <= 1.
 * - c a non-positive integer is a pole: NaN (unless a or b is a non-positive integer greater than
 *   c, when the series terminates before the pole).
 * - z = 1 is accepted only when c−a−b > 0 (Gauss's summation theorem), else NaN (divergent).
 * - z > 1 is a branch cut: NaN.
 *
 * Method, by region (all sums are plain power series with a tail-bound stopping rule):
 * - a or b a non-positive integer: the series is a polynomial, summed exactly, for any z <= 1.
 * - z < 0: Pfaff, F(a,b;c;z) = (1−z)^(−a) F(a, c−b; c; z/(z−1)) (or the same with a and b
 *   swapped, whichever cancels less), mapping z into (0, 1).
 * - 0 < z < 1: the series of F(a,b;c;z) if c−a−b >= 0, else of Euler's form
 *   (1−z)^(c−a−b) F(c−a, c−b; c; z), whose terms decay like n^(−|c−a−b|−1) z^n.
 *   For z > 0.9 the 1−z connection formula (DLMF 15.8.4) is used instead, unless |c−a−b| is
 *   within 0.05 of an integer (where that formula cancels badly) or >= 6 (where the series is
 *   fast anyway); the direct series then needs about 40/(1−z) terms: fine up to z ≈ 0.9999,
 *   NaN past 5e6 terms.
 * - Every evaluation measures its own cancellation; if it lost more than two digits, the other
 *   forms are tried and the best-conditioned result is returned.
 *
 * Accuracy (checked against mpmath in the tests): about 1e-13 relative when |a|, |b|, |c| <= 10,
 * and for the BG/NBD arguments (r+x, b+x; a+b+x−1; z) with any purchase count x. Known limits:
 * - where the direct series is used close to z = 1 (c−a−b near an integer), rounding grows like
 *   1e-16/(1−z): 1e-12 at z = 1 − 1e-4;
 * - z < 0 with a and b both large (say > 20) and c small cancels catastrophically (the result is
 *   tiny against huge terms); that needs the 1/z transformations, which are not implemented.
 *   Such arguments never arise in the BG/NBD formulas.
 */
export function hyp2f1(a: number, b: number, c: number, z: number): number {
  if (Number.isNaN(a) || Number.isNaN(b) || Number.isNaN(c) || Number.isNaN(z)) return NaN;
  if (z > 1) return NaN;
  const aPoly = isNonPositiveInteger(a);
  const bPoly = isNonPositiveInteger(b);
  if (isNonPositiveInteger(c)) {
    // Terminates before reaching the pole only if a (or b) is a non-positive integer above c.
    const ok = (aPoly && a > c) || (bPoly && b > c);
    if (!ok) return NaN;
  }
  if (a === 0 || b === 0 || z === 0) return 1;
  if (aPoly || bPoly) return gaussSeries(a, b, c, z); // a polynomial: exact for any z <= 1
  if (z === 1) {
    const d = c - a - b;
    return d > 0 ? gammaRatio(c, d, c - a, c - b) : NaN;
  }
  if (z > 0) return hyp2f1UnitInterval(a, b, c, z);
  // z < 0: Pfaff, keeping a or keeping b; the kept parameter's series may also terminate.
  const w = z / (z - 1);
  const oneMinusZ = 1 - z;
  const keepA = pfaff(a, c - b, c, w, oneMinusZ);
  if (conditionOfLast < ACCEPTABLE_CONDITION) return keepA;
  const conditionA = conditionOfLast;
  const keepB = pfaff(b, c - a, c, w, oneMinusZ);
  if (conditionOfLast <= conditionA || Number.isNaN(keepA)) return keepB;
  conditionOfLast = conditionA;
  return keepA;
}

/** (1−z)^(−kept) F(kept, other; c; w) with w = z/(z−1) in (0, 1). */
function pfaff(kept: number, other: number, c: number, w: number, oneMinusZ: number): number {
  const scale = Math.pow(oneMinusZ, -kept);
  if (other === 0) {
    conditionOfLast = 1;
    return scale;
  }
  if (isNonPositiveInteger(other)) return scale * gaussSeries(kept, other, c, w);
  return scale * hyp2f1UnitInterval(kept, other, c, w);
}
