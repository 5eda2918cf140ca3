/**
 * Filter + fixed-interval smoother of the fast layer (./fast-layer.ts) over a whole series, for the panel
 * refit. The filter is filterFastLayer's recursion (its robust 1/F computed with one division instead of
 * three, as in ./fit-likelihood.ts: the same numbers to rounding), storing what the smoother needs per reading: the predicted moments, the
 * innovation and the inverse of the effective innovation variance F = S + R/w (the Student-t weight w of
 * the forward pass is kept: MODEL-NOTES §1.6, "the smoother reuses the same R_eff"). The smoother is the
 * Durbin–Koopman backward recursion of ../kernels/damped3.ts with the transition of each irregular step;
 * it keeps the smoothed state and the smoothed variance of the signal μ + d (what a glucose band needs),
 * not the full covariance. Censored readings that the filter skipped are missing to the smoother.
 */
import { LOG_2PI, LOG_PRODUCT_MAX, LOG_PRODUCT_MIN } from '../kernels/likelihood.js';
import {
  Censoring,
  type FastLayerFilterResult,
  FINGERSTICK_LOG_SD,
  type FilterOptions,
  type GlucoseReadings,
  filterStartValues,
  type ReadingTimeline,
  ReadingKind,
  SENSOR_NOISE_DEGREES_OF_FREEDOM,
  START,
  type StepSystems,
} from './fast-layer.js';

const NU = SENSOR_NOISE_DEGREES_OF_FREEDOM;
const NU1 = NU + 1;
const INV_NU = 1 / NU;
/** The r²S coefficient of the robust 1/F's denominator: 2ν + (ν+1) + 1 (14 for ν = 4). */
const DENOMINATOR_RS = 3 * NU + 2;
const STUDENT_T_LOG_CONSTANT = Math.log(0.75 * Math.sqrt(Math.PI)) - 0.5 * Math.log(NU * Math.PI);
/**
 * 1/F of a CGM reading after one variational Student-t reweighting (w = (ν+1)/(ν + (v²r/A + S)/A), A = S + r;
 * 1/F = w/(wS + r)), written with one division: the denominator 5S³ + 15rS² + 14r²S + 4r³ + r²v² (ν = 4) as
 * S²(5S + 15r) + r²(14S + 4r + v²). S: predicted signal variance, r: sensor variance, v²: squared innovation.
 * The refit's filter and the living twin's (main/core/twin/glucose-state.ts) both call this, so their states
 * agree bit for bit.
 */
export function robustInverseInnovationVariance(signalVariance: number, r: number, v2: number): number {
  const a = signalVariance + r;
  const r2 = r * r;
  return (NU1 * a * a) / (signalVariance * signalVariance * (NU1 * signalVariance + 3 * NU1 * r) + r2 * (DENOMINATOR_RS * signalVariance + (NU * r + v2)));
}

/** StepSystems.table entries per step length (φ_d, c, φ_s, Q_μμ, Q_dd, Q_ds, Q_ss). */
const STEP_STRIDE = 7;

/** Per-reading storage, reused across patients by one worker (grow with ensureFastLayerTrack). */
export interface FastLayerTrack {
  readonly capacity: number;
  /** scratch for a series' inputs (see ./patient-refit.ts): ln glucose, and the timeline's per-reading arrays */
  readonly logGlucose: Float64Array;
  readonly stepIndex: Int32Array;
  readonly sensorStartMin: Float64Array;
  readonly warmupShare: Float64Array;
  /** all zero, never written: ReadingKind.Cgm and Censoring.None for every reading */
  readonly zeros: Uint8Array;
  /** a copy of the series' censoring flags, so that the filter reads this thread's own memory only */
  readonly censoring: Uint8Array;
  /** [a_μ, a_d, a_s] before reading t's update, 3 per reading */
  readonly predictedState: Float64Array;
  /** [P_μμ, P_μd, P_μs, P_dd, P_ds, P_ss] before the update, 6 per reading */
  readonly predictedCovariance: Float64Array;
  /** v_t = z_t − a_μ − a_d; NaN where the reading was skipped (censored beyond the prediction) */
  readonly innovation: Float64Array;
  /** 1/F_t with F_t = S_t + R_t/w_t; NaN where skipped */
  readonly inverseInnovationVariance: Float64Array;
  /** E[x_t | all readings], 3 per reading */
  readonly smoothedState: Float64Array;
  /** Var[μ_t + d_t | all readings] */
  readonly smoothedSignalVariance: Float64Array;
}

