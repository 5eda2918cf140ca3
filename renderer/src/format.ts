/**
 * How numbers and times are shown: in the viewer's locale and time zone (Intl), with the zone named
 * wherever a time appears. `locale` and `timeZone` are parameters only so tests are deterministic.
 */
export interface FormatPlace {
  readonly locale?: string;
  readonly timeZone?: string;
}

// Building an Intl formatter costs far more than using one; a 1,000-row panel formats thousands of values.
const formatters = new Map<string, Intl.NumberFormat | Intl.DateTimeFormat | Intl.RelativeTimeFormat>();

function cached<T extends Intl.NumberFormat | Intl.DateTimeFormat | Intl.RelativeTimeFormat>(key: string, make: () => T): T {
  let formatter = formatters.get(key) as T | undefined;
  if (!formatter) {
    formatter = make();
    formatters.set(key, formatter);
  }
  return formatter;
}

function numberFormat(locale: string | undefined, options: Intl.NumberFormatOptions): Intl.NumberFormat {
  return cached(`n|${locale}|${JSON.stringify(options)}`, () => new Intl.NumberFormat(locale, options));
}

function dateTimeFormat(locale: string | undefined, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  return cached(`d|${locale}|${JSON.stringify(options)}`, () => new Intl.DateTimeFormat(locale, options));
}

export function viewerTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

export function formatCount(n: number, place: FormatPlace = {}): string {
  return numberFormat(place.locale, {}).format(n);
}

export function formatValue(value: number, decimals: number, place: FormatPlace = {}): string {
  return numberFormat(place.locale, { maximumFractionDigits: decimals, minimumFractionDigits: decimals }).format(value);
}

export function formatDateTime(ms: number, place: FormatPlace = {}): string {
  return dateTimeFormat(place.locale, { dateStyle: 'medium', timeStyle: 'short', timeZone: place.timeZone }).format(ms);
}

export function formatDate(ms: number, place: FormatPlace = {}): string {
  return dateTimeFormat(place.locale, { dateStyle: 'medium', timeZone: place.timeZone }).format(ms);
}

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

/** "5 min. ago", "3 hr. ago", "12 days ago" (English short style); "just now" under a minute or for a clock slightly ahead. */
export function formatAgo(ms: number, nowMs: number, place: FormatPlace = {}): string {
  const ago = nowMs - ms;
  if (ago < MINUTE_MS) return 'just now';
  const rtf = cached(`r|${place.locale}`, () => new Intl.RelativeTimeFormat(place.locale, { style: 'short', numeric: 'always' }));
  if (ago < HOUR_MS) return rtf.format(-Math.floor(ago / MINUTE_MS), 'minute');
  if (ago < 2 * DAY_MS) return rtf.format(-Math.floor(ago / HOUR_MS), 'hour');
  return rtf.format(-Math.floor(ago / DAY_MS), 'day');
}

/** A calendar date as stored (YYYY-MM-DD, no zone): shown as that same date in every zone. */
export function formatCalendarDate(isoDate: string, place: FormatPlace = {}): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(isoDate);
  if (!match) return isoDate;
  const utc = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  return dateTimeFormat(place.locale, { dateStyle: 'medium', timeZone: 'UTC' }).format(utc);
}

/** Whole years between a YYYY-MM-DD birth date and `nowMs` (in UTC), or null for a malformed date. */
export function ageYears(isoDate: string, nowMs: number): number | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(isoDate);
  if (!match) return null;
  const [y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const now = new Date(nowMs);
  let age = now.getUTCFullYear() - y;
  const beforeBirthday = now.getUTCMonth() + 1 < m || (now.getUTCMonth() + 1 === m && now.getUTCDate() < d);
  if (beforeBirthday) age -= 1;
  return age;
}

/** A share given in percent (0-100) as a locale percentage: "73 %", "73%", "73,5 %". */
export function formatPercent(pct: number, decimals = 0, place: FormatPlace = {}): string {
  return numberFormat(place.locale, { style: 'percent', maximumFractionDigits: decimals, minimumFractionDigits: decimals }).format(pct / 100);
}

/** Minutes after midnight as a clock time in the viewer's locale ("6:00 AM", "06:00"), the same in every zone. */
export function formatTimeOfDay(minute: number, place: FormatPlace = {}): string {
  return dateTimeFormat(place.locale, { hour: 'numeric', minute: '2-digit', timeZone: 'UTC' }).format(Date.UTC(2000, 0, 1, 0, minute));
}
