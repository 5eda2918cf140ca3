/**
 * Hyperparameters of the daily glucose layer: population priors, their resolution into one patient's
 * absolute parameters, and the per-patient maximum a posteriori fit (../../../../shared/MODEL-NOTES.md
 * §1.5, §5.3: pooled priors, per-patient MAP with warm starts, so a panel refit stays in seconds).
 *
 * Variances are written as coefficients of variation of the patient's reference glucose: glucose varies
 * multiplicatively, so one population prior then fits a patient at 120 mg/dL and one at 250 mg/dL.
 */
import { compileSparseModel, sparseLogLikelihood } from '../kernels/sparse.js';
import { minimiseBfgs } from '../mle.js';
import { HBA1C_KERNEL_TAU_DAYS, hba1cKernelDecayPerDay } from './formulas.js';
import { buildGlucoseDailyModel, glucoseDailyCovariances, sensorBiasStep, type DailyGlucoseSeries, type GlucoseDailyParameters } from './model.js';
import { type DiabetesType, type PatientHyperparameters, type PopulationGroup } from './types.js';

/** A log-normal prior: the natural log of the quantity is N(logMean, logSd²). */
export interface LogNormalPrior {
  readonly logMean: number;
  readonly logSd: number;
}

/** A Beta(alpha, beta) prior of a share. */
export interface BetaPrior {
  readonly alpha: number;
  readonly beta: number;
}

/** What differs between people with type 1 and type 2 diabetes (and the pooled panel). */
export interface GroupPrior {
  /** Prior of the level on the first modelled day. */
  readonly levelMeanMgDl: number;
  readonly levelSdMgDl: number;
  /** Per patient (MAP): day-to-day CV of the true daily mean. */
  readonly dayCv: LogNormalPrior;
  /**
   * SD of the HbA1c kernel around the level on the first day, as CV: glucose in the months before the
   * record differed from the first day's level (more so where days vary more).
   */
  readonly kernelOffsetCv: number;
  /** Within-day SD of ln glucose (scales the extra error of partial days when a patient has no full day). */
  readonly withinDaySdLog: LogNormalPrior;
  /**
   * Shape of an ordinary day (no low) for patients without usable CGM days: ln(G / mean) is split-normal,
   * with these SDs below and above its mode; glucose days are right-skewed (meals), so one SD would put
   * too much time below range.
   */
  readonly ordinaryDay: { readonly lowerSdLog: LogNormalPrior; readonly upperSdLog: LogNormalPrior };
  /** Share of days with a low (at least 1 % of the day below 70 mg/dL), across patients. */
  readonly lowDayShare: BetaPrior;
  /**
   * Time below 70 mg/dL on a day with a low, as a share of the day (log-normal: most lows are short, a
   * few last hours), and the part of it below 54 mg/dL.
   */
  readonly lowDay: { readonly shareBelow70: LogNormalPrior; readonly below54Fraction: number };
}

export interface PopulationPrior {
  /** Where these numbers come from (shown in provenance). */
  readonly source: string;
  readonly groups: Readonly<Record<PopulationGroup, GroupPrior>>;
  /** Per patient (MAP): level random-walk SD per √day, as CV. */
  readonly levelDriftCv: LogNormalPrior;
  /** Correlation of consecutive days' deviations from the level (weather of the body: illness, stress). */
  readonly dayDeviationCorrelation: number;
  /** Trend innovation SD per day, as CV of the reference, and the trend's damping time. */
  readonly trendCv: number;
  readonly trendDecayDays: number;
  /** Stationary SD of the CGM calibration error, as CV, and the time scale τ_b of its dynamics (model.ts). */
  readonly sensorBiasCv: number;
  readonly sensorBiasTimeDays: number;
  /** Error SD of a fully worn day's CGM mean beyond the bias, as CV. */
  readonly cgmWhiteCv: number;
  /**
   * Extra error of a partial day's mean: variance κ (reference × within-day SD of ln glucose)² (1 − w)/w,
   * κ < 1 because readings within a day are strongly autocorrelated.
   */
  readonly partialDayFactor: number;
  /** Time constant of the response to a dose change. */
  readonly medicationResponseDays: number;
  readonly glycationOffsetSdPct: number;
  /**
   * HbA1c assay SD including reporting to one decimal. Taken from laboratory precision, not estimated:
   * with one or two results per patient a panel cannot separate it from the glycation offset.
   */
  readonly labSdPct: number;
}

/** Assay SD 0.1 % (NGSP-certified methods, CV about 1.5 % at 7 %) and rounding to 0.1 % (variance 0.1²/12). */
const LAB_SD_PCT = Math.sqrt(0.1 ** 2 + 0.1 ** 2 / 12);

/**
 * Tuned on the demo panel with seed 2 (`benchGlucoseDaily` in scripts/bench/glucose-daily.ts re-derives it
 * with `fitPopulationPrior`, 120 patients × 180 days, and scores on seed 1), rounded to 3 digits. Clinic
 * use needs a re-estimate on clinic data: the demo's glucose has no slow drift (hence the tight drift
 * prior) and its sensors share one error model.
 */
