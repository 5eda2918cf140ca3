/**
 * One patient's heart-failure twin over a daily series: per-patient MAP refits on a fixed calendar,
 * the filtered posterior day by day, alerts with their reasons, and the 14-day projection.
 *
 * No future leak, by construction: the parameters in force on day t were fitted on days 0 … r ≤ t
 * (refits fall on fixed day indices counted from the series' start, never on how long the series is),
 * and day t's posterior comes from a filter over days 0 … t. So cutting the series after day t changes
 * nothing about day t; heart-failure.test.ts checks exactly that.
 */
import { alertStateEntries, describeAlert, HF_ALERT_POLICY, type HeartFailureAlert, type HeartFailureAlertKind, type HeartFailureAlertPolicy, type PosteriorSummary } from './alerts.js';
import { runCusum } from './cusum.js';
import { createHeartFailureTrack, filterHeartFailure } from './filter.js';
import { fitHeartFailureMap, heartFailureFitFromEstimate, HF_POPULATION, type HeartFailureFit, type HeartFailurePopulation } from './fit.js';
import {
  compileHeartFailureSystem,
  HF_OBSERVATION,
  HF_OBSERVATION_DIM,
  HF_SIGNALS,
  HF_STATE,
  HF_STATE_DIM,
  heartFailureObservations,
  type HeartFailureObservations,
  type HeartFailureParameters,
} from './model.js';
import { probabilityAbove } from './normal.js';
import { projectHeartFailure, type HeartFailureProjection } from './projection.js';
import { HF_STREAMS, type HeartFailureSeries, type HfStreamCode } from './series.js';
import { screenWeightUnitErrors } from './weight-screen.js';

/**
 * -2: the patient's parameters were refitted every 14 days instead of 7; -3: when the series has doubled
 * since the last fit, at most 56 days apart (README: the same alert figures for half the fitting); -4: MAP by
 * BFGS warm-started with the previous fit's curvature instead of Nelder–Mead (fit.ts); -5: the MAP's gradient
 * exact, by reverse mode through the filter (gradient.ts), instead of forward differences.
 */
export const HF_MODEL_VERSION = 'hf-daily-5';

export interface HeartFailureTwinOptions {
  readonly population?: HeartFailurePopulation;
  readonly policy?: HeartFailureAlertPolicy;
  /** Fit the patient's parameters first when this many days of series exist (default 14; population values before) … */
  readonly firstFitAfterDays?: number;
  /** … then again each time the series has doubled since, but at most this many days apart (default 56). */
  readonly maxRefitGapDays?: number;
  /** Objective evaluations allowed per refit (default 150; fits usually stop well before). */
  readonly maxFitEvaluations?: number;
  readonly projectionDays?: number;
  /** Project with this loop-diuretic dose (furosemide-equivalent mg/day) instead of the current one. */
  readonly plannedLoopDiureticMgPerDay?: number;
  /**
   * Fits of an earlier run on the same series start (its `fitRecords`): a fit whose data (days 0 … its
   * index, as the filter sees them) and budget are unchanged, after only such fits, is taken as it was
   * instead of re-running its optimiser: the same numbers, since a fit is a function of exactly those.
   * Ignored with a `population` other than the default.
   */
  readonly previousFits?: readonly HeartFailureFitRecord[];
}

/** A fit as a twin stores it (JSON-safe), with the fingerprint of the data and budget it was made from. */
export interface HeartFailureFitRecord {
  readonly throughIndex: number;
  readonly fingerprint: string;
  readonly estimate: readonly number[];
  readonly inverseHessian: readonly number[];
  readonly logPosterior: number;
  readonly evaluations: number;
  readonly converged: boolean;
}

/**
 * A hash of days 0 … throughIndex of the observations (their bits) and dose changes, the model version and
 * the fit budget: equal fingerprints mean the fit would see the same inputs.
 */
export function heartFailureFitFingerprint(observations: HeartFailureObservations, throughIndex: number, maxEvaluations: number): string {
  let h1 = 0x811c9dc5;
  let h2 = 0x9747b28c ^ maxEvaluations;
  const mix = (array: Float64Array, count: number): void => {
    const words = new Uint32Array(array.buffer, array.byteOffset, count * 2);
    for (let i = 0; i < words.length; i++) {
      const w = words[i]!;
      h1 = Math.imul(h1 ^ w, 0x01000193);
      h2 = Math.imul(h2 ^ w, 0x5bd1e995);
      h2 ^= h2 >>> 15;
    }
  };
  const days = Math.min(throughIndex + 1, observations.dayCount);
  mix(observations.values, days * HF_OBSERVATION_DIM);
  mix(observations.doseChangeMgPerDay, days);
  return `${HF_MODEL_VERSION}:${days}:${(h1 >>> 0).toString(16)}${(h2 >>> 0).toString(16)}`;
}

