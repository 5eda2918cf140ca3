/**
 * Unrolled Kalman filter, state smoother and forecaster for the fast CGM layer (MODEL-NOTES §1.9):
 *
 *   state [μ, d, s]:  μ' = μ + η_μ,   d' = φ_d d + c s + η_d,   s' = φ_s s + η_s,   y = μ + d + ε
 *
 * c = 1 in the discrete model; the continuous-time discretisation (../discretise.ts) gives c = g(Δ) and a
 * correlated (η_d, η_s). Covariances are stored as their 6 unique entries per step, in the order
 * [P_μμ, P_μd, P_μs, P_dd, P_ds, P_ss]. NaN observations are missing. Must agree with ../kalman.ts.
 */
import { type FilterSummary, LOG_2PI, LOG_PRODUCT_MAX, LOG_PRODUCT_MIN } from './likelihood.js';

/** One step of the model. The same for every step of a regular grid. */
export interface DampedCgmSystem {
  /** φ_d */
  readonly deviationDecay: number;
  /** c, the effect of s_t on d_{t+1} */
  readonly rateToDeviation: number;
  /** φ_s */
  readonly rateDecay: number;
  readonly levelVariance: number;
  readonly deviationVariance: number;
  readonly deviationRateCovariance: number;
  readonly rateVariance: number;
  /** R */
  readonly observationVariance: number;
}

/** The prior of the state at the first time point, before its observation. */
export interface DampedCgmPrior {
  /** [μ, d, s] */
  readonly state: ArrayLike<number>;
  /** 3×3, row-major */
  readonly covariance: ArrayLike<number>;
}

/** Preallocated per-step storage; reuse one track for every series a worker processes. */
export interface DampedCgmTrack {
  readonly capacity: number;
  /** 3 per step */
  readonly predictedState: Float64Array;
  /** 6 per step */
  readonly predictedCovariance: Float64Array;
  readonly filteredState: Float64Array;
  readonly filteredCovariance: Float64Array;
  readonly smoothedState: Float64Array;
  readonly smoothedCovariance: Float64Array;
  /** v_t = y_t − μ_t − d_t, NaN where missing */
  readonly innovation: Float64Array;
  /** F_t, NaN where missing */
  readonly innovationVariance: Float64Array;
}

export function createDampedCgmTrack(capacity: number): DampedCgmTrack {
  return {
    capacity,
    predictedState: new Float64Array(3 * capacity),
    predictedCovariance: new Float64Array(6 * capacity),
    filteredState: new Float64Array(3 * capacity),
    filteredCovariance: new Float64Array(6 * capacity),
    smoothedState: new Float64Array(3 * capacity),
    smoothedCovariance: new Float64Array(6 * capacity),
    innovation: new Float64Array(capacity),
    innovationVariance: new Float64Array(capacity),
  };
}

