/**
 * The RPM program's rules, as pure functions: the period, the device-supply and treatment-management codes,
 * and the projection of device days.
 *
 * Period: a calendar month in the patient's zone (their profile's IANA zone; else the zone the caller passes,
 * the host's). CMS speaks of "a 30-day period"; a calendar month is how `caretwin program --month YYYY-MM`
 * names one and how most programs bill. It runs from local midnight on the 1st to local midnight on the 1st of
 * the next month (so 23 or 25 hours longer or shorter around DST changes, and the day count is the month's).
 *
 * Codes (CPT 2026; 99445 and 99470 are new in 2026):
 *   device supply, per period, by days with device data: 2-15 days -> 99445, 16 or more -> 99454 (never both);
 *   treatment management, per period, by logged interactive minutes: 10-19 -> 99470; 20 or more -> 99457, and
 *   one 99458 for each further full 20 minutes (40 -> 99457 + 1 x 99458, 60 -> 99457 + 2 x 99458).
 *
 * Projection of 16 device days: each remaining day of the period (today included while it has no data yet) is
 * taken to have data independently with the patient's recent daily rate, p = (d + 1) / (n + 2) for d days with
 * data among the last n = 14 local days before today (Laplace's rule: never exactly 0 or 1, and 1/2 with no
 * history). The probability of reaching 16 is P(Binomial(remaining, p) >= needed). Independence is a
 * simplification: wear comes in runs (a sensor that failed stays off for days), so the true spread is wider and
 * a probability near 0 or 1 is surer than one in the middle.
 */
import { AppError } from '../../../shared/ipc/errors.js';
import { ZoneClock } from '../../../shared/align/zone-clock.js';

const DAY_MS = 86_400_000;

export const DEVICE_DAYS_FULL = 16;
export const DEVICE_DAYS_MIN = 2;
export const RECENT_WEAR_DAYS = 14;

export interface ProgramPeriod {
  /** YYYY-MM */
  readonly month: string;
  readonly zone: string;
  /** UTC ms of local midnight on the 1st (inclusive) and on the 1st of the next month (exclusive). */
  readonly startMs: number;
  readonly endMs: number;
  /** Local day numbers (days since 1970-01-01 of the local calendar): first and last day of the month. */
  readonly firstDay: number;
  readonly lastDay: number;
}

export function parseMonth(month: string): { year: number; month: number } {
  const m = typeof month === 'string' ? /^(\d{4})-(0[1-9]|1[0-2])$/.exec(month) : null;
  const year = m ? Number(m[1]) : NaN;
  if (!m || year < 2000 || year > 2100) throw new AppError('VALIDATION', 'The month is given as YYYY-MM, e.g. 2026-03.');
  return { year, month: Number(m[2]) };
}

export function monthPeriod(month: string, zone: string): ProgramPeriod {
  const { year, month: mm } = parseMonth(month);
  const clock = new ZoneClock(zone);
  const firstWall = Date.UTC(year, mm - 1, 1);
  const nextWall = Date.UTC(year, mm, 1);
  return {
    month,
    zone: clock.zone,
    startMs: clock.toUtc(firstWall).tMs,
    endMs: clock.toUtc(nextWall).tMs,
    firstDay: firstWall / DAY_MS,
    lastDay: nextWall / DAY_MS - 1,
  };
}

/** The month (YYYY-MM) a UTC instant falls in, in `zone`. */
export function monthOf(tMs: number, zone: string): string {
  const d = new Date(tMs + new ZoneClock(zone).offsetAt(tMs));
  return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
}

/** Local day number (days since 1970-01-01 in the zone's calendar) of a UTC instant. */
export function localDayOf(clock: ZoneClock, tMs: number): number {
  return Math.floor((tMs + clock.offsetAt(tMs)) / DAY_MS);
}

export function isoOfLocalDay(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

export type DeviceCode = '99445' | '99454';

export function deviceSupplyCode(daysWithData: number): DeviceCode | null {
  if (daysWithData >= DEVICE_DAYS_FULL) return '99454';
  if (daysWithData >= DEVICE_DAYS_MIN) return '99445';
  return null;
}

export interface CodeUnits {
  readonly code: '99470' | '99457' | '99458';
  readonly units: number;
}

/** Treatment-management codes for the minutes logged in a period (whole seconds; thresholds on full minutes). */
export function managementCodes(totalSeconds: number): CodeUnits[] {
  const minutes = Math.floor(totalSeconds / 60);
  if (minutes < 10) return [];
  if (minutes < 20) return [{ code: '99470', units: 1 }];
  const extra = Math.floor((minutes - 20) / 20);
  return extra > 0 ? [{ code: '99457', units: 1 }, { code: '99458', units: extra }] : [{ code: '99457', units: 1 }];
}

/** Minutes still to log for the next code (or unit), and which one it is. */
export function nextManagementStep(totalSeconds: number): { code: '99470' | '99457' | '99458'; minutesNeeded: number } {
  const minutes = Math.floor(totalSeconds / 60);
  if (minutes < 10) return { code: '99470', minutesNeeded: 10 - minutes };
  if (minutes < 20) return { code: '99457', minutesNeeded: 20 - minutes };
  return { code: '99458', minutesNeeded: 20 - ((minutes - 20) % 20) };
}

export interface DayProjection {
  readonly needed: number;
  readonly remainingDays: number;
  readonly recentWindowDays: number;
  readonly recentDaysWithData: number;
  /** p, the per-day rate used */
  readonly dailyRate: number;
  /** P(reaching 16 days by the end of the period) */
  readonly probability: number;
  readonly outcome: 'reached' | 'likely' | 'uncertain' | 'unlikely' | 'not-reachable';
}

export function projectDeviceDays(daysSoFar: number, remainingDays: number, recentDaysWithData: number, recentWindowDays: number): DayProjection {
  const needed = Math.max(0, DEVICE_DAYS_FULL - daysSoFar);
  const dailyRate = (recentDaysWithData + 1) / (recentWindowDays + 2);
  const probability = needed === 0 ? 1 : binomialAtLeast(remainingDays, dailyRate, needed);
  const outcome =
    needed === 0 ? 'reached' : needed > remainingDays ? 'not-reachable' : probability >= 0.8 ? 'likely' : probability >= 0.2 ? 'uncertain' : 'unlikely';
  return { needed, remainingDays, recentWindowDays, recentDaysWithData, dailyRate, probability, outcome };
}

/** P(X >= k) for X ~ Binomial(n, p). */
export function binomialAtLeast(n: number, p: number, k: number): number {
  if (k <= 0) return 1;
  if (k > n) return 0;
  let term = (1 - p) ** n; // P(X = 0)
  let below = 0;
  for (let i = 0; i < k; i++) {
    below += term;
    term *= ((n - i) / (i + 1)) * (p / (1 - p));
  }
  return Math.min(1, Math.max(0, 1 - below));
}
