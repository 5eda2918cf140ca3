/**
 * The heart-failure model's Kalman filter, written for its sparsity: T is diagonal but for two entries
 * in the fluid row, Q is diagonal and each observation row touches 2–4 states. A predict step is then
 * O(m²) instead of the generic O(m³), which matters because the per-patient MAP fit runs the filter a
 * few hundred times per refit. Same numbers as ../kalman.ts on the same model
 * (`heartFailureStateSpaceModel` with the effective variances this filter reports); heart-failure.test.ts
 * checks it. Observations are processed one component at a time; NaN = missing, skipped. Only the upper
 * triangle of P (P[r][c], c >= r) is kept while filtering, and read as P[min][max]; the track gets the
 * full symmetric matrix.
 */
import { LOG_2PI } from '../kernels/likelihood.js';
import { HF_OBSERVATION_DIM, HF_STATE, HF_STATE_DIM, type HeartFailureObservations, type HeartFailureSystem } from './model.js';

/** Preallocated per-day storage; one per series length, reusable across parameter vectors. */
export interface HeartFailureTrack {
  readonly capacity: number;
  /** E[x_t | y_0..y_t], n×m */
  readonly filteredState: Float64Array;
  /** n×m×m */
  readonly filteredCovariance: Float64Array;
  /** E[f_t | y_0..y_{t−1}] and its variance: the fluid excess before day t's readings. */
  readonly predictedFluidMean: Float64Array;
  readonly predictedFluidVariance: Float64Array;
  /** v, n×p; NaN where missing */
  readonly innovation: Float64Array;
  /** F with the effective observation variance, n×p; NaN where missing */
  readonly innovationVariance: Float64Array;
  /** v/√F, n×p; NaN where missing */
  readonly standardisedInnovation: Float64Array;
  /** H_ii after outlier down-weighting, n×p (the prior H where nothing was down-weighted or missing) */
  readonly effectiveObservationVariance: Float64Array;
  /**
   * Day t's readings' combined evidence on the fluid excess, standardised: (E[f_t|t] − E[f_t|t−1]) /
   * √(P_{t|t−1,ff} − P_{t|t,ff}). A linear function of the day's innovations, so i.i.d. N(0,1) under the
   * model; NaN on a day whose readings say nothing about f.
   */
  readonly congestionScore: Float64Array;
}

export function createHeartFailureTrack(capacity: number): HeartFailureTrack {
  const m = HF_STATE_DIM;
  const p = HF_OBSERVATION_DIM;
  return {
    capacity,
    filteredState: new Float64Array(capacity * m),
    filteredCovariance: new Float64Array(capacity * m * m),
    predictedFluidMean: new Float64Array(capacity),
    predictedFluidVariance: new Float64Array(capacity),
    innovation: new Float64Array(capacity * p),
    innovationVariance: new Float64Array(capacity * p),
    standardisedInnovation: new Float64Array(capacity * p),
    effectiveObservationVariance: new Float64Array(capacity * p),
    congestionScore: new Float64Array(capacity),
  };
}

/**
 * What the adjoint (./gradient.ts) needs of each processed reading, in the order the filter met them:
 * its day and row, M = P z (the gain direction), the innovation v, its variance f, and whether the
 * outlier rule set f (then f = v²/threshold², whatever the model's variances). Sized by
 * `createHeartFailureTape`; one per series length, reusable across parameter vectors.
 */
export interface HeartFailureTape {
  readonly capacity: number;
  count: number;
  readonly day: Int32Array;
  readonly row: Int32Array;
  /** count×m */
  readonly gainDirection: Float64Array;
  readonly innovation: Float64Array;
  readonly innovationVariance: Float64Array;
  readonly outlier: Uint8Array;
}

/** A tape for up to `days` days of readings. */
export function createHeartFailureTape(days: number): HeartFailureTape {
  const capacity = days * HF_OBSERVATION_DIM;
  return {
    capacity,
    count: 0,
    day: new Int32Array(capacity),
    row: new Int32Array(capacity),
    gainDirection: new Float64Array(capacity * HF_STATE_DIM),
    innovation: new Float64Array(capacity),
    innovationVariance: new Float64Array(capacity),
    outlier: new Uint8Array(capacity),
  };
}

