// Cross-checks against the statsmodels / base-R reference numbers in ../shared/reference/kalman (cases
// A–F, README there). Tolerances are the issue's: log-likelihoods 1e-9 absolute, states and variances
// 1e-9 relative, maximum-likelihood parameters 1e-4 relative.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cachedDiscretisation, discretiseIntegratedRandomWalk } from './discretise.js';
import { forecastFromFilter, runKalmanFilter, runStateSmoother, type KalmanFilterResult } from './kalman.js';
import {
  createDampedCgmTrack,
  filterDampedCgm,
  forecastDampedCgm,
  smoothDampedCgm,
  type DampedCgmSystem,
} from './kernels/damped3.js';
import {
  createLinearTrendTrack,
  filterLinearTrend,
  forecastLinearTrend,
  smoothLinearTrend,
  type LinearTrendModel,
} from './kernels/llt.js';
import { fitLinearTrendVariances, minimiseNelderMead } from './mle.js';
import { irregularTimeModel, timeInvariantModel, type StateSpaceModel } from './ssm.js';

const REFERENCE_DIR = path.resolve('../shared/reference/kalman');

function readColumns(file: string): Record<string, Float64Array> {
  const [header, ...rows] = readFileSync(path.join(REFERENCE_DIR, file), 'utf8').trim().split('\n');
  const names = header!.split(',');
  const columns = names.map(() => new Float64Array(rows.length));
  rows.forEach((row, t) => {
    row.split(',').forEach((cell, k) => {
      columns[k]![t] = cell === '' ? Number.NaN : Number(cell);
    });
  });
  return Object.fromEntries(names.map((name, k) => [name, columns[k]!]));
}

function column(columns: Record<string, Float64Array>, name: string): Float64Array {
  const values = columns[name];
  if (values === undefined) throw new Error(`missing column ${name}`);
  return values;
}

// The JSON fixtures are nested records of numbers; tests index them by the path they document.
type Json = number | string | Json[] | { [key: string]: Json };
function readJson(file: string): Record<string, Json> {
  return JSON.parse(readFileSync(path.join(REFERENCE_DIR, file), 'utf8')) as Record<string, Json>;
}
function at(node: Json | undefined, ...keys: (string | number)[]): Json {
  let current = node;
  for (const key of keys) {
    if (current === undefined || typeof current !== 'object') throw new Error(`fixture has no ${keys.join('.')}`);
    current = (current as Record<string, Json>)[String(key)];
  }
  if (current === undefined) throw new Error(`fixture has no ${keys.join('.')}`);
  return current;
}
function num(node: Json | undefined, ...keys: (string | number)[]): number {
  const value = at(node, ...keys);
  if (typeof value !== 'number') throw new Error(`fixture ${keys.join('.')} is not a number`);
  return value;
}
function numbers(node: Json | undefined, ...keys: (string | number)[]): number[] {
  const value = at(node, ...keys);
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'number')) {
    throw new Error(`fixture ${keys.join('.')} is not a list of numbers`);
  }
  return value as number[];
}
/** A record keyed by time index, e.g. {"0": 100.7, "49": 149.3}. */
function byIndex(node: Json | undefined, ...keys: (string | number)[]): [number, number][] {
  const value = at(node, ...keys);
  if (typeof value !== 'object' || Array.isArray(value)) throw new Error(`fixture ${keys.join('.')} is not a record`);
  return Object.entries(value).map(([t, v]) => {
    if (typeof v !== 'number') throw new Error(`fixture ${keys.join('.')}.${t} is not a number`);
    return [Number(t), v];
  });
}

/** Relative closeness; an expected exact zero is compared absolutely at 1e-12 instead. */
function expectRelative(actual: number, expected: number, relative: number, what: string): void {
  const scale = expected === 0 ? 1e-3 : Math.abs(expected);
  expect(Math.abs(actual - expected) / scale, `${what}: ${actual} vs ${expected}`).toBeLessThanOrEqual(relative);
}
/**
 * Kernel-vs-generic covariance entries are compared on the scale √(S_rr S_cc) where rounding in either
 * implementation lives: S is the matrix itself for predicted and filtered covariances (an off-diagonal entry
 * can be small by cancellation), and the predicted covariance for smoothed ones, which both smoothers form
 * as P_t − P_t N P_t (at t = 0 of case E, 1e4 − … = 36).
 */
function expectCovarianceClose(actual: number, expected: number, scaleR: number, scaleC: number, what: string): void {
  const scale = Math.sqrt(Math.abs(scaleR * scaleC));
  expect(Math.abs(actual - expected) / scale, `${what}: ${actual} vs ${expected}`).toBeLessThanOrEqual(KERNEL_TOLERANCE);
}
/** Kernel-vs-generic state entries: a state near zero is compared on the scale of its own SD. */
function expectStateClose(actual: number, expected: number, variance: number, what: string): void {
  const scale = Math.max(Math.abs(expected), Math.sqrt(Math.abs(variance)));
  expect(Math.abs(actual - expected) / scale, `${what}: ${actual} vs ${expected}`).toBeLessThanOrEqual(KERNEL_TOLERANCE);
}
function expectAbsolute(actual: number, expected: number, absolute: number, what: string): void {
  expect(Math.abs(actual - expected), `${what}: ${actual} vs ${expected}`).toBeLessThanOrEqual(absolute);
}

