/**
 * Zone-less device times (a wall clock read in the patient's IANA zone) to UTC, deterministically.
 *
 * - A time in a DST gap (e.g. 02:30 on a spring-forward night) does not exist: it is shifted forward by the gap
 *   (02:30 -> 03:30 local, the instant a clock that missed the change meant) and reported as a warning, because
 *   devices that skip the change keep logging across it and dropping those rows would punch a hole in the data.
 * - A time in a DST overlap (01:30 on a fall-back night happens twice) takes the first occurrence, unless the
 *   file's sequence shows the second: when the reading before it (in file order, same series) already lies at
 *   or after the first occurrence, the clock has gone round again and the second occurrence is taken. The same
 *   file therefore always gives the same instants, which is what makes a re-import add nothing.
 */
import { AppError } from '../../../shared/ipc/errors.js';

const MS_PER_MINUTE = 60_000;
/** Offsets are looked up per quarter hour: every zone transition in tzdata since 1970 falls on one. */
const OFFSET_BUCKET_MS = 15 * MS_PER_MINUTE;
/** Far enough to be on either side of a transition, near enough never to span two of them. */
const TRANSITION_PROBE_MS = 24 * 60 * MS_PER_MINUTE;

export interface ResolvedLocalTime {
  readonly tMs: number;
  /** Set when the wall time fell into a DST gap and was moved forward by this many ms. */
  readonly shiftedMs?: number;
  /** Set when the wall time happened twice; says which occurrence was taken. */
  readonly occurrence?: 'first' | 'second';
}

/** Checks that `zone` is an IANA zone this runtime knows; a clear error otherwise. */
export function checkZone(zone: string): string {
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: zone }).resolvedOptions().timeZone;
  } catch {
    throw new AppError(
      'VALIDATION',
      'The time zone is not a known IANA zone. Give one like Europe/Berlin or America/New_York with --zone.',
    );
  }
}

/** Wall-clock to UTC conversion in one zone, with per-series memory for resolving repeated times. */
export class ZoneClock {
  private readonly format: Intl.DateTimeFormat;
  private readonly offsets = new Map<number, number>();
  private readonly lastBySeries = new Map<string, number>();

  constructor(readonly zone: string) {
    checkZone(zone);
    this.format = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  }

  /** Offset (local - UTC, ms) of the zone at a UTC instant. */
  offsetAt(tMs: number): number {
    const bucket = Math.floor(tMs / OFFSET_BUCKET_MS);
    const cached = this.offsets.get(bucket);
    if (cached !== undefined) return cached;
    const at = bucket * OFFSET_BUCKET_MS;
    const parts: Record<string, number> = {};
    for (const p of this.format.formatToParts(at)) if (p.type !== 'literal') parts[p.type] = Number(p.value);
    const localMs = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!);
    const offset = localMs - at;
    this.offsets.set(bucket, offset);
    return offset;
  }

  /**
   * The UTC instant of a wall-clock time (`wallClockMs`: the local time read as if it were UTC). `series` names
   * the sequence the reading belongs to (e.g. a subject's readings in file order) for the overlap rule above.
   */
  toUtc(wallClockMs: number, series = ''): ResolvedLocalTime {
    const before = this.offsetAt(wallClockMs - TRANSITION_PROBE_MS);
    const after = this.offsetAt(wallClockMs + TRANSITION_PROBE_MS);
    const candidates: number[] = [];
    for (const offset of before === after ? [before] : [before, after]) {
      const t = wallClockMs - offset;
      if (this.offsetAt(t) === offset) candidates.push(t);
    }
    candidates.sort((a, b) => a - b);
    let resolved: ResolvedLocalTime;
    if (candidates.length === 1) {
      resolved = { tMs: candidates[0]! };
    } else if (candidates.length === 0) {
      // In the gap: read with the offset in force before it, which lands the same distance past the change.
      resolved = { tMs: wallClockMs - before, shiftedMs: after - before };
    } else {
      const last = this.lastBySeries.get(series);
      const second = last !== undefined && last >= candidates[0]! && last < candidates[1]!;
      resolved = second ? { tMs: candidates[1]!, occurrence: 'second' } : { tMs: candidates[0]!, occurrence: 'first' };
    }
    this.lastBySeries.set(series, resolved.tMs);
    return resolved;
  }
}

/**
 * A zone-less local date-time `YYYY-MM-DD[T ]hh:mm[:ss]` as wall-clock ms (read as if UTC), or null when the
 * text is not one.
 */
export function parseIsoWallClock(text: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?$/.exec(text.trim());
  if (m === null) return null;
  return wallClock(+m[1]!, +m[2]!, +m[3]!, +m[4]!, +m[5]!, +(m[6] ?? 0), m[7] === undefined ? 0 : +m[7].padEnd(3, '0'));
}

/**
 * US-style `M/D/YYYY[ h:mm[:ss][ AM|PM]]` (Fitbit, and anything re-saved through a US-locale spreadsheet; `-` and
 * `.` separate too) as wall-clock ms, or null. `dayFirst` reads `D/M/YYYY` instead (European LibreView exports).
 */
export function parseSlashedWallClock(text: string, dayFirst = false): number | null {
  const m = /^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*(AM|PM|am|pm)?)?$/.exec(
    text.trim(),
  );
  if (m === null) return null;
  const a = +m[1]!;
  const b = +m[2]!;
  let hour = m[4] === undefined ? 0 : +m[4];
  const meridiem = m[7]?.toUpperCase();
  if (meridiem !== undefined) {
    if (hour < 1 || hour > 12) return null;
    hour = (hour % 12) + (meridiem === 'PM' ? 12 : 0);
  }
  return wallClock(+m[3]!, dayFirst ? b : a, dayFirst ? a : b, hour, m[5] === undefined ? 0 : +m[5], +(m[6] ?? 0), 0);
}

/** Wall-clock ms of calendar fields, or null when a field is out of range (31 February, 25:00). */
export function wallClock(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
  ms: number,
): number | null {
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) return null;
  const t = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  // Date.UTC rolls 31 April over into May; a real date does not.
  if (new Date(t).getUTCDate() !== day) return null;
  return t;
}
