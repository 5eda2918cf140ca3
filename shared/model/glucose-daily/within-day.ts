/**
 * The within-day distribution of glucose around the day's mean, which turns a projected daily mean into
 * time in range and time below range. Glucose varies multiplicatively, so a day is described by the
 * residuals r = ln(G / day mean): a future day with mean g has readings g·e^r.
 *
 * The patient's own recent well-worn CGM days form a library of such residual distributions; a
 * projected day borrows one of them at random, so that day-to-day differences in shape carry into the
 * bands. Lows are rare, discrete events, and 28 days without one do not prove the rate is zero: the
 * share of days with a low gets a Beta posterior (population prior + the library's count), and a low day
 * drawn when the library has none is a library day with the population's typical low added. Without
 * CGM an ordinary day is split-normal (right-skewed) with uncertain population SDs, plus lows at the
 * population's rate.
 */
import { normalCdf, type SeededGenerator } from './distributions.js';
import { LEVEL2_LOW_MG_DL, RANGE_HIGH_MG_DL, RANGE_LOW_MG_DL } from './formulas.js';
import { type GroupPrior } from './hyperparameters.js';
import { type DailyGlucoseInput, WITHIN_DAY_PROBABILITIES } from './types.js';

/** Consensus data sufficiency: a day with at least 70 % of its readings is a full day. */
export const FULL_DAY_WEAR = 0.7;
/** With fewer full days than this, partial days with at least PARTIAL_SHAPE_WEAR also join the library. */
const MIN_SHAPE_DAYS = 3;
const PARTIAL_SHAPE_WEAR = 0.3;
/** Enough days to represent a patient's week-to-week pattern, recent enough to be current. */
export const MAX_SHAPE_DAYS = 28;
/** A day counts as a day with a low when at least this share of it (about 15 min) is below 70 mg/dL. */
export const LOW_DAY_MIN_SHARE_BELOW_70 = 0.01;
/** A drawn low lasts at most half the day. */
const MAX_LOW_SHARE = 0.5;

const LOG_LEVEL2_LOW = Math.log(LEVEL2_LOW_MG_DL);
const LOG_RANGE_LOW = Math.log(RANGE_LOW_MG_DL);
const LOG_RANGE_HIGH = Math.log(RANGE_HIGH_MG_DL);

interface ShapeLibrary {
  readonly dayCount: number;
  /** 1 where the library day had a low. */
  readonly lowDay: Uint8Array;
  readonly lowDayCount: number;
}

export type WithinDayShape =
  | (ShapeLibrary & { readonly kind: 'patient-quantiles'; readonly quantiles: Float64Array })
  | (ShapeLibrary & { readonly kind: 'patient-log-normal'; readonly sdLog: Float64Array })
  | { readonly kind: 'population'; readonly dayCount: 0; readonly lowDayCount: 0 };

/** Shares of a day's time below 54, below 70 and above 180 mg/dL. */
export interface TimeFractions {
  below54: number;
  below70: number;
  above180: number;
}

/**
 * The most recent usable days on or before the origin (grid rows map to input rows through `inputRow`,
 * −1 = no row), newest first.
 */
