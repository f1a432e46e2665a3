import { describe, expect, it } from 'vitest';
import {
  gammaSign,
  hyp2f1,
  logBeta,
  logGamma,
  sinPi,
} from '../../../src/domain/indicators/special.js';

/** |actual − expected| <= tol · |expected| */
function expectRelClose(actual: number, expected: number, tol: number): void {
  const rel = Math.abs(actual - expected) / Math.abs(expected);
  expect(rel, `actual ${actual}, expected ${expected}, rel ${rel}`).toBeLessThanOrEqual(tol);
}

describe('logGamma', () => {
  it('matches factorials exactly enough', () => {
    let logFactorial = 0;
    for (let n = 1; n <= 170; n++) {
      // ln Γ(n+1) = ln n!
      logFactorial += Math.log(n);
      expect(Math.abs(logGamma(n + 1) - logFactorial)).toBeLessThanOrEqual(
        1e-13 * Math.max(1, logFactorial),
      );
    }
    expect(Math.abs(logGamma(1))).toBeLessThan(1e-15);
    expect(Math.abs(logGamma(2))).toBeLessThan(1e-15);
  });

  it('matches Γ(1/2) = √π and the duplication formula', () => {
    expect(logGamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 14);
    expect(logGamma(1.5)).toBeCloseTo(0.5 * Math.log(Math.PI) - Math.log(2), 14);
    // Legendre: Γ(x)Γ(x+1/2) = 2^(1−2x) √π Γ(2x)
    for (const x of [0.1, 0.77, 3.3, 12.5, 101.25, 5000.5]) {
      const lhs = logGamma(x) + logGamma(x + 0.5);
      const rhs = (1 - 2 * x) * Math.log(2) + 0.5 * Math.log(Math.PI) + logGamma(2 * x);
      expect(Math.abs(lhs - rhs)).toBeLessThanOrEqual(1e-13 * Math.max(1, Math.abs(lhs)));
    }
  });

  it('matches reference values (mpmath, 40 digits)', () => {
    const cases: [number, number][] = [
      [1e-8, 18.420680738180209],
      [0.001, 6.9071788853838537],
      [0.2, 1.5240638224307845],
      [0.999, 0.00057803853289138024],
      [1.001, -0.00057639359828330615],
      [2.5, 0.28468287047291916],
      [7.3, 7.1478925230222487],
      [1e6, 12815504.569147612],
    ];
    for (const [x, ref] of cases) {
      expect(Math.abs(logGamma(x) - ref)).toBeLessThanOrEqual(1e-14 * Math.max(1, Math.abs(ref)));
    }
  });

  it('uses the reflection formula for negative arguments, with the right sign', () => {
    // Γ(−1/2) = −2√π, Γ(−3/2) = 4√π/3
    expect(logGamma(-0.5)).toBeCloseTo(Math.log(2 * Math.sqrt(Math.PI)), 13);
    expect(gammaSign(-0.5)).toBe(-1);
    expect(logGamma(-1.5)).toBeCloseTo(Math.log((4 * Math.sqrt(Math.PI)) / 3), 13);
    expect(gammaSign(-1.5)).toBe(1);
    expect(gammaSign(3)).toBe(1);
    expect(logGamma(0)).toBe(Infinity);
    expect(logGamma(-3)).toBe(Infinity);
    expect(gammaSign(-2)).toBeNaN();
  });

  it('sinPi is exact at integers and half-integers', () => {
    expect(sinPi(1e6)).toBe(0);
    expect(sinPi(-3)).toBe(0);
    expect(sinPi(2.5)).toBe(1);
    expect(sinPi(-0.5)).toBe(-1);
    expect(sinPi(0.25)).toBeCloseTo(Math.SQRT1_2, 15);
  });
});

