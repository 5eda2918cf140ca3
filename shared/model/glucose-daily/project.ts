/**
 * Projections of the daily glucose layer: from the filtered state on the origin day, the next days'
 * mean glucose, HbA1c, GMI, time in range and time below 70 and 54 mg/dL, each with 80 % and 95 % bands,
 * and the same over windows (the next 14 and 30 days by default).
 *
 * Mean glucose and HbA1c are linear in the state, so their forecast means and variances are exact
 * (window means through a running-sum recursion); HbA1c bands are Gaussian, mean-glucose bands the
 * log-normal with the same mean and variance (glucose is positive and right-skewed). Time in range is not
 * linear, nor monotone, in the daily mean, so it is projected by sampling state paths with a fixed seed
 * (deterministic) and applying the patient's within-day distribution to each sampled day (within-day.ts).
 */
import { forecastFromFilteredState } from '../kalman.js';
import { compileSparseModel } from '../kernels/sparse.js';
import { SeededGenerator, semidefiniteCholesky, sortTails, Z_CENTRAL_80, Z_CENTRAL_95, quantileOfSorted } from './distributions.js';
import {
  ADAG_INTERCEPT_MG_DL,
  ADAG_SLOPE_MG_DL_PER_PCT,
  estimatedAverageGlucoseMgDl,
  glucoseManagementIndicatorPct,
} from './formulas.js';
import {
  DEFAULT_POPULATION_PRIOR,
  fitPatientHyperparameters,
  populationGroupOf,
  resolveParameters,
  type PatientScales,
  type PopulationPrior,
} from './hyperparameters.js';
import {
  buildGlucoseDailyModel,
  FIRST_DOSE_RESPONSE_STATE,
  STATE_DAY_DEVIATION,
  STATE_GLYCATION_OFFSET,
  STATE_HBA1C_KERNEL,
  STATE_LEVEL,
  STATE_MEDICATION_EFFECT,
  type DailyGlucoseSeries,
} from './model.js';
import { DailyGlucoseInputError, lastDataDay, prepareSeries, validateDailyGlucoseInput } from './series.js';
import {
  type Band,
  type BandSeries,
  type DailyGlucoseInput,
  type DailyGlucoseProjection,
  type DoseResponseEstimate,
  type PatientHyperparameters,
  type WindowProjection,
} from './types.js';
import {
  FULL_DAY_WEAR,
  selectWithinDayShape,
  typicalWithinDaySdLog,
  WithinDaySampler,
  type TimeFractions,
} from './within-day.js';

/**
 * /2: time in range sampled from the joint Gaussian of the projected daily means (the same distribution as the
 * state paths of /1, other draws), so stored projections say which sampling made their bands. /3: the MAP fit
 * by BFGS instead of Nelder–Mead (hyperparameters.ts; the same optimum within its tolerance).
 */
export const GLUCOSE_DAILY_MODEL_VERSION = 'glucose-daily/3';

export interface DailyGlucoseProjectionOptions {
  /** Last day whose data may be used; default: the input's last day with CGM or HbA1c. */
  readonly originDay?: number;
  /** Days projected after the origin (default 30). */
  readonly horizonDays?: number;
  /** Window lengths summarised, each at most the horizon (default 14 and 30). */
  readonly windowDays?: readonly number[];
  readonly population?: PopulationPrior;
  /** Use these instead of fitting (e.g. from a nightly refit). */
  readonly hyperparameters?: PatientHyperparameters;
  /** Start the MAP fit here, e.g. from the previous projection's `hyperparameters`. */
  readonly warmStart?: PatientHyperparameters;
  /** Sampled paths for time in range (default 2,000: Monte Carlo error of a 95 % band edge ≈ 0.5 pp of TIR). */
  readonly samplePaths?: number;
  readonly seed?: number;
  /** Older data is not modelled (default 365 days). */
  readonly maxHistoryDays?: number;
}

const DEFAULT_HORIZON_DAYS = 30;
const DEFAULT_WINDOWS: readonly number[] = [14, 30];
const DEFAULT_SAMPLE_PATHS = 2000;
const DEFAULT_SEED = 0x5eed;
const DEFAULT_MAX_HISTORY_DAYS = 365;
/** Sampled daily means are floored here before taking logs (far below any survivable daily mean). */
const MIN_SAMPLED_MEAN_MG_DL = 20;
/** Tail probabilities of the central 80 % and 95 % bands. */
const TAIL_80 = 0.1;
const TAIL_95 = 0.025;
/** 5-minute CGM readings in a day: the resolution of a share of time. */
const READINGS_PER_DAY = 288;

