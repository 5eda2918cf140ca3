/**
 * One patient's days inside the demo window, on the patient's own calendar: "breakfast at 07:40 on
 * day 12" becomes a UTC instant here, so the signal models think in local days and minutes.
 */
import type { DemoWindow } from './window.js';
import type { ZoneClock } from './zone-clock.js';

export class PatientCalendar {
  /** Local day number of the window's first grid time: window day 0. */
  readonly firstLocalDay: number;
  /** Local days the window touches (the first and last only partly). */
  readonly dayCount: number;

  constructor(
    readonly window: DemoWindow,
    readonly clock: ZoneClock,
  ) {
    this.firstLocalDay = clock.localDay(window.startMs);
    this.dayCount = clock.localDay(window.endMs) - this.firstLocalDay + 1;
  }

  /** UTC instant of local time `minuteOfDay` on window day `dayIndex` (negative: before the window). */
  utcAt(dayIndex: number, minuteOfDay: number): number {
    return this.clock.utcOfLocal(this.firstLocalDay + dayIndex, minuteOfDay);
  }

  /** Window day (local calendar) of a UTC instant. */
  dayIndexOf(utcMs: number): number {
    return this.clock.localDay(utcMs) - this.firstLocalDay;
  }

  /** Day of the week of window day `dayIndex`, 0 = Sunday (1970-01-01 was a Thursday). */
  weekday(dayIndex: number): number {
    return (((this.firstLocalDay + dayIndex + 4) % 7) + 7) % 7;
  }

  /** True when `utcMs` lies in the window: not before its first grid time, not after its end. */
  contains(utcMs: number): boolean {
    return utcMs >= this.window.startMs && utcMs <= this.window.endMs;
  }
}
