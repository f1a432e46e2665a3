import { describe, expect, it } from 'vitest';
import {
  invertMatrix,
  minimize,
  numericalHessian,
} from '../../../src/domain/indicators/optimize.js';

describe('minimize (Nelder–Mead with restarts)', () => {
  it('finds the minimum of a shifted quadratic', () => {
    const f = (x: readonly number[]) =>
      (x[0]! - 3) ** 2 + 10 * (x[1]! + 1) ** 2 + (x[2]! - 0.5) ** 2;
    const result = minimize(f, [0, 0, 0], { xTolerance: 1e-9, fTolerance: 1e-14 });
    expect(result.converged).toBe(true);
    expect(result.x[0]).toBeCloseTo(3, 6);
    expect(result.x[1]).toBeCloseTo(-1, 6);
    expect(result.x[2]).toBeCloseTo(0.5, 6);
  });

  it('follows the Rosenbrock valley to (1, 1)', () => {
    const f = (x: readonly number[]) => 100 * (x[1]! - x[0]! ** 2) ** 2 + (1 - x[0]!) ** 2;
    const result = minimize(f, [-1.2, 1], { xTolerance: 1e-10, fTolerance: 1e-16 });
    expect(result.converged).toBe(true);
    expect(result.x[0]).toBeCloseTo(1, 6);
    expect(result.x[1]).toBeCloseTo(1, 6);
  });

  it('treats NaN and infinite values as +Infinity (a domain wall)', () => {
    const f = (x: readonly number[]) => (x[0]! < 0 ? NaN : (x[0]! - 2) ** 2);
    const result = minimize(f, [5], { initialStep: 4 });
    expect(result.x[0]).toBeCloseTo(2, 6);
  });

  it('is deterministic', () => {
    const f = (x: readonly number[]) =>
      Math.sin(3 * x[0]!) + (x[0]! - x[1]!) ** 2 + 0.1 * x[1]! ** 2;
    const a = minimize(f, [0.3, -0.2]);
    const b = minimize(f, [0.3, -0.2]);
    expect(b).toEqual(a);
  });

  it('reports non-convergence when the budget is too small', () => {
    const f = (x: readonly number[]) => 100 * (x[1]! - x[0]! ** 2) ** 2 + (1 - x[0]!) ** 2;
    const result = minimize(f, [-1.2, 1], { maxIterations: 5, maxRestarts: 0 });
    expect(result.converged).toBe(false);
    expect(result.iterations).toBe(5);
  });
});

describe('numericalHessian and invertMatrix', () => {
  it('recover the Hessian of a quadratic and its inverse', () => {
    // f = ½ xᵀ A x with A symmetric positive definite: Hessian A.
    const A = [
      [4, 1, 0.5],
      [1, 3, -0.2],
      [0.5, -0.2, 2],
    ];
    const f = (x: readonly number[]) => {
      let s = 0;
      for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) s += 0.5 * x[i]! * A[i]![j]! * x[j]!;
      return s;
    };
    const H = numericalHessian(f, [0.3, -1, 2]);
    for (let i = 0; i < 3; i++)
      for (let j = 0; j < 3; j++) expect(H[i]![j]).toBeCloseTo(A[i]![j]!, 6);
    const inv = invertMatrix(H);
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) {
        let s = 0;
        for (let k = 0; k < 3; k++) s += A[i]![k]! * inv[k]![j]!;
        expect(s).toBeCloseTo(i === j ? 1 : 0, 6);
      }
    }
    expect(() =>
      invertMatrix([
        [1, 2],
        [2, 4],
      ]),
    ).toThrow(/singular/);
  });
});
