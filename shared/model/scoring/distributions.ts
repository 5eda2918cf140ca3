/**
 * Predictive distributions in the form the scores need: a point forecast for each point score, the CDF,
 * quantiles and the exact CRPS. Two families cover CareTwin's forecasters: a mixture of log-normals with
 * a common location (the twin's log-scale Gaussian forecast, recalibrated) and a scaled empirical
 * distribution (a baseline's point forecast times its past forecast-error ratios).
 */
import { crpsLogNormalScaleMixture } from './crps.js';
import { standardNormalCdf, standardNormalDensity, standardNormalQuantile } from './normal.js';

export interface PredictiveDistribution {
  /** Scored by squared error (RMSE): the predictive mean, or a baseline's own point forecast. */
  readonly squaredErrorPoint: number;
  /** Scored by absolute error (MAE): the predictive median, or a baseline's own point forecast. */
  readonly absoluteErrorPoint: number;
  /** P(X <= x) */
  cdf(x: number): number;
  /** Probability integral transform of an outcome; for an atom at y, the midpoint of its CDF jump. */
  pit(y: number): number;
  /** The generalised inverse inf{x : F(x) >= p} for p in (0, 1). */
  quantile(p: number): number;
  crps(y: number): number;
}

/**
 * Σ_c w_c LN(logLocation, (logScale·s_c)²): a log-normal whose log-scale error is a zero-mean scale
 * mixture of normals (heavier tails than one normal when the s_c differ).
 */
export class LogNormalScaleMixture implements PredictiveDistribution {
  readonly squaredErrorPoint: number;
  readonly absoluteErrorPoint: number;

  /** `weights` and `scaleFactors` are shared between forecasts, never copied or modified. */
  constructor(
    readonly logLocation: number,
    readonly logScale: number,
    readonly weights: Float64Array,
    readonly scaleFactors: Float64Array,
  ) {
    let mean = 0;
    for (let c = 0; c < weights.length; c++) mean += weights[c]! * Math.exp(logLocation + 0.5 * (scaleFactors[c]! * logScale) ** 2);
    this.squaredErrorPoint = mean;
    // Every component is symmetric about the common location, so the mixture's median is exp(location).
    this.absoluteErrorPoint = Math.exp(logLocation);
  }

  cdf(x: number): number {
    if (!(x > 0)) return 0;
    return this.logCdf(Math.log(x));
  }

  pit(y: number): number {
    return this.cdf(y);
  }

  quantile(p: number): number {
    if (!(p > 0 && p < 1)) return p === 0 ? 0 : p === 1 ? Number.POSITIVE_INFINITY : Number.NaN;
    const k = this.weights.length;
    const zp = standardNormalQuantile(p);
    if (k === 1) return Math.exp(this.logLocation + this.logScale * this.scaleFactors[0]! * zp);
    // Each component's p-quantile brackets the mixture's: at the smallest the mixture CDF is <= p, at the
    // largest >= p. Newton from the middle, falling back to bisection when a step leaves the bracket.
    let low = Number.POSITIVE_INFINITY;
    let high = Number.NEGATIVE_INFINITY;
    for (let c = 0; c < k; c++) {
      const q = this.logLocation + this.logScale * this.scaleFactors[c]! * zp;
      low = Math.min(low, q);
      high = Math.max(high, q);
    }
    let z = 0.5 * (low + high);
    for (let iteration = 0; iteration < 60 && high - low > 1e-13 * Math.max(1, Math.abs(z)); iteration++) {
      const excess = this.logCdf(z) - p;
      if (excess === 0) break;
      if (excess > 0) high = z;
      else low = z;
      const step = excess / this.logDensity(z);
      // Converged: stop here, before a step that rounds onto the bracket's edge could trigger a bisection.
      if (Math.abs(step) < 1e-14 * Math.max(1, Math.abs(z))) {
        z -= step;
        break;
      }
      const next = z - step;
      z = next > low && next < high ? next : 0.5 * (low + high);
    }
    return Math.exp(z);
  }

