/**
 * Always-valid inference for experiments that are read every day: intervals and p-values for the
 * difference between an arm and the control arm that stay valid however often they are looked at,
 * and a decision that may be acted on at any look.
 *
 * Method: the mixture sequential probability ratio test (mSPRT) with a normal mixing distribution,
 * on the difference of means with plug-in variance, as Optimizely's Stats Engine applies it —
 * R. Johari, P. Koomen, L. Pekelis, D. Walsh, "Always valid inference: continuous monitoring of
 * A/B tests", Operations Research 70(3) (2022) 1806–1821 (arXiv 1512.04922). With θ̂ the observed
 * difference, V its plug-in variance and τ² the mixing variance, the mixture likelihood ratio is
 *     Λ = √(V / (V + τ²)) · exp(τ² θ̂² / (2 V (V + τ²))),
 * the always-valid p-value is 1/Λ and the confidence sequence is {θ : Λ(θ̂ − θ) < 1/α}:
 *     θ̂ ± √( V (V + τ²)/τ² · (ln((V + τ²)/V) + 2 ln(1/α)) ).
 * Here τ² is a fixed multiple of the plug-in variance per journey, chosen so the interval is
 * narrowest at a planned number of journeys. That gives the boundary of the two-sided
 * Gaussian-mixture asymptotic confidence sequence of I. Waudby-Smith, D. Arbour, R. Sinha,
 * E. H. Kennedy, A. Ramdas, "Time-uniform central limit theory and asymptotic confidence
 * sequences" (2021, arXiv 2103.06476), whose theory is what licenses plugging an estimated
 * variance into a bound derived for a known one, for any outcome with a finite variance (revenue
 * too, not only normal data). Like every asymptotic method it is
 * approximate for small groups, hence a minimum number of journeys per arm before any decision.
 *
 * Conversion rates use the variance of Agresti and Caffo's adjusted proportions (one success and
 * one failure added to each arm: A. Agresti, B. Caffo, The American Statistician 54(4) (2000)
 * 280–288), so an arm with 0 or all conversions does not claim a variance of zero.
 */
import { normalQuantile, type Sample } from './statistics.js';

/** The journeys of one arm and how many of them converted (as the report counts them). */
export interface Conversions {
  journeys: number;
  converted: number;
}

export interface SequentialTuning {
  /**
   * Journeys in the two groups compared (arm + control) at which the interval is narrowest. It is
   * valid at every other size too, only wider; plan it as twice `journeysNeededForEffect`'s
   * always-valid figure.
   */
  narrowestAtJourneys: number;
  /** No decision before each of the two groups has this many journeys (the method is asymptotic). */
  minimumJourneysPerArm: number;
}

export const DEFAULT_SEQUENTIAL_TUNING: SequentialTuning = {
  narrowestAtJourneys: 10_000,
  minimumJourneysPerArm: 100,
};

export const ALWAYS_VALID_METHOD =
  'mSPRT, normal mixture, plug-in variance (Johari et al. 2022; Waudby-Smith et al. 2021)';

export interface AlwaysValidInterval {
  /** Arm − control. */
  estimate: number;
  lower: number;
  upper: number;
  /**
   * 1/Λ at this look (at most 1). The experiment's always-valid p-value of "no difference" is the
   * smallest of these over its looks so far (Johari et al.), which the caller keeps.
   */
  pValue: number;
  alpha: number;
}

/**
 * The mixing variance, in units of the plug-in variance V at the planned size, that makes the
 * interval narrowest there: the root of r = ln(1 + r) + 2 ln(1/α) (about 8.2 at α = 0.05, where
 * the interval is then 3.03 standard errors wide each side against the fixed-horizon 1.96).
 */
export function narrowestMixingRatio(alpha: number): number {
  checkAlpha(alpha);
  const twoLogInverseAlpha = 2 * Math.log(1 / alpha);
  let r = twoLogInverseAlpha;
  // A contraction (derivative 1/(1 + r) < 1): converges in a few dozen steps.
  for (let i = 0; i < 200; i++) {
    const next = twoLogInverseAlpha + Math.log1p(r);
    if (Math.abs(next - r) < 1e-14 * next) return next;
    r = next;
  }
  return r;
}