interface ProjectionSettings {
  readonly originDay: number;
  readonly horizon: number;
  readonly windows: readonly number[];
  readonly paths: number;
  readonly seed: number;
  readonly population: PopulationPrior;
  readonly maxHistoryDays: number;
}

function projectionSettings(input: DailyGlucoseInput, options: DailyGlucoseProjectionOptions): ProjectionSettings {
  const horizon = options.horizonDays ?? DEFAULT_HORIZON_DAYS;
  if (!(Number.isSafeInteger(horizon) && horizon >= 1)) throw new DailyGlucoseInputError(`horizonDays must be a positive integer, got ${horizon}`);
  const windows = options.windowDays ?? DEFAULT_WINDOWS.filter((w) => w <= horizon);
  for (const w of windows) {
    if (!(Number.isSafeInteger(w) && w >= 1 && w <= horizon)) throw new DailyGlucoseInputError(`window of ${w} days does not fit a ${horizon}-day horizon`);
  }
  const paths = options.samplePaths ?? DEFAULT_SAMPLE_PATHS;
  if (!(Number.isSafeInteger(paths) && paths >= 100)) throw new DailyGlucoseInputError(`samplePaths must be an integer of at least 100, got ${paths}`);
  return {
    originDay: options.originDay ?? lastDataDay(input),
    horizon,
    windows,
    paths,
    seed: options.seed ?? DEFAULT_SEED,
    population: options.population ?? DEFAULT_POPULATION_PRIOR,
    maxHistoryDays: options.maxHistoryDays ?? DEFAULT_MAX_HISTORY_DAYS,
  };
}

/** Which combination of states a reported quantity is. */
class StateLoadings {
  constructor(private readonly m: number) {}

  of(...states: number[]): Float64Array {
    const loading = new Float64Array(this.m);
    for (const state of states) loading[state] = 1;
    return loading;
  }

  /** The true daily mean ℓ + e + δ. */
  get dailyGlucose(): Float64Array {
    return this.of(STATE_LEVEL, STATE_MEDICATION_EFFECT, STATE_DAY_DEVIATION);
  }

  /** True HbA1c = m/28.7 + γ (+ the intercept below). */
  get hba1c(): Float64Array {
    const loading = this.of(STATE_GLYCATION_OFFSET);
    loading[STATE_HBA1C_KERNEL] = 1 / ADAG_SLOPE_MG_DL_PER_PCT;
    return loading;
  }
}

const HBA1C_INTERCEPT_PCT = -ADAG_INTERCEPT_MG_DL / ADAG_SLOPE_MG_DL_PER_PCT;

