/**
 * The simple forecasters the twin must beat, on the same origins and protocol (./protocol.ts):
 * - last value carried forward;
 * - linear extrapolation: the current reading plus the least-squares slope of the readings of the last
 *   30 min (origin included) times the horizon; with one reading in that window, the last value;
 * - Nightscout's AR2 (lib/plugins/ar2.js): on y = ln(BG/140) in 5-min steps, y_{k+1} = −0.723 y_{k−1}
 *   + 1.716 y_k, from the current reading and the value 5 min earlier (interpolated between the readings
 *   around it; Nightscout starts flat, y_{k−1} = y_k, when no reading lies within 10 min before that).
 *   A horizon that is not a multiple of 5 min is interpolated in y between the two steps around it.
 * Both extrapolations are clamped to the sensor's reporting range [40, 400] mg/dL (Nightscout clamps AR2
 * to [36, 400]; we use its clamp for AR2). Nightscout's display rounding to whole mg/dL is not applied.
 *
 * Their bands: the empirical distribution of past outcome/forecast ratios at the same horizon for the
 * same subject, from forecasts whose outcomes were observed before the block start (same learning rule
 * as the twin), scaled by the current forecast.
 */
import { RatioSample, ScaledEmpiricalDistribution } from '../scoring/distributions.js';
import { type ForecastProtocol, lowerBound, nearestReading, refitBlocks } from './protocol.js';

export const BASELINE_METHODS = ['last-value', 'linear-30min', 'nightscout-ar2'] as const;
export type BaselineMethod = (typeof BASELINE_METHODS)[number];

export const AR2_COEFFICIENTS = [-0.723, 1.716] as const;
export const AR2_REFERENCE_MG_DL = 140;
export const AR2_STEP_MIN = 5;
const AR2_MIN_MG_DL = 36;
const AR2_MAX_MG_DL = 400;
/** A previous reading further than this before origin − 5 min is too stale to give AR2 a rate. */
const AR2_MAX_LOOKBACK_GAP_MIN = 10;
const LINEAR_WINDOW_MIN = 30;
const SENSOR_MIN_MG_DL = 40;
const SENSOR_MAX_MG_DL = 400;

/** One CGM series, sorted by time. */
export interface CgmSeries {
  readonly timeMin: Float64Array;
  readonly glucoseMgDl: Float64Array;
}

export function lastValueForecast(series: CgmSeries, index: number): number {
  return series.glucoseMgDl[index]!;
}

export function linearExtrapolationForecast(series: CgmSeries, index: number, horizonMin: number): number {
  const { timeMin, glucoseMgDl } = series;
  const originMin = timeMin[index]!;
  const first = lowerBound(timeMin, originMin - LINEAR_WINDOW_MIN);
  const count = index - first + 1;
  if (count < 2) return glucoseMgDl[index]!;
  let meanT = 0;
  let meanY = 0;
  for (let j = first; j <= index; j++) {
    meanT += timeMin[j]! - originMin;
    meanY += glucoseMgDl[j]!;
  }
  meanT /= count;
  meanY /= count;
  let sxy = 0;
  let sxx = 0;
  for (let j = first; j <= index; j++) {
    const dt = timeMin[j]! - originMin - meanT;
    sxy += dt * (glucoseMgDl[j]! - meanY);
    sxx += dt * dt;
  }
  const slopePerMin = sxx > 0 ? sxy / sxx : 0;
  return clamp(glucoseMgDl[index]! + slopePerMin * horizonMin, SENSOR_MIN_MG_DL, SENSOR_MAX_MG_DL);
}

export function nightscoutAr2Forecast(series: CgmSeries, index: number, horizonMin: number): number {
  const { timeMin, glucoseMgDl } = series;
  const current = Math.log(glucoseMgDl[index]! / AR2_REFERENCE_MG_DL);
  const fiveMinAgo = timeMin[index]! - AR2_STEP_MIN;
  // The last reading at or before origin − 5 min, and the one after it (which may be the origin itself).
  const before = lowerBound(timeMin, fiveMinAgo + 1e-9) - 1;
  let previous = current;
  if (before >= 0 && fiveMinAgo - timeMin[before]! <= AR2_MAX_LOOKBACK_GAP_MIN) {
    const after = before + 1;
    const yBefore = Math.log(glucoseMgDl[before]! / AR2_REFERENCE_MG_DL);
    const yAfter = Math.log(glucoseMgDl[after]! / AR2_REFERENCE_MG_DL);
    const span = timeMin[after]! - timeMin[before]!;
    previous = span > 0 ? yBefore + ((yAfter - yBefore) * (fiveMinAgo - timeMin[before]!)) / span : yBefore;
  }
  const steps = horizonMin / AR2_STEP_MIN;
  const whole = Math.floor(steps);
  let older = previous;
  let newer = current;
  for (let k = 0; k < whole; k++) {
    const next = AR2_COEFFICIENTS[0] * older + AR2_COEFFICIENTS[1] * newer;
    older = newer;
    newer = next;
  }
  const fraction = steps - whole;
  const y = fraction > 0 ? newer + fraction * (AR2_COEFFICIENTS[0] * older + AR2_COEFFICIENTS[1] * newer - newer) : newer;
  return clamp(AR2_REFERENCE_MG_DL * Math.exp(y), AR2_MIN_MG_DL, AR2_MAX_MG_DL);
}

export function baselinePointForecast(method: BaselineMethod, series: CgmSeries, index: number, horizonMin: number): number {
  switch (method) {
    case 'last-value':
      return lastValueForecast(series, index);
    case 'linear-30min':
      return linearExtrapolationForecast(series, index, horizonMin);
    case 'nightscout-ar2':
      return nightscoutAr2Forecast(series, index, horizonMin);
  }
}

export interface BaselineOriginForecasts {
  readonly index: number;
  /** one per protocol horizon */
  readonly forecasts: readonly ScaledEmpiricalDistribution[];
}

/**
 * A baseline's probabilistic forecasts from every origin. Until a subject has past outcomes at a horizon
 * (never, with the default 24 h burn-in) its band is the point forecast alone.
 */
export function* forecastWithBaseline(
  method: BaselineMethod,
  series: CgmSeries,
  protocol: ForecastProtocol,
): Generator<BaselineOriginForecasts> {
  const { timeMin, glucoseMgDl } = series;
  const horizons = protocol.horizonsMin;
  for (const block of refitBlocks(timeMin, protocol)) {
    const bands = horizons.map((horizonMin) => {
      const ratios: number[] = [];
      for (let i = 0; i < block.firstIndex; i++) {
        if (timeMin[i]! + horizonMin - protocol.targetToleranceMin >= block.startMin) break;
        const target = nearestReading(timeMin, timeMin[i]! + horizonMin, protocol.targetToleranceMin);
        if (target < 0 || timeMin[target]! >= block.startMin) continue;
        ratios.push(glucoseMgDl[target]! / baselinePointForecast(method, series, i, horizonMin));
      }
      return new RatioSample(ratios.length > 0 ? ratios : [1]);
    });
    for (let i = block.firstIndex; i < block.endIndex; i++) {
      yield {
        index: i,
        forecasts: horizons.map((horizonMin, h) => new ScaledEmpiricalDistribution(baselinePointForecast(method, series, i, horizonMin), bands[h]!)),
      };
    }
  }
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}