/** Half-width of the confidence sequence, in standard errors, when τ² = ratio · V. */
export function halfWidthInStandardErrors(ratio: number, alpha: number): number {
  return Math.sqrt(((1 + ratio) / ratio) * (Math.log1p(ratio) + 2 * Math.log(1 / alpha)));
}

export function alwaysValidInterval(
  control: Conversions,
  arm: Conversions,
  alpha?: number,
  tuning?: SequentialTuning,
): AlwaysValidInterval;
export function alwaysValidInterval(
  control: Sample,
  arm: Sample,
  alpha?: number,
  tuning?: SequentialTuning,
): AlwaysValidInterval;
/**
 * The always-valid (1 − α) interval and p-value for arm − control: of conversion rates when given
 * `Conversions`, of means (revenue per contact: `summarize` of each journey's revenue) when given
 * `Sample`s. Each group needs at least 2 journeys.
 */
export function alwaysValidInterval(
  control: Conversions | Sample,
  arm: Conversions | Sample,
  alpha = 0.05,
  tuning: SequentialTuning = DEFAULT_SEQUENTIAL_TUNING,
): AlwaysValidInterval {
  checkAlpha(alpha);
  if (isConversions(control) !== isConversions(arm))
    throw new TypeError(
      'alwaysValidInterval: compare conversions with conversions, means with means',
    );
  const a = isConversions(control) ? conversionSample(control) : checkSample(control);
  const b = isConversions(arm) ? conversionSample(arm) : checkSample(arm);
  const interval = mixtureInterval(a, b, alpha, tuning);
  if (!isConversions(control)) return interval;
  // A difference of two rates cannot leave [−1, 1].
  return { ...interval, lower: Math.max(-1, interval.lower), upper: Math.min(1, interval.upper) };
}

function mixtureInterval(
  control: Sample,
  arm: Sample,
  alpha: number,
  tuning: SequentialTuning,
): AlwaysValidInterval {
  const estimate = arm.mean - control.mean;
  const v = control.variance / control.n + arm.variance / arm.n;
  if (v === 0) {
    // Every journey of both groups had the same value: nothing varies, so nothing to infer from.
    return { estimate, lower: estimate, upper: estimate, pValue: estimate === 0 ? 1 : 0, alpha };
  }
  // τ² = r · V_planned, with V_planned = V · n / n_planned for the same allocation between groups.
  const journeys = control.n + arm.n;
  const tauSquared = (narrowestMixingRatio(alpha) * v * journeys) / tuning.narrowestAtJourneys;
  const ratio = tauSquared / v;
  const half = Math.sqrt(v) * halfWidthInStandardErrors(ratio, alpha);
  const logLikelihoodRatio =
    -0.5 * Math.log1p(ratio) + (ratio * estimate * estimate) / (2 * v * (1 + ratio));
  return {
    estimate,
    lower: estimate - half,
    upper: estimate + half,
    pValue: Math.min(1, Math.exp(-logLikelihoodRatio)),
    alpha,
  };
}

/** A conversion rate as a sample of 0s and 1s, with the variance of the adjusted proportion. */
function conversionSample({ journeys, converted }: Conversions): Sample {
  if (!Number.isInteger(journeys) || journeys < 2)
    throw new RangeError(
      `an always-valid interval needs at least 2 journeys per arm, got ${journeys}`,
    );
  if (!Number.isInteger(converted) || converted < 0 || converted > journeys)
    throw new RangeError(
      `converted must be a whole number from 0 to ${journeys}, got ${converted}`,
    );
  const adjusted = (converted + 1) / (journeys + 2);
  return { n: journeys, mean: converted / journeys, variance: adjusted * (1 - adjusted) };
}