export function projectDailyGlucose(input: DailyGlucoseInput, options: DailyGlucoseProjectionOptions = {}): DailyGlucoseProjection {
  validateDailyGlucoseInput(input);
  const settings = projectionSettings(input, options);
  const { originDay, horizon, windows, population } = settings;
  const { series, inputRow } = prepareSeries(input, originDay, settings.maxHistoryDays);
  const scales = patientScales(input, series, inputRow, population);
  const fit = options.hyperparameters
    ? { hyperparameters: options.hyperparameters, evaluations: 0, method: 'given' as const }
    : fitPatientHyperparameters(series, population, scales, options.warmStart);
  const params = resolveParameters(population, fit.hyperparameters, scales, series);
  const { model, observations, stateDim: m } = buildGlucoseDailyModel(series, params);
  // Only the origin day's filtered moments are used: the sparse kernel's (the generic filter's to rounding).
  const filtered = compileSparseModel(model, observations).filterToEnd();
  const last = series.dayCount - 1;
  const stateAtOrigin = filtered.state;
  const covarianceAtOrigin = filtered.covariance;
  const loadings = new StateLoadings(m);

  const forecast = forecastFromFilteredState(model, Float64Array.from(stateAtOrigin), Float64Array.from(covarianceAtOrigin), series.dayCount, horizon);
  const dailyGlucose = forecastBands(forecast, m, horizon, loadings.dailyGlucose, 0, 0, logNormalBand);
  const dailyHba1c = forecastBands(forecast, m, horizon, loadings.hba1c, HBA1C_INTERCEPT_PCT, 0, gaussianBand);
  const dailyHba1cLab = forecastBands(forecast, m, horizon, loadings.hba1c, HBA1C_INTERCEPT_PCT, params.labVariancePct2, gaussianBand);

  // Forecast steps all use the last day's system (doses held at the origin's).
  const { transition, stateCovariance: processCovariance } = model.systemAt(last);
  const windowMeans = windowMeanMoments(stateAtOrigin, covarianceAtOrigin, transition, processCovariance, m, horizon, loadings.dailyGlucose);
  const shape = selectWithinDayShape(input, inputRow);
  const random = new SeededGenerator(settings.seed);
  const sampler = new WithinDaySampler(shape, population.groups[scales.group], random);
  const sampled = sampleTimeInRange(stateAtOrigin, covarianceAtOrigin, transition, processCovariance, m, loadings.dailyGlucose, horizon, windows, sampler, random, settings.paths);

  const windowProjections: WindowProjection[] = windows.map((lengthDays, w) => {
    const moments = windowMeans[lengthDays - 1]!;
    const meanGlucose = logNormalBand(moments.mean, moments.variance);
    return {
      lengthDays,
      meanGlucoseMgDl: meanGlucose,
      gmiPct: mapBand(meanGlucose, glucoseManagementIndicatorPct),
      timeInRange: sampled.windowInRange[w]!,
      timeBelow70: sampled.windowBelow70[w]!,
      timeBelow54: sampled.windowBelow54[w]!,
      hba1cPct: bandAt(dailyHba1c, lengthDays - 1),
      hba1cLabPct: bandAt(dailyHba1cLab, lengthDays - 1),
    };
  });

  const currentBand = (loading: Float64Array, intercept = 0): Band => {
    const moments = linearMoments(stateAtOrigin, covarianceAtOrigin, m, 0, loading, intercept, 0);
    return gaussianBand(moments.mean, moments.variance);
  };
  const doseResponses: DoseResponseEstimate[] = series.doses.drugs.map((drug, k) => ({
    drug: drug.drug,
    unit: drug.unit,
    drugClass: drug.prior.drugClass,
    referenceDose: drug.referenceDose,
    doseAtOrigin: drug.doseAtEnd,
    perUnitMgDl: currentBand(loadings.of(FIRST_DOSE_RESPONSE_STATE + k)),
    priorPerUnitMgDl: { mean: drug.prior.meanMgDlPerUnit, sd: drug.prior.sdMgDlPerUnit },
  }));

  return {
    modelVersion: GLUCOSE_DAILY_MODEL_VERSION,
    originDay,
    days: Int32Array.from({ length: horizon }, (_, h) => originDay + 1 + h),
    meanGlucoseMgDl: dailyGlucose,
    hba1cPct: dailyHba1c,
    hba1cLabPct: dailyHba1cLab,
    timeInRange: sampled.dailyInRange,
    // Banded when read: their 2 × horizon sorts of `paths` values are a tenth of a projection's time.
    get timeBelow70() {
      return sampled.dailyBelow70();
    },
    get timeBelow54() {
      return sampled.dailyBelow54();
    },
    windows: windowProjections,
    current: {
      levelMgDl: currentBand(loadings.of(STATE_LEVEL, STATE_MEDICATION_EFFECT)),
      glycationOffsetPct: currentBand(loadings.of(STATE_GLYCATION_OFFSET)),
      hba1cPct: currentBand(loadings.hba1c, HBA1C_INTERCEPT_PCT),
      doseResponses,
    },
    hyperparameters: fit.hyperparameters,
    fit: { logLikelihood: filtered.logLikelihood, evaluations: fit.evaluations, method: fit.method },
    provenance: {
      ...dataProvenance(series),
      originDay,
      ignoredDrugs: series.doses.ignoredDrugs,
      withinDayShape: shape.kind,
      withinDayShapeDays: shape.dayCount,
      withinDayShapeLowDays: shape.lowDayCount,
      populationGroup: scales.group,
      referenceMgDl: scales.referenceMgDl,
      samplePaths: settings.paths,
      seed: settings.seed,
    },
  };
}

