/**
 * The experiments of a flow campaign in its report: per arm the journeys, conversions and revenue
 * (the report's attribution), each arm against the control with today's fixed-horizon intervals
 * beside always-valid ones (domain/reports/sequential.ts), the decision and its reason, the
 * journeys per arm a minimum detectable effect needs, and the always-valid conversion interval
 * after every day, for the plot. Held-out journeys are left out: they were sent nothing.
 */
import type { Transaction } from 'kysely';
import { armEntries } from '../db/experiments.js';
import type { Scope } from '../db/reports.js';
import type { Database } from '../db/schema.js';
import type { CampaignDefinition } from '../domain/campaigns/definition.js';
import type { FlowCampaign } from '../domain/flows/definition.js';
import { type FlowExperiment, flowExperiments } from '../domain/flows/experiments.js';
import type { JourneyAttribution } from '../domain/reports/attribution.js';
import {
  ALWAYS_VALID_METHOD,
  type AlwaysValidInterval,
  alwaysValidInterval,
  type ArmDecision,
  decideExperiment,
  DEFAULT_SEQUENTIAL_TUNING,
  type JourneysNeeded,
  journeysNeededForEffect,
} from '../domain/reports/sequential.js';
import { summarize } from '../domain/reports/statistics.js';
import {
  compareControlGroups,
  type GroupFigures,
  type UpliftEstimate,
} from '../domain/reports/uplift.js';

/** The error rate of an experiment's decisions, shared out over its pairs of arms. */
export const EXPERIMENT_ALPHA = 0.05;

export interface ExperimentArm {
  name: string;
  isControl: boolean;
  figures: GroupFigures;
  decision: ArmDecision | 'control';
  reason: string;
  /** Against the control; null for the control itself. */
  vsControl: {
    conversionRate: ArmComparison;
    revenuePerContact: ArmComparison;
  } | null;
}

export interface ArmComparison {
  /** Today's 95% interval, valid for one look at a planned size. */
  fixedHorizon: UpliftEstimate;
  /** Valid at every look, at the experiment's α per comparison; null below 2 journeys a group. */
  alwaysValid: AlwaysValidInterval | null;
  /** The smallest always-valid p-value over the daily looks so far (Johari et al.). */
  alwaysValidPValue: number | null;
}

export interface ExperimentDay {
  /** YYYY-MM-DD in the shop's time zone: figures as of the end of that day. */
  date: string;
  arms: {
    name: string;
    journeys: number;
    converted: number;
    /** Arm − control conversion rate, always-valid; null for the control or below 2 journeys. */
    interval: { estimate: number; lower: number; upper: number } | null;
  }[];
}

export interface ExperimentResult {
  node: string;
  type: FlowExperiment['type'];
  control: string;
  /** The arm every new journey takes since the experiment was concluded; null while it runs. */
  concludedFor: string | null;
  autoConclude: boolean;
  method: string;
  alpha: number;
  alphaPerComparison: number;
  /** Decided on the conversion rate; the winner beats the control and every other arm. */
  decision: { winner: string | null; reason: string };
  arms: ExperimentArm[];
  /** For the experiment's minimum detectable effect over the control's conversion rate so far. */
  journeysNeeded:
    | (JourneysNeeded & {
        minimumDetectableEffect: number;
        baselineRate: number;
        /** More journeys the smallest arm needs before the always-valid figure. */
        morePerArm: number;
      })
    | null;
  daily: ExperimentDay[];
}

