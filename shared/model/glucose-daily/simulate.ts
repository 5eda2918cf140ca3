/**
 * Draws a patient from the daily layer itself: states, CGM daily means, HbA1c results and, for time in
 * range, log-normal days. Data simulated from the model are where its bands must be calibrated exactly,
 * and where a dose response can be recovered against a known truth (tests use it for both).
 */
import { SeededGenerator, semidefiniteCholesky } from './distributions.js';
import { ADAG_INTERCEPT_MG_DL, ADAG_SLOPE_MG_DL_PER_PCT } from './formulas.js';
import { resolveParameters, type PatientScales, type PopulationPrior } from './hyperparameters.js';
import {
  buildGlucoseDailyModel,
  FIRST_DOSE_RESPONSE_STATE,
  OBSERVATION_CGM_MEAN,
  STATE_DAY_DEVIATION,
  STATE_GLYCATION_OFFSET,
  STATE_HBA1C_KERNEL,
  STATE_LEVEL,
  STATE_MEDICATION_EFFECT,
} from './model.js';
import { prepareSeries } from './series.js';
import { type DailyGlucoseInput, type DiabetesType, type DoseHistory, type PatientHyperparameters } from './types.js';
import { logNormalDayFractions, type TimeFractions } from './within-day.js';

export interface SimulationOptions {
  readonly firstDay: number;
  readonly dayCount: number;
  readonly population: PopulationPrior;
  readonly hyperparameters: PatientHyperparameters;
  /** Scales of the simulated patient (the projection recomputes its own from the data). */
  readonly scales: PatientScales;
  readonly seed: number;
  /** Wear fraction of each grid day (0 = no CGM). */
  readonly wearFraction: (t: number) => number;
  /** Grid days with an HbA1c draw. */
  readonly hba1cDays: readonly number[];
  readonly doses?: readonly DoseHistory[];
  /**
   * True dose responses (mg/dL per unit), one per drug that changes dose on the grid, in `doses` order;
   * default: drawn from their priors.
   */
  readonly doseResponses?: readonly number[];
  /** Within-day SD of ln glucose of every day. */
  readonly withinDaySdLog: number;
  readonly diabetesType?: DiabetesType;
}

export interface SimulatedPatient {
  readonly input: DailyGlucoseInput;
  /** Per grid day: the true daily mean glucose, true HbA1c (before that day's draw) and time fractions. */
  readonly truth: {
    readonly meanMgDl: Float64Array;
    readonly hba1cPct: Float64Array;
    readonly timeInRange: Float64Array;
    readonly timeBelow70: Float64Array;
    readonly glycationOffsetPct: number;
    readonly doseResponses: Float64Array;
  };
}