/**
 * The scale CVs are multiplied by: median CGM daily mean on the grid, else the HbA1c results' eAG, and
 * the typical within-day SD. Only data on or before the origin enter (the grid ends there).
 */
export function patientScales(
  input: DailyGlucoseInput,
  series: DailyGlucoseSeries,
  inputRow: Int32Array,
  population: PopulationPrior,
): PatientScales {
  const group = populationGroupOf(input.diabetesType);
  const means: number[] = [];
  for (let t = 0; t < series.dayCount; t++) if (!Number.isNaN(series.cgmMeanMgDl[t]!)) means.push(series.cgmMeanMgDl[t]!);
  let referenceMgDl: number;
  if (means.length > 0) {
    means.sort((a, b) => a - b);
    referenceMgDl = quantileOfSorted(means, 0.5);
  } else {
    let sum = 0;
    let count = 0;
    for (let t = 0; t < series.dayCount; t++) {
      if (Number.isNaN(series.hba1cPct[t]!)) continue;
      sum += series.hba1cPct[t]! * series.hba1cCount[t]!;
      count += series.hba1cCount[t]!;
    }
    referenceMgDl = count > 0 ? estimatedAverageGlucoseMgDl(sum / count) : population.groups[group].levelMeanMgDl;
  }
  // An HbA1c near 4 % gives an eAG near 70 mg/dL; below 60 the CV scaling would make the model too sure.
  referenceMgDl = Math.max(60, referenceMgDl);
  const withinDaySdLog = typicalWithinDaySdLog(input, inputRow) ?? Math.exp(population.groups[group].withinDaySdLog.logMean);
  return { referenceMgDl, withinDaySdLog, group };
}

function dataProvenance(series: DailyGlucoseSeries): Pick<
  DailyGlucoseProjection['provenance'],
  'firstDay' | 'cgmDays' | 'partialCgmDays' | 'lastCgmDay' | 'longestCgmGapDays' | 'hba1cCount' | 'lastHba1cDay'
> {
  let cgmDays = 0;
  let gapDays = 0;
  let longestCgmGapDays = 0;
  let partialCgmDays = 0;
  let lastCgmDay: number | null = null;
  let hba1cCount = 0;
  let lastHba1cDay: number | null = null;
  for (let t = 0; t < series.dayCount; t++) {
    if (Number.isNaN(series.cgmMeanMgDl[t]!)) {
      gapDays++;
      longestCgmGapDays = Math.max(longestCgmGapDays, gapDays);
    } else {
      gapDays = 0;
      cgmDays++;
      if (series.wearFraction[t]! < FULL_DAY_WEAR) partialCgmDays++;
      lastCgmDay = series.firstDay + t;
    }
    if (series.hba1cCount[t]! > 0) {
      hba1cCount += series.hba1cCount[t]!;
      lastHba1cDay = series.firstDay + t;
    }
  }
  return { firstDay: series.firstDay, cgmDays, partialCgmDays, lastCgmDay, longestCgmGapDays, hba1cCount, lastHba1cDay };
}

interface Moments {
  readonly mean: number;
  readonly variance: number;
}

/** Mean and variance of c + z'x for row `row` of stacked states and covariances, plus `extraVariance`. */
function linearMoments(
  states: Float64Array,
  covariances: Float64Array,
  m: number,
  row: number,
  loading: Float64Array,
  intercept: number,
  extraVariance: number,
): Moments {
  let mean = intercept;
  let variance = extraVariance;
  for (let r = 0; r < m; r++) {
    const zr = loading[r]!;
    if (zr === 0) continue;
    mean += zr * states[row * m + r]!;
    for (let c = 0; c < m; c++) variance += zr * covariances[row * m * m + r * m + c]! * loading[c]!;
  }
  return { mean, variance: Math.max(0, variance) };
}

/**
 * Moments of the window means (1/h) Σ_{j=1..h} z'x_j for h = 1…horizon, from x_0 ~ N(a, P) and
 * x_j = T x_{j−1} + η_j. With S_h = Σ x_j, D_h = Cov(S_h, x_h), V_h = Var S_h:
 *   P_j = T P_{j−1} T' + Q,  V_j = V_{j−1} + D_{j−1}T' + T D_{j−1}' + P_j,  D_j = D_{j−1}T' + P_j.
 */
