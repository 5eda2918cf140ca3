/**
 * The daily glucose layer as a linear-Gaussian state-space model on a contiguous day grid
 * (../../../../shared/MODEL-NOTES.md §1.8–1.9), run by the generic filter in ../kalman.ts.
 *
 * State (mg/dL unless noted), one step = one day:
 *   ℓ  level            ℓ' = ℓ + v + ξ_ℓ                      underlying mean glucose without dose changes
 *   v  trend            v' = φ_v v + ξ_v                      damped, so projections level off
 *   δ  day deviation    δ' = φ_δ δ + ξ_δ                      this day's true mean minus the level (meals, illness);
 *                                                             φ_δ small: a bad night spills into the next day
 *   b  CGM bias         (b, ḃ) critically damped, τ_b         sensor calibration error, lasting about a sensor's life
 *   ḃ  its rate
 *   e  medication       e' = φ_e e + (1 − φ_e) Σ_k Δu_k β_k   first-order response to dose changes Δu_k
 *   m  HbA1c kernel     m' = φ_A m + (1 − φ_A)(ℓ + e + δ)     exponentially weighted mean of true daily glucose
 *   γ  glycation (%)    γ' = γ                                person-specific HbA1c offset from ADAG
 *   β_k dose response   β' = β                                mg/dL per unit of daily dose, learned online
 * Observations:
 *   CGM daily mean = ℓ + e + δ + b + ε,  Var ε = σ²_white / w + σ²_partial (1 − w)/w  (w = wear fraction)
 *   HbA1c (%)      = (m + 46.7)/28.7 + γ + ε_lab  (ADAG inverted)
 * The true daily mean glucose is ℓ + e + δ: the day deviation is a state (not observation noise) because
 * the HbA1c kernel integrates it. A partial day is weighted by its information through Var ε; it is
 * never imputed. Because Δu enters the transition (T_t depends on the known doses), β stays linear.
 *
 * The CGM bias is a continuous-time critically damped second-order process (d²b/dt² = −b/τ² − 2ḃ/τ +
 * noise), whose autocorrelation (1 + k/τ) e^{−k/τ} falls almost linearly over the first days, as the
 * error of a sensor that is replaced every 10–14 days does; a first-order AR's e^{−k/τ} falls too fast
 * at first and would make the filter trust a week of CGM means far more than it should.
 */
import { discretiseVanLoan } from '../discretise.js';
import { type DiscreteStep, type StateSpaceModel, type StepSystem } from '../ssm.js';
import { ADAG_INTERCEPT_MG_DL, ADAG_SLOPE_MG_DL_PER_PCT } from './formulas.js';
import { type DoseInputs } from './medications.js';

export const STATE_LEVEL = 0;
export const STATE_TREND = 1;
export const STATE_DAY_DEVIATION = 2;
export const STATE_SENSOR_BIAS = 3;
export const STATE_SENSOR_BIAS_RATE = 4;
export const STATE_MEDICATION_EFFECT = 5;
export const STATE_HBA1C_KERNEL = 6;
export const STATE_GLYCATION_OFFSET = 7;
/** β_k is state FIRST_DOSE_RESPONSE_STATE + k. */
export const FIRST_DOSE_RESPONSE_STATE = 8;

export const OBSERVATION_CGM_MEAN = 0;
export const OBSERVATION_HBA1C = 1;
const OBSERVATION_DIM = 2;

/** Per-day data on a contiguous grid firstDay … firstDay + dayCount − 1. */
export interface DailyGlucoseSeries {
  readonly firstDay: number;
  readonly dayCount: number;
  /** NaN where the day has no CGM. */
  readonly cgmMeanMgDl: Float64Array;
  readonly wearFraction: Float64Array;
  /** Mean of the day's HbA1c results, NaN where none. */
  readonly hba1cPct: Float64Array;
  /** Number of HbA1c results averaged into the day's value. */
  readonly hba1cCount: Int32Array;
  readonly doses: DoseInputs;
}

