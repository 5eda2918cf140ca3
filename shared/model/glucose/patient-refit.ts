/**
 * One patient's full refit of the fast glucose layer, cheap enough for a 1,000-patient panel in seconds
 * (MODEL-NOTES §5.3): what a worker of main/core/twin runs per patient.
 *
 * 1. Hyperparameters: MAP (./hyperparameters.ts's population priors × the robust likelihood of
 *    ./fit-likelihood.ts) on the recent window only (default the last 3 days, about 860 readings of
 *    5-min CGM; `fitStride` can thin it further). The parameters are continuous-time rates that drift
 *    slowly: on Broll a 3-day window scores within 0.1 % of the full history's CRPS, thinning to every
 *    second reading costs 0.7 % (scripts/bench/refit-quality.ts).
 *    BFGS (../mle.ts, forward-difference gradients) starts from the previous fit when there is one, else
 *    from the population medians via a cold fit of the last day whose curvature it carries over. Against
 *    the Nelder–Mead it replaced (glucose-fast-3): on Broll's daily refits 3,825 instead of 8,065
 *    evaluations, with 30/60-min RMSE and CRPS within 0.2 %; Nelder–Mead often ran out of its budget short
 *    of the optimum (patient-refit.test.ts has a series where it stopped 0.88 log posterior short).
 * 2. Filter + smoother over the whole series at full resolution (./fast-layer-smoother.ts).
 * 3. The forecasts the product shows: from the last reading, per horizon, the mean, median and 80 %/95 %
 *    bands as ./twin-forecaster.ts makes them (the recalibrated mixture of ./recalibration.ts with its
 *    estimation uncertainty), fitted on the errors of the last 7 days' own forecasts only (on Broll a
 *    7-day window costs about 0.1 % in CRPS against all past errors; thinning them to every third origin
 *    cost 0.7 %).
 *
 * Plain data in, plain data out (typed arrays and numbers), so it crosses a worker boundary unchanged.
 */
import { minimiseBfgs } from '../mle.js';
import {
  createFastLayerTrack,
  type FastLayerTrack,
  filteredMomentsAt,
  filterFastLayerTrack,
  smoothFastLayer,
} from './fast-layer-smoother.js';
import {
  buildReadingTimeline,
  Censoring,
  type FastLayerParameters,
  FILTERED_STRIDE,
  forecastFromFiltered,
  type GlucoseReadings,
  MINUTES_PER_DAY,
  type ReadingTimeline,
  SENSOR_CHANGE_GAP_MIN,
  SENSOR_WARMUP_MIN,
  StepSystems,
} from './fast-layer.js';
import { robustFastLayerLogLikelihood } from './fit-likelihood.js';
import { type FastLayerPriors, logVectorFromParameters, parametersFromLogVector, POPULATION_PRIORS, PRIOR_ORDER } from './hyperparameters.js';
import { lowerBound, nearestReading } from './protocol.js';
import { fitScaleMixture, type ScaleMixture, withScaleUncertainty } from './recalibration.js';
import { TwinForecast } from './twin-forecaster.js';

/** One patient's CGM series, as it crosses to a worker. */
export interface PatientCgmSeries {
  /** minutes from an origin of the caller's choice, non-decreasing; day boundaries are multiples of 1,440 */
  readonly timeMin: Float64Array;
  readonly glucoseMgDl: Float64Array;
  /** Censoring per reading (./fast-layer.ts); none censored when absent */
  readonly censoring?: Uint8Array;
}

export interface PatientRefitOptions {
  /** the previous refit's parameters: the warm start */
  readonly previous?: FastLayerParameters;
  readonly priors?: FastLayerPriors;
  /** default [30, 60] */
  readonly horizonsMin?: readonly number[];
  /** days before the last reading that the hyperparameters are fitted on (default 3) */
  readonly fitWindowDays?: number;
  /** every k-th reading of that window enters the fit (default 1: all) */
  readonly fitStride?: number;
  /** days before the last reading whose forecast errors recalibrate the bands (default 7) */
  readonly bandWindowDays?: number;
  /** the previous refit's bands, one per horizon: EM's warm start */
  readonly previousBands?: readonly ScaleMixture[];
  /** without a previous fit: days of the first, cold fit from the population medians (default 1) */
  readonly coarseWindowDays?: number;
  /**
   * Budget of likelihood evaluations per stage (default 150; BFGS usually converges well before:
   * scripts/bench/refit-quality.ts)
   */
  readonly maxEvaluations?: number;
  /** smoothed readings returned from the end of the series (default 288: a day of 5-min CGM) */
  readonly smoothedTailReadings?: number;
  /**
   * false: no smoother (what the living twin does: it keeps the filter's last state, not the smoothed
   * signal); `smoothedTail` and `daily` then come back empty. Default true.
   */
  readonly smooth?: boolean;
}

