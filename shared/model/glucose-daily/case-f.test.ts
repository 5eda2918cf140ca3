// Case F of ../shared/reference/kalman (statsmodels): daily CGM mean + HbA1c through ADAG with a
// glycation offset. The daily layer configured like case F (no trend, day deviation, sensor bias or
// drugs; absolute variances) must reproduce its log-likelihood, smoothed states and forecasts: the extra
// states are then exact zeros, so the structure reduces to case F's [g, m, γ].
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { forecastFromFilter, runKalmanFilter, runStateSmoother } from '../kalman.js';
import { hba1cKernelDecayPerDay } from './formulas.js';
import {
  buildGlucoseDailyModel,
  STATE_GLYCATION_OFFSET,
  STATE_HBA1C_KERNEL,
  STATE_LEVEL,
  type GlucoseDailyParameters,
} from './model.js';
import { prepareSeries } from './series.js';
import { type DailyGlucoseInput } from './types.js';

const REFERENCE_DIR = path.resolve('../shared/reference/kalman');

interface CaseF {
  readonly loglik: number;
  readonly q_g: number;
  readonly R2: number;
  readonly tau_days: number;
  readonly smoothed_g: Record<string, number>;
  readonly smoothed_g_var: Record<string, number>;
  readonly smoothed_gamma_day179: number;
  readonly smoothed_gamma_var_day179: number;
  readonly forecast_day_ahead: Record<string, { g_mean: number; g_var: number; a1c_true_mean: number; a1c_true_var: number }>;
  readonly no_hba1c_smoothed_g_day90: number;
  readonly no_hba1c_smoothed_g_var_day90: number;
}

const caseF = (JSON.parse(readFileSync(path.join(REFERENCE_DIR, 'ref_fusion.json'), 'utf8')) as { caseF_fusion: CaseF }).caseF_fusion;

/** The CSV as a DailyGlucoseInput: wear = readings / 288, so the model's σ²_white / w is case F's 25·288/n. */
function caseFInput(withLabs: boolean): DailyGlucoseInput {
  const rows = readFileSync(path.join(REFERENCE_DIR, 'data_fusion_daily.csv'), 'utf8').trim().split('\n').slice(1);
  const n = rows.length;
  const input = {
    days: new Int32Array(n),
    meanMgDl: new Float64Array(n),
    sdLogMgDl: new Float64Array(n).fill(Number.NaN),
    wearFraction: new Float64Array(n),
    hba1c: [] as { day: number; percent: number }[],
    doses: [],
  };
  rows.forEach((row, t) => {
    const [day, mean, count, hba1c] = row.split(',');
    input.days[t] = Number(day);
    input.meanMgDl[t] = mean === '' ? Number.NaN : Number(mean);
    input.wearFraction[t] = Number(count) / 288;
    if (withLabs && hba1c !== '' && hba1c !== undefined) input.hba1c.push({ day: Number(day), percent: Number(hba1c) });
  });
  return input;
}

const caseFParameters: GlucoseDailyParameters = {
  levelVarianceMgDl2: caseF.q_g,
  trendVarianceMgDl2: 0,
  trendDecayPerDay: 0,
  dayDeviationVarianceMgDl2: 0,
  dayDeviationCorrelation: 0,
  sensorBiasVarianceMgDl2: 0,
  sensorBiasTimeDays: 3,
  cgmWhiteVarianceMgDl2: 25,
  partialDayVarianceMgDl2: 0,
  medicationDecayPerDay: 0,
  hba1cKernelDecayPerDay: hba1cKernelDecayPerDay(caseF.tau_days),
  labVariancePct2: caseF.R2,
  prior: {
    levelMeanMgDl: 160,
    levelVarianceMgDl2: 2500,
    trendVarianceMgDl2: 0,
    kernelOffsetVarianceMgDl2: 100,
    glycationOffsetMeanPct: 0,
    glycationOffsetVariancePct2: 0.25,
  },
  doseResponseMeans: new Float64Array(0),
  doseResponseSds: new Float64Array(0),
};

