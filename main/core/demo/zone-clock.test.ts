import { describe, expect, it } from 'vitest';
import { DEMO_ZONES, ZoneClock } from './zone-clock.js';

const HOUR = 3_600_000;

/** Offset of `zone` at `utcMs` as Intl (ICU's time-zone database) reports it. */
function intlOffsetMs(format: Intl.DateTimeFormat, utcMs: number): number {
  const parts = Object.fromEntries(format.formatToParts(new Date(utcMs)).map((p) => [p.type, p.value]));
  const wall = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour) % 24, Number(parts.minute));
  return wall - Math.floor(utcMs / 60_000) * 60_000;
}

describe('ZoneClock', () => {
  for (const zone of DEMO_ZONES) {
    it(`agrees with Intl for ${zone} every 3 hours of 2023-2027 and around every transition`, () => {
      const clock = new ZoneClock(zone);
      const format = new Intl.DateTimeFormat('en-US', {
        timeZone: zone,
        hourCycle: 'h23',
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
      });
      const mismatches: string[] = [];
      let previous = clock.offsetMs(Date.UTC(2023, 0, 1));
      for (let t = Date.UTC(2023, 0, 1); t < Date.UTC(2028, 0, 1); t += 3 * HOUR) {
        const offset = clock.offsetMs(t);
        const checkAt = offset === previous ? [t] : [t - 3 * HOUR, t - 2 * HOUR, t - HOUR, t - 1, t];
        for (const at of checkAt) {
          if (clock.offsetMs(at) !== intlOffsetMs(format, at)) mismatches.push(new Date(at).toISOString());
        }
        previous = offset;
      }
      expect(mismatches).toEqual([]);
    });
  }

  it('converts local wall-clock times to UTC and back, across daylight-saving changes', () => {
    const clock = new ZoneClock('America/New_York');
    // 2025-03-09 is the spring-forward day in the United States; 07:30 local is EDT (UTC-4).
    const springDay = Math.floor(Date.UTC(2025, 2, 9) / 86_400_000);
    expect(new Date(clock.utcOfLocal(springDay, 7 * 60 + 30)).toISOString()).toBe('2025-03-09T11:30:00.000Z');
    expect(new Date(clock.utcOfLocal(springDay - 1, 7 * 60 + 30)).toISOString()).toBe('2025-03-08T12:30:00.000Z');
    // 02:30 does not exist that day: clocks read 03:30 EDT.
    expect(new Date(clock.utcOfLocal(springDay, 150)).toISOString()).toBe('2025-03-09T07:30:00.000Z');
    const london = new ZoneClock('Europe/London');
    const summerDay = Math.floor(Date.UTC(2025, 6, 1) / 86_400_000);
    const t = london.utcOfLocal(summerDay, 8 * 60);
    expect(new Date(t).toISOString()).toBe('2025-07-01T07:00:00.000Z');
    expect(london.localDay(t)).toBe(summerDay);
  });
});
