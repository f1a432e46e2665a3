/**
 * bench/models: the value models' own cost, without a database.
 *
 *   npm run bench -- models [--score 1000000]
 *
 * - Fit: BG/NBD and Gamma-Gamma on 2,357 and 23,570 customers (CDNOW's size and ten times it,
 *   simulated from CDNOW's parameters in whole days, so histories repeat as real ones do), as a
 *   ratio to one baseline measured in this run: 1,000 evaluations of the BG/NBD log-likelihood
 *   on the same data (so "fit / baseline" reads as the fit's cost in likelihood passes ÷ 1,000).
 * - Scoring: P(alive) and the 365-day forecast for 1M customers with distinct histories (no
 *   sharing at all, the worst case), and for 1M customers whose times are whole days, scored as
 *   the recompute does (the expectation given alive computed once per (x, T)); each as a ratio
 *   to two baselines of the same run: P(alive) alone (closed form) for the same customers, and
 *   eq. (10)'s Gaussian hypergeometric function evaluated by series (`hyp2f1`), the formula the
 *   forecast used before (which is wrong in parts of the space).
 */
import {
  bgNbdLogLikelihood,
  expectedPurchases,
  expectedPurchasesIfAlive,
  fitBgNbd,
  prepareBgNbdData,
  probabilityAlive,
  type BgNbdObservation,
  type BgNbdParams,
} from '../src/domain/indicators/bgnbd.js';
import { fitGammaGamma } from '../src/domain/indicators/gamma-gamma.js';
import { hyp2f1 } from '../src/domain/indicators/special.js';
import { simulateBgNbd, simulateGammaGamma } from '../test/domain/indicators/simulate.js';
import { arg, log, report } from './support.js';

const scoreCount = arg('score', 1_000_000);
/** CDNOW's published fit (weeks), in days. */
const CDNOW_DAYS: BgNbdParams = { r: 0.243, alpha: 4.414 * 7, a: 0.793, b: 2.426 };
const HORIZON = 365;

function seconds(fn: () => void): number {
  const start = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - start) / 1e9;
}

function customersInDays(n: number, seed: number): BgNbdObservation[] {
  // Ages 39–78 weeks as in CDNOW; times rounded to whole days as the recompute's summaries are.
  return simulateBgNbd(CDNOW_DAYS, n, (_, rng) => 273 + Math.floor(rng() * 273), seed).map((c) => ({
    frequency: c.frequency,
    recency: Math.floor(c.recency),
    T: c.T,
  }));
}

const rows: { metric: string; value: string }[] = [];
const raw: Record<string, unknown> = {};
for (const n of [2_357, 23_570]) {
  const customers = customersInDays(n, n);
  const spend = simulateGammaGamma(
    { p: 6.25, q: 3.74, v: 15.44 },
    customers.filter((c) => c.frequency > 0).length,
    (i) => 1 + (i % 7),
    n,
  );
  const data = prepareBgNbdData(customers);
  log(`fit on ${n.toLocaleString()} customers (${data.rows} distinct histories)`);
  const baseline = seconds(() => {
    for (let i = 0; i < 1000; i++) bgNbdLogLikelihood(CDNOW_DAYS, data);
  });
  fitBgNbd(customers); // warm-up
  const bgnbd = seconds(() => void fitBgNbd(customers));
  const gammaGamma = seconds(() => void fitGammaGamma(spend));
  rows.push(
    {
      metric: `fit, ${n.toLocaleString()} customers: BG/NBD (ms)`,
      value: (bgnbd * 1000).toFixed(0),
    },
    { metric: `  Gamma-Gamma (ms)`, value: (gammaGamma * 1000).toFixed(0) },
    { metric: `  baseline: 1,000 log-likelihood passes (ms)`, value: (baseline * 1000).toFixed(0) },
    { metric: `  BG/NBD fit / baseline`, value: `${(bgnbd / baseline).toFixed(2)}×` },
    { metric: `  Gamma-Gamma fit / baseline`, value: `${(gammaGamma / baseline).toFixed(2)}×` },
  );
  raw[`fit${n}`] = { rows: data.rows, bgnbd, gammaGamma, baseline };
}

log(`scoring ${scoreCount.toLocaleString()} customers`);
// Distinct histories: fractional times, so nothing repeats.
const population = simulateBgNbd(CDNOW_DAYS, scoreCount, (_, rng) => 30 + rng() * 700, 7);
let sink = 0;
for (let i = 0; i < 20_000; i++) {
  const c = population[i % population.length]!;
  sink += expectedPurchases(CDNOW_DAYS, HORIZON, c.frequency, c.recency, c.T);
}
const alive = seconds(() => {
  for (const c of population) sink += probabilityAlive(CDNOW_DAYS, c.frequency, c.recency, c.T);
});
const series = seconds(() => {
  const { r, alpha, a, b } = CDNOW_DAYS;
  for (const c of population) {
    const x = c.frequency;
    sink += hyp2f1(r + x, b + x, a + b + x - 1, HORIZON / (alpha + c.T + HORIZON));
  }
});
const forecast = seconds(() => {
  for (const c of population) {
    sink += probabilityAlive(CDNOW_DAYS, c.frequency, c.recency, c.T);
    sink += expectedPurchases(CDNOW_DAYS, HORIZON, c.frequency, c.recency, c.T);
  }
});
rows.push(
  {
    metric: `score ${scoreCount.toLocaleString()} customers: P(alive) + forecast (s)`,
    value: forecast.toFixed(1),
  },
  { metric: '  per customer (µs)', value: ((forecast / scoreCount) * 1e6).toFixed(1) },
  { metric: '  baseline: P(alive) alone (s)', value: alive.toFixed(2) },
  { metric: '  baseline: eq. (10) 2F1 by series (s)', value: series.toFixed(2) },
  { metric: '  scoring / P(alive) alone', value: `${(forecast / alive).toFixed(0)}×` },
  { metric: '  scoring / 2F1 series', value: `${(forecast / series).toFixed(1)}×` },
);
const wholeDays = population.map((c) => ({
  frequency: c.frequency,
  recency: Math.floor(c.recency),
  T: Math.floor(c.T),
}));
const shared = seconds(() => {
  const ifAlive = new Map<string, number>();
  for (const c of wholeDays) {
    const key = `${c.frequency}|${c.T}`;
    let given = ifAlive.get(key);
    if (given === undefined) {
      given = expectedPurchasesIfAlive(CDNOW_DAYS, HORIZON, c.frequency, c.T);
      ifAlive.set(key, given);
    }
    sink += probabilityAlive(CDNOW_DAYS, c.frequency, c.recency, c.T) * given;
  }
});
rows.push(
  {
    metric: `score ${scoreCount.toLocaleString()} customers in whole days, as the recompute (s)`,
    value: shared.toFixed(2),
  },
  { metric: '  scoring / P(alive) alone', value: `${(shared / alive).toFixed(1)}×` },
  { metric: '  scoring / 2F1 series', value: `${(shared / series).toFixed(2)}×` },
);
raw.score = { customers: scoreCount, forecast, alive, series, shared, sink };
await report('models', rows, raw);