export function createFastLayerTrack(capacity: number): FastLayerTrack {
  return {
    capacity,
    logGlucose: new Float64Array(capacity),
    stepIndex: new Int32Array(capacity),
    sensorStartMin: new Float64Array(capacity),
    warmupShare: new Float64Array(capacity),
    zeros: new Uint8Array(capacity),
    censoring: new Uint8Array(capacity),
    predictedState: new Float64Array(3 * capacity),
    predictedCovariance: new Float64Array(6 * capacity),
    innovation: new Float64Array(capacity),
    inverseInnovationVariance: new Float64Array(capacity),
    smoothedState: new Float64Array(3 * capacity),
    smoothedSignalVariance: new Float64Array(capacity),
  };
}

/** `track` if it holds `count` readings, else a new one with some headroom. */
export function ensureFastLayerTrack(track: FastLayerTrack | null, count: number): FastLayerTrack {
  if (track !== null && track.capacity >= count) return track;
  return createFastLayerTrack(Math.max(count, Math.ceil((track?.capacity ?? 0) * 1.25)));
}

/** filterFastLayer over the first `count` readings, storing into `track` what smoothFastLayer needs. */
export function filterFastLayerTrack(
  readings: GlucoseReadings,
  timeline: ReadingTimeline,
  systems: StepSystems,
  count: number,
  track: FastLayerTrack,
  options: FilterOptions = {},
): FastLayerFilterResult {
  if (count > track.capacity) throw new Error(`filterFastLayerTrack: ${count} readings exceed the track capacity ${track.capacity}`);
  const { logGlucose, kind, censoring } = readings;
  const { stepIndex, warmupShare } = timeline;
  const { predictedState, predictedCovariance, innovation, inverseInnovationVariance } = track;
  const table = systems.table;
  const robust = options.robust ?? true;
  const fingerstickR = FINGERSTICK_LOG_SD * FINGERSTICK_LOG_SD;
  const start = filterStartValues(systems);
  const sensorR = start[START.sensorVariance]!;
  const insertionExcessR = start[START.insertionExcessVariance]!;
  let a0 = start[START.level]!;
  let a1 = 0;
  let a2 = 0;
  let p00 = start[START.levelVariance]!;
  let p01 = 0;
  let p02 = 0;
  let p11 = start[START.deviationVariance]!;
  let p12 = start[START.deviationRateCovariance]!;
  let p22 = start[START.rateVariance]!;
  let logTerms = 0;
  let termProduct = 1;
  let constantTerms = 0;
  let quadraticTerms = 0;
  let observedCount = 0;
  for (let t = 0; t < count; t++) {
    if (t > 0) {
      const o = STEP_STRIDE * stepIndex[t]!;
      const phiD = table[o]!;
      const c = table[o + 1]!;
      const phiS = table[o + 2]!;
      a1 = phiD * a1 + c * a2;
      a2 = phiS * a2;
      p00 += table[o + 3]!;
      // Summed in pairs rather than left to right: a shorter chain from P to P (the same sums to rounding).
      const nextP11 = phiD * phiD * p11 + 2 * phiD * c * p12 + (c * c * p22 + table[o + 4]!);
      p12 = phiD * phiS * p12 + phiS * c * p22 + table[o + 5]!;
      p22 = phiS * phiS * p22 + table[o + 6]!;
      p11 = nextP11;
      p01 = phiD * p01 + c * p02;
      p02 = phiS * p02;
    }
    const s3 = 3 * t;
    const s6 = 6 * t;
    predictedState[s3] = a0;
    predictedState[s3 + 1] = a1;
    predictedState[s3 + 2] = a2;
    predictedCovariance[s6] = p00;
    predictedCovariance[s6 + 1] = p01;
    predictedCovariance[s6 + 2] = p02;
    predictedCovariance[s6 + 3] = p11;
    predictedCovariance[s6 + 4] = p12;
    predictedCovariance[s6 + 5] = p22;
    const y = logGlucose[t]!;
    const isCgm = kind[t] === ReadingKind.Cgm;
    const predicted = a0 + a1;
    const limit = censoring[t]!;
    const skip = (limit === Censoring.High && predicted >= y) || (limit === Censoring.Low && predicted <= y);
    if (skip) {
      innovation[t] = Number.NaN;
      inverseInnovationVariance[t] = Number.NaN;
      continue;
    }
    const m0 = p00 + p01;
    const m1 = p01 + p11;
    const m2 = p02 + p12;
    const signalVariance = m0 + m1;
    const v = y - predicted;
    const v2 = v * v;
    let fInv: number;
    if (!isCgm) {
      const f = signalVariance + fingerstickR;
      fInv = 1 / f;
      if (limit === Censoring.None) {
        termProduct *= f;
        quadraticTerms += v2 * fInv;
        constantTerms -= 0.5 * LOG_2PI;
        observedCount++;
      }
    } else if (robust) {
      // One fixed-point iteration of the variational Student-t weight, with the single division of
      // ./fit-likelihood.ts in the chain: the same 1/F as filterFastLayer's to rounding.
      const r = sensorR + insertionExcessR * warmupShare[t]!;
      const a = signalVariance + r;
      fInv = robustInverseInnovationVariance(signalVariance, r, v2);
      if (limit === Censoring.None) {
        const tail = 1 + (v2 / a) * INV_NU;
        const tail2 = tail * tail;
        termProduct *= a * (tail2 * tail2 * tail);
        constantTerms += STUDENT_T_LOG_CONSTANT;
        observedCount++;
      }
    } else {
      const f = signalVariance + sensorR + insertionExcessR * warmupShare[t]!;
      fInv = 1 / f;
      if (limit === Censoring.None) {
        termProduct *= f;
        quadraticTerms += v2 * fInv;
        constantTerms -= 0.5 * LOG_2PI;
        observedCount++;
      }
    }
    if (termProduct > LOG_PRODUCT_MAX || termProduct < LOG_PRODUCT_MIN) {
      logTerms += Math.log(termProduct);
      termProduct = 1;
    }
    innovation[t] = v;
    inverseInnovationVariance[t] = fInv;
    const vScaled = v * fInv;
    a0 += m0 * vScaled;
    a1 += m1 * vScaled;
    a2 += m2 * vScaled;
    p00 -= m0 * m0 * fInv;
    p01 -= m0 * m1 * fInv;
    p02 -= m0 * m2 * fInv;
    p11 -= m1 * m1 * fInv;
    p12 -= m1 * m2 * fInv;
    p22 -= m2 * m2 * fInv;
  }
  logTerms += Math.log(termProduct);
  return { logLikelihood: constantTerms - 0.5 * (logTerms + quadraticTerms), observedCount };
}