export interface RefitForecast {
  readonly horizonMin: number;
  /** the model's own mean exp(m + v/2): the point forecast, as ./twin-forecaster.ts's TwinForecast */
  readonly meanMgDl: number;
  readonly medianMgDl: number;
  readonly lower80MgDl: number;
  readonly upper80MgDl: number;
  readonly lower95MgDl: number;
  readonly upper95MgDl: number;
  /** the log-normal scale mixture behind those numbers: the fitted band with its estimation uncertainty */
  readonly logLocation: number;
  readonly logScale: number;
  readonly band: ScaleMixture;
  /** the mixture as fitted (the next refit's warm start: PatientRefitOptions.previousBands) */
  readonly fittedBand: ScaleMixture;
  /** independent past errors it rests on (time covered / horizon) */
  readonly effectiveErrors: number;
}

export interface PatientRefit {
  readonly readingCount: number;
  readonly parameters: FastLayerParameters;
  readonly warmStart: 'previous' | 'population';
  /** log posterior at the estimate, on the fit window */
  readonly fitLogPosterior: number;
  readonly fitEvaluations: number;
  readonly fitReadingCount: number;
  /** over the whole series at the estimate (Student-t pseudo-likelihood, ./fast-layer.ts) */
  readonly logLikelihood: number;
  readonly observedCount: number;
  readonly lastReadingMin: number;
  /** the filtered moments after the last reading (FILTERED_STRIDE layout, ./fast-layer.ts) */
  readonly lastFiltered: Float64Array;
  /** when the last reading's sensor started (−∞: no sensor change in the series) */
  readonly lastSensorStartMin: number;
  readonly forecasts: readonly RefitForecast[];
  /** the smoothed signal μ + d (log mg/dL) at the last `smoothedTailReadings` readings */
  readonly smoothedTail: { readonly timeMin: Float64Array; readonly logMean: Float64Array; readonly logSd: Float64Array };
  /** per day with readings (day = floor(timeMin / 1,440)): mean smoothed log glucose over its readings */
  readonly daily: { readonly day: Int32Array; readonly meanLogGlucose: Float64Array; readonly readings: Int32Array };
}

const DEFAULT_HORIZONS_MIN = [30, 60] as const;
const DEFAULT_FIT_WINDOW_DAYS = 3;
const DEFAULT_FIT_STRIDE = 1;
const DEFAULT_COARSE_WINDOW_DAYS = 1;
const DEFAULT_BAND_WINDOW_DAYS = 7;
const DEFAULT_MAX_EVALUATIONS = 150;
const DEFAULT_SMOOTHED_TAIL = 288;
const COLD_BAND_THINNING = 4;
/** Outcomes matched to forecasts within half a 5-min cycle, as ./protocol.ts's default. */
const TARGET_TOLERANCE_MIN = 2.5;
/** lower tail probabilities of the central 80 % and 95 % bands */
const Q80 = 0.1;
const Q95 = 0.025;

function checkLengths({ timeMin, glucoseMgDl, censoring }: PatientCgmSeries): void {
  const n = timeMin.length;
  if (n === 0) throw new RangeError('the series has no readings');
  if (glucoseMgDl.length !== n) throw new RangeError(`the series has ${n} times but ${glucoseMgDl.length} glucose values`);
  if (censoring !== undefined && censoring.length !== n) throw new RangeError(`the series has ${n} times but ${censoring.length} censoring flags`);
}

/**
 * Throws a RangeError naming the first problem; says nothing about the values themselves. loadSeries
 * makes the same checks as it reads a series, so that the refit reads the caller's arrays once.
 */
