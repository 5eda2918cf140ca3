/**
 * Splits a time series into runs without gaps, so a chart draws a gap as a break in the line rather
 * than a straight line across missing data. A gap is a step longer than `gapFactor` times the
 * series' typical step (the median step), so "typical" adapts to the stream: 5 min for CGM, a day
 * for weight.
 *
 * Why runs and not `null` points in one dataset: chart.js's LTTB decimation averages and compares
 * `y` arithmetically, so a `null` counts as 0 there; it bends the chosen points towards zero and two
 * gaps in one bucket lose one of them. Each run is instead its own dataset, decimated on its own.
 */
export interface ChartPoint {
  readonly x: number;
  readonly y: number;
}

/** The median of the positive steps between consecutive times (sorted input), or null with fewer than two distinct times. */
export function typicalStepMs(sortedTMs: ArrayLike<number>): number | null {
  const steps: number[] = [];
  for (let i = 1; i < sortedTMs.length; i++) {
    const step = (sortedTMs[i] as number) - (sortedTMs[i - 1] as number);
    if (step > 0) steps.push(step);
  }
  if (steps.length === 0) return null;
  const sorted = Float64Array.from(steps).sort();
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

export function splitAtGaps(tMs: readonly number[], values: readonly number[], gapFactor = 3): ChartPoint[][] {
  const points: ChartPoint[] = [];
  const n = Math.min(tMs.length, values.length);
  for (let i = 0; i < n; i++) {
    const x = tMs[i] as number;
    const y = values[i] as number;
    if (Number.isFinite(x) && Number.isFinite(y)) points.push({ x, y });
  }
  // chart.js decimation needs points in x order; the core sends them sorted, but do not depend on it.
  let sorted = true;
  for (let i = 1; i < points.length && sorted; i++) sorted = (points[i] as ChartPoint).x >= (points[i - 1] as ChartPoint).x;
  if (!sorted) points.sort((a, b) => a.x - b.x);
  if (points.length === 0) return [];

  const step = typicalStepMs(points.map((p) => p.x));
  if (step === null) return [points];
  const maxStep = step * gapFactor;
  const runs: ChartPoint[][] = [];
  let run: ChartPoint[] = [points[0] as ChartPoint];
  for (let i = 1; i < points.length; i++) {
    const p = points[i] as ChartPoint;
    if (p.x - (points[i - 1] as ChartPoint).x > maxStep) {
      runs.push(run);
      run = [];
    }
    run.push(p);
  }
  runs.push(run);
  return runs;
}
