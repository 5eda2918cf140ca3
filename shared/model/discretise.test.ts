import { describe, expect, it } from 'vitest';
import {
  cachedDiscretisation,
  dampedCgmGenerator,
  discretiseDampedCgm,
  discretiseIntegratedRandomWalk,
  discretiseOrnsteinUhlenbeck,
  discretiseVanLoan,
  type DampedCgmRates,
} from './discretise.js';
import { type DampedCgmSystem } from './kernels/damped3.js';
import { matrixMultiply, matrixTranspose } from './linalg.js';

function expectEntriesClose(actual: ArrayLike<number>, expected: ArrayLike<number>, relative: number, what: string): void {
  let scale = 0;
  for (let k = 0; k < expected.length; k++) scale = Math.max(scale, Math.abs(expected[k]!));
  for (let k = 0; k < expected.length; k++) {
    expect(Math.abs(actual[k]! - expected[k]!), `${what}[${k}]: ${actual[k]} vs ${expected[k]}`).toBeLessThanOrEqual(relative * scale);
  }
}

/** T and Q of the damped CGM system as full 3×3 matrices. */
function dampedCgmMatrices(system: DampedCgmSystem): { transition: number[]; stateCovariance: number[] } {
  return {
    transition: [1, 0, 0, 0, system.deviationDecay, system.rateToDeviation, 0, 0, system.rateDecay],
    stateCovariance: [
      system.levelVariance, 0, 0,
      0, system.deviationVariance, system.deviationRateCovariance,
      0, system.deviationRateCovariance, system.rateVariance,
    ],
  };
}

// Per-minute rates of log glucose: τ_d = 90 min, τ_s = 20 min.
const CGM_RATES: DampedCgmRates = {
  levelDiffusion: 1e-7,
  deviationDecayRate: 1 / 90,
  deviationDiffusion: 2e-5,
  rateDecayRate: 1 / 20,
  rateDiffusion: 2e-7,
  observationVariance: 0.0025,
};

describe('closed forms equal Van Loan', () => {
  it('integrated random walk', () => {
    for (const dt of [0.001, 0.37, 1, 5, 42.5]) {
      const closed = discretiseIntegratedRandomWalk(dt, 0.3, 0.02);
      const vanLoan = discretiseVanLoan(Float64Array.of(0, 1, 0, 0), Float64Array.of(0.3, 0, 0, 0.02), 2, dt);
      expectEntriesClose(vanLoan.transition, closed.transition, 1e-14, `T(${dt})`);
      expectEntriesClose(vanLoan.stateCovariance, closed.stateCovariance, 1e-13, `Q(${dt})`);
    }
  });

  it('Ornstein–Uhlenbeck', () => {
    for (const dt of [0.01, 1, 7, 60]) {
      const closed = discretiseOrnsteinUhlenbeck(dt, 1 / 9, 0.4);
      const vanLoan = discretiseVanLoan(Float64Array.of(-1 / 9), Float64Array.of(0.4), 1, dt);
      expectEntriesClose(vanLoan.transition, [closed.decay], 1e-14, `φ(${dt})`);
      expectEntriesClose(vanLoan.stateCovariance, [closed.variance], 1e-13, `σ²(${dt})`);
    }
  });

  it('damped CGM model [μ, d, s], at grid and off-grid steps', () => {
    const generator = dampedCgmGenerator(CGM_RATES);
    for (const dtMin of [0.5, 5, 13.7, 60, 600]) {
      const closed = dampedCgmMatrices(discretiseDampedCgm(dtMin, CGM_RATES));
      const vanLoan = discretiseVanLoan(generator.drift, generator.diffusion, 3, dtMin);
      expectEntriesClose(vanLoan.transition, closed.transition, 1e-13, `T(${dtMin})`);
      expectEntriesClose(vanLoan.stateCovariance, closed.stateCovariance, 1e-12, `Q(${dtMin})`);
    }
  });

  it('damped CGM model with equal and nearly equal decay rates', () => {
    // Equal and 1e-9 apart take the Van Loan path; 3e-3 apart (|α − β|Δ = 0.015) is the closed form at
    // its worst cancellation.
    for (const rateDecayRate of [1 / 90, 1 / 90 + 1e-9, 1 / 90 + 3e-3]) {
      const rates = { ...CGM_RATES, rateDecayRate };
      const generator = dampedCgmGenerator(rates);
      const closed = dampedCgmMatrices(discretiseDampedCgm(5, rates));
      const vanLoan = discretiseVanLoan(generator.drift, generator.diffusion, 3, 5);
      expectEntriesClose(vanLoan.transition, closed.transition, 1e-13, `T(β=${rateDecayRate})`);
      expectEntriesClose(vanLoan.stateCovariance, closed.stateCovariance, 1e-12, `Q(β=${rateDecayRate})`);
      // The response of d to a unit rate over Δ at equal rates is Δ e^{−αΔ}.
      if (rateDecayRate === 1 / 90) expect(closed.transition[5]).toBeCloseTo(5 * Math.exp(-5 / 90), 14);
    }
  });
});

describe('discretiseVanLoan', () => {
  const generator = dampedCgmGenerator(CGM_RATES);

  it('composes: two steps of a and b equal one step of a + b', () => {
    const a = discretiseVanLoan(generator.drift, generator.diffusion, 3, 5);
    const b = discretiseVanLoan(generator.drift, generator.diffusion, 3, 12);
    const both = discretiseVanLoan(generator.drift, generator.diffusion, 3, 17);
    expectEntriesClose(matrixMultiply(b.transition, a.transition, 3, 3, 3), both.transition, 1e-14, 'T');
    // Q(a + b) = T(b) Q(a) T(b)' + Q(b)
    const carried = matrixMultiply(
      matrixMultiply(b.transition, a.stateCovariance, 3, 3, 3),
      matrixTranspose(b.transition, 3, 3),
      3,
      3,
      3,
    );
    expectEntriesClose(carried.map((value, k) => value + b.stateCovariance[k]!), both.stateCovariance, 1e-13, 'Q');
  });

  it('gives a symmetric positive definite Q', () => {
    const q = discretiseVanLoan(generator.drift, generator.diffusion, 3, 5).stateCovariance;
    expect(q[1]).toBe(q[3]);
    expect(q[5]).toBe(q[7]);
    const leading2 = q[0]! * q[4]! - q[1]! * q[3]!;
    const det = q[0]! * (q[4]! * q[8]! - q[5]! * q[7]!) - q[1]! * (q[3]! * q[8]! - q[5]! * q[6]!) + q[2]! * (q[3]! * q[7]! - q[4]! * q[6]!);
    expect(q[0]).toBeGreaterThan(0);
    expect(leading2).toBeGreaterThan(0);
    expect(det).toBeGreaterThan(0);
  });
});

describe('cachedDiscretisation', () => {
  it('discretises each distinct step once', () => {
    let calls = 0;
    const discretise = cachedDiscretisation((dt: number) => {
      calls++;
      return discretiseIntegratedRandomWalk(dt, 1, 1);
    });
    const first = discretise(5);
    expect(discretise(5)).toBe(first);
    discretise(2.5);
    expect(calls).toBe(2);
  });
});
