/**
 * Local wall-clock time for the demo patients' zones. Meals, nights and morning weigh-ins happen in the
 * patient's local time; samples are stored in UTC, so the generator converts, including the daylight
 * saving jumps the alignment code has to cope with.
 *
 * The daylight-saving rules are written out instead of asking Intl, so a seed gives the same panel
 * whatever ICU or time-zone database the machine has. They are the rules in force since 2007 (United
 * States) and 1996 (European Union / United Kingdom); a test checks them against Intl.
 */
import { MS_PER_DAY } from '../../../shared/domain/sample.js';

export const DEMO_ZONES = [
  'America/New_York',
  'America/Chicago',
  'America/Denver',
  'America/Phoenix',
  'America/Los_Angeles',
  'Europe/London',
] as const;
export type DemoZone = (typeof DEMO_ZONES)[number];

const MS_PER_HOUR = 3_600_000;
const MS_PER_MINUTE = 60_000;

interface ZoneRule {
  readonly standardOffsetMs: number;
  readonly daylightSaving: 'united-states' | 'european-union' | 'none';
}

const ZONE_RULES: Record<DemoZone, ZoneRule> = {
  'America/New_York': { standardOffsetMs: -5 * MS_PER_HOUR, daylightSaving: 'united-states' },
  'America/Chicago': { standardOffsetMs: -6 * MS_PER_HOUR, daylightSaving: 'united-states' },
  'America/Denver': { standardOffsetMs: -7 * MS_PER_HOUR, daylightSaving: 'united-states' },
  // Arizona keeps standard time all year: a zone where the clock never jumps.
  'America/Phoenix': { standardOffsetMs: -7 * MS_PER_HOUR, daylightSaving: 'none' },
  'America/Los_Angeles': { standardOffsetMs: -8 * MS_PER_HOUR, daylightSaving: 'united-states' },
  'Europe/London': { standardOffsetMs: 0, daylightSaving: 'european-union' },
};

/** Day of month of the n-th (1-based) Sunday of a month, or of the last one when n is 0. */
function sundayOfMonth(year: number, month: number, n: number): number {
  if (n === 0) {
    const lastDay = new Date(Date.UTC(year, month + 1, 0));
    return lastDay.getUTCDate() - lastDay.getUTCDay();
  }
  const firstWeekday = new Date(Date.UTC(year, month, 1)).getUTCDay();
  return 1 + ((7 - firstWeekday) % 7) + 7 * (n - 1);
}

/** UTC instants at which daylight saving time starts and ends in `year`. */
function daylightSavingSpan(rule: ZoneRule, year: number): { startMs: number; endMs: number } | null {
  switch (rule.daylightSaving) {
    case 'none':
      return null;
    case 'united-states':
      // Second Sunday of March, 02:00 standard time, to first Sunday of November, 02:00 daylight time.
      return {
        startMs: Date.UTC(year, 2, sundayOfMonth(year, 2, 2), 2) - rule.standardOffsetMs,
        endMs: Date.UTC(year, 10, sundayOfMonth(year, 10, 1), 2) - rule.standardOffsetMs - MS_PER_HOUR,
      };
    case 'european-union':
      // Last Sunday of March to last Sunday of October, both at 01:00 UTC.
      return {
        startMs: Date.UTC(year, 2, sundayOfMonth(year, 2, 0), 1),
        endMs: Date.UTC(year, 9, sundayOfMonth(year, 9, 0), 1),
      };
  }
}

export class ZoneClock {
  private readonly rule: ZoneRule;
  // The span of constant offset found last: the generator asks about nearby instants in order, so this
  // turns almost every lookup into two comparisons.
  private spanFromMs = 0;
  private spanToMs = -1;
  private spanOffsetMs = 0;

  constructor(readonly zone: DemoZone) {
    this.rule = ZONE_RULES[zone];
  }

  /** Local time minus UTC at the instant `utcMs`. */
  offsetMs(utcMs: number): number {
    if (utcMs >= this.spanFromMs && utcMs < this.spanToMs) return this.spanOffsetMs;
    const year = new Date(utcMs).getUTCFullYear();
    const yearStartMs = Date.UTC(year, 0, 1);
    const yearEndMs = Date.UTC(year + 1, 0, 1);
    const standard = this.rule.standardOffsetMs;
    const dst = daylightSavingSpan(this.rule, year);
    if (!dst) this.setSpan(yearStartMs, yearEndMs, standard);
    else if (utcMs < dst.startMs) this.setSpan(yearStartMs, dst.startMs, standard);
    else if (utcMs < dst.endMs) this.setSpan(dst.startMs, dst.endMs, standard + MS_PER_HOUR);
    else this.setSpan(dst.endMs, yearEndMs, standard);
    return this.spanOffsetMs;
  }

  /** Wall-clock time at `utcMs`, written as if it were UTC (so UTC getters read local fields). */
  localMs(utcMs: number): number {
    return utcMs + this.offsetMs(utcMs);
  }

  /** Local day number (days since 1970-01-01 on the local calendar) at `utcMs`. */
  localDay(utcMs: number): number {
    return Math.floor(this.localMs(utcMs) / MS_PER_DAY);
  }

  /**
   * The UTC instant of a local wall-clock time. Times skipped by the spring-forward jump map one hour
   * later, as clocks do; autumn times that occur twice map to the second (standard-time) occurrence.
   */
  utcOfLocal(localDay: number, minuteOfDay: number): number {
    const wallMs = localDay * MS_PER_DAY + Math.round(minuteOfDay) * MS_PER_MINUTE;
    const guessMs = wallMs - this.offsetMs(wallMs - this.rule.standardOffsetMs);
    return wallMs - this.offsetMs(guessMs);
  }

  private setSpan(fromMs: number, toMs: number, offsetMs: number): void {
    this.spanFromMs = fromMs;
    this.spanToMs = toMs;
    this.spanOffsetMs = offsetMs;
  }
}
