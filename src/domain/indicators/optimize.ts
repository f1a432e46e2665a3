/**
 * Derivative-free minimisation for the maximum-likelihood fits, plus the finite-difference
 * Hessian used for standard errors.
 *
 * The models' parameters are all positive, so the fits minimise over log-parameters: every point
 * the simplex visits maps back to valid parameters and no constraint handling is needed.
 * Everything here is deterministic: the same objective and start give the same answer.
 */

export interface MinimizeOptions {
  /** Initial simplex edge along each coordinate (in the units of x; log-units for the fits). */
  readonly initialStep?: number;
  /** Converged when the simplex's function values span at most this (absolute)… */
  readonly fTolerance?: number;
  /** …and its vertices are within this of the best vertex in every coordinate. */
  readonly xTolerance?: number;
  /** Iteration budget for one Nelder–Mead run. */
  readonly maxIterations?: number;
  /**
   * After a run converges, restart from its best point with a fresh simplex (edge
   * min(initialStep, 0.1)), up to this many times, until a restart no longer improves the minimum
   * by more than fTolerance. Restarts guard against the simplex collapsing on a ridge, a known
   * weakness of Nelder–Mead.
   */
  readonly maxRestarts?: number;
}

export interface MinimizeResult {
  readonly x: number[];
  readonly fx: number;
  /** Nelder–Mead iterations over all runs. */
  readonly iterations: number;
  readonly evaluations: number;
  /** The last run met both tolerances and the last restart did not improve on it. */
  readonly converged: boolean;
}

/** Initial simplex edge of the restarts (at most the first run's). */
const RESTART_STEP = 0.1;

const DEFAULTS = {
  initialStep: 0.5,
  fTolerance: 1e-10,
  xTolerance: 1e-8,
  maxIterations: 5000,
  maxRestarts: 5,
} as const;

/**
 * Minimise `f` from `x0` with the Nelder–Mead simplex method (standard coefficients: reflection 1,
 * expansion 2, contraction 1/2, shrink 1/2), restarted as described in {@link MinimizeOptions}.
 * Non-finite objective values are treated as +Infinity, so `f` may return NaN outside its domain.
 */
export function minimize(
  f: (x: readonly number[]) => number,
  x0: readonly number[],
  options: MinimizeOptions = {},
): MinimizeResult {
  const opts: Required<MinimizeOptions> = {
    initialStep: options.initialStep ?? DEFAULTS.initialStep,
    fTolerance: options.fTolerance ?? DEFAULTS.fTolerance,
    xTolerance: options.xTolerance ?? DEFAULTS.xTolerance,
    maxIterations: options.maxIterations ?? DEFAULTS.maxIterations,
    maxRestarts: options.maxRestarts ?? DEFAULTS.maxRestarts,
  };
  let evaluations = 0;
  const objective = (x: readonly number[]): number => {
    evaluations++;
    const v = f(x);
    return Number.isFinite(v) ? v : Infinity;
  };

  let best = x0.slice();
  let bestF = objective(best);
  let iterations = 0;
  let converged = false;
  for (let run = 0; run <= opts.maxRestarts; run++) {
    // Restarts only need to re-open a collapsed simplex, not to search afresh: a smaller one.
    const step = run === 0 ? opts.initialStep : Math.min(opts.initialStep, RESTART_STEP);
    const result = nelderMeadRun(objective, best, step, opts);
    iterations += result.iterations;
    const improvement = bestF - result.fx;
    if (result.fx <= bestF) {
      best = result.x;
      bestF = result.fx;
    }
    converged = result.converged;
    // A restart that found nothing new confirms the minimum.
    if (run > 0 && result.converged && !(improvement > opts.fTolerance)) break;
  }
  return { x: best, fx: bestF, iterations, evaluations, converged };
}

/** What a maximum-likelihood fit reports beside its parameters. */
export interface MaximumLikelihoodFit {
  /** Total (weighted) log-likelihood at the estimate, without the penalty. */
  readonly logLikelihood: number;
  /** Number of customers (total weight). */
  readonly n: number;
  readonly converged: boolean;
  readonly iterations: number;
}