export function selectWithinDayShape(input: DailyGlucoseInput, inputRow: Int32Array): WithinDayShape {
  const width = WITHIN_DAY_PROBABILITIES.length;
  const quantiles = input.residualQuantilesLog;
  const usable = (row: number): boolean =>
    quantiles ? Number.isFinite(quantiles[row * width]!) && Number.isFinite(quantiles[row * width + width - 1]!) : input.sdLogMgDl[row]! > 0;
  const pick = (minimumWear: number): number[] => {
    const rows: number[] = [];
    for (let t = inputRow.length - 1; t >= 0 && rows.length < MAX_SHAPE_DAYS; t--) {
      const row = inputRow[t]!;
      if (row < 0 || Number.isNaN(input.meanMgDl[row]!) || input.wearFraction[row]! < minimumWear || !usable(row)) continue;
      rows.push(row);
    }
    return rows;
  };
  let rows = pick(FULL_DAY_WEAR);
  if (rows.length < MIN_SHAPE_DAYS) rows = pick(PARTIAL_SHAPE_WEAR);
  if (rows.length === 0) return { kind: 'population', dayCount: 0, lowDayCount: 0 };
  const fractions: TimeFractions = { below54: 0, below70: 0, above180: 0 };
  const lowDay = new Uint8Array(rows.length);
  if (quantiles) {
    const library = new Float64Array(rows.length * width);
    rows.forEach((row, k) => {
      library.set(quantiles.subarray(row * width, (row + 1) * width), k * width);
      quantileDayFractions(library, k, input.meanMgDl[row]!, fractions);
      lowDay[k] = fractions.below70 >= LOW_DAY_MIN_SHARE_BELOW_70 ? 1 : 0;
    });
    return { kind: 'patient-quantiles', dayCount: rows.length, quantiles: library, lowDay, lowDayCount: sum(lowDay) };
  }
  const sdLog = Float64Array.from(rows, (row) => input.sdLogMgDl[row]!);
  rows.forEach((row, k) => {
    logNormalDayFractions(sdLog[k]!, input.meanMgDl[row]!, fractions);
    lowDay[k] = fractions.below70 >= LOW_DAY_MIN_SHARE_BELOW_70 ? 1 : 0;
  });
  return { kind: 'patient-log-normal', dayCount: rows.length, sdLog, lowDay, lowDayCount: sum(lowDay) };
}

function sum(flags: Uint8Array): number {
  let total = 0;
  for (const flag of flags) total += flag;
  return total;
}

/**
 * A recorded day's own time fractions (its residual distribution at its own mean); false when the day
 * has no usable within-day summary.
 */
export function recordedDayFractions(input: DailyGlucoseInput, row: number, out: TimeFractions): boolean {
  const mean = input.meanMgDl[row]!;
  if (Number.isNaN(mean)) return false;
  const width = WITHIN_DAY_PROBABILITIES.length;
  const quantiles = input.residualQuantilesLog;
  if (quantiles) {
    if (!Number.isFinite(quantiles[row * width]!)) return false;
    quantileDayFractions(quantiles, row, mean, out);
    return true;
  }
  const sdLog = input.sdLogMgDl[row]!;
  if (!(sdLog > 0)) return false;
  logNormalDayFractions(sdLog, mean, out);
  return true;
}

/** Median within-day SD of ln glucose over the full days on the grid, or null when there are none. */
export function typicalWithinDaySdLog(input: DailyGlucoseInput, inputRow: Int32Array): number | null {
  const values: number[] = [];
  for (const row of inputRow) {
    if (row < 0 || Number.isNaN(input.meanMgDl[row]!) || input.wearFraction[row]! < FULL_DAY_WEAR) continue;
    const sd = input.sdLogMgDl[row]!;
    if (sd > 0) values.push(sd);
  }
  if (values.length === 0) return null;
  values.sort((a, b) => a - b);
  const middle = values.length >> 1;
  return values.length % 2 === 1 ? values[middle]! : 0.5 * (values[middle - 1]! + values[middle]!);
}

/** CDF of one day's residual distribution at x, linear between the stored quantiles. */
function residualCdf(quantiles: Float64Array, offset: number, x: number): number {
  const width = WITHIN_DAY_PROBABILITIES.length;
  if (x < quantiles[offset]!) return 0;
  if (x >= quantiles[offset + width - 1]!) return 1;
  let lo = 0;
  let hi = width - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (quantiles[offset + mid]! <= x) lo = mid;
    else hi = mid;
  }
  const qLo = quantiles[offset + lo]!;
  const qHi = quantiles[offset + hi]!;
  const pLo = WITHIN_DAY_PROBABILITIES[lo]!;
  const pHi = WITHIN_DAY_PROBABILITIES[hi]!;
  return qHi > qLo ? pLo + ((pHi - pLo) * (x - qLo)) / (qHi - qLo) : pHi;
}

/** Time fractions of a day with mean `meanMgDl` and library day `libraryDay`'s residual distribution. */
export function quantileDayFractions(quantiles: Float64Array, libraryDay: number, meanMgDl: number, out: TimeFractions): void {
  const offset = libraryDay * WITHIN_DAY_PROBABILITIES.length;
  const logMean = Math.log(meanMgDl);
  out.below54 = residualCdf(quantiles, offset, LOG_LEVEL2_LOW - logMean);
  out.below70 = residualCdf(quantiles, offset, LOG_RANGE_LOW - logMean);
  out.above180 = 1 - residualCdf(quantiles, offset, LOG_RANGE_HIGH - logMean);
}

