import { describe, expect, it } from 'vitest';
import { minimiseBfgs, minimiseNelderMead } from './mle.js';

describe('minimiseNelderMead', () => {
  it('finds the Rosenbrock minimum at (1, 1)', () => {
    const rosenbrock = (x: Float64Array): number => 100 * (x[1]! - x[0]! ** 2) ** 2 + (1 - x[0]!) ** 2;
    const result = minimiseNelderMead(rosenbrock, [-1.2, 1]);
    expect(result.converged).toBe(true);
    expect(result.point[0]).toBeCloseTo(1, 6);
    expect(result.point[1]).toBeCloseTo(1, 6);
    expect(result.value).toBeLessThan(1e-12);
  });

  it('minimises an ill-scaled 4-dimensional quadratic', () => {
    const centre = [3, -1, 0.5, 10];
    const weights = [1, 10, 100, 0.1];
    const quadratic = (x: Float64Array): number => x.reduce((sum, xi, i) => sum + weights[i]! * (xi - centre[i]!) ** 2, 0);
    const result = minimiseNelderMead(quadratic, [0, 0, 0, 0], { initialStep: 1 });
    expect(result.converged).toBe(true);
    centre.forEach((value, i) => expect(result.point[i]).toBeCloseTo(value, 4));
  });

  it('treats NaN as +∞, so an invalid region is avoided', () => {
    const sqrtBowl = (x: Float64Array): number => Math.sqrt(x[0]!) + (x[0]! - 2) ** 2;
    const result = minimiseNelderMead(sqrtBowl, [3]);
    expect(result.point[0]).toBeGreaterThan(0);
    expect(Number.isFinite(result.value)).toBe(true);
  });

  it('stops at maxEvaluations and says it did not converge', () => {
    let evaluations = 0;
    const result = minimiseNelderMead(
      (x) => {
        evaluations++;
        return (x[0]! - 1) ** 2 + (x[1]! + 2) ** 2;
      },
      [10, 10],
      { maxEvaluations: 20 },
    );
    expect(result.converged).toBe(false);
    expect(result.evaluations).toBe(evaluations);
    // The check is made between iterations; a shrink step in progress can use dim + 2 more.
    expect(evaluations).toBeLessThanOrEqual(20 + 2 + 2);
  });
});

describe('minimiseBfgs', () => {
  it('finds the Rosenbrock minimum at (1, 1)', () => {
    const rosenbrock = (x: Float64Array): number => 100 * (x[1]! - x[0]! ** 2) ** 2 + (1 - x[0]!) ** 2;
    const result = minimiseBfgs(rosenbrock, [-1.2, 1], { gradientStep: 1e-7, decreaseTolerance: 1e-10 });
    expect(result.converged).toBe(true);
    expect(result.point[0]).toBeCloseTo(1, 3);
    expect(result.point[1]).toBeCloseTo(1, 3);
  });

  it('learns an ill-scaled quadratic, and with its inverse Hessian given needs one step', () => {
    const centre = [3, -1, 0.5, 10];
    const weights = [1, 10, 100, 0.1];
    const quadratic = (x: Float64Array): number => x.reduce((sum, xi, i) => sum + weights[i]! * (xi - centre[i]!) ** 2, 0);
    const cold = minimiseBfgs(quadratic, [0, 0, 0, 0], { gradientStep: 1e-6, maxStep: 20 });
    expect(cold.converged).toBe(true);
    centre.forEach((value, i) => expect(cold.point[i]).toBeCloseTo(value, 3));
    // The learnt inverse Hessian is the true one, diag(1 / 2w), to a few per cent.
    weights.forEach((w, i) => expect(cold.inverseHessian[i * 4 + i]! * 2 * w).toBeCloseTo(1, 1));
    const exact = new Float64Array(16);
    weights.forEach((w, i) => (exact[i * 4 + i] = 1 / (2 * w)));
    const warm = minimiseBfgs(quadratic, [0, 0, 0, 0], { gradientStep: 1e-6, maxStep: 20, inverseHessian: exact });
    // Start, its gradient, one full step, the gradient there: 1 + 4 + 1 + 4 evaluations.
    expect(warm.evaluations).toBe(10);
    centre.forEach((value, i) => expect(warm.point[i]).toBeCloseTo(value, 3));
    expect(cold.evaluations).toBeGreaterThan(warm.evaluations);
  });

  it('never steps further than maxStep in a coordinate', () => {
    const points: number[] = [];
    minimiseBfgs(
      (x) => {
        points.push(x[0]!);
        return (x[0]! - 100) ** 2;
      },
      [0],
      { maxStep: 2, maxEvaluations: 12 },
    );
    for (let k = 1; k < points.length; k++) expect(Math.abs(points[k]! - points[k - 1]!)).toBeLessThanOrEqual(2 + 1e-9);
  });

  it('treats NaN as +∞ and backs off into the valid region', () => {
    const sqrtBowl = (x: Float64Array): number => Math.sqrt(x[0]!) + (x[0]! - 2) ** 2;
    const result = minimiseBfgs(sqrtBowl, [3], { maxStep: 10 });
    expect(result.point[0]).toBeGreaterThan(0);
    expect(Number.isFinite(result.value)).toBe(true);
    expect(result.value).toBeLessThan(sqrtBowl(Float64Array.of(3)));
  });

  it('stops within maxEvaluations and says it did not converge', () => {
    let evaluations = 0;
    const result = minimiseBfgs(
      (x) => {
        evaluations++;
        return 100 * (x[1]! - x[0]! ** 2) ** 2 + (1 - x[0]!) ** 2;
      },
      [-1.2, 1],
      { maxEvaluations: 20, decreaseTolerance: 1e-14 },
    );
    expect(result.converged).toBe(false);
    expect(evaluations).toBeLessThanOrEqual(20);
    expect(result.evaluations).toBe(evaluations);
  });

  it('takes an exact gradient when given one, always at the point it evaluated last', () => {
    const rosenbrock = (x: Float64Array): number => 100 * (x[1]! - x[0]! ** 2) ** 2 + (1 - x[0]!) ** 2;
    let last = new Float64Array(0);
    let lastValue = Number.NaN;
    let misplaced = 0;
    const objective = (x: Float64Array): number => {
      last = Float64Array.from(x);
      lastValue = rosenbrock(x);
      return lastValue;
    };
    const gradient = (x: Float64Array, value: number, out: Float64Array): void => {
      if (!x.every((xi, i) => xi === last[i]) || value !== lastValue) misplaced++;
      out[0] = -400 * x[0]! * (x[1]! - x[0]! ** 2) - 2 * (1 - x[0]!);
      out[1] = 200 * (x[1]! - x[0]! ** 2);
    };
    const exact = minimiseBfgs(objective, [-1.2, 1], { decreaseTolerance: 1e-16, gradient });
    const differences = minimiseBfgs(rosenbrock, [-1.2, 1], { gradientStep: 1e-7, decreaseTolerance: 1e-10 });
    expect(misplaced).toBe(0);
    expect(exact.converged).toBe(true);
    expect(Math.abs(exact.point[0]! - 1)).toBeLessThan(1e-6);
    expect(Math.abs(exact.point[1]! - 1)).toBeLessThan(1e-6);
    expect(exact.gradients).toBeGreaterThan(10);
    // Differences spend two evaluations per gradient here; the exact gradient none.
    expect(exact.evaluations).toBeLessThan(differences.evaluations - 2 * differences.gradients + 10);
    expect(exact.evaluations).toBeLessThan(0.5 * differences.evaluations);
  });
});