export interface HeartFailureDay {
  /** UTC day number. */
  readonly day: number;
  readonly fluidExcessKg: PosteriorSummary;
  readonly fluidRateKgPerDay: PosteriorSummary;
  readonly dryWeightKg: PosteriorSummary;
  /** The non-congestive illness factor, in SDs of its usual range. */
  readonly illness: PosteriorSummary;
  /** P(fluid rate > policy threshold), P(fluid excess > policy threshold), from the filtered posterior. */
  readonly fluidRateProbability: number;
  readonly fluidExcessProbability: number;
  /** The day's standardised evidence on the fluid excess; null when no reading bore on it. */
  readonly congestionScore: number | null;
  /** CUSUM of the congestion score after the day (0 after an alarm: it resets). */
  readonly cusum: number;
  readonly criteria: readonly HeartFailureAlertKind[];
  readonly alertActive: boolean;
  /** Last UTC day of the data the day's parameters were fitted on; null = population values. */
  readonly parametersFittedThroughDay: number | null;
}

export interface HeartFailureStreamProvenance {
  readonly stream: HfStreamCode;
  readonly readingDays: number;
  readonly lastDay: number | null;
  /** Longest run of days without a reading inside the series. */
  readonly longestGapDays: number;
}

export interface HeartFailureTwin {
  readonly modelVersion: string;
  readonly firstDay: number;
  readonly dayCount: number;
  readonly days: readonly HeartFailureDay[];
  readonly alerts: readonly HeartFailureAlert[];
  readonly projection: HeartFailureProjection;
  readonly fits: readonly HeartFailureFit[];
  /** The fits to store for the next run's `previousFits`. */
  readonly fitRecords: readonly HeartFailureFitRecord[];
  /** The parameters in force on the last day. */
  readonly parameters: HeartFailureParameters;
  readonly policy: HeartFailureAlertPolicy;
  readonly provenance: {
    readonly streams: readonly HeartFailureStreamProvenance[];
    readonly poundsCorrectedDays: readonly number[];
    readonly loopDiureticMgPerDay: number;
  };
}

/**
 * Day indices on which the patient's parameters are refitted (fitted on days 0 … index): first when
 * `firstFitAfterDays` days exist, then whenever the series has doubled since the last fit, at most
 * `maxRefitGapDays` apart. A MAP estimate's uncertainty shrinks with the square root of the data, so a fit on
 * twice the days is the first that moves it by a sizeable step; the cap keeps a long record following a
 * patient who changes. With the defaults: days 14, 28, 56, 112, 168, … (indices 13, 27, 55, 111, 167, …).
 */
export function heartFailureRefitDays(dayCount: number, firstFitAfterDays: number, maxRefitGapDays: number): number[] {
  if (!Number.isSafeInteger(firstFitAfterDays) || firstFitAfterDays < 1 || !Number.isSafeInteger(maxRefitGapDays) || maxRefitGapDays < 1) {
    throw new RangeError(`heartFailureRefitDays: need whole days >= 1, got ${firstFitAfterDays} and ${maxRefitGapDays}`);
  }
  const days: number[] = [];
  for (let d = firstFitAfterDays; d <= dayCount; d += Math.min(d, maxRefitGapDays)) days.push(d - 1);
  return days;
}