/** The experiments of a campaign (flows only; other kinds have none). */
export async function experimentResults(
  db: Transaction<Database>,
  scope: Scope,
  campaign: CampaignDefinition,
  attributed: readonly JourneyAttribution[],
  timeZone: string,
): Promise<ExperimentResult[]> {
  if ((campaign.kind as string) !== 'flow') return [];
  const experiments = flowExperiments(campaign as unknown as FlowCampaign);
  const entries = await armEntries(
    db,
    scope,
    experiments.map((e) => e.node),
  );
  const byJourney = new Map(attributed.map((a) => [a.journey.workflowId, a]));
  return experiments.map((experiment) => {
    const taken = entries
      .filter((e) => e.step === experiment.node && experiment.arms.includes(e.arm))
      .flatMap((e) => {
        const journey = byJourney.get(e.workflow_id);
        return journey && !journey.journey.holdout ? [{ ...e, journey }] : [];
      });
    return experimentResult(experiment, taken, timeZone);
  });
}

interface ArmJourney {
  arm: string;
  entered_at: Date;
  journey: JourneyAttribution;
}

function experimentResult(
  experiment: FlowExperiment,
  taken: ArmJourney[],
  timeZone: string,
): ExperimentResult {
  const of = (arm: string) => taken.filter((t) => t.arm === arm).map((t) => t.journey);
  const control = of(experiment.control);
  const others = experiment.arms.filter((a) => a !== experiment.control);
  const daily = dailyLooks(experiment, taken, timeZone);
  const conversions = (journeys: JourneyAttribution[]) => ({
    journeys: journeys.length,
    converted: journeys.filter((j) => j.converted).length,
  });
  const verdict = decideExperiment(
    { name: experiment.control, outcome: conversions(control) },
    others.map((name) => ({ name, outcome: conversions(of(name)) })),
    EXPERIMENT_ALPHA,
  );
  const alpha = verdict.alphaPerComparison;

  const arms: ExperimentArm[] = experiment.arms.map((name) => {
    const journeys = of(name);
    // compareControlGroups compares "treated" with "held out": here the arm with the control.
    const pair = compareControlGroups(
      [
        ...journeys.map((j) => ({ ...j, journey: { ...j.journey, holdout: false } })),
        ...control.map((j) => ({ ...j, journey: { ...j.journey, holdout: true } })),
      ],
      0.95,
      `no journeys in the control arm "${experiment.control}" yet`,
    );
    if (name === experiment.control)
      return {
        name,
        isControl: true,
        figures: pair.heldOut,
        decision: 'control',
        reason: 'the arm the others are compared with',
        vsControl: null,
      };
    const armVerdict = verdict.arms.find((v) => v.arm === name)!;
    const enough = journeys.length >= 2 && control.length >= 2;
    const smallestP = Math.min(
      ...daily.flatMap((d) => d.pValues.filter((p) => p.name === name).map((p) => p.pValue)),
    );
    return {
      name,
      isControl: false,
      figures: pair.treated,
      decision: armVerdict.decision,
      reason: armVerdict.reason,
      vsControl: {
        conversionRate: {
          fixedHorizon: pair.conversionRateUplift,
          alwaysValid: enough
            ? alwaysValidInterval(conversions(control), conversions(journeys), alpha)
            : null,
          alwaysValidPValue: Number.isFinite(smallestP) ? smallestP : null,
        },
        revenuePerContact: {
          fixedHorizon: pair.revenuePerContactUplift,
          alwaysValid: enough
            ? alwaysValidInterval(
                summarize(control.map((j) => j.revenue)),
                summarize(journeys.map((j) => j.revenue)),
                alpha,
              )
            : null,
          alwaysValidPValue: null,
        },
      },
    };
  });

  return {
    node: experiment.node,
    type: experiment.type,
    control: experiment.control,
    concludedFor: experiment.settings.winner ?? null,
    autoConclude: experiment.settings.autoConclude,
    method: ALWAYS_VALID_METHOD,
    alpha: EXPERIMENT_ALPHA,
    alphaPerComparison: alpha,
    decision: { winner: verdict.winner, reason: verdict.reason },
    arms,
    journeysNeeded: journeysNeeded(experiment, arms),
    daily: daily.map(({ date, arms: dayArms }) => ({ date, arms: dayArms })),
  };
}

