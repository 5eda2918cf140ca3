/**
 * Checks a DailyGlucoseInput and lays the data up to a projection origin on the model's contiguous day
 * grid. Nothing after the origin is read: a projection at day t is a function of data up to day t.
 */
import { doseInputsOnGrid } from './medications.js';
import { type DailyGlucoseSeries } from './model.js';
import { type DailyGlucoseInput, WITHIN_DAY_PROBABILITIES } from './types.js';

/** An input the daily layer cannot use; the message says what is wrong and with which field. */
export class DailyGlucoseInputError extends Error {
  override readonly name = 'DailyGlucoseInputError';
}

/** HbA1c results outside this range are not physiological (or not in %): rejected, not clipped. */
const HBA1C_MIN_PCT = 3;
const HBA1C_MAX_PCT = 20;

export function validateDailyGlucoseInput(input: DailyGlucoseInput): void {
  const n = input.days.length;
  for (const [name, column] of [
    ['meanMgDl', input.meanMgDl],
    ['sdLogMgDl', input.sdLogMgDl],
    ['wearFraction', input.wearFraction],
  ] as const) {
    if (column.length !== n) throw new DailyGlucoseInputError(`${name} has ${column.length} entries for ${n} days`);
  }
  const quantiles = input.residualQuantilesLog;
  if (quantiles && quantiles.length !== n * WITHIN_DAY_PROBABILITIES.length) {
    throw new DailyGlucoseInputError(
      `residualQuantilesLog has ${quantiles.length} entries; expected ${n} days × ${WITHIN_DAY_PROBABILITIES.length}`,
    );
  }
  for (let i = 0; i < n; i++) {
    const day = input.days[i]!;
    if (i > 0 && !(day > input.days[i - 1]!)) throw new DailyGlucoseInputError(`days must increase strictly (index ${i})`);
    const mean = input.meanMgDl[i]!;
    const wear = input.wearFraction[i]!;
    if (!(wear >= 0 && wear <= 1)) throw new DailyGlucoseInputError(`wearFraction on day ${day} is ${wear}; expected 0..1`);
    if (!Number.isNaN(mean) && !(mean > 0 && Number.isFinite(mean))) {
      throw new DailyGlucoseInputError(`meanMgDl on day ${day} is ${mean}; expected a positive mg/dL value or NaN`);
    }
    if (!Number.isNaN(mean) && wear === 0) {
      throw new DailyGlucoseInputError(`day ${day} has a CGM mean but wearFraction 0`);
    }
    const sd = input.sdLogMgDl[i]!;
    if (!Number.isNaN(sd) && !(sd >= 0 && Number.isFinite(sd))) {
      throw new DailyGlucoseInputError(`sdLogMgDl on day ${day} is ${sd}; expected >= 0 or NaN`);
    }
  }
  for (const result of input.hba1c) {
    if (!Number.isSafeInteger(result.day)) throw new DailyGlucoseInputError(`HbA1c day ${result.day} is not an integer day number`);
    if (!(result.percent >= HBA1C_MIN_PCT && result.percent <= HBA1C_MAX_PCT)) {
      throw new DailyGlucoseInputError(`HbA1c ${result.percent} on day ${result.day} is outside ${HBA1C_MIN_PCT}–${HBA1C_MAX_PCT} %`);
    }
  }
  for (const history of input.doses) {
    let previousDay = Number.NEGATIVE_INFINITY;
    for (const step of history.steps) {
      if (!Number.isSafeInteger(step.day) || step.day < previousDay) {
        throw new DailyGlucoseInputError(`${history.drug}: dose steps must be on integer days in day order`);
      }
      if (!(step.dose >= 0 && Number.isFinite(step.dose))) {
        throw new DailyGlucoseInputError(`${history.drug}: dose ${step.dose} on day ${step.day} is not a non-negative number`);
      }
      previousDay = step.day;
    }
  }
}