function checkSample(sample: Sample): Sample {
  if (sample.n < 2 || !Number.isFinite(sample.variance))
    throw new RangeError(
      `an always-valid interval needs at least 2 journeys per arm, got ${sample.n}`,
    );
  return sample;
}

function isConversions(x: Conversions | Sample): x is Conversions {
  return 'converted' in x;
}

function checkAlpha(alpha: number): void {
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`alpha must be in (0, 1), got ${alpha}`);
}

export type ArmDecision = 'winner' | 'loser' | 'keep_going';

/** One arm's figures for a decision: conversions, or per-journey revenue summarized. */
export interface ArmOutcome<T extends Conversions | Sample> {
  name: string;
  outcome: T;
}

export interface ArmVerdict {
  arm: string;
  decision: ArmDecision;
  reason: string;
  /** Against the control, at the corrected α; null while either group is below the minimum. */
  interval: AlwaysValidInterval | null;
}

export interface ExperimentVerdict {
  /** The arm that beats the control and every other arm; null while there is none. */
  winner: string | null;
  reason: string;
  /** α shared out (Bonferroni) over every pair of groups: α / (k(k − 1)/2) for k groups. */
  alphaPerComparison: number;
  arms: ArmVerdict[];
}

/** The confidence of an interval at `alpha`, as the reports write it: "95%", "98.33%". */
export function confidenceLevel(alpha: number): string {
  return `${round((1 - alpha) * 100, 2)}%`;
}

const journeysOf = (x: Conversions | Sample): number => (isConversions(x) ? x.journeys : x.n);

/**
 * Decides an experiment at this look. An arm is the winner only when its always-valid interval
 * lies above zero against the control and against every other arm; a loser when its interval
 * against the control lies below zero (the control is better); otherwise keep going. With k groups
 * (control included) α is split over the k(k − 1)/2 pairs, so the chance that any decision is
 * wrong stays ≤ α (asymptotically) however often the experiment is read.
 */
export function decideExperiment<T extends Conversions | Sample>(
  control: ArmOutcome<T>,
  arms: readonly ArmOutcome<T>[],
  alpha = 0.05,
  tuning: SequentialTuning = DEFAULT_SEQUENTIAL_TUNING,
): ExperimentVerdict {
  checkAlpha(alpha);
  if (arms.length === 0)
    throw new RangeError('an experiment needs at least one arm beside the control');
  const groups = arms.length + 1;
  const alphaPerComparison = alpha / ((groups * (groups - 1)) / 2);
  const compare = (base: T, other: T) =>
    // The overloads need the two sides to be of one kind, which T guarantees.
    alwaysValidInterval(base as Conversions, other as Conversions, alphaPerComparison, tuning);
  const tooSmall = (g: ArmOutcome<T>) => journeysOf(g.outcome) < tuning.minimumJourneysPerArm;
  const level = confidenceLevel(alphaPerComparison);

  const verdicts: ArmVerdict[] = arms.map((arm) => {
    const small = [control, arm].filter(tooSmall);
    if (small.length > 0)
      return {
        arm: arm.name,
        decision: 'keep_going',
        reason: `too few journeys: ${small.map((g) => `${g.name} has ${journeysOf(g.outcome)}`).join(', ')} (at least ${tuning.minimumJourneysPerArm} per arm before any decision)`,
        interval: null,
      };
    const interval = compare(control.outcome, arm.outcome);
    const range = `${level} always-valid interval ${formatRange(interval)}`;
    if (interval.lower > 0)
      return {
        arm: arm.name,
        decision: 'keep_going',
        reason: `beats ${control.name} (${range} lies above zero)`,
        interval,
      };
    if (interval.upper < 0)
      return {
        arm: arm.name,
        decision: 'loser',
        reason: `worse than ${control.name}: ${range} lies below zero`,
        interval,
      };
    return {
      arm: arm.name,
      decision: 'keep_going',
      reason: `no difference from ${control.name} yet: ${range} contains zero`,
      interval,
    };
  });

  const beatingControl = verdicts.filter((v) => v.interval && v.interval.lower > 0);
  let winner: string | null = null;
  for (const candidate of beatingControl) {
    const rivals = arms.filter((a) => a.name !== candidate.arm);
    const own = arms.find((a) => a.name === candidate.arm)!;
    const unresolved = rivals.filter(
      (rival) => tooSmall(rival) || !(compare(rival.outcome, own.outcome).lower > 0),
    );
    if (unresolved.length === 0) {
      winner = candidate.arm;
      candidate.decision = 'winner';
      candidate.reason = `winner: ${candidate.reason}${rivals.length ? ' and every other arm' : ''}`;
    } else {
      candidate.reason += `, but is not yet shown better than ${unresolved.map((r) => r.name).join(', ')}`;
    }
  }

  let reason: string;
  if (winner) reason = `${winner} wins`;
  else if (verdicts.every((v) => v.decision === 'loser'))
    reason = `${control.name} wins: every arm is worse than it`;
  else if (beatingControl.length > 1)
    reason = `${beatingControl.map((v) => v.arm).join(' and ')} beat ${control.name}; keep going to tell them apart`;
  else if (beatingControl.length === 1)
    reason = `${beatingControl[0]!.arm} beats ${control.name} but not yet every other arm; keep going`;
  else if (verdicts.some((v) => v.interval === null)) reason = 'keep going: too few journeys yet';
  else reason = 'keep going: no arm differs from the control yet';
  return { winner, reason, alphaPerComparison, arms: verdicts };
}

