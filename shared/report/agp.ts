/**
 * The Ambulatory Glucose Profile of one patient over one period, as the international consensus defines its
 * metrics (Battelino et al., Diabetes Care 2019;42:1593; Danne et al., Diabetes Care 2017;40:1631):
 *
 * - Time in ranges, as shares of the readings: very low < 54, low 54-69, in range 70-180, high 181-250,
 *   very high > 250 mg/dL. Readings carry decimals here (mmol/L imports), so the bounds are read as
 *   v < 54, 54 <= v < 70, 70 <= v <= 180, 180 < v <= 250, v > 250.
 * - Mean glucose, SD (sample SD, n - 1) and CV = SD / mean (target <= 36 %), GMI (%) = 3.31 + 0.02392 x mean mg/dL.
 * - % time CGM active: the expected reading slots of the period (period / sensor interval) that hold at least
 *   one reading. The interval is the median spacing of the readings (5 min for Dexcom, 15 for Libre 1).
 * - Sufficiency: the consensus asks for >= 14 days with >= 70 % of the possible readings.
 * - The profile: glucose by time of day in the patient's zone (local clock, so a DST change does not shift
 *   meals by an hour), in 96 bins of 15 minutes. Each bin's 5th, 25th, 50th, 75th and 95th percentiles are
 *   taken over the readings of a one-hour window centred on it (the bin and two on each side, wrapping round
 *   midnight). Pooling neighbouring times of day is the smoothing the AGP applies: it keeps the curves from
 *   following the noise of one 15-minute bin without moving their shape, and every value drawn is still a
 *   percentile of real readings. Percentiles interpolate linearly between order statistics (R's type 7, numpy's
 *   default). A window with fewer than `minReadingsPerBin` readings gives null: the chart shows a gap.
 */
import { ZoneClock } from '../align/zone-clock.js';
import { AppError } from '../ipc/errors.js';

export const AGP_BIN_MINUTES = 15;
export const AGP_BINS = (24 * 60) / AGP_BIN_MINUTES;
/** Bins on each side pooled into a bin's percentiles: +-2 x 15 min = a one-hour window. */
export const AGP_SMOOTHING_HALF_WIDTH = 2;
export const AGP_PERCENTILES = [5, 25, 50, 75, 95] as const;
/** mg/dL bounds of the consensus ranges. */
export const RANGE_BOUNDS_MG_DL = { veryLow: 54, low: 70, high: 180, veryHigh: 250 } as const;
export const SUFFICIENT_DAYS = 14;
export const SUFFICIENT_WEAR_PCT = 70;

const MS_PER_MINUTE = 60_000;
const MS_PER_DAY = 86_400_000;
const DEFAULT_INTERVAL_MS = 5 * MS_PER_MINUTE;

export interface AgpInput {
  /** UTC epoch ms, ascending or not. */
  readonly tMs: ArrayLike<number>;
  readonly valuesMgDl: ArrayLike<number>;
  /** IANA zone whose clock the time of day is read in. */
  readonly zone: string;
  /** The period, [fromMs, toMs); readings outside it are left out. Default: first to last reading. */
  readonly fromMs?: number;
  readonly toMs?: number;
  /** The sensor's reading interval; default: the median spacing of the readings. */
  readonly intervalMs?: number;
  /** Fewest readings in a bin's window to draw its percentiles (default 5). */
  readonly minReadingsPerBin?: number;
}

export interface AgpBin {
  /** Minutes after local midnight at the bin's start. */
  readonly minute: number;
  /** Readings in the pooled one-hour window. */
  readonly n: number;
  readonly p5: number | null;
  readonly p25: number | null;
  readonly p50: number | null;
  readonly p75: number | null;
  readonly p95: number | null;
}

export interface TimeInRanges {
  /** Percent of readings, each range; they add up to 100 (when there are readings). */
  readonly veryLowPct: number;
  readonly lowPct: number;
  readonly inRangePct: number;
  readonly highPct: number;
  readonly veryHighPct: number;
}

export interface Agp {
  readonly zone: string;
  readonly fromMs: number;
  readonly toMs: number;
  /** Length of the period in days (fractional when the period is not whole days). */
  readonly periodDays: number;
  /** Local calendar days with at least one reading, of the `calendarDays` the period touches. */
  readonly daysWithData: number;
  readonly calendarDays: number;
  readonly readings: number;
  readonly intervalMinutes: number;
  /** % of the period's expected reading slots holding a reading. */
  readonly wearPct: number;
  readonly meanMgDl: number | null;
  readonly sdMgDl: number | null;
  readonly cvPct: number | null;
  readonly gmiPct: number | null;
  readonly ranges: TimeInRanges | null;
  readonly sufficiency: { readonly sufficient: boolean; readonly days: boolean; readonly wear: boolean; readonly reasons: string[] };
  readonly bins: AgpBin[];
}