describe('logBeta', () => {
  it('equals ln of the closed forms', () => {
    // B(1, b) = 1/b, B(a, b) = (a−1)!(b−1)!/(a+b−1)!
    expect(logBeta(1, 7.5)).toBeCloseTo(-Math.log(7.5), 14);
    expect(logBeta(3, 4)).toBeCloseTo(Math.log((2 * 6) / 720), 14);
    expect(logBeta(0.5, 0.5)).toBeCloseTo(Math.log(Math.PI), 14);
  });
});

describe('hyp2f1', () => {
  it('2F1(1,1;2;z) = −ln(1−z)/z on (−∞, 1)', () => {
    for (const z of [-50, -3, -0.999, -0.3, 1e-9, 0.1, 0.5, 0.85, 0.9, 0.93, 0.99, 0.999]) {
      expectRelClose(hyp2f1(1, 1, 2, z), -Math.log1p(-z) / z, 1e-13);
    }
    // c−a−b = 0 is an integer, so near z = 1 (here after Pfaff: z/(z−1) = 1 − 1e-4 and 1 − 1e-5)
    // the direct series is used and rounding grows like 1e-16/(1−z): the documented limit.
    expectRelClose(hyp2f1(1, 1, 2, -1e4), Math.log1p(1e4) / 1e4, 1e-11);
    expectRelClose(hyp2f1(1, 1, 2, 0.99999), -Math.log1p(-0.99999) / 0.99999, 1e-10);
  });

  it('2F1(a,b;b;z) = (1−z)^−a', () => {
    for (const [a, b] of [
      [0.7, 2.3],
      [2.5, 0.4],
      [-1.3, 3.1],
      [4.2, 11.7],
    ] as const) {
      for (const z of [-20, -0.9, 0.2, 0.6, 0.95, 0.999]) {
        expectRelClose(hyp2f1(a, b, b, z), Math.pow(1 - z, -a), 1e-13);
      }
    }
  });

  it('elementary closed forms: arcsin, arctan, artanh', () => {
    for (const x of [0.1, 0.5, 0.9, 0.99]) {
      // 2F1(1/2,1/2;3/2;x²) = arcsin(x)/x
      expectRelClose(hyp2f1(0.5, 0.5, 1.5, x * x), Math.asin(x) / x, 1e-13);
      // 2F1(1/2,1;3/2;x²) = artanh(x)/x
      expectRelClose(hyp2f1(0.5, 1, 1.5, x * x), Math.atanh(x) / x, 1e-13);
    }
    for (const x of [0.3, 1, 4, 30]) {
      // 2F1(1/2,1;3/2;−x²) = arctan(x)/x
      expectRelClose(hyp2f1(0.5, 1, 1.5, -x * x), Math.atan(x) / x, 1e-13);
    }
  });

  it('terminating series are polynomials', () => {
    // 2F1(−2,b;c;z) = 1 − 2bz/c + b(b+1)z²/(c(c+1))
    const b = 2.5;
    const c = 1.5;
    for (const z of [-7, -0.5, 0.3, 0.8, 1]) {
      const expected = 1 - (2 * b * z) / c + (b * (b + 1) * z * z) / (c * (c + 1));
      // (at z = 1 the value is exactly 0, hence an absolute bound)
      expect(Math.abs(hyp2f1(-2, b, c, z) - expected)).toBeLessThanOrEqual(
        1e-14 * Math.max(1, Math.abs(expected)),
      );
    }
  });

  it("Gauss's theorem at z = 1 and the limit z → 1", () => {
    // 2F1(a,b;c;1) = Γ(c)Γ(c−a−b)/(Γ(c−a)Γ(c−b)) when c−a−b > 0
    const [a, b, c] = [0.7, 1.1, 3.4];
    const gauss = Math.exp(logGamma(c) + logGamma(c - a - b) - logGamma(c - a) - logGamma(c - b));
    expectRelClose(hyp2f1(a, b, c, 1), gauss, 1e-13);
    expectRelClose(hyp2f1(a, b, c, 1 - 1e-9), gauss, 1e-6);
    expect(hyp2f1(1, 1, 1.5, 1)).toBeNaN(); // c−a−b < 0: divergent
  });

  it('matches reference values in every region (mpmath, 40 digits)', () => {
    // [a, b, c, z, 2F1(a,b;c;z)]
    const cases: [number, number, number, number, number][] = [
      [0.5, 0.5, 1.5, 0.25, 1.0471975511965977],
      [1.5, 2.5, 3.7, 0.6, 2.3722615270113249],
      [2.2, 0.7, 4.1, 0.95, 1.9204254632328115], // 1−z transformation
      [2.2, 0.7, 4.1, 0.9999, 2.1802876015360446],
      [0.3, 1.7, 1.2, 0.97, 7.4597203646187457], // c−a−b < 0: Euler, then 1−z
      [0.3, 1.7, 2.0, 0.97, 2.0986158317460116], // c−a−b = 0: direct series
      [1.25, 2.5, 4.77, 0.99, 3.9531601314229294], // c−a−b ≈ 1: direct series
      [3.0, 4.0, 2.5, 0.5, 25.959069696057897],
      [0.8, -2.5, 1.3, 0.93, 0.23245749382203361], // negative b
      [2.0, 3.0, -1.5, 0.4, 745.13953960691269], // negative c
      [1.5, 2.0, 3.0, -0.5, 0.65986323710904131], // Pfaff
      [1.5, 2.0, 3.0, -4.0, 0.17082039324993691],
      [0.7, 1.9, 2.4, -120.0, 0.04509283226794295], // Pfaff, then 1−z
      [3.3, 0.4, 1.1, -0.99, 0.51559855587187427],
      [-3.0, 2.5, 1.5, 0.8, -0.05599999999999998], // polynomial
      [-3.0, 2.5, 1.5, -7.0, 1408.0],
      [12.0, 9.5, 30.25, 0.98, 442.82646869054292],
      [7.5, 4.2, 2.1, 0.5, 3699.9577085565778],
      // BG/NBD eq. (10) arguments (r+x, b+x; a+b+x−1; t/(α+T+t)):
      [2.243, 4.426, 4.219, 0.4740258161752194, 4.5753158976436893],
      [150.243, 152.426, 152.219, 0.97, 1.306066068496786e229],
      [0.25, 2.0, 1.6, 0.9986320109439124, 25.814462827643604],
    ];
    for (const [a, b, c, z, ref] of cases) {
      expectRelClose(hyp2f1(a, b, c, z), ref, 1e-13);
    }
  });

  it('rejects points outside its domain', () => {
    expect(hyp2f1(1, 1, 2, 1.5)).toBeNaN(); // branch cut
    expect(hyp2f1(1, 1, -2, 0.5)).toBeNaN(); // pole in c
    expect(hyp2f1(-1, 1, -2, 0.5)).toBeCloseTo(1.25, 15); // terminates before the pole
    expect(hyp2f1(NaN, 1, 2, 0.5)).toBeNaN();
    expect(hyp2f1(3, 4, 5, 0)).toBe(1);
  });

  it('is fast enough for a million BG/NBD evaluations', () => {
    // Shape of the benchmark: x ~ small counts, T spread over two years of days, t = 365 days.
    const [r, alpha, a, b] = [0.25, 31, 0.8, 2.4];
    let sum = 0;
    const start = performance.now();
    const n = 200_000;
    for (let i = 0; i < n; i++) {
      const x = i % 7;
      const T = (i % 730) + 0.5;
      sum += hyp2f1(a + b - 1 - r, a - 1, a + b + x - 1, 365 / (alpha + T + 365));
    }
    const perCall = (performance.now() - start) / n;
    expect(Number.isFinite(sum)).toBe(true);
    // Measured ~0.3 µs per call; the bound is loose so a slow CI machine does not flake.
    expect(perCall).toBeLessThan(10e-3);
  });
});