export interface HeartFailureFilterSummary {
  /** Log-likelihood of the observed readings (with down-weighted variances where an outlier was met). */
  readonly logLikelihood: number;
  readonly observedCount: number;
  /** Days filtered. */
  readonly dayCount: number;
}

/**
 * Filters days 0 … dayLimit−1 of `observations` (default: all). With `track` null only the likelihood is
 * computed, which is what the optimiser needs; with a `tape` the filter also records what the
 * likelihood's gradient (./gradient.ts) reads back.
 */
export function filterHeartFailure(
  system: HeartFailureSystem,
  observations: HeartFailureObservations,
  track: HeartFailureTrack | null,
  dayLimit: number = observations.dayCount,
  tape?: HeartFailureTape,
): HeartFailureFilterSummary {
  const m = HF_STATE_DIM;
  const mm = m * m;
  const p = HF_OBSERVATION_DIM;
  const n = Math.min(dayLimit, observations.dayCount);
  if (track && n > track.capacity) throw new Error(`filterHeartFailure: ${n} days exceed the track capacity ${track.capacity}`);
  if (tape && n * p > tape.capacity) throw new Error(`filterHeartFailure: ${n} days exceed the tape's capacity`);
  if (tape) tape.count = 0;
  const F = HF_STATE.fluidExcess;
  const { decay, processVariance, design, observationVariance, outlierThresholdSd, diureticCoupling } = system;
  const values = observations.values;
  const dose = observations.doseChangeMgPerDay;

  const a = Float64Array.from(system.initialState);
  const P = Float64Array.from(system.initialCovariance);
  const gainDirection = new Float64Array(m);
  const fluidRow = new Float64Array(m);
  let logLikelihood = 0;
  let observedCount = 0;

  for (let t = 0; t < n; t++) {
    const predictedFluid = a[F]!;
    const predictedFluidVariance = P[F * m + F]!;
    for (let i = 0; i < p; i++) {
      const y = values[t * p + i]!;
      if (track) {
        track.innovation[t * p + i] = Number.NaN;
        track.innovationVariance[t * p + i] = Number.NaN;
        track.standardisedInnovation[t * p + i] = Number.NaN;
        track.effectiveObservationVariance[t * p + i] = observationVariance[i]!;
      }
      if (y !== y) continue;
      observedCount++;
      const row = design[i]!;
      const index = row.index;
      const coefficient = row.coefficient;
      const nnz = index.length;
      // M = P z over the row's nonzero states, F_* = z'M. Only P's upper triangle is kept (below).
      let forecast = 0;
      for (let k = 0; k < nnz; k++) forecast += coefficient[k]! * a[index[k]!]!;
      {
        // The first nonzero state's term is assigned, the others added, in the same order as a sum from 0.
        const j = index[0]!;
        const cj = coefficient[0]!;
        for (let r = 0; r < j; r++) gainDirection[r] = cj * P[r * m + j]!;
        const rowJ = j * m;
        for (let r = j; r < m; r++) gainDirection[r] = cj * P[rowJ + r]!;
      }
      for (let k = 1; k < nnz; k++) {
        const j = index[k]!;
        const cj = coefficient[k]!;
        for (let r = 0; r < j; r++) gainDirection[r] = gainDirection[r]! + cj * P[r * m + j]!;
        const rowJ = j * m;
        for (let r = j; r < m; r++) gainDirection[r] = gainDirection[r]! + cj * P[rowJ + r]!;
      }
      let stateVariance = 0;
      for (let k = 0; k < nnz; k++) stateVariance += coefficient[k]! * gainDirection[index[k]!]!;
      const v = y - forecast;
      let h = observationVariance[i]!;
      const threshold = outlierThresholdSd[i]!;
      const outlier = v * v > threshold * threshold * (stateVariance + h);
      if (outlier) {
        // Huber: inflate H until the innovation sits exactly at the threshold.
        h = (v * v) / (threshold * threshold) - stateVariance;
      }
      const f = stateVariance + h;
      if (tape) {
        const k = tape.count++;
        tape.day[k] = t;
        tape.row[k] = i;
        tape.gainDirection.set(gainDirection, k * m);
        tape.innovation[k] = v;
        tape.innovationVariance[k] = f;
        tape.outlier[k] = outlier ? 1 : 0;
      }
      const fInv = 1 / f;
      for (let r = 0; r < m; r++) a[r] = a[r]! + gainDirection[r]! * v * fInv;
      for (let r = 0; r < m; r++) {
        const gr = gainDirection[r]! * fInv;
        // A state the reading says nothing about (no covariance with its row yet) keeps its row as it is.
        if (gr === 0) continue;
        const rowR = r * m;
        for (let c = r; c < m; c++) P[rowR + c] = P[rowR + c]! - gr * gainDirection[c]!;
      }
      logLikelihood -= 0.5 * (LOG_2PI + Math.log(f) + v * v * fInv);
      if (track) {
        track.innovation[t * p + i] = v;
        track.innovationVariance[t * p + i] = f;
        track.standardisedInnovation[t * p + i] = v / Math.sqrt(f);
        track.effectiveObservationVariance[t * p + i] = h;
      }
    }
    if (track) {
      track.filteredState.set(a, t * m);
      const out = track.filteredCovariance;
      const base = t * mm;
      for (let r = 0; r < m; r++) {
        for (let c = r; c < m; c++) {
          const value = P[r * m + c]!;
          out[base + r * m + c] = value;
          out[base + c * m + r] = value;
        }
      }
      track.predictedFluidMean[t] = predictedFluid;
      track.predictedFluidVariance[t] = predictedFluidVariance;
      const updateVariance = predictedFluidVariance - P[F * m + F]!;
      track.congestionScore[t] =
        updateVariance > 1e-12 * predictedFluidVariance ? (a[F]! - predictedFluid) / Math.sqrt(updateVariance) : Number.NaN;
    }
    if (t + 1 < n) predictHeartFailure(a, P, decay, processVariance, diureticCoupling * dose[t]!, fluidRow);
  }
  return { logLikelihood, observedCount, dayCount: n };
}