export function simulateDailyGlucose(options: SimulationOptions): SimulatedPatient {
  const n = options.dayCount;
  const days = Int32Array.from({ length: n }, (_, t) => options.firstDay + t);
  const wearFraction = Float64Array.from({ length: n }, (_, t) => Math.min(1, Math.max(0, options.wearFraction(t))));
  // A skeleton input fixes the grid (first day = the simulation's first day) and the dose inputs.
  const skeleton: DailyGlucoseInput = {
    days,
    meanMgDl: Float64Array.from(wearFraction, (w, t) => (w > 0 || t === 0 ? 100 : Number.NaN)),
    sdLogMgDl: new Float64Array(n).fill(options.withinDaySdLog),
    wearFraction: Float64Array.from(wearFraction, (w, t) => (w > 0 ? w : t === 0 ? 1 : 0)),
    hba1c: [],
    doses: options.doses ?? [],
  };
  const { series } = prepareSeries(skeleton, options.firstDay + n - 1, n);
  series.wearFraction.set(wearFraction);
  const params = resolveParameters(options.population, options.hyperparameters, options.scales, series);
  const { model, stateDim: m } = buildGlucoseDailyModel(series, params);
  const random = new SeededGenerator(options.seed);

  const x = new Float64Array(m);
  const z = new Float64Array(m);
  const initialFactor = semidefiniteCholesky(model.initialCovariance, m);
  for (let k = 0; k < m; k++) z[k] = random.normal();
  for (let r = 0; r < m; r++) {
    let s = model.initialState[r]!;
    for (let k = 0; k <= r; k++) s += initialFactor[r * m + k]! * z[k]!;
    x[r] = s;
  }
  const drugCount = series.doses.drugs.length;
  options.doseResponses?.slice(0, drugCount).forEach((beta, k) => {
    x[FIRST_DOSE_RESPONSE_STATE + k] = beta;
  });

  const meanMgDl = new Float64Array(n);
  const hba1cPct = new Float64Array(n);
  const timeInRange = new Float64Array(n);
  const timeBelow70 = new Float64Array(n);
  const cgmMean = new Float64Array(n).fill(Number.NaN);
  const hba1c: { day: number; percent: number }[] = [];
  const hba1cDays = new Set(options.hba1cDays);
  const fractions: TimeFractions = { below54: 0, below70: 0, above180: 0 };
  const next = new Float64Array(m);
  // Q is one object for every day of a model, so its factor is computed once per distinct object.
  const noiseFactors = new Map<Float64Array, Float64Array>();
  for (let t = 0; t < n; t++) {
    const system = model.systemAt(t);
    meanMgDl[t] = x[STATE_LEVEL]! + x[STATE_MEDICATION_EFFECT]! + x[STATE_DAY_DEVIATION]!;
    hba1cPct[t] = (x[STATE_HBA1C_KERNEL]! - ADAG_INTERCEPT_MG_DL) / ADAG_SLOPE_MG_DL_PER_PCT + x[STATE_GLYCATION_OFFSET]!;
    logNormalDayFractions(options.withinDaySdLog, Math.max(20, meanMgDl[t]!), fractions);
    timeInRange[t] = 1 - fractions.below70 - fractions.above180;
    timeBelow70[t] = fractions.below70;
    if (wearFraction[t]! > 0) {
      let expected = 0;
      for (let k = 0; k < m; k++) expected += system.design[OBSERVATION_CGM_MEAN * m + k]! * x[k]!;
      cgmMean[t] = expected + Math.sqrt(system.observationVariance[OBSERVATION_CGM_MEAN]!) * random.normal();
    }
    if (hba1cDays.has(t)) {
      const labSd = Math.sqrt(params.labVariancePct2);
      const percent = hba1cPct[t]! + labSd * random.normal();
      hba1c.push({ day: options.firstDay + t, percent });
    }
    // x ← T x + L_Q z
    let noiseFactor = noiseFactors.get(system.stateCovariance);
    if (!noiseFactor) {
      noiseFactor = semidefiniteCholesky(system.stateCovariance, m);
      noiseFactors.set(system.stateCovariance, noiseFactor);
    }
    for (let k = 0; k < m; k++) z[k] = random.normal();
    for (let r = 0; r < m; r++) {
      let s = 0;
      for (let k = 0; k < m; k++) s += system.transition[r * m + k]! * x[k]!;
      for (let k = 0; k <= r; k++) s += noiseFactor[r * m + k]! * z[k]!;
      next[r] = s;
    }
    x.set(next);
  }

  const input: DailyGlucoseInput = {
    days,
    meanMgDl: Float64Array.from(cgmMean, (value) => (Number.isNaN(value) ? value : Math.max(20, value))),
    sdLogMgDl: Float64Array.from(wearFraction, (w) => (w > 0 ? options.withinDaySdLog : Number.NaN)),
    wearFraction,
    hba1c,
    doses: options.doses ?? [],
    ...(options.diabetesType ? { diabetesType: options.diabetesType } : {}),
  };
  return {
    input,
    truth: {
      meanMgDl,
      hba1cPct,
      timeInRange,
      timeBelow70,
      glycationOffsetPct: x[STATE_GLYCATION_OFFSET]!,
      doseResponses: x.slice(FIRST_DOSE_RESPONSE_STATE, FIRST_DOSE_RESPONSE_STATE + drugCount),
    },
  };
}
