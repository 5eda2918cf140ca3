/**
 * Small numerical helpers the projections need: the standard normal CDF (for band edges and the
 * Gaussian within-day shape), central-interval z values, a seeded generator so that sampled bands
 * are deterministic, and empirical quantiles.
 */

/** z of the central 80 % and 95 % normal intervals: Φ⁻¹(0.9) and Φ⁻¹(0.975). */
export const Z_CENTRAL_80 = 1.2815515655446004;
export const Z_CENTRAL_95 = 1.959963984540054;

// Chebyshev coefficients of erfc(z)·e^{z²} on z >= 0 in the variable t = 2/(2+z) (Numerical Recipes,
// 3rd ed., §6.2.2): relative error about 1.2e-16 everywhere, so tail probabilities keep full precision.
const ERFC_CHEBYSHEV = [
  -1.3026537197817094, 6.419697923564902e-1, 1.9476473204185836e-2, -9.561514786808631e-3, -9.46595344482036e-4,
  3.66839497852761e-4, 4.2523324806907e-5, -2.0278578112534e-5, -1.624290004647e-6, 1.30365583558e-6,
  1.5626441722e-8, -8.5238095915e-8, 6.529054439e-9, 5.059343495e-9, -9.91364156e-10, -2.27365122e-10,
  9.6467911e-11, 2.394038e-12, -6.886027e-12, 8.94487e-13, 3.13092e-13, -1.12708e-13, 3.81e-16, 7.106e-15,
  -1.523e-15, -9.4e-17, 1.21e-16, -2.8e-17,
] as const;

function erfcNonNegative(z: number): number {
  const t = 2 / (2 + z);
  const ty = 4 * t - 2;
  let d = 0;
  let dd = 0;
  for (let j = ERFC_CHEBYSHEV.length - 1; j > 0; j--) {
    const previous = d;
    d = ty * d - dd + ERFC_CHEBYSHEV[j]!;
    dd = previous;
  }
  return t * Math.exp(-z * z + 0.5 * (ERFC_CHEBYSHEV[0] + ty * d) - dd);
}

/** Complementary error function. */
export function erfc(x: number): number {
  return x >= 0 ? erfcNonNegative(x) : 2 - erfcNonNegative(-x);
}

/** Standard normal CDF Φ(x), accurate in both tails. */
export function normalCdf(x: number): number {
  return 0.5 * erfc(-x / Math.SQRT2);
}

/**
 * A seeded stream of uniforms (mulberry32) and standard normals (Marsaglia's polar method). Sampled
 * bands must be the same on every run and every machine, so nothing here touches Math.random.
 */