/** Filters `observations` (length n <= track.capacity) into `track`. */
export function filterDampedCgm(
  observations: Float64Array,
  system: DampedCgmSystem,
  prior: DampedCgmPrior,
  track: DampedCgmTrack,
): FilterSummary {
  const n = observations.length;
  if (n > track.capacity) throw new Error(`filterDampedCgm: ${n} points exceed the track capacity ${track.capacity}`);
  const { predictedState, predictedCovariance, filteredState, filteredCovariance, innovation, innovationVariance } =
    track;
  const phiD = system.deviationDecay;
  const c = system.rateToDeviation;
  const phiS = system.rateDecay;
  const qMu = system.levelVariance;
  const qD = system.deviationVariance;
  const qDS = system.deviationRateCovariance;
  const qS = system.rateVariance;
  const r = system.observationVariance;
  const phiD2 = phiD * phiD;
  const twoPhiDC = 2 * phiD * c;
  const c2 = c * c;
  const phiDS = phiD * phiS;
  const phiSC = phiS * c;
  const phiS2 = phiS * phiS;
  let a0 = prior.state[0]!;
  let a1 = prior.state[1]!;
  let a2 = prior.state[2]!;
  let p00 = prior.covariance[0]!;
  let p01 = prior.covariance[1]!;
  let p02 = prior.covariance[2]!;
  let p11 = prior.covariance[4]!;
  let p12 = prior.covariance[5]!;
  let p22 = prior.covariance[8]!;
  // log F is accumulated as a product and logged once it leaves [1e-100, 1e100] (see ./likelihood.ts).
  let logDeterminant = 0;
  let determinantProduct = 1;
  let quadraticSum = 0;
  let observedCount = 0;
  for (let t = 0; t < n; t++) {
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
    const y = observations[t]!;
    if (y === y) {
      // M = P z; P ← P − M M'/F. The products M_i M_j do not wait for the division, which keeps the
      // step-to-step dependency chain (the filter's speed limit) short.
      const m0 = p00 + p01;
      const m1 = p01 + p11;
      const m2 = p02 + p12;
      const f = m0 + m1 + r;
      const v = y - a0 - a1;
      const fInv = 1 / f;
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
      innovation[t] = v;
      innovationVariance[t] = f;
      quadraticSum += v * v * fInv;
      determinantProduct *= f;
      observedCount++;
      if (determinantProduct > LOG_PRODUCT_MAX || determinantProduct < LOG_PRODUCT_MIN) {
        logDeterminant += Math.log(determinantProduct);
        determinantProduct = 1;
      }
    } else {
      innovation[t] = Number.NaN;
      innovationVariance[t] = Number.NaN;
    }
    filteredState[s3] = a0;
    filteredState[s3 + 1] = a1;
    filteredState[s3 + 2] = a2;
    filteredCovariance[s6] = p00;
    filteredCovariance[s6 + 1] = p01;
    filteredCovariance[s6 + 2] = p02;
    filteredCovariance[s6 + 3] = p11;
    filteredCovariance[s6 + 4] = p12;
    filteredCovariance[s6 + 5] = p22;
    // Predict: T = [[1,0,0],[0,φ_d,c],[0,0,φ_s]], written as sums of independent products.
    a1 = phiD * a1 + c * a2;
    a2 = phiS * a2;
    p00 += qMu;
    const nextP11 = phiD2 * p11 + (twoPhiDC * p12 + (c2 * p22 + qD));
    p12 = phiDS * p12 + (phiSC * p22 + qDS);
    p22 = phiS2 * p22 + qS;
    p11 = nextP11;
    p01 = phiD * p01 + c * p02;
    p02 = phiS * p02;
  }
  logDeterminant += Math.log(determinantProduct);
  return {
    logLikelihood: -0.5 * (observedCount * LOG_2PI + logDeterminant + quadraticSum),
    observedCount,
  };
}

/**
 * Fixed-interval smoother over the first n steps of a filtered track; writes smoothedState and
 * smoothedCovariance. It runs the Durbin–Koopman backward recursion, which gives the RTS smoother's
 * numbers (to rounding) from the predicted moments and innovations alone:
 *   L_t = T − T K_t z',  r_{t−1} = z v_t/F_t + L_t' r_t,  N_{t−1} = z z'/F_t + L_t' N_t L_t
 *   (missing y_t: r_{t−1} = T' r_t, N_{t−1} = T' N_t T),  r_{n−1} = 0, N_{n−1} = 0,
 *   E[x_t | y] = a_t + P_t r_{t−1},  Var[x_t | y] = P_t − P_t N_{t−1} P_t.
 * Chosen over RTS for throughput: no 3×3 inverse per step and about a third fewer operations.
 */