const STATE_TOLERANCE = 1e-9;
const LOGLIK_TOLERANCE = 1e-9;
const MLE_TOLERANCE = 1e-4;
const KERNEL_TOLERANCE = 1e-12;

/** Element (r, c) of the m×m covariance stored for step t. */
function covarianceAt(covariances: Float64Array, m: number, t: number, r: number, c: number): number {
  return covariances[t * m * m + r * m + c]!;
}

const llt = readJson('ref_llt.json');
const fusion = readJson('ref_fusion.json');
const lltData = column(readColumns('data_llt.csv'), 'y');

const caseA = at(llt, 'caseA_known_init');
const caseAModelSpec = {
  observationVariance: num(caseA, 'params', 's2_eps'),
  levelVariance: num(caseA, 'params', 's2_level'),
  slopeVariance: num(caseA, 'params', 's2_slope'),
  initialState: numbers(caseA, 'a1'),
  initialCovariance: [...numbers(caseA, 'P1', 0), ...numbers(caseA, 'P1', 1)],
};

function localLinearTrendModel(
  variances: { observationVariance: number; levelVariance: number; slopeVariance: number },
  prior: { initialState: ArrayLike<number>; initialCovariance: ArrayLike<number> },
): StateSpaceModel {
  return timeInvariantModel({
    stateDim: 2,
    observationDim: 1,
    design: [1, 0],
    observationVariance: [variances.observationVariance],
    transition: [1, 1, 0, 1],
    stateCovariance: [variances.levelVariance, 0, 0, variances.slopeVariance],
    initialState: prior.initialState,
    initialCovariance: prior.initialCovariance,
  });
}

describe('case A: local linear trend, known initialisation, 30 % missing', () => {
  const model = localLinearTrendModel(caseAModelSpec, caseAModelSpec);
  const filtered = runKalmanFilter(model, lltData);
  const smoothed = runStateSmoother(model, filtered);
  const forecast = forecastFromFilter(model, filtered, 10);

  it('has the exact log-likelihood over the 70 observed points', () => {
    expect(filtered.observedCount).toBe(num(caseA, 'nobs'));
    expect(numbers(caseA, 'missing_idx').every((t) => Number.isNaN(lltData[t]!))).toBe(true);
    for (const key of ['loglik_numpy', 'loglik_statsmodels_MLEModel', 'loglik_statsmodels_UC_known']) {
      expectAbsolute(filtered.logLikelihood, num(caseA, key), LOGLIK_TOLERANCE, key);
    }
  });

  it('matches the filtered level, slope and level variance', () => {
    for (const key of ['filtered_level', 'sm_filtered_level']) {
      for (const [t, value] of byIndex(caseA, key)) expectRelative(filtered.filteredState[2 * t]!, value, STATE_TOLERANCE, `${key}[${t}]`);
    }
    for (const [t, value] of byIndex(caseA, 'filtered_slope')) {
      expectRelative(filtered.filteredState[2 * t + 1]!, value, STATE_TOLERANCE, `filtered_slope[${t}]`);
    }
    for (const [t, value] of byIndex(caseA, 'filtered_P00')) {
      expectRelative(covarianceAt(filtered.filteredCovariance, 2, t, 0, 0), value, STATE_TOLERANCE, `filtered_P00[${t}]`);
    }
  });

  it('matches the smoothed level, slope and level variance (numpy RTS and statsmodels)', () => {
    for (const key of ['smoothed_level', 'sm_smoothed_level']) {
      for (const [t, value] of byIndex(caseA, key)) expectRelative(smoothed.smoothedState[2 * t]!, value, STATE_TOLERANCE, `${key}[${t}]`);
    }
    for (const [t, value] of byIndex(caseA, 'smoothed_slope')) {
      expectRelative(smoothed.smoothedState[2 * t + 1]!, value, STATE_TOLERANCE, `smoothed_slope[${t}]`);
    }
    for (const key of ['smoothed_P00', 'sm_smoothed_P00']) {
      for (const [t, value] of byIndex(caseA, key)) {
        expectRelative(covarianceAt(smoothed.smoothedCovariance, 2, t, 0, 0), value, STATE_TOLERANCE, `${key}[${t}]`);
      }
    }
  });

  it('matches the 10-step forecast mean, measurement variance and level variance', () => {
    for (const key of ['forecast_mean_numpy', 'forecast_mean_statsmodels']) {
      numbers(caseA, key).forEach((value, h) => expectRelative(forecast.observationMean[h]!, value, STATE_TOLERANCE, `${key}[${h}]`));
    }
    for (const key of ['forecast_var_y_numpy', 'forecast_var_y_statsmodels']) {
      numbers(caseA, key).forEach((value, h) =>
        expectRelative(forecast.observationVariance[h]!, value, STATE_TOLERANCE, `${key}[${h}]`),
      );
    }
    numbers(caseA, 'forecast_var_level_numpy').forEach((value, h) =>
      expectRelative(forecast.signalVariance[h]!, value, STATE_TOLERANCE, `forecast_var_level[${h}]`),
    );
  });

  it('gives the same numbers from the unrolled 2-state kernel', () => {
    const kernelModel: LinearTrendModel = {
      observationVariance: caseAModelSpec.observationVariance,
      dynamics: { kind: 'discrete', levelVariance: caseAModelSpec.levelVariance, slopeVariance: caseAModelSpec.slopeVariance },
      initialState: caseAModelSpec.initialState,
      initialCovariance: caseAModelSpec.initialCovariance,
    };
    const track = createLinearTrendTrack(lltData.length);
    const summary = filterLinearTrend(lltData, kernelModel, track);
    smoothLinearTrend(kernelModel, track, lltData.length);
    expectLinearTrendKernelEqualsGeneric(track, summary, filtered, smoothed.smoothedState, smoothed.smoothedCovariance);
    const kernelForecast = forecastLinearTrend(kernelModel, track, lltData.length, 10);
    for (let h = 0; h < 10; h++) {
      expectRelative(kernelForecast.mean[h]!, forecast.observationMean[h]!, KERNEL_TOLERANCE, `mean[${h}]`);
      expectRelative(kernelForecast.levelVariance[h]!, forecast.signalVariance[h]!, KERNEL_TOLERANCE, `var[${h}]`);
      expectRelative(kernelForecast.observationVariance[h]!, forecast.observationVariance[h]!, KERNEL_TOLERANCE, `var y[${h}]`);
    }
  });
});

