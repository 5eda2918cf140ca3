/**
 * Normalisation shared by every importer: plausibility and future checks on values, unit conversion constants,
 * local times to UTC, and the bookkeeping of rejected, warned and skipped rows that ends up in the report.
 */
import type { PatientProfile } from '../../../shared/domain/patient.js';
import type { Sample } from '../../../shared/domain/sample.js';
import { STREAM, streamDef } from '../../../shared/domain/streams.js';
import { AppError } from '../../../shared/ipc/errors.js';
import type { ImportBatch, ImportContext, ImportedPatient, RejectedRow } from './importer.js';
import { ZoneClock } from './local-time.js';

export const KG_PER_LB = 0.45359237;
/** mg/dL per mmol/L of glucose (molar mass 180.156 g/mol). */
export const MG_DL_PER_MMOL_L = 18.0156;

/** A file with zone-less times and no zone to read them in: hosts that can ask for a zone (the app) recognise it. */
export class ZoneNeededError extends AppError {
  constructor(message: string) {
    super('VALIDATION', message);
  }
}

/**
 * Values outside these bounds are not physiological readings (sensor error codes, unit mix-ups, typing slips)
 * and are rejected with a reason rather than stored.
 */
const PLAUSIBLE: Readonly<Record<string, readonly [min: number, max: number]>> = {
  [STREAM.cgm]: [20, 600],
  [STREAM.fingerstick]: [10, 1000],
  [STREAM.weight]: [0.5, 500],
  [STREAM.systolic]: [40, 300],
  [STREAM.diastolic]: [20, 200],
  [STREAM.heartRate]: [20, 300],
  [STREAM.restingHeartRate]: [20, 250],
  [STREAM.spo2]: [40, 100],
  [STREAM.stepsPerDay]: [0, 200_000],
  [STREAM.stepsInPeriod]: [0, 200_000],
  [STREAM.sleepDuration]: [0, 1440],
};

export class BatchBuilder {
  readonly samples: Sample[] = [];
  readonly rejected: RejectedRow[] = [];
  readonly warnings: RejectedRow[] = [];
  readonly skipped: Record<string, number> = {};
  private readonly patients = new Map<string, ImportedPatient>();
  private clock: ZoneClock | undefined;

  constructor(
    readonly format: string,
    readonly source: string,
    private readonly context: ImportContext,
  ) {}

  /** The zone clock for zone-less times; an error that says what to do when no zone is known. */
  zoneClock(): ZoneClock {
    if (this.clock !== undefined) return this.clock;
    if (this.context.zone === null) {
      throw new ZoneNeededError(
        "This file's times carry no time zone. Give the patient's zone with --zone Area/City (e.g. " +
          '--zone America/New_York), or store it in the patient\'s profile. Nothing was imported.',
      );
    }
    this.clock = new ZoneClock(this.context.zone);
    return this.clock;
  }

  /** UTC ms of a wall-clock time in the patient's zone; a DST-gap shift becomes a warning on `line`. */
  localToUtc(line: number, wallClockMs: number, series = ''): number {
    const resolved = this.zoneClock().toUtc(wallClockMs, series);
    if (resolved.shiftedMs !== undefined) {
      this.warnings.push({
        line,
        reason: `local time falls in a daylight-saving gap; moved forward ${resolved.shiftedMs / 60_000} min`,
      });
    }
    return resolved.tMs;
  }

  /** The patient named with --patient; an error that says so when the file does not identify one. */
  contextPatient(): string {
    if (this.context.patientId === null) {
      throw new AppError(
        'VALIDATION',
        'This file does not say whose data it is. Name the patient with --patient ID (see "caretwin patients"). ' +
          'Nothing was imported.',
      );
    }
    return this.context.patientId;
  }

  /** A patient the file identifies (by an external identifier), referred to as `ref` by its samples. */
  patient(ref: string, profile: PatientProfile): string {
    if (!this.patients.has(ref)) this.patients.set(ref, { ref, profile });
    return ref;
  }

  reject(line: number, reason: string): void {
    this.rejected.push({ line, reason });
  }

  skip(kind: string): void {
    this.skipped[kind] = (this.skipped[kind] ?? 0) + 1;
  }

  /** Adds a sample after the checks every sample passes; a failed check rejects the row instead. */
  add(line: number, patientRef: string, stream: string, tMs: number, value: number, sourceId?: string): boolean {
    if (!Number.isFinite(tMs)) {
      this.reject(line, 'time is not a valid date');
      return false;
    }
    if (tMs > this.context.nowMs) {
      this.reject(line, 'time is in the future (device clock error?)');
      return false;
    }
    if (!Number.isFinite(value)) {
      this.reject(line, 'value is not a number');
      return false;
    }
    const bounds = PLAUSIBLE[stream];
    if (bounds !== undefined && (value < bounds[0] || value > bounds[1])) {
      this.reject(line, `${streamDef(stream).label} outside ${bounds[0]}-${bounds[1]} ${streamDef(stream).unit}`);
      return false;
    }
    const sample: Sample =
      sourceId === undefined
        ? { patientId: patientRef, stream, tMs, value, source: this.source }
        : { patientId: patientRef, stream, tMs, value, source: this.source, sourceId };
    this.samples.push(sample);
    return true;
  }

  build(): ImportBatch {
    this.context.onProgress({ phase: 'normalise', rows: this.samples.length });
    return {
      format: this.format,
      patients: [...this.patients.values()],
      samples: this.samples,
      medications: [],
      conditions: [],
      rejected: this.rejected,
      warnings: this.warnings,
      skipped: this.skipped,
    };
  }
}

/** A number from a text cell (`1,234` and spreadsheet exponents such as `1.46E+12` included), or NaN. */
export function numberCell(text: string | undefined): number {
  if (text === undefined) return NaN;
  const t = text.trim();
  if (t === '' || !/^[-+]?(\d+([.,]\d*)?|[.,]\d+)([eE][-+]?\d+)?$/.test(t)) return NaN;
  return Number(t.replace(',', '.'));
}