export function validatePatientSeries(series: PatientCgmSeries): void {
  const { timeMin, glucoseMgDl, censoring } = series;
  const n = timeMin.length;
  checkLengths(series);
  // One pass without error paths first (the pool checks a whole panel on its host's thread before any work); the
  // reading-by-reading pass below names the first problem only when there is one.
  let previous = Number.NEGATIVE_INFINITY;
  let valid = true;
  for (let i = 0; i < n; i++) {
    const t = timeMin[i]!;
    const g = glucoseMgDl[i]!;
    valid = valid && t >= previous && t - t === 0 && g > 0 && g < Number.POSITIVE_INFINITY;
    previous = t;
  }
  if (censoring !== undefined) for (let i = 0; i < n; i++) valid = valid && censoring[i]! <= Censoring.High;
  if (valid) return;
  for (let i = 0; i < n; i++) {
    const t = timeMin[i]!;
    if (!Number.isFinite(t)) throw new RangeError(`reading ${i}: time is not a finite number`);
    if (i > 0 && t < timeMin[i - 1]!) throw new RangeError(`reading ${i}: times are not in order`);
    const g = glucoseMgDl[i]!;
    if (!(g > 0 && g < Number.POSITIVE_INFINITY)) throw new RangeError(`reading ${i}: glucose is not a positive finite number`);
    if (censoring !== undefined && censoring[i]! > Censoring.High) throw new RangeError(`reading ${i}: unknown censoring flag`);
  }
}

/**
 * The series as the filter reads it, in the track's scratch arrays (views, valid until the track's next
 * patient): ln glucose and the timeline, built as ./fast-layer.ts's buildReadingTimeline builds it for CGM
 * readings (patient-refit.test.ts checks that), without its allocations and with the last step length
 * remembered, since consecutive CGM steps are nearly always the same. Checks the series in the same pass
 * over the caller's arrays and, if it fails, throws validatePatientSeries's error (the same first problem).
 */
export function loadSeries(series: PatientCgmSeries, track: FastLayerTrack): { readings: GlucoseReadings; timeline: ReadingTimeline } {
  const { timeMin, glucoseMgDl } = series;
  const n = timeMin.length;
  checkLengths(series);
  if (n > track.capacity) throw new RangeError(`loadSeries: ${n} readings exceed the track capacity ${track.capacity}`);
  const logGlucose = track.logGlucose.subarray(0, n);
  const stepIndex = track.stepIndex.subarray(0, n);
  const sensorStartMin = track.sensorStartMin.subarray(0, n);
  const warmupShare = track.warmupShare.subarray(0, n);
  const zeros = track.zeros.subarray(0, n);
  // Read in the filter's inner loop: a copy (n bytes) keeps that loop on arrays of one kind, whether the
  // caller's came in a SharedArrayBuffer, a transferred or a copied one (in a worker, the filter ran 1.6
  // times slower on the caller's than on its own).
  const flags = series.censoring;
  const censoring = flags === undefined ? zeros : track.censoring.subarray(0, n);
  if (flags !== undefined) censoring.set(flags);
  const lengths: number[] = [];
  const indexByLength = new Map<number, number>();
  let lastLength = Number.NaN;
  let lastIndex = -1;
  let sensorStart = Number.NEGATIVE_INFINITY;
  // NaN before the first reading: its step is NaN, which neither fails the order test nor starts a sensor.
  let previousTime = Number.NaN;
  // The checks are one flag, without error paths in the loop (each written so that NaN fails it); a
  // series that fails them is read again by validatePatientSeries, which names the first problem.
  let valid = true;
  for (let t = 0; t < n; t++) {
    const time = timeMin[t]!;
    const g = glucoseMgDl[t]!;
    const dt = time - previousTime;
    valid = valid && !(dt < 0) && time - time === 0 && g > 0 && g < Number.POSITIVE_INFINITY;
    logGlucose[t] = Math.log(g);
    if (dt !== lastLength && t > 0) {
      let index = indexByLength.get(dt);
      if (index === undefined) {
        index = lengths.length;
        lengths.push(dt);
        indexByLength.set(dt, index);
      }
      lastLength = dt;
      lastIndex = index;
    }
    stepIndex[t] = lastIndex;
    if (dt >= SENSOR_CHANGE_GAP_MIN) sensorStart = time;
    previousTime = time;
    sensorStartMin[t] = sensorStart;
    const age = time - sensorStart;
    warmupShare[t] = age < SENSOR_WARMUP_MIN ? 1 - age / SENSOR_WARMUP_MIN : 0;
  }
  if (flags !== undefined) for (let t = 0; t < n; t++) valid = valid && censoring[t]! <= Censoring.High;
  if (!valid) validatePatientSeries(series);
  return {
    readings: { timeMin, logGlucose, kind: zeros, censoring },
    timeline: { stepLengths: Float64Array.from(lengths), stepIndex, sensorStartMin, warmupShare },
  };
}