export function windowMeanMoments(
  a0: Float64Array,
  P0: Float64Array,
  T: Float64Array,
  Q: Float64Array,
  m: number,
  horizon: number,
  loading: Float64Array,
): Moments[] {
  const a = Float64Array.from(a0);
  const P = Float64Array.from(P0);
  const D = new Float64Array(m * m);
  const V = new Float64Array(m * m);
  const sum = new Float64Array(m);
  const scratch = new Float64Array(m * m);
  const dTransposed = new Float64Array(m * m);
  const next = new Float64Array(m);
  const result: Moments[] = [];
  for (let h = 1; h <= horizon; h++) {
    for (let r = 0; r < m; r++) {
      let s = 0;
      for (let k = 0; k < m; k++) s += T[r * m + k]! * a[k]!;
      next[r] = s;
    }
    a.set(next);
    // P ← T P T' + Q
    multiply(T, P, scratch, m);
    multiplyTransposed(scratch, T, P, m);
    for (let k = 0; k < m * m; k++) P[k] = P[k]! + Q[k]!;
    // D_{h−1} T'
    multiplyTransposed(D, T, dTransposed, m);
    for (let r = 0; r < m; r++) {
      for (let c = 0; c < m; c++) {
        V[r * m + c] = V[r * m + c]! + dTransposed[r * m + c]! + dTransposed[c * m + r]! + P[r * m + c]!;
      }
    }
    for (let k = 0; k < m * m; k++) D[k] = dTransposed[k]! + P[k]!;
    for (let r = 0; r < m; r++) sum[r] = sum[r]! + a[r]!;
    let mean = 0;
    let variance = 0;
    for (let r = 0; r < m; r++) {
      mean += loading[r]! * sum[r]!;
      for (let c = 0; c < m; c++) variance += loading[r]! * V[r * m + c]! * loading[c]!;
    }
    result.push({ mean: mean / h, variance: Math.max(0, variance) / (h * h) });
  }
  return result;
}

/** out = A B (m×m). */
function multiply(A: Float64Array, B: Float64Array, out: Float64Array, m: number): void {
  for (let r = 0; r < m; r++) {
    for (let c = 0; c < m; c++) {
      let s = 0;
      for (let k = 0; k < m; k++) s += A[r * m + k]! * B[k * m + c]!;
      out[r * m + c] = s;
    }
  }
}

/** out = A B' (m×m). */
function multiplyTransposed(A: Float64Array, B: Float64Array, out: Float64Array, m: number): void {
  for (let r = 0; r < m; r++) {
    for (let c = 0; c < m; c++) {
      let s = 0;
      for (let k = 0; k < m; k++) s += A[r * m + k]! * B[c * m + k]!;
      out[r * m + c] = s;
    }
  }
}

interface SampledTimeInRange {
  readonly dailyInRange: BandSeries;
  /** computed when first asked for (the living twin reads the windows' and time in range only) */
  readonly dailyBelow70: () => BandSeries;
  readonly dailyBelow54: () => BandSeries;
  readonly windowInRange: Band[];
  readonly windowBelow70: Band[];
  readonly windowBelow54: Band[];
}

/**
 * Samples `paths` trajectories of the daily mean glucose g_h = c'x_h (h = 1 … horizon) and turns each
 * sampled day into time fractions with the within-day sampler (which draws its own per-path uncertainty:
 * library weights, share of low days, within-day SD). Only the daily means enter the fractions, and they
 * are jointly Gaussian: from x_0 ~ N(a, P) and x_h = T x_{h−1} + η_h,
 *   E g_h = c'T^h a,   Cov(g_h, g_{h+k}) = c'T^k P_h c,   P_h = T P_{h−1} T' + Q,
 * so a path is E g + L z with L L' = Cov g and z ~ N(0, I): `horizon` normal draws per path instead of a
 * state's worth per day.
 */
