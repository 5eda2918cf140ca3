/**
 * Hyperparameters of the heart-failure model (MODEL-NOTES §1.5, §5.3): population values fitted once by
 * pooled maximum likelihood over a panel, then per patient a maximum a posteriori (MAP) fit of the
 * handful that differ most between patients (how noisy their scale and devices are, how much their
 * weight wanders), shrunk towards the population by a log-normal prior and warm-started from the
 * previous fit: its estimate and its curvature. A fit through day r reads days 0 … r only.
 */
import { minimiseBfgs, minimiseNelderMead } from '../mle.js';
import { createHeartFailureTape, filterHeartFailure, type HeartFailureTape } from './filter.js';
import { heartFailureVarianceGradient } from './gradient.js';
import {
  compileHeartFailureSystem,
  HF_POPULATION_PARAMETERS,
  HF_STATE_DIM,
  type HeartFailureObservations,
  type HeartFailureParameters,
  type HeartFailureSystem,
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
  /** BFGS's inverse Hessian of the negative log posterior at `estimate` (row-major): the next warm start's curvature. */
  readonly inverseHessian: Float64Array;
  readonly logPosterior: number;
  readonly evaluations: number;
  readonly converged: boolean;
}

export interface HeartFailureFitOptions {
  /** Start here (a previous fit's `estimate`) instead of at the population values. */
  readonly warmStart?: Float64Array;
  /**
   * The previous fit's curvature (its `inverseHessian` and `throughIndex`): the log likelihood grows with
   * the days read, so its inverse Hessian is scaled by their ratio and starts this fit's BFGS.
   */
  readonly warmCurvature?: { readonly inverseHessian: ArrayLike<number>; readonly throughIndex: number };
  readonly maxEvaluations?: number;
}

/** BFGS stops when its next step would gain less than this in log posterior (see fitHeartFailureMap). */
const MAP_DECREASE_TOLERANCE = 0.01;
/** Forward-difference step on the log scales: far above rounding (values ~10², eps ~10⁻¹⁴), far below curvature. */
const MAP_GRADIENT_STEP = 1e-4;

/**
 * MAP of the patient parameters from days 0 … throughIndex: maximises log-likelihood + log prior with
 * BFGS on the log scales. A signal without readings contributes no likelihood, so its noise stays at the
 * population value.
 *
 * hf-daily-4: BFGS instead of Nelder–Mead. Started from the previous fit's estimate and curvature it needs
 * about half the evaluations, and it ends nearer the optimum (README: the figures of both).
 * hf-daily-5: the gradient exact (gradient.ts: one backward pass through the filter) where the fitted
 * parameters are variances, as the population's are; forward differences (MAP_GRADIENT_STEP) otherwise.
 */
export function fitHeartFailureMap(
  observations: HeartFailureObservations,
  throughIndex: number,
  population: HeartFailurePopulation = HF_POPULATION,
  options: HeartFailureFitOptions = {},
): HeartFailureFit {
  const paths = population.patientParameters;
  const dim = paths.length;
  const centre = Float64Array.from(paths, (path) => Math.log(getHfParameter(population.parameters, path)));
  const priorPrecision = 1 / population.patientPriorSdLog ** 2;
  const dayLimit = throughIndex + 1;
  const parametersAt = (estimate: Float64Array): HeartFailureParameters =>
    withHfParameters(
      population.parameters,
      paths.map((path, i) => [path, Math.exp(estimate[i]!)] as const),
    );
  // With an exact gradient, the filter records its tape at every evaluation: the gradient is asked for at the
  // point evaluated last (and re-evaluates when it is not).
  const dependence = varianceDependence(population);
  const tape = dependence ? createHeartFailureTape(Math.min(dayLimit, observations.dayCount)) : undefined;
  const tapePoint = new Float64Array(dim).fill(Number.NaN);
  let tapeSystem: HeartFailureSystem | undefined;
  const negativeLogPosterior = (estimate: Float64Array): number => {
    let prior = 0;
    for (let i = 0; i < estimate.length; i++) prior += 0.5 * priorPrecision * (estimate[i]! - centre[i]!) ** 2;
    tapeSystem = compileHeartFailureSystem(parametersAt(estimate));
    tapePoint.set(estimate);
    return prior - filterHeartFailure(tapeSystem, observations, null, dayLimit, tape).logLikelihood;
  };
  const exactGradient = (scaled: VarianceDependence, taped: HeartFailureTape) => (estimate: Float64Array, _value: number, out: Float64Array): void => {
    if (!estimate.every((x, i) => x === tapePoint[i])) negativeLogPosterior(estimate);
    const system = tapeSystem!;
    const slopes = heartFailureVarianceGradient(system, observations, taped, dayLimit);
    const m = HF_STATE_DIM;
    for (let k = 0; k < dim; k++) {
      // ∂ℓ/∂x_k = Σ ∂ℓ/∂V · 2V over the variances V that parameter k scales.
      let logLikelihoodSlope = 0;
      for (const i of scaled.observationVariance[k]!) logLikelihoodSlope += 2 * slopes.observationVariance[i]! * system.observationVariance[i]!;
      for (const j of scaled.processVariance[k]!) logLikelihoodSlope += 2 * slopes.processVariance[j]! * system.processVariance[j]!;
      for (const j of scaled.initialVariance[k]!) logLikelihoodSlope += 2 * slopes.initialVariance[j]! * system.initialCovariance[j * m + j]!;
      out[k] = priorPrecision * (estimate[k]! - centre[k]!) - logLikelihoodSlope;
    }
  };
  const warm = options.warmStart !== undefined && options.warmStart.length === dim;
  const start = warm ? options.warmStart! : centre;
  const curvature = options.warmCurvature;
  let inverseHessian: Float64Array | undefined;
  if (warm && curvature && curvature.inverseHessian.length === dim * dim && curvature.throughIndex >= 0) {
    // Twice the days, about twice the likelihood's curvature: half the inverse (the prior's share is small).
    const scale = (curvature.throughIndex + 1) / dayLimit;
    inverseHessian = Float64Array.from(curvature.inverseHessian, (value) => value * scale);
  }
  const result = minimiseBfgs(negativeLogPosterior, start, {
    // Without a previous curvature: the prior's, tripled by the data (a fortnight of daily readings
    // about doubles it), so the first step is a cautious one.
    ...(inverseHessian ? { inverseHessian } : { initialScale: 1 / (3 * priorPrecision) }),
    gradientStep: MAP_GRADIENT_STEP,
    // A gain of 0.01 in log posterior: after 8 weeks of daily readings a log noise SD is known to about
    // ±0.1, so a finer fit only fits noise.
    decreaseTolerance: MAP_DECREASE_TOLERANCE,
    maxStep: 1,
    maxEvaluations: options.maxEvaluations ?? 400,
    ...(dependence && tape ? { gradient: exactGradient(dependence, tape) } : {}),
  });
  return {
    throughIndex,
    parameters: parametersAt(result.point),
    estimate: result.point,
    inverseHessian: result.inverseHessian,
    logPosterior: -result.value,
    evaluations: result.evaluations,
    converged: result.converged,
  };
}

