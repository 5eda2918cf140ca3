/**
 * Weight and fluid-excess projections with 80 % and 95 % bands, from the last filtered day forward, by
 * the generic forecaster of ../kalman.ts on the heart-failure model (filtered by ../kernels/sparse.ts). The diuretic dose stays as it is
 * unless a planned dose is given, so "what if the dose goes up by 40 mg" is one call; its effect carries
 * the uncertainty of the patient's dose response κ.
 */
import { forecastFromFilteredState } from '../kalman.js';
import { compileSparseModel } from '../kernels/sparse.js';
import { HF_OBSERVATION, HF_OBSERVATION_DIM, HF_STATE, HF_STATE_DIM, heartFailureStateSpaceModel, type HeartFailureObservations, type HeartFailureSystem } from './model.js';
import { Z_80, Z_95 } from './normal.js';

export interface Band {
  readonly mean: number;
  readonly lower80: number;
  readonly upper80: number;
  readonly lower95: number;
  readonly upper95: number;
}

export interface HeartFailureProjectionDay {
  /** UTC day number. */
  readonly day: number;
  /** A morning weight that day: the state's uncertainty plus the scale's noise, kg. */
  readonly weightKg: Band;
  /** Fluid excess (the congestion state), kg. */
  readonly fluidExcessKg: Band;
}

export interface HeartFailureProjection {
  /** Last day of data the projection starts from (UTC day number). */
  readonly fromDay: number;
  readonly horizonDays: number;
  /** The loop-diuretic dose assumed over the projection, furosemide-equivalent mg/day. */
  readonly loopDiureticMgPerDay: number;
  readonly days: readonly HeartFailureProjectionDay[];
}

export interface ProjectionInput {
  readonly system: HeartFailureSystem;
  readonly observations: HeartFailureObservations;
  /** H per day as the filter used it (outliers down-weighted), n×p; the prior H if omitted. */
  readonly effectiveObservationVariance?: Float64Array;
  readonly firstDay: number;
  /** Dose on the series' first day (the reference of u) and the dose in force on its last day. */
  readonly referenceLoopDiureticMgPerDay: number;
  readonly currentLoopDiureticMgPerDay: number;
}

export function projectHeartFailure(
  input: ProjectionInput,
  options: { readonly horizonDays?: number; readonly plannedLoopDiureticMgPerDay?: number } = {},
): HeartFailureProjection {
  const horizon = options.horizonDays ?? 14;
  const { observations } = input;
  const n = observations.dayCount;
  const plannedDose = options.plannedLoopDiureticMgPerDay ?? input.currentLoopDiureticMgPerDay;
  const model = heartFailureStateSpaceModel(input.system, observations.doseChangeMgPerDay, {
    ...(input.effectiveObservationVariance ? { observationVariance: input.effectiveObservationVariance } : {}),
    futureDoseChangeMgPerDay: plannedDose - input.referenceLoopDiureticMgPerDay,
  });
  // The last day's filtered moments from the sparse kernel (the generic filter's to rounding; 15 states, T and Z mostly zeros).
  const end = compileSparseModel(model, observations.values).filterToEnd();
  const forecast = forecastFromFilteredState(model, end.state, end.covariance, n, horizon);
  const m = HF_STATE_DIM;
  const p = HF_OBSERVATION_DIM;
  const f = HF_STATE.fluidExcess;
  const days: HeartFailureProjectionDay[] = [];
  for (let h = 1; h <= horizon; h++) {
    const row = (h - 1) * p + HF_OBSERVATION.weight;
    days.push({
      day: input.firstDay + n - 1 + h,
      weightKg: band(forecast.observationMean[row]!, forecast.observationVariance[row]!),
      fluidExcessKg: band(forecast.state[(h - 1) * m + f]!, forecast.stateCovariance[(h - 1) * m * m + f * m + f]!),
    });
  }
  return { fromDay: input.firstDay + n - 1, horizonDays: horizon, loopDiureticMgPerDay: plannedDose, days };
}

function band(mean: number, variance: number): Band {
  const sd = Math.sqrt(Math.max(0, variance));
  return { mean, lower80: mean - Z_80 * sd, upper80: mean + Z_80 * sd, lower95: mean - Z_95 * sd, upper95: mean + Z_95 * sd };
}