function relative(actual: number, expected: number): number {
  return Math.abs(actual - expected) / Math.abs(expected);
}

describe('daily layer configured as case F', () => {
  const { series } = prepareSeries(caseFInput(true), 179, 365);
  const { model, observations, stateDim: m } = buildGlucoseDailyModel(series, caseFParameters);
  const filtered = runKalmanFilter(model, observations);

  it('reproduces the reference log-likelihood to 1e-9', () => {
    expect(series.firstDay).toBe(0);
    expect(series.dayCount).toBe(180);
    expect(Math.abs(filtered.logLikelihood - caseF.loglik)).toBeLessThan(1e-9);
  });

  it('reproduces the smoothed level and glycation offset to 1e-9 relative', () => {
    const smoothed = runStateSmoother(model, filtered);
    for (const [day, value] of Object.entries(caseF.smoothed_g)) {
      const t = Number(day);
      expect(relative(smoothed.smoothedState[t * m + STATE_LEVEL]!, value)).toBeLessThan(1e-9);
      expect(relative(smoothed.smoothedCovariance[t * m * m + STATE_LEVEL * m + STATE_LEVEL]!, caseF.smoothed_g_var[day]!)).toBeLessThan(1e-9);
    }
    const gammaIndex = 179 * m + STATE_GLYCATION_OFFSET;
    expect(relative(smoothed.smoothedState[gammaIndex]!, caseF.smoothed_gamma_day179)).toBeLessThan(1e-9);
    expect(
      relative(smoothed.smoothedCovariance[179 * m * m + STATE_GLYCATION_OFFSET * m + STATE_GLYCATION_OFFSET]!, caseF.smoothed_gamma_var_day179),
    ).toBeLessThan(1e-9);
  });

  it('reproduces the level and true-HbA1c forecasts to 1e-9 relative', () => {
    const forecast = forecastFromFilter(model, filtered, 30);
    for (const [horizon, expected] of Object.entries(caseF.forecast_day_ahead)) {
      const h = Number(horizon) - 1;
      const state = forecast.state.subarray(h * m, (h + 1) * m);
      const P = forecast.stateCovariance.subarray(h * m * m, (h + 1) * m * m);
      expect(relative(state[STATE_LEVEL]!, expected.g_mean)).toBeLessThan(1e-9);
      expect(relative(P[STATE_LEVEL * m + STATE_LEVEL]!, expected.g_var)).toBeLessThan(1e-9);
      // True HbA1c = m/28.7 + γ + 46.7/28.7 (no assay noise): case F's Zf·a + dF.
      const k = STATE_HBA1C_KERNEL;
      const g = STATE_GLYCATION_OFFSET;
      expect(relative(state[k]! / 28.7 + state[g]! + 46.7 / 28.7, expected.a1c_true_mean)).toBeLessThan(1e-9);
      const variance = P[k * m + k]! / 28.7 ** 2 + (2 * P[k * m + g]!) / 28.7 + P[g * m + g]!;
      expect(relative(variance, expected.a1c_true_var)).toBeLessThan(1e-9);
    }
  });

  it('without the HbA1c results the CGM gap is wider, as in the reference', () => {
    const withoutLabs = prepareSeries(caseFInput(false), 179, 365).series;
    const built = buildGlucoseDailyModel(withoutLabs, caseFParameters);
    const smoothed = runStateSmoother(built.model, runKalmanFilter(built.model, built.observations));
    expect(relative(smoothed.smoothedState[90 * m + STATE_LEVEL]!, caseF.no_hba1c_smoothed_g_day90)).toBeLessThan(1e-9);
    expect(relative(smoothed.smoothedCovariance[90 * m * m + STATE_LEVEL * m + STATE_LEVEL]!, caseF.no_hba1c_smoothed_g_var_day90)).toBeLessThan(1e-9);
  });
});
