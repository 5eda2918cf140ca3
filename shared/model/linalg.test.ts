import { describe, expect, it } from 'vitest';
import { matrixExponential, matrixMultiply, matrixTranspose, solveLinearSystem } from './linalg.js';

function expectMatrixClose(actual: Float64Array, expected: ArrayLike<number>, tolerance: number): void {
  expect(actual.length).toBe(expected.length);
  let scale = 0;
  for (let k = 0; k < expected.length; k++) scale = Math.max(scale, Math.abs(expected[k]!));
  for (let k = 0; k < expected.length; k++) {
    expect(Math.abs(actual[k]! - expected[k]!), `entry ${k}: ${actual[k]} vs ${expected[k]}`).toBeLessThanOrEqual(
      tolerance * Math.max(scale, 1),
    );
  }
}

describe('matrixExponential', () => {
  it('exponentiates a diagonal matrix entrywise, including one that needs scaling and squaring', () => {
    expectMatrixClose(matrixExponential(Float64Array.of(1, 0, 0, -2), 2), [Math.E, 0, 0, Math.exp(-2)], 1e-15);
    const large = matrixExponential(Float64Array.of(30, 0, 0, -30), 2);
    expect(Math.abs(large[0]! / Math.exp(30) - 1)).toBeLessThan(1e-13);
    expect(Math.abs(large[3]! / Math.exp(-30) - 1)).toBeLessThan(1e-13);
  });

  it('gives T = [[1, Δ], [0, 1]] for the nilpotent integrator', () => {
    expectMatrixClose(matrixExponential(Float64Array.of(0, 2.5, 0, 0), 2), [1, 2.5, 0, 1], 1e-16);
  });

  it('gives a rotation for a skew-symmetric generator, at small and large angles', () => {
    for (const angle of [0.3, 20]) {
      const rotation = matrixExponential(Float64Array.of(0, -angle, angle, 0), 2);
      expectMatrixClose(rotation, [Math.cos(angle), -Math.sin(angle), Math.sin(angle), Math.cos(angle)], 1e-13);
    }
  });

  it('satisfies e^A e^{−A} = I for a dense 6×6 matrix', () => {
    const n = 6;
    const a = Float64Array.from({ length: n * n }, (_, k) => Math.sin(1.7 * k + 0.3) * 1.5);
    const product = matrixMultiply(matrixExponential(a, n), matrixExponential(a.map((x) => -x), n), n, n, n);
    const identity = Float64Array.from({ length: n * n }, (_, k) => (k % (n + 1) === 0 ? 1 : 0));
    expectMatrixClose(product, identity, 1e-12);
  });
});

describe('solveLinearSystem', () => {
  it('solves with pivoting when the leading entry is zero', () => {
    const a = Float64Array.of(0, 2, 1, 1, 1, 0, 3, 0, 1);
    const x = Float64Array.of(1, -2, 0.5, 3, 0.25, -1);
    const b = matrixMultiply(a, x, 3, 3, 2);
    expectMatrixClose(solveLinearSystem(a, b, 3, 2), x, 1e-15);
  });

  it('refuses a singular matrix', () => {
    expect(() => solveLinearSystem(Float64Array.of(1, 2, 2, 4), Float64Array.of(1, 1), 2, 1)).toThrow(/singular/);
  });
});

describe('matrixTranspose', () => {
  it('transposes a rectangular matrix', () => {
    expect(Array.from(matrixTranspose(Float64Array.of(1, 2, 3, 4, 5, 6), 2, 3))).toEqual([1, 4, 2, 5, 3, 6]);
  });
});
