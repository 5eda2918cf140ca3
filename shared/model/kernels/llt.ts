/**
 * Unrolled Kalman filter, state smoother and forecaster for the 2-state trend models [level, slope],
 * y = level + ε:
 *   - the discrete local linear trend: T = [[1,1],[0,1]], Q = diag(σ²_level, σ²_slope);
 *   - the continuous-time integrated random walk on irregular times: T = [[1,Δ],[0,1]],
 *     Q = q_l Δ e₁e₁' + q_s [[Δ³/3, Δ²/2], [Δ²/2, Δ]] (the closed form of ../discretise.ts, inlined).
 * Covariances are stored as [P_ll, P_ls, P_ss] per step. NaN observations are missing.
 * Must agree with ../kalman.ts.
 */
import { type FilterSummary, LOG_2PI, LOG_PRODUCT_MAX, LOG_PRODUCT_MIN } from './likelihood.js';

export type LinearTrendDynamics =
  | {
      readonly kind: 'discrete';
      /** σ²_level per step */
      readonly levelVariance: number;
      /** σ²_slope per step */
      readonly slopeVariance: number;
    }
  | {
      readonly kind: 'continuous';
      /** q_l per unit time */
      readonly levelDiffusion: number;
      /** q_s per unit time */
      readonly slopeDiffusion: number;
      /** Δ_t = time[t+1] − time[t]; at least n−1 entries */
      readonly stepDurations: Float64Array;
      /** Δ of each forecast step after the last time point */
      readonly forecastStep: number;
    };

export interface LinearTrendModel {
  /** σ²_ε */
  readonly observationVariance: number;
  readonly dynamics: LinearTrendDynamics;
  /** [level, slope] at the first time point, before its observation */
  readonly initialState: ArrayLike<number>;
  /** 2×2, row-major */
  readonly initialCovariance: ArrayLike<number>;
}

/** Preallocated per-step storage; reuse one track for every series a worker processes. */
export interface LinearTrendTrack {
  readonly capacity: number;
  /** 2 per step */
  readonly predictedState: Float64Array;
  /** 3 per step */
  readonly predictedCovariance: Float64Array;
  readonly filteredState: Float64Array;
  readonly filteredCovariance: Float64Array;
  readonly smoothedState: Float64Array;
  readonly smoothedCovariance: Float64Array;
  /** NaN where missing */
  readonly innovation: Float64Array;
  /** NaN where missing */
  readonly innovationVariance: Float64Array;
}

export function createLinearTrendTrack(capacity: number): LinearTrendTrack {
  return {
    capacity,
    predictedState: new Float64Array(2 * capacity),
    predictedCovariance: new Float64Array(3 * capacity),
    filteredState: new Float64Array(2 * capacity),
    filteredCovariance: new Float64Array(3 * capacity),
    smoothedState: new Float64Array(2 * capacity),
    smoothedCovariance: new Float64Array(3 * capacity),
    innovation: new Float64Array(capacity),
    innovationVariance: new Float64Array(capacity),
  };
}

