/**
 * The BG/NBD forecast against values computed outside Boomerang's code at 60 digits
 * (scripts/bgnbd_reference.py, with mpmath; two independent formulas per case): the five
 * reproductions of issue 14, typical fits, and the corners of the parameter space.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  expectedPurchases,
  probabilityAlive,
  type BgNbdParams,
} from '../../../src/domain/indicators/bgnbd.js';
import { mulberry32 } from './simulate.js';

interface ReferenceCase {
  name: string;
  params: BgNbdParams;
  t: number;
  x: number;
  tx: number;
  T: number;
  expected: number;
  pAlive: number;
}

const fixture = JSON.parse(
  readFileSync(new URL('../../fixtures/bgnbd-reference.json', import.meta.url), 'utf8'),
) as { cases: ReferenceCase[] };

/** 1e-9 relative, or a few units of the last place where the value is near a double's limit. */
const TOLERANCE = 1e-9;

/** Relative error; 0 when both are 0 (values below a double's range, e.g. P(alive) ~ 1e-1000). */
function relativeError(actual: number, expected: number): number {
  if (expected === 0) return actual === 0 ? 0 : Infinity;
  return Math.abs(actual - expected) / Math.abs(expected);
}

const label = (c: ReferenceCase) => `${c.name} x=${c.x} tx=${c.tx} T=${c.T} t=${c.t}`;

describe('expectedPurchases against 60-digit references', () => {
  it('reproduces the five failures reported in issue 14', () => {
    const issue = fixture.cases.filter((c) => c.name.startsWith('issue:'));
    expect(issue.length).toBe(6);
    for (const c of issue) {
      const value = expectedPurchases(c.params, c.t, c.x, c.tx, c.T);
      expect(
        relativeError(value, c.expected),
        `${label(c)}: ${value} vs ${c.expected}`,
      ).toBeLessThan(TOLERANCE);
    }
    // The values the issue quotes, to the digits it quotes them.
    const byName = (name: string) => fixture.cases.find((c) => c.name === name)!;
    expect(byName('issue: a=b=1000').expected).toBeCloseTo(0.497836, 6);
    expect(byName('issue: r=1e4 alpha=3e5 a~1').expected).toBeCloseTo(12.615, 3);
  });

  it(`is within ${TOLERANCE} relative of every reference case (typical fits and corners)`, () => {
    expect(fixture.cases.length).toBeGreaterThan(200);
    const failures: string[] = [];
    for (const c of fixture.cases) {
      const value = expectedPurchases(c.params, c.t, c.x, c.tx, c.T);
      if (!(relativeError(value, c.expected) < TOLERANCE)) {
        failures.push(
          `${label(c)} r=${c.params.r} α=${c.params.alpha} a=${c.params.a} b=${c.params.b}: ${value} vs ${c.expected}`,
        );
      }
    }
    expect(failures).toEqual([]);
  });

  it('gives P(alive) in [0, 1], equal to the reference, and a finite non-negative forecast', () => {
    for (const c of fixture.cases) {
      const alive = probabilityAlive(c.params, c.x, c.tx, c.T);
      expect(alive).toBeGreaterThanOrEqual(0);
      expect(alive).toBeLessThanOrEqual(1);
      if (c.pAlive > 1e-300) expect(relativeError(alive, c.pAlive)).toBeLessThan(1e-12);
      const value = expectedPurchases(c.params, c.t, c.x, c.tx, c.T);
      expect(Number.isFinite(value) && value >= 0, label(c)).toBe(true);
    }
  });

  it('stays finite, non-negative and increasing in t, with P(alive) in [0, 1], across random fits', () => {
    const rng = mulberry32(14);
    const logUniform = (lo: number, hi: number) =>
      Math.exp(Math.log(lo) + rng() * Math.log(hi / lo));
    const problems: string[] = [];
    for (let i = 0; i < 400; i++) {
      const params = {
        r: logUniform(1e-3, 1e4),
        alpha: logUniform(1e-3, 1e5),
        a: logUniform(1e-2, 1e3),
        b: logUniform(1e-2, 1e8),
      };
      const T = Math.floor(rng() * 7300);
      const x = Math.floor(logUniform(1, 10_001)) - 1;
      const tx = x === 0 ? 0 : Math.floor(rng() * T);
      const alive = probabilityAlive(params, x, tx, T);
      const short = expectedPurchases(params, 30, x, tx, T);
      const long = expectedPurchases(params, 365, x, tx, T);
      const ok = alive >= 0 && alive <= 1 && short >= 0 && Number.isFinite(long) && long >= short;
      if (!ok)
        problems.push(
          `${JSON.stringify(params)} x=${x} tx=${tx} T=${T}: ${alive} ${short} ${long}`,
        );
    }
    expect(problems).toEqual([]);
  });
});
