/**
 * RPM program tracking per patient and period (rules: rpm-rules.ts).
 *
 * Device days: a local day (patient's zone) counts when any device stream (CGM, vitals, activity classes: what
 * a device sends; lab results and EHR records do not count) has a stored sample on it, up to now.
 * Interactive minutes: a start/stop timer per patient and manual entries with a note, kept in one derived
 * record (`derived.program`) sealed under the patient's derived-data key. A running timer is part of that
 * record, so it survives a restart or a crash and is stopped (or corrected) afterwards. An entry counts in the
 * period its start falls in.
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { AuditActor } from '../../../shared/domain/consent.js';
import { AppError } from '../../../shared/ipc/errors.js';
import { ZoneClock } from '../../../shared/align/zone-clock.js';
import type { PatientRecord, Series, StoreReader } from '../store/api.js';
import { isDeviceStream } from '../alerts/model-free.js';
import {
  deviceSupplyCode,
  isoOfLocalDay,
  localDayOf,
  managementCodes,
  monthPeriod,
  nextManagementStep,
  projectDeviceDays,
  RECENT_WEAR_DAYS,
  type CodeUnits,
  type DayProjection,
  type DeviceCode,
  type ProgramPeriod,
} from './rpm-rules.js';

const DAY_MS = 86_400_000;
export const PROGRAM_RECORD = 'derived.program';
export const NOTE_MAX = 1000;
/** A manual entry is at most this long; longer work is several entries. */
export const MANUAL_MINUTES_MAX = 240;

const MinuteEntrySchema = z.object({
  id: z.string(),
  startMs: z.number(),
  seconds: z.number().int().nonnegative(),
  kind: z.enum(['timer', 'manual']),
  note: z.string().nullable(),
  by: z.string(),
  loggedMs: z.number(),
});
export type MinuteEntry = z.infer<typeof MinuteEntrySchema>;

const TimerSchema = z.object({ startMs: z.number(), by: z.string() });
export type RunningTimer = z.infer<typeof TimerSchema>;

const ProgramRecordSchema = z.object({ version: z.literal(1), entries: z.array(MinuteEntrySchema), timer: TimerSchema.nullable() });
type ProgramRecord = z.infer<typeof ProgramRecordSchema>;

/** Store primitives the program log uses (CareTwinStore has them all). */
export interface ProgramBackend extends Pick<StoreReader, 'streamSummaries' | 'streamDays' | 'readSeries' | 'getPatient'> {
  getDerivedRecord<T = unknown>(patientId: string, kind: string): T | undefined;
  putDerivedRecord(patientId: string, kind: string, value: unknown): boolean;
  writeAtomically<T>(fn: () => T): T;
}

export interface ProgramStatus {
  readonly patientId: string;
  readonly period: ProgramPeriod;
  /** Whether the zone is the patient's own (else the default the caller gave). */
  readonly zoneFrom: 'patient' | 'default';
  readonly phase: 'future' | 'current' | 'past';
  readonly deviceDays: {
    readonly count: number;
    /** Local dates (YYYY-MM-DD) with device data, in order. */
    readonly dates: string[];
    readonly code: DeviceCode | null;
    /** Days of the period up to and including today (all of them once it is over). */
    readonly elapsedDays: number;
    readonly periodDays: number;
  };
  readonly projection: DayProjection;
  readonly minutes: {
    readonly totalSeconds: number;
    readonly totalMinutes: number;
    readonly entries: MinuteEntry[];
    readonly codes: CodeUnits[];
    readonly next: { readonly code: string; readonly minutesNeeded: number };
  };
  /** The timer running now, whatever period it started in. */
  readonly timer: RunningTimer | null;
}

export interface ProgramStatusOptions {
  /** the patient's record where the caller has it already (a panel lists every patient first) */
  readonly patient?: PatientRecord;
  /** told of every series read (a caller that needs the same data can reuse it instead of decrypting it again) */
  readonly onSeriesRead?: (stream: string, fromMs: number, toMs: number, series: Series) => void;
}

