/**
 * Pooled scores of probabilistic forecasts at one horizon (MODEL-NOTES §4.1): RMSE of the predictive mean,
 * MAE of the median, coverage of the central 80 % and 95 % intervals, their mean width and interval score,
 * CRPS, and the PIT histogram. "Pooled" means over every (subject, origin) pair alike.
 */
import { type PredictiveDistribution } from './distributions.js';

/** Interval score of the central (1 − α) interval [lower, upper] (Gneiting & Raftery 2007). */
export function intervalScore(lower: number, upper: number, observed: number, alpha: number): number {
  let score = upper - lower;
  if (observed < lower) score += (2 / alpha) * (lower - observed);
  if (observed > upper) score += (2 / alpha) * (observed - upper);
  return score;
}

export interface HorizonScores {
  readonly count: number;
  readonly rmse: number;
  readonly mae: number;
  /** mean of (observed − point), so positive = forecasts too low */
  readonly bias: number;
  /** share of outcomes inside the central 80 % interval, 0–1 */
  readonly coverage80: number;
  readonly coverage95: number;
  readonly meanWidth80: number;
  readonly meanWidth95: number;
  readonly intervalScore80: number;
  readonly intervalScore95: number;
  readonly crps: number;
  /** shares of PIT values in 10 equal bins over [0, 1]: flat when calibrated, U-shaped when bands are too narrow */
  readonly pitHistogram: number[];
}

const PIT_BINS = 10;

export class HorizonScoreAccumulator {
  private count = 0;
  private squaredError = 0;
  private absoluteError = 0;
  private error = 0;
  private covered80 = 0;
  private covered95 = 0;
  private width80 = 0;
  private width95 = 0;
  private interval80 = 0;
  private interval95 = 0;
  private crpsSum = 0;
  private readonly pitCounts = new Float64Array(PIT_BINS);

  add(forecast: PredictiveDistribution, observed: number): void {
    const q025 = forecast.quantile(0.025);
    const q10 = forecast.quantile(0.1);
    const q90 = forecast.quantile(0.9);
    const q975 = forecast.quantile(0.975);
    const error = observed - forecast.squaredErrorPoint;
    this.count++;
    this.error += error;
    this.squaredError += error * error;
    this.absoluteError += Math.abs(observed - forecast.absoluteErrorPoint);
    if (observed >= q10 && observed <= q90) this.covered80++;
    if (observed >= q025 && observed <= q975) this.covered95++;
    this.width80 += q90 - q10;
    this.width95 += q975 - q025;
    this.interval80 += intervalScore(q10, q90, observed, 0.2);
    this.interval95 += intervalScore(q025, q975, observed, 0.05);
    this.crpsSum += forecast.crps(observed);
    const bin = Math.min(PIT_BINS - 1, Math.max(0, Math.floor(forecast.pit(observed) * PIT_BINS)));
    this.pitCounts[bin] = this.pitCounts[bin]! + 1;
  }

  get size(): number {
    return this.count;
  }

  /** NaN-free: an empty accumulator reports count 0 and zeros. */
  summary(): HorizonScores {
    const n = this.count;
    const mean = (sum: number): number => (n === 0 ? 0 : sum / n);
    return {
      count: n,
      rmse: Math.sqrt(mean(this.squaredError)),
      mae: mean(this.absoluteError),
      bias: mean(this.error),
      coverage80: mean(this.covered80),
      coverage95: mean(this.covered95),
      meanWidth80: mean(this.width80),
      meanWidth95: mean(this.width95),
      intervalScore80: mean(this.interval80),
      intervalScore95: mean(this.interval95),
      crps: mean(this.crpsSum),
      pitHistogram: Array.from(this.pitCounts, (c) => mean(c)),
    };
  }
}
