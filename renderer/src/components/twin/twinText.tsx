/** Small text pieces of the twin view: a band as "a–b", durations in words, and the "drawn" mark the bench reads. */
import { formatValue } from '../../format.js';

export function BandText({ lower, upper, decimals, unit }: { lower: number | null; upper: number | null; decimals: number; unit?: string }) {
  if (lower === null || upper === null) return <span className="muted">not available</span>;
  return (
    <span className="band-text">
      {formatValue(lower, decimals)}–{formatValue(upper, decimals)}
      {unit ? ` ${unit}` : ''}
    </span>
  );
}

export function bandString(lower: number | null, upper: number | null, decimals: number, unit: string): string {
  if (lower === null || upper === null) return 'not available';
  return `${formatValue(lower, decimals)}–${formatValue(upper, decimals)} ${unit}`;
}

const MINUTE = 60_000;
export function durationText(ms: number): string {
  const minutes = Math.round(ms / MINUTE);
  if (minutes < 120) return `${minutes} min`;
  const hours = ms / (60 * MINUTE);
  if (hours < 48) return `${formatValue(hours, hours < 10 ? 1 : 0)} hours`;
  return `${formatValue(hours / 24, 1)} days`;
}

/** A performance mark per first draw of a twin chart (read by `npm run bench`'s twin-ui section). */
export function markDrawn(kind: string): void {
  performance.mark(`caretwin:twin-drawn:${kind}`);
}
