/**
 * Simulated two-arm experiments read once a day, to measure what each way of reading them
 * promises: how often an A/A experiment (no true difference) is ever declared to have a winner,
 * and how often a true uplift is found. Pure and deterministic: the caller passes a seeded random
 * source, so the same seed gives the same figures on every machine.
 *
 * Each day `journeysPerArmPerDay` journeys enter each arm; a journey converts with its arm's rate
 * and a converted journey spends a log-normal amount (median `medianOrderValue`, log-sd
 * `orderValueSpread`: a few large orders, as in real shops). After each day the experiment is read
 * four ways, on the running totals:
 *  - always-valid intervals (sequential.ts), conversion rate and revenue per contact;
 *  - today's fixed-horizon intervals (Newcombe for conversion, Welch for revenue), read as a
 *    dashboard is, every day;
 * and the fixed-horizon conversion interval once more, only at `plannedDay` (its one honest look).
 * An interval "declares" when it excludes zero, in either direction.
 */
import { alwaysValidInterval, type SequentialTuning } from './sequential.js';
import { newcombeDifferenceInterval, type Sample, welchDifferenceInterval } from './statistics.js';

export interface ArmTruth {
  conversionRate: number;
  medianOrderValue: number;
}

export interface SimulationSettings {
  experiments: number;
  days: number;
  journeysPerArmPerDay: number;
  control: ArmTruth;
  arm: ArmTruth;
  /** Log-normal σ of an order's value. */
  orderValueSpread: number;
  alpha: number;
  tuning: SequentialTuning;
  /** The day the fixed-horizon test reaches its planned size and is read, once. */
  plannedDay?: number;
  /**
   * Whether to read today's fixed-horizon intervals every day too (default true). They cost 50
   * times the always-valid ones (their quantiles are found by bisection), and a power run has no
   * use for them: with an inflated false-positive rate their "power" means nothing.
   */
  readFixedHorizonDaily?: boolean;
  /** A seeded source of uniforms in [0, 1); one per experiment, so experiments are independent of their order. */
  random: (experiment: number) => () => number;
}

/** The first day an interval excluded zero, and on which side; null if it never did. */
export type FirstDeclaration = { day: number; armBetter: boolean } | null;

export interface ExperimentRun {
  conversion: { alwaysValid: FirstDeclaration; fixedHorizonDaily: FirstDeclaration };
  revenue: { alwaysValid: FirstDeclaration; fixedHorizonDaily: FirstDeclaration };
  /** The fixed-horizon conversion interval read once, on the planned day; null without one. */
  fixedHorizonAtPlannedDay: FirstDeclaration;
}

interface RunningArm {
  journeys: number;
  converted: number;
  revenue: number;
  revenueSquared: number;
}

export function simulateExperiment(
  settings: SimulationSettings,
  experiment: number,
): ExperimentRun {
  const random = settings.random(experiment);
  const control = emptyArm();
  const arm = emptyArm();
  const level = 1 - settings.alpha;
  const readDaily = settings.readFixedHorizonDaily ?? true;
  const run: ExperimentRun = {
    conversion: { alwaysValid: null, fixedHorizonDaily: null },
    revenue: { alwaysValid: null, fixedHorizonDaily: null },
    fixedHorizonAtPlannedDay: null,
  };
  const firstTime = (
    current: FirstDeclaration,
    day: number,
    interval: { low: number; high: number },
  ): FirstDeclaration =>
    current ??
    (interval.low > 0 || interval.high < 0 ? { day, armBetter: interval.low > 0 } : null);
  const newcombe = () =>
    newcombeDifferenceInterval(
      arm.converted,
      arm.journeys,
      control.converted,
      control.journeys,
      level,
    );

  for (let day = 1; day <= settings.days; day++) {
    addDay(control, settings.control, settings, random);
    addDay(arm, settings.arm, settings, random);
    // The same minimum for every method, so what differs between them is the peeking alone.
    if (Math.min(control.journeys, arm.journeys) < settings.tuning.minimumJourneysPerArm) continue;

    const conversion = alwaysValidInterval(
      { journeys: control.journeys, converted: control.converted },
      { journeys: arm.journeys, converted: arm.converted },
      settings.alpha,
      settings.tuning,
    );
    run.conversion.alwaysValid = firstTime(run.conversion.alwaysValid, day, {
      low: conversion.lower,
      high: conversion.upper,
    });
    const [c, a] = [revenueSample(control), revenueSample(arm)];
    const revenue = alwaysValidInterval(c, a, settings.alpha, settings.tuning);
    run.revenue.alwaysValid = firstTime(run.revenue.alwaysValid, day, {
      low: revenue.lower,
      high: revenue.upper,
    });
    if (day === settings.plannedDay)
      run.fixedHorizonAtPlannedDay = firstTime(null, day, newcombe());
    if (readDaily) {
      run.conversion.fixedHorizonDaily = firstTime(
        run.conversion.fixedHorizonDaily,
        day,
        newcombe(),
      );
      run.revenue.fixedHorizonDaily = firstTime(
        run.revenue.fixedHorizonDaily,
        day,
        welchDifferenceInterval(a, c, level),
      );
    }
  }
  return run;
}