/**
 * Time fractions of a split-normal day: r = ln(G / mean) is μ − σ_L|Z| with probability σ_L/(σ_L+σ_U)
 * and μ + σ_U|Z| otherwise (a continuous density with mode μ), μ set so that E[e^r] = 1, using
 * E[e^{±σ|Z|}] = 2 e^{σ²/2} Φ(±σ).
 */
export function splitNormalDayFractions(lowerSdLog: number, upperSdLog: number, meanMgDl: number, out: TimeFractions): void {
  splitNormalFractionsAt(lowerSdLog, upperSdLog, splitNormalLogMeanOfExp(lowerSdLog, upperSdLog), meanMgDl, out);
}

/** ln E[exp(X − mode)] of the split normal: what places its mode for a given mean (a function of the SDs alone). */
function splitNormalLogMeanOfExp(lowerSdLog: number, upperSdLog: number): number {
  const lowerWeight = lowerSdLog / (lowerSdLog + upperSdLog);
  const upperWeight = 1 - lowerWeight;
  const meanOfExp =
    2 * lowerWeight * Math.exp(0.5 * lowerSdLog * lowerSdLog) * normalCdf(-lowerSdLog) +
    2 * upperWeight * Math.exp(0.5 * upperSdLog * upperSdLog) * normalCdf(upperSdLog);
  return Math.log(meanOfExp);
}

/** splitNormalDayFractions with its SDs' `splitNormalLogMeanOfExp` given (a sampled path keeps its SDs). */
function splitNormalFractionsAt(lowerSdLog: number, upperSdLog: number, logMeanOfExp: number, meanMgDl: number, out: TimeFractions): void {
  const lowerWeight = lowerSdLog / (lowerSdLog + upperSdLog);
  const upperWeight = 1 - lowerWeight;
  const mode = Math.log(meanMgDl) - logMeanOfExp;
  // A function of its own rather than a closure: this runs for every sampled day (15,000 per projection).
  out.below54 = splitNormalCdf(LOG_LEVEL2_LOW, mode, lowerWeight, upperWeight, lowerSdLog, upperSdLog);
  out.below70 = splitNormalCdf(LOG_RANGE_LOW, mode, lowerWeight, upperWeight, lowerSdLog, upperSdLog);
  out.above180 = 1 - splitNormalCdf(LOG_RANGE_HIGH, mode, lowerWeight, upperWeight, lowerSdLog, upperSdLog);
}

function splitNormalCdf(logGlucose: number, mode: number, lowerWeight: number, upperWeight: number, lowerSdLog: number, upperSdLog: number): number {
  return logGlucose <= mode
    ? 2 * lowerWeight * normalCdf((logGlucose - mode) / lowerSdLog)
    : lowerWeight + upperWeight * (2 * normalCdf((logGlucose - mode) / upperSdLog) - 1);
}

/** Time fractions of a log-normal day: ln G ~ N(ln mean − s²/2, s²), so that E[G] is the mean. */
export function logNormalDayFractions(sdLog: number, meanMgDl: number, out: TimeFractions): void {
  const centre = Math.log(meanMgDl) - 0.5 * sdLog * sdLog;
  out.below54 = normalCdf((LOG_LEVEL2_LOW - centre) / sdLog);
  out.below70 = normalCdf((LOG_RANGE_LOW - centre) / sdLog);
  out.above180 = normalCdf((centre - LOG_RANGE_HIGH) / sdLog);
}

/**
 * Draws projected days' time fractions, path by path. Each path first draws its own uncertain
 * quantities (Dirichlet weights over the library days, a share of low days, a within-day SD when there
 * is no library); each day then picks a low or ordinary day accordingly.
 */
