/**
 * The generic small-dimension Kalman filter, state smoother and forecaster (any m up to about 8, p
 * observations per step). Multivariate observations are processed one component at a time
 * (univariate treatment, exact for diagonal H); a NaN component is missing and is skipped. The hot
 * models have unrolled kernels in ./kernels that must agree with this one.
 */
import { LOG_2PI } from './kernels/likelihood.js';
import { symmetrise } from './linalg.js';
import { type StateSpaceModel, type StepSystem } from './ssm.js';

/**
 * F_∞ values and P_∞ entries at or below this count as zero. For the usual designs they are exactly 0 or
 * of order 1, so the threshold only matters for degenerate models.
 */
const DIFFUSE_TOLERANCE = 1e-9;

export interface KalmanFilterResult {
  /** n */
  readonly stepCount: number;
  /** m */
  readonly stateDim: number;
  /** p */
  readonly observationDim: number;
  /** a_t = E[x_t | y_0..y_{t−1}], n×m */
  readonly predictedState: Float64Array;
  /** P_t, n×m×m. During the first `diffuseStepCount` steps only the finite part P_* is held here. */
  readonly predictedCovariance: Float64Array;
  /** E[x_t | y_0..y_t], n×m */
  readonly filteredState: Float64Array;
  /** n×m×m */
  readonly filteredCovariance: Float64Array;
  /**
   * v_{t,i}, n×p: component i's error given y_t's components before i (sequential processing).
   * NaN where y_{t,i} is missing.
   */
  readonly innovation: Float64Array;
  /** F_{t,i}, n×p. NaN where missing; +Infinity where the component met a diffuse state. */
  readonly innovationVariance: Float64Array;
  /** v/√F, n×p: i.i.d. N(0,1) under the model. NaN where missing or diffuse. */
  readonly standardisedInnovation: Float64Array;
  /** K_{t,i} = P_{t,i} z_i / F_{t,i}, n×p×m: component i's gain (0 where missing or diffuse). */
  readonly gain: Float64Array;
  /** Each step's log-likelihood term (0 for a fully missing step), length n: per-step log scores. */
  readonly logLikelihoodByStep: Float64Array;
  /** Exact log-likelihood over the observed components (prediction-error decomposition). */
  readonly logLikelihood: number;
  /** Number of observed (non-NaN) components, i.e. of log-likelihood terms. */
  readonly observedCount: number;
  /** Leading steps whose prior still had a diffuse part (0 without exact diffuse initialisation). */
  readonly diffuseStepCount: number;
}

/**
 * Runs the filter over `observations` (n×p, time-major, NaN = missing).
 * With `model.initialDiffuseCovariance`, the first steps use the exact initial Kalman filter of
 * Koopman (1997) in its univariate form (Durbin & Koopman 2012 §5.2, §6.4): a component whose F_∞ > 0
 * contributes −½ log(2π F_∞) to the log-likelihood, as statsmodels counts it.
 */
