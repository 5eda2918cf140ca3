/**
 * The heart-failure twin's input: one value per UTC day per stream (NaN = no reading that day, never a
 * zero or a carried-forward copy) plus the loop-diuretic dose in force each day. The store or the
 * alignment layer fills it from Samples and FHIR medications with `buildHeartFailureSeries`; the model
 * never sees source formats.
 */
import type { Medication } from '../../domain/patient.js';
import { MS_PER_DAY } from '../../domain/sample.js';
import { STREAM } from '../../domain/streams.js';

/** The streams the heart-failure twin reads (LOINC, canonical UCUM units). */
export const HF_STREAMS = {
  weight: STREAM.weight,
  systolic: STREAM.systolic,
  diastolic: STREAM.diastolic,
  restingHeartRate: STREAM.restingHeartRate,
  spo2: STREAM.spo2,
  steps: STREAM.stepsPerDay,
  ntProBnp: STREAM.ntProBnp,
} as const;

export type HfStreamCode = (typeof HF_STREAMS)[keyof typeof HF_STREAMS];

export interface HeartFailureSeries {
  /** UTC day number (days since 1970-01-01) of index 0. */
  readonly firstDay: number;
  /** Days covered: firstDay … firstDay + dayCount − 1, one slot each. */
  readonly dayCount: number;
  /**
   * Daily value per stream code, each of length dayCount, NaN where there was no reading. A stream with
   * no data at all may be left out. Units are the streams' canonical ones (kg, mm[Hg], /min, %,
   * {steps}, pg/mL).
   */
  readonly daily: Readonly<Partial<Record<HfStreamCode, Float64Array>>>;
  /** Loop-diuretic dose in force at the end of each day, furosemide-equivalent oral mg/day (0 = none). */
  readonly loopDiureticMgPerDay: Float64Array;
}

/** How several readings on one UTC day become the day's value. */
const DAILY_REDUCTION: Readonly<Record<HfStreamCode, 'first' | 'mean' | 'max'>> = {
  // Heart-failure self-care asks for the first weight of the morning; later weights carry meals and clothes.
  [HF_STREAMS.weight]: 'first',
  [HF_STREAMS.systolic]: 'mean',
  [HF_STREAMS.diastolic]: 'mean',
  [HF_STREAMS.restingHeartRate]: 'mean',
  [HF_STREAMS.spo2]: 'mean',
  // Two devices reporting the same day count the same steps; the larger total is the more complete one.
  [HF_STREAMS.steps]: 'max',
  [HF_STREAMS.ntProBnp]: 'mean',
};

/**
 * Oral loop diuretics as furosemide-equivalent mg per mg of drug: furosemide 40 mg ≈ torsemide 20 mg ≈
 * bumetanide 1 mg (the usual conversion in heart-failure guidelines). Matched on the RxNorm ingredient
 * when present, else on the name.
 */
const LOOP_DIURETICS: readonly { readonly name: string; readonly rxnorm: string; readonly furosemideMgPerMg: number }[] = [
  { name: 'furosemide', rxnorm: '4603', furosemideMgPerMg: 1 },
  { name: 'torsemide', rxnorm: '38413', furosemideMgPerMg: 2 },
  { name: 'bumetanide', rxnorm: '1808', furosemideMgPerMg: 40 },
];

/** Columnar readings of one stream, e.g. a store read or a demo series. */
export interface StreamReadings {
  readonly stream: string;
  readonly tMs: ArrayLike<number>;
  readonly values: ArrayLike<number>;
}

export interface HeartFailureSeriesSpec {
  readonly firstDay: number;
  readonly dayCount: number;
  /** Readings of any streams; those the twin does not read are ignored, readings outside the days too. */
  readonly readings: Iterable<StreamReadings>;
  readonly medications: readonly Medication[];
}