  crps(y: number): number {
    return crpsLogNormalScaleMixture(y, this.logLocation, this.logScale, this.weights, this.scaleFactors);
  }

  private logCdf(z: number): number {
    let value = 0;
    for (let c = 0; c < this.weights.length; c++) {
      value += this.weights[c]! * standardNormalCdf((z - this.logLocation) / (this.logScale * this.scaleFactors[c]!));
    }
    return value;
  }

  private logDensity(z: number): number {
    let value = 0;
    for (let c = 0; c < this.weights.length; c++) {
      const sd = this.logScale * this.scaleFactors[c]!;
      value += (this.weights[c]! * standardNormalDensity((z - this.logLocation) / sd)) / sd;
    }
    return value;
  }
}

/**
 * A sorted sample of positive ratios (outcome / point forecast, from past forecasts), prepared once so
 * that every forecast scaled from it gets its CDF, quantiles and exact CRPS in O(log n).
 */
export class RatioSample {
  readonly sorted: Float64Array;
  /** prefix[i] = sorted[0] + … + sorted[i−1] */
  private readonly prefix: Float64Array;
  /** ½E|R − R'| of the sample, (1/n²) Σ_i (2i − n − 1) r_(i) */
  readonly halfMeanAbsoluteDifference: number;

  constructor(ratios: ArrayLike<number>) {
    if (ratios.length === 0) throw new Error('RatioSample: needs at least one ratio');
    this.sorted = Float64Array.from(ratios).sort();
    const n = this.sorted.length;
    this.prefix = new Float64Array(n + 1);
    let spread = 0;
    for (let i = 0; i < n; i++) {
      this.prefix[i + 1] = this.prefix[i]! + this.sorted[i]!;
      spread += (2 * (i + 1) - n - 1) * this.sorted[i]!;
    }
    this.halfMeanAbsoluteDifference = spread / (n * n);
  }

  get size(): number {
    return this.sorted.length;
  }

  /** Number of ratios <= r (strict: < r) */
  countAtMost(r: number, strict = false): number {
    let low = 0;
    let high = this.sorted.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      const value = this.sorted[mid]!;
      if (strict ? value < r : value <= r) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  /** Σ over the first `count` sorted ratios */
  sumOfSmallest(count: number): number {
    return this.prefix[count]!;
  }
}

/** The empirical distribution of point·r over a RatioSample: a baseline's band from its own past errors. */
export class ScaledEmpiricalDistribution implements PredictiveDistribution {
  readonly squaredErrorPoint: number;
  readonly absoluteErrorPoint: number;

  constructor(
    readonly pointForecast: number,
    private readonly sample: RatioSample,
  ) {
    this.squaredErrorPoint = pointForecast;
    this.absoluteErrorPoint = pointForecast;
  }

  cdf(x: number): number {
    return this.sample.countAtMost(x / this.pointForecast) / this.sample.size;
  }

  pit(y: number): number {
    const r = y / this.pointForecast;
    return (this.sample.countAtMost(r, true) + this.sample.countAtMost(r)) / (2 * this.sample.size);
  }

  quantile(p: number): number {
    const n = this.sample.size;
    const index = Math.min(n - 1, Math.max(0, Math.ceil(p * n) - 1));
    return this.pointForecast * this.sample.sorted[index]!;
  }

  crps(y: number): number {
    const n = this.sample.size;
    const r = y / this.pointForecast;
    const below = this.sample.countAtMost(r);
    const sumBelow = this.sample.sumOfSmallest(below);
    const sumAll = this.sample.sumOfSmallest(n);
    // E|X − y| over the members x_i = point·r_i, split at y.
    const expectedAbsoluteError = (y * below - this.pointForecast * sumBelow + this.pointForecast * (sumAll - sumBelow) - y * (n - below)) / n;
    return expectedAbsoluteError - this.pointForecast * this.sample.halfMeanAbsoluteDifference;
  }
}
