/**
 * The exact gradient of the heart-failure filter's log-likelihood (./filter.ts) with respect to the model's
 * variances: the observation variances H_i, the process variances Q_jj and the initial variances P0_jj.
 * Reverse mode through the filter as it ran (its tape): one backward pass costs about as much as one
 * filter, where a forward-difference gradient of the per-patient MAP fit (./fit.ts: six parameters) costs
 * six. It is the derivative of exactly what the filter computes, the outlier rule included: where a
 * weight's innovation set its variance (f = v²/threshold²), that reading's H has no effect and f moves
 * with v alone. (The same derivatives for Q and H are the disturbance smoother's ½(r r' − N) and
 * ½(u² − D) of Koopman & Shephard 1992; written as reverse-mode steps the outlier rule comes for free.)
 *
 * Adjoints are held as ā (m) and a full symmetric P̄ (m×m) such that dℓ = ā'da + tr(P̄ dP). Per reading,
 * forward: M = P z, s = z'M, v = y − z'a, f = s + H (or v²/c²), w = 1/f, a ← a + M v w, P ← P − M M' w,
 * ℓ −= ½(log 2π + log f + v² w). Per day, forward: a ← T a + b_t, P ← T P T' + Q.
 */
import { type HeartFailureTape } from './filter.js';
import { HF_STATE, HF_STATE_DIM, type HeartFailureObservations, type HeartFailureSystem } from './model.js';

export interface HeartFailureVarianceGradient {
  /** ∂ℓ/∂H_i, one per observation row */
  readonly observationVariance: Float64Array;
  /** ∂ℓ/∂Q_jj */
  readonly processVariance: Float64Array;
  /** ∂ℓ/∂(P0)_jj */
  readonly initialVariance: Float64Array;
}

/**
 * The gradient of the log-likelihood the filter returned when it wrote `tape` (same system, observations
 * and day limit). Reads the tape, changes nothing else.
 */
export function heartFailureVarianceGradient(
  system: HeartFailureSystem,
  observations: HeartFailureObservations,
  tape: HeartFailureTape,
  dayLimit: number = observations.dayCount,
): HeartFailureVarianceGradient {
  const m = HF_STATE_DIM;
  const n = Math.min(dayLimit, observations.dayCount);
  const { decay, design, outlierThresholdSd, diureticCoupling } = system;
  const dose = observations.doseChangeMgPerDay;
  const observationGradient = new Float64Array(system.observationVariance.length);
  const processGradient = new Float64Array(m);
  const aBar = new Float64Array(m);
  const PBar = new Float64Array(m * m);
  const PBarM = new Float64Array(m);
  const MBar = new Float64Array(m);
  const scratch = new Float64Array(m * m);
  const fluidRow = new Float64Array(m);
  let k = tape.count - 1;
  for (let t = n - 1; t >= 0; t--) {
    if (t + 1 < n) reversePredict(aBar, PBar, decay, processGradient, diureticCoupling * dose[t]!, scratch, fluidRow);
    for (; k >= 0 && tape.day[k] === t; k--) {
      const i = tape.row[k]!;
      const M = tape.gainDirection.subarray(k * m, (k + 1) * m);
      const v = tape.innovation[k]!;
      const f = tape.innovationVariance[k]!;
      const w = 1 / f;
      let aM = 0;
      let MPM = 0;
      for (let r = 0; r < m; r++) {
        aM += aBar[r]! * M[r]!;
        let sum = 0;
        const rowR = r * m;
        for (let c = 0; c < m; c++) sum += PBar[rowR + c]! * M[c]!;
        PBarM[r] = sum;
        MPM += M[r]! * sum;
      }
      // a ← a + M v w and ℓ −= ½ v² w
      let vBar = aM * w - v * w;
      const wBar = aM * v - MPM - 0.5 * v * v;
      // ℓ −= ½ log f
      const fBar = -w * w * wBar - 0.5 * w;
      for (let r = 0; r < m; r++) MBar[r] = aBar[r]! * v * w - 2 * w * PBarM[r]!;
      let sBar = fBar;
      if (tape.outlier[k] === 1) {
        // f = v²/c²: s and H cancel out of it.
        const threshold = outlierThresholdSd[i]!;
        vBar += (fBar * 2 * v) / (threshold * threshold);
        sBar = 0;
      } else {
        observationGradient[i] = observationGradient[i]! + fBar;
      }
      const { index, coefficient } = design[i]!;
      // s = z'M; v = y − z'a
      for (let q = 0; q < index.length; q++) {
        const j = index[q]!;
        MBar[j] = MBar[j]! + sBar * coefficient[q]!;
        aBar[j] = aBar[j]! - vBar * coefficient[q]!;
      }
      // M = P z: P̄ += ½(M̄ z' + z M̄')
      for (let q = 0; q < index.length; q++) {
        const j = index[q]!;
        const half = 0.5 * coefficient[q]!;
        for (let r = 0; r < m; r++) {
          const value = half * MBar[r]!;
          PBar[r * m + j] = PBar[r * m + j]! + value;
          PBar[j * m + r] = PBar[j * m + r]! + value;
        }
      }
    }
  }
  const initialVariance = new Float64Array(m);
  for (let j = 0; j < m; j++) initialVariance[j] = PBar[j * m + j]!;
  return { observationVariance: observationGradient, processVariance: processGradient, initialVariance };
}

/**
 * Reverses a ← T a + b, P ← T P T' + Q (./filter.ts's predictHeartFailure) on the adjoints: Q̄_jj += P̄_jj,
 * ā ← T'ā, P̄ ← T'P̄T, for T = diag(decay) + e_f (e_s + c e_κ)'.
 */
function reversePredict(
  aBar: Float64Array,
  PBar: Float64Array,
  decay: Float64Array,
  processGradient: Float64Array,
  coupling: number,
  X: Float64Array,
  fluidRow: Float64Array,
): void {
  const m = HF_STATE_DIM;
  const F = HF_STATE.fluidExcess;
  const S = HF_STATE.fluidRate;
  const K = HF_STATE.diureticResponse;
  for (let j = 0; j < m; j++) processGradient[j] = processGradient[j]! + PBar[j * m + j]!;
  const aF = aBar[F]!;
  for (let j = 0; j < m; j++) aBar[j] = decay[j]! * aBar[j]!;
  aBar[S] = aBar[S]! + aF;
  aBar[K] = aBar[K]! + coupling * aF;
  // X = P̄ T
  for (let r = 0; r < m; r++) {
    const rowR = r * m;
    const columnF = PBar[rowR + F]!;
    for (let j = 0; j < m; j++) X[rowR + j] = decay[j]! * PBar[rowR + j]!;
    X[rowR + S] = X[rowR + S]! + columnF;
    X[rowR + K] = X[rowR + K]! + coupling * columnF;
  }
  // P̄ = T'X
  for (let j = 0; j < m; j++) fluidRow[j] = X[F * m + j]!;
  for (let i = 0; i < m; i++) {
    const di = decay[i]!;
    const rowI = i * m;
    for (let j = 0; j < m; j++) PBar[rowI + j] = di * X[rowI + j]!;
  }
  for (let j = 0; j < m; j++) {
    PBar[S * m + j] = PBar[S * m + j]! + fluidRow[j]!;
    PBar[K * m + j] = PBar[K * m + j]! + coupling * fluidRow[j]!;
  }
}