export function runKalmanFilter(model: StateSpaceModel, observations: Float64Array): KalmanFilterResult {
  const m = model.stateDim;
  const p = model.observationDim;
  if (observations.length % p !== 0) {
    throw new Error(`runKalmanFilter: ${observations.length} observations is not a multiple of p = ${p}`);
  }
  const n = observations.length / p;
  const mm = m * m;
  const predictedState = new Float64Array(n * m);
  const predictedCovariance = new Float64Array(n * mm);
  const filteredState = new Float64Array(n * m);
  const filteredCovariance = new Float64Array(n * mm);
  const innovation = new Float64Array(n * p).fill(Number.NaN);
  const innovationVariance = new Float64Array(n * p).fill(Number.NaN);
  const standardisedInnovation = new Float64Array(n * p).fill(Number.NaN);
  const gain = new Float64Array(n * p * m);
  const logLikelihoodByStep = new Float64Array(n);

  const a = Float64Array.from(model.initialState);
  const P = Float64Array.from(model.initialCovariance);
  const pInf = model.initialDiffuseCovariance
    ? Float64Array.from(model.initialDiffuseCovariance)
    : new Float64Array(mm);
  let diffuse = model.initialDiffuseCovariance !== undefined && !isNegligible(pInf);
  let diffuseStepCount = 0;
  const mStar = new Float64Array(m);
  const mInf = new Float64Array(m);
  const scratch = new Float64Array(mm);
  let logLikelihood = 0;
  let observedCount = 0;

  for (let t = 0; t < n; t++) {
    const system = model.systemAt(t);
    predictedState.set(a, t * m);
    predictedCovariance.set(P, t * mm);
    if (diffuse) diffuseStepCount = t + 1;
    let stepLogLikelihood = 0;
    for (let i = 0; i < p; i++) {
      const y = observations[t * p + i]!;
      if (Number.isNaN(y)) continue;
      observedCount++;
      const zOffset = i * m;
      const z = system.design;
      let forecast = system.observationIntercept[i]!;
      for (let j = 0; j < m; j++) forecast += z[zOffset + j]! * a[j]!;
      const v = y - forecast;
      // M_* = P z, F_* = z'P z + h
      let fStar = system.observationVariance[i]!;
      for (let r = 0; r < m; r++) {
        let sum = 0;
        for (let c = 0; c < m; c++) sum += P[r * m + c]! * z[zOffset + c]!;
        mStar[r] = sum;
        fStar += z[zOffset + r]! * sum;
      }
      let fInf = 0;
      if (diffuse) {
        for (let r = 0; r < m; r++) {
          let sum = 0;
          for (let c = 0; c < m; c++) sum += pInf[r * m + c]! * z[zOffset + c]!;
          mInf[r] = sum;
          fInf += z[zOffset + r]! * sum;
        }
      }
      innovation[t * p + i] = v;
      if (fInf > DIFFUSE_TOLERANCE) {
        // Exact diffuse update: a ← a + M_∞ v/F_∞,
        // P_* ← P_* − (M_* M_∞' + M_∞ M_*')/F_∞ + M_∞ M_∞' F_*/F_∞²,  P_∞ ← P_∞ − M_∞ M_∞'/F_∞.
        const fInfInv = 1 / fInf;
        const ratio = fStar * fInfInv * fInfInv;
        for (let r = 0; r < m; r++) a[r] = a[r]! + mInf[r]! * v * fInfInv;
        for (let r = 0; r < m; r++) {
          for (let c = 0; c < m; c++) {
            const idx = r * m + c;
            P[idx] =
              P[idx]! -
              (mStar[r]! * mInf[c]! + mInf[r]! * mStar[c]!) * fInfInv +
              mInf[r]! * mInf[c]! * ratio;
            pInf[idx] = pInf[idx]! - mInf[r]! * mInf[c]! * fInfInv;
          }
        }
        symmetrise(P, m);
        symmetrise(pInf, m);
        innovationVariance[t * p + i] = Number.POSITIVE_INFINITY;
        stepLogLikelihood -= 0.5 * (LOG_2PI + Math.log(fInf));
      } else {
        const fInv = 1 / fStar;
        for (let r = 0; r < m; r++) gain[(t * p + i) * m + r] = mStar[r]! * fInv;
        for (let r = 0; r < m; r++) a[r] = a[r]! + mStar[r]! * v * fInv;
        for (let r = 0; r < m; r++) {
          for (let c = 0; c < m; c++) P[r * m + c] = P[r * m + c]! - mStar[r]! * mStar[c]! * fInv;
        }
        symmetrise(P, m);
        innovationVariance[t * p + i] = fStar;
        standardisedInnovation[t * p + i] = v / Math.sqrt(fStar);
        stepLogLikelihood -= 0.5 * (LOG_2PI + Math.log(fStar) + v * v * fInv);
      }
    }
    filteredState.set(a, t * m);
    filteredCovariance.set(P, t * mm);
    logLikelihoodByStep[t] = stepLogLikelihood;
    logLikelihood += stepLogLikelihood;
    if (diffuse && isNegligible(pInf)) diffuse = false;
    if (t + 1 < n) {
      predictState(system, m, a, P, scratch);
      if (diffuse) transformCovariance(system.transition, m, pInf, scratch);
    }
  }

  return {
    stepCount: n,
    stateDim: m,
    observationDim: p,
    predictedState,
    predictedCovariance,
    filteredState,
    filteredCovariance,
    innovation,
    innovationVariance,
    standardisedInnovation,
    gain,
    logLikelihoodByStep,
    logLikelihood,
    observedCount,
    diffuseStepCount,
  };
}

export interface SmootherResult {
  /** E[x_t | y_0..y_{n−1}], n×m */
  readonly smoothedState: Float64Array;
  /** n×m×m */
  readonly smoothedCovariance: Float64Array;
}

/**
 * Fixed-interval state smoother: the Durbin–Koopman backward recursion in its univariate form
 * (Durbin & Koopman 2012 §4.4, §6.4), which gives the Rauch–Tung–Striebel smoother's numbers without
 * inverting P_{t+1}, so states with zero predicted variance (known constants) are fine. For each step t,
 * starting from r = 0, N = 0 after the last step, and for components i = p−1 … 0 of y_t:
 *   r ← z_i (v_i/F_i − K_i'r) + r,   N ← L_i'N L_i + z_i z_i'/F_i,   L_i = I − K_i z_i'
 * then E[x_t | y] = a_t + P_t r, Var[x_t | y] = P_t − P_t N P_t, and r ← T_{t−1}'r, N ← T_{t−1}'N T_{t−1}.
 * Smoothing inside an exact diffuse period is not implemented: give such models a proper prior.
 */
