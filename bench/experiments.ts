/**
 * bench/experiments: what reading an experiment every day does to its error rates, by simulation
 * (no database, no Temporal). Two arms of `--per-day` journeys a day each, read after every day
 * for 60 days, base conversion 5%, spends log-normal (median 50, σ 0.8):
 *
 *   npm run bench -- experiments [--experiments 1000] [--per-day 250] [--seed 1]
 *
 * - A/A (no true difference): the share of experiments that are ever declared to have a winner,
 *   by the always-valid intervals and by today's fixed-horizon intervals (Newcombe, Welch) read
 *   daily. Nominal: 5%.
 * - A/B (conversion 5% → 6%): the power of the always-valid interval read daily, against the
 *   fixed-horizon Newcombe interval read once at its planned size (80% power, two-sided 5%).
 */
import {
  simulateExperiments,
  type SimulationSettings,
} from '../src/domain/reports/sequential-simulation.js';
import { journeysNeededForEffect } from '../src/domain/reports/sequential.js';
import { mulberry32 } from '../test/domain/indicators/simulate.js';
import { arg, log, report } from './support.js';

const experiments = arg('experiments', 1000);
const perDay = arg('per-day', 250);
const seed = arg('seed', 1);
const DAYS = 60;
const BASELINE = 0.05;
const EFFECT = 0.01;
const ALPHA = 0.05;

const needed = journeysNeededForEffect(BASELINE, EFFECT, ALPHA, 0.8);
const plannedDay = Math.ceil(needed.fixedHorizon / perDay);
const base: Omit<SimulationSettings, 'arm' | 'random'> = {
  experiments,
  days: DAYS,
  journeysPerArmPerDay: perDay,
  control: { conversionRate: BASELINE, medianOrderValue: 50 },
  orderValueSpread: 0.8,
  alpha: ALPHA,
  // Narrowest at the always-valid size needed for this effect, as journeysNeededForEffect advises.
  tuning: { narrowestAtJourneys: 2 * needed.alwaysValid, minimumJourneysPerArm: 100 },
  plannedDay,
};

const cpuStart = process.cpuUsage();
log(`${experiments} A/A experiments × ${DAYS} days, ${perDay} journeys per arm per day`);
const aa = simulateExperiments({
  ...base,
  arm: base.control,
  random: (e) => mulberry32(seed * 1_000_003 + e),
});
log(
  `${experiments} A/B experiments, conversion ${(BASELINE * 100).toFixed(0)}% → ${((BASELINE + EFFECT) * 100).toFixed(0)}%`,
);
const ab = simulateExperiments({
  ...base,
  arm: { conversionRate: BASELINE + EFFECT, medianOrderValue: 50 },
  readFixedHorizonDaily: false,
  random: (e) => mulberry32(seed * 1_000_003 + 500_000 + e),
});
const cpu = process.cpuUsage(cpuStart);

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const rows = [
  {
    metric: 'A/A ever declared, conversion: always-valid',
    value: pct(aa.conversion.alwaysValid.everDeclared),
    goal: '≤ 5%',
    ok: aa.conversion.alwaysValid.everDeclared <= 0.05,
  },
  {
    metric: '  fixed-horizon Newcombe read daily',
    value: pct(aa.conversion.fixedHorizonDaily!.everDeclared),
  },
  {
    metric: '  fixed-horizon Newcombe read once, day ' + plannedDay,
    value: pct(aa.fixedHorizonAtPlannedDay!.everDeclared),
  },
  {
    metric: 'A/A ever declared, revenue/contact: always-valid',
    value: pct(aa.revenue.alwaysValid.everDeclared),
    goal: '≤ 5%',
    ok: aa.revenue.alwaysValid.everDeclared <= 0.05,
  },
  {
    metric: '  fixed-horizon Welch read daily',
    value: pct(aa.revenue.fixedHorizonDaily!.everDeclared),
  },
  {
    metric: `fixed-horizon planned size per arm (80% power)`,
    value: `${needed.fixedHorizon} (day ${plannedDay})`,
  },
  { metric: `always-valid size per arm, conservative bound`, value: String(needed.alwaysValid) },
  {
    metric: 'A/B power, conversion: fixed-horizon once at plan',
    value: pct(ab.fixedHorizonAtPlannedDay!.armDeclaredBetter),
  },
  {
    metric: `  always-valid read daily, by day ${plannedDay}`,
    value: pct(ab.alwaysValidByPlannedDay!),
  },
  {
    metric: `  always-valid read daily, by day ${DAYS}`,
    value: pct(ab.conversion.alwaysValid.armDeclaredBetter),
  },
  {
    metric: '  always-valid median day of the win',
    value: String(ab.conversion.alwaysValid.medianDay),
  },
  {
    metric: `A/B power, revenue/contact: always-valid by day ${DAYS}`,
    value: pct(ab.revenue.alwaysValid.armDeclaredBetter),
  },
  { metric: 'CPU seconds', value: ((cpu.user + cpu.system) / 1e6).toFixed(1) },
];
await report('experiments', rows, { settings: { ...base, seed }, needed, aa, ab, cpu });