/**
 * The filtered moments at reading t from the track (the same numbers filterFastLayer writes there), in
 * FILTERED_STRIDE layout at `out[offset …]`, for ./fast-layer.ts's forecastFromFiltered.
 */
export function filteredMomentsAt(track: FastLayerTrack, t: number, out: Float64Array, offset: number): void {
  const s3 = 3 * t;
  const s6 = 6 * t;
  let a0 = track.predictedState[s3]!;
  let a1 = track.predictedState[s3 + 1]!;
  let a2 = track.predictedState[s3 + 2]!;
  let p00 = track.predictedCovariance[s6]!;
  let p01 = track.predictedCovariance[s6 + 1]!;
  let p02 = track.predictedCovariance[s6 + 2]!;
  let p11 = track.predictedCovariance[s6 + 3]!;
  let p12 = track.predictedCovariance[s6 + 4]!;
  let p22 = track.predictedCovariance[s6 + 5]!;
  const fInv = track.inverseInnovationVariance[t]!;
  if (fInv === fInv) {
    const m0 = p00 + p01;
    const m1 = p01 + p11;
    const m2 = p02 + p12;
    const vScaled = track.innovation[t]! * fInv;
    a0 += m0 * vScaled;
    a1 += m1 * vScaled;
    a2 += m2 * vScaled;
    p00 -= m0 * m0 * fInv;
    p01 -= m0 * m1 * fInv;
    p02 -= m0 * m2 * fInv;
    p11 -= m1 * m1 * fInv;
    p12 -= m1 * m2 * fInv;
    p22 -= m2 * m2 * fInv;
  }
  out[offset] = a0;
  out[offset + 1] = a1;
  out[offset + 2] = a2;
  out[offset + 3] = p00;
  out[offset + 4] = p01;
  out[offset + 5] = p02;
  out[offset + 6] = p11;
  out[offset + 7] = p12;
  out[offset + 8] = p22;
}