/** Every parameter in absolute units: what the hyperparameters resolve to for one patient. */
export interface GlucoseDailyParameters {
  /** Var ξ_ℓ per day, (mg/dL)². */
  readonly levelVarianceMgDl2: number;
  /** Var ξ_v per day, (mg/dL/day)². */
  readonly trendVarianceMgDl2: number;
  readonly trendDecayPerDay: number;
  /** Stationary Var δ, (mg/dL)². */
  readonly dayDeviationVarianceMgDl2: number;
  /** φ_δ: correlation of consecutive days' deviations. */
  readonly dayDeviationCorrelation: number;
  /** Stationary Var b, (mg/dL)². */
  readonly sensorBiasVarianceMgDl2: number;
  /** τ_b of the bias's critically damped dynamics, days. */
  readonly sensorBiasTimeDays: number;
  /** Error variance of a fully worn day's CGM mean beyond b, (mg/dL)². */
  readonly cgmWhiteVarianceMgDl2: number;
  /** Scale of the extra error of a partly worn day's mean, (mg/dL)². */
  readonly partialDayVarianceMgDl2: number;
  readonly medicationDecayPerDay: number;
  readonly hba1cKernelDecayPerDay: number;
  /** Assay variance of one HbA1c result, %². */
  readonly labVariancePct2: number;
  readonly prior: {
    readonly levelMeanMgDl: number;
    readonly levelVarianceMgDl2: number;
    /** Var v on the first day, (mg/dL/day)². */
    readonly trendVarianceMgDl2: number;
    /** Var of (m − ℓ) on the first day: how far past glucose may have been from today's level. */
    readonly kernelOffsetVarianceMgDl2: number;
    readonly glycationOffsetMeanPct: number;
    readonly glycationOffsetVariancePct2: number;
  };
  /** Prior mean and SD of β_k, one per modelled drug, mg/dL per unit. */
  readonly doseResponseMeans: Float64Array;
  readonly doseResponseSds: Float64Array;
}

export interface GlucoseDailyModel {
  readonly model: StateSpaceModel;
  /** dayCount × 2, [CGM mean, HbA1c], NaN = missing. */
  readonly observations: Float64Array;
  readonly stateDim: number;
}

export function glucoseDailyStateDim(drugCount: number): number {
  return FIRST_DOSE_RESPONSE_STATE + drugCount;
}

/** Builds the model; systemAt answers beyond the grid (forecasts) with the last day's doses held. */
export function buildGlucoseDailyModel(series: DailyGlucoseSeries, params: GlucoseDailyParameters): GlucoseDailyModel {
  const drugCount = series.doses.drugs.length;
  const m = glucoseDailyStateDim(drugCount);
  const n = series.dayCount;
  if (params.doseResponseMeans.length !== drugCount || params.doseResponseSds.length !== drugCount) {
    throw new Error(`buildGlucoseDailyModel: ${drugCount} drugs but ${params.doseResponseMeans.length} dose-response priors`);
  }

  const design = new Float64Array(OBSERVATION_DIM * m);
  for (const state of [STATE_LEVEL, STATE_DAY_DEVIATION, STATE_SENSOR_BIAS, STATE_MEDICATION_EFFECT]) {
    design[OBSERVATION_CGM_MEAN * m + state] = 1;
  }
  design[OBSERVATION_HBA1C * m + STATE_HBA1C_KERNEL] = 1 / ADAG_SLOPE_MG_DL_PER_PCT;
  design[OBSERVATION_HBA1C * m + STATE_GLYCATION_OFFSET] = 1;
  const observationIntercept = Float64Array.of(0, -ADAG_INTERCEPT_MG_DL / ADAG_SLOPE_MG_DL_PER_PCT);

  const bias = sensorBiasStep(params);
  const stateCovariance = stateCovarianceOf(params, m, bias);
  const stateIntercept = new Float64Array(m);

  const transitionFor = transitionBuilder(params, m, drugCount, bias.transition);
  const doseChange = series.doses.doseChange;
  const systems: StepSystem[] = [];
  let transition = transitionFor(doseChange, 0);
  for (let t = 0; t < n; t++) {
    if (t > 0 && !sameDoses(doseChange, drugCount, t, t - 1)) transition = transitionFor(doseChange, t);
    systems.push({
      design,
      observationIntercept,
      observationVariance: Float64Array.of(
        cgmMeanVariance(params, series.wearFraction[t]!),
        params.labVariancePct2 / Math.max(1, series.hba1cCount[t]!),
      ),
      transition,
      stateIntercept,
      stateCovariance,
    });
  }
  const forecastSystem: StepSystem = {
    design,
    observationIntercept,
    observationVariance: Float64Array.of(params.cgmWhiteVarianceMgDl2, params.labVariancePct2),
    transition: n > 0 ? transition : transitionFor(doseChange, -1),
    stateIntercept,
    stateCovariance,
  };

  const observations = new Float64Array(n * OBSERVATION_DIM);
  for (let t = 0; t < n; t++) {
    observations[t * OBSERVATION_DIM + OBSERVATION_CGM_MEAN] = series.wearFraction[t]! > 0 ? series.cgmMeanMgDl[t]! : Number.NaN;
    observations[t * OBSERVATION_DIM + OBSERVATION_HBA1C] = series.hba1cPct[t]!;
  }

  const model: StateSpaceModel = {
    stateDim: m,
    observationDim: OBSERVATION_DIM,
    initialState: initialState(params, m, drugCount),
    initialCovariance: initialCovariance(params, m, drugCount),
    systemAt: (t) => systems[t] ?? forecastSystem,
  };
  return { model, observations, stateDim: m };
}

