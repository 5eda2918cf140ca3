/**
 * Estimating the population prior from a panel (empirical Bayes, done offline):
 * - per group (type 1, type 2, everyone): the level prior, within-day SD and share of days with a low
 *   from moments across patients, and the day-to-day CV's log-normal prior from per-patient maximum
 *   likelihood;
 * - shared parameters (sensor error, partial-day factor, HbA1c kernel offset, glycation offset, trend,
 *   level drift): by maximising the panel's summed log-likelihood with the per-patient values held;
 * two rounds. The HbA1c assay SD is not estimated (see PopulationPrior.labSdPct).
 */
import { minimiseNelderMead } from '../mle.js';
import {
  dailyLogLikelihood,
  DEFAULT_POPULATION_PRIOR,
  populationGroupOf,
  populationMeanHyperparameters,
  type BetaPrior,
  type GroupPrior,
  type LogNormalPrior,
  type PopulationPrior,
} from './hyperparameters.js';
import { type DailyGlucoseSeries } from './model.js';
import { patientScales } from './project.js';
import { lastDataDay, prepareSeries, validateDailyGlucoseInput } from './series.js';
import { type DailyGlucoseInput, type PatientHyperparameters, type PopulationGroup, WITHIN_DAY_PROBABILITIES } from './types.js';
import {
  FULL_DAY_WEAR,
  LOW_DAY_MIN_SHARE_BELOW_70,
  recordedDayFractions,
  typicalWithinDaySdLog,
  type TimeFractions,
} from './within-day.js';

/** Patients with fewer CGM days than this do not inform the per-patient priors. */
const MIN_CGM_DAYS_FOR_POPULATION = 28;
/**
 * Floors that keep the prior usable on patients unlike the tuning panel: a level that never drifts and a
 * trend that never moves are artefacts of simulated data, not of people.
 */
const MIN_LEVEL_DRIFT_CV = 0.002;
const MIN_TREND_CV = 1e-4;
const MIN_LOG_SD = 0.15;
/** Beyond this the "day deviation" would be a second level: the level's own drift is there for that. */
const MAX_DAY_CORRELATION = 0.8;
/** Bounds on a Beta prior's concentration α + β: from a few days' worth of evidence to about three months'. */
const MIN_BETA_CONCENTRATION = 2;
const MAX_BETA_CONCENTRATION = 100;

export interface PopulationFitOptions {
  readonly rounds?: number;
  /** Objective evaluations per shared-parameter fit (default 400). */
  readonly maxEvaluations?: number;
  readonly maxHistoryDays?: number;
}

export interface PopulationFit {
  readonly prior: PopulationPrior;
  readonly patients: number;
  readonly cgmPatients: number;
  /** Panel log-likelihood at the fitted prior (per-patient values at their fits). */
  readonly logLikelihood: number;
  readonly evaluations: number;
}

interface PanelPatient {
  readonly input: DailyGlucoseInput;
  readonly series: DailyGlucoseSeries;
  readonly inputRow: Int32Array;
  readonly group: PopulationGroup;
  readonly cgmDays: number;
  /** Full CGM days, and how many of them had a low. */
  readonly fullDays: number;
  readonly lowDays: number;
  /** Time below 70 mg/dL on each day with a low, and the summed time below 54 over them. */
  readonly lowDayShares70: number[];
  readonly lowDayBelow54: number;
  /** Median split-normal SDs of ln(G / mean) below and above the median over ordinary full days (null: none). */
  readonly ordinaryLowerSdLog: number | null;
  readonly ordinaryUpperSdLog: number | null;
  hyperparameters: PatientHyperparameters;
}

/** Shared parameters fitted on the log scale, in this order, followed by the groups' kernel offsets. */
const SHARED_KEYS = ['dayDeviationCorrelation', 'trendCv', 'sensorBiasCv', 'sensorBiasTimeDays', 'cgmWhiteCv', 'partialDayFactor', 'glycationOffsetSdPct'] as const;

function sharedStart(prior: PopulationPrior): number[] {
  return [...SHARED_KEYS.map((key) => Math.log(prior[key])), Math.log(prior.groups.type1.kernelOffsetCv), Math.log(prior.groups.type2.kernelOffsetCv)];
}

