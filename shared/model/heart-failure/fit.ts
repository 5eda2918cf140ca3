/**
 * Hyperparameters of the heart-failure model (MODEL-NOTES §1.5, §5.3): population values fitted once by
 * pooled maximum likelihood over a panel, then per patient a maximum a posteriori (MAP) fit of the
 * handful that differ most between patients (how noisy their scale and devices are, how much their
 * weight wanders), shrunk towards the population by a log-normal prior and warm-started from the
 * previous fit. A fit through day r reads days 0 … r only.
 */
import { minimiseNelderMead } from '../mle.js';
import { filterHeartFailure } from './filter.js';
import {
  compileHeartFailureSystem,
  HF_POPULATION_PARAMETERS,
  type HeartFailureObservations,
  type HeartFailureParameters,
  type NtProBnpParameters,
  type VitalSignParameters,
} from './model.js';

type ScalarKey<T> = { [K in keyof T]-?: T[K] extends number ? K : never }[keyof T];
type VitalSignKey = 'systolic' | 'heartRate' | 'spo2' | 'logSteps';

/** A scalar model parameter by name, e.g. `weightNoiseKg` or `heartRate.perKgFluid`. */
export type HfParameterPath =
  | ScalarKey<HeartFailureParameters>
  | `${VitalSignKey}.${ScalarKey<VitalSignParameters>}`
  | `logNtProBnp.${ScalarKey<NtProBnpParameters>}`;

export function getHfParameter(parameters: HeartFailureParameters, path: HfParameterPath): number {
  const [head, tail] = path.split('.') as [string, string | undefined];
  const container = parameters as unknown as Record<string, unknown>;
  const value = tail === undefined ? container[head] : (container[head] as Record<string, unknown>)[tail];
  if (typeof value !== 'number') throw new Error(`getHfParameter: ${path} is not a numeric parameter`);
  return value;
}

/** A copy of `parameters` with the given values set. */
export function withHfParameters(
  parameters: HeartFailureParameters,
  values: readonly (readonly [HfParameterPath, number])[],
): HeartFailureParameters {
  const copy = { ...parameters } as unknown as Record<string, unknown>;
  for (const [path, value] of values) {
    const [head, tail] = path.split('.') as [string, string | undefined];
    if (tail === undefined) copy[head] = value;
    else copy[head] = { ...(copy[head] as Record<string, unknown>), [tail]: value };
  }
  return copy as unknown as HeartFailureParameters;
}

/** Loadings and means may take any sign; everything else is a scale or a time and is fitted on its log. */
function fittedOnLogScale(path: HfParameterPath): boolean {
  return !/(perKgFluid|perUnitIllness|PriorMean|MeanKgPerMg)$/.test(path);
}

function toFitScale(path: HfParameterPath, value: number): number {
  return fittedOnLogScale(path) ? Math.log(value) : value;
}

function fromFitScale(path: HfParameterPath, value: number): number {
  return fittedOnLogScale(path) ? Math.exp(value) : value;
}

export interface HeartFailurePopulation {
  readonly parameters: HeartFailureParameters;
  /** The parameters fitted per patient; all are scales, fitted on their log. */
  readonly patientParameters: readonly HfParameterPath[];
  /** SD of the log-normal prior around the population value: 0.5 lets a patient be 2.7× noisier at 2 SD. */
  readonly patientPriorSdLog: number;
}

export const HF_POPULATION: HeartFailurePopulation = {
  parameters: HF_POPULATION_PARAMETERS,
  patientParameters: [
    'weightNoiseKg',
    'fluidWanderSdKg',
    'systolic.noiseSd',
    'heartRate.noiseSd',
    'spo2.noiseSd',
    'logSteps.noiseSd',
  ],
  patientPriorSdLog: 0.5,
};

export interface HeartFailureFit {
  /** Index of the last day whose data the fit read. */
  readonly throughIndex: number;
  readonly parameters: HeartFailureParameters;
  /** The patient parameters on their log scale, in `population.patientParameters` order: the next warm start. */
  readonly estimate: Float64Array;
  readonly logPosterior: number;
  readonly evaluations: number;
  readonly converged: boolean;
}

export interface HeartFailureFitOptions {
  /** Start here (a previous fit's `estimate`) instead of at the population values. */
  readonly warmStart?: Float64Array;
  readonly maxEvaluations?: number;
}

/**
 * MAP of the patient parameters from days 0 … throughIndex: maximises log-likelihood + log prior with
 * Nelder–Mead on the log scales. A signal without readings contributes no likelihood, so its noise stays
 * at the population value.
 */
