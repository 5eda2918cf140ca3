/**
 * The twin's forecasts under the protocol of ./protocol.ts: at each block start T_k, a MAP refit on the
 * readings before T_k (warm-started from the previous block), a band recalibration per horizon from the
 * errors of forecasts whose outcomes were seen before T_k (./recalibration.ts, with the mixture's own
 * estimation uncertainty while few errors exist), then one filter pass that gives the forecast from every
 * CGM reading of the block.
 */
import { LogNormalScaleMixture } from '../scoring/distributions.js';
import {
  buildReadingTimeline,
  type FastLayerParameters,
  FILTERED_STRIDE,
  filterFastLayer,
  forecastFromFiltered,
  type GlucoseReadings,
  type LogGlucoseForecast,
  ReadingKind,
  type ReadingTimeline,
  StepSystems,
} from './fast-layer.js';
import { type FastLayerFit, fitFastLayer } from './hyperparameters.js';
import { type ForecastProtocol, nearestReading, refitBlocks } from './protocol.js';
import { fitScaleMixture, type ScaleMixture, withScaleUncertainty } from './recalibration.js';

/**
 * One forecast of the twin: the band is the recalibrated mixture around the model's log forecast m,
 * ln y ~ m + √v·U (median exp(m)); the point forecast scored by squared error is the model's own mean,
 * E[y] = exp(m + v/2). That is how the baselines are scored too (their point forecast, their band from past
 * errors). The mixture is fitted to the size of past errors, not their sign; were its mean the point, a
 * wide tail, fitted to a few meal-sized errors, would push every forecast up by exp(½ s²v) — and into a
 * gap, where v is large, by a lot.
 */
export class TwinForecast extends LogNormalScaleMixture {
  override readonly squaredErrorPoint: number;

  constructor(forecast: LogGlucoseForecast, band: ScaleMixture) {
    super(forecast.logMean, Math.sqrt(forecast.logVariance), band.weights, band.scaleFactors);
    this.squaredErrorPoint = Math.exp(forecast.logMean + 0.5 * forecast.logVariance);
  }
}

export interface OriginForecasts {
  /** index of the origin reading in the subject's readings */
  readonly index: number;
  /** one per protocol horizon, in the protocol's order */
  readonly forecasts: readonly TwinForecast[];
}

/** What was learned at one block start: reported by the CLI and the benchmark. */
export interface TwinBlockFit {
  readonly startMin: number;
  readonly fit: FastLayerFit;
  /** per horizon: the mixture fitted to past standardised errors, with its estimation uncertainty */
  readonly bands: readonly ScaleMixture[];
  /** per horizon: how many independent past errors the mixture rests on (time they cover / horizon) */
  readonly effectiveErrors: readonly number[];
}

export interface TwinForecastOptions {
  /** called once per block, before its forecasts */
  readonly onBlock?: (block: TwinBlockFit) => void;
}

export function* forecastWithTwin(
  readings: GlucoseReadings,
  protocol: ForecastProtocol,
  options: TwinForecastOptions = {},
): Generator<OriginForecasts> {
  const n = readings.timeMin.length;
  if (n === 0) return;
  const timeline = buildReadingTimeline(readings);
  const cgmIndices: number[] = [];
  for (let i = 0; i < n; i++) if (readings.kind[i] === ReadingKind.Cgm) cgmIndices.push(i);
  const cgmTimes = Float64Array.from(cgmIndices, (i) => readings.timeMin[i]!);
  const filtered = new Float64Array(FILTERED_STRIDE * n);
  const horizons = protocol.horizonsMin;
  let parameters: FastLayerParameters | undefined;
  let previousBands: readonly ScaleMixture[] = [];
  // Every block holds new readings (./protocol.ts skips empty ones), so every block refits.
  for (const block of refitBlocks(readings.timeMin, protocol)) {
    const fit = fitFastLayer(readings, timeline, block.firstIndex, { start: parameters });
    parameters = fit.parameters;
    const systems = new StepSystems(parameters, timeline);
    filterFastLayer(readings, timeline, systems, block.endIndex, filtered);
    const past = horizons.map((horizonMin) =>
      pastStandardisedErrors(readings, cgmIndices, cgmTimes, filtered, systems, timeline, horizonMin, block.startMin, protocol.targetToleranceMin),
    );
    const effectiveErrors = past.map((errors, h) => errors.coveredMin / horizons[h]!);
    const fitted = past.map((errors, h) => fitScaleMixture(errors.errors, previousBands[h], effectiveErrors[h]));
    previousBands = fitted;
    const bands = fitted.map((mixture, h) => withScaleUncertainty(mixture, effectiveErrors[h]!));
    options.onBlock?.({ startMin: block.startMin, fit, bands, effectiveErrors });
    for (let i = block.firstIndex; i < block.endIndex; i++) {
      if (readings.kind[i] !== ReadingKind.Cgm) continue;
      const originMin = readings.timeMin[i]!;
      const forecasts = horizons.map((horizonMin, h) => {
        const forecast = forecastFromFiltered(filtered, i, systems, timeline, originMin, horizonMin);
        return new TwinForecast(forecast, bands[h]!);
      });
      yield { index: i, forecasts };
    }
  }
}

interface PastErrors {
  /** (ln y − m)/√v per origin, in time order */
  readonly errors: Float64Array;
  /**
   * The time those origins cover, each counting for at most one horizon until the next: errors from origins
   * closer than h share most of their outcome's path, so this over h is the number of independent ones.
   */
  readonly coveredMin: number;
}

/** (ln y − m)/√v for every CGM origin whose outcome at `horizonMin` was observed before `beforeMin`. */
function pastStandardisedErrors(
  readings: GlucoseReadings,
  cgmIndices: readonly number[],
  cgmTimes: Float64Array,
  filtered: Float64Array,
  systems: StepSystems,
  timeline: ReadingTimeline,
  horizonMin: number,
  beforeMin: number,
  toleranceMin: number,
): PastErrors {
  const errors: number[] = [];
  let coveredMin = 0;
  let previousOriginMin = Number.NaN;
  for (let c = 0; c < cgmIndices.length; c++) {
    const originMin = cgmTimes[c]!;
    if (originMin + horizonMin - toleranceMin >= beforeMin) break;
    const target = nearestReading(cgmTimes, originMin + horizonMin, toleranceMin);
    if (target < 0 || cgmTimes[target]! >= beforeMin) continue;
    const origin = cgmIndices[c]!;
    const forecast = forecastFromFiltered(filtered, origin, systems, timeline, originMin, horizonMin);
    errors.push((readings.logGlucose[cgmIndices[target]!]! - forecast.logMean) / Math.sqrt(forecast.logVariance));
    coveredMin += Number.isNaN(previousOriginMin) ? horizonMin : Math.min(horizonMin, originMin - previousOriginMin);
    previousOriginMin = originMin;
  }
  return { errors: Float64Array.from(errors), coveredMin };
}
