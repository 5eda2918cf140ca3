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
import { AppError } from '../ipc/errors.js';

const MS_PER_MINUTE = 60_000;
const MS_PER_DAY = 86_400_000;
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

/**
 * What every clock of one zone shares: its formatter and the offsets looked up so far (a pure function of the
 * zone and the instant). Building an Intl.DateTimeFormat costs far more than a lookup: the triage panel makes
 * a clock per patient per call, and 1,000 fresh formatters with cold offset caches were a fifth of its first call.
 */
interface ZoneTables {
  readonly format: Intl.DateTimeFormat;
  readonly offsets: Map<number, number>;
}
const zoneTables = new Map<string, ZoneTables>();

function tablesOf(zone: string): ZoneTables {
  let tables = zoneTables.get(zone);
  if (tables === undefined) {
    checkZone(zone);
    const format = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    zoneTables.set(zone, (tables = { format, offsets: new Map() }));
  }
  return tables;
}

/** Wall-clock to UTC conversion in one zone, with per-series memory for resolving repeated times. */
export class ZoneClock {
  private readonly format: Intl.DateTimeFormat;
  private readonly offsets: Map<number, number>;
  private readonly lastBySeries = new Map<string, number>();

  constructor(readonly zone: string) {
    const tables = tablesOf(zone);
    this.format = tables.format;
    this.offsets = tables.offsets;
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
    const { candidates, before, after } = this.instantsOf(wallClockMs);
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

  /** The local calendar day (days since 1970-01-01 on the local wall clock) that a UTC instant falls on. */
  localDay(tMs: number): number {
    return Math.floor((tMs + this.offsetAt(tMs)) / MS_PER_DAY);
  }

  /**
   * The UTC instant a local day begins: its midnight, or the first instant after it where midnight falls in a DST
   * gap; the earlier one where midnight repeats. Days are 23, 24 or 25 hours long.
   */
  localDayStartMs(localDay: number): number {
    const wall = localDay * MS_PER_DAY;
    const { candidates, before } = this.instantsOf(wall);
    // Midnight in a gap: zones that change at midnight jump from 00:00 to 01:00, so the day begins at the change,
    // the instant midnight names under the offset in force before it.
    return candidates[0] ?? wall - before;
  }

  /** The instants a wall-clock time names (none in a gap, two in a repeat), sorted, and the offsets around it. */
  private instantsOf(wallClockMs: number): { candidates: number[]; before: number; after: number } {
    const before = this.offsetAt(wallClockMs - TRANSITION_PROBE_MS);
    const after = this.offsetAt(wallClockMs + TRANSITION_PROBE_MS);
    const candidates: number[] = [];
    for (const offset of before === after ? [before] : [before, after]) {
      const t = wallClockMs - offset;
      if (this.offsetAt(t) === offset) candidates.push(t);
    }
    candidates.sort((a, b) => a - b);
    return { candidates, before, after };
  }
}
