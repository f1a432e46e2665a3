import { describe, expect, it } from 'vitest';
import {
  alwaysValidInterval,
  decideExperiment,
  halfWidthInStandardErrors,
  journeysNeededForEffect,
  narrowestMixingRatio,
  type SequentialTuning,
} from '../../../src/domain/reports/sequential.js';
import {
  simulateExperiments,
  type SimulationSettings,
} from '../../../src/domain/reports/sequential-simulation.js';
import { newcombeDifferenceInterval } from '../../../src/domain/reports/statistics.js';
import { mulberry32 } from '../indicators/simulate.js';

const tuning: SequentialTuning = { narrowestAtJourneys: 2000, minimumJourneysPerArm: 100 };

describe('the always-valid interval (mSPRT, normal mixture)', () => {
  // By hand, α = 0.05: r solves r = ln(1 + r) + 2 ln 20, r = 8.211968; at the planned size τ² = r·V
  // and the half-width is √V · √((1 + r)/r · (ln(1 + r) + 2 ln 20)) = 3.035122 √V.
  it('tunes the mixture to be narrowest at the planned size', () => {
    expect(narrowestMixingRatio(0.05)).toBeCloseTo(8.211968062068253, 10);
    expect(halfWidthInStandardErrors(narrowestMixingRatio(0.05), 0.05)).toBeCloseTo(3.035122413, 8);
    // Any other mixing variance gives a wider interval at that size.
    for (const r of [1, 4, 7, 10, 30])
      expect(halfWidthInStandardErrors(r, 0.05)).toBeGreaterThan(3.035122413);
  });

  it('matches a hand computation for conversion rates', () => {
    // 100/1000 vs 130/1000: adjusted rates 101/1002 and 131/1002, so
    // V = (0.100798·0.899202 + 0.130739·0.869261)/1000 = 2.042840e-4, θ̂ = 0.03,
    // half-width 3.035122·√V = 0.043380; Λ = (1 + r)^(−½) · exp(r θ̂² / (2V(1 + r))), p = 1/Λ.
    const ci = alwaysValidInterval(
      { journeys: 1000, converted: 100 },
      { journeys: 1000, converted: 130 },
      0.05,
      tuning,
    );
    expect(ci.estimate).toBeCloseTo(0.03, 12);
    expect(ci.lower).toBeCloseTo(-0.013380388582625, 10);
    expect(ci.upper).toBeCloseTo(0.073380388582625, 10);
    expect(ci.pValue).toBeCloseTo(0.425947974156575, 10);
    // Today's fixed-horizon interval already calls this a win; the always-valid one does not yet.
    expect(newcombeDifferenceInterval(130, 1000, 100, 1000).low).toBeGreaterThan(0);
  });

  it('is wider away from its planned size, and still valid there', () => {
    // Planned at 8,000 journeys, read at 2,000: τ² = r/4 · V.
    const ci = alwaysValidInterval(
      { journeys: 1000, converted: 100 },
      { journeys: 1000, converted: 130 },
      0.05,
      { ...tuning, narrowestAtJourneys: 8000 },
    );
    expect(ci.lower).toBeCloseTo(-0.01646730783045223, 10);
    expect(ci.upper).toBeCloseTo(0.07646730783045222, 10);
    expect(ci.pValue).toBeCloseTo(0.3972349109077966, 10);
  });

  it('excludes zero, with a small p-value, for a large difference', () => {
    const ci = alwaysValidInterval(
      { journeys: 1000, converted: 100 },
      { journeys: 1000, converted: 170 },
      0.05,
      tuning,
    );
    expect(ci.lower).toBeCloseTo(0.023753221021541, 10);
    expect(ci.upper).toBeCloseTo(0.116246778978459, 10);
    expect(ci.pValue).toBeCloseTo(0.000249330516141, 12);
    expect(ci.pValue).toBeLessThan(0.05);
  });

  it('compares revenue per contact as a difference of means', () => {
    // V = 400/500 + 600/400 = 2.3, θ̂ = 2, half-width 3.035122·√2.3 = 4.602991; p = 1/Λ is above 1.
    const ci = alwaysValidInterval(
      { n: 500, mean: 3, variance: 400 },
      { n: 400, mean: 5, variance: 600 },
      0.05,
      { ...tuning, narrowestAtJourneys: 900 },
    );
    expect(ci.lower).toBeCloseTo(-2.602991043088937, 10);
    expect(ci.upper).toBeCloseTo(6.602991043088937, 10);
    expect(ci.pValue).toBe(1);
  });

  it('does not claim certainty from an arm with no conversions, and refuses nonsense', () => {
    const none = alwaysValidInterval(
      { journeys: 200, converted: 0 },
      { journeys: 200, converted: 0 },
    );
    expect(none.lower).toBeLessThan(0);
    expect(none.upper).toBeGreaterThan(0);
    expect(none.pValue).toBe(1);
    expect(() =>
      alwaysValidInterval({ journeys: 1, converted: 0 }, { journeys: 5, converted: 1 }),
    ).toThrow(RangeError);
    expect(() =>
      alwaysValidInterval({ journeys: 5, converted: 6 }, { journeys: 5, converted: 1 }),
    ).toThrow(RangeError);
    expect(() =>
      alwaysValidInterval({ journeys: 5, converted: 1 }, { journeys: 5, converted: 1 }, 0),
    ).toThrow(RangeError);
  });
});

