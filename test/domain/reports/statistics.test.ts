import { describe, expect, it } from 'vitest';
import {
  incompleteBeta,
  newcombeDifferenceInterval,
  normalCdf,
  normalQuantile,
  studentTCdf,
  studentTQuantile,
  summarize,
  twoSidedZ,
  welchDifferenceInterval,
  wilsonInterval,
} from '../../../src/domain/reports/statistics.js';

const round4 = (x: number) => Math.round(x * 1e4) / 1e4;

describe('normal and Student t quantiles', () => {
  it('match tabulated values', () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963984540054, 12);
    expect(twoSidedZ(0.95)).toBeCloseTo(1.959963984540054, 12);
    expect(twoSidedZ(0.9)).toBeCloseTo(1.644853626951472, 12);
    expect(normalQuantile(0.995)).toBeCloseTo(2.575829303548901, 11);
    expect(normalQuantile(0.025)).toBeCloseTo(-1.959963984540054, 12);
    expect(normalQuantile(1e-10)).toBeCloseTo(-6.361340902404056, 8);
    expect(normalCdf(1.96)).toBeCloseTo(0.9750021048517795, 12);
    expect(normalCdf(0)).toBe(0.5);
    // t_{0.975, df}: 12.7062 (1), 4.3027 (2), 2.2281 (10), 2.0423 (30), 1.9840 (100)
    expect(studentTQuantile(0.975, 1)).toBeCloseTo(12.706204736174703, 8);
    expect(studentTQuantile(0.975, 2)).toBeCloseTo(4.302652729749464, 9);
    expect(studentTQuantile(0.975, 10)).toBeCloseTo(2.228138851986274, 10);
    expect(studentTQuantile(0.975, 30)).toBeCloseTo(2.042272456301238, 10);
    expect(studentTQuantile(0.975, 100)).toBeCloseTo(1.983971518523552, 10);
    expect(studentTQuantile(0.025, 10)).toBeCloseTo(-2.228138851986274, 10);
    expect(studentTQuantile(0.975, Infinity)).toBeCloseTo(1.959963984540054, 12);
    expect(studentTCdf(2.228138851986274, 10)).toBeCloseTo(0.975, 12);
    expect(incompleteBeta(0.5, 2, 3)).toBeCloseTo(0.6875, 12); // I_0.5(2,3) = 11/16
  });

  it('refuses nonsense', () => {
    expect(() => normalQuantile(0)).toThrow(RangeError);
    expect(() => studentTQuantile(0.975, 0)).toThrow(RangeError);
    expect(() => twoSidedZ(1)).toThrow(RangeError);
  });
});

describe('Wilson score interval', () => {
  // R. G. Newcombe, Two-sided confidence intervals for the single proportion: comparison of seven
  // methods, Statistics in Medicine 17 (1998) 857–872, Table I, method 3 (score, no continuity correction).
  it.each([
    [81, 263, 0.2553, 0.3662],
    [15, 148, 0.0624, 0.1605],
    [0, 20, 0, 0.1611],
    [1, 29, 0.0061, 0.1718],
  ])('%i/%i → %f to %f', (x, n, low, high) => {
    const ci = wilsonInterval(x, n);
    expect(round4(ci.low)).toBe(low);
    expect(round4(ci.high)).toBe(high);
    expect(ci.estimate).toBe(x / n);
  });

  it('gives exact 0 and 1 at the edges, and rejects impossible counts', () => {
    expect(wilsonInterval(0, 5).low).toBe(0);
    expect(wilsonInterval(5, 5).high).toBe(1);
    expect(() => wilsonInterval(3, 0)).toThrow(RangeError);
    expect(() => wilsonInterval(6, 5)).toThrow(RangeError);
    expect(() => wilsonInterval(1.5, 5)).toThrow(RangeError);
  });
});

describe("Newcombe's hybrid score interval for a difference of proportions", () => {
  // R. G. Newcombe, Interval estimation for the difference between independent proportions:
  // comparison of eleven methods, Statistics in Medicine 17 (1998) 873–890, Table II, method 10.
  it.each([
    ['(a)', 56, 70, 48, 80, 0.0524, 0.3339],
    ['(b)', 9, 10, 3, 10, 0.1705, 0.809],
    ['(c)', 6, 7, 2, 7, 0.0582, 0.8062],
    ['(d)', 5, 56, 0, 29, -0.0381, 0.1926],
    ['(e)', 0, 10, 0, 20, -0.1611, 0.2775],
    ['(f)', 0, 10, 0, 10, -0.2775, 0.2775],
    ['(g)', 10, 10, 0, 20, 0.6791, 1],
    ['(h)', 10, 10, 0, 10, 0.6075, 1],
  ])('example %s: %i/%i − %i/%i → %f to %f', (_name, x1, n1, x2, n2, low, high) => {
    const ci = newcombeDifferenceInterval(x1, n1, x2, n2);
    expect(round4(ci.low)).toBe(low);
    expect(round4(ci.high)).toBe(high);
    expect(ci.estimate).toBeCloseTo(x1 / n1 - x2 / n2, 15);
  });

  it('is antisymmetric: swapping the groups mirrors the interval', () => {
    const a = newcombeDifferenceInterval(56, 70, 48, 80);
    const b = newcombeDifferenceInterval(48, 80, 56, 70);
    expect(b.low).toBeCloseTo(-a.high, 12);
    expect(b.high).toBeCloseTo(-a.low, 12);
  });

  it('narrows as the groups grow, and widens at 99%', () => {
    const small = newcombeDifferenceInterval(12, 100, 8, 100);
    const large = newcombeDifferenceInterval(1200, 10000, 800, 10000);
    expect(large.high - large.low).toBeLessThan(small.high - small.low);
    const wide = newcombeDifferenceInterval(12, 100, 8, 100, 0.99);
    expect(wide.low).toBeLessThan(small.low);
    expect(wide.high).toBeGreaterThan(small.high);
  });
});

describe("Welch's interval for a difference of means", () => {
  // Student's sleep data (R: t.test(extra ~ group, data = sleep)):
  //   t = -1.8608, df = 17.776, 95 percent confidence interval: -3.3654832 0.2054832
  const group1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0];
  const group2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4];

  it("matches R's t.test on the sleep data", () => {
    const ci = welchDifferenceInterval(summarize(group1), summarize(group2));
    expect(ci.estimate).toBeCloseTo(-1.58, 12);
    expect(ci.df).toBeCloseTo(17.776, 3);
    expect(ci.low).toBeCloseTo(-3.3654832, 6);
    expect(ci.high).toBeCloseTo(0.2054832, 6);
    expect(ci.estimate / ci.standardError).toBeCloseTo(-1.8608, 4);
  });

  it('summarizes with the unbiased variance', () => {
    expect(summarize([2, 4, 4, 4, 5, 5, 7, 9])).toEqual({ n: 8, mean: 5, variance: 32 / 7 });
    expect(summarize([3]).variance).toBeNaN();
  });

  it('needs two values per group; zero variance gives a point', () => {
    expect(() => welchDifferenceInterval(summarize([1]), summarize([1, 2]))).toThrow(/at least 2/);
    const ci = welchDifferenceInterval(summarize([5, 5, 5]), summarize([2, 2]));
    expect(ci).toMatchObject({ estimate: 3, low: 3, high: 3 });
  });
});