export function runStateSmoother(model: StateSpaceModel, filtered: KalmanFilterResult): SmootherResult {
  if (filtered.diffuseStepCount > 0) {
    throw new Error('runStateSmoother: smoothing inside an exact diffuse period is not supported; use a proper prior');
  }
  const m = filtered.stateDim;
  const p = filtered.observationDim;
  const n = filtered.stepCount;
  const mm = m * m;
  const smoothedState = new Float64Array(n * m);
  const smoothedCovariance = new Float64Array(n * mm);
  const r = new Float64Array(m);
  const N = new Float64Array(mm);
  const w = new Float64Array(m);
  const scratch = new Float64Array(mm);
  for (let t = n - 1; t >= 0; t--) {
    const system = model.systemAt(t);
    if (t < n - 1) {
      const T = system.transition;
      // r ← T'r, N ← T'N T
      w.set(r);
      for (let c = 0; c < m; c++) {
        let sum = 0;
        for (let k = 0; k < m; k++) sum += T[k * m + c]! * w[k]!;
        r[c] = sum;
      }
      transformCovarianceTransposed(T, m, N, scratch);
    }
    const design = system.design;
    for (let i = p - 1; i >= 0; i--) {
      const v = filtered.innovation[t * p + i]!;
      const f = filtered.innovationVariance[t * p + i]!;
      if (Number.isNaN(v)) continue;
      const gainOffset = (t * p + i) * m;
      const zOffset = i * m;
      // w = N K, κ = K'N K: L'N L = N − w z' − z w' + κ z z'
      let kappa = 0;
      let gainDotR = 0;
      for (let row = 0; row < m; row++) {
        let sum = 0;
        for (let k = 0; k < m; k++) sum += N[row * m + k]! * filtered.gain[gainOffset + k]!;
        w[row] = sum;
        kappa += filtered.gain[gainOffset + row]! * sum;
        gainDotR += filtered.gain[gainOffset + row]! * r[row]!;
      }
      const fInv = 1 / f;
      const weight = kappa + fInv;
      for (let row = 0; row < m; row++) {
        const zRow = design[zOffset + row]!;
        for (let col = 0; col < m; col++) {
          const zCol = design[zOffset + col]!;
          N[row * m + col] = N[row * m + col]! - w[row]! * zCol - zRow * w[col]! + weight * zRow * zCol;
        }
      }
      const correction = v * fInv - gainDotR;
      for (let row = 0; row < m; row++) r[row] = r[row]! + design[zOffset + row]! * correction;
    }
    // E[x_t | y] = a_t + P_t r, Var[x_t | y] = P_t − P_t N P_t
    const P = filtered.predictedCovariance.subarray(t * mm, (t + 1) * mm);
    for (let row = 0; row < m; row++) {
      let sum = filtered.predictedState[t * m + row]!;
      for (let k = 0; k < m; k++) sum += P[row * m + k]! * r[k]!;
      smoothedState[t * m + row] = sum;
    }
    for (let row = 0; row < m; row++) {
      for (let col = 0; col < m; col++) {
        let sum = 0;
        for (let k = 0; k < m; k++) sum += P[row * m + k]! * N[k * m + col]!;
        scratch[row * m + col] = sum;
      }
    }
    for (let row = 0; row < m; row++) {
      for (let col = row; col < m; col++) {
        let sum = 0;
        for (let k = 0; k < m; k++) sum += scratch[row * m + k]! * P[k * m + col]!;
        const value = P[row * m + col]! - sum;
        smoothedCovariance[t * mm + row * m + col] = value;
        smoothedCovariance[t * mm + col * m + row] = value;
      }
    }
  }
  return { smoothedState, smoothedCovariance };
}

export interface Forecast {
  readonly horizon: number;
  /** E[x_{n−1+h} | y], horizon×m, row h−1 */
  readonly state: Float64Array;
  /** horizon×m×m */
  readonly stateCovariance: Float64Array;
  /** Z a + d, horizon×p */
  readonly observationMean: Float64Array;
  /** diag(Z P Z'), horizon×p: uncertainty of the underlying signal (state only). */
  readonly signalVariance: Float64Array;
  /** diag(Z P Z' + H), horizon×p: predictive variance of a new measurement (statsmodels' var_pred_mean). */
  readonly observationVariance: Float64Array;
}

/**
 * h-step forecasts from the last filtered state: step h applies the transitions of steps n−1 … n−2+h and
 * the observation system of step n−1+h, all taken from `model.systemAt`.
 */
