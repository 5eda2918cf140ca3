/**
 * Do the panel refit's shortcuts (shared/model/glucose/patient-refit.ts: MAP on a recent window with a
 * capped budget; bands from the last 7 days' errors only) forecast as well as the full MAP
 * (../../shared/model/glucose/hyperparameters.ts) with bands from all past errors? All three run
 * twin-forecaster's protocol on the same subjects (daily refits on earlier readings only; its bands: the
 * scale mixture warm-started from the previous block, with its estimation uncertainty; its TwinForecast)
 * and differ only in those two steps, so the first is `caretwin twin evaluate`'s twin (the bench prints
 * both to show it). The 30/60-min scores are returned side by side.
 */
import {
  buildReadingTimeline,
  cgmReadings,
  type FastLayerParameters,
  FILTERED_STRIDE,
  filterFastLayer,
  forecastFromFiltered,
  type GlucoseReadings,
  MINUTES_PER_DAY,
  type ReadingTimeline,
  StepSystems,
} from '../../shared/model/glucose/fast-layer.js';
import { fitFastLayer } from '../../shared/model/glucose/hyperparameters.js';
import { fitRecentWindow, type PatientRefitOptions } from '../../shared/model/glucose/patient-refit.js';
import { DEFAULT_PROTOCOL, lowerBound, nearestReading, refitBlocks } from '../../shared/model/glucose/protocol.js';
import { fitScaleMixture, type ScaleMixture, withScaleUncertainty } from '../../shared/model/glucose/recalibration.js';
import { TwinForecast } from '../../shared/model/glucose/twin-forecaster.js';
import { HorizonScoreAccumulator, type HorizonScores } from '../../shared/model/scoring/forecast-scores.js';

export interface QualitySubject {
  readonly timeMin: Float64Array;
  readonly glucoseMgDl: Float64Array;
  readonly censoring: Uint8Array;
}

type Fitter = (readings: GlucoseReadings, timeline: ReadingTimeline, count: number, start: FastLayerParameters | undefined) => { parameters: FastLayerParameters; evaluations: number };

const fullMap: Fitter = (readings, timeline, count, start) => fitFastLayer(readings, timeline, count, { start });

function windowMap(options: PatientRefitOptions): Fitter {
  return (readings, _timeline, count, start) =>
    fitRecentWindow(
      { timeMin: readings.timeMin.subarray(0, count), logGlucose: readings.logGlucose.subarray(0, count), kind: readings.kind.subarray(0, count), censoring: readings.censoring.subarray(0, count) },
      { ...options, previous: start },
    );
}

export interface QualityScores {
  readonly evaluations: number;
  readonly seconds: number;
  readonly byHorizon: Record<string, { rmse: number; crps: number; coverage80: number; coverage95: number; n: number }>;
}

/** Which past forecast errors recalibrate the bands: all (twin-forecaster) or the panel refit's recent ones. */
interface BandRule {
  readonly windowDays: number;
}

const ALL_PAST_ERRORS: BandRule = { windowDays: Number.POSITIVE_INFINITY };
/** shared/model/glucose/patient-refit.ts's default band window */
const PANEL_REFIT_BANDS: BandRule = { windowDays: 7 };

function scoreWith(subjects: readonly QualitySubject[], fitter: Fitter, bandRule: BandRule): QualityScores {
  const horizons = DEFAULT_PROTOCOL.horizonsMin;
  const tolerance = DEFAULT_PROTOCOL.targetToleranceMin;
  const accumulators = horizons.map(() => new HorizonScoreAccumulator());
  let evaluations = 0;
  const start = performance.now();
  for (const subject of subjects) {
    const readings = cgmReadings(subject.timeMin, subject.glucoseMgDl, subject.censoring);
    const n = readings.timeMin.length;
    const timeline = buildReadingTimeline(readings);
    const filtered = new Float64Array(FILTERED_STRIDE * n);
    let parameters: FastLayerParameters | undefined;
    let previousBands: readonly ScaleMixture[] = [];
    for (const block of refitBlocks(readings.timeMin, DEFAULT_PROTOCOL)) {
      const fit = fitter(readings, timeline, block.firstIndex, parameters);
      evaluations += fit.evaluations;
      parameters = fit.parameters;
      const systems = new StepSystems(parameters, timeline);
      filterFastLayer(readings, timeline, systems, block.endIndex, filtered);
      const fitted: ScaleMixture[] = [];
      const bands = horizons.map((horizonMin, h) => {
        const errors: number[] = [];
        let coveredMin = 0;
        let previousOriginMin = Number.NaN;
        const windowStart = lowerBound(readings.timeMin, block.startMin - bandRule.windowDays * MINUTES_PER_DAY);
        for (let i = windowStart; i < n; i++) {
          const originMin = readings.timeMin[i]!;
          if (originMin + horizonMin - tolerance >= block.startMin) break;
          const target = nearestReading(readings.timeMin, originMin + horizonMin, tolerance);
          if (target < 0 || readings.timeMin[target]! >= block.startMin) continue;
          const f = forecastFromFiltered(filtered, i, systems, timeline, originMin, horizonMin);
          errors.push((readings.logGlucose[target]! - f.logMean) / Math.sqrt(f.logVariance));
          coveredMin += Number.isNaN(previousOriginMin) ? horizonMin : Math.min(horizonMin, originMin - previousOriginMin);
          previousOriginMin = originMin;
        }
        const effectiveErrors = coveredMin / horizonMin;
        fitted[h] = fitScaleMixture(errors, previousBands[h], effectiveErrors);
        return withScaleUncertainty(fitted[h], effectiveErrors);
      });
      previousBands = fitted;
      for (let i = block.firstIndex; i < block.endIndex; i++) {
        const originMin = readings.timeMin[i]!;
        horizons.forEach((horizonMin, h) => {
          const target = nearestReading(subject.timeMin, originMin + horizonMin, tolerance);
          if (target < 0) return;
          accumulators[h]!.add(new TwinForecast(forecastFromFiltered(filtered, i, systems, timeline, originMin, horizonMin), bands[h]!), subject.glucoseMgDl[target]!);
        });
      }
    }
  }
  const pick = (s: HorizonScores) => ({ n: s.count, rmse: s.rmse, crps: s.crps, coverage80: s.coverage80, coverage95: s.coverage95 });
  return {
    evaluations,
    seconds: (performance.now() - start) / 1000,
    byHorizon: Object.fromEntries(horizons.map((horizonMin, h) => [`${horizonMin} min`, pick(accumulators[h]!.summary())])),
  };
}

/**
 * Scores on the same subjects of: the twin as `caretwin twin evaluate` runs it (full MAP, bands from all
 * past errors); the panel refit's windowed MAP with the same bands; and the panel refit's MAP with its
 * own bands (recent errors only).
 */
export function compareRefitQuality(
  subjects: readonly QualitySubject[],
  options: PatientRefitOptions = {},
): { fullMap: QualityScores; panelFit: QualityScores; panelFitAndBands: QualityScores } {
  return {
    fullMap: scoreWith(subjects, fullMap, ALL_PAST_ERRORS),
    panelFit: scoreWith(subjects, windowMap(options), ALL_PAST_ERRORS),
    panelFitAndBands: scoreWith(subjects, windowMap(options), PANEL_REFIT_BANDS),
  };
}
