import { describe, expect, it } from 'vitest';
import { ageYears, formatAgo, formatCalendarDate, formatCount, formatDateTime, formatPercent, formatTimeOfDay, formatValue } from './format.js';

const en = { locale: 'en-US', timeZone: 'Europe/Berlin' };
const NOW = Date.UTC(2025, 4, 29, 12, 0);
/** Newer ICU puts a narrow no-break space before AM/PM. */
const plainSpaces = (s: string): string => s.replace(/[\u202f\u00a0]/g, ' ');

describe('formatAgo', () => {
  it('says just now under a minute and when the clock is slightly ahead', () => {
    expect(formatAgo(NOW - 30_000, NOW, en)).toBe('just now');
    expect(formatAgo(NOW + 5_000, NOW, en)).toBe('just now');
  });

  it('uses minutes, then hours up to two days, then days', () => {
    expect(formatAgo(NOW - 5 * 60_000, NOW, en)).toBe('5 min. ago');
    expect(formatAgo(NOW - 3 * 3600_000, NOW, en)).toBe('3 hr. ago');
    expect(formatAgo(NOW - 40 * 3600_000, NOW, en)).toBe('40 hr. ago');
    expect(formatAgo(NOW - 12 * 86_400_000, NOW, en)).toBe('12 days ago');
  });
});

describe('numbers and dates', () => {
  it('groups counts and fixes decimals by the locale', () => {
    expect(formatCount(25914, en)).toBe('25,914');
    expect(formatCount(25914, { locale: 'de-DE' })).toBe('25.914');
    expect(formatValue(82.25, 1, en)).toBe('82.3');
    expect(formatValue(82, 1, en)).toBe('82.0');
  });

  it('shows times in the given zone', () => {
    expect(plainSpaces(formatDateTime(NOW, en))).toBe('May 29, 2025, 2:00 PM');
    expect(plainSpaces(formatDateTime(NOW, { locale: 'en-US', timeZone: 'America/New_York' }))).toBe('May 29, 2025, 8:00 AM');
  });

  it('shows a calendar date as the same date in any zone', () => {
    expect(formatCalendarDate('1956-03-14', { locale: 'en-US' })).toBe('Mar 14, 1956');
    expect(formatCalendarDate('not a date')).toBe('not a date');
  });

  it('counts whole years of age', () => {
    expect(ageYears('1956-05-29', NOW)).toBe(69);
    expect(ageYears('1956-05-30', NOW)).toBe(68);
    expect(ageYears('x', NOW)).toBeNull();
  });
});

describe('formatPercent and formatTimeOfDay', () => {
  it('formats percent (0-100) for the locale', () => {
    expect(formatPercent(73.46, 0, { locale: 'en-US' })).toBe('73%');
    expect(plainSpaces(formatPercent(73.46, 1, { locale: 'de-DE' }))).toBe('73,5 %');
    expect(formatPercent(0.4, 1, { locale: 'en-US' })).toBe('0.4%');
  });

  it('formats a minute of the day as a clock time', () => {
    expect(plainSpaces(formatTimeOfDay(18 * 60 + 15, { locale: 'en-US' }))).toBe('6:15 PM');
    expect(formatTimeOfDay(18 * 60 + 15, { locale: 'de-DE' })).toBe('18:15');
    expect(plainSpaces(formatTimeOfDay(0, { locale: 'en-US' }))).toBe('12:00 AM');
  });
});