/** Every `stride`-th reading from index `first` on (the last reading always included). */
function decimate(readings: GlucoseReadings, first: number, stride: number): GlucoseReadings {
  const n = readings.timeMin.length;
  if (stride === 1) {
    return {
      timeMin: readings.timeMin.subarray(first),
      logGlucose: readings.logGlucose.subarray(first),
      kind: readings.kind.subarray(first),
      censoring: readings.censoring.subarray(first),
    };
  }
  const indices: number[] = [];
  for (let i = n - 1; i >= first; i -= stride) indices.push(i);
  indices.reverse();
  return {
    timeMin: Float64Array.from(indices, (i) => readings.timeMin[i]!),
    logGlucose: Float64Array.from(indices, (i) => readings.logGlucose[i]!),
    kind: Uint8Array.from(indices, (i) => readings.kind[i]!),
    censoring: Uint8Array.from(indices, (i) => readings.censoring[i]!),
  };
}

interface WindowFit {
  readonly parameters: FastLayerParameters;
  readonly logPosterior: number;
  readonly evaluations: number;
  readonly readingCount: number;
}

/** The MAP objective on readings from `windowStartMin` on, every `stride`-th: −log posterior in log coordinates. */
/** The negative log posterior `fitRecentWindow` minimises over the readings from `windowStartMin` (exported for its tests). */
export function negativeLogPosteriorOn(readings: GlucoseReadings, windowStartMin: number, stride: number, priors: FastLayerPriors) {
  const window = decimate(readings, lowerBound(readings.timeMin, windowStartMin), stride);
  const count = window.timeMin.length;
  const timeline = buildReadingTimeline(window);
  const prior = PRIOR_ORDER.map((name) => priors[name]);
  const logMin = prior.map((p) => Math.log(p.min));
  const logMax = prior.map((p) => Math.log(p.max));
  const logMedian = prior.map((p) => Math.log(p.median));
  const objective = (logs: Float64Array): number => {
    let penalty = 0;
    for (let i = 0; i < PRIOR_ORDER.length; i++) {
      const value = logs[i]!;
      if (!(value >= logMin[i]! && value <= logMax[i]!)) return Number.POSITIVE_INFINITY;
      const z = (value - logMedian[i]!) / prior[i]!.logSd;
      penalty += 0.5 * z * z;
    }
    const systems = new StepSystems(parametersFromLogVector(logs), timeline);
    return penalty - robustFastLayerLogLikelihood(window, timeline, systems, count);
  };
  return { objective, count, logMin, logMax, logMedian };
}

/**
 * MAP on the recent window (see the module comment). From the population medians it first fits the last
 * `coarseWindowDays` (a few hundred readings, where a cold simplex's many evaluations are cheap), then
 * refines on the whole window from there as from a previous fit.
 */