function expectLinearTrendKernelEqualsGeneric(
  track: ReturnType<typeof createLinearTrendTrack>,
  summary: { logLikelihood: number; observedCount: number },
  generic: KalmanFilterResult,
  smoothedState: Float64Array,
  smoothedCovariance: Float64Array,
): void {
  expectAbsolute(summary.logLikelihood, generic.logLikelihood, KERNEL_TOLERANCE, 'log-likelihood');
  expect(summary.observedCount).toBe(generic.observedCount);
  const unique: [number, number][] = [
    [0, 0],
    [0, 1],
    [1, 1],
  ];
  for (let t = 0; t < generic.stepCount; t++) {
    for (let r = 0; r < 2; r++) {
      const k = 2 * t + r;
      expectStateClose(track.predictedState[k]!, generic.predictedState[k]!, covarianceAt(generic.predictedCovariance, 2, t, r, r), `a_pred[${t}]`);
      expectStateClose(track.filteredState[k]!, generic.filteredState[k]!, covarianceAt(generic.filteredCovariance, 2, t, r, r), `a_filt[${t}]`);
      expectStateClose(track.smoothedState[k]!, smoothedState[k]!, covarianceAt(smoothedCovariance, 2, t, r, r), `a_smooth[${t}]`);
    }
    const pairs: [Float64Array, Float64Array, Float64Array, string][] = [
      [track.predictedCovariance, generic.predictedCovariance, generic.predictedCovariance, 'P_pred'],
      [track.filteredCovariance, generic.filteredCovariance, generic.filteredCovariance, 'P_filt'],
      [track.smoothedCovariance, smoothedCovariance, generic.predictedCovariance, 'P_smooth'],
    ];
    for (const [kernel, full, scale, name] of pairs) {
      unique.forEach(([r, c], k) => {
        const variance = (i: number): number => covarianceAt(scale, 2, t, i, i);
        expectCovarianceClose(kernel[3 * t + k]!, covarianceAt(full, 2, t, r, c), variance(r), variance(c), `${name}[${t}][${r}${c}]`);
      });
    }
    expect(Number.isNaN(track.innovation[t]!)).toBe(Number.isNaN(generic.innovation[t]!));
    if (!Number.isNaN(generic.innovation[t]!)) {
      expectRelative(track.innovation[t]!, generic.innovation[t]!, KERNEL_TOLERANCE, `v[${t}]`);
      expectRelative(track.innovationVariance[t]!, generic.innovationVariance[t]!, KERNEL_TOLERANCE, `F[${t}]`);
    }
  }
}

