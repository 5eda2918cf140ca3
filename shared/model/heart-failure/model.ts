/**
 * The daily heart-failure state-space model (../../../../shared/MODEL-NOTES.md §1.10), on a one-day grid
 * so every step is Δ = 1 day and the discrete form below is exact (a missed day is a NaN, not a longer
 * step). Weight in kg:
 *
 *   b_{t+1} = b_t + ξ_b                                  dry (tissue) weight, slow random walk
 *   f_{t+1} = φ_f f_t + s_t − (1 − φ_f) u_t κ + ξ_f      fluid excess; u = loop-diuretic dose change
 *   s_{t+1} = φ_s s_t + ξ_s                              fluid-accumulation rate, kg/day, damped
 *   w_{t+1} = φ_w w_t + ξ_w                              day-to-day fluid and gut-content wander
 *   κ_{t+1} = κ_t                                        kg of fluid per furosemide mg/day (learned)
 *   g_{t+1} = φ_g g_t + ξ_g                              non-congestive illness factor, stationary sd 1
 *   weight_t = b_t + f_t + w_t + ε                       ε Gaussian, outliers down-weighted (Huber)
 *
 * A dynamic factor model puts the other signals on the congestion state f, each around its own personal
 * baseline (a slow random walk) with a mean-reverting wander of its own:
 *
 *   y_k = baseline_k + wander_k + λ_k f + γ_k g + ε_k    systolic, resting HR, SpO2, log steps
 *   log NT-proBNP = baseline + λ f + ε                   sparse labs: no wander
 *
 * The illness factor g is there because a cold moves heart rate, steps and SpO2 the way congestion does
 * but leaves weight flat (or lower): without it the factor model reads an infection as fluid. A missing
 * signal simply drops its row, which widens the posterior of f instead of biasing it.
 *
 * u_t is the dose in force on day t minus the dose on the series' first day: the regimen the patient is
 * already on is part of the dry weight, a change moves the fluid equilibrium by −κ per mg/day with the
 * fluid's time constant.
 */
import { type StateSpaceModel, type StepSystem } from '../ssm.js';
import { HF_STREAMS, type HfStreamCode } from './series.js';

/** State vector layout. */
export const HF_STATE = {
  dryWeight: 0,
  fluidExcess: 1,
  fluidRate: 2,
  fluidWander: 3,
  diureticResponse: 4,
  illness: 5,
  systolicBaseline: 6,
  systolicWander: 7,
  heartRateBaseline: 8,
  heartRateWander: 9,
  spo2Baseline: 10,
  spo2Wander: 11,
  stepsBaseline: 12,
  stepsWander: 13,
  ntProBnpBaseline: 14,
} as const;
export const HF_STATE_DIM = 15;

/** Observation rows, in the model's units (steps and NT-proBNP on the natural-log scale). */
export const HF_OBSERVATION = { weight: 0, systolic: 1, heartRate: 2, spo2: 3, logSteps: 4, logNtProBnp: 5 } as const;
export const HF_OBSERVATION_DIM = 6;

export type HfSignal = keyof typeof HF_OBSERVATION;

export interface HfSignalInfo {
  readonly signal: HfSignal;
  readonly stream: HfStreamCode;
  readonly label: string;
  /** UCUM unit of the stream (what alert reasons report changes in). */
  readonly unit: string;
  /** +1: congestion pushes it up; −1: down; 0: either way, depending on the patient. */
  readonly congestionDirection: 1 | -1 | 0;
  /** The model works on log(value) rather than the value. */
  readonly logScale: boolean;
}

export const HF_SIGNALS: readonly HfSignalInfo[] = [
  { signal: 'weight', stream: HF_STREAMS.weight, label: 'weight', unit: 'kg', congestionDirection: 1, logScale: false },
  // Congestion raises pressure in some patients and lowers it in those with poor output.
  { signal: 'systolic', stream: HF_STREAMS.systolic, label: 'systolic BP', unit: 'mm[Hg]', congestionDirection: 0, logScale: false },
  { signal: 'heartRate', stream: HF_STREAMS.restingHeartRate, label: 'resting heart rate', unit: '/min', congestionDirection: 1, logScale: false },
  { signal: 'spo2', stream: HF_STREAMS.spo2, label: 'SpO2', unit: '%', congestionDirection: -1, logScale: false },
  { signal: 'logSteps', stream: HF_STREAMS.steps, label: 'steps', unit: '{steps}', congestionDirection: -1, logScale: true },
  { signal: 'logNtProBnp', stream: HF_STREAMS.ntProBnp, label: 'NT-proBNP', unit: 'pg/mL', congestionDirection: 1, logScale: true },
];

