/**
 * The forecasting protocol every forecaster (the twin and the baselines) follows, so that all are scored
 * on the same origins and none sees the future:
 * - no forecasts during the burn-in (the first 24 h of each subject by default);
 * - after it, time is cut into refit blocks [T_k, T_k + refit interval), T_0 = first reading + burn-in;
 *   whatever a forecaster learns (hyperparameters, bands) for block k uses readings before T_k only;
 * - a forecast from origin reading i uses readings up to and including i, and that block's learning.
 * So removing readings after an origin cannot change its forecast.
 */

export interface ForecastProtocol {
  /** forecast horizons (min after the origin reading) */
  readonly horizonsMin: readonly number[];
  readonly burnInMin: number;
  readonly refitIntervalMin: number;
  /** an outcome for horizon h is the reading nearest origin + h, if within ± this (min) */
  readonly targetToleranceMin: number;
}

/** 24 h burn-in, daily refits, outcomes within half a 5-min CGM cycle. */
export const DEFAULT_PROTOCOL: ForecastProtocol = {
  horizonsMin: [30, 60],
  burnInMin: 24 * 60,
  refitIntervalMin: 24 * 60,
  targetToleranceMin: 2.5,
};

export interface RefitBlock {
  /** T_k: learning for this block uses readings with time < startMin, i.e. indices < firstIndex */
  readonly startMin: number;
  /** first origin reading of the block */
  readonly firstIndex: number;
  /** one past the last reading of the block */
  readonly endIndex: number;
}

/** The blocks that hold at least one origin, in time order. `timeMin` must be sorted. */
export function refitBlocks(timeMin: ArrayLike<number>, protocol: ForecastProtocol): RefitBlock[] {
  const n = timeMin.length;
  const blocks: RefitBlock[] = [];
  if (n === 0) return blocks;
  const firstBlockMin = timeMin[0]! + protocol.burnInMin;
  let index = lowerBound(timeMin, firstBlockMin);
  while (index < n) {
    // Blocks with no readings (a long gap) are skipped: their T_k would see the same data as the next.
    const k = Math.floor((timeMin[index]! - firstBlockMin) / protocol.refitIntervalMin);
    const startMin = firstBlockMin + k * protocol.refitIntervalMin;
    const endIndex = lowerBound(timeMin, startMin + protocol.refitIntervalMin);
    blocks.push({ startMin, firstIndex: index, endIndex });
    index = endIndex;
  }
  return blocks;
}

/** First index whose time is >= value. */
export function lowerBound(sortedTimes: ArrayLike<number>, value: number): number {
  let low = 0;
  let high = sortedTimes.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (sortedTimes[mid]! < value) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** Index of the reading nearest `targetMin` within ± tolerance (the earlier one on a tie), or −1. */
export function nearestReading(sortedTimes: ArrayLike<number>, targetMin: number, toleranceMin: number): number {
  const after = lowerBound(sortedTimes, targetMin);
  let best = -1;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of [after - 1, after]) {
    if (candidate < 0 || candidate >= sortedTimes.length) continue;
    const distance = Math.abs(sortedTimes[candidate]! - targetMin);
    if (distance <= toleranceMin && distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}