describe('case A: missing-data behaviour', () => {
  const model = localLinearTrendModel(caseAModelSpec, caseAModelSpec);
  const filtered = runKalmanFilter(model, lltData);
  const smoothed = runStateSmoother(model, filtered);

  it('widens the filtered variance monotonically through the 11-point gap (t = 39…49)', () => {
    for (let t = 39; t <= 49; t++) {
      expect(covarianceAt(filtered.filteredCovariance, 2, t, 0, 0)).toBeGreaterThan(covarianceAt(filtered.filteredCovariance, 2, t - 1, 0, 0));
    }
    // The first observation after the gap pulls the variance back down.
    expect(covarianceAt(filtered.filteredCovariance, 2, 50, 0, 0)).toBeLessThan(covarianceAt(filtered.filteredCovariance, 2, 49, 0, 0));
  });

  it('keeps the smoothed variance largest mid-gap and below the filtered variance', () => {
    const smoothedVariance = (t: number): number => covarianceAt(smoothed.smoothedCovariance, 2, t, 0, 0);
    for (let t = 38; t < 44; t++) expect(smoothedVariance(t + 1)).toBeGreaterThan(smoothedVariance(t));
    for (let t = 44; t < 50; t++) expect(smoothedVariance(t + 1)).toBeLessThan(smoothedVariance(t));
    for (let t = 0; t < lltData.length; t++) {
      expect(smoothedVariance(t)).toBeLessThanOrEqual(covarianceAt(filtered.filteredCovariance, 2, t, 0, 0) * (1 + 1e-12));
    }
  });

  it('skips missing points: no innovation, filtered = predicted, no log-likelihood term', () => {
    for (let t = 0; t < lltData.length; t++) {
      if (!Number.isNaN(lltData[t]!)) continue;
      expect(Number.isNaN(filtered.innovation[t]!)).toBe(true);
      expect(Number.isNaN(filtered.standardisedInnovation[t]!)).toBe(true);
      expect(filtered.logLikelihoodByStep[t]).toBe(0);
      expect(filtered.filteredState.subarray(2 * t, 2 * t + 2)).toEqual(filtered.predictedState.subarray(2 * t, 2 * t + 2));
      expect(filtered.filteredCovariance.subarray(4 * t, 4 * t + 4)).toEqual(filtered.predictedCovariance.subarray(4 * t, 4 * t + 4));
    }
  });

  it('forecasts from t = 99 although t = 98 and 99 are missing: the last observation was t = 97', () => {
    // Filtering the series cut after t = 97 and forecasting 12 steps must give the same numbers from h = 3.
    const cut = runKalmanFilter(model, lltData.subarray(0, 98));
    const fromLastObservation = forecastFromFilter(model, cut, 12);
    const fromEnd = forecastFromFilter(model, filtered, 10);
    for (let h = 0; h < 10; h++) {
      expectRelative(fromEnd.observationMean[h]!, fromLastObservation.observationMean[h + 2]!, 1e-13, `mean[${h}]`);
      expectRelative(fromEnd.observationVariance[h]!, fromLastObservation.observationVariance[h + 2]!, 1e-13, `var[${h}]`);
    }
    // The missing tail already widened the band: the 1-step variance exceeds the in-sample filtered one at t = 97.
    expect(fromEnd.signalVariance[0]!).toBeGreaterThan(covarianceAt(filtered.filteredCovariance, 2, 97, 0, 0));
    for (let h = 1; h < 10; h++) expect(fromEnd.observationVariance[h]!).toBeGreaterThan(fromEnd.observationVariance[h - 1]!);
  });

  it('standardised innovations are v/√F and roughly N(0, 1) on this well-specified series', () => {
    let sum = 0;
    let sumSquares = 0;
    let count = 0;
    for (let t = 0; t < lltData.length; t++) {
      const z = filtered.standardisedInnovation[t]!;
      if (Number.isNaN(z)) continue;
      expect(z).toBeCloseTo(filtered.innovation[t]! / Math.sqrt(filtered.innovationVariance[t]!), 14);
      sum += z;
      sumSquares += z * z;
      count++;
    }
    expect(count).toBe(70);
    expect(Math.abs(sum / count)).toBeLessThan(0.5);
    expect(sumSquares / count).toBeGreaterThan(0.5);
    expect(sumSquares / count).toBeLessThan(2);
  });
});

describe('case B: local linear trend, exact diffuse initialisation', () => {
  const caseB = at(llt, 'caseB_exact_diffuse');
  const diffuseModel: StateSpaceModel = {
    ...localLinearTrendModel(caseAModelSpec, { initialState: [0, 0], initialCovariance: [0, 0, 0, 0] }),
    initialDiffuseCovariance: Float64Array.of(1, 0, 0, 1),
  };
  const filtered = runKalmanFilter(diffuseModel, lltData);

  it('has the exact diffuse log-likelihood, with 2 diffuse steps', () => {
    expect(filtered.diffuseStepCount).toBe(2);
    expectAbsolute(filtered.logLikelihood, num(caseB, 'loglik'), LOGLIK_TOLERANCE, 'loglik');
    expect(filtered.innovationVariance[0]).toBe(Number.POSITIVE_INFINITY);
    expect(Number.isNaN(filtered.standardisedInnovation[0]!)).toBe(true);
  });

  it('matches the forecasts', () => {
    const forecast = forecastFromFilter(diffuseModel, filtered, 10);
    numbers(caseB, 'forecast_mean').forEach((value, h) => expectRelative(forecast.observationMean[h]!, value, STATE_TOLERANCE, `mean[${h}]`));
    numbers(caseB, 'forecast_var_y').forEach((value, h) =>
      expectRelative(forecast.observationVariance[h]!, value, STATE_TOLERANCE, `var_y[${h}]`),
    );
  });

  it("matches statsmodels' approximate diffuse default (P1 = 1e6 I, first 2 terms burnt)", () => {
    const approximate = runKalmanFilter(
      localLinearTrendModel(caseAModelSpec, { initialState: [0, 0], initialCovariance: [1e6, 0, 0, 1e6] }),
      lltData,
    );
    const burnt = approximate.logLikelihoodByStep.subarray(2).reduce((sum, term) => sum + term, 0);
    expectAbsolute(burnt, num(caseB, 'approx_diffuse_1e6_burn2_loglik'), LOGLIK_TOLERANCE, 'approximate diffuse loglik');
  });

  it('refuses to smooth inside the diffuse period', () => {
    expect(() => runStateSmoother(diffuseModel, filtered)).toThrow(/diffuse/);
  });
});