/** A vital sign around its personal baseline (systolic, resting HR, SpO2, log steps). */
export interface VitalSignParameters {
  /** SD of one day's reading around the underlying value (device noise and within-day variation). */
  readonly noiseSd: number;
  /** Stationary SD of the mean-reverting day-to-day wander. */
  readonly wanderSd: number;
  readonly wanderTimeConstantDays: number;
  /** Random-walk drift of the personal baseline per √day (new drugs, seasons). */
  readonly baselineDriftPerSqrtDay: number;
  /** Change per kg of fluid excess (the loading λ). */
  readonly perKgFluid: number;
  /** Change per unit of the illness factor (the loading γ). */
  readonly perUnitIllness: number;
  /** Population prior of the personal baseline: a wide one, so the first days set it. */
  readonly baselinePriorMean: number;
  readonly baselinePriorSd: number;
}

export interface NtProBnpParameters {
  /** SD of log NT-proBNP around the underlying value (assay and biological variation). */
  readonly noiseSd: number;
  /** Change in log NT-proBNP per kg of fluid excess. */
  readonly perKgFluid: number;
  readonly baselineDriftPerSqrtDay: number;
  readonly baselinePriorMean: number;
  readonly baselinePriorSd: number;
}

export interface HeartFailureParameters {
  /** SD of one morning weight around the underlying weight, kg. */
  readonly weightNoiseKg: number;
  /**
   * A weight whose standardised innovation exceeds this is down-weighted just enough to bring it back to
   * it (Huber): a reading in shoes or after a meal pulls the state by a bounded amount.
   */
  readonly weightOutlierThresholdSd: number;
  readonly dryWeightDriftKgPerSqrtDay: number;
  /** How long accumulated fluid takes to drain by itself (1/e), days. */
  readonly fluidTimeConstantDays: number;
  readonly fluidNoiseKgPerSqrtDay: number;
  readonly fluidRateTimeConstantDays: number;
  /** SD of the daily change of the fluid rate, kg/day per √day. */
  readonly fluidRateNoiseKgPerDay: number;
  /** Stationary SD of the day-to-day weight wander (salt, meals, bowel), kg. */
  readonly fluidWanderSdKg: number;
  readonly fluidWanderTimeConstantDays: number;
  readonly illnessTimeConstantDays: number;
  /** Prior of κ: kg of fluid removed per extra furosemide-equivalent mg/day, at steady state. */
  readonly diureticResponseMeanKgPerMg: number;
  readonly diureticResponseSdKgPerMg: number;
  readonly systolic: VitalSignParameters;
  readonly heartRate: VitalSignParameters;
  readonly spo2: VitalSignParameters;
  readonly logSteps: VitalSignParameters;
  readonly logNtProBnp: NtProBnpParameters;
  /** Prior of the first day's dry weight: wide, so the first weight sets it. */
  readonly dryWeightPriorMeanKg: number;
  readonly dryWeightPriorSdKg: number;
  /** Prior SD of the fluid excess and the fluid rate on the first day (a monitored patient is mostly stable). */
  readonly fluidExcessPriorSdKg: number;
  readonly fluidRatePriorSdKgPerDay: number;
}

/**
 * Population values. The dynamics (time constants, the fluid rate's noise, the priors) are set by design
 * from the ranges of MODEL-NOTES §1.10; the noise and wander SDs and all loadings were then fitted by
 * pooled maximum likelihood (`fitHeartFailurePopulation`) on the synthetic demo panel with seed 2
 * (400 patients × 90 days, the 160 with heart failure), never on the seed the evaluation reports. The
 * loadings come out smaller than the generator's own (2.1 vs 2–4 bpm per kg) because fluid is estimated
 * with error. Real panels should refit them.
 */