export function fitRecentWindow(readings: GlucoseReadings, options: PatientRefitOptions = {}): WindowFit {
  const n = readings.timeMin.length;
  const lastMin = readings.timeMin[n - 1]!;
  const priors = options.priors ?? POPULATION_PRIORS;
  const stride = Math.max(1, Math.floor(options.fitStride ?? DEFAULT_FIT_STRIDE));
  const fine = negativeLogPosteriorOn(readings, lastMin - (options.fitWindowDays ?? DEFAULT_FIT_WINDOW_DAYS) * MINUTES_PER_DAY, stride, priors);
  const budget = options.maxEvaluations ?? DEFAULT_MAX_EVALUATIONS;
  // The posterior is flat to a few hundredths of a log unit (./hyperparameters.ts): a finer optimum costs
  // evaluations and moves no forecast. BFGS starts from the prior's curvature tripled (the data's share
  // grows with the readings, so the first step is a cautious one) or, after the coarse fit, from that
  // fit's curvature scaled by the ratio of readings.
  const priorInverseHessian = (): Float64Array => {
    const inverse = new Float64Array(PRIOR_ORDER.length ** 2);
    PRIOR_ORDER.forEach((name, i) => (inverse[i * PRIOR_ORDER.length + i] = priors[name].logSd ** 2 / 3));
    return inverse;
  };
  const settings = { gradientStep: 1e-4, decreaseTolerance: 5e-3, maxStep: 1, maxEvaluations: budget };
  let start: Float64Array;
  let inverseHessian: Float64Array;
  let evaluations = 0;
  if (options.previous !== undefined) {
    start = clampLogs(logVectorFromParameters(options.previous), fine.logMin, fine.logMax);
    inverseHessian = priorInverseHessian();
  } else {
    const coarse = negativeLogPosteriorOn(readings, lastMin - (options.coarseWindowDays ?? DEFAULT_COARSE_WINDOW_DAYS) * MINUTES_PER_DAY, stride, priors);
    const first = minimiseBfgs(coarse.objective, Float64Array.from(coarse.logMedian), { ...settings, inverseHessian: priorInverseHessian() });
    start = first.point;
    const scale = coarse.count / Math.max(1, fine.count);
    inverseHessian = first.inverseHessian.map((value) => value * scale);
    evaluations += first.evaluations;
  }
  const result = minimiseBfgs(fine.objective, start, { ...settings, inverseHessian });
  evaluations += result.evaluations;
  return { parameters: parametersFromLogVector(result.point), logPosterior: -result.value, evaluations, readingCount: fine.count };
}

function clampLogs(logs: Float64Array, logMin: readonly number[], logMax: readonly number[]): Float64Array {
  return logs.map((value, i) => (Number.isFinite(value) ? Math.min(logMax[i]!, Math.max(logMin[i]!, value)) : (logMin[i]! + logMax[i]!) / 2));
}

/**
 * The full refit of one patient. `track` is per-worker scratch storage (grown as needed, see
 * ensureFastLayerTrack); nothing of one patient is kept in it for the next.
 */
export function refitPatientTwin(series: PatientCgmSeries, options: PatientRefitOptions = {}, track?: FastLayerTrack): PatientRefit {
  const n = series.timeMin.length;
  const scratch = track !== undefined && track.capacity >= n ? track : createFastLayerTrack(n);
  const { readings, timeline } = loadSeries(series, scratch);
  const fit = fitRecentWindow(readings, options);
  const systems = new StepSystems(fit.parameters, timeline);
  const filter = filterFastLayerTrack(readings, timeline, systems, n, scratch);
  const smooth = options.smooth ?? true;
  if (smooth) smoothFastLayer(timeline, systems, scratch, n);

  const horizons = options.horizonsMin ?? DEFAULT_HORIZONS_MIN;
  const lastMin = readings.timeMin[n - 1]!;
  // Filtered moments of the recent window (where the bands are learned), indexed from its first reading.
  const first = lowerBound(readings.timeMin, lastMin - (options.bandWindowDays ?? DEFAULT_BAND_WINDOW_DAYS) * MINUTES_PER_DAY);
  const windowMoments = new Float64Array(FILTERED_STRIDE * (n - first));
  for (let i = first; i < n; i++) filteredMomentsAt(scratch, i, windowMoments, FILTERED_STRIDE * (i - first));
  const windowTimeline: ReadingTimeline = { ...timeline, sensorStartMin: timeline.sensorStartMin.subarray(first) };
  const forecasts = horizons.map((horizonMin, h): RefitForecast => {
    const past = recentStandardisedErrors(readings, first, windowMoments, windowTimeline, systems, horizonMin);
    const effectiveErrors = past.coveredMin / horizonMin;
    const fittedBand = fitBand(past.errors, effectiveErrors, options.previousBands?.[h]);
    const band = withScaleUncertainty(fittedBand, effectiveErrors);
    const forecast = forecastFromFiltered(windowMoments, n - 1 - first, systems, windowTimeline, lastMin, horizonMin);
    const distribution = new TwinForecast(forecast, band);
    return {
      horizonMin,
      meanMgDl: distribution.squaredErrorPoint,
      medianMgDl: distribution.quantile(0.5),
      lower80MgDl: distribution.quantile(Q80),
      upper80MgDl: distribution.quantile(1 - Q80),
      lower95MgDl: distribution.quantile(Q95),
      upper95MgDl: distribution.quantile(1 - Q95),
      logLocation: forecast.logMean,
      logScale: distribution.logScale,
      band,
      fittedBand,
      effectiveErrors,
    };
  });

  const tail = smooth ? Math.min(n, options.smoothedTailReadings ?? DEFAULT_SMOOTHED_TAIL) : 0;
  const smoothedTail = {
    timeMin: readings.timeMin.slice(n - tail),
    logMean: new Float64Array(tail),
    logSd: new Float64Array(tail),
  };
  for (let k = 0; k < tail; k++) {
    const t = n - tail + k;
    smoothedTail.logMean[k] = scratch.smoothedState[3 * t]! + scratch.smoothedState[3 * t + 1]!;
    smoothedTail.logSd[k] = Math.sqrt(Math.max(0, scratch.smoothedSignalVariance[t]!));
  }

  return {
    readingCount: n,
    parameters: fit.parameters,
    warmStart: options.previous !== undefined ? 'previous' : 'population',
    fitLogPosterior: fit.logPosterior,
    fitEvaluations: fit.evaluations,
    fitReadingCount: fit.readingCount,
    logLikelihood: filter.logLikelihood,
    observedCount: filter.observedCount,
    lastReadingMin: lastMin,
    lastFiltered: windowMoments.slice(FILTERED_STRIDE * (n - 1 - first)),
    lastSensorStartMin: timeline.sensorStartMin[n - 1]!,
    forecasts,
    smoothedTail,
    daily: smooth ? dailyMeans(readings.timeMin, scratch, n) : { day: new Int32Array(0), meanLogGlucose: new Float64Array(0), readings: new Int32Array(0) },
  };
}