/**
 * a ← T a, P ← T P T' + Q in place, for T = D + e_f (e_s + c e_κ)' with D = diag(decay), c = coupling.
 * Written out: P'[i][j] = d_i d_j P[i][j] away from row and column f; with r = d_f P[f] + P[s] + c P[κ]
 * (the new row f before the column transform), P'[f][j] = d_j r_j for j ≠ f and
 * P'[f][f] = d_f r_f + r_s + c r_κ. P is held as its upper triangle (P[min][max]); one pass over it.
 * `fluidRow` is scratch of length m.
 */
function predictHeartFailure(
  a: Float64Array,
  P: Float64Array,
  decay: Float64Array,
  processVariance: Float64Array,
  coupling: number,
  fluidRow: Float64Array,
): void {
  const m = HF_STATE_DIM;
  const F = HF_STATE.fluidExcess;
  const S = HF_STATE.fluidRate;
  const K = HF_STATE.diureticResponse;
  const decayF = decay[F]!;
  const fluidMean = decayF * a[F]! + a[S]! + coupling * a[K]!;
  for (let i = 0; i < m; i++) a[i] = decay[i]! * a[i]!;
  a[F] = fluidMean;
  // P[i][j] read from the upper triangle: P[min][max]
  for (let j = 0; j < m; j++) {
    const pF = j < F ? P[j * m + F]! : P[F * m + j]!;
    const pS = j < S ? P[j * m + S]! : P[S * m + j]!;
    const pK = j < K ? P[j * m + K]! : P[K * m + j]!;
    fluidRow[j] = decayF * pF + pS + coupling * pK;
  }
  for (let i = 0; i < m; i++) {
    const di = decay[i]!;
    const rowI = i * m;
    for (let j = i; j < m; j++) P[rowI + j] = di * decay[j]! * P[rowI + j]!;
  }
  for (let j = 0; j < m; j++) {
    if (j === F) continue;
    const value = decay[j]! * fluidRow[j]!;
    if (j < F) P[j * m + F] = value;
    else P[F * m + j] = value;
  }
  P[F * m + F] = decayF * fluidRow[F]! + fluidRow[S]! + coupling * fluidRow[K]!;
  for (let i = 0; i < m; i++) P[i * m + i] = P[i * m + i]! + processVariance[i]!;
}