/** Percentile `p` (0-100) of ascending `sorted`, interpolated between order statistics (type 7). */
export function percentileSorted(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) throw new RangeError('percentile of no values');
  const h = ((n - 1) * p) / 100;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, n - 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

export function gmiPct(meanMgDl: number): number {
  return 3.31 + 0.02392 * meanMgDl;
}

function medianSpacingMs(sortedT: Float64Array): number {
  const gaps: number[] = [];
  for (let i = 1; i < sortedT.length; i++) {
    const d = sortedT[i]! - sortedT[i - 1]!;
    if (d > 0) gaps.push(d);
  }
  if (gaps.length === 0) return DEFAULT_INTERVAL_MS;
  gaps.sort((a, b) => a - b);
  // Whole minutes: sensor clocks drift by seconds (a Dexcom G4 reads at 5:00-5:01).
  return Math.max(MS_PER_MINUTE, Math.round(percentileSorted(gaps, 50) / MS_PER_MINUTE) * MS_PER_MINUTE);
}

/** Zone offsets are probed this far apart; between two equal probes the offset is taken as constant. */
const OFFSET_PROBE_MS = 6 * 3_600_000;

/**
 * The zone's offset (local - UTC, ms) at each of the ascending instants `t`. One Intl lookup per reading costs more
 * than the rest of the AGP together (90 days of 5-min CGM: ~8,600 lookups even with ZoneClock's quarter-hour cache),
 * so the offset is looked up every 6 hours and per reading only where two probes differ: no zone changes its offset
 * twice within 6 hours.
 */
function offsetsAt(clock: ZoneClock, t: Float64Array): Float64Array {
  const out = new Float64Array(t.length);
  let k = 0;
  while (k < t.length) {
    const from = t[k]!;
    const to = from + OFFSET_PROBE_MS;
    const a = clock.offsetAt(from);
    const b = clock.offsetAt(to);
    for (; k < t.length && t[k]! < to; k++) out[k] = a === b ? a : clock.offsetAt(t[k]!);
  }
  return out;
}

function round(x: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.round(x * f) / f;
}