export const HF_POPULATION_PARAMETERS: HeartFailureParameters = {
  weightNoiseKg: 0.315,
  weightOutlierThresholdSd: 3,
  dryWeightDriftKgPerSqrtDay: 0.03,
  fluidTimeConstantDays: 30,
  fluidNoiseKgPerSqrtDay: 0.02,
  fluidRateTimeConstantDays: 10,
  fluidRateNoiseKgPerDay: 0.03,
  fluidWanderSdKg: 0.374,
  fluidWanderTimeConstantDays: 7,
  illnessTimeConstantDays: 3,
  diureticResponseMeanKgPerMg: 0.01,
  diureticResponseSdKgPerMg: 0.01,
  systolic: {
    noiseSd: 6.89,
    wanderSd: 5.42,
    wanderTimeConstantDays: 6,
    baselineDriftPerSqrtDay: 0.3,
    perKgFluid: 0.154,
    perUnitIllness: 0,
    baselinePriorMean: 120,
    baselinePriorSd: 25,
  },
  heartRate: {
    noiseSd: 1.73,
    wanderSd: 2.05,
    wanderTimeConstantDays: 5,
    baselineDriftPerSqrtDay: 0.2,
    perKgFluid: 2.06,
    perUnitIllness: 1.23,
    baselinePriorMean: 70,
    baselinePriorSd: 15,
  },
  spo2: {
    noiseSd: 0.822,
    wanderSd: 0.3,
    wanderTimeConstantDays: 5,
    baselineDriftPerSqrtDay: 0.05,
    perKgFluid: -0.329,
    perUnitIllness: -0.114,
    baselinePriorMean: 96,
    baselinePriorSd: 4,
  },
  logSteps: {
    noiseSd: 0.259,
    wanderSd: 0.149,
    wanderTimeConstantDays: 4,
    baselineDriftPerSqrtDay: 0.01,
    perKgFluid: -0.138,
    perUnitIllness: -0.074,
    baselinePriorMean: Math.log(3500),
    baselinePriorSd: 1,
  },
  logNtProBnp: {
    noiseSd: 0.25,
    perKgFluid: 0.85,
    baselineDriftPerSqrtDay: 0.01,
    baselinePriorMean: Math.log(900),
    baselinePriorSd: 1.2,
  },
  dryWeightPriorMeanKg: 82,
  dryWeightPriorSdKg: 30,
  fluidExcessPriorSdKg: 0.7,
  fluidRatePriorSdKgPerDay: 0.05,
};

const VITAL_SIGNS = [
  { key: 'systolic', row: HF_OBSERVATION.systolic, baseline: HF_STATE.systolicBaseline, wander: HF_STATE.systolicWander },
  { key: 'heartRate', row: HF_OBSERVATION.heartRate, baseline: HF_STATE.heartRateBaseline, wander: HF_STATE.heartRateWander },
  { key: 'spo2', row: HF_OBSERVATION.spo2, baseline: HF_STATE.spo2Baseline, wander: HF_STATE.spo2Wander },
  { key: 'logSteps', row: HF_OBSERVATION.logSteps, baseline: HF_STATE.stepsBaseline, wander: HF_STATE.stepsWander },
] as const;

/** One observation row's design, sparse: y = Σ coefficient_k x[index_k] + ε. */
export interface SparseDesignRow {
  readonly index: Int32Array;
  readonly coefficient: Float64Array;
}

/**
 * The model's matrices for one parameter vector, in the sparse form the kernel (./filter.ts) runs on.
 * T is diagonal except row f: T[f][s] = 1 and T[f][κ] = diureticCoupling · u_t. Q is diagonal.
 */
export interface HeartFailureSystem {
  readonly parameters: HeartFailureParameters;
  /** Diagonal of T. */
  readonly decay: Float64Array;
  /** Diagonal of Q. */
  readonly processVariance: Float64Array;
  /** −(1 − φ_f): T[f][κ] per mg/day of dose change. */
  readonly diureticCoupling: number;
  readonly design: readonly SparseDesignRow[];
  /** Diagonal of H. */
  readonly observationVariance: Float64Array;
  /** Per row: standardised innovation beyond which the reading is down-weighted; Infinity = never. */
  readonly outlierThresholdSd: Float64Array;
  readonly initialState: Float64Array;
  readonly initialCovariance: Float64Array;
}

function decayPerDay(timeConstantDays: number): number {
  return Math.exp(-1 / timeConstantDays);
}

/** Per-day innovation variance of an AR(1) with the given stationary SD: sd²(1 − φ²). */
function stationaryInnovationVariance(stationarySd: number, decay: number): number {
  return stationarySd * stationarySd * (1 - decay * decay);
}