describe('case C: continuous-time integrated random walk on irregular times', () => {
  const caseC = at(llt, 'caseC_irregular_ct_irw');
  const data = readColumns('data_irregular.csv');
  const times = column(data, 'time');
  const y = column(data, 'y');
  const qLevel = num(caseC, 'q_level');
  const qSlope = num(caseC, 'q_slope');
  const prior = { initialState: numbers(caseC, 'a1'), initialCovariance: [...numbers(caseC, 'P1', 0), ...numbers(caseC, 'P1', 1)] };
  const model = irregularTimeModel({
    stateDim: 2,
    observationDim: 1,
    times,
    discretise: cachedDiscretisation((dt) => discretiseIntegratedRandomWalk(dt, qLevel, qSlope)),
    forecastStep: 1,
    design: [1, 0],
    observationVariance: [num(caseC, 's2_obs')],
    ...prior,
  });
  const filtered = runKalmanFilter(model, y);
  const smoothed = runStateSmoother(model, filtered);

  it('has the exact log-likelihood', () => {
    expect(filtered.observedCount).toBe(55);
    expectAbsolute(filtered.logLikelihood, num(caseC, 'loglik_numpy'), LOGLIK_TOLERANCE, 'numpy');
    expectAbsolute(filtered.logLikelihood, num(caseC, 'loglik_statsmodels'), LOGLIK_TOLERANCE, 'statsmodels');
  });

  it('matches the smoothed level (numpy and statsmodels)', () => {
    for (const key of ['smoothed_level_numpy', 'smoothed_level_statsmodels']) {
      for (const [t, value] of byIndex(caseC, key)) expectRelative(smoothed.smoothedState[2 * t]!, value, STATE_TOLERANCE, `${key}[${t}]`);
    }
  });

  it('matches the daily forecasts', () => {
    const forecast = forecastFromFilter(model, filtered, 10);
    numbers(caseC, 'forecast_mean_daily').forEach((value, h) => expectRelative(forecast.observationMean[h]!, value, STATE_TOLERANCE, `mean[${h}]`));
    numbers(caseC, 'forecast_var_y_daily').forEach((value, h) =>
      expectRelative(forecast.observationVariance[h]!, value, STATE_TOLERANCE, `var_y[${h}]`),
    );
  });

  it('gives the same numbers from the unrolled kernel with continuous-time dynamics', () => {
    const kernelModel: LinearTrendModel = {
      observationVariance: num(caseC, 's2_obs'),
      dynamics: {
        kind: 'continuous',
        levelDiffusion: qLevel,
        slopeDiffusion: qSlope,
        stepDurations: times.subarray(1).map((time, t) => time - times[t]!),
        forecastStep: 1,
      },
      ...prior,
    };
    const track = createLinearTrendTrack(y.length);
    const summary = filterLinearTrend(y, kernelModel, track);
    smoothLinearTrend(kernelModel, track, y.length);
    expectLinearTrendKernelEqualsGeneric(track, summary, filtered, smoothed.smoothedState, smoothed.smoothedCovariance);
    const kernelForecast = forecastLinearTrend(kernelModel, track, y.length, 10);
    numbers(caseC, 'forecast_mean_daily').forEach((value, h) => expectRelative(kernelForecast.mean[h]!, value, STATE_TOLERANCE, `mean[${h}]`));
    numbers(caseC, 'forecast_var_y_daily').forEach((value, h) =>
      expectRelative(kernelForecast.observationVariance[h]!, value, STATE_TOLERANCE, `var_y[${h}]`),
    );
  });
});

