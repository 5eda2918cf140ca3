import { describe, expect, it } from 'vitest';
import { checkZone, parseIsoWallClock, parseSlashedWallClock, ZoneClock } from './local-time.js';

const H = 3_600_000;

describe('zone-less local times to UTC', () => {
  const ny = new ZoneClock('America/New_York');

  it('converts ordinary times with the offset in force', () => {
    expect(ny.toUtc(Date.UTC(2024, 0, 15, 9, 30))).toEqual({ tMs: Date.UTC(2024, 0, 15, 14, 30) });
    expect(ny.toUtc(Date.UTC(2024, 6, 15, 9, 30))).toEqual({ tMs: Date.UTC(2024, 6, 15, 13, 30) });
    expect(new ZoneClock('Asia/Kolkata').toUtc(Date.UTC(2024, 0, 1, 5, 30)).tMs).toBe(Date.UTC(2024, 0, 1));
  });

  it('moves a time in the spring-forward gap forward by the gap', () => {
    // 2024-03-10 02:30 does not exist in New York: read as 03:30 EDT.
    expect(ny.toUtc(Date.UTC(2024, 2, 10, 2, 30))).toEqual({ tMs: Date.UTC(2024, 2, 10, 7, 30), shiftedMs: H });
    expect(new ZoneClock('Europe/Berlin').toUtc(Date.UTC(2024, 2, 31, 2, 15))).toEqual({
      tMs: Date.UTC(2024, 2, 31, 1, 15),
      shiftedMs: H,
    });
  });

  it('takes the first of a repeated hour, the second once the sequence has gone round', () => {
    const clock = new ZoneClock('America/New_York');
    const wall = (h: number, m: number) => Date.UTC(2024, 10, 3, h, m);
    const seq = [wall(0, 50), wall(1, 10), wall(1, 50), wall(1, 5), wall(1, 40), wall(2, 5)].map((w) => clock.toUtc(w, 's'));
    expect(seq.map((r) => r.tMs)).toEqual([
      Date.UTC(2024, 10, 3, 4, 50),
      Date.UTC(2024, 10, 3, 5, 10),
      Date.UTC(2024, 10, 3, 5, 50),
      Date.UTC(2024, 10, 3, 6, 5),
      Date.UTC(2024, 10, 3, 6, 40),
      Date.UTC(2024, 10, 3, 7, 5),
    ]);
    expect(seq.map((r) => r.occurrence)).toEqual([undefined, 'first', 'first', 'second', 'second', undefined]);
    // Another series has its own sequence: its first 01:30 is the first occurrence.
    expect(clock.toUtc(wall(1, 30), 'other')).toEqual({ tMs: Date.UTC(2024, 10, 3, 5, 30), occurrence: 'first' });
  });

  it('refuses unknown zones with a message that says what to give', () => {
    expect(() => checkZone('Mars/Olympus')).toThrow(/IANA zone/);
    expect(checkZone('Europe/Paris')).toBe('Europe/Paris');
  });

  it('parses the date styles the exports use, and refuses impossible dates', () => {
    expect(parseSlashedWallClock('5/10/2016 6:55:26 AM')).toBe(Date.UTC(2016, 4, 10, 6, 55, 26));
    expect(parseSlashedWallClock('5/10/2016 12:05:00 AM')).toBe(Date.UTC(2016, 4, 10, 0, 5));
    expect(parseSlashedWallClock('5/10/2016 12:05:00 PM')).toBe(Date.UTC(2016, 4, 10, 12, 5));
    expect(parseSlashedWallClock('05/02/2016 23:59')).toBe(Date.UTC(2016, 4, 2, 23, 59));
    expect(parseSlashedWallClock('4/12/2016')).toBe(Date.UTC(2016, 3, 12));
    expect(parseSlashedWallClock('10-02-2021 00:03', true)).toBe(Date.UTC(2021, 1, 10, 0, 3));
    expect(parseSlashedWallClock('2/30/2016')).toBeNull();
    expect(parseSlashedWallClock('5/10/2016 13:00 PM')).toBeNull();
    expect(parseSlashedWallClock('heavy')).toBeNull();
    expect(parseIsoWallClock('2015-06-06 16:50:27')).toBe(Date.UTC(2015, 5, 6, 16, 50, 27));
    expect(parseIsoWallClock('2016-10-24T11:24:17')).toBe(Date.UTC(2016, 9, 24, 11, 24, 17));
    expect(parseIsoWallClock('2016-13-24T11:24:17')).toBeNull();
  });
});
