/**
 * One-sided CUSUM on standardised scores (MODEL-NOTES §1.10): S_t = max(0, S_{t−1} + z_t − k), an alarm
 * when S_t > h, after which S starts again from 0 so that a persisting shift alarms again only after it
 * has accumulated anew. k = 0.5 is tuned to a 1-SD shift; for N(0,1) scores h = 4 gives an in-control
 * run length of about 168 days and h = 5 about 465. Days without a score (NaN) leave S unchanged.
 */

export interface CusumTrack {
  /** S_t after day t (0 on the day of an alarm: the reset). */
  readonly statistic: Float64Array;
  /** The value S_t reached on the day, before any reset: what crossed h on an alarm day. */
  readonly peak: Float64Array;
  /** 1 on the days S crossed h. */
  readonly alarm: Uint8Array;
  /** First day of the run that S_t belongs to (the day after S last sat at 0); −1 while S = 0. */
  readonly runStart: Int32Array;
}

export function runCusum(scores: ArrayLike<number>, reference: number, threshold: number): CusumTrack {
  const n = scores.length;
  const statistic = new Float64Array(n);
  const peak = new Float64Array(n);
  const alarm = new Uint8Array(n);
  const runStart = new Int32Array(n).fill(-1);
  let s = 0;
  let start = -1;
  for (let t = 0; t < n; t++) {
    const z = scores[t]!;
    if (!Number.isNaN(z)) {
      s = Math.max(0, s + z - reference);
      if (s === 0) start = -1;
      else if (start < 0) start = t;
    }
    peak[t] = s;
    runStart[t] = start;
    if (s > threshold) {
      alarm[t] = 1;
      s = 0;
      start = -1;
    }
    statistic[t] = s;
  }
  return { statistic, peak, alarm, runStart };
}