export const DEFAULT_POPULATION_PRIOR: PopulationPrior = {
  source: 'demo panel seed 2 (scripts/bench/glucose-daily.ts)',
  groups: {
    type1: {
      levelMeanMgDl: 153,
      levelSdMgDl: 26.7,
      dayCv: { logMean: Math.log(0.169), logSd: 0.15 },
      kernelOffsetCv: 0.0452,
      withinDaySdLog: { logMean: Math.log(0.263), logSd: 0.15 },
      ordinaryDay: { lowerSdLog: { logMean: Math.log(0.216), logSd: 0.15 }, upperSdLog: { logMean: Math.log(0.239), logSd: 0.15 } },
      lowDayShare: { alpha: 5.48, beta: 6.29 },
      lowDay: { shareBelow70: { logMean: Math.log(0.0418), logSd: 0.711 }, below54Fraction: 0.187 },
    },
    type2: {
      levelMeanMgDl: 161,
      levelSdMgDl: 27.8,
      dayCv: { logMean: Math.log(0.0678), logSd: 0.21 },
      kernelOffsetCv: 0.0205,
      withinDaySdLog: { logMean: Math.log(0.147), logSd: 0.15 },
      ordinaryDay: { lowerSdLog: { logMean: Math.log(0.116), logSd: 0.15 }, upperSdLog: { logMean: Math.log(0.176), logSd: 0.155 } },
      lowDayShare: { alpha: 1.19, beta: 98.8 },
      lowDay: { shareBelow70: { logMean: Math.log(0.0255), logSd: 0.466 }, below54Fraction: 0.0327 },
    },
    unspecified: {
      levelMeanMgDl: 159,
      levelSdMgDl: 27.6,
      dayCv: { logMean: Math.log(0.0918), logSd: 0.471 },
      kernelOffsetCv: 0.0452,
      withinDaySdLog: { logMean: Math.log(0.179), logSd: 0.294 },
      ordinaryDay: { lowerSdLog: { logMean: Math.log(0.143), logSd: 0.311 }, upperSdLog: { logMean: Math.log(0.195), logSd: 0.199 } },
      lowDayShare: { alpha: 0.326, beta: 1.67 },
      lowDay: { shareBelow70: { logMean: Math.log(0.0408), logSd: 0.709 }, below54Fraction: 0.183 },
    },
  },
  levelDriftCv: { logMean: Math.log(0.00274), logSd: 0.566 },
  dayDeviationCorrelation: 0.193,
  trendCv: 1e-4,
  trendDecayDays: 20,
  sensorBiasCv: 0.0416,
  sensorBiasTimeDays: 2.6,
  cgmWhiteCv: 0.00731,
  partialDayFactor: 0.106,
  medicationResponseDays: 7,
  glycationOffsetSdPct: 0.354,
  labSdPct: LAB_SD_PCT,
};

export function populationGroupOf(diabetesType: DiabetesType | undefined): PopulationGroup {
  if (diabetesType === 't1d') return 'type1';
  if (diabetesType === 't2d') return 'type2';
  return 'unspecified';
}

/** What a patient's parameters are scaled by and drawn from; computed from data on or before the origin. */
export interface PatientScales {
  readonly referenceMgDl: number;
  /** Typical within-day SD of ln glucose (median over well-worn days, else the group's). */
  readonly withinDaySdLog: number;
  readonly group: PopulationGroup;
}

export function populationMeanHyperparameters(population: PopulationPrior, group: PopulationGroup): PatientHyperparameters {
  return { logDayCv: population.groups[group].dayCv.logMean, logLevelDriftCv: population.levelDriftCv.logMean };
}

export function resolveParameters(
  population: PopulationPrior,
  patient: PatientHyperparameters,
  scales: PatientScales,
  series: DailyGlucoseSeries,
): GlucoseDailyParameters {
  const reference = scales.referenceMgDl;
  const group = population.groups[scales.group];
  const squared = (cv: number): number => (cv * reference) ** 2;
  const trendDecay = Math.exp(-1 / population.trendDecayDays);
  const trendVariance = squared(population.trendCv);
  const drugs = series.doses.drugs;
  return {
    levelVarianceMgDl2: squared(Math.exp(patient.logLevelDriftCv)),
    trendVarianceMgDl2: trendVariance,
    trendDecayPerDay: trendDecay,
    dayDeviationVarianceMgDl2: squared(Math.exp(patient.logDayCv)),
    dayDeviationCorrelation: population.dayDeviationCorrelation,
    sensorBiasVarianceMgDl2: squared(population.sensorBiasCv),
    sensorBiasTimeDays: population.sensorBiasTimeDays,
    cgmWhiteVarianceMgDl2: squared(population.cgmWhiteCv),
    partialDayVarianceMgDl2: population.partialDayFactor * (reference * scales.withinDaySdLog) ** 2,
    medicationDecayPerDay: Math.exp(-1 / population.medicationResponseDays),
    hba1cKernelDecayPerDay: hba1cKernelDecayPerDay(HBA1C_KERNEL_TAU_DAYS),
    labVariancePct2: population.labSdPct ** 2,
    prior: {
      levelMeanMgDl: group.levelMeanMgDl,
      levelVarianceMgDl2: group.levelSdMgDl ** 2,
      trendVarianceMgDl2: trendVariance / (1 - trendDecay * trendDecay),
      kernelOffsetVarianceMgDl2: squared(group.kernelOffsetCv),
      glycationOffsetMeanPct: 0,
      glycationOffsetVariancePct2: population.glycationOffsetSdPct ** 2,
    },
    doseResponseMeans: Float64Array.from(drugs, (drug) => drug.prior.meanMgDlPerUnit),
    doseResponseSds: Float64Array.from(drugs, (drug) => drug.prior.sdMgDlPerUnit),
  };
}

