/**
 * Seeded simulation of the BG/NBD and Gamma-Gamma generative processes, for parameter-recovery
 * tests. Deterministic: the same seed gives the same customers on every machine.
 */
import type { BgNbdObservation, BgNbdParams } from '../../../src/domain/indicators/bgnbd.js';
import type {
  GammaGammaObservation,
  GammaGammaParams,
} from '../../../src/domain/indicators/gamma-gamma.js';

/** mulberry32: a small, fast 32-bit PRNG; returns uniforms in [0, 1). */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Uniform in (0, 1), never 0, so that logarithms are finite. */
function openUniform(rng: () => number): number {
  let u = rng();
  while (u === 0) u = rng();
  return u;
}

/** Standard normal by the Marsaglia polar method. */
export function normal(rng: () => number): number {
  for (;;) {
    const u = 2 * rng() - 1;
    const v = 2 * rng() - 1;
    const s = u * u + v * v;
    if (s > 0 && s < 1) return u * Math.sqrt((-2 * Math.log(s)) / s);
  }
}

/** Gamma(shape, 1) by Marsaglia & Tsang (2000), with the U^(1/shape) boost for shape < 1. */
export function gammaVariate(rng: () => number, shape: number): number {
  if (shape < 1) return gammaVariate(rng, shape + 1) * Math.pow(openUniform(rng), 1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = normal(rng);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = openUniform(rng);
    if (u < 1 - 0.0331 * x ** 4) return d * v;
    if (Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
  }
}

export function betaVariate(rng: () => number, a: number, b: number): number {
  const x = gammaVariate(rng, a);
  const y = gammaVariate(rng, b);
  return x / (x + y);
}

export function exponentialVariate(rng: () => number, rate: number): number {
  return -Math.log(openUniform(rng)) / rate;
}

/**
 * Customers drawn from the BG/NBD process: λ ~ Gamma(r, rate α), p ~ Beta(a, b); from the first
 * purchase at time 0, purchases arrive as a Poisson process with rate λ, and right after each
 * repeat purchase the customer drops out with probability p. Observed up to T = ageOf(i).
 */
export function simulateBgNbd(
  params: BgNbdParams,
  n: number,
  ageOf: (i: number, rng: () => number) => number,
  seed: number,
): BgNbdObservation[] {
  const rng = mulberry32(seed);
  const out: BgNbdObservation[] = [];
  for (let i = 0; i < n; i++) {
    const T = ageOf(i, rng);
    const lambda = gammaVariate(rng, params.r) / params.alpha;
    const p = betaVariate(rng, params.a, params.b);
    let t = 0;
    let x = 0;
    let tx = 0;
    for (;;) {
      t += exponentialVariate(rng, lambda);
      if (!(t <= T)) break;
      x++;
      tx = t;
      if (rng() < p) break; // dropped out right after this purchase
    }
    out.push({ frequency: x, recency: tx, T });
  }
  return out;
}

/**
 * Customers drawn from the Gamma-Gamma process: ν ~ Gamma(q, rate v); each of the customer's x
 * repeat purchases is worth Gamma(p, rate ν); m is their mean. x = frequencyOf(i).
 */
export function simulateGammaGamma(
  params: GammaGammaParams,
  n: number,
  frequencyOf: (i: number, rng: () => number) => number,
  seed: number,
): GammaGammaObservation[] {
  const rng = mulberry32(seed);
  const out: GammaGammaObservation[] = [];
  for (let i = 0; i < n; i++) {
    const x = frequencyOf(i, rng);
    const nu = gammaVariate(rng, params.q) / params.v;
    let total = 0;
    for (let k = 0; k < x; k++) total += gammaVariate(rng, params.p) / nu;
    out.push({ frequency: x, monetaryValue: total / x });
  }
  return out;
}