function emptyArm(): RunningArm {
  return { journeys: 0, converted: 0, revenue: 0, revenueSquared: 0 };
}

function addDay(
  group: RunningArm,
  truth: ArmTruth,
  settings: SimulationSettings,
  random: () => number,
): void {
  const logMedian = Math.log(truth.medianOrderValue);
  for (let i = 0; i < settings.journeysPerArmPerDay; i++) {
    group.journeys++;
    if (random() >= truth.conversionRate) continue;
    group.converted++;
    const value = Math.exp(logMedian + settings.orderValueSpread * standardNormal(random));
    group.revenue += value;
    group.revenueSquared += value * value;
  }
}

/** Revenue per journey as a sample: journeys that did not convert spent 0. */
function revenueSample(group: RunningArm): Sample {
  const n = group.journeys;
  const mean = group.revenue / n;
  // Sums of squares are safe here: spends are tens to thousands, n at most a few hundred thousand.
  const variance = Math.max(0, (group.revenueSquared - n * mean * mean) / (n - 1));
  return { n, mean, variance };
}

/** Box–Muller; the one-minus keeps the logarithm away from 0. */
function standardNormal(random: () => number): number {
  const u = 1 - random();
  const v = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

export interface MethodShares {
  /** Share of experiments in which the interval ever excluded zero (either direction). */
  everDeclared: number;
  /** Share whose first declaration was in the arm's favour. */
  armDeclaredBetter: number;
  /** Median day of the first declaration, among those declared; null if none. */
  medianDay: number | null;
}

export interface SimulationSummary {
  experiments: number;
  /** `fixedHorizonDaily` is null when the run did not read them (`readFixedHorizonDaily: false`). */
  conversion: { alwaysValid: MethodShares; fixedHorizonDaily: MethodShares | null };
  revenue: { alwaysValid: MethodShares; fixedHorizonDaily: MethodShares | null };
  fixedHorizonAtPlannedDay: MethodShares | null;
  /** Always-valid conversion: share declared in the arm's favour by the planned day. */
  alwaysValidByPlannedDay: number | null;
}

export function simulateExperiments(settings: SimulationSettings): SimulationSummary {
  const runs: ExperimentRun[] = [];
  for (let e = 0; e < settings.experiments; e++) runs.push(simulateExperiment(settings, e));
  const planned = settings.plannedDay;
  const readDaily = settings.readFixedHorizonDaily ?? true;
  return {
    experiments: runs.length,
    conversion: {
      alwaysValid: shares(runs.map((r) => r.conversion.alwaysValid)),
      fixedHorizonDaily: readDaily ? shares(runs.map((r) => r.conversion.fixedHorizonDaily)) : null,
    },
    revenue: {
      alwaysValid: shares(runs.map((r) => r.revenue.alwaysValid)),
      fixedHorizonDaily: readDaily ? shares(runs.map((r) => r.revenue.fixedHorizonDaily)) : null,
    },
    fixedHorizonAtPlannedDay: planned ? shares(runs.map((r) => r.fixedHorizonAtPlannedDay)) : null,
    alwaysValidByPlannedDay: planned
      ? runs.filter((r) => {
          const first = r.conversion.alwaysValid;
          return first !== null && first.armBetter && first.day <= planned;
        }).length / runs.length
      : null,
  };
}

function shares(firsts: readonly FirstDeclaration[]): MethodShares {
  const declared = firsts.filter((f): f is NonNullable<FirstDeclaration> => f !== null);
  const days = declared.map((f) => f.day).sort((x, y) => x - y);
  return {
    everDeclared: declared.length / firsts.length,
    armDeclaredBetter: declared.filter((f) => f.armBetter).length / firsts.length,
    medianDay: days.length ? days[Math.floor((days.length - 1) / 2)]! : null,
  };
}