function sampleTimeInRange(
  a0: Float64Array,
  P0: Float64Array,
  T: Float64Array,
  Q: Float64Array,
  m: number,
  loading: Float64Array,
  horizon: number,
  windows: readonly number[],
  sampler: WithinDaySampler,
  random: SeededGenerator,
  paths: number,
): SampledTimeInRange {
  const { mean, covariance } = dailyMeanDistribution(a0, P0, T, Q, m, loading, horizon);
  const L = semidefiniteCholesky(covariance, horizon);
  const inRange = new Float64Array(horizon * paths);
  const below70 = new Float64Array(horizon * paths);
  const below54 = new Float64Array(horizon * paths);
  const z = new Float64Array(horizon);
  const fractions: TimeFractions = { below54: 0, below70: 0, above180: 0 };
  for (let p = 0; p < paths; p++) {
    for (let h = 0; h < horizon; h++) z[h] = random.normal();
    sampler.startPath();
    for (let h = 0; h < horizon; h++) {
      let g = mean[h]!;
      const row = h * horizon;
      for (let k = 0; k <= h; k++) g += L[row + k]! * z[k]!;
      sampler.dayFractions(Math.max(MIN_SAMPLED_MEAN_MG_DL, g), fractions);
      const index = h * paths + p;
      below54[index] = fractions.below54;
      below70[index] = fractions.below70;
      inRange[index] = Math.max(0, 1 - fractions.below70 - fractions.above180);
    }
  }

  // The window bands read each path across days, so they come first: the daily bands then reorder each
  // day's block in place.
  const windowInRange = windows.map((w) => windowBand(inRange, w, paths));
  const windowBelow70 = windows.map((w) => windowBand(below70, w, paths));
  const windowBelow54 = windows.map((w) => windowBand(below54, w, paths));
  return {
    dailyInRange: sampledSeries(inRange, horizon, paths),
    dailyBelow70: once(() => sampledSeries(below70, horizon, paths)),
    dailyBelow54: once(() => sampledSeries(below54, horizon, paths)),
    windowInRange,
    windowBelow70,
    windowBelow54,
  };
}

function once<T>(compute: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= compute());
}

/** Mean (horizon) and covariance (horizon×horizon) of c'x_1 … c'x_horizon; see `sampleTimeInRange`. */
export function dailyMeanDistribution(
  a0: Float64Array,
  P0: Float64Array,
  T: Float64Array,
  Q: Float64Array,
  m: number,
  loading: Float64Array,
  horizon: number,
): { readonly mean: Float64Array; readonly covariance: Float64Array } {
  const mean = new Float64Array(horizon);
  const covariance = new Float64Array(horizon * horizon);
  const a = Float64Array.from(a0);
  const P = Float64Array.from(P0);
  const scratch = new Float64Array(m * m);
  const next = new Float64Array(m);
  const u = new Float64Array(m);
  const dot = (x: Float64Array): number => {
    let sum = 0;
    for (let r = 0; r < m; r++) sum += loading[r]! * x[r]!;
    return sum;
  };
  const advance = (x: Float64Array): void => {
    for (let r = 0; r < m; r++) {
      let sum = 0;
      for (let k = 0; k < m; k++) sum += T[r * m + k]! * x[k]!;
      next[r] = sum;
    }
    x.set(next);
  };
  for (let h = 0; h < horizon; h++) {
    advance(a);
    mean[h] = dot(a);
    // P ← T P T' + Q
    multiply(T, P, scratch, m);
    multiplyTransposed(scratch, T, P, m);
    for (let k = 0; k < m * m; k++) P[k] = P[k]! + Q[k]!;
    // u = P_h c, then T^k P_h c for the days after
    for (let r = 0; r < m; r++) {
      let sum = 0;
      for (let c = 0; c < m; c++) sum += P[r * m + c]! * loading[c]!;
      u[r] = sum;
    }
    covariance[h * horizon + h] = Math.max(0, dot(u));
    for (let k = h + 1; k < horizon; k++) {
      advance(u);
      const value = dot(u);
      covariance[h * horizon + k] = value;
      covariance[k * horizon + h] = value;
    }
  }
  return { mean, covariance };
}

/**
 * Band of sampled shares of time over `days` days. Band edges closer to 0 or 1 than half a CGM reading
 * (5 min) are snapped there: time below range is counted in readings, so 1e-30 of a day is no time at
 * all, and a band that excluded "no time" on that account would be wrong, not precise.
 */
function shareBand(values: Float64Array, days: number): Band {
  let sum = 0;
  for (const value of values) sum += value;
  sortTails(values, TAIL_80, 1 - TAIL_80);
  const halfReading = 0.5 / (READINGS_PER_DAY * days);
  const snap = (share: number): number => (share < halfReading ? 0 : share > 1 - halfReading ? 1 : share);
  return {
    mean: sum / values.length,
    lower80: snap(quantileOfSorted(values, TAIL_80)),
    upper80: snap(quantileOfSorted(values, 1 - TAIL_80)),
    lower95: snap(quantileOfSorted(values, TAIL_95)),
    upper95: snap(quantileOfSorted(values, 1 - TAIL_95)),
  };
}