/** The unspecified group takes the larger kernel offset: not knowing the type, assume the wider. */
function withShared(prior: PopulationPrior, logValues: ArrayLike<number>): PopulationPrior {
  const updated: Record<string, number> = {};
  SHARED_KEYS.forEach((key, k) => {
    updated[key] = Math.exp(logValues[k]!);
  });
  const type1 = Math.exp(logValues[SHARED_KEYS.length]!);
  const type2 = Math.exp(logValues[SHARED_KEYS.length + 1]!);
  return {
    ...prior,
    ...updated,
    trendCv: Math.max(MIN_TREND_CV, updated.trendCv!),
    dayDeviationCorrelation: Math.min(MAX_DAY_CORRELATION, updated.dayDeviationCorrelation!),
    groups: {
      type1: { ...prior.groups.type1, kernelOffsetCv: type1 },
      type2: { ...prior.groups.type2, kernelOffsetCv: type2 },
      unspecified: { ...prior.groups.unspecified, kernelOffsetCv: Math.max(type1, type2) },
    },
  };
}

function mean(values: readonly number[]): number {
  return values.reduce((s, v) => s + v, 0) / values.length;
}

function variance(values: readonly number[]): number {
  const m = mean(values);
  return values.reduce((s, v) => s + (v - m) ** 2, 0) / Math.max(1, values.length - 1);
}

function logMoments(values: readonly number[], fallback: LogNormalPrior): LogNormalPrior {
  if (values.length < 2) return fallback;
  const logs = values.map(Math.log);
  return { logMean: mean(logs), logSd: Math.max(MIN_LOG_SD, Math.sqrt(variance(logs))) };
}

/**
 * Beta-binomial moments: the pooled share, and the between-patient variance beyond what counting alone
 * gives, set α + β.
 */
function betaMoments(patients: readonly PanelPatient[], fallback: BetaPrior): BetaPrior {
  const counted = patients.filter((patient) => patient.fullDays > 0);
  if (counted.length < 2) return fallback;
  const totalDays = counted.reduce((s, p) => s + p.fullDays, 0);
  const pooled = Math.min(0.99, Math.max(1e-3, counted.reduce((s, p) => s + p.lowDays, 0) / totalDays));
  const shares = counted.map((p) => p.lowDays / p.fullDays);
  const binomial = mean(counted.map((p) => (pooled * (1 - pooled)) / p.fullDays));
  const between = variance(shares) - binomial;
  const concentration =
    between > 0
      ? Math.min(MAX_BETA_CONCENTRATION, Math.max(MIN_BETA_CONCENTRATION, (pooled * (1 - pooled)) / between - 1))
      : MAX_BETA_CONCENTRATION;
  return { alpha: pooled * concentration, beta: (1 - pooled) * concentration };
}

const Z_90 = 1.2815515655446004;
const P10_INDEX = WITHIN_DAY_PROBABILITIES.indexOf(0.1);
const P50_INDEX = WITHIN_DAY_PROBABILITIES.indexOf(0.5);
const P90_INDEX = WITHIN_DAY_PROBABILITIES.indexOf(0.9);

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : 0.5 * (sorted[middle - 1]! + sorted[middle]!);
}