export interface PreparedSeries {
  readonly series: DailyGlucoseSeries;
  /** Input row of each grid day, −1 where the input has no row. */
  readonly inputRow: Int32Array;
}

/**
 * The grid runs from the first day with data (CGM or HbA1c), but at most `maxHistoryDays` back, to the
 * origin. Throws when there is nothing on or before the origin to project from.
 */
export function prepareSeries(input: DailyGlucoseInput, originDay: number, maxHistoryDays: number): PreparedSeries {
  if (!Number.isSafeInteger(originDay)) throw new DailyGlucoseInputError(`originDay ${originDay} is not an integer day number`);
  if (!(Number.isSafeInteger(maxHistoryDays) && maxHistoryDays >= 1)) {
    throw new DailyGlucoseInputError(`maxHistoryDays must be a positive integer, got ${maxHistoryDays}`);
  }
  const earliestAllowed = originDay - maxHistoryDays + 1;
  let firstDataDay = Number.POSITIVE_INFINITY;
  for (let i = 0; i < input.days.length; i++) {
    const day = input.days[i]!;
    if (day < earliestAllowed || day > originDay) continue;
    if (!Number.isNaN(input.meanMgDl[i]!) && input.wearFraction[i]! > 0) {
      firstDataDay = Math.min(firstDataDay, day);
      break;
    }
  }
  for (const result of input.hba1c) {
    if (result.day >= earliestAllowed && result.day <= originDay) firstDataDay = Math.min(firstDataDay, result.day);
  }
  if (!Number.isFinite(firstDataDay)) {
    throw new DailyGlucoseInputError(
      `no CGM day and no HbA1c result on or before day ${originDay} (within ${maxHistoryDays} days): nothing to project from`,
    );
  }
  const firstDay = firstDataDay;
  const dayCount = originDay - firstDay + 1;
  const cgmMeanMgDl = new Float64Array(dayCount).fill(Number.NaN);
  const wearFraction = new Float64Array(dayCount);
  const inputRow = new Int32Array(dayCount).fill(-1);
  for (let i = 0; i < input.days.length; i++) {
    const t = input.days[i]! - firstDay;
    if (t < 0 || t >= dayCount) continue;
    inputRow[t] = i;
    if (!Number.isNaN(input.meanMgDl[i]!) && input.wearFraction[i]! > 0) {
      cgmMeanMgDl[t] = input.meanMgDl[i]!;
      wearFraction[t] = input.wearFraction[i]!;
    }
  }
  const hba1cSum = new Float64Array(dayCount);
  const hba1cCount = new Int32Array(dayCount);
  for (const result of input.hba1c) {
    const t = result.day - firstDay;
    if (t < 0 || t >= dayCount) continue;
    hba1cSum[t] = hba1cSum[t]! + result.percent;
    hba1cCount[t] = hba1cCount[t]! + 1;
  }
  const hba1cPct = hba1cSum.map((sum, t) => (hba1cCount[t]! > 0 ? sum / hba1cCount[t]! : Number.NaN));
  return {
    series: {
      firstDay,
      dayCount,
      cgmMeanMgDl,
      wearFraction,
      hba1cPct,
      hba1cCount,
      doses: doseInputsOnGrid(input.doses, firstDay, dayCount),
    },
    inputRow,
  };
}

/** The last day with any data in the input (CGM or HbA1c): the default projection origin. */
export function lastDataDay(input: DailyGlucoseInput): number {
  let last = Number.NEGATIVE_INFINITY;
  for (let i = input.days.length - 1; i >= 0; i--) {
    if (!Number.isNaN(input.meanMgDl[i]!) && input.wearFraction[i]! > 0) {
      last = input.days[i]!;
      break;
    }
  }
  for (const result of input.hba1c) last = Math.max(last, result.day);
  if (!Number.isFinite(last)) throw new DailyGlucoseInputError('the input has no CGM day and no HbA1c result: nothing to project from');
  return last;
}
