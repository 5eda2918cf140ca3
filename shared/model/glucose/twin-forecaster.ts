/**
 * The twin's forecasts under the protocol of ./protocol.ts: at each block start T_k, a MAP refit on the
 * readings before T_k (warm-started from the previous block), a band recalibration per horizon from the
 * errors of forecasts whose outcomes were seen before T_k, then one filter pass that gives the forecast
 * from every CGM reading of the block.
 */
import { LogNormalScaleMixture } from '../scoring/distributions.js';
import {
  buildReadingTimeline,
  type FastLayerParameters,
  FILTERED_STRIDE,
  filterFastLayer,
  forecastFromFiltered,
  type GlucoseReadings,
  ReadingKind,
  type ReadingTimeline,
  StepSystems,
} from './fast-layer.js';
import { type FastLayerFit, fitFastLayer } from './hyperparameters.js';
import { type ForecastProtocol, nearestReading, refitBlocks } from './protocol.js';
import { fitScaleMixture, type ScaleMixture } from './recalibration.js';

export interface OriginForecasts {
  /** index of the origin reading in the subject's readings */
  readonly index: number;
  /** one per protocol horizon, in the protocol's order */
  readonly forecasts: readonly LogNormalScaleMixture[];
}

/** What was learned at one block start: reported by the CLI and the benchmark. */
export interface TwinBlockFit {
  readonly startMin: number;
  readonly fit: FastLayerFit;
  readonly bands: readonly ScaleMixture[];
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
    const bands = horizons.map((horizonMin, h) =>
      fitScaleMixture(
        pastStandardisedErrors(readings, cgmIndices, cgmTimes, filtered, systems, timeline, horizonMin, block.startMin, protocol.targetToleranceMin),
        previousBands[h],
      ),
    );
    previousBands = bands;
    options.onBlock?.({ startMin: block.startMin, fit, bands });
    for (let i = block.firstIndex; i < block.endIndex; i++) {
      if (readings.kind[i] !== ReadingKind.Cgm) continue;
      const originMin = readings.timeMin[i]!;
      const forecasts = horizons.map((horizonMin, h) => {
        const forecast = forecastFromFiltered(filtered, i, systems, timeline, originMin, horizonMin);
        const band = bands[h]!;
        return new LogNormalScaleMixture(forecast.logMean, Math.sqrt(forecast.logVariance), band.weights, band.scaleFactors);
      });
      yield { index: i, forecasts };
    }
  }
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
): Float64Array {
  const errors: number[] = [];
  for (let c = 0; c < cgmIndices.length; c++) {
    const originMin = cgmTimes[c]!;
    if (originMin + horizonMin - toleranceMin >= beforeMin) break;
    const target = nearestReading(cgmTimes, originMin + horizonMin, toleranceMin);
    if (target < 0 || cgmTimes[target]! >= beforeMin) continue;
    const origin = cgmIndices[c]!;
    const forecast = forecastFromFiltered(filtered, origin, systems, timeline, originMin, horizonMin);
    errors.push((readings.logGlucose[cgmIndices[target]!]! - forecast.logMean) / Math.sqrt(forecast.logVariance));
  }
  return Float64Array.from(errors);
}