function panelPatient(input: DailyGlucoseInput, start: PopulationPrior, maxHistoryDays: number): PanelPatient {
  validateDailyGlucoseInput(input);
  const { series, inputRow } = prepareSeries(input, lastDataDay(input), maxHistoryDays);
  const group = populationGroupOf(input.diabetesType);
  let cgmDays = 0;
  let fullDays = 0;
  let lowDays = 0;
  const lowDayShares70: number[] = [];
  let lowDayBelow54 = 0;
  const lowerSds: number[] = [];
  const upperSds: number[] = [];
  const width = WITHIN_DAY_PROBABILITIES.length;
  const fractions: TimeFractions = { below54: 0, below70: 0, above180: 0 };
  for (let t = 0; t < series.dayCount; t++) {
    if (Number.isNaN(series.cgmMeanMgDl[t]!)) continue;
    cgmDays++;
    const row = inputRow[t]!;
    if (series.wearFraction[t]! < FULL_DAY_WEAR || !recordedDayFractions(input, row, fractions)) continue;
    fullDays++;
    if (fractions.below70 >= LOW_DAY_MIN_SHARE_BELOW_70) {
      lowDays++;
      lowDayShares70.push(fractions.below70);
      lowDayBelow54 += fractions.below54;
      continue;
    }
    const quantiles = input.residualQuantilesLog;
    if (quantiles) {
      const q = (index: number): number => quantiles[row * width + index]!;
      lowerSds.push((q(P50_INDEX) - q(P10_INDEX)) / Z_90);
      upperSds.push((q(P90_INDEX) - q(P50_INDEX)) / Z_90);
    } else {
      lowerSds.push(input.sdLogMgDl[row]!);
      upperSds.push(input.sdLogMgDl[row]!);
    }
  }
  return {
    input,
    series,
    inputRow,
    group,
    cgmDays,
    fullDays,
    lowDays,
    lowDayShares70,
    lowDayBelow54,
    ordinaryLowerSdLog: median(lowerSds),
    ordinaryUpperSdLog: median(upperSds),
    hyperparameters: populationMeanHyperparameters(start, group),
  };
}

/** Time below 70 mg/dL on the group's days with a low (log-normal moments), and the part below 54. */
function lowDayShares(patients: readonly PanelPatient[], fallback: GroupPrior['lowDay']): GroupPrior['lowDay'] {
  const shares = patients.flatMap((p) => p.lowDayShares70);
  const below70 = shares.reduce((s, v) => s + v, 0);
  if (shares.length < 2 || below70 === 0) return fallback;
  const below54 = patients.reduce((s, p) => s + p.lowDayBelow54, 0);
  return { shareBelow70: logMoments(shares, fallback.shareBelow70), below54Fraction: below54 / below70 };
}