export function programStatus(
  store: ProgramBackend,
  patientId: string,
  month: string,
  nowMs: number,
  defaultZone: string,
  options: ProgramStatusOptions = {},
): ProgramStatus {
  const patient = options.patient ?? store.getPatient(patientId);
  if (patient === undefined) throw new AppError('NOT_FOUND', 'That patient is not in this store. See "caretwin patients".');
  const zone = patient.profile.zone ?? defaultZone;
  const period = monthPeriod(month, zone);
  // A fresh clock: its memory for repeated wall times must not carry over from another call.
  const clock = new ZoneClock(period.zone);
  const today = localDayOf(clock, nowMs);
  const phase = today < period.firstDay ? 'future' : today > period.lastDay ? 'past' : 'current';

  // Local days with device data, over the period and the recent-wear window before today.
  const recentFirst = today - RECENT_WEAR_DAYS;
  const days = new Set<number>();
  let firstDeviceDay = Infinity;
  // Local days loDay..hiDay and their starts in UTC (bounds[i] = local midnight of loDay + i; one more at the end).
  const loDay = Math.min(period.firstDay, recentFirst);
  const hiDay = Math.max(loDay, Math.min(period.lastDay, today));
  const bounds = new Float64Array(hiDay - loDay + 2);
  for (let i = 0; i < bounds.length; i++) bounds[i] = clock.toUtc((loDay + i) * DAY_MS).tMs;
  const fromMs = bounds[0]!;
  const toMs = Math.min(bounds[bounds.length - 1]! - 1, nowMs);
  // The local day (index into bounds) of an instant in [fromMs, toMs].
  const dayIndexOf = (t: number): number => {
    let lo = 0;
    let hi = bounds.length - 2;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (bounds[mid]! <= t) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
  // Denser streams first: once a local day is known to have data, the other streams' chunks that can only
  // fall on known days are not decrypted (a heart-failure patient's five daily streams cost one read, not five).
  // The chunk index gives each stream's UTC days without decrypting; reading past a stream's last sample is harmless.
  const deviceStreams = store.streamDays(patientId).filter((s) => isDeviceStream(s.stream));
  deviceStreams.sort((a, b) => b.count - a.count);
  for (const s of deviceStreams) {
    const readFrom = Math.max(fromMs, s.firstDay * DAY_MS);
    const readTo = Math.min(toMs, (s.lastDay + 1) * DAY_MS - 1);
    if (readFrom > readTo) continue;
    // Runs of UTC days (the store's chunks) that could still add a local day.
    let runFrom = Number.NaN;
    let runTo = Number.NaN;
    const readRun = (): void => {
      if (Number.isNaN(runFrom)) return;
      const series = store.readSeries(patientId, s.stream, runFrom, runTo);
      options.onSeriesRead?.(s.stream, runFrom, runTo, series);
      const { tMs } = series;
      let k = 0;
      for (let i = 0; i < tMs.length; i++) {
        const t = tMs[i]!;
        if (t < bounds[k + 1]!) {
          if (i > 0 && tMs[i - 1]! >= bounds[k]!) continue;
        } else {
          while (t >= bounds[k + 1]!) k++;
        }
        days.add(loDay + k);
      }
      runFrom = Number.NaN;
    };
    for (let utcDayIndex = Math.floor(readFrom / DAY_MS); utcDayIndex * DAY_MS <= readTo; utcDayIndex++) {
      const dayFrom = Math.max(readFrom, utcDayIndex * DAY_MS);
      const dayTo = Math.min(readTo, (utcDayIndex + 1) * DAY_MS - 1);
      let open = false;
      for (let k = dayIndexOf(dayFrom); k <= dayIndexOf(dayTo) && !open; k++) open = !days.has(loDay + k);
      if (open) {
        if (Number.isNaN(runFrom)) runFrom = dayFrom;
        runTo = dayTo;
      } else {
        readRun();
      }
    }
    readRun();
  }
  // The first device day matters only when it falls inside the recent window: then (a new patient) the first
  // chunks are decrypted for its exact local day; otherwise the chunk index's UTC day bounds it well enough.
  if (deviceStreams.length > 0) {
    const firstUtcDay = Math.min(...deviceStreams.map((s) => s.firstDay));
    const latestPossible = localDayOf(clock, (firstUtcDay + 1) * DAY_MS - 1);
    firstDeviceDay =
      latestPossible <= recentFirst
        ? latestPossible
        : Math.min(...store.streamSummaries(patientId).filter((s) => isDeviceStream(s.stream)).map((s) => localDayOf(clock, s.firstMs)));
  }
  const inPeriod = [...days].filter((d) => d >= period.firstDay && d <= Math.min(period.lastDay, today)).sort((a, b) => a - b);
  const periodDays = period.lastDay - period.firstDay + 1;
  const elapsedDays = phase === 'future' ? 0 : phase === 'past' ? periodDays : today - period.firstDay + 1;

  let remainingDays = 0;
  if (phase === 'future') remainingDays = periodDays;
  else if (phase === 'current') remainingDays = period.lastDay - today + (days.has(today) ? 0 : 1);
  // The recent window: the 14 local days before today, from the first device day on.
  const windowStart = Math.max(recentFirst, firstDeviceDay);
  let recentDaysWithData = 0;
  // (A past period has nothing left to project: its window is left empty.)
  const windowDays = phase === 'past' ? 0 : Math.max(0, today - windowStart);
  for (let d = today - windowDays; d < today; d++) if (days.has(d)) recentDaysWithData++;
  const projection = projectDeviceDays(inPeriod.length, remainingDays, recentDaysWithData, windowDays);

  const record = readRecord(store, patientId);
  const entries = record.entries.filter((e) => e.startMs >= period.startMs && e.startMs < period.endMs).sort((a, b) => a.startMs - b.startMs);
  const totalSeconds = entries.reduce((sum, e) => sum + e.seconds, 0);
  return {
    patientId,
    period,
    zoneFrom: patient.profile.zone !== undefined ? 'patient' : 'default',
    phase,
    deviceDays: { count: inPeriod.length, dates: inPeriod.map(isoOfLocalDay), code: deviceSupplyCode(inPeriod.length), elapsedDays, periodDays },
    projection,
    minutes: {
      totalSeconds,
      totalMinutes: Math.floor(totalSeconds / 60),
      entries,
      codes: managementCodes(totalSeconds),
      next: nextManagementStep(totalSeconds),
    },
    timer: record.timer,
  };
}

export function startTimer(store: ProgramBackend, patientId: string, actor: AuditActor, nowMs: number): RunningTimer {
  return change(store, patientId, (r) => {
    if (r.timer !== null) {
      throw new AppError('CONFLICT', `A timer for this patient has been running since ${new Date(r.timer.startMs).toISOString()}; stop it first.`);
    }
    const timer = { startMs: nowMs, by: actor.actor };
    return [{ ...r, timer }, timer];
  });
}

/**
 * Stops the running timer and logs its time. `minutes`, when given, replaces the measured time (a timer left
 * running over lunch or across a restart): at most the time that actually passed.
 */
export function stopTimer(
  store: ProgramBackend,
  patientId: string,
  actor: AuditActor,
  nowMs: number,
  opts: { note?: string | undefined; minutes?: number | undefined } = {},
): MinuteEntry {
  const note = optionalNote(opts.note);
  return change(store, patientId, (r) => {
    if (r.timer === null) throw new AppError('CONFLICT', 'No timer is running for this patient.');
    const elapsed = Math.max(0, Math.round((nowMs - r.timer.startMs) / 1000));
    let seconds = elapsed;
    if (opts.minutes !== undefined) {
      if (!Number.isInteger(opts.minutes) || opts.minutes < 0 || opts.minutes * 60 > elapsed + 59) {
        throw new AppError('VALIDATION', `The corrected time is a whole number of minutes, at most the ${Math.ceil(elapsed / 60)} that passed.`);
      }
      seconds = Math.min(elapsed, opts.minutes * 60);
    }
    const entry: MinuteEntry = { id: newId(), startMs: r.timer.startMs, seconds, kind: 'timer', note, by: actor.actor, loggedMs: nowMs };
    return [{ ...r, timer: null, entries: [...r.entries, entry] }, entry];
  });
}

/** A manual entry: whole minutes (1-240), when it happened (not in the future), and a note saying what it was. */
export function addMinutes(
  store: ProgramBackend,
  patientId: string,
  actor: AuditActor,
  nowMs: number,
  input: { minutes: number; note: string; atMs?: number | undefined },
): MinuteEntry {
  if (!Number.isInteger(input.minutes) || input.minutes < 1 || input.minutes > MANUAL_MINUTES_MAX) {
    throw new AppError('VALIDATION', `Minutes are a whole number from 1 to ${MANUAL_MINUTES_MAX}.`);
  }
  const note = optionalNote(input.note);
  if (note === null) throw new AppError('VALIDATION', 'A manual entry needs a note saying what the time was spent on.');
  const atMs = input.atMs ?? nowMs;
  if (!Number.isFinite(atMs) || atMs > nowMs) throw new AppError('VALIDATION', 'A manual entry cannot be in the future.');
  return change(store, patientId, (r) => {
    const entry: MinuteEntry = { id: newId(), startMs: atMs, seconds: input.minutes * 60, kind: 'manual', note, by: actor.actor, loggedMs: nowMs };
    return [{ ...r, entries: [...r.entries, entry] }, entry];
  });
}

function change<T>(store: ProgramBackend, patientId: string, fn: (r: ProgramRecord) => [ProgramRecord, T]): T {
  if (store.getPatient(patientId) === undefined) throw new AppError('NOT_FOUND', 'That patient is not in this store. See "caretwin patients".');
  return store.writeAtomically(() => {
    const [next, result] = fn(readRecord(store, patientId));
    if (!store.putDerivedRecord(patientId, PROGRAM_RECORD, next)) {
      throw new AppError('FORBIDDEN', "The patient's consent does not permit keeping derived data such as the program log.");
    }
    return result;
  });
}

function readRecord(store: ProgramBackend, patientId: string): ProgramRecord {
  const raw = store.getDerivedRecord(patientId, PROGRAM_RECORD);
  if (raw === undefined) return { version: 1, entries: [], timer: null };
  const parsed = ProgramRecordSchema.safeParse(raw);
  if (!parsed.success) throw new AppError('STORE_UNAVAILABLE', "A patient's program log is not in a form this version reads; nothing was changed.");
  return parsed.data;
}

function optionalNote(note: string | undefined): string | null {
  if (note === undefined) return null;
  if (typeof note !== 'string') throw new AppError('VALIDATION', 'The note is text.');
  const t = note.trim();
  if (t.length > NOTE_MAX) throw new AppError('VALIDATION', `The note is longer than ${NOTE_MAX} characters.`);
  return t.length === 0 ? null : t;
}

function newId(): string {
  return randomBytes(8).toString('hex');
}