/** Bands of each day's block of `paths` values (day-major); reorders each block in place. */
function sampledSeries(values: Float64Array, horizon: number, paths: number): BandSeries {
  const series = emptySeries(horizon);
  for (let h = 0; h < horizon; h++) setBand(series, h, shareBand(values.subarray(h * paths, (h + 1) * paths), 1));
  return series;
}

/** Band of the per-path average over the first `length` projected days. */
function windowBand(values: Float64Array, length: number, paths: number): Band {
  const averages = new Float64Array(paths);
  for (let h = 0; h < length; h++) {
    for (let p = 0; p < paths; p++) averages[p] = averages[p]! + values[h * paths + p]!;
  }
  for (let p = 0; p < paths; p++) averages[p] = averages[p]! / length;
  return shareBand(averages, length);
}

function gaussianBand(mean: number, variance: number): Band {
  const sd = Math.sqrt(variance);
  return {
    mean,
    lower80: mean - Z_CENTRAL_80 * sd,
    upper80: mean + Z_CENTRAL_80 * sd,
    lower95: mean - Z_CENTRAL_95 * sd,
    upper95: mean + Z_CENTRAL_95 * sd,
  };
}

/**
 * Band of a positive, right-skewed quantity (mean glucose): the log-normal with the forecast's mean and
 * variance. Its mean is the forecast's; only the band edges move, upwards, as glucose's skew does.
 */
function logNormalBand(mean: number, variance: number): Band {
  if (!(mean > 0)) return gaussianBand(mean, variance);
  const logVariance = Math.log1p(variance / (mean * mean));
  const logSd = Math.sqrt(logVariance);
  const logMedian = Math.log(mean) - 0.5 * logVariance;
  return {
    mean,
    lower80: Math.exp(logMedian - Z_CENTRAL_80 * logSd),
    upper80: Math.exp(logMedian + Z_CENTRAL_80 * logSd),
    lower95: Math.exp(logMedian - Z_CENTRAL_95 * logSd),
    upper95: Math.exp(logMedian + Z_CENTRAL_95 * logSd),
  };
}

/** A band pushed through an increasing function. */
function mapBand(band: Band, f: (value: number) => number): Band {
  return { mean: f(band.mean), lower80: f(band.lower80), upper80: f(band.upper80), lower95: f(band.lower95), upper95: f(band.upper95) };
}

function emptySeries(length: number): BandSeries {
  return {
    mean: new Float64Array(length),
    lower80: new Float64Array(length),
    upper80: new Float64Array(length),
    lower95: new Float64Array(length),
    upper95: new Float64Array(length),
  };
}

function setBand(series: BandSeries, index: number, band: Band): void {
  series.mean[index] = band.mean;
  series.lower80[index] = band.lower80;
  series.upper80[index] = band.upper80;
  series.lower95[index] = band.lower95;
  series.upper95[index] = band.upper95;
}

/**
 * Bands of loading'x_h + intercept (variance plus `extraVariance`) over the forecast's rows. Module-level
 * rather than a closure per projection: V8 keeps a closure's optimised code only while a closure holds it, so
 * each patient's new closures were compiled again (main/core/twin/README.md).
 */
function forecastBands(
  forecast: { readonly state: Float64Array; readonly stateCovariance: Float64Array },
  m: number,
  horizon: number,
  loading: Float64Array,
  intercept: number,
  extraVariance: number,
  band: (mean: number, variance: number) => Band,
): BandSeries {
  const series = emptySeries(horizon);
  for (let h = 0; h < horizon; h++) {
    const moments = linearMoments(forecast.state, forecast.stateCovariance, m, h, loading, intercept, extraVariance);
    setBand(series, h, band(moments.mean, moments.variance));
  }
  return series;
}

function bandAt(series: BandSeries, index: number): Band {
  return {
    mean: series.mean[index]!,
    lower80: series.lower80[index]!,
    upper80: series.upper80[index]!,
    lower95: series.lower95[index]!,
    upper95: series.upper95[index]!,
  };
}