/**
 * (ln y − m)/√v of the forecasts from the window's readings whose outcome at `horizonMin` was read
 * (uncensored): what ./recalibration.ts fits the band on; and the time those origins cover, each counting
 * for at most one horizon until the next (./twin-forecaster.ts: covered time / horizon is the number of
 * independent errors).
 */
function recentStandardisedErrors(
  readings: GlucoseReadings,
  first: number,
  moments: Float64Array,
  timeline: ReadingTimeline,
  systems: StepSystems,
  horizonMin: number,
): { errors: Float64Array; coveredMin: number } {
  const times = readings.timeMin;
  const n = times.length;
  const errors: number[] = [];
  let coveredMin = 0;
  let previousOriginMin = Number.NaN;
  for (let i = first; i < n; i++) {
    const originMin = times[i]!;
    if (originMin + horizonMin - TARGET_TOLERANCE_MIN > times[n - 1]!) break;
    const target = nearestReading(times, originMin + horizonMin, TARGET_TOLERANCE_MIN);
    if (target < 0 || readings.censoring[target] !== Censoring.None) continue;
    const forecast = forecastFromFiltered(moments, i - first, systems, timeline, originMin, horizonMin);
    errors.push((readings.logGlucose[target]! - forecast.logMean) / Math.sqrt(forecast.logVariance));
    coveredMin += Number.isNaN(previousOriginMin) ? horizonMin : Math.min(horizonMin, originMin - previousOriginMin);
    previousOriginMin = originMin;
  }
  return { errors: Float64Array.from(errors), coveredMin };
}

/**
 * EM for the band from the previous refit's band; without one, first from every COLD_BAND_THINNING-th
 * error (a cold EM takes tens of iterations, each over every error), then on all of them from there.
 */
function fitBand(errors: Float64Array, effectiveErrors: number, previous: ScaleMixture | undefined): ScaleMixture {
  const start = previous ?? fitScaleMixture(errors.filter((_, i) => i % COLD_BAND_THINNING === 0), undefined, effectiveErrors);
  return fitScaleMixture(errors, start, effectiveErrors);
}