export function fitPopulationPrior(
  inputs: readonly DailyGlucoseInput[],
  start: PopulationPrior = DEFAULT_POPULATION_PRIOR,
  options: PopulationFitOptions = {},
): PopulationFit {
  const rounds = options.rounds ?? 2;
  const maxEvaluations = options.maxEvaluations ?? 400;
  const panel = inputs.map((input) => panelPatient(input, start, options.maxHistoryDays ?? 365));
  if (panel.length === 0) throw new Error('fitPopulationPrior: no patients');
  const cgmPanel = panel.filter((patient) => patient.cgmDays >= MIN_CGM_DAYS_FOR_POPULATION);
  const members = (group: PopulationGroup, of: readonly PanelPatient[]): PanelPatient[] =>
    group === 'unspecified' ? [...of] : of.filter((patient) => patient.group === group);

  // Moments that need no likelihood: level, within-day SD, share of days with a low.
  const groupPrior = (group: PopulationGroup, dayCv: LogNormalPrior, kernelOffsetCv: number): GroupPrior => {
    const fallback = start.groups[group];
    const everyone = members(group, panel);
    const withCgm = members(group, cgmPanel);
    const references = everyone.map((p) => patientScales(p.input, p.series, p.inputRow, start).referenceMgDl);
    const sdLogs = withCgm.map((p) => typicalWithinDaySdLog(p.input, p.inputRow)).filter((v): v is number => v !== null);
    const present = (values: (number | null)[]): number[] => values.filter((v): v is number => v !== null && v > 0);
    return {
      levelMeanMgDl: references.length > 0 ? mean(references) : fallback.levelMeanMgDl,
      levelSdMgDl: references.length > 1 ? Math.max(20, Math.sqrt(variance(references))) : fallback.levelSdMgDl,
      dayCv,
      kernelOffsetCv,
      withinDaySdLog: logMoments(sdLogs, fallback.withinDaySdLog),
      ordinaryDay: {
        lowerSdLog: logMoments(present(withCgm.map((p) => p.ordinaryLowerSdLog)), fallback.ordinaryDay.lowerSdLog),
        upperSdLog: logMoments(present(withCgm.map((p) => p.ordinaryUpperSdLog)), fallback.ordinaryDay.upperSdLog),
      },
      lowDayShare: betaMoments(withCgm, fallback.lowDayShare),
      lowDay: lowDayShares(withCgm, fallback.lowDay),
    };
  };
  const groups: PopulationGroup[] = ['type1', 'type2', 'unspecified'];
  const withGroups = (prior: PopulationPrior, dayCvs: Record<PopulationGroup, LogNormalPrior>): PopulationPrior => ({
    ...prior,
    groups: {
      type1: groupPrior('type1', dayCvs.type1, prior.groups.type1.kernelOffsetCv),
      type2: groupPrior('type2', dayCvs.type2, prior.groups.type2.kernelOffsetCv),
      unspecified: groupPrior('unspecified', dayCvs.unspecified, prior.groups.unspecified.kernelOffsetCv),
    },
  });
  let prior = withGroups(
    start,
    { type1: start.groups.type1.dayCv, type2: start.groups.type2.dayCv, unspecified: start.groups.unspecified.dayCv },
  );

  let evaluations = 0;
  let logLikelihood = Number.NaN;
  for (let round = 0; round < rounds; round++) {
    // Per-patient maximum likelihood, lightly regularised so that an unidentified drift stays finite.
    for (const patient of cgmPanel) {
      const scales = patientScales(patient.input, patient.series, patient.inputRow, prior);
      const centre = populationMeanHyperparameters(prior, patient.group);
      const objective = (point: Float64Array): number => {
        const candidate = { logDayCv: point[0]!, logLevelDriftCv: point[1]! };
        const weakPrior = ((point[0]! - centre.logDayCv) ** 2 + (point[1]! - centre.logLevelDriftCv) ** 2) / (2 * 3 * 3);
        return -dailyLogLikelihood(patient.series, prior, candidate, scales) + weakPrior;
      };
      const fit = minimiseNelderMead(objective, [patient.hyperparameters.logDayCv, patient.hyperparameters.logLevelDriftCv], {
        initialStep: 0.5,
        valueTolerance: 1e-4,
        pointTolerance: 1e-3,
        maxEvaluations: 300,
      });
      evaluations += fit.evaluations;
      patient.hyperparameters = { logDayCv: fit.point[0]!, logLevelDriftCv: fit.point[1]! };
    }
    const dayCvOf = (group: PopulationGroup): LogNormalPrior =>
      logMoments(
        members(group, cgmPanel).map((p) => Math.exp(p.hyperparameters.logDayCv)),
        prior.groups[group].dayCv,
      );
    const drift = logMoments(
      cgmPanel.map((p) => Math.max(MIN_LEVEL_DRIFT_CV, Math.exp(p.hyperparameters.logLevelDriftCv))),
      prior.levelDriftCv,
    );
    prior = withGroups(
      { ...prior, levelDriftCv: { logMean: Math.max(Math.log(MIN_LEVEL_DRIFT_CV), drift.logMean), logSd: drift.logSd } },
      Object.fromEntries(groups.map((group) => [group, dayCvOf(group)])) as Record<PopulationGroup, LogNormalPrior>,
    );
    for (const patient of panel) {
      if (patient.cgmDays < MIN_CGM_DAYS_FOR_POPULATION) patient.hyperparameters = populationMeanHyperparameters(prior, patient.group);
    }

    // Shared parameters: the panel's summed log-likelihood.
    const base = prior;
    const scalesByPatient = panel.map((patient) => patientScales(patient.input, patient.series, patient.inputRow, base));
    const panelNegativeLogLikelihood = (logValues: Float64Array): number => {
      const candidate = withShared(base, logValues);
      let total = 0;
      panel.forEach((patient, i) => {
        total -= dailyLogLikelihood(patient.series, candidate, patient.hyperparameters, scalesByPatient[i]!);
      });
      return total;
    };
    const fit = minimiseNelderMead(
      panelNegativeLogLikelihood,
      sharedStart(base),
      { initialStep: 0.3, valueTolerance: 1e-3, pointTolerance: 1e-3, maxEvaluations },
    );
    evaluations += fit.evaluations;
    prior = withShared(base, fit.point);
    logLikelihood = -fit.value;
  }
  return { prior: { ...prior, source: start.source }, patients: panel.length, cgmPatients: cgmPanel.length, logLikelihood, evaluations };
}