export function smoothDampedCgm(system: DampedCgmSystem, track: DampedCgmTrack, n: number): void {
  if (n > track.capacity) throw new Error(`smoothDampedCgm: ${n} steps exceed the track capacity ${track.capacity}`);
  const { predictedState, predictedCovariance, innovation, innovationVariance } = track;
  const { smoothedState, smoothedCovariance } = track;
  const phiD = system.deviationDecay;
  const c = system.rateToDeviation;
  const phiS = system.rateDecay;
  let r0 = 0;
  let r1 = 0;
  let r2 = 0;
  let n00 = 0;
  let n01 = 0;
  let n02 = 0;
  let n11 = 0;
  let n12 = 0;
  let n22 = 0;
  for (let t = n - 1; t >= 0; t--) {
    const s3 = 3 * t;
    const s6 = 6 * t;
    const p00 = predictedCovariance[s6]!;
    const p01 = predictedCovariance[s6 + 1]!;
    const p02 = predictedCovariance[s6 + 2]!;
    const p11 = predictedCovariance[s6 + 3]!;
    const p12 = predictedCovariance[s6 + 4]!;
    const p22 = predictedCovariance[s6 + 5]!;
    // T'N T and T'r, with T = [[1,0,0],[0,φ_d,c],[0,0,φ_s]].
    const b00 = n00;
    const b01 = phiD * n01;
    const b02 = c * n01 + phiS * n02;
    const b11 = phiD * phiD * n11;
    const b12 = phiD * (c * n11 + phiS * n12);
    const b22 = c * (c * n11 + 2 * phiS * n12) + phiS * phiS * n22;
    const tr1 = phiD * r1;
    const tr2 = c * r1 + phiS * r2;
    const v = innovation[t]!;
    if (v === v) {
      const fInv = 1 / innovationVariance[t]!;
      // T K: the gain carried to t+1. With z = [1,1,0], L'r = T'r − z (TK)'r and
      // L'N L = T'N T − u z' − z u' + κ z z', u = T'N T K, κ = (TK)'N (TK).
      const m2OverF = (p02 + p12) * fInv;
      const g0 = (p00 + p01) * fInv;
      const g1 = phiD * (p01 + p11) * fInv + c * m2OverF;
      const g2 = phiS * m2OverF;
      const w0 = n00 * g0 + n01 * g1 + n02 * g2;
      const w1 = n01 * g0 + n11 * g1 + n12 * g2;
      const w2 = n02 * g0 + n12 * g1 + n22 * g2;
      const u0 = w0;
      const u1 = phiD * w1;
      const u2 = c * w1 + phiS * w2;
      const kappa = g0 * w0 + g1 * w1 + g2 * w2 + fInv;
      const correction = v * fInv - (g0 * r0 + g1 * r1 + g2 * r2);
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
    // P − (P N) P, one row of X = P N at a time (fewer live values, fewer register spills).
    const x00 = p00 * n00 + p01 * n01 + p02 * n02;
    const x01 = p00 * n01 + p01 * n11 + p02 * n12;
    const x02 = p00 * n02 + p01 * n12 + p02 * n22;
    smoothedCovariance[s6] = p00 - (x00 * p00 + x01 * p01 + x02 * p02);
    smoothedCovariance[s6 + 1] = p01 - (x00 * p01 + x01 * p11 + x02 * p12);
    smoothedCovariance[s6 + 2] = p02 - (x00 * p02 + x01 * p12 + x02 * p22);
    const x10 = p01 * n00 + p11 * n01 + p12 * n02;
    const x11 = p01 * n01 + p11 * n11 + p12 * n12;
    const x12 = p01 * n02 + p11 * n12 + p12 * n22;
    smoothedCovariance[s6 + 3] = p11 - (x10 * p01 + x11 * p11 + x12 * p12);
    smoothedCovariance[s6 + 4] = p12 - (x10 * p02 + x11 * p12 + x12 * p22);
    const x20 = p02 * n00 + p12 * n01 + p22 * n02;
    const x21 = p02 * n01 + p12 * n11 + p22 * n12;
    const x22 = p02 * n02 + p12 * n12 + p22 * n22;
    smoothedCovariance[s6 + 5] = p22 - (x20 * p02 + x21 * p12 + x22 * p22);
  }
}

export interface SignalForecast {
  /** E[μ + d] at steps n … n−1+horizon */
  readonly mean: Float64Array;
  /** Var[μ + d]: the state-only band */
  readonly signalVariance: Float64Array;
  /** Var[μ + d] + R: the band for a new measurement */
  readonly observationVariance: Float64Array;
}

/** Forecasts the observed signal μ + d for 1 … horizon steps after the last of n filtered steps. */
export function forecastDampedCgm(
  system: DampedCgmSystem,
  track: DampedCgmTrack,
  n: number,
  horizon: number,
): SignalForecast {
  if (n === 0 || n > track.capacity) {
    throw new Error(`forecastDampedCgm: cannot forecast from step ${n} of a track of ${track.capacity}`);
  }
  const phiD = system.deviationDecay;
  const c = system.rateToDeviation;
  const phiS = system.rateDecay;
  const last3 = 3 * (n - 1);
  const last6 = 6 * (n - 1);
  const a0 = track.filteredState[last3]!;
  let a1 = track.filteredState[last3 + 1]!;
  let a2 = track.filteredState[last3 + 2]!;
  let p00 = track.filteredCovariance[last6]!;
  let p01 = track.filteredCovariance[last6 + 1]!;
  let p02 = track.filteredCovariance[last6 + 2]!;
  let p11 = track.filteredCovariance[last6 + 3]!;
  let p12 = track.filteredCovariance[last6 + 4]!;
  let p22 = track.filteredCovariance[last6 + 5]!;
  const mean = new Float64Array(horizon);
  const signalVariance = new Float64Array(horizon);
  const observationVariance = new Float64Array(horizon);
  for (let h = 0; h < horizon; h++) {
    a1 = phiD * a1 + c * a2;
    a2 = phiS * a2;
    const tp12 = phiD * p12 + c * p22;
    p00 += system.levelVariance;
    p11 = phiD * (phiD * p11 + c * p12) + c * tp12 + system.deviationVariance;
    p12 = phiS * tp12 + system.deviationRateCovariance;
    p22 = phiS * phiS * p22 + system.rateVariance;
    p01 = phiD * p01 + c * p02;
    p02 = phiS * p02;
    mean[h] = a0 + a1;
    signalVariance[h] = p00 + 2 * p01 + p11;
    observationVariance[h] = signalVariance[h]! + system.observationVariance;
  }
  return { mean, signalVariance, observationVariance };
}
