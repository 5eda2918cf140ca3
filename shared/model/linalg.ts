/**
 * Small dense linear algebra on row-major Float64Array matrices, sized for state-space models with a
 * handful of states (m <= ~8). Nothing here allocates inside a loop the caller runs per time step
 * unless it returns a new matrix; hot paths live in the unrolled kernels, not here.
 */

/** out = a (rows×inner) · b (inner×cols). `out` must not alias `a` or `b`. */
export function matrixMultiply(
  a: Float64Array,
  b: Float64Array,
  rows: number,
  inner: number,
  cols: number,
  out: Float64Array = new Float64Array(rows * cols),
): Float64Array {
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      let sum = 0;
      for (let k = 0; k < inner; k++) sum += a[i * inner + k]! * b[k * cols + j]!;
      out[i * cols + j] = sum;
    }
  }
  return out;
}

/** out = aᵀ for a (rows×cols). `out` must not alias `a`. */
export function matrixTranspose(
  a: Float64Array,
  rows: number,
  cols: number,
  out: Float64Array = new Float64Array(rows * cols),
): Float64Array {
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) out[j * rows + i] = a[i * cols + j]!;
  }
  return out;
}

/** Averages a square matrix with its transpose in place: rounding in P − K K'F drifts P off symmetry. */
export function symmetrise(a: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const mean = 0.5 * (a[i * n + j]! + a[j * n + i]!);
      a[i * n + j] = mean;
      a[j * n + i] = mean;
    }
  }
}

/** ‖a‖₁, the largest absolute column sum: the norm the Padé error bounds are stated in. */
export function matrixOneNorm(a: Float64Array, n: number): number {
  let norm = 0;
  for (let j = 0; j < n; j++) {
    let column = 0;
    for (let i = 0; i < n; i++) column += Math.abs(a[i * n + j]!);
    if (column > norm) norm = column;
  }
  return norm;
}

/**
 * Solves a X = b for X (n×cols) by LU decomposition with partial pivoting. Neither input is modified.
 * Throws when a pivot is exactly zero (a singular to working precision is the caller's modelling error).
 */
export function solveLinearSystem(a: Float64Array, b: Float64Array, n: number, cols: number): Float64Array {
  const lu = Float64Array.from(a);
  const x = Float64Array.from(b);
  for (let k = 0; k < n; k++) {
    let pivotRow = k;
    let pivotSize = Math.abs(lu[k * n + k]!);
    for (let i = k + 1; i < n; i++) {
      const size = Math.abs(lu[i * n + k]!);
      if (size > pivotSize) {
        pivotSize = size;
        pivotRow = i;
      }
    }
    if (pivotSize === 0) throw new Error(`solveLinearSystem: the ${n}×${n} matrix is singular`);
    if (pivotRow !== k) {
      swapRows(lu, n, k, pivotRow);
      swapRows(x, cols, k, pivotRow);
    }
    const pivot = lu[k * n + k]!;
    for (let i = k + 1; i < n; i++) {
      const factor = lu[i * n + k]! / pivot;
      if (factor === 0) continue;
      lu[i * n + k] = factor;
      for (let j = k + 1; j < n; j++) lu[i * n + j] = lu[i * n + j]! - factor * lu[k * n + j]!;
      for (let j = 0; j < cols; j++) x[i * cols + j] = x[i * cols + j]! - factor * x[k * cols + j]!;
    }
  }
  for (let k = n - 1; k >= 0; k--) {
    const pivot = lu[k * n + k]!;
    for (let j = 0; j < cols; j++) {
      let sum = x[k * cols + j]!;
      for (let i = k + 1; i < n; i++) sum -= lu[k * n + i]! * x[i * cols + j]!;
      x[k * cols + j] = sum / pivot;
    }
  }
  return x;
}

function swapRows(a: Float64Array, cols: number, r1: number, r2: number): void {
  for (let j = 0; j < cols; j++) {
    const tmp = a[r1 * cols + j]!;
    a[r1 * cols + j] = a[r2 * cols + j]!;
    a[r2 * cols + j] = tmp;
  }
}

// Higham (2005), "The scaling and squaring method for the matrix exponential revisited": the degree-13
// Padé approximant is accurate to unit roundoff once ‖A‖₁ <= θ₁₃, so scale A by 2^-s, evaluate, and
// square the result s times.
const PADE13 = [
  64764752532480000, 32382376266240000, 7771770303897600, 1187353796428800, 129060195264000, 10559470521600,
  670442572800, 33522128640, 1323241920, 40840800, 960960, 16380, 182, 1,
] as const;
const THETA13 = 5.371920351148152;

/** e^A for a square n×n matrix A (Padé 13 with scaling and squaring). */
export function matrixExponential(a: Float64Array, n: number): Float64Array {
  const norm = matrixOneNorm(a, n);
  const squarings = norm > THETA13 ? Math.max(0, Math.ceil(Math.log2(norm / THETA13))) : 0;
  const scale = 2 ** -squarings;
  const as = a.map((x) => x * scale);
  const a2 = matrixMultiply(as, as, n, n, n);
  const a4 = matrixMultiply(a2, a2, n, n, n);
  const a6 = matrixMultiply(a4, a2, n, n, n);
  const b = PADE13;
  const uInner = new Float64Array(n * n);
  const vInner = new Float64Array(n * n);
  for (let i = 0; i < n * n; i++) {
    uInner[i] = b[13] * a6[i]! + b[11] * a4[i]! + b[9] * a2[i]!;
    vInner[i] = b[12] * a6[i]! + b[10] * a4[i]! + b[8] * a2[i]!;
  }
  const uOuter = matrixMultiply(a6, uInner, n, n, n);
  const vOuter = matrixMultiply(a6, vInner, n, n, n);
  for (let i = 0; i < n * n; i++) {
    uOuter[i] = uOuter[i]! + b[7] * a6[i]! + b[5] * a4[i]! + b[3] * a2[i]!;
    vOuter[i] = vOuter[i]! + b[6] * a6[i]! + b[4] * a4[i]! + b[2] * a2[i]!;
  }
  for (let i = 0; i < n; i++) {
    uOuter[i * n + i] = uOuter[i * n + i]! + b[1];
    vOuter[i * n + i] = vOuter[i * n + i]! + b[0];
  }
  const u = matrixMultiply(as, uOuter, n, n, n);
  const denominator = new Float64Array(n * n);
  const numerator = new Float64Array(n * n);
  for (let i = 0; i < n * n; i++) {
    denominator[i] = vOuter[i]! - u[i]!;
    numerator[i] = vOuter[i]! + u[i]!;
  }
  let result = solveLinearSystem(denominator, numerator, n, n);
  for (let s = 0; s < squarings; s++) result = matrixMultiply(result, result, n, n, n);
  return result;
}