function formatRange(interval: AlwaysValidInterval): string {
  return `[${round(interval.lower, 4)}, ${round(interval.upper, 4)}]`;
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

export interface JourneysNeeded {
  /** Per arm, for one look at the end: the classic two-proportion z-test (Fleiss, no continuity correction). */
  fixedHorizon: number;
  /**
   * Per arm, for the always-valid interval read at every look, with τ tuned to be narrowest at
   * this very size: the size at which the interval of that look alone lies above zero with
   * probability `power`. Earlier looks can only add to the chance of having stopped by then, so
   * this is an upper bound (conservative), not an exact figure.
   */
  alwaysValid: number;
}

/**
 * Journeys per arm needed to find an absolute uplift `minimumDetectableEffect` in a conversion
 * rate `baselineRate` (e.g. 0.05 and 0.01: from 5% to 6%), two-sided α, with probability `power`.
 */
export function journeysNeededForEffect(
  baselineRate: number,
  minimumDetectableEffect: number,
  alpha = 0.05,
  power = 0.8,
): JourneysNeeded {
  checkAlpha(alpha);
  const treatedRate = baselineRate + minimumDetectableEffect;
  if (!(baselineRate > 0 && baselineRate < 1 && treatedRate > 0 && treatedRate < 1))
    throw new RangeError(
      `baseline ${baselineRate} and baseline + effect ${treatedRate} must both be rates in (0, 1)`,
    );
  if (minimumDetectableEffect === 0)
    throw new RangeError('the minimum detectable effect cannot be 0');
  if (!(power > 0 && power < 1)) throw new RangeError(`power must be in (0, 1), got ${power}`);
  const zAlpha = normalQuantile(1 - alpha / 2);
  const zPower = normalQuantile(power);
  const pooled = (baselineRate + treatedRate) / 2;
  const spread = baselineRate * (1 - baselineRate) + treatedRate * (1 - treatedRate);
  const effect2 = minimumDetectableEffect ** 2;
  const fixedHorizon =
    (zAlpha * Math.sqrt(2 * pooled * (1 - pooled)) + zPower * Math.sqrt(spread)) ** 2 / effect2;
  // At its planned size the interval reaches c standard errors each side: detected when
  // effect − c·SE ≥ z_power·SE, SE² = spread / n.
  const c = halfWidthInStandardErrors(narrowestMixingRatio(alpha), alpha);
  const alwaysValid = ((c + zPower) ** 2 * spread) / effect2;
  return { fixedHorizon: Math.ceil(fixedHorizon), alwaysValid: Math.ceil(alwaysValid) };
}