export class WithinDaySampler {
  private readonly ordinaryDays: number[] = [];
  private readonly lowDays: number[] = [];
  private readonly ordinaryWeights: Float64Array;
  private readonly lowWeights: Float64Array;
  private ordinaryTotal = 0;
  private lowTotal = 0;
  private lowShare = 0;
  private pathLowerSdLog = Number.NaN;
  private pathUpperSdLog = Number.NaN;
  private pathLogMeanOfExp = Number.NaN;

  constructor(
    private readonly shape: WithinDayShape,
    private readonly group: GroupPrior,
    private readonly random: SeededGenerator,
  ) {
    if (shape.kind !== 'population') {
      for (let k = 0; k < shape.dayCount; k++) (shape.lowDay[k] === 1 ? this.lowDays : this.ordinaryDays).push(k);
    }
    this.ordinaryWeights = new Float64Array(this.ordinaryDays.length);
    this.lowWeights = new Float64Array(this.lowDays.length);
  }

  startPath(): void {
    this.ordinaryTotal = cumulativeExponentials(this.random, this.ordinaryWeights);
    this.lowTotal = cumulativeExponentials(this.random, this.lowWeights);
    const prior = this.group.lowDayShare;
    this.lowShare = this.random.beta(prior.alpha + this.lowDays.length, prior.beta + this.ordinaryDays.length);
    if (this.shape.kind === 'population') {
      // One draw moves both sides: a patient whose days are wider is wider above and below.
      const z = this.random.normal();
      const { lowerSdLog, upperSdLog } = this.group.ordinaryDay;
      this.pathLowerSdLog = Math.exp(lowerSdLog.logMean + lowerSdLog.logSd * z);
      this.pathUpperSdLog = Math.exp(upperSdLog.logMean + upperSdLog.logSd * z);
      this.pathLogMeanOfExp = splitNormalLogMeanOfExp(this.pathLowerSdLog, this.pathUpperSdLog);
    }
  }

  dayFractions(meanMgDl: number, out: TimeFractions): void {
    const low = this.random.uniform() < this.lowShare;
    if (low && this.lowDays.length > 0) {
      this.libraryDay(this.lowDays[pick(this.lowWeights, this.lowTotal * this.random.uniform())]!, meanMgDl, out);
      return;
    }
    if (this.shape.kind === 'population') {
      splitNormalFractionsAt(this.pathLowerSdLog, this.pathUpperSdLog, this.pathLogMeanOfExp, meanMgDl, out);
    } else if (this.ordinaryDays.length > 0) {
      this.libraryDay(this.ordinaryDays[pick(this.ordinaryWeights, this.ordinaryTotal * this.random.uniform())]!, meanMgDl, out);
    } else {
      this.libraryDay(this.lowDays[pick(this.lowWeights, this.lowTotal * this.random.uniform())]!, meanMgDl, out);
      return;
    }
    if (low) this.addPopulationLow(out);
  }

  /**
   * A day with a low like the population's: that share of the day below 70 (part of it below 54), the
   * rest as drawn.
   */
  private addPopulationLow(out: TimeFractions): void {
    const { shareBelow70, below54Fraction } = this.group.lowDay;
    const share = Math.min(MAX_LOW_SHARE, Math.exp(shareBelow70.logMean + shareBelow70.logSd * this.random.normal()));
    const rest = 1 - share;
    out.below54 = below54Fraction * share + rest * out.below54;
    out.below70 = share + rest * out.below70;
    out.above180 = rest * out.above180;
  }

  private libraryDay(day: number, meanMgDl: number, out: TimeFractions): void {
    if (this.shape.kind === 'patient-quantiles') quantileDayFractions(this.shape.quantiles, day, meanMgDl, out);
    else if (this.shape.kind === 'patient-log-normal') logNormalDayFractions(this.shape.sdLog[day]!, meanMgDl, out);
  }
}

/** Fills `cumulative` with running sums of Exp(1) draws (Dirichlet(1, …, 1) weights, unnormalised). */
function cumulativeExponentials(random: SeededGenerator, cumulative: Float64Array): number {
  let total = 0;
  for (let k = 0; k < cumulative.length; k++) {
    total += random.exponential();
    cumulative[k] = total;
  }
  return total;
}

function pick(cumulative: Float64Array, target: number): number {
  let lo = 0;
  let hi = cumulative.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cumulative[mid]! > target) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