describe('deciding an experiment', () => {
  const conv = (name: string, journeys: number, converted: number) => ({
    name,
    outcome: { journeys, converted },
  });

  it('keeps going while an arm is below the minimum, whatever its figures', () => {
    const verdict = decideExperiment(conv('control', 50, 0), [conv('B', 50, 40)], 0.05, tuning);
    expect(verdict.winner).toBeNull();
    expect(verdict.arms[0]).toMatchObject({ decision: 'keep_going', interval: null });
    expect(verdict.arms[0]!.reason).toMatch(/too few journeys: control has 50, B has 50/);
  });

  it('declares a winner only when its interval lies above zero', () => {
    const notYet = decideExperiment(
      conv('control', 1000, 100),
      [conv('B', 1000, 130)],
      0.05,
      tuning,
    );
    expect(notYet.winner).toBeNull();
    expect(notYet.arms[0]!.decision).toBe('keep_going');
    expect(notYet.arms[0]!.reason).toMatch(/contains zero/);

    const won = decideExperiment(conv('control', 1000, 100), [conv('B', 1000, 170)], 0.05, tuning);
    expect(won.winner).toBe('B');
    expect(won.arms[0]!.decision).toBe('winner');
    expect(won.reason).toBe('B wins');
    expect(won.arms[0]!.interval!.lower).toBeGreaterThan(0);
  });

  it('calls an arm worse than the control a loser', () => {
    const verdict = decideExperiment(
      conv('control', 1000, 170),
      [conv('B', 1000, 100)],
      0.05,
      tuning,
    );
    expect(verdict.winner).toBeNull();
    expect(verdict.arms[0]!.decision).toBe('loser');
    expect(verdict.reason).toBe('control wins: every arm is worse than it');
  });

  it('with three arms shares α over the pairs and names a winner only once it beats the other arm too', () => {
    const close = decideExperiment(
      conv('control', 2000, 200),
      [conv('B', 2000, 330), conv('C', 2000, 320)],
      0.05,
      { ...tuning, narrowestAtJourneys: 4000 },
    );
    expect(close.alphaPerComparison).toBeCloseTo(0.05 / 3, 15);
    expect(close.winner).toBeNull();
    expect(close.reason).toBe('B and C beat control; keep going to tell them apart');

    const clear = decideExperiment(
      conv('control', 2000, 200),
      [conv('B', 2000, 400), conv('C', 2000, 260)],
      0.05,
      { ...tuning, narrowestAtJourneys: 4000 },
    );
    expect(clear.winner).toBe('B');
    expect(clear.arms.map((a) => a.decision)).toEqual(['winner', 'keep_going']);
    expect(clear.arms[0]!.reason).toMatch(
      /^winner: beats control \(98\.33% always-valid interval \[0\.0\d+, 0\.1\d+\] lies above zero\) and every other arm$/,
    );

    const oneAhead = decideExperiment(
      conv('control', 2000, 200),
      [conv('B', 2000, 330), conv('C', 2000, 260)],
      0.05,
      { ...tuning, narrowestAtJourneys: 4000 },
    );
    expect(oneAhead.winner).toBeNull();
    expect(oneAhead.reason).toBe('B beats control but not yet every other arm; keep going');
    expect(oneAhead.arms[0]!.reason).toMatch(/is not yet shown better than C$/);
  });

  it('decides on revenue per contact as well', () => {
    const verdict = decideExperiment(
      { name: 'control', outcome: { n: 5000, mean: 3, variance: 400 } },
      [{ name: 'B', outcome: { n: 5000, mean: 5, variance: 450 } }],
      0.05,
      { ...tuning, narrowestAtJourneys: 10_000 },
    );
    expect(verdict.winner).toBe('B');
  });
});