/**
 * Exact log-likelihood of the series under one patient's hyperparameters: the generic filter's number, by the
 * kernel that skips the model's zeros (../kernels/sparse.ts), since the MAP fit below asks for it dozens of
 * times per patient.
 */
export function dailyLogLikelihood(
  series: DailyGlucoseSeries,
  population: PopulationPrior,
  patient: PatientHyperparameters,
  scales: PatientScales,
): number {
  const { model, observations } = buildGlucoseDailyModel(series, resolveParameters(population, patient, scales, series));
  return sparseLogLikelihood(model, observations).logLikelihood;
}

/** Log density (up to a constant) of the hyperparameters under the population's log-normal priors. */
export function logPriorDensity(population: PopulationPrior, group: PopulationGroup, patient: PatientHyperparameters): number {
  const dayCv = population.groups[group].dayCv;
  const z1 = (patient.logDayCv - dayCv.logMean) / dayCv.logSd;
  const z2 = (patient.logLevelDriftCv - population.levelDriftCv.logMean) / population.levelDriftCv.logSd;
  return -0.5 * (z1 * z1 + z2 * z2);
}

export interface HyperparameterFit {
  readonly hyperparameters: PatientHyperparameters;
  readonly logLikelihood: number;
  readonly evaluations: number;
  readonly method: 'map' | 'population-prior';
}

/** Below this many CGM days the day-to-day variation is left at the population prior. */
export const MIN_CGM_DAYS_FOR_FIT = 7;

/**
 * Per-patient MAP of (log day CV, log level-drift CV) under the population's log-normal priors.
 * A warm start (yesterday's fit) cuts the evaluations further; the tolerance is loose because a gain of
 * 1e-3 in log posterior moves no band visibly.
 */
export function fitPatientHyperparameters(
  series: DailyGlucoseSeries,
  population: PopulationPrior,
  scales: PatientScales,
  warmStart?: PatientHyperparameters,
): HyperparameterFit {
  let cgmDays = 0;
  for (let t = 0; t < series.dayCount; t++) if (!Number.isNaN(series.cgmMeanMgDl[t]!)) cgmDays++;
  const prior = populationMeanHyperparameters(population, scales.group);
  if (cgmDays < MIN_CGM_DAYS_FOR_FIT) {
    return { hyperparameters: prior, logLikelihood: dailyLogLikelihood(series, population, prior, scales), evaluations: 1, method: 'population-prior' };
  }
  const toHyperparameters = (point: Float64Array): PatientHyperparameters => ({
    logDayCv: point[0]!,
    logLevelDriftCv: point[1]!,
  });
  const start = warmStart ?? prior;
  // The hyperparameters move only Q and P_0 (glucoseDailyCovariances): the model is built and compiled once,
  // and each evaluation runs it with those two replaced; the same numbers as building it again.
  const startParameters = resolveParameters(population, start, scales, series);
  const { model, observations } = buildGlucoseDailyModel(series, startParameters);
  const compiled = compileSparseModel(model, observations);
  const bias = sensorBiasStep(startParameters);
  const drugCount = series.doses.drugs.length;
  const objective = (point: Float64Array): number => {
    const patient = toHyperparameters(point);
    const covariances = glucoseDailyCovariances(resolveParameters(population, patient, scales, series), drugCount, bias);
    return -compiled.logLikelihood(covariances).logLikelihood - logPriorDensity(population, scales.group, patient);
  };
  // BFGS from the prior's curvature tripled by the data (the likelihood's share grows with the days; the
  // first step is then a cautious one): a smooth two-parameter posterior, which BFGS crosses in about
  // half the evaluations Nelder–Mead took (README).
  const dayCvSd = population.groups[scales.group].dayCv.logSd;
  const driftSd = population.levelDriftCv.logSd;
  const result = minimiseBfgs(objective, [start.logDayCv, start.logLevelDriftCv], {
    inverseHessian: [(dayCvSd * dayCvSd) / 3, 0, 0, (driftSd * driftSd) / 3],
    gradientStep: 1e-4,
    decreaseTolerance: 1e-3,
    maxStep: 1,
    maxEvaluations: 200,
  });
  const hyperparameters = toHyperparameters(result.point);
  return {
    hyperparameters,
    logLikelihood: dailyLogLikelihood(series, population, hyperparameters, scales),
    evaluations: result.evaluations + 1,
    method: 'map',
  };
}