export function computeAgp(input: AgpInput): Agp {
  const n0 = input.tMs.length;
  if (input.valuesMgDl.length !== n0) throw new AppError('VALIDATION', 'Glucose times and values differ in length.');
  const clock = new ZoneClock(input.zone);
  const minPerBin = input.minReadingsPerBin ?? 5;

  // Readings in the period with a finite value, in time order.
  const order: number[] = [];
  for (let i = 0; i < n0; i++) {
    const t = input.tMs[i]!;
    const v = input.valuesMgDl[i]!;
    if (!Number.isFinite(t) || !Number.isFinite(v)) continue;
    if (input.fromMs !== undefined && t < input.fromMs) continue;
    if (input.toMs !== undefined && t >= input.toMs) continue;
    order.push(i);
  }
  // The store hands readings in time order: sort only when they are not.
  let ascending = true;
  for (let k = 1; k < order.length && ascending; k++) ascending = input.tMs[order[k]!]! >= input.tMs[order[k - 1]!]!;
  if (!ascending) order.sort((a, b) => input.tMs[a]! - input.tMs[b]!);
  const n = order.length;
  const t = new Float64Array(n);
  const v = new Float64Array(n);
  order.forEach((src, k) => {
    t[k] = input.tMs[src]!;
    v[k] = input.valuesMgDl[src]!;
  });

  const intervalMs = input.intervalMs ?? medianSpacingMs(t);
  const fromMs = input.fromMs ?? (n > 0 ? t[0]! : 0);
  // Without an end, the period closes one interval after the last reading (that reading's slot).
  const toMs = input.toMs ?? (n > 0 ? t[n - 1]! + intervalMs : fromMs);
  if (!(toMs > fromMs) && (input.fromMs !== undefined || input.toMs !== undefined)) {
    throw new AppError('VALIDATION', 'The report period must end after it starts.');
  }
  const periodMs = Math.max(0, toMs - fromMs);

  // Wear: expected slots holding a reading.
  const slots = Math.max(1, Math.round(periodMs / intervalMs));
  const filled = new Set<number>();
  for (let k = 0; k < n; k++) filled.add(Math.min(slots - 1, Math.floor((t[k]! - fromMs) / intervalMs)));
  const wearPct = n === 0 ? 0 : Math.min(100, (100 * filled.size) / slots);

  // Moments and ranges.
  let sum = 0;
  const counts = [0, 0, 0, 0, 0];
  for (let k = 0; k < n; k++) {
    const x = v[k]!;
    sum += x;
    if (x < RANGE_BOUNDS_MG_DL.veryLow) counts[0]!++;
    else if (x < RANGE_BOUNDS_MG_DL.low) counts[1]!++;
    else if (x <= RANGE_BOUNDS_MG_DL.high) counts[2]!++;
    else if (x <= RANGE_BOUNDS_MG_DL.veryHigh) counts[3]!++;
    else counts[4]!++;
  }
  const mean = n > 0 ? sum / n : null;
  let sd: number | null = null;
  if (mean !== null && n > 1) {
    let ss = 0;
    for (let k = 0; k < n; k++) ss += (v[k]! - mean) ** 2;
    sd = Math.sqrt(ss / (n - 1));
  }
  const pct = (c: number) => (100 * c) / n;
  const ranges: TimeInRanges | null =
    n === 0
      ? null
      : { veryLowPct: pct(counts[0]!), lowPct: pct(counts[1]!), inRangePct: pct(counts[2]!), highPct: pct(counts[3]!), veryHighPct: pct(counts[4]!) };

  const localDay = (tMs: number) => Math.floor((tMs + clock.offsetAt(tMs)) / MS_PER_DAY);
  // Local time of day and local calendar days.
  const byBin: number[][] = Array.from({ length: AGP_BINS }, () => []);
  const localDays = new Set<number>();
  const offsets = offsetsAt(clock, t);
  for (let k = 0; k < n; k++) {
    const local = t[k]! + offsets[k]!;
    localDays.add(Math.floor(local / MS_PER_DAY));
    const minuteOfDay = Math.floor((((local % MS_PER_DAY) + MS_PER_DAY) % MS_PER_DAY) / MS_PER_MINUTE);
    byBin[Math.floor(minuteOfDay / AGP_BIN_MINUTES)]!.push(v[k]!);
  }

  const bins: AgpBin[] = [];
  for (let b = 0; b < AGP_BINS; b++) {
    let size = 0;
    for (let d = -AGP_SMOOTHING_HALF_WIDTH; d <= AGP_SMOOTHING_HALF_WIDTH; d++) size += byBin[(b + d + AGP_BINS) % AGP_BINS]!.length;
    // A typed array sorts numerically without a comparator, several times faster than number[] with one.
    const pooled = new Float64Array(size);
    let at = 0;
    for (let d = -AGP_SMOOTHING_HALF_WIDTH; d <= AGP_SMOOTHING_HALF_WIDTH; d++) {
      for (const x of byBin[(b + d + AGP_BINS) % AGP_BINS]!) pooled[at++] = x;
    }
    pooled.sort();
    const enough = pooled.length >= minPerBin;
    const q = (p: number) => (enough ? round(percentileSorted(pooled, p), 1) : null);
    bins.push({ minute: b * AGP_BIN_MINUTES, n: pooled.length, p5: q(5), p25: q(25), p50: q(50), p75: q(75), p95: q(95) });
  }

  const periodDays = periodMs / MS_PER_DAY;
  const daysOk = periodDays >= SUFFICIENT_DAYS - 1e-9;
  const wearOk = wearPct >= SUFFICIENT_WEAR_PCT;
  const reasons: string[] = [];
  if (!daysOk) reasons.push(`The period covers ${round(periodDays, 1)} days; the consensus asks for at least ${SUFFICIENT_DAYS}.`);
  if (!wearOk) reasons.push(`The CGM was active ${Math.round(wearPct)} % of the time; the consensus asks for at least ${SUFFICIENT_WEAR_PCT} %.`);

  return {
    zone: clock.zone,
    fromMs,
    toMs,
    periodDays,
    daysWithData: localDays.size,
    calendarDays: periodMs === 0 ? 0 : localDay(toMs - 1) - localDay(fromMs) + 1,
    readings: n,
    intervalMinutes: intervalMs / MS_PER_MINUTE,
    wearPct,
    meanMgDl: mean,
    sdMgDl: sd,
    cvPct: mean !== null && sd !== null && mean > 0 ? (100 * sd) / mean : null,
    gmiPct: mean === null ? null : gmiPct(mean),
    ranges,
    sufficiency: { sufficient: daysOk && wearOk, days: daysOk, wear: wearOk, reasons },
    bins,
  };
}
