// The unrolled kernels against the generic filter and smoother on inputs the reference cases do not
// reach: the continuous-time damped CGM model (correlated Q, c ≠ 1) and reuse of one track across series.
import { describe, expect, it } from 'vitest';
import { dampedCgmGenerator, discretiseDampedCgm, discretiseVanLoan, type DampedCgmRates } from '../discretise.js';
import { forecastFromFilter, runKalmanFilter, runStateSmoother } from '../kalman.js';
import { timeInvariantModel } from '../ssm.js';
import { createDampedCgmTrack, filterDampedCgm, forecastDampedCgm, smoothDampedCgm } from './damped3.js';
import { createLinearTrendTrack, filterLinearTrend, smoothLinearTrend, type LinearTrendModel } from './llt.js';

const RATES: DampedCgmRates = {
  levelDiffusion: 1e-7,
  deviationDecayRate: 1 / 90,
  deviationDiffusion: 2e-5,
  rateDecayRate: 1 / 20,
  rateDiffusion: 2e-7,
  observationVariance: 0.0025,
};
const UNIQUE: [number, number][] = [
  [0, 0],
  [0, 1],
  [0, 2],
  [1, 1],
  [1, 2],
  [2, 2],
];

/** Log glucose with meals, noise, 15 % missing at random and a 2-h dropout. */
function syntheticLogGlucose(n: number): Float64Array {
  let seed = 12345;
  const uniform = (): number => {
    seed = (seed * 16807) % 2147483647;
    return seed / 2147483647;
  };
  const y = new Float64Array(n);
  for (let t = 0; t < n; t++) {
    const hour = (t * 5) / 60;
    y[t] = Math.log(130) + 0.25 * Math.sin((2 * Math.PI * hour) / 6) + 0.05 * (uniform() - 0.5);
    if (uniform() < 0.15 || (t >= 200 && t < 224)) y[t] = Number.NaN;
  }
  return y;
}

function expectClose(actual: number, expected: number, scale: number, what: string): void {
  expect(Math.abs(actual - expected) / scale, `${what}: ${actual} vs ${expected}`).toBeLessThanOrEqual(1e-12);
}

describe('damped CGM kernel, continuous-time system', () => {
  const dtMin = 5;
  const system = discretiseDampedCgm(dtMin, RATES);
  const generator = dampedCgmGenerator(RATES);
  const vanLoan = discretiseVanLoan(generator.drift, generator.diffusion, 3, dtMin);
  const prior = { state: [Math.log(140), 0, 0], covariance: [0.25, 0, 0, 0, 0.04, 0, 0, 0, 1e-4] };
  const y = syntheticLogGlucose(600);
  const model = timeInvariantModel({
    stateDim: 3,
    observationDim: 1,
    design: [1, 1, 0],
    observationVariance: [RATES.observationVariance],
    transition: vanLoan.transition,
    stateCovariance: vanLoan.stateCovariance,
    initialState: prior.state,
    initialCovariance: prior.covariance,
  });

  it('agrees with the generic filter and smoother run on the Van Loan system', () => {
    expect(system.rateToDeviation).not.toBe(1);
    expect(system.deviationRateCovariance).toBeGreaterThan(0);
    const filtered = runKalmanFilter(model, y);
    const smoothed = runStateSmoother(model, filtered);
    const track = createDampedCgmTrack(y.length);
    const summary = filterDampedCgm(y, system, prior, track);
    smoothDampedCgm(system, track, y.length);
    expect(Math.abs(summary.logLikelihood - filtered.logLikelihood)).toBeLessThan(1e-12 * Math.abs(filtered.logLikelihood));
    expect(summary.observedCount).toBe(filtered.observedCount);
    for (let t = 0; t < y.length; t++) {
      const sd = (k: number): number => Math.sqrt(filtered.predictedCovariance[9 * t + 4 * k]!);
      for (let k = 0; k < 3; k++) {
        expectClose(track.filteredState[3 * t + k]!, filtered.filteredState[3 * t + k]!, Math.max(Math.abs(filtered.filteredState[3 * t + k]!), sd(k)), `a_filt[${t}][${k}]`);
        expectClose(track.smoothedState[3 * t + k]!, smoothed.smoothedState[3 * t + k]!, Math.max(Math.abs(smoothed.smoothedState[3 * t + k]!), sd(k)), `a_smooth[${t}][${k}]`);
      }
      UNIQUE.forEach(([r, c], k) => {
        const scale = sd(r) * sd(c);
        expectClose(track.filteredCovariance[6 * t + k]!, filtered.filteredCovariance[9 * t + 3 * r + c]!, scale, `P_filt[${t}]`);
        expectClose(track.smoothedCovariance[6 * t + k]!, smoothed.smoothedCovariance[9 * t + 3 * r + c]!, scale, `P_smooth[${t}]`);
      });
    }
    const generic = forecastFromFilter(model, filtered, 24);
    const kernel = forecastDampedCgm(system, track, y.length, 24);
    for (let h = 0; h < 24; h++) {
      expectClose(kernel.mean[h]!, generic.observationMean[h]!, Math.abs(generic.observationMean[h]!), `mean[${h}]`);
      expectClose(kernel.signalVariance[h]!, generic.signalVariance[h]!, generic.signalVariance[h]!, `signal var[${h}]`);
      expectClose(kernel.observationVariance[h]!, generic.observationVariance[h]!, generic.observationVariance[h]!, `var[${h}]`);
    }
  });

  it('gives the same results when one track is reused for a shorter series', () => {
    const longTrack = createDampedCgmTrack(y.length);
    filterDampedCgm(y, system, prior, longTrack);
    smoothDampedCgm(system, longTrack, y.length);
    const short = y.subarray(0, 250);
    const reused = filterDampedCgm(short, system, prior, longTrack);
    smoothDampedCgm(system, longTrack, short.length);
    const freshTrack = createDampedCgmTrack(short.length);
    const fresh = filterDampedCgm(short, system, prior, freshTrack);
    smoothDampedCgm(system, freshTrack, short.length);
    expect(reused).toEqual(fresh);
    expect(longTrack.smoothedCovariance.subarray(0, 6 * short.length)).toEqual(freshTrack.smoothedCovariance);
    expect(longTrack.smoothedState.subarray(0, 3 * short.length)).toEqual(freshTrack.smoothedState);
  });

  it('refuses a series longer than the track', () => {
    expect(() => filterDampedCgm(y, system, prior, createDampedCgmTrack(10))).toThrow(/capacity/);
  });
});

describe('linear trend kernel', () => {
  it('smooths a series whose every point is missing back to the prior propagated forward', () => {
    const model: LinearTrendModel = {
      observationVariance: 1,
      dynamics: { kind: 'discrete', levelVariance: 0.5, slopeVariance: 0.01 },
      initialState: [10, 1],
      initialCovariance: [4, 0, 0, 1],
    };
    const y = new Float64Array(5).fill(Number.NaN);
    const track = createLinearTrendTrack(5);
    const summary = filterLinearTrend(y, model, track);
    smoothLinearTrend(model, track, 5);
    expect(summary.observedCount).toBe(0);
    expect(Math.abs(summary.logLikelihood)).toBe(0);
    expect(Array.from(track.smoothedState)).toEqual(Array.from(track.predictedState));
    expect(Array.from(track.smoothedCovariance)).toEqual(Array.from(track.predictedCovariance));
    expect(track.smoothedState[8]).toBe(14);
  });
});
