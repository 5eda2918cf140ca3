/**
 * What the triage panel says about one patient, computed from plain arrays (no store): CGM metrics and the
 * TIDE category of a period, the same category from the twin's projection, heart-failure congestion risk and
 * the 7-day weight change, daily means for sparklines. panel-service.ts reads the store and calls these.
 *
 * TIDE categories (Tidepool's TIDE dashboard; targets of Battelino et al., Diabetes Care 2019), first match wins:
 *   not enough data  CGM wear < 70 % of the period
 *   very low         time < 54 mg/dL  > 1 %
 *   low              time < 70 mg/dL  > 4 %   (includes the time < 54)
 *   very high        time > 250 mg/dL > 5 %
 *   high             time > 180 mg/dL > 25 %  (includes the time > 250)
 *   meeting targets  otherwise
 * Thresholds are strict: exactly 1 % below 54 mg/dL is not "very low".
 */
import { typicalIntervalMinutes } from '../alerts/model-free.js';

const MINUTE_MS = 60_000;
export const DAY_MS = 86_400_000;

export const TIDE_CATEGORIES = ['very-low', 'low', 'very-high', 'high', 'meeting-targets', 'not-enough-data'] as const;
export type TideCategory = (typeof TIDE_CATEGORIES)[number];

export const TIDE_THRESHOLDS = {
  minimumWear: 0.7,
  veryLow: 0.01,
  low: 0.04,
  veryHigh: 0.05,
  high: 0.25,
} as const;

/** Shares of time (0-1) in the glucose ranges; `low` includes `veryLow`, `high` includes `veryHigh`. */
export interface RangeShares {
  readonly veryLow: number;
  readonly low: number;
  readonly inRange: number;
  readonly high: number;
  /** null when it is not known (the twin projects no time above 250 mg/dL). */
  readonly veryHigh: number | null;
}

export interface GlucoseStats extends RangeShares {
  readonly veryHigh: number;
  readonly readings: number;
  /** iglu's active_percent over the period, 0-1 (see alerts/model-free.ts). */
  readonly wear: number;
  readonly intervalMinutes: number;
  readonly meanMgDl: number | null;
  /** Glucose management indicator, % (Bergenstal et al. 2018: 3.31 + 0.02392 x mean mg/dL). */
  readonly gmiPct: number | null;
  readonly category: TideCategory;
}

export function gmiPct(meanMgDl: number): number {
  return 3.31 + 0.02392 * meanMgDl;
}

/** The TIDE category of a period's range shares (wear 0-1; null wear: not judged on wear). */
export function tideCategory(shares: RangeShares, wear: number | null): TideCategory {
  if (wear !== null && wear < TIDE_THRESHOLDS.minimumWear) return 'not-enough-data';
  if (shares.veryLow > TIDE_THRESHOLDS.veryLow) return 'very-low';
  if (shares.low > TIDE_THRESHOLDS.low) return 'low';
  if (shares.veryHigh !== null && shares.veryHigh > TIDE_THRESHOLDS.veryHigh) return 'very-high';
  if (shares.high > TIDE_THRESHOLDS.high) return 'high';
  return 'meeting-targets';
}

/**
 * CGM metrics over [fromMs, toMs): range shares of the readings in it, wear as slots of the readings' own
 * interval holding a reading, mean and GMI. `tMs` sorted ascending (as the store returns it).
 */
export function glucoseStats(tMs: Float64Array, values: Float64Array, fromMs: number, toMs: number): GlucoseStats {
  const intervalMinutes = typicalIntervalMinutes(tMs);
  const slotMs = intervalMinutes * MINUTE_MS;
  const expectedSlots = Math.max(1, Math.floor((toMs - fromMs) / slotMs));
  let n = 0;
  let sum = 0;
  let below54 = 0;
  let below70 = 0;
  let above180 = 0;
  let above250 = 0;
  let slots = 0;
  let lastSlot = -1;
  for (let i = 0; i < tMs.length; i++) {
    const t = tMs[i]!;
    if (t < fromMs || t >= toMs) continue;
    const v = values[i]!;
    if (!Number.isFinite(v)) continue;
    n++;
    sum += v;
    if (v < 54) below54++;
    if (v < 70) below70++;
    if (v > 180) above180++;
    if (v > 250) above250++;
    const slot = Math.floor((t - fromMs) / slotMs);
    if (slot !== lastSlot && slot < expectedSlots) {
      slots++;
      lastSlot = slot;
    }
  }
  const share = (k: number) => (n === 0 ? 0 : k / n);
  const wear = slots / expectedSlots;
  const shares = {
    veryLow: share(below54),
    low: share(below70),
    inRange: share(n - below70 - above180),
    high: share(above180),
    veryHigh: share(above250),
  };
  const meanMgDl = n === 0 ? null : sum / n;
  return {
    ...shares,
    readings: n,
    wear,
    intervalMinutes,
    meanMgDl,
    gmiPct: meanMgDl === null ? null : gmiPct(meanMgDl),
    category: n === 0 ? 'not-enough-data' : tideCategory(shares, wear),
  };
}

/** Mean value per UTC day over `days` days starting on `firstDay` (null for a day without readings). */
export function dailyMeans(tMs: Float64Array, values: Float64Array, firstDay: number, days: number): (number | null)[] {
  const sums = new Float64Array(days);
  const counts = new Uint32Array(days);
  for (let i = 0; i < tMs.length; i++) {
    const d = Math.floor(tMs[i]! / DAY_MS) - firstDay;
    const v = values[i]!;
    if (d < 0 || d >= days || !Number.isFinite(v)) continue;
    sums[d]! += v;
    counts[d]!++;
  }
  return Array.from(sums, (s, i) => (counts[i]! === 0 ? null : s / counts[i]!));
}