export function runHeartFailureTwin(series: HeartFailureSeries, options: HeartFailureTwinOptions = {}): HeartFailureTwin {
  const population = options.population ?? HF_POPULATION;
  const policy = options.policy ?? HF_ALERT_POLICY;
  const n = series.dayCount;
  const m = HF_STATE_DIM;
  const p = HF_OBSERVATION_DIM;

  const rawWeight = series.daily[HF_STREAMS.weight];
  const screen = rawWeight ? screenWeightUnitErrors(rawWeight) : null;
  const observations = heartFailureObservations(
    screen ? { ...series, daily: { ...series.daily, [HF_STREAMS.weight]: screen.weightKg } } : series,
  );
  const poundsCorrected = new Uint8Array(n);
  for (const d of screen?.poundsCorrectedDays ?? []) poundsCorrected[d] = 1;

  const fits: HeartFailureFit[] = [];
  const fitRecords: HeartFailureFitRecord[] = [];
  const maxEvaluations = options.maxFitEvaluations ?? 150;
  let reusable = options.population === undefined && options.previousFits !== undefined;
  for (const r of heartFailureRefitDays(n, options.firstFitAfterDays ?? 14, options.maxRefitGapDays ?? 56)) {
    const fingerprint = heartFailureFitFingerprint(observations, r, maxEvaluations);
    const stored = reusable ? options.previousFits!.find((f) => f.throughIndex === r) : undefined;
    let fit: HeartFailureFit;
    const dim = population.patientParameters.length;
    if (stored !== undefined && stored.fingerprint === fingerprint && stored.estimate.length === dim && stored.inverseHessian?.length === dim * dim) {
      fit = heartFailureFitFromEstimate(stored, population);
    } else {
      // A fit run again warm-starts the next ones: from here on they run too.
      reusable = false;
      const previous = fits.at(-1);
      fit = fitHeartFailureMap(observations, r, population, {
        ...(previous ? { warmStart: previous.estimate, warmCurvature: previous } : {}),
        maxEvaluations,
      });
    }
    fits.push(fit);
    fitRecords.push({
      throughIndex: r,
      fingerprint,
      estimate: Array.from(fit.estimate),
      inverseHessian: Array.from(fit.inverseHessian),
      logPosterior: fit.logPosterior,
      evaluations: fit.evaluations,
      converged: fit.converged,
    });
  }

  // Each segment of days runs under the parameters fitted last before it, filtered from day 0.
  const segments: { from: number; to: number; parameters: HeartFailureParameters; fittedThrough: number | null }[] = [];
  const firstFitDay = fits[0]?.throughIndex ?? n;
  if (firstFitDay > 0) segments.push({ from: 0, to: Math.min(n, firstFitDay) - 1, parameters: population.parameters, fittedThrough: null });
  fits.forEach((fit, k) => {
    const to = (fits[k + 1]?.throughIndex ?? n) - 1;
    segments.push({ from: fit.throughIndex, to, parameters: fit.parameters, fittedThrough: fit.throughIndex });
  });

  const track = createHeartFailureTrack(n);
  const fluidMean = new Float64Array(n);
  const fluidSd = new Float64Array(n);
  const rateMean = new Float64Array(n);
  const rateSd = new Float64Array(n);
  const dryMean = new Float64Array(n);
  const drySd = new Float64Array(n);
  const illnessMean = new Float64Array(n);
  const illnessSd = new Float64Array(n);
  const congestionScore = new Float64Array(n);
  const weightDownWeighted = new Uint8Array(n);
  const parametersByDay: HeartFailureParameters[] = new Array<HeartFailureParameters>(n);
  const fittedThroughByDay: (number | null)[] = new Array<number | null>(n);
  let lastSystem = compileHeartFailureSystem(population.parameters);
  for (const segment of segments) {
    const system = compileHeartFailureSystem(segment.parameters);
    lastSystem = system;
    filterHeartFailure(system, observations, track, segment.to + 1);
    const weightVariance = system.observationVariance[HF_OBSERVATION.weight]!;
    const posterior = (t: number, state: number): PosteriorSummary => ({
      mean: track.filteredState[t * m + state]!,
      sd: Math.sqrt(track.filteredCovariance[t * m * m + state * m + state]!),
    });
    for (let t = segment.from; t <= segment.to; t++) {
      const fluid = posterior(t, HF_STATE.fluidExcess);
      const rate = posterior(t, HF_STATE.fluidRate);
      const dry = posterior(t, HF_STATE.dryWeight);
      const illness = posterior(t, HF_STATE.illness);
      fluidMean[t] = fluid.mean;
      fluidSd[t] = fluid.sd;
      rateMean[t] = rate.mean;
      rateSd[t] = rate.sd;
      dryMean[t] = dry.mean;
      drySd[t] = dry.sd;
      illnessMean[t] = illness.mean;
      illnessSd[t] = illness.sd;
      congestionScore[t] = track.congestionScore[t]!;
      weightDownWeighted[t] = track.effectiveObservationVariance[t * p + HF_OBSERVATION.weight]! > weightVariance * (1 + 1e-9) ? 1 : 0;
      parametersByDay[t] = segment.parameters;
      fittedThroughByDay[t] = segment.fittedThrough;
    }
  }

  const cusum = runCusum(congestionScore, policy.cusumReference, policy.cusumThreshold);
  const criteriaByDay: HeartFailureAlertKind[][] = [];
  const rateProbability = new Float64Array(n);
  const excessProbability = new Float64Array(n);
  let weightDays = 0;
  for (let t = 0; t < n; t++) {
    if (!Number.isNaN(observations.values[t * p + HF_OBSERVATION.weight]!)) weightDays++;
    rateProbability[t] = probabilityAbove(rateMean[t]!, rateSd[t]!, policy.fluidRateThresholdKgPerDay);
    excessProbability[t] = probabilityAbove(fluidMean[t]!, fluidSd[t]!, policy.fluidExcessThresholdKg);
    const criteria: HeartFailureAlertKind[] = [];
    if (weightDays >= policy.minimumWeightDays) {
      if (excessProbability[t]! > policy.fluidExcessProbability) criteria.push('fluid-excess');
      if (rateProbability[t]! > policy.fluidRateProbability) criteria.push('fluid-rate');
      if (cusum.alarm[t]) criteria.push('congestion-cusum');
    }
    criteriaByDay.push(criteria);
  }
  const state = alertStateEntries(
    criteriaByDay.map((c) => c.length > 0),
    policy.clearDays,
    Array.from(rateProbability, (rate, t) => rate >= policy.recoveryProbability || excessProbability[t]! >= policy.recoveryProbability),
  );

  const context = {
    firstDay: series.firstDay,
    observations: observations.values,
    fluidExcessMean: fluidMean,
    cusumRunStart: cusum.runStart,
    poundsCorrected,
    weightDownWeighted,
  };
  const alerts = state.entries.map((t) =>
    describeAlert(context, {
      index: t,
      criteria: criteriaByDay[t]!,
      fluidRateProbability: rateProbability[t]!,
      fluidExcessProbability: excessProbability[t]!,
      cusumStatistic: cusum.peak[t]!,
      fluidExcessKg: { mean: fluidMean[t]!, sd: fluidSd[t]! },
      fluidRateKgPerDay: { mean: rateMean[t]!, sd: rateSd[t]! },
      parameters: parametersByDay[t]!,
      parametersFittedThroughIndex: fittedThroughByDay[t]!,
      policy,
      modelVersion: HF_MODEL_VERSION,
    }),
  );

  const days: HeartFailureDay[] = [];
  for (let t = 0; t < n; t++) {
    const fittedThrough = fittedThroughByDay[t]!;
    days.push({
      day: series.firstDay + t,
      fluidExcessKg: { mean: fluidMean[t]!, sd: fluidSd[t]! },
      fluidRateKgPerDay: { mean: rateMean[t]!, sd: rateSd[t]! },
      dryWeightKg: { mean: dryMean[t]!, sd: drySd[t]! },
      illness: { mean: illnessMean[t]!, sd: illnessSd[t]! },
      fluidRateProbability: rateProbability[t]!,
      fluidExcessProbability: excessProbability[t]!,
      congestionScore: Number.isNaN(congestionScore[t]!) ? null : congestionScore[t]!,
      cusum: cusum.statistic[t]!,
      criteria: criteriaByDay[t]!,
      alertActive: state.active[t] === 1,
      parametersFittedThroughDay: fittedThrough === null ? null : series.firstDay + fittedThrough,
    });
  }

  // The last segment's filter ran over every day, so the track holds the variances it used throughout.
  const currentDose = series.loopDiureticMgPerDay[n - 1] ?? 0;
  const projection = projectHeartFailure(
    {
      system: lastSystem,
      observations,
      effectiveObservationVariance: track.effectiveObservationVariance.subarray(0, n * p),
      firstDay: series.firstDay,
      referenceLoopDiureticMgPerDay: series.loopDiureticMgPerDay[0] ?? 0,
      currentLoopDiureticMgPerDay: currentDose,
    },
    {
      horizonDays: options.projectionDays ?? 14,
      ...(options.plannedLoopDiureticMgPerDay === undefined ? {} : { plannedLoopDiureticMgPerDay: options.plannedLoopDiureticMgPerDay }),
    },
  );

  return {
    modelVersion: HF_MODEL_VERSION,
    firstDay: series.firstDay,
    dayCount: n,
    days,
    alerts,
    projection,
    fits,
    fitRecords,
    parameters: parametersByDay[n - 1] ?? population.parameters,
    policy,
    provenance: {
      streams: HF_SIGNALS.map((info) => streamProvenance(info.stream, observations.values, HF_OBSERVATION[info.signal], n, series.firstDay)),
      poundsCorrectedDays: (screen?.poundsCorrectedDays ?? []).map((d) => series.firstDay + d),
      loopDiureticMgPerDay: currentDose,
    },
  };
}

function streamProvenance(stream: HfStreamCode, values: Float64Array, row: number, n: number, firstDay: number): HeartFailureStreamProvenance {
  const p = HF_OBSERVATION_DIM;
  let readingDays = 0;
  let lastIndex = -1;
  let gap = 0;
  let longestGap = 0;
  for (let t = 0; t < n; t++) {
    if (Number.isNaN(values[t * p + row]!)) {
      gap++;
      longestGap = Math.max(longestGap, gap);
    } else {
      readingDays++;
      lastIndex = t;
      gap = 0;
    }
  }
  return { stream, readingDays, lastDay: lastIndex < 0 ? null : firstDay + lastIndex, longestGapDays: longestGap };
}