/**
 * The covariances a patient's hyperparameters move (the level's drift and the day-to-day variation), the rest
 * of the model being the same: Q of every day and the first day's prior P_0. What a MAP fit of the
 * hyperparameters gives ../kernels/sparse.ts's compiled model instead of building the model again. `bias` is
 * the sensor-bias step of `params` (as the model was built with).
 */
export function glucoseDailyCovariances(
  params: GlucoseDailyParameters,
  drugCount: number,
  bias: DiscreteStep = sensorBiasStep(params),
): { readonly stateCovariance: Float64Array; readonly initialCovariance: Float64Array } {
  const m = glucoseDailyStateDim(drugCount);
  return { stateCovariance: stateCovarianceOf(params, m, bias), initialCovariance: initialCovariance(params, m, drugCount) };
}

function stateCovarianceOf(params: GlucoseDailyParameters, m: number, bias: DiscreteStep): Float64Array {
  const stateCovariance = new Float64Array(m * m);
  stateCovariance[STATE_LEVEL * m + STATE_LEVEL] = params.levelVarianceMgDl2;
  stateCovariance[STATE_TREND * m + STATE_TREND] = params.trendVarianceMgDl2;
  const dayCorrelation = params.dayDeviationCorrelation;
  stateCovariance[STATE_DAY_DEVIATION * m + STATE_DAY_DEVIATION] = params.dayDeviationVarianceMgDl2 * (1 - dayCorrelation * dayCorrelation);
  setBiasBlock(stateCovariance, m, bias.stateCovariance);
  return stateCovariance;
}

/** Var of a day's CGM mean around the truth (beyond the sensor bias state); 1 on days without CGM (unused). */
function cgmMeanVariance(params: GlucoseDailyParameters, wear: number): number {
  if (!(wear > 0)) return 1;
  const w = Math.min(1, wear);
  return params.cgmWhiteVarianceMgDl2 / w + (params.partialDayVarianceMgDl2 * (1 - w)) / w;
}

function sameDoses(doseChange: Float64Array, drugCount: number, t: number, s: number): boolean {
  for (let k = 0; k < drugCount; k++) if (doseChange[t * drugCount + k] !== doseChange[s * drugCount + k]) return false;
  return true;
}

/**
 * One day of the bias pair (b, ḃ): dx = A x dt + dW with A = [[0, 1], [−1/τ², −2/τ]], discretised by Van
 * Loan. The diffusion 4 Var b / τ³ makes Var b the stationary variance (σ²τ³/4 for this A).
 */
export function sensorBiasStep(params: GlucoseDailyParameters): DiscreteStep {
  const tau = params.sensorBiasTimeDays;
  if (!(tau > 0)) throw new Error(`sensorBiasTimeDays must be positive, got ${tau}`);
  const drift = Float64Array.of(0, 1, -1 / (tau * tau), -2 / tau);
  const diffusion = Float64Array.of(0, 0, 0, (4 * params.sensorBiasVarianceMgDl2) / (tau * tau * tau));
  return discretiseVanLoan(drift, diffusion, 2, 1);
}

/** Writes a 2×2 block at the bias states. */
function setBiasBlock(target: Float64Array, m: number, block: Float64Array): void {
  for (let r = 0; r < 2; r++) {
    for (let c = 0; c < 2; c++) target[(STATE_SENSOR_BIAS + r) * m + STATE_SENSOR_BIAS + c] = block[r * 2 + c]!;
  }
}

