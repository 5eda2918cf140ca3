/**
 * The GlucoBench metrics (Sergazinov et al., ICLR 2024), as ../shared/data/PROVENANCE.md defines them, so
 * CareTwin's numbers can sit beside glucobench-results.csv:
 * - "RMSE" = √(median over test windows of the window's MSE over its 12 steps), and likewise the median MAE;
 * - calibration error = Σ_{p ∈ {0, 0.1, …, 1}} (share of outcomes below the predicted p-quantile − p)²,
 *   averaged over the 12 steps.
 * "Below the p-quantile" is F(y) < p, which is y < F⁻¹(p) for the generalised inverse (exact for atoms too).
 * Their windows are their own (fixed test splits, interpolated short gaps); ours are every origin whose 12
 * targets were all observed, so the numbers compare in kind, not window for window.
 */
import { type PredictiveDistribution } from './distributions.js';

export const GLUCOBENCH_STEPS = 12;
export const GLUCOBENCH_STEP_MIN = 5;
const CALIBRATION_LEVELS = Array.from({ length: 11 }, (_, i) => i / 10);

export interface GlucoBenchScores {
  readonly windows: number;
  readonly medianMse: number;
  readonly medianMae: number;
  /** √ medianMse: the "RMSE" column of GlucoBench's table 1 */
  readonly rmse: number;
  readonly calibrationError: number;
}

export class GlucoBenchAccumulator {
  private readonly windowMse: number[] = [];
  private readonly windowMae: number[] = [];
  /** below[step × 11 + level]: outcomes with F(y) < p */
  private readonly below = new Float64Array(GLUCOBENCH_STEPS * CALIBRATION_LEVELS.length);

  /** One window: the forecasts for steps 1…12 (5, 10, …, 60 min) and what was observed. */
  addWindow(forecasts: readonly PredictiveDistribution[], observed: ArrayLike<number>): void {
    if (forecasts.length !== GLUCOBENCH_STEPS || observed.length !== GLUCOBENCH_STEPS) {
      throw new Error(`GlucoBenchAccumulator: a window has ${GLUCOBENCH_STEPS} steps`);
    }
    let squared = 0;
    let absolute = 0;
    for (let step = 0; step < GLUCOBENCH_STEPS; step++) {
      const forecast = forecasts[step]!;
      const y = observed[step]!;
      squared += (y - forecast.squaredErrorPoint) ** 2;
      absolute += Math.abs(y - forecast.absoluteErrorPoint);
      const probability = forecast.cdf(y);
      for (let level = 0; level < CALIBRATION_LEVELS.length; level++) {
        if (probability < CALIBRATION_LEVELS[level]!) this.below[step * CALIBRATION_LEVELS.length + level]! += 1;
      }
    }
    this.windowMse.push(squared / GLUCOBENCH_STEPS);
    this.windowMae.push(absolute / GLUCOBENCH_STEPS);
  }

  summary(): GlucoBenchScores {
    const n = this.windowMse.length;
    if (n === 0) return { windows: 0, medianMse: 0, medianMae: 0, rmse: 0, calibrationError: 0 };
    let calibration = 0;
    for (let step = 0; step < GLUCOBENCH_STEPS; step++) {
      for (let level = 0; level < CALIBRATION_LEVELS.length; level++) {
        const share = this.below[step * CALIBRATION_LEVELS.length + level]! / n;
        calibration += (share - CALIBRATION_LEVELS[level]!) ** 2;
      }
    }
    const medianMse = median(this.windowMse);
    return {
      windows: n,
      medianMse,
      medianMae: median(this.windowMae),
      rmse: Math.sqrt(medianMse),
      calibrationError: calibration / GLUCOBENCH_STEPS,
    };
  }
}

/** The usual median: the middle value, or the mean of the two middle values. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : 0.5 * (sorted[mid - 1]! + sorted[mid]!);
}