/** A model to fit: its log-likelihood, its parameters from the optimiser's point, its penalty. */
export interface LikelihoodModel<P> {
  readonly logLikelihood: (params: P) => number;
  /** The parameters at a point of the (log-parameter) space the optimiser walks. */
  readonly paramsOf: (z: readonly number[]) => P;
  /** The L2 penalty added to −LL/n (0 for plain maximum likelihood). */
  readonly penalty: (params: P) => number;
  /** Total weight of the data: the mean log-likelihood per customer keeps tolerances scale-free. */
  readonly n: number;
}

/**
 * Fit a model by minimising −LL/n + penalty from `x0`, with the fits' tighter default tolerances
 * (fTolerance 1e-12, xTolerance 1e-7), and report the estimate with its unpenalised log-likelihood.
 */
export function fitMaximumLikelihood<P>(
  model: LikelihoodModel<P>,
  x0: readonly number[],
  options: MinimizeOptions,
): P & MaximumLikelihoodFit {
  const { logLikelihood, paramsOf, penalty, n } = model;
  const objective = (z: readonly number[]): number => {
    const params = paramsOf(z);
    return -logLikelihood(params) / n + penalty(params);
  };
  const result = minimize(objective, x0, {
    initialStep: options.initialStep,
    fTolerance: options.fTolerance ?? 1e-12,
    xTolerance: options.xTolerance ?? 1e-7,
    maxIterations: options.maxIterations,
    maxRestarts: options.maxRestarts,
  });
  const params = paramsOf(result.x);
  return {
    ...params,
    logLikelihood: logLikelihood(params),
    n,
    converged: result.converged,
    iterations: result.iterations,
  };
}

interface RunResult {
  x: number[];
  fx: number;
  iterations: number;
  converged: boolean;
}

function nelderMeadRun(
  f: (x: readonly number[]) => number,
  start: readonly number[],
  initialStep: number,
  opts: Required<MinimizeOptions>,
): RunResult {
  const n = start.length;
  // Simplex of n+1 vertices: the start and one step along each axis.
  const vertices: number[][] = [start.slice()];
  for (let i = 0; i < n; i++) {
    const v = start.slice();
    v[i] = v[i]! + initialStep;
    vertices.push(v);
  }
  const values = vertices.map(f);
  const order = vertices.map((_, i) => i);
  const centroid = new Array<number>(n).fill(0);
  const trial = new Array<number>(n).fill(0);
  const trial2 = new Array<number>(n).fill(0);

  const pointAlong = (
    out: number[],
    from: readonly number[],
    towards: readonly number[],
    t: number,
  ): void => {
    // out = from + t (towards − from)
    for (let j = 0; j < n; j++) out[j] = from[j]! + t * (towards[j]! - from[j]!);
  };

  let iterations = 0;
  while (iterations < opts.maxIterations) {
    // Stable sort by value, ties broken by vertex index: keeps the run deterministic.
    order.sort((i, j) => values[i]! - values[j]! || i - j);
    const bestIdx = order[0]!;
    const worstIdx = order[n]!;
    const secondWorstIdx = order[n - 1]!;
    const bestV = vertices[bestIdx]!;

    if (simplexConverged(vertices, values, bestIdx, opts)) {
      return { x: bestV.slice(), fx: values[bestIdx]!, iterations, converged: true };
    }
    iterations++;

    centroid.fill(0);
    for (let k = 0; k < n; k++) {
      const v = vertices[order[k]!]!;
      for (let j = 0; j < n; j++) centroid[j] = centroid[j]! + v[j]! / n;
    }
    const worst = vertices[worstIdx]!;
    // Reflection: centroid + (centroid − worst)
    pointAlong(trial, centroid, worst, -1);
    const fr = f(trial);
    if (fr < values[bestIdx]!) {
      // Expansion: centroid + 2 (centroid − worst)
      pointAlong(trial2, centroid, worst, -2);
      const fe = f(trial2);
      if (fe < fr) replace(worstIdx, trial2, fe);
      else replace(worstIdx, trial, fr);
      continue;
    }
    if (fr < values[secondWorstIdx]!) {
      replace(worstIdx, trial, fr);
      continue;
    }
    // Contraction, outside if the reflection beat the worst vertex, inside otherwise.
    const outside = fr < values[worstIdx]!;
    pointAlong(trial2, centroid, worst, outside ? -0.5 : 0.5);
    const fc = f(trial2);
    if (fc < (outside ? fr : values[worstIdx]!)) {
      replace(worstIdx, trial2, fc);
      continue;
    }
    // Shrink every vertex halfway towards the best one.
    for (let k = 1; k <= n; k++) {
      const idx = order[k]!;
      const v = vertices[idx]!;
      for (let j = 0; j < n; j++) v[j] = bestV[j]! + 0.5 * (v[j]! - bestV[j]!);
      values[idx] = f(v);
    }
  }
  order.sort((i, j) => values[i]! - values[j]! || i - j);
  const bestIdx = order[0]!;
  return { x: vertices[bestIdx]!.slice(), fx: values[bestIdx]!, iterations, converged: false };

  function replace(idx: number, point: readonly number[], value: number): void {
    const v = vertices[idx]!;
    for (let j = 0; j < n; j++) v[j] = point[j]!;
    values[idx] = value;
  }
}