describe('case D: maximum likelihood of the local linear trend variances', () => {
  const caseD = at(llt, 'caseD_mle');

  it('finds the known-initialisation optimum with Nelder–Mead on log-variances', () => {
    const fit = fitLinearTrendVariances(lltData, caseAModelSpec);
    expect(fit.converged).toBe(true);
    const expected = numbers(caseD, 'known_init', 'params');
    expectRelative(fit.observationVariance, expected[0]!, MLE_TOLERANCE, 'σ²_ε');
    expectRelative(fit.levelVariance, expected[1]!, MLE_TOLERANCE, 'σ²_level');
    expectRelative(fit.slopeVariance, expected[2]!, MLE_TOLERANCE, 'σ²_slope');
    // The likelihood at statsmodels' optimum is reproduced exactly; ours is at least as high (L-BFGS stopped
    // ~1e-5 relative short of the optimum in the parameters, a few 1e-9 in the log-likelihood).
    const atReference = runKalmanFilter(
      localLinearTrendModel({ observationVariance: expected[0]!, levelVariance: expected[1]!, slopeVariance: expected[2]! }, caseAModelSpec),
      lltData,
    );
    expectAbsolute(atReference.logLikelihood, num(caseD, 'known_init', 'loglik'), LOGLIK_TOLERANCE, 'loglik at the reference optimum');
    expect(fit.logLikelihood).toBeGreaterThanOrEqual(num(caseD, 'known_init', 'loglik') - LOGLIK_TOLERANCE);
    expectAbsolute(fit.logLikelihood, num(caseD, 'known_init', 'loglik'), 1e-7, 'fitted loglik');
  });

  it('finds the exact-diffuse optimum through the generic filter', () => {
    const diffuseLogLikelihood = (eps: number, level: number, slope: number): number => {
      const model: StateSpaceModel = {
        ...localLinearTrendModel(
          { observationVariance: eps, levelVariance: level, slopeVariance: slope },
          { initialState: [0, 0], initialCovariance: [0, 0, 0, 0] },
        ),
        initialDiffuseCovariance: Float64Array.of(1, 0, 0, 1),
      };
      return runKalmanFilter(model, lltData).logLikelihood;
    };
    const negativeLogLikelihood = (logVariances: Float64Array): number =>
      -diffuseLogLikelihood(Math.exp(logVariances[0]!), Math.exp(logVariances[1]!), Math.exp(logVariances[2]!));
    const first = minimiseNelderMead(negativeLogLikelihood, [0, 0, Math.log(0.1)]);
    const fit = minimiseNelderMead(negativeLogLikelihood, first.point);
    expect(fit.converged).toBe(true);
    const expected = numbers(caseD, 'exact_diffuse', 'params');
    Array.from(fit.point, Math.exp).forEach((value, k) => expectRelative(value, expected[k]!, MLE_TOLERANCE, `param ${k}`));
    const reference = num(caseD, 'exact_diffuse', 'loglik');
    expectAbsolute(diffuseLogLikelihood(expected[0]!, expected[1]!, expected[2]!), reference, LOGLIK_TOLERANCE, 'loglik at the reference optimum');
    expect(-fit.value).toBeGreaterThanOrEqual(reference - LOGLIK_TOLERANCE);
    expectAbsolute(-fit.value, reference, 1e-7, 'fitted loglik');
  });
});