export function buildHeartFailureSeries(spec: HeartFailureSeriesSpec): HeartFailureSeries {
  const { firstDay, dayCount } = spec;
  if (!Number.isSafeInteger(firstDay) || !Number.isSafeInteger(dayCount) || dayCount < 1) {
    throw new RangeError(`buildHeartFailureSeries: need whole firstDay and dayCount >= 1, got ${firstDay}, ${dayCount}`);
  }
  const codes = new Set<string>(Object.values(HF_STREAMS));
  const sums = new Map<HfStreamCode, { value: Float64Array; count: Float64Array; firstTMs: Float64Array }>();
  for (const readings of spec.readings) {
    if (!codes.has(readings.stream)) continue;
    const code = readings.stream as HfStreamCode;
    let acc = sums.get(code);
    if (!acc) {
      acc = {
        value: new Float64Array(dayCount),
        count: new Float64Array(dayCount),
        firstTMs: new Float64Array(dayCount).fill(Number.POSITIVE_INFINITY),
      };
      sums.set(code, acc);
    }
    const reduction = DAILY_REDUCTION[code];
    for (let i = 0; i < readings.tMs.length; i++) {
      const tMs = readings.tMs[i]!;
      const value = readings.values[i]!;
      if (!Number.isFinite(value) || !Number.isFinite(tMs)) continue;
      const slot = Math.floor(tMs / MS_PER_DAY) - firstDay;
      if (slot < 0 || slot >= dayCount) continue;
      if (reduction === 'first') {
        if (tMs < acc.firstTMs[slot]!) {
          acc.firstTMs[slot] = tMs;
          acc.value[slot] = value;
          acc.count[slot] = 1;
        }
      } else if (reduction === 'max') {
        acc.value[slot] = acc.count[slot]! === 0 ? value : Math.max(acc.value[slot]!, value);
        acc.count[slot] = 1;
      } else {
        acc.value[slot] = acc.value[slot]! + value;
        acc.count[slot] = acc.count[slot]! + 1;
      }
    }
  }
  const daily: Partial<Record<HfStreamCode, Float64Array>> = {};
  for (const [code, acc] of sums) {
    const values = new Float64Array(dayCount);
    for (let d = 0; d < dayCount; d++) {
      const count = acc.count[d]!;
      values[d] = count === 0 ? Number.NaN : acc.value[d]! / count;
    }
    daily[code] = values;
  }
  return { firstDay, dayCount, daily, loopDiureticMgPerDay: loopDiureticByDay(spec.medications, firstDay, dayCount) };
}

/** Furosemide-equivalent mg per mg of `medication`, or null when it is not an oral loop diuretic in mg/d. */
export function furosemideEquivalentPerMg(medication: Pick<Medication, 'name' | 'rxnorm' | 'unit'>): number | null {
  if (medication.unit !== 'mg/d') return null;
  const name = medication.name.toLowerCase();
  const match = LOOP_DIURETICS.find((d) => d.rxnorm === medication.rxnorm || name.includes(d.name));
  return match ? match.furosemideMgPerMg : null;
}

/** Total loop-diuretic dose in force at the end of each day (the dose that acts overnight into the next). */
function loopDiureticByDay(medications: readonly Medication[], firstDay: number, dayCount: number): Float64Array {
  const total = new Float64Array(dayCount);
  for (const medication of medications) {
    const perMg = furosemideEquivalentPerMg(medication);
    if (perMg === null) continue;
    const doses = [...medication.doses].sort((a, b) => a.startMs - b.startMs);
    let next = 0;
    let current = 0;
    for (let d = 0; d < dayCount; d++) {
      const endOfDayMs = (firstDay + d + 1) * MS_PER_DAY - 1;
      while (next < doses.length && doses[next]!.startMs <= endOfDayMs) current = doses[next++]!.dose;
      total[d] = total[d]! + current * perMg;
    }
  }
  return total;
}

/** The same series cut after `lastIndex` (inclusive): what the twin would have had on that day. */
export function truncateHeartFailureSeries(series: HeartFailureSeries, lastIndex: number): HeartFailureSeries {
  const dayCount = Math.max(1, Math.min(series.dayCount, lastIndex + 1));
  const daily: Partial<Record<HfStreamCode, Float64Array>> = {};
  for (const [code, values] of Object.entries(series.daily) as [HfStreamCode, Float64Array][]) {
    daily[code] = values.slice(0, dayCount);
  }
  return { firstDay: series.firstDay, dayCount, daily, loopDiureticMgPerDay: series.loopDiureticMgPerDay.slice(0, dayCount) };
}

/** ISO date (YYYY-MM-DD) of a UTC day number, for alert texts. */
export function isoDateOfDay(day: number): string {
  return new Date(day * MS_PER_DAY).toISOString().slice(0, 10);
}