/** Filters `observations` (length n <= track.capacity) into `track`. */
export function filterLinearTrend(
  observations: Float64Array,
  model: LinearTrendModel,
  track: LinearTrendTrack,
): FilterSummary {
  const n = observations.length;
  if (n > track.capacity) throw new Error(`filterLinearTrend: ${n} points exceed the track capacity ${track.capacity}`);
  const dynamics = model.dynamics;
  if (dynamics.kind === 'continuous' && dynamics.stepDurations.length < n - 1) {
    throw new Error(`filterLinearTrend: ${n} points need ${n - 1} step durations`);
  }
  const { predictedState, predictedCovariance, filteredState, filteredCovariance, innovation, innovationVariance } =
    track;
  // Plain locals rather than a per-step helper object: this loop must not allocate.
  const durations = dynamics.kind === 'continuous' ? dynamics.stepDurations : undefined;
  const levelRate = dynamics.kind === 'continuous' ? dynamics.levelDiffusion : dynamics.levelVariance;
  const slopeRate = dynamics.kind === 'continuous' ? dynamics.slopeDiffusion : dynamics.slopeVariance;
  const r = model.observationVariance;
  let a0 = model.initialState[0]!;
  let a1 = model.initialState[1]!;
  let p00 = model.initialCovariance[0]!;
  let p01 = model.initialCovariance[1]!;
  let p11 = model.initialCovariance[3]!;
  let logDeterminant = 0;
  let determinantProduct = 1;
  let quadraticSum = 0;
  let observedCount = 0;
  for (let t = 0; t < n; t++) {
    const s2 = 2 * t;
    const s3 = 3 * t;
    predictedState[s2] = a0;
    predictedState[s2 + 1] = a1;
    predictedCovariance[s3] = p00;
    predictedCovariance[s3 + 1] = p01;
    predictedCovariance[s3 + 2] = p11;
    const y = observations[t]!;
    if (y === y) {
      const f = p00 + r;
      const v = y - a0;
      const fInv = 1 / f;
      const k0 = p00 * fInv;
      const k1 = p01 * fInv;
      a0 += k0 * v;
      a1 += k1 * v;
      p11 -= k1 * p01;
      p01 -= k1 * p00;
      p00 -= k0 * p00;
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
    filteredState[s2] = a0;
    filteredState[s2 + 1] = a1;
    filteredCovariance[s3] = p00;
    filteredCovariance[s3 + 1] = p01;
    filteredCovariance[s3 + 2] = p11;
    if (t + 1 < n) {
      let dt = 1;
      let q00 = levelRate;
      let q01 = 0;
      let q11 = slopeRate;
      if (durations !== undefined) {
        dt = durations[t]!;
        const dt2 = dt * dt;
        q00 = levelRate * dt + (slopeRate * dt2 * dt) / 3;
        q01 = (slopeRate * dt2) / 2;
        q11 = slopeRate * dt;
      }
      a0 += dt * a1;
      p00 += dt * (2 * p01 + dt * p11) + q00;
      p01 += dt * p11 + q01;
      p11 += q11;
    }
  }
  logDeterminant += Math.log(determinantProduct);
  return {
    logLikelihood: -0.5 * (observedCount * LOG_2PI + logDeterminant + quadraticSum),
    observedCount,
  };
}

/**
 * Fixed-interval smoother over the first n steps of a filtered track (writes smoothedState and
 * smoothedCovariance): the Durbin–Koopman backward recursion of ../kalman.ts, unrolled. It needs only the
 * predicted moments and the innovations, and no 2×2 inverse.
 */
export function smoothLinearTrend(model: LinearTrendModel, track: LinearTrendTrack, n: number): void {
  if (n > track.capacity) throw new Error(`smoothLinearTrend: ${n} steps exceed the track capacity ${track.capacity}`);
  const { predictedState, predictedCovariance, innovation, innovationVariance } = track;
  const { smoothedState, smoothedCovariance } = track;
  const durations = model.dynamics.kind === 'continuous' ? model.dynamics.stepDurations : undefined;
  let r0 = 0;
  let r1 = 0;
  let n00 = 0;
  let n01 = 0;
  let n11 = 0;
  for (let t = n - 1; t >= 0; t--) {
    // T_t = [[1, Δ_t], [0, 1]] carries t to t+1; after the last step r = 0 and N = 0, so Δ is irrelevant.
    const dt = durations === undefined ? 1 : t + 1 < n ? durations[t]! : 0;
    const s2 = 2 * t;
    const s3 = 3 * t;
    const p00 = predictedCovariance[s3]!;
    const p01 = predictedCovariance[s3 + 1]!;
    const p11 = predictedCovariance[s3 + 2]!;
    // T'N T and T'r
    const b00 = n00;
    const b01 = dt * n00 + n01;
    const b11 = dt * (dt * n00 + 2 * n01) + n11;
    const tr1 = dt * r0 + r1;
    const v = innovation[t]!;
    if (v === v) {
      const fInv = 1 / innovationVariance[t]!;
      // T K with z = [1,0]: L'N L = T'N T − u z' − z u' + κ z z', u = T'N T K, κ = (TK)'N (TK).
      const g1 = p01 * fInv;
      const g0 = p00 * fInv + dt * g1;
      const w0 = n00 * g0 + n01 * g1;
      const w1 = n01 * g0 + n11 * g1;
      const u1 = dt * w0 + w1;
      const kappa = g0 * w0 + g1 * w1 + fInv;
      const correction = v * fInv - (g0 * r0 + g1 * r1);
      r0 += correction;
      r1 = tr1;
      n00 = b00 - 2 * w0 + kappa;
      n01 = b01 - u1;
      n11 = b11;
    } else {
      r1 = tr1;
      n01 = b01;
      n11 = b11;
    }
    smoothedState[s2] = predictedState[s2]! + p00 * r0 + p01 * r1;
    smoothedState[s2 + 1] = predictedState[s2 + 1]! + p01 * r0 + p11 * r1;
    const x00 = p00 * n00 + p01 * n01;
    const x01 = p00 * n01 + p01 * n11;
    const x10 = p01 * n00 + p11 * n01;
    const x11 = p01 * n01 + p11 * n11;
    smoothedCovariance[s3] = p00 - (x00 * p00 + x01 * p01);
    smoothedCovariance[s3 + 1] = p01 - (x00 * p01 + x01 * p11);
    smoothedCovariance[s3 + 2] = p11 - (x10 * p01 + x11 * p11);
  }
}

export interface LevelForecast {
  /** E[level] at steps n … n−1+horizon */
  readonly mean: Float64Array;
  /** Var[level]: the state-only band */
  readonly levelVariance: Float64Array;
  /** Var[level] + σ²_ε: the band for a new measurement */
  readonly observationVariance: Float64Array;
}

/** Forecasts the level for 1 … horizon steps after the last of n filtered steps. */
export function forecastLinearTrend(
  model: LinearTrendModel,
  track: LinearTrendTrack,
  n: number,
  horizon: number,
): LevelForecast {
  if (n === 0 || n > track.capacity) {
    throw new Error(`forecastLinearTrend: cannot forecast from step ${n} of a track of ${track.capacity}`);
  }
  const dynamics = model.dynamics;
  let a0 = track.filteredState[2 * (n - 1)]!;
  const a1 = track.filteredState[2 * (n - 1) + 1]!;
  let p00 = track.filteredCovariance[3 * (n - 1)]!;
  let p01 = track.filteredCovariance[3 * (n - 1) + 1]!;
  let p11 = track.filteredCovariance[3 * (n - 1) + 2]!;
  const mean = new Float64Array(horizon);
  const levelVariance = new Float64Array(horizon);
  const observationVariance = new Float64Array(horizon);
  const step =
    dynamics.kind === 'continuous'
      ? integratedRandomWalkStep(dynamics.forecastStep, dynamics.levelDiffusion, dynamics.slopeDiffusion)
      : { dt: 1, q00: dynamics.levelVariance, q01: 0, q11: dynamics.slopeVariance };
  for (let h = 0; h < horizon; h++) {
    a0 += step.dt * a1;
    p00 += step.dt * (2 * p01 + step.dt * p11) + step.q00;
    p01 += step.dt * p11 + step.q01;
    p11 += step.q11;
    mean[h] = a0;
    levelVariance[h] = p00;
    observationVariance[h] = p00 + model.observationVariance;
  }
  return { mean, levelVariance, observationVariance };
}

interface TrendStep {
  readonly dt: number;
  readonly q00: number;
  readonly q01: number;
  readonly q11: number;
}

function integratedRandomWalkStep(dt: number, levelDiffusion: number, slopeDiffusion: number): TrendStep {
  const dt2 = dt * dt;
  return {
    dt,
    q00: levelDiffusion * dt + (slopeDiffusion * dt2 * dt) / 3,
    q01: (slopeDiffusion * dt2) / 2,
    q11: slopeDiffusion * dt,
  };
}