describe('case E: 3-state damped CGM model, one day at 5 min, 2.5-h dropout', () => {
  const caseE = at(fusion, 'caseE_damped_cgm');
  const y = column(readColumns('data_cgm_day.csv'), 'y');
  const phiD = num(caseE, 'params', 'phi_d');
  const phiS = num(caseE, 'params', 'phi_s');
  const system: DampedCgmSystem = {
    deviationDecay: phiD,
    rateToDeviation: 1,
    rateDecay: phiS,
    levelVariance: num(caseE, 'params', 'q_mu'),
    deviationVariance: num(caseE, 'params', 'q_d'),
    deviationRateCovariance: 0,
    rateVariance: num(caseE, 'params', 'q_s'),
    observationVariance: num(caseE, 'params', 'R'),
  };
  const [p0, p1, p2] = numbers(caseE, 'P1_diag');
  const prior = { state: numbers(caseE, 'a1'), covariance: [p0!, 0, 0, 0, p1!, 0, 0, 0, p2!] };
  const model = timeInvariantModel({
    stateDim: 3,
    observationDim: 1,
    design: [1, 1, 0],
    observationVariance: [system.observationVariance],
    transition: [1, 0, 0, 0, phiD, 1, 0, 0, phiS],
    stateCovariance: [system.levelVariance, 0, 0, 0, system.deviationVariance, 0, 0, 0, system.rateVariance],
    initialState: prior.state,
    initialCovariance: prior.covariance,
  });
  const filtered = runKalmanFilter(model, y);
  const smoothed = runStateSmoother(model, filtered);
  const signalVariance = (covariances: Float64Array, t: number): number =>
    covarianceAt(covariances, 3, t, 0, 0) + 2 * covarianceAt(covariances, 3, t, 0, 1) + covarianceAt(covariances, 3, t, 1, 1);

  it('has the exact log-likelihood', () => {
    expect(prior.state[0]).toBe(y[0]);
    expectRelative(p2!, system.rateVariance / (1 - phiS * phiS), 1e-15, 'stationary rate variance');
    expect(filtered.observedCount).toBe(num(caseE, 'nobs'));
    expectAbsolute(filtered.logLikelihood, num(caseE, 'loglik'), LOGLIK_TOLERANCE, 'loglik');
  });

  it('matches the smoothed signal μ + d and its variance, inside the dropout too', () => {
    for (const [t, value] of byIndex(caseE, 'smoothed_signal')) {
      expectRelative(smoothed.smoothedState[3 * t]! + smoothed.smoothedState[3 * t + 1]!, value, STATE_TOLERANCE, `signal[${t}]`);
    }
    for (const [t, value] of byIndex(caseE, 'smoothed_signal_var')) {
      expectRelative(signalVariance(smoothed.smoothedCovariance, t), value, STATE_TOLERANCE, `signal var[${t}]`);
    }
  });

  it('matches the 1-hour forecast', () => {
    const forecast = forecastFromFilter(model, filtered, 12);
    numbers(caseE, 'forecast_mean_1h').forEach((value, h) => expectRelative(forecast.observationMean[h]!, value, STATE_TOLERANCE, `mean[${h}]`));
    numbers(caseE, 'forecast_var_y_1h').forEach((value, h) =>
      expectRelative(forecast.observationVariance[h]!, value, STATE_TOLERANCE, `var_y[${h}]`),
    );
  });

  it('gives the same numbers from the unrolled 3-state kernel', () => {
    const track = createDampedCgmTrack(y.length);
    const summary = filterDampedCgm(y, system, prior, track);
    smoothDampedCgm(system, track, y.length);
    expectAbsolute(summary.logLikelihood, filtered.logLikelihood, KERNEL_TOLERANCE, 'log-likelihood');
    expectAbsolute(summary.logLikelihood, num(caseE, 'loglik'), LOGLIK_TOLERANCE, 'reference log-likelihood');
    expect(summary.observedCount).toBe(filtered.observedCount);
    const unique: [number, number][] = [
      [0, 0],
      [0, 1],
      [0, 2],
      [1, 1],
      [1, 2],
      [2, 2],
    ];
    for (let t = 0; t < y.length; t++) {
      for (let r = 0; r < 3; r++) {
        const k = 3 * t + r;
        const variance = (covariances: Float64Array): number => covarianceAt(covariances, 3, t, r, r);
        expectStateClose(track.predictedState[k]!, filtered.predictedState[k]!, variance(filtered.predictedCovariance), `a_pred[${t}][${r}]`);
        expectStateClose(track.filteredState[k]!, filtered.filteredState[k]!, variance(filtered.filteredCovariance), `a_filt[${t}][${r}]`);
        expectStateClose(track.smoothedState[k]!, smoothed.smoothedState[k]!, variance(smoothed.smoothedCovariance), `a_smooth[${t}][${r}]`);
      }
      const pairs: [Float64Array, Float64Array, Float64Array, string][] = [
        [track.predictedCovariance, filtered.predictedCovariance, filtered.predictedCovariance, 'P_pred'],
        [track.filteredCovariance, filtered.filteredCovariance, filtered.filteredCovariance, 'P_filt'],
        [track.smoothedCovariance, smoothed.smoothedCovariance, filtered.predictedCovariance, 'P_smooth'],
      ];
      for (const [kernel, full, scale, name] of pairs) {
        unique.forEach(([r, c], k) => {
          const variance = (i: number): number => covarianceAt(scale, 3, t, i, i);
          expectCovarianceClose(kernel[6 * t + k]!, covarianceAt(full, 3, t, r, c), variance(r), variance(c), `${name}[${t}][${r}${c}]`);
        });
      }
    }
    const kernelForecast = forecastDampedCgm(system, track, y.length, 12);
    numbers(caseE, 'forecast_mean_1h').forEach((value, h) => expectRelative(kernelForecast.mean[h]!, value, STATE_TOLERANCE, `mean[${h}]`));
    numbers(caseE, 'forecast_var_y_1h').forEach((value, h) =>
      expectRelative(kernelForecast.observationVariance[h]!, value, STATE_TOLERANCE, `var_y[${h}]`),
    );
  });

  it('widens the filtered signal variance through the dropout (t = 100…129)', () => {
    for (let t = 100; t <= 129; t++) {
      expect(signalVariance(filtered.filteredCovariance, t)).toBeGreaterThan(signalVariance(filtered.filteredCovariance, t - 1));
    }
  });
});

