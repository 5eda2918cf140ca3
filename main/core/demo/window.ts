/**
 * The span of time a demo panel covers. Its end is the generator's only clock input: the same end gives
 * the same panel, and every sample time lies on a 5-minute grid counted from the end's UTC day.
 */
import { MS_PER_DAY } from '../../../shared/domain/sample.js';

export const CGM_INTERVAL_MS = 5 * 60_000;
export const CGM_POINTS_PER_DAY = MS_PER_DAY / CGM_INTERVAL_MS;

export interface DemoWindow {
  readonly days: number;
  /** Nothing generated is later than this. */
  readonly endMs: number;
  /** The newest 5-minute grid time not after `endMs`. */
  readonly lastGridMs: number;
  /** The oldest grid time: `days` whole days of grid points end at `lastGridMs`. */
  readonly startMs: number;
  /** Grid points in the window (`days` x 288). */
  readonly points: number;
}

export function demoWindow(days: number, endMs: number): DemoWindow {
  if (!Number.isInteger(days) || days < 1) throw new RangeError(`days must be a positive integer, got ${days}`);
  if (!Number.isFinite(endMs)) throw new RangeError(`endMs must be a finite time, got ${endMs}`);
  const end = Math.floor(endMs);
  const endDayStartMs = Math.floor(end / MS_PER_DAY) * MS_PER_DAY;
  const lastGridMs = endDayStartMs + Math.floor((end - endDayStartMs) / CGM_INTERVAL_MS) * CGM_INTERVAL_MS;
  const points = days * CGM_POINTS_PER_DAY;
  return { days, endMs: end, lastGridMs, startMs: lastGridMs - (points - 1) * CGM_INTERVAL_MS, points };
}

/** The grid index of the first grid time at or after `tMs` (may lie outside 0..points-1). */
export function gridIndexAtOrAfter(window: DemoWindow, tMs: number): number {
  return Math.ceil((tMs - window.startMs) / CGM_INTERVAL_MS);
}

export function gridTimeMs(window: DemoWindow, index: number): number {
  return window.startMs + index * CGM_INTERVAL_MS;
}