export function compileHeartFailureSystem(parameters: HeartFailureParameters): HeartFailureSystem {
  const m = HF_STATE_DIM;
  const S = HF_STATE;
  const decay = new Float64Array(m).fill(1);
  const processVariance = new Float64Array(m);
  const initialState = new Float64Array(m);
  const initialCovariance = new Float64Array(m * m);
  const setPrior = (state: number, mean: number, sd: number): void => {
    initialState[state] = mean;
    initialCovariance[state * m + state] = sd * sd;
  };

  const fluidDecay = decayPerDay(parameters.fluidTimeConstantDays);
  const rateDecay = decayPerDay(parameters.fluidRateTimeConstantDays);
  const wanderDecay = decayPerDay(parameters.fluidWanderTimeConstantDays);
  const illnessDecay = decayPerDay(parameters.illnessTimeConstantDays);
  decay[S.fluidExcess] = fluidDecay;
  decay[S.fluidRate] = rateDecay;
  decay[S.fluidWander] = wanderDecay;
  decay[S.illness] = illnessDecay;
  processVariance[S.dryWeight] = parameters.dryWeightDriftKgPerSqrtDay ** 2;
  processVariance[S.fluidExcess] = parameters.fluidNoiseKgPerSqrtDay ** 2;
  processVariance[S.fluidRate] = parameters.fluidRateNoiseKgPerDay ** 2;
  processVariance[S.fluidWander] = stationaryInnovationVariance(parameters.fluidWanderSdKg, wanderDecay);
  processVariance[S.illness] = stationaryInnovationVariance(1, illnessDecay);
  setPrior(S.dryWeight, parameters.dryWeightPriorMeanKg, parameters.dryWeightPriorSdKg);
  setPrior(S.fluidExcess, 0, parameters.fluidExcessPriorSdKg);
  setPrior(S.fluidRate, 0, parameters.fluidRatePriorSdKgPerDay);
  setPrior(S.fluidWander, 0, parameters.fluidWanderSdKg);
  setPrior(S.diureticResponse, parameters.diureticResponseMeanKgPerMg, parameters.diureticResponseSdKgPerMg);
  setPrior(S.illness, 0, 1);

  const design: SparseDesignRow[] = new Array<SparseDesignRow>(HF_OBSERVATION_DIM);
  const observationVariance = new Float64Array(HF_OBSERVATION_DIM);
  const outlierThresholdSd = new Float64Array(HF_OBSERVATION_DIM).fill(Number.POSITIVE_INFINITY);
  design[HF_OBSERVATION.weight] = row([S.dryWeight, S.fluidExcess, S.fluidWander], [1, 1, 1]);
  observationVariance[HF_OBSERVATION.weight] = parameters.weightNoiseKg ** 2;
  outlierThresholdSd[HF_OBSERVATION.weight] = parameters.weightOutlierThresholdSd;

  for (const vital of VITAL_SIGNS) {
    const p = parameters[vital.key];
    const vitalWanderDecay = decayPerDay(p.wanderTimeConstantDays);
    decay[vital.wander] = vitalWanderDecay;
    processVariance[vital.baseline] = p.baselineDriftPerSqrtDay ** 2;
    processVariance[vital.wander] = stationaryInnovationVariance(p.wanderSd, vitalWanderDecay);
    setPrior(vital.baseline, p.baselinePriorMean, p.baselinePriorSd);
    setPrior(vital.wander, 0, p.wanderSd);
    design[vital.row] = row([vital.baseline, vital.wander, S.fluidExcess, S.illness], [1, 1, p.perKgFluid, p.perUnitIllness]);
    observationVariance[vital.row] = p.noiseSd ** 2;
  }
  const bnp = parameters.logNtProBnp;
  processVariance[S.ntProBnpBaseline] = bnp.baselineDriftPerSqrtDay ** 2;
  setPrior(S.ntProBnpBaseline, bnp.baselinePriorMean, bnp.baselinePriorSd);
  design[HF_OBSERVATION.logNtProBnp] = row([S.ntProBnpBaseline, S.fluidExcess], [1, bnp.perKgFluid]);
  observationVariance[HF_OBSERVATION.logNtProBnp] = bnp.noiseSd ** 2;

  return {
    parameters,
    decay,
    processVariance,
    diureticCoupling: -(1 - fluidDecay),
    design,
    observationVariance,
    outlierThresholdSd,
    initialState,
    initialCovariance,
  };
}

