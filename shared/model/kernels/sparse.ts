/**
 * The log-likelihood of a generic state-space model (../ssm.ts) whose transitions, designs and state
 * covariances are mostly zeros, as the daily glucose layer's are (T has about 2 nonzeros per row in 9–11
 * states): the same numbers as ../kalman.ts's `runKalmanFilter(model, y).logLikelihood`, for the price of
 * the nonzeros. It is what a hyperparameter fit calls a few dozen times per patient, so it keeps no track:
 * only the running state, its covariance and the log-likelihood.
 *
 * Each matrix is read once per distinct object and turned into a list of its nonzeros; a model that
 * shares one transition between the days whose doses are equal (as ../glucose-daily/model.ts does) pays
 * that once per dose change. P is kept exactly symmetric (upper triangle computed, then mirrored).
 * Observations are processed one component at a time, NaN = missing, as in the generic filter. Exact
 * diffuse initialisation is not supported here (the generic filter has it).
 */
import type { StateSpaceModel } from '../ssm.js';
import { LOG_2PI, type FilterSummary } from './likelihood.js';

/** Row-compressed nonzeros of a square or p×m matrix. */
interface SparseRows {
  readonly rowStart: Int32Array;
  readonly column: Int32Array;
  readonly value: Float64Array;
}

function sparseRows(matrix: Float64Array, rows: number, columns: number): SparseRows {
  const rowStart = new Int32Array(rows + 1);
  const column: number[] = [];
  const value: number[] = [];
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < columns; c++) {
      const x = matrix[r * columns + c]!;
      if (x !== 0) {
        column.push(c);
        value.push(x);
      }
    }
    rowStart[r + 1] = column.length;
  }
  return { rowStart, column: Int32Array.from(column), value: Float64Array.from(value) };
}

/** The nonzero entries on and above the diagonal of a symmetric m×m matrix, as flat offsets r·m + c. */
function upperNonzeros(matrix: Float64Array, m: number): { readonly offset: Int32Array; readonly value: Float64Array } {
  const offset: number[] = [];
  const value: number[] = [];
  for (let r = 0; r < m; r++) {
    for (let c = r; c < m; c++) {
      const x = matrix[r * m + c]!;
      if (x !== 0) {
        offset.push(r * m + c);
        value.push(x);
      }
    }
  }
  return { offset: Int32Array.from(offset), value: Float64Array.from(value) };
}

export function sparseLogLikelihood(model: StateSpaceModel, observations: Float64Array): FilterSummary {
  const m = model.stateDim;
  const p = model.observationDim;
  if (model.initialDiffuseCovariance !== undefined) {
    throw new Error('sparseLogLikelihood: exact diffuse initialisation is not supported; use runKalmanFilter');
  }
  if (observations.length % p !== 0) {
    throw new Error(`sparseLogLikelihood: ${observations.length} observations is not a multiple of p = ${p}`);
  }
  const n = observations.length / p;
  const a = Float64Array.from(model.initialState);
  const P = Float64Array.from(model.initialCovariance);
  const next = new Float64Array(m);
  const gain = new Float64Array(m);
  /** W = T P, m×m */
  const W = new Float64Array(m * m);

  let transitionSource: Float64Array | null = null;
  let T: SparseRows | null = null;
  let designSource: Float64Array | null = null;
  let Z: SparseRows | null = null;
  let covarianceSource: Float64Array | null = null;
  let Q: { readonly offset: Int32Array; readonly value: Float64Array } | null = null;

  let logLikelihood = 0;
  let observedCount = 0;
  for (let t = 0; t < n; t++) {
    const system = model.systemAt(t);
    if (system.design !== designSource) {
      designSource = system.design;
      Z = sparseRows(designSource, p, m);
    }
    const { rowStart: zStart, column: zColumn, value: zValue } = Z!;
    const intercept = system.observationIntercept;
    const variance = system.observationVariance;
    for (let i = 0; i < p; i++) {
      const y = observations[t * p + i]!;
      if (y !== y) continue;
      observedCount++;
      const from = zStart[i]!;
      const to = zStart[i + 1]!;
      let forecast = intercept[i]!;
      for (let k = from; k < to; k++) forecast += zValue[k]! * a[zColumn[k]!]!;
      // M = P z (P symmetric: row j of P is its column j), F = z'M + h
      gain.fill(0);
      for (let k = from; k < to; k++) {
        const row = zColumn[k]! * m;
        const coefficient = zValue[k]!;
        for (let r = 0; r < m; r++) gain[r] = gain[r]! + coefficient * P[row + r]!;
      }
      let f = variance[i]!;
      for (let k = from; k < to; k++) f += zValue[k]! * gain[zColumn[k]!]!;
      const v = y - forecast;
      const fInv = 1 / f;
      for (let r = 0; r < m; r++) a[r] = a[r]! + gain[r]! * v * fInv;
      for (let r = 0; r < m; r++) {
        const gr = gain[r]! * fInv;
        for (let c = r; c < m; c++) {
          const value = P[r * m + c]! - gr * gain[c]!;
          P[r * m + c] = value;
          P[c * m + r] = value;
        }
      }
      logLikelihood -= 0.5 * (LOG_2PI + Math.log(f) + v * v * fInv);
    }
    if (t + 1 === n) break;

    // a ← c + T a, P ← T P T' + Q
    if (system.transition !== transitionSource) {
      transitionSource = system.transition;
      T = sparseRows(transitionSource, m, m);
    }
    if (system.stateCovariance !== covarianceSource) {
      covarianceSource = system.stateCovariance;
      Q = upperNonzeros(covarianceSource, m);
    }
    const { rowStart, column, value } = T!;
    const c0 = system.stateIntercept;
    for (let r = 0; r < m; r++) {
      let sum = c0[r]!;
      for (let k = rowStart[r]!; k < rowStart[r + 1]!; k++) sum += value[k]! * a[column[k]!]!;
      next[r] = sum;
    }
    a.set(next);
    W.fill(0);
    for (let r = 0; r < m; r++) {
      const wRow = r * m;
      for (let k = rowStart[r]!; k < rowStart[r + 1]!; k++) {
        const pRow = column[k]! * m;
        const tk = value[k]!;
        for (let c = 0; c < m; c++) W[wRow + c] = W[wRow + c]! + tk * P[pRow + c]!;
      }
    }
    for (let r = 0; r < m; r++) {
      const wRow = r * m;
      for (let c = r; c < m; c++) {
        let sum = 0;
        for (let k = rowStart[c]!; k < rowStart[c + 1]!; k++) sum += W[wRow + column[k]!]! * value[k]!;
        P[r * m + c] = sum;
        P[c * m + r] = sum;
      }
    }
    const { offset, value: qValue } = Q!;
    for (let k = 0; k < offset.length; k++) {
      const o = offset[k]!;
      const r = (o / m) | 0;
      const c = o - r * m;
      const x = P[o]! + qValue[k]!;
      P[o] = x;
      P[c * m + r] = x;
    }
  }
  return { logLikelihood, observedCount };
}
