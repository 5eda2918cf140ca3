/**
 * The bulk path: frames of one stream's series that is already in event-time order and free of duplicates (a
 * patient's stream read back from the store for a full refit), columnar, without an event per sample. Same grid,
 * same bins, same arithmetic as `toFrames`, so a series in `alignByEventTime`'s release order gives the same numbers.
 */
import { binsFor, checkGrid, type Grid } from './frames.js';

/** One entry per bin from the first sample's to the last sample's; `mean`, `min`, `max` are NaN where `count` is 0. */
export interface SeriesFrames {
  readonly startMs: Float64Array;
  readonly count: Uint32Array;
  readonly mean: Float64Array;
  readonly min: Float64Array;
  readonly max: Float64Array;
}

/** More bins than this is a grid or a time that is wrong (a 5-min grid over a century is 10 million). */
const MAX_BINS = 10_000_000;

export function framesOfSeries(
  tMs: ArrayLike<number>,
  values: ArrayLike<number>,
  grid: Grid,
  patientId: string,
): SeriesFrames {
  checkGrid(grid);
  const n = tMs.length;
  if (values.length !== n) throw new RangeError('the series has a different number of times and values');
  if (n === 0) return empty();
  const bins = binsFor(grid, patientId);
  const first = bins.indexOf(tMs[0]!);
  const size = bins.indexOf(tMs[n - 1]!) - first + 1;
  if (!(size > 0 && size <= MAX_BINS)) {
    throw new RangeError('the series is not in time order, or spans too many bins; align it with alignByEventTime first');
  }
  const out = {
    startMs: new Float64Array(size),
    count: new Uint32Array(size),
    mean: new Float64Array(size).fill(Number.NaN),
    min: new Float64Array(size).fill(Number.NaN),
    max: new Float64Array(size).fill(Number.NaN),
  };
  for (let b = 0; b < size; b++) out.startMs[b] = bins.startOf(first + b);
  // One pass; the series is in order, so the bin changes only when a time reaches the current bin's end.
  let bin = -1;
  let binEndMs = -Infinity;
  let count = 0;
  let sum = 0;
  let compensation = 0;
  let min = Infinity;
  let max = -Infinity;
  let previousMs = -Infinity;
  for (let i = 0; i <= n; i++) {
    const t = i < n ? tMs[i]! : Infinity;
    if (t >= binEndMs) {
      if (count > 0) {
        out.count[bin] = count;
        out.mean[bin] = sum / count;
        out.min[bin] = min;
        out.max[bin] = max;
      }
      if (i === n) break;
      bin = bins.indexOf(t) - first;
      binEndMs = bin + 1 < size ? out.startMs[bin + 1]! : Infinity;
      count = 0;
      sum = 0;
      compensation = 0;
      min = Infinity;
      max = -Infinity;
    }
    const v = values[i]!;
    if (!(t >= previousMs) || !Number.isFinite(v)) {
      throw new RangeError('the series is not in time order or holds a value that is not a number');
    }
    previousMs = t;
    count += 1;
    const y = v - compensation;
    const s = sum + y;
    compensation = s - sum - y;
    sum = s;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return out;
}

function empty(): SeriesFrames {
  return {
    startMs: new Float64Array(0),
    count: new Uint32Array(0),
    mean: new Float64Array(0),
    min: new Float64Array(0),
    max: new Float64Array(0),
  };
}
