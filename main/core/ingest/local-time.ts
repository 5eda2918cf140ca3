/**
 * Zone-less local times as written in device exports: the wall-clock parsers importers use. Resolving a wall
 * clock in a zone (DST gaps and repeats) is pure and shared with alignment: `shared/align/zone-clock.ts`.
 */
export { checkZone, ZoneClock, type ResolvedLocalTime } from '../../../shared/align/zone-clock.js';

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
