/**
 * A tiny trend line of daily values (oldest first; null = a day without data, drawn as a break, never bridged),
 * as inline SVG with a text alternative that says what the line shows: first and last value, range, missing days.
 */
import { memo } from 'react';
import { formatCount, formatValue } from '../format.js';

export interface SparklineProps {
  readonly values: readonly (number | null)[];
  /** What is drawn, for the text alternative: "Daily mean glucose" */
  readonly label: string;
  readonly unit: string;
  readonly decimals: number;
  readonly width?: number;
  readonly height?: number;
}

export function sparklineText(values: readonly (number | null)[], label: string, unit: string, decimals: number): string {
  const present = values.filter((v): v is number => v !== null);
  const days = values.length;
  if (present.length === 0) return `${label}: no data in the last ${formatCount(days)} days`;
  const f = (v: number) => `${formatValue(v, decimals)} ${unit}`;
  const missing = days - present.length;
  const range = `range ${f(Math.min(...present))} to ${f(Math.max(...present))}`;
  return (
    `${label} over ${formatCount(days)} days: ${f(present[0]!)} first, ${f(present[present.length - 1]!)} last, ${range}` +
    (missing > 0 ? `, ${formatCount(missing)} ${missing === 1 ? 'day' : 'days'} without data` : '')
  );
}

export const Sparkline = memo(function Sparkline({ values, label, unit, decimals, width = 84, height = 22 }: SparklineProps) {
  const text = sparklineText(values, label, unit, decimals);
  const present = values.filter((v): v is number => v !== null);
  if (present.length === 0) {
    return (
      <span className="sparkline-empty muted" title={text}>
        no data
      </span>
    );
  }
  const lo = Math.min(...present);
  const hi = Math.max(...present);
  const span = hi - lo || 1;
  const dx = values.length > 1 ? (width - 4) / (values.length - 1) : 0;
  const y = (v: number) => 2 + (height - 4) * (1 - (v - lo) / span);
  // One path, broken at missing days.
  let d = '';
  let pen = false;
  values.forEach((v, i) => {
    if (v === null) {
      pen = false;
      return;
    }
    d += `${pen ? 'L' : 'M'}${(2 + i * dx).toFixed(1)},${y(v).toFixed(1)}`;
    pen = true;
  });
  const lastIndex = values.length - 1 - [...values].reverse().findIndex((v) => v !== null);
  const last = values[lastIndex]!;
  return (
    <svg className="sparkline" width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="img" aria-label={text}>
      <title>{text}</title>
      <path d={d} fill="none" stroke="currentColor" strokeWidth="1.5" strokeLinejoin="round" strokeLinecap="round" />
      <circle cx={2 + lastIndex * dx} cy={y(last)} r="2" fill="currentColor" />
    </svg>
  );
});