function row(index: readonly number[], coefficient: readonly number[]): SparseDesignRow {
  // A zero loading is left in: the row's pattern then does not depend on the parameter values.
  return { index: Int32Array.from(index), coefficient: Float64Array.from(coefficient) };
}

/**
 * Daily observations in model units, n×p time-major (NaN = missing), and the dose change u_t per day.
 * Non-positive steps and NT-proBNP values cannot be logged and count as missing.
 */
export interface HeartFailureObservations {
  readonly dayCount: number;
  readonly values: Float64Array;
  /** u_t: loop-diuretic dose on day t minus the dose on day 0, furosemide-equivalent mg/day. */
  readonly doseChangeMgPerDay: Float64Array;
}

export function heartFailureObservations(series: {
  readonly dayCount: number;
  readonly daily: Readonly<Partial<Record<HfStreamCode, Float64Array>>>;
  readonly loopDiureticMgPerDay: Float64Array;
}): HeartFailureObservations {
  const n = series.dayCount;
  const p = HF_OBSERVATION_DIM;
  const values = new Float64Array(n * p).fill(Number.NaN);
  for (const info of HF_SIGNALS) {
    const daily = series.daily[info.stream];
    if (!daily) continue;
    const row = HF_OBSERVATION[info.signal];
    for (let t = 0; t < n; t++) {
      const value = daily[t]!;
      if (!Number.isFinite(value)) continue;
      if (info.logScale) {
        if (value > 0) values[t * p + row] = Math.log(value);
      } else {
        values[t * p + row] = value;
      }
    }
  }
  const doseChangeMgPerDay = new Float64Array(n);
  const reference = n > 0 ? series.loopDiureticMgPerDay[0]! : 0;
  for (let t = 0; t < n; t++) doseChangeMgPerDay[t] = series.loopDiureticMgPerDay[t]! - reference;
  return { dayCount: n, values, doseChangeMgPerDay };
}

/**
 * The same model in the generic form of ../ssm.ts, for the generic filter, smoother and forecasts of
 * ../kalman.ts. `observationVariance` (n×p) overrides H per day, e.g. with the kernel's reweighted
 * variances; steps at or beyond the data keep the last day's dose change unless `futureDoseChange` says
 * otherwise.
 */
export function heartFailureStateSpaceModel(
  system: HeartFailureSystem,
  doseChangeMgPerDay: Float64Array,
  options: { readonly observationVariance?: Float64Array; readonly futureDoseChangeMgPerDay?: number } = {},
): StateSpaceModel {
  const m = HF_STATE_DIM;
  const p = HF_OBSERVATION_DIM;
  const n = doseChangeMgPerDay.length;
  const design = new Float64Array(p * m);
  system.design.forEach((r, i) => r.index.forEach((state, k) => (design[i * m + state] = r.coefficient[k]!)));
  const stateCovariance = new Float64Array(m * m);
  for (let i = 0; i < m; i++) stateCovariance[i * m + i] = system.processVariance[i]!;
  const stateIntercept = new Float64Array(m);
  const observationIntercept = new Float64Array(p);
  const lastDose = n > 0 ? doseChangeMgPerDay[n - 1]! : 0;
  const futureDose = options.futureDoseChangeMgPerDay ?? lastDose;
  const transitionCache = new Map<number, Float64Array>();
  const transitionFor = (dose: number): Float64Array => {
    let transition = transitionCache.get(dose);
    if (!transition) {
      transition = new Float64Array(m * m);
      for (let i = 0; i < m; i++) transition[i * m + i] = system.decay[i]!;
      transition[HF_STATE.fluidExcess * m + HF_STATE.fluidRate] = 1;
      transition[HF_STATE.fluidExcess * m + HF_STATE.diureticResponse] = system.diureticCoupling * dose;
      transitionCache.set(dose, transition);
    }
    return transition;
  };
  const defaultVariance = system.observationVariance;
  const systemAt = (t: number): StepSystem => ({
    design,
    observationIntercept,
    observationVariance:
      options.observationVariance && t < n ? options.observationVariance.subarray(t * p, (t + 1) * p) : defaultVariance,
    transition: transitionFor(t < n ? doseChangeMgPerDay[t]! : futureDose),
    stateIntercept,
    stateCovariance,
  });
  return {
    stateDim: m,
    observationDim: p,
    initialState: system.initialState,
    initialCovariance: system.initialCovariance,
    systemAt,
  };
}