export class SeededGenerator {
  private state: number;
  private spareNormal = Number.NaN;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform on [0, 1). */
  uniform(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  normal(): number {
    if (!Number.isNaN(this.spareNormal)) {
      const z = this.spareNormal;
      this.spareNormal = Number.NaN;
      return z;
    }
    let u: number;
    let v: number;
    let s: number;
    do {
      u = 2 * this.uniform() - 1;
      v = 2 * this.uniform() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const scale = Math.sqrt((-2 * Math.log(s)) / s);
    this.spareNormal = v * scale;
    return u * scale;
  }

  /** Exponential with mean 1: the Gamma(1) draws behind Dirichlet(1, …, 1) weights. */
  exponential(): number {
    return -Math.log(1 - this.uniform());
  }

  /** Gamma(shape, 1): Marsaglia & Tsang (2000), boosted by U^{1/shape} for shape < 1. */
  gamma(shape: number): number {
    if (!(shape > 0)) throw new Error(`gamma: shape must be positive, got ${shape}`);
    if (shape < 1) return this.gamma(shape + 1) * Math.pow(1 - this.uniform(), 1 / shape);
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      let x: number;
      let v: number;
      do {
        x = this.normal();
        v = 1 + c * x;
      } while (v <= 0);
      v = v * v * v;
      const u = 1 - this.uniform();
      if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
    }
  }

  /** Beta(alpha, beta) as a ratio of gammas. */
  beta(alpha: number, beta: number): number {
    const x = this.gamma(alpha);
    return x / (x + this.gamma(beta));
  }
}

/** Quantile of already sorted values (linear interpolation between order statistics, R type 7). */
export function quantileOfSorted(sorted: ArrayLike<number>, probability: number): number {
  const n = sorted.length;
  if (n === 0) throw new Error('quantileOfSorted: no values');
  const position = (n - 1) * Math.min(1, Math.max(0, probability));
  const below = Math.floor(position);
  const above = Math.min(n - 1, below + 1);
  const fraction = position - below;
  return sorted[below]! + fraction * (sorted[above]! - sorted[below]!);
}

/**
 * Puts the order statistics a quantile at probability p <= lowerTail or p >= upperTail reads (through
 * `quantileOfSorted`) where a full sort would: afterwards values[0 … a] and values[b … n−1] are the a + 1
 * smallest and the n − b largest in ascending order (a, b the ranks next to those probabilities); the middle is
 * left unordered. Two selections and two short sorts instead of a sort of everything: a band's four edges
 * come out bit for bit as from the sorted array.
 */
export function sortTails(values: Float64Array, lowerTail: number, upperTail: number): void {
  const n = values.length;
  const a = Math.min(n - 1, Math.floor((n - 1) * lowerTail) + 1);
  const b = Math.max(0, Math.floor((n - 1) * upperTail));
  if (n < 64 || a + 1 >= b) {
    values.sort();
    return;
  }
  select(values, a, 0, n - 1);
  select(values, b, a + 1, n - 1);
  values.subarray(0, a + 1).sort();
  values.subarray(b).sort();
}

/** Hoare's selection: values[k] becomes the k-th smallest of values[lo … hi], smaller ones before it, larger after. */
function select(values: Float64Array, k: number, lo: number, hi: number): void {
  while (hi > lo) {
    // Median of three as the pivot, moved to values[lo].
    const mid = (lo + hi) >>> 1;
    if (values[mid]! < values[lo]!) swap(values, mid, lo);
    if (values[hi]! < values[lo]!) swap(values, hi, lo);
    if (values[hi]! < values[mid]!) swap(values, hi, mid);
    swap(values, lo, mid);
    const pivot = values[lo]!;
    let i = lo;
    let j = hi + 1;
    for (;;) {
      do i++;
      while (i <= hi && values[i]! < pivot);
      do j--;
      while (values[j]! > pivot);
      if (i >= j) break;
      swap(values, i, j);
    }
    swap(values, lo, j);
    if (j === k) return;
    if (j < k) lo = j + 1;
    else hi = j - 1;
  }
}

function swap(values: Float64Array, i: number, j: number): void {
  const t = values[i]!;
  values[i] = values[j]!;
  values[j] = t;
}

/**
 * Lower-triangular L with L L' = P for a positive semi-definite P: states known exactly (a medication
 * effect before any dose change) have zero variance, where a plain Cholesky would divide by zero.
 */
export function semidefiniteCholesky(P: Float64Array, m: number): Float64Array {
  const L = new Float64Array(m * m);
  for (let j = 0; j < m; j++) {
    let diagonal = P[j * m + j]!;
    for (let k = 0; k < j; k++) diagonal -= L[j * m + k]! ** 2;
    if (!(diagonal > 1e-12 * Math.max(1, Math.abs(P[j * m + j]!)))) continue;
    const pivot = Math.sqrt(diagonal);
    L[j * m + j] = pivot;
    for (let i = j + 1; i < m; i++) {
      let s = P[i * m + j]!;
      for (let k = 0; k < j; k++) s -= L[i * m + k]! * L[j * m + k]!;
      L[i * m + j] = s / pivot;
    }
  }
  return L;
}