function journeysNeeded(
  experiment: FlowExperiment,
  arms: ExperimentArm[],
): ExperimentResult['journeysNeeded'] {
  const control = arms.find((a) => a.isControl)!.figures;
  const mde = experiment.settings.minimumDetectableEffect;
  // Before the control has converted anyone its rate is no baseline to plan with.
  const baseline = control.conversionRate;
  if (baseline === null || baseline <= 0 || baseline + mde >= 1) return null;
  const needed = journeysNeededForEffect(baseline, mde, EXPERIMENT_ALPHA);
  const smallest = Math.min(...arms.map((a) => a.figures.journeys));
  return {
    ...needed,
    minimumDetectableEffect: mde,
    baselineRate: baseline,
    morePerArm: Math.max(0, needed.alwaysValid - smallest),
  };
}

/**
 * The experiment as it stood at the end of each day on which a journey took an arm or converted:
 * cumulative journeys and conversions per arm (a journey converts on the day of its first
 * attributed order), and each arm's always-valid interval against the control at that look.
 */
function dailyLooks(
  experiment: FlowExperiment,
  taken: ArmJourney[],
  timeZone: string,
): (ExperimentDay & { pValues: { name: string; pValue: number }[] })[] {
  const day = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  });
  const events = taken.map((t) => {
    const firstOrder = Math.min(...t.journey.orders.map((o) => o.placedAt.getTime()));
    return {
      arm: t.arm,
      entered: day.format(t.entered_at),
      converted: t.journey.converted ? day.format(new Date(firstOrder)) : null,
    };
  });
  const dates = [
    ...new Set(events.flatMap((e) => (e.converted ? [e.entered, e.converted] : [e.entered]))),
  ].sort();
  const alpha = EXPERIMENT_ALPHA / ((experiment.arms.length * (experiment.arms.length - 1)) / 2);
  return dates.map((date) => {
    const counts = (arm: string) => {
      const mine = events.filter((e) => e.arm === arm && e.entered <= date);
      return {
        journeys: mine.length,
        converted: mine.filter((e) => e.converted !== null && e.converted <= date).length,
      };
    };
    const control = counts(experiment.control);
    const pValues: { name: string; pValue: number }[] = [];
    const arms = experiment.arms.map((name) => {
      const c = counts(name);
      if (name === experiment.control || c.journeys < 2 || control.journeys < 2)
        return { name, ...c, interval: null };
      const interval = alwaysValidInterval(control, c, alpha, DEFAULT_SEQUENTIAL_TUNING);
      pValues.push({ name, pValue: interval.pValue });
      const { estimate, lower, upper } = interval;
      return { name, ...c, interval: { estimate, lower, upper } };
    });
    return { date, arms, pValues };
  });
}

/**
 * The campaign holdout's uplift (treated − held out) as always-valid intervals at α = 0.05,
 * beside the fixed-horizon ones of `compareControlGroups`; null below 2 journeys a group.
 */
export function alwaysValidHoldoutUplift(attributed: readonly JourneyAttribution[]): {
  conversionRate: AlwaysValidInterval | null;
  revenuePerContact: AlwaysValidInterval | null;
  method: string;
} {
  const treated = attributed.filter((a) => !a.journey.holdout);
  const heldOut = attributed.filter((a) => a.journey.holdout);
  const enough = treated.length >= 2 && heldOut.length >= 2;
  const conversions = (js: JourneyAttribution[]) => ({
    journeys: js.length,
    converted: js.filter((j) => j.converted).length,
  });
  const revenue = (js: JourneyAttribution[]) => summarize(js.map((j) => j.revenue));
  return {
    conversionRate: enough
      ? alwaysValidInterval(conversions(heldOut), conversions(treated), EXPERIMENT_ALPHA)
      : null,
    revenuePerContact: enough
      ? alwaysValidInterval(revenue(heldOut), revenue(treated), EXPERIMENT_ALPHA)
      : null,
    method: ALWAYS_VALID_METHOD,
  };
}