export function fitHeartFailureMap(
  observations: HeartFailureObservations,
  throughIndex: number,
  population: HeartFailurePopulation = HF_POPULATION,
  options: HeartFailureFitOptions = {},
): HeartFailureFit {
  const paths = population.patientParameters;
  const centre = Float64Array.from(paths, (path) => Math.log(getHfParameter(population.parameters, path)));
  const priorPrecision = 1 / population.patientPriorSdLog ** 2;
  const dayLimit = throughIndex + 1;
  const parametersAt = (estimate: Float64Array): HeartFailureParameters =>
    withHfParameters(
      population.parameters,
      paths.map((path, i) => [path, Math.exp(estimate[i]!)] as const),
    );
  const negativeLogPosterior = (estimate: Float64Array): number => {
    let prior = 0;
    for (let i = 0; i < estimate.length; i++) prior += 0.5 * priorPrecision * (estimate[i]! - centre[i]!) ** 2;
    const system = compileHeartFailureSystem(parametersAt(estimate));
    return prior - filterHeartFailure(system, observations, null, dayLimit).logLikelihood;
  };
  const start = options.warmStart && options.warmStart.length === paths.length ? options.warmStart : centre;
  const result = minimiseNelderMead(negativeLogPosterior, start, {
    // A warm start is near the optimum already: a smaller simplex wastes fewer evaluations.
    initialStep: options.warmStart ? 0.1 : 0.4,
    // Log noise SDs to 0.1 and the log posterior to 0.05 (about a third of a posterior SD from the optimum):
    // after 8 weeks of daily readings a log noise SD is known to about ±0.1, so a finer fit only fits noise.
    // README: from 0.05 / 0.02, the same alert figures for a quarter less time.
    valueTolerance: 0.05,
    pointTolerance: 0.1,
    maxEvaluations: options.maxEvaluations ?? 400,
  });
  return {
    throughIndex,
    parameters: parametersAt(result.point),
    estimate: result.point,
    logPosterior: -result.value,
    evaluations: result.evaluations,
    converged: result.converged,
  };
}

/**
 * The fit `fitHeartFailureMap` returned, rebuilt from its stored estimate (the parameters are made from the
 * estimate exactly as there): how a twin reuses a fit whose data has not changed.
 */
export function heartFailureFitFromEstimate(
  fit: { readonly throughIndex: number; readonly estimate: ArrayLike<number>; readonly logPosterior: number; readonly evaluations: number; readonly converged: boolean },
  population: HeartFailurePopulation = HF_POPULATION,
): HeartFailureFit {
  const estimate = Float64Array.from(fit.estimate);
  return {
    throughIndex: fit.throughIndex,
    parameters: withHfParameters(
      population.parameters,
      population.patientParameters.map((path, i) => [path, Math.exp(estimate[i]!)] as const),
    ),
    estimate,
    logPosterior: fit.logPosterior,
    evaluations: fit.evaluations,
    converged: fit.converged,
  };
}

export interface PopulationFit {
  readonly parameters: HeartFailureParameters;
  /** Summed log-likelihood over the panel at the fitted values. */
  readonly logLikelihood: number;
  readonly evaluations: number;
  readonly converged: boolean;
}

/**
 * Pooled maximum likelihood of `free` over a panel: one parameter vector for all patients, the sum of
 * their log-likelihoods. This is how the population values are made (offline, on a tuning panel); a
 * loading like heart rate per kg of fluid is only identifiable from patients who had an episode, which a
 * pooled fit has and a single patient's usually does not.
 */
export function fitHeartFailurePopulation(
  panel: readonly HeartFailureObservations[],
  start: HeartFailureParameters,
  free: readonly HfParameterPath[],
  options: { readonly maxEvaluations?: number; readonly initialStep?: number } = {},
): PopulationFit {
  const parametersAt = (point: Float64Array): HeartFailureParameters =>
    withHfParameters(
      start,
      free.map((path, i) => [path, fromFitScale(path, point[i]!)] as const),
    );
  const negativeLogLikelihood = (point: Float64Array): number => {
    const system = compileHeartFailureSystem(parametersAt(point));
    let total = 0;
    for (const observations of panel) total += filterHeartFailure(system, observations, null).logLikelihood;
    return -total;
  };
  const initial = Float64Array.from(free, (path) => toFitScale(path, getHfParameter(start, path)));
  const nelderMead = {
    initialStep: options.initialStep ?? 0.3,
    valueTolerance: 1e-3,
    pointTolerance: 1e-3,
    maxEvaluations: options.maxEvaluations ?? 3000,
  };
  const first = minimiseNelderMead(negativeLogLikelihood, initial, nelderMead);
  // A fresh simplex from the optimum confirms it or escapes a collapsed one (as in ../mle.ts).
  const second = minimiseNelderMead(negativeLogLikelihood, first.point, nelderMead);
  return {
    parameters: parametersAt(second.point),
    logLikelihood: -second.value,
    evaluations: first.evaluations + second.evaluations,
    converged: first.converged && second.converged,
  };
}