function simplexConverged(
  vertices: readonly (readonly number[])[],
  values: readonly number[],
  bestIdx: number,
  opts: Required<MinimizeOptions>,
): boolean {
  const fBest = values[bestIdx]!;
  const bestV = vertices[bestIdx]!;
  for (let k = 0; k < vertices.length; k++) {
    if (!(values[k]! - fBest <= opts.fTolerance)) return false;
    const v = vertices[k]!;
    for (let j = 0; j < v.length; j++) {
      if (!(Math.abs(v[j]! - bestV[j]!) <= opts.xTolerance)) return false;
    }
  }
  return true;
}

/**
 * Central finite-difference Hessian of `f` at `x`, with steps `h` (same in every coordinate).
 * For a negative log-likelihood in log-parameters, its inverse is the asymptotic covariance of the
 * log-parameter estimates.
 */
export function numericalHessian(
  f: (x: readonly number[]) => number,
  x: readonly number[],
  h = 1e-4,
): number[][] {
  const n = x.length;
  const H = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  const p = x.slice();
  const at = (i: number, di: number, j: number, dj: number): number => {
    p[i] = p[i]! + di;
    p[j] = p[j]! + dj;
    const v = f(p);
    p[i] = x[i]!;
    p[j] = x[j]!;
    return v;
  };
  const f0 = f(x);
  for (let i = 0; i < n; i++) {
    H[i]![i] = (at(i, h, i, 0) - 2 * f0 + at(i, -h, i, 0)) / (h * h);
    for (let j = 0; j < i; j++) {
      const v =
        (at(i, h, j, h) - at(i, h, j, -h) - at(i, -h, j, h) + at(i, -h, j, -h)) / (4 * h * h);
      H[i]![j] = v;
      H[j]![i] = v;
    }
  }
  return H;
}

/** Inverse of a small square matrix by Gauss–Jordan elimination with partial pivoting. */
export function invertMatrix(matrix: readonly (readonly number[])[]): number[][] {
  const n = matrix.length;
  const a = matrix.map((row, i) => [
    ...row,
    ...Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)),
  ]);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++)
      if (Math.abs(a[r]![col]!) > Math.abs(a[pivot]![col]!)) pivot = r;
    if (a[pivot]![col] === 0) throw new Error('invertMatrix: matrix is singular');
    [a[col], a[pivot]] = [a[pivot]!, a[col]!];
    const rowC = a[col]!;
    const d = rowC[col]!;
    for (let j = 0; j < 2 * n; j++) rowC[j] = rowC[j]! / d;
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const row = a[r]!;
      const factor = row[col]!;
      if (factor === 0) continue;
      for (let j = 0; j < 2 * n; j++) row[j] = row[j]! - factor * rowC[j]!;
    }
  }
  return a.map((row) => row.slice(n));
}