export interface ProjectionWindow {
  readonly lengthDays: number;
  readonly timeInRange: BandLike;
  readonly timeBelow70: BandLike;
  readonly timeBelow54: BandLike;
  readonly gmiPct: BandLike;
}
export interface BandLike {
  readonly mean: number | null;
  readonly lower80: number | null;
  readonly upper80: number | null;
  readonly lower95: number | null;
  readonly upper95: number | null;
}

export interface ProjectedGlucose {
  readonly lengthDays: number;
  /** The projection's category: the twin projects no time above 250 mg/dL, so "very high" is never projected. */
  readonly category: TideCategory;
  readonly timeInRange: BandLike;
  readonly timeBelow70: BandLike;
  readonly timeBelow54: BandLike;
  /** 1 - time in range - time below 70, from the projection's means. */
  readonly timeAbove180: number | null;
  readonly gmiPct: BandLike;
}

/** The TIDE category of the twin's projection window closest in length to the period (null: no usable window). */
export function projectedGlucose(windows: readonly ProjectionWindow[], periodDays: number): ProjectedGlucose | null {
  let best: ProjectionWindow | undefined;
  for (const w of windows) if (best === undefined || Math.abs(w.lengthDays - periodDays) < Math.abs(best.lengthDays - periodDays)) best = w;
  if (best === undefined) return null;
  const tir = best.timeInRange.mean;
  const b70 = best.timeBelow70.mean;
  const b54 = best.timeBelow54.mean;
  if (tir === null || b70 === null || b54 === null) return null;
  const above = Math.max(0, 1 - tir - b70);
  return {
    lengthDays: best.lengthDays,
    category: tideCategory({ veryLow: b54, low: b70, inRange: tir, high: above, veryHigh: null }, null),
    timeInRange: best.timeInRange,
    timeBelow70: best.timeBelow70,
    timeBelow54: best.timeBelow54,
    timeAbove180: above,
    gmiPct: best.gmiPct,
  };
}

/** Standard normal CDF (Abramowitz-Stegun 7.1.26 on erf; |error| < 1.5e-7). */
export function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return z >= 0 ? 0.5 * (1 + y) : 0.5 * (1 - y);
}

const Z80 = 1.2815515655446004;

export interface CongestionRisk {
  /** P(fluid excess > thresholdKg) under the twin's posterior (normal, mean and sd). */
  readonly probability: number;
  readonly thresholdKg: number;
  readonly fluidExcessKg: { readonly mean: number; readonly lower80: number; readonly upper80: number };
  /** P(fluid rate > 0 kg/day): that the fluid component is rising now. */
  readonly probabilityRising: number | null;
  readonly alertActive: boolean;
  readonly asOfDay: number;
}

export function congestionRisk(
  hf: {
    readonly lastDay: number;
    readonly alertActive: boolean;
    readonly fluidExcessKg: { readonly mean: number | null; readonly sd: number | null };
    readonly fluidRateKgPerDay: { readonly mean: number | null; readonly sd: number | null };
  },
  thresholdKg: number,
): CongestionRisk | null {
  const { mean, sd } = hf.fluidExcessKg;
  if (mean === null || sd === null || !Number.isFinite(mean) || !Number.isFinite(sd) || sd < 0) return null;
  const probability = sd === 0 ? (mean > thresholdKg ? 1 : 0) : 1 - normalCdf((thresholdKg - mean) / sd);
  const r = hf.fluidRateKgPerDay;
  const probabilityRising =
    r.mean === null || r.sd === null || !Number.isFinite(r.mean) || !Number.isFinite(r.sd) ? null : r.sd === 0 ? (r.mean > 0 ? 1 : 0) : normalCdf(r.mean / r.sd);
  return {
    probability,
    thresholdKg,
    fluidExcessKg: { mean, lower80: mean - Z80 * sd, upper80: mean + Z80 * sd },
    probabilityRising,
    alertActive: hf.alertActive,
    asOfDay: hf.lastDay,
  };
}

export interface WeightChange {
  /** Mean of the readings on the newest day with weights, kg. */
  readonly toKg: number;
  /** Mean of the readings on the newest day with weights 5-9 days before it (closest to 7 first), kg. */
  readonly fromKg: number;
  readonly changeKg: number;
  readonly toDay: number;
  readonly fromDay: number;
}

/** Weight change over about 7 days: the newest weigh-in day against the one closest to 7 days before (5-9 allowed). */
export function weightChange7d(tMs: Float64Array, values: Float64Array): WeightChange | null {
  const byDay = new Map<number, { sum: number; n: number }>();
  for (let i = 0; i < tMs.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) continue;
    const d = Math.floor(tMs[i]! / DAY_MS);
    const e = byDay.get(d) ?? { sum: 0, n: 0 };
    e.sum += v;
    e.n++;
    byDay.set(d, e);
  }
  if (byDay.size < 2) return null;
  const toDay = Math.max(...byDay.keys());
  for (const offset of [7, 6, 8, 5, 9]) {
    const from = byDay.get(toDay - offset);
    if (from === undefined) continue;
    const to = byDay.get(toDay)!;
    const toKg = to.sum / to.n;
    const fromKg = from.sum / from.n;
    return { toKg, fromKg, changeKg: toKg - fromKg, toDay, fromDay: toDay - offset };
  }
  return null;
}