describe('journeys needed for an effect', () => {
  it('gives the fixed-horizon size of the two-proportion z-test and the larger always-valid one', () => {
    // 5% → 6%, two-sided 5%, 80% power: (1.959964·√(2·0.055·0.945) + 0.841621·√(0.0475 + 0.0564))² / 0.01²
    // = 8157.7; always-valid (3.035122 + 0.841621)² · 0.1039 / 0.01² = 15615.3.
    expect(journeysNeededForEffect(0.05, 0.01, 0.05, 0.8)).toEqual({
      fixedHorizon: 8158,
      alwaysValid: 15616,
    });
    // A smaller effect needs more journeys; a lower effect works the same way.
    expect(journeysNeededForEffect(0.05, 0.005).fixedHorizon).toBeGreaterThan(30_000);
    expect(journeysNeededForEffect(0.06, -0.01).fixedHorizon).toBe(8158);
    expect(() => journeysNeededForEffect(0.05, 0)).toThrow(RangeError);
    expect(() => journeysNeededForEffect(0.99, 0.02)).toThrow(RangeError);
  });
});

describe('simulated experiments read every day (seeded)', () => {
  const base: Omit<SimulationSettings, 'arm' | 'random'> = {
    experiments: 200,
    days: 60,
    journeysPerArmPerDay: 50,
    control: { conversionRate: 0.05, medianOrderValue: 50 },
    orderValueSpread: 0.8,
    alpha: 0.05,
    tuning: { narrowestAtJourneys: 3000, minimumJourneysPerArm: 100 },
  };

  it('A/A: the always-valid intervals keep their 5%, the daily fixed-horizon ones do not', () => {
    const aa = simulateExperiments({
      ...base,
      arm: base.control,
      random: (e) => mulberry32(7000 + e),
    });
    expect(aa.experiments).toBe(200);
    // 5% of 200 is 10 experiments; the binomial's sd there is about 3.
    expect(aa.conversion.alwaysValid.everDeclared).toBeLessThanOrEqual(0.05);
    expect(aa.revenue.alwaysValid.everDeclared).toBeLessThanOrEqual(0.05);
    expect(aa.conversion.fixedHorizonDaily!.everDeclared).toBeGreaterThan(0.2);
    expect(aa.revenue.fixedHorizonDaily!.everDeclared).toBeGreaterThan(0.2);
  });

  it('finds a true large uplift, and the fixed-horizon test read once finds it as often as planned', () => {
    const needed = journeysNeededForEffect(0.05, 0.04, 0.05, 0.8);
    const plannedDay = Math.ceil(needed.fixedHorizon / base.journeysPerArmPerDay);
    const ab = simulateExperiments({
      ...base,
      arm: { conversionRate: 0.09, medianOrderValue: 50 },
      tuning: { ...base.tuning, narrowestAtJourneys: 2 * needed.alwaysValid },
      plannedDay,
      readFixedHorizonDaily: false,
      random: (e) => mulberry32(9000 + e),
    });
    expect(ab.conversion.alwaysValid.armDeclaredBetter).toBeGreaterThan(0.95);
    expect(ab.conversion.alwaysValid.everDeclared).toBe(
      ab.conversion.alwaysValid.armDeclaredBetter,
    );
    expect(ab.fixedHorizonAtPlannedDay!.armDeclaredBetter).toBeGreaterThan(0.7);
    expect(ab.fixedHorizonAtPlannedDay!.armDeclaredBetter).toBeLessThan(0.9);
    expect(ab.revenue.alwaysValid.armDeclaredBetter).toBeGreaterThan(0.5);
    expect(ab.conversion.fixedHorizonDaily).toBeNull();
  });

  it('is deterministic: the same seed gives the same figures', () => {
    const settings = {
      ...base,
      experiments: 50,
      arm: { conversionRate: 0.07, medianOrderValue: 50 },
      readFixedHorizonDaily: false,
      random: (e: number) => mulberry32(e),
    };
    const first = simulateExperiments(settings);
    expect(first.conversion.alwaysValid.medianDay).not.toBeNull();
    expect(simulateExperiments(settings)).toEqual(first);
    expect(simulateExperiments({ ...settings, random: (e) => mulberry32(100 + e) })).not.toEqual(
      first,
    );
  });
});