/**
 * Which of the compiled variances (H_i, Q_jj, (P0)_jj) each fitted parameter scales: the fitted
 * parameters are SDs, and each variance they touch is the SD squared times constants, so on the log
 * scale ∂V/∂x_k = 2V there and 0 elsewhere. Null when a fitted parameter moves anything else, or a variance
 * otherwise (then the fit takes forward differences).
 */
interface VarianceDependence {
  readonly observationVariance: readonly number[][];
  readonly processVariance: readonly number[][];
  readonly initialVariance: readonly number[][];
}

function varianceDependence(population: HeartFailurePopulation): VarianceDependence | null {
  const cached = dependenceCache.get(population);
  if (cached !== undefined) return cached;
  const m = HF_STATE_DIM;
  const base = compileHeartFailureSystem(population.parameters);
  const same = (a: ArrayLike<number>, b: ArrayLike<number>): boolean => a.length === b.length && Array.from(a).every((x, i) => x === b[i]);
  const offDiagonal = (P: Float64Array): number[] => Array.from(P).filter((_, k) => k % (m + 1) !== 0);
  const diagonal = (P: Float64Array): number[] => Array.from({ length: m }, (_, j) => P[j * m + j]!);
  const factor = 1.5;
  // Indices whose value moved, when each moved by exactly factor²; null when one moved otherwise.
  const scaled = (moved: ArrayLike<number>, original: ArrayLike<number>): number[] | null => {
    const indices: number[] = [];
    for (let i = 0; i < original.length; i++) {
      if (moved[i] === original[i]) continue;
      if (!(Math.abs(moved[i]! - factor * factor * original[i]!) <= 1e-12 * Math.abs(moved[i]!))) return null;
      indices.push(i);
    }
    return indices;
  };
  const dependence = { observationVariance: [] as number[][], processVariance: [] as number[][], initialVariance: [] as number[][] };
  let result: VarianceDependence | null = dependence;
  for (const path of population.patientParameters) {
    const moved = compileHeartFailureSystem(withHfParameters(population.parameters, [[path, factor * getHfParameter(population.parameters, path)]]));
    const observation = scaled(moved.observationVariance, base.observationVariance);
    const process = scaled(moved.processVariance, base.processVariance);
    const initial = scaled(diagonal(moved.initialCovariance), diagonal(base.initialCovariance));
    const restSame =
      same(moved.decay, base.decay) &&
      same(moved.initialState, base.initialState) &&
      same(offDiagonal(moved.initialCovariance), offDiagonal(base.initialCovariance)) &&
      same(moved.outlierThresholdSd, base.outlierThresholdSd) &&
      moved.diureticCoupling === base.diureticCoupling &&
      moved.design.every((row, i) => same(row.index, base.design[i]!.index) && same(row.coefficient, base.design[i]!.coefficient));
    if (!restSame || observation === null || process === null || initial === null) {
      result = null;
      break;
    }
    dependence.observationVariance.push(observation);
    dependence.processVariance.push(process);
    dependence.initialVariance.push(initial);
  }
  dependenceCache.set(population, result);
  return result;
}
const dependenceCache = new WeakMap<HeartFailurePopulation, VarianceDependence | null>();

/**
 * The fit `fitHeartFailureMap` returned, rebuilt from its stored estimate (the parameters are made from the
 * estimate exactly as there): how a twin reuses a fit whose data has not changed.
 */
export function heartFailureFitFromEstimate(
  fit: {
    readonly throughIndex: number;
    readonly estimate: ArrayLike<number>;
    readonly inverseHessian: ArrayLike<number>;
    readonly logPosterior: number;
    readonly evaluations: number;
    readonly converged: boolean;
  },
  population: HeartFailurePopulation = HF_POPULATION,
): HeartFailureFit {
  const estimate = Float64Array.from(fit.estimate);
  return {
    throughIndex: fit.throughIndex,
    inverseHessian: Float64Array.from(fit.inverseHessian),
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