describe('case F: daily CGM mean + HbA1c fusion with a glycation offset', () => {
  const caseF = at(fusion, 'caseF_fusion');
  const data = readColumns('data_fusion_daily.csv');
  const cgmCount = column(data, 'cgm_n');
  const observations = new Float64Array(2 * cgmCount.length);
  column(data, 'cgm_mean').forEach((value, t) => (observations[2 * t] = value));
  column(data, 'hba1c').forEach((value, t) => (observations[2 * t + 1] = value));
  const phi = Math.exp(-1 / num(caseF, 'tau_days'));
  const qG = num(caseF, 'q_g');
  const labVariance = num(caseF, 'R2');
  const prior = { initialState: numbers(caseF, 'a1'), initialCovariance: [0, 1, 2].flatMap((r) => numbers(caseF, 'P1', r)) };

  function fusionModel(): StateSpaceModel {
    const base = timeInvariantModel({
      stateDim: 3,
      observationDim: 2,
      design: [1, 0, 0, 0, 1 / 28.7, 1],
      observationIntercept: [0, 46.7 / 28.7],
      observationVariance: [1, labVariance],
      transition: [1, 0, 0, 1 - phi, phi, 0, 0, 0, 1],
      stateCovariance: [qG, 0, 0, 0, 0, 0, 0, 0, 0],
      ...prior,
    });
    // The CGM daily mean's variance shrinks with the day's coverage: 25 (mg/dL)² per reading over n readings.
    const systems = Array.from(cgmCount, (count) => ({
      ...base.systemAt(0),
      observationVariance: Float64Array.of(count > 0 ? (25 * 288) / count : 1, labVariance),
    }));
    return { ...base, systemAt: (t) => systems[t] ?? base.systemAt(t) };
  }

  const model = fusionModel();
  const filtered = runKalmanFilter(model, observations);
  const smoothed = runStateSmoother(model, filtered);

  it('has the exact log-likelihood with partially missing bivariate rows', () => {
    expectRelative(phi, num(caseF, 'phi'), 1e-15, 'φ');
    expectAbsolute(filtered.logLikelihood, num(caseF, 'loglik'), LOGLIK_TOLERANCE, 'loglik');
  });

  it('matches the smoothed daily mean glucose and the glycation offset', () => {
    for (const [t, value] of byIndex(caseF, 'smoothed_g')) expectRelative(smoothed.smoothedState[3 * t]!, value, STATE_TOLERANCE, `g[${t}]`);
    for (const [t, value] of byIndex(caseF, 'smoothed_g_var')) {
      expectRelative(covarianceAt(smoothed.smoothedCovariance, 3, t, 0, 0), value, STATE_TOLERANCE, `g var[${t}]`);
    }
    expectRelative(smoothed.smoothedState[3 * 179 + 2]!, num(caseF, 'smoothed_gamma_day179'), STATE_TOLERANCE, 'γ');
    expectRelative(covarianceAt(smoothed.smoothedCovariance, 3, 179, 2, 2), num(caseF, 'smoothed_gamma_var_day179'), STATE_TOLERANCE, 'γ var');
    // The truth of the simulation lies within 2 posterior SDs.
    const gammaSd = Math.sqrt(num(caseF, 'smoothed_gamma_var_day179'));
    expect(Math.abs(smoothed.smoothedState[3 * 179 + 2]! - num(caseF, 'true_gamma'))).toBeLessThan(2 * gammaSd);
    const gDay90Sd = Math.sqrt(covarianceAt(smoothed.smoothedCovariance, 3, 90, 0, 0));
    expect(Math.abs(smoothed.smoothedState[3 * 90]! - num(caseF, 'true_g_day90'))).toBeLessThan(2 * gDay90Sd);
  });

  it('matches the day-ahead forecasts of glucose and of the true (noise-free) HbA1c', () => {
    const forecast = forecastFromFilter(model, filtered, 30);
    const horizons = Object.keys(at(caseF, 'forecast_day_ahead') as Record<string, Json>).map(Number);
    expect(horizons).toEqual([1, 7, 14, 30]);
    for (const horizon of horizons) {
      const h = horizon - 1;
      const expected = (key: string): number => num(caseF, 'forecast_day_ahead', horizon, key);
      expectRelative(forecast.state[3 * h]!, expected('g_mean'), STATE_TOLERANCE, `g mean +${horizon}`);
      expectRelative(forecast.stateCovariance[9 * h]!, expected('g_var'), STATE_TOLERANCE, `g var +${horizon}`);
      expectRelative(forecast.observationMean[2 * h + 1]!, expected('a1c_true_mean'), STATE_TOLERANCE, `A1c +${horizon}`);
      expectRelative(forecast.signalVariance[2 * h + 1]!, expected('a1c_true_var'), STATE_TOLERANCE, `A1c var +${horizon}`);
    }
  });

  it('without the labs, the day-90 glucose inside the CGM gap is less certain', () => {
    const withoutLabs = observations.map((value, k) => (k % 2 === 1 ? Number.NaN : value));
    const smoothedWithoutLabs = runStateSmoother(model, runKalmanFilter(model, withoutLabs));
    expectRelative(smoothedWithoutLabs.smoothedState[3 * 90]!, num(caseF, 'no_hba1c_smoothed_g_day90'), STATE_TOLERANCE, 'g day 90');
    const varianceWithoutLabs = covarianceAt(smoothedWithoutLabs.smoothedCovariance, 3, 90, 0, 0);
    expectRelative(varianceWithoutLabs, num(caseF, 'no_hba1c_smoothed_g_var_day90'), STATE_TOLERANCE, 'g var day 90');
    expect(varianceWithoutLabs).toBeGreaterThan(covarianceAt(smoothed.smoothedCovariance, 3, 90, 0, 0));
  });
});
