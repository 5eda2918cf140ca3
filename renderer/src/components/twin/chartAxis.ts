/**
 * What every chart of a patient's page shares so that they line up one above the other: the padded time range,
 * a fixed width for the value axis, locale tick labels, and the theme's colours (CSS custom properties,
 * re-read when the system scheme or the page's theme attribute changes).
 */
import { useEffectiveTheme } from '../../theme.js';

const DAY_MS = 86_400_000;
/** Width of every chart's value axis, px, so that the time axes of stacked charts and the timeline line up. */
export const VALUE_AXIS_WIDTH = 64;

export interface TimeRange {
  readonly min: number;
  readonly max: number;
}

/** A little room either side so edge points are not cut in half. */
export function paddedRange(range: TimeRange): TimeRange {
  const pad = Math.max((range.max - range.min) * 0.01, Math.min(3_600_000, (range.max - range.min) * 0.02));
  return { min: range.min - pad, max: range.max + pad };
}

/** Tick labels in the viewer's locale, detailed enough for the span shown. */
export function tickFormat(spanMs: number): Intl.DateTimeFormat {
  if (spanMs > 540 * DAY_MS) return new Intl.DateTimeFormat(undefined, { month: 'short', year: 'numeric' });
  if (spanMs > 3 * DAY_MS) return new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short' });
  return new Intl.DateTimeFormat(undefined, { weekday: 'short', hour: 'numeric', minute: '2-digit' });
}

/** Changes whenever the colours may have changed (system scheme or the user's theme choice): charts rebuild. */
export function useThemeVersion(): string {
  return useEffectiveTheme();
}

export interface TwinColours {
  readonly text: string;
  readonly grid: string;
  readonly observed: string;
  readonly model: string;
  readonly band80: string;
  readonly band95: string;
  readonly projection: string;
  readonly projectionBand80: string;
  readonly projectionBand95: string;
  readonly secondary: string;
}

export function readTwinColours(element: Element): TwinColours {
  const style = getComputedStyle(element);
  const read = (name: string, fallback: string): string => style.getPropertyValue(name).trim() || fallback;
  return {
    text: read('--chart-text', '#4d5868'),
    grid: read('--chart-grid', '#e3e8ee'),
    observed: read('--twin-observed', '#5b6676'),
    model: read('--twin-model', '#1f6fc0'),
    band80: read('--twin-band-80', 'rgba(31, 111, 192, 0.30)'),
    band95: read('--twin-band-95', 'rgba(31, 111, 192, 0.14)'),
    projection: read('--twin-projection', '#a0521d'),
    projectionBand80: read('--twin-projection-band-80', 'rgba(196, 101, 36, 0.30)'),
    projectionBand95: read('--twin-projection-band-95', 'rgba(196, 101, 36, 0.14)'),
    secondary: read('--twin-secondary', '#2e7d4f'),
  };
}
