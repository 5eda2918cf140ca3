import { describe, expect, it } from 'vitest';
import { minimiseNelderMead } from './mle.js';

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