function dailyMeans(timeMin: Float64Array, track: FastLayerTrack, n: number): PatientRefit['daily'] {
  // Two passes over typed arrays (count the days, then sum into them): the same sums, in the same order,
  // as pushing per day into arrays, without growing them reading by reading.
  let dayCount = 0;
  let lastDay = Number.NaN;
  for (let t = 0; t < n; t++) {
    const day = Math.floor(timeMin[t]! / MINUTES_PER_DAY);
    if (day !== lastDay) {
      dayCount++;
      lastDay = day;
    }
  }
  const days = new Int32Array(dayCount);
  const meanLogGlucose = new Float64Array(dayCount);
  const readings = new Int32Array(dayCount);
  const smoothed = track.smoothedState;
  let k = -1;
  lastDay = Number.NaN;
  let sum = 0;
  let count = 0;
  for (let t = 0; t < n; t++) {
    const day = Math.floor(timeMin[t]! / MINUTES_PER_DAY);
    if (day !== lastDay) {
      if (k >= 0) {
        meanLogGlucose[k] = sum / count;
        readings[k] = count;
      }
      k++;
      days[k] = day;
      lastDay = day;
      sum = 0;
      count = 0;
    }
    sum += smoothed[3 * t]! + smoothed[3 * t + 1]!;
    count++;
  }
  meanLogGlucose[k] = sum / count;
  readings[k] = count;
  return { day: days, meanLogGlucose, readings };
}

export interface FilterSmoothSummary {
  readonly readingCount: number;
  readonly observedCount: number;
  readonly logLikelihood: number;
  /** smoothed μ + d at the last reading (log mg/dL) */
  readonly lastSmoothedLogGlucose: number;
}

/**
 * Filter + smoother over the whole series at given parameters, nothing else: the day-to-day update when
 * the hyperparameters are kept, and what the panel benchmark's throughput figure measures.
 */
export function filterSmoothPatient(series: PatientCgmSeries, parameters: FastLayerParameters, track?: FastLayerTrack): FilterSmoothSummary {
  const n = series.timeMin.length;
  const scratch = track !== undefined && track.capacity >= n ? track : createFastLayerTrack(n);
  const { readings, timeline } = loadSeries(series, scratch);
  const systems = new StepSystems(parameters, timeline);
  const filter = filterFastLayerTrack(readings, timeline, systems, n, scratch);
  smoothFastLayer(timeline, systems, scratch, n);
  return {
    readingCount: n,
    observedCount: filter.observedCount,
    logLikelihood: filter.logLikelihood,
    lastSmoothedLogGlucose: scratch.smoothedState[3 * (n - 1)]! + scratch.smoothedState[3 * (n - 1) + 1]!,
  };
}

/** Readings in the warm-up series: short, so that every kernel is optimised through calls, not mid-loop. */
const WARM_UP_READINGS = 120;
const WARM_UP_FILTER_SMOOTH_CALLS = 400;
const WARM_UP_REFITS = 4;

/**
 * Runs filter + smoother and the full refit on a short synthetic series (censored low and high readings,
 * missing readings, a sensor change) until V8 has optimised their kernels, and returns a checksum.
 *
 * A worker that meets the kernels first on a 90-day series has them optimised in the middle of their
 * loops (on-stack replacement); the code V8 made that way ran 1.2–1.5 times slower per point in the
 * refit workers and allocated a few heap numbers per reading (2 MB per patient in the filter alone,
 * against none after this warm-up). Costs a few tens of milliseconds, once per worker.
 */
export function warmUpPatientRefit(): number {
  const n = WARM_UP_READINGS;
  const timeMin = new Float64Array(n);
  const glucoseMgDl = new Float64Array(n);
  const censoring = new Uint8Array(n);
  let time = 0;
  for (let i = 0; i < n; i++) {
    time += i === n / 2 ? 180 : i % 7 === 3 ? 10 : 5;
    timeMin[i] = time;
    const glucose = 170 + 180 * Math.sin(i / 9) + 60 * Math.sin(1.7 * i);
    glucoseMgDl[i] = Math.min(400, Math.max(40, glucose));
    censoring[i] = glucose < 40 ? Censoring.Low : glucose > 400 ? Censoring.High : Censoring.None;
  }
  const series: PatientCgmSeries = { timeMin, glucoseMgDl, censoring };
  const track = createFastLayerTrack(n);
  let checksum = 0;
  const fits: PatientRefit[] = [];
  for (let k = 0; k < WARM_UP_REFITS; k++) {
    const previous = fits[k - 1];
    const refit = refitPatientTwin(series, previous === undefined ? {} : { previous: previous.parameters }, track);
    fits.push(refit);
    checksum += refit.logLikelihood;
  }
  for (let k = 0; k < WARM_UP_FILTER_SMOOTH_CALLS; k++) checksum += filterSmoothPatient(series, fits[0]!.parameters, track).logLikelihood;
  return checksum;
}