/**
 * Durbin–Koopman smoother over the first `count` readings of a filtered track (see
 * ../kernels/damped3.ts's smoothDampedCgm for the recursion); the transition out of reading t is the step
 * to reading t + 1. Writes smoothedState and smoothedSignalVariance.
 */
export function smoothFastLayer(timeline: ReadingTimeline, systems: StepSystems, track: FastLayerTrack, count: number): void {
  if (count > track.capacity) throw new Error(`smoothFastLayer: ${count} readings exceed the track capacity ${track.capacity}`);
  const { predictedState, predictedCovariance, innovation, inverseInnovationVariance, smoothedState, smoothedSignalVariance } = track;
  const { stepIndex } = timeline;
  const table = systems.table;
  let r0 = 0;
  let r1 = 0;
  let r2 = 0;
  let n00 = 0;
  let n01 = 0;
  let n02 = 0;
  let n11 = 0;
  let n12 = 0;
  let n22 = 0;
  for (let t = count - 1; t >= 0; t--) {
    const s3 = 3 * t;
    const s6 = 6 * t;
    const p00 = predictedCovariance[s6]!;
    const p01 = predictedCovariance[s6 + 1]!;
    const p02 = predictedCovariance[s6 + 2]!;
    const p11 = predictedCovariance[s6 + 3]!;
    const p12 = predictedCovariance[s6 + 4]!;
    const p22 = predictedCovariance[s6 + 5]!;
    // At the last reading r and N are zero and the transition does not matter.
    const o = t + 1 < count ? STEP_STRIDE * stepIndex[t + 1]! : 0;
    const phiD = t + 1 < count ? table[o]! : 1;
    const c = t + 1 < count ? table[o + 1]! : 0;
    const phiS = t + 1 < count ? table[o + 2]! : 1;
    const b00 = n00;
    const b01 = phiD * n01;
    const b02 = c * n01 + phiS * n02;
    const b11 = phiD * phiD * n11;
    const b12 = phiD * (c * n11 + phiS * n12);
    const b22 = c * (c * n11 + 2 * phiS * n12) + phiS * phiS * n22;
    const tr1 = phiD * r1;
    const tr2 = c * r1 + phiS * r2;
    const m0 = p00 + p01;
    const m1 = p01 + p11;
    const m2 = p02 + p12;
    const fInv = inverseInnovationVariance[t]!;
    if (fInv === fInv) {
      const m2OverF = m2 * fInv;
      const g0 = m0 * fInv;
      const g1 = phiD * m1 * fInv + c * m2OverF;
      const g2 = phiS * m2OverF;
      const w0 = n00 * g0 + n01 * g1 + n02 * g2;
      const w1 = n01 * g0 + n11 * g1 + n12 * g2;
      const w2 = n02 * g0 + n12 * g1 + n22 * g2;
      const u0 = w0;
      const u1 = phiD * w1;
      const u2 = c * w1 + phiS * w2;
      const kappa = g0 * w0 + g1 * w1 + g2 * w2 + fInv;
      const correction = innovation[t]! * fInv - (g0 * r0 + g1 * r1 + g2 * r2);
      r0 += correction;
      r1 = tr1 + correction;
      r2 = tr2;
      n00 = b00 - 2 * u0 + kappa;
      n01 = b01 - u0 - u1 + kappa;
      n02 = b02 - u2;
      n11 = b11 - 2 * u1 + kappa;
      n12 = b12 - u2;
      n22 = b22;
    } else {
      r1 = tr1;
      r2 = tr2;
      n01 = b01;
      n02 = b02;
      n11 = b11;
      n12 = b12;
      n22 = b22;
    }
    smoothedState[s3] = predictedState[s3]! + p00 * r0 + p01 * r1 + p02 * r2;
    smoothedState[s3 + 1] = predictedState[s3 + 1]! + p01 * r0 + p11 * r1 + p12 * r2;
    smoothedState[s3 + 2] = predictedState[s3 + 2]! + p02 * r0 + p12 * r1 + p22 * r2;
    // Var[z'x | y] = z'P z − (P z)' N (P z), z = [1, 1, 0].
    const nm0 = n00 * m0 + n01 * m1 + n02 * m2;
    const nm1 = n01 * m0 + n11 * m1 + n12 * m2;
    const nm2 = n02 * m0 + n12 * m1 + n22 * m2;
    smoothedSignalVariance[t] = m0 + m1 - (m0 * nm0 + m1 * nm1 + m2 * nm2);
  }
}