export function forecastFromFilter(model: StateSpaceModel, filtered: KalmanFilterResult, horizon: number): Forecast {
  const m = filtered.stateDim;
  const n = filtered.stepCount;
  const mm = m * m;
  if (n === 0) throw new Error('forecastFromFilter: there is no filtered step to forecast from');
  if (filtered.diffuseStepCount === n) {
    throw new Error('forecastFromFilter: the state is still diffuse at the last step; forecasts would be unbounded');
  }
  return forecastFromFilteredState(
    model,
    filtered.filteredState.slice((n - 1) * m, n * m),
    filtered.filteredCovariance.slice((n - 1) * mm, n * mm),
    n,
    horizon,
  );
}

/**
 * `forecastFromFilter` from the filtered state `a` and covariance `P` after step n − 1 of `model` (which this
 * function overwrites), e.g. as ./kernels/sparse.ts's `filterToEnd` gives them.
 */
export function forecastFromFilteredState(model: StateSpaceModel, a: Float64Array, P: Float64Array, n: number, horizon: number): Forecast {
  const m = model.stateDim;
  const p = model.observationDim;
  const mm = m * m;
  if (a.length !== m || P.length !== mm) throw new Error(`forecastFromFilteredState: the state must have ${m} entries and its covariance ${mm}`);
  const scratch = new Float64Array(mm);
  const state = new Float64Array(horizon * m);
  const stateCovariance = new Float64Array(horizon * mm);
  const observationMean = new Float64Array(horizon * p);
  const signalVariance = new Float64Array(horizon * p);
  const observationVariance = new Float64Array(horizon * p);
  for (let h = 1; h <= horizon; h++) {
    predictState(model.systemAt(n - 2 + h), m, a, P, scratch);
    const observationSystem = model.systemAt(n - 1 + h);
    state.set(a, (h - 1) * m);
    stateCovariance.set(P, (h - 1) * mm);
    const z = observationSystem.design;
    for (let i = 0; i < p; i++) {
      let mean = observationSystem.observationIntercept[i]!;
      let variance = 0;
      for (let r = 0; r < m; r++) {
        mean += z[i * m + r]! * a[r]!;
        let sum = 0;
        for (let c = 0; c < m; c++) sum += P[r * m + c]! * z[i * m + c]!;
        variance += z[i * m + r]! * sum;
      }
      observationMean[(h - 1) * p + i] = mean;
      signalVariance[(h - 1) * p + i] = variance;
      observationVariance[(h - 1) * p + i] = variance + observationSystem.observationVariance[i]!;
    }
  }
  return { horizon, state, stateCovariance, observationMean, signalVariance, observationVariance };
}

/** a ← c + T a, P ← T P T' + Q, in place. */
function predictState(system: StepSystem, m: number, a: Float64Array, P: Float64Array, scratch: Float64Array): void {
  const T = system.transition;
  const previous = scratch.subarray(0, m);
  previous.set(a);
  for (let r = 0; r < m; r++) {
    let sum = system.stateIntercept[r]!;
    for (let k = 0; k < m; k++) sum += T[r * m + k]! * previous[k]!;
    a[r] = sum;
  }
  transformCovariance(T, m, P, scratch);
  const Q = system.stateCovariance;
  for (let k = 0; k < m * m; k++) P[k] = P[k]! + Q[k]!;
}

/** P ← T P T', in place; `scratch` holds T P. */
function transformCovariance(T: Float64Array, m: number, P: Float64Array, scratch: Float64Array): void {
  for (let r = 0; r < m; r++) {
    for (let c = 0; c < m; c++) {
      let sum = 0;
      for (let k = 0; k < m; k++) sum += T[r * m + k]! * P[k * m + c]!;
      scratch[r * m + c] = sum;
    }
  }
  for (let r = 0; r < m; r++) {
    for (let c = r; c < m; c++) {
      let sum = 0;
      for (let k = 0; k < m; k++) sum += scratch[r * m + k]! * T[c * m + k]!;
      P[r * m + c] = sum;
      P[c * m + r] = sum;
    }
  }
}

/** N ← T'N T, in place; `scratch` holds N T. */
function transformCovarianceTransposed(T: Float64Array, m: number, N: Float64Array, scratch: Float64Array): void {
  for (let r = 0; r < m; r++) {
    for (let c = 0; c < m; c++) {
      let sum = 0;
      for (let k = 0; k < m; k++) sum += N[r * m + k]! * T[k * m + c]!;
      scratch[r * m + c] = sum;
    }
  }
  for (let r = 0; r < m; r++) {
    for (let c = r; c < m; c++) {
      let sum = 0;
      for (let k = 0; k < m; k++) sum += T[k * m + r]! * scratch[k * m + c]!;
      N[r * m + c] = sum;
      N[c * m + r] = sum;
    }
  }
}

function isNegligible(matrix: Float64Array): boolean {
  for (const value of matrix) if (Math.abs(value) > DIFFUSE_TOLERANCE) return false;
  return true;
}
