/**
 * Per-patient maximum a posteriori hyperparameters of the fast layer: population priors (log-normal on
 * every parameter, centred on MODEL-NOTES §1.6/§1.9 and published CGM behaviour, never fitted to the data
 * CareTwin is evaluated on) times the filter's likelihood, maximised with Nelder–Mead in log space.
 * A refit starts from the previous fit (warm start), which typically halves the evaluations.
 */
import { minimiseNelderMead } from '../mle.js';
import {
  type FastLayerParameters,
  type GlucoseReadings,
  type ReadingTimeline,
  filterFastLayer,
  StepSystems,
} from './fast-layer.js';

/** Order of the optimisation vector; every entry is a natural log. */
const PARAMETER_COUNT = 7;

interface LogNormalPrior {
  /** prior median */
  readonly median: number;
  /** SD of the log */
  readonly logSd: number;
  /** hard limits: outside them the model stops making sense (and the discretisation loses accuracy) */
  readonly min: number;
  readonly max: number;
}

export interface FastLayerPriors {
  readonly deviationTimeConstantMin: LogNormalPrior;
  readonly rateTimeConstantMin: LogNormalPrior;
  readonly rateDrivenDeviationSd: LogNormalPrior;
  readonly directDeviationSd: LogNormalPrior;
  readonly levelDriftSdPerDay: LogNormalPrior;
  readonly sensorNoiseScale: LogNormalPrior;
  /** on k − 1, so that k >= 1: a new sensor is never less noisy */
  readonly insertionNoiseExcess: LogNormalPrior;
}

/**
 * Population priors. τ_d 1–3 h and τ_s 10–30 min are MODEL-NOTES §1.9's ranges (Bergman's 1/p2 ≈ 30–60
 * min bounds them); a rate-driven excursion SD of 0.2 (±20 %) matches the ±30–50 mg/dL meal swings of
 * the CGM literature; the sensor noise's t-scale of 0.02 (≈ 3 % SD) is the short-term part of a ~10 %
 * MARD; the level drifts ~10 % a day; a new sensor is about twice as noisy (§1.6). The log-SDs are wide
 * (a factor of ~2–3 at one SD) so that a day of data overrules them.
 */
export const POPULATION_PRIORS: FastLayerPriors = {
  deviationTimeConstantMin: { median: 120, logSd: 0.6, min: 10, max: 3000 },
  rateTimeConstantMin: { median: 20, logSd: 0.6, min: 1, max: 600 },
  rateDrivenDeviationSd: { median: 0.2, logSd: 0.7, min: 1e-3, max: 3 },
  directDeviationSd: { median: 0.02, logSd: 1, min: 1e-5, max: 3 },
  levelDriftSdPerDay: { median: 0.1, logSd: 1, min: 1e-4, max: 3 },
  sensorNoiseScale: { median: 0.02, logSd: 0.8, min: 1e-4, max: 1 },
  insertionNoiseExcess: { median: 1, logSd: 1, min: 1e-3, max: 100 },
};

/** The order of the fit's log-parameter vector (the panel refit, ./patient-refit.ts, uses the same). */
export const PRIOR_ORDER = [
  'deviationTimeConstantMin',
  'rateTimeConstantMin',
  'rateDrivenDeviationSd',
  'directDeviationSd',
  'levelDriftSdPerDay',
  'sensorNoiseScale',
  'insertionNoiseExcess',
] as const satisfies readonly (keyof FastLayerPriors)[];

export function parametersFromLogVector(logs: ArrayLike<number>): FastLayerParameters {
  return {
    deviationTimeConstantMin: Math.exp(logs[0]!),
    rateTimeConstantMin: Math.exp(logs[1]!),
    rateDrivenDeviationSd: Math.exp(logs[2]!),
    directDeviationSd: Math.exp(logs[3]!),
    levelDriftSdPerDay: Math.exp(logs[4]!),
    sensorNoiseScale: Math.exp(logs[5]!),
    insertionNoiseFactor: 1 + Math.exp(logs[6]!),
  };
}

export function logVectorFromParameters(parameters: FastLayerParameters): Float64Array {
  return Float64Array.of(
    Math.log(parameters.deviationTimeConstantMin),
    Math.log(parameters.rateTimeConstantMin),
    Math.log(parameters.rateDrivenDeviationSd),
    Math.log(parameters.directDeviationSd),
    Math.log(parameters.levelDriftSdPerDay),
    Math.log(parameters.sensorNoiseScale),
    Math.log(parameters.insertionNoiseFactor - 1),
  );
}

export interface FastLayerFit {
  readonly parameters: FastLayerParameters;
  /** log likelihood + log prior at the estimate */
  readonly logPosterior: number;
  readonly evaluations: number;
  /** readings the fit used */
  readonly readingCount: number;
}

export interface FitOptions {
  readonly priors?: FastLayerPriors;
  /** the previous fit's estimate: a warm start */
  readonly start?: FastLayerParameters;
}

/** MAP estimate from the first `count` readings. Deterministic for the same readings and start. */
export function fitFastLayer(
  readings: GlucoseReadings,
  timeline: ReadingTimeline,
  count: number,
  options: FitOptions = {},
): FastLayerFit {
  const priors = options.priors ?? POPULATION_PRIORS;
  const prior = PRIOR_ORDER.map((name) => priors[name]);
  const negativeLogPosterior = (logs: Float64Array): number => {
    let penalty = 0;
    for (let i = 0; i < PARAMETER_COUNT; i++) {
      const p = prior[i]!;
      const value = logs[i]!;
      if (!(value >= Math.log(p.min) && value <= Math.log(p.max))) return Number.POSITIVE_INFINITY;
      const z = (value - Math.log(p.median)) / p.logSd;
      penalty += 0.5 * z * z;
    }
    const systems = new StepSystems(parametersFromLogVector(logs), timeline);
    return penalty - filterFastLayer(readings, timeline, systems, count, null).logLikelihood;
  };
  const warm = options.start !== undefined;
  const start = warm ? logVectorFromParameters(options.start!) : Float64Array.from(prior, (p) => Math.log(p.median));
  // The posterior is flat to within a few hundredths of a log unit in these coordinates: tighter tolerances
  // cost evaluations and change no forecast visibly.
  const tolerances = { valueTolerance: 1e-2, pointTolerance: 1e-2 };
  let result = minimiseNelderMead(negativeLogPosterior, start, { initialStep: warm ? 0.1 : 0.5, maxEvaluations: 1500, ...tolerances });
  let evaluations = result.evaluations;
  if (!warm) {
    // A cold simplex can collapse along a valley; one restart from its optimum confirms or moves on.
    result = minimiseNelderMead(negativeLogPosterior, result.point, { initialStep: 0.15, maxEvaluations: 800, ...tolerances });
    evaluations += result.evaluations;
  }
  return { parameters: parametersFromLogVector(result.point), logPosterior: -result.value, evaluations, readingCount: count };
}