/** T for the doses of grid day t (t = −1: the reference doses, i.e. no change). */
function transitionBuilder(
  params: GlucoseDailyParameters,
  m: number,
  drugCount: number,
  biasTransition: Float64Array,
): (doseChange: Float64Array, t: number) => Float64Array {
  const base = new Float64Array(m * m);
  base[STATE_LEVEL * m + STATE_LEVEL] = 1;
  base[STATE_LEVEL * m + STATE_TREND] = 1;
  base[STATE_TREND * m + STATE_TREND] = params.trendDecayPerDay;
  base[STATE_DAY_DEVIATION * m + STATE_DAY_DEVIATION] = params.dayDeviationCorrelation;
  setBiasBlock(base, m, biasTransition);
  base[STATE_MEDICATION_EFFECT * m + STATE_MEDICATION_EFFECT] = params.medicationDecayPerDay;
  const kernelDecay = params.hba1cKernelDecayPerDay;
  for (const state of [STATE_LEVEL, STATE_DAY_DEVIATION, STATE_MEDICATION_EFFECT]) {
    base[STATE_HBA1C_KERNEL * m + state] = 1 - kernelDecay;
  }
  base[STATE_HBA1C_KERNEL * m + STATE_HBA1C_KERNEL] = kernelDecay;
  base[STATE_GLYCATION_OFFSET * m + STATE_GLYCATION_OFFSET] = 1;
  for (let k = 0; k < drugCount; k++) base[(FIRST_DOSE_RESPONSE_STATE + k) * m + FIRST_DOSE_RESPONSE_STATE + k] = 1;
  return (doseChange, t) => {
    const transition = Float64Array.from(base);
    if (t < 0) return transition;
    for (let k = 0; k < drugCount; k++) {
      transition[STATE_MEDICATION_EFFECT * m + FIRST_DOSE_RESPONSE_STATE + k] =
        (1 - params.medicationDecayPerDay) * doseChange[t * drugCount + k]!;
    }
    return transition;
  };
}

function initialState(params: GlucoseDailyParameters, m: number, drugCount: number): Float64Array {
  const a = new Float64Array(m);
  a[STATE_LEVEL] = params.prior.levelMeanMgDl;
  a[STATE_HBA1C_KERNEL] = params.prior.levelMeanMgDl;
  a[STATE_GLYCATION_OFFSET] = params.prior.glycationOffsetMeanPct;
  for (let k = 0; k < drugCount; k++) a[FIRST_DOSE_RESPONSE_STATE + k] = params.doseResponseMeans[k]!;
  return a;
}

/**
 * The first day's prior: m = ℓ + (offset of past glucose), so m inherits ℓ's variance plus its own; the
 * medication effect starts at 0 exactly (effects are changes from the first day's doses).
 */
function initialCovariance(params: GlucoseDailyParameters, m: number, drugCount: number): Float64Array {
  const P = new Float64Array(m * m);
  const levelVariance = params.prior.levelVarianceMgDl2;
  P[STATE_LEVEL * m + STATE_LEVEL] = levelVariance;
  P[STATE_LEVEL * m + STATE_HBA1C_KERNEL] = levelVariance;
  P[STATE_HBA1C_KERNEL * m + STATE_LEVEL] = levelVariance;
  P[STATE_HBA1C_KERNEL * m + STATE_HBA1C_KERNEL] = levelVariance + params.prior.kernelOffsetVarianceMgDl2;
  P[STATE_TREND * m + STATE_TREND] = params.prior.trendVarianceMgDl2;
  P[STATE_DAY_DEVIATION * m + STATE_DAY_DEVIATION] = params.dayDeviationVarianceMgDl2;
  // The bias pair starts stationary: Var b, Var ḃ = Var b / τ², uncorrelated.
  P[STATE_SENSOR_BIAS * m + STATE_SENSOR_BIAS] = params.sensorBiasVarianceMgDl2;
  P[STATE_SENSOR_BIAS_RATE * m + STATE_SENSOR_BIAS_RATE] = params.sensorBiasVarianceMgDl2 / params.sensorBiasTimeDays ** 2;
  P[STATE_GLYCATION_OFFSET * m + STATE_GLYCATION_OFFSET] = params.prior.glycationOffsetVariancePct2;
  for (let k = 0; k < drugCount; k++) {
    const sd = params.doseResponseSds[k]!;
    P[(FIRST_DOSE_RESPONSE_STATE + k) * m + FIRST_DOSE_RESPONSE_STATE + k] = sd * sd;
  }
  return P;
}
