/**
 * A stream's samples as the generator hands them to the store: columnar, sorted by time, one value per
 * time. Daily signals and labs collect them one by one; the builder grows typed arrays instead of
 * keeping a JavaScript object per sample.
 */

export interface DemoSeries {
  readonly stream: string;
  readonly tMs: Float64Array;
  readonly values: Float64Array;
}

export class SeriesBuilder {
  private tMs: Float64Array;
  private values: Float64Array;
  private count = 0;

  constructor(
    readonly stream: string,
    capacity = 128,
  ) {
    this.tMs = new Float64Array(Math.max(1, capacity));
    this.values = new Float64Array(Math.max(1, capacity));
  }

  get length(): number {
    return this.count;
  }

  /** Appends a sample; times must increase (a sample at the same time as the previous one is dropped). */
  push(tMs: number, value: number): void {
    if (this.count > 0 && tMs <= this.tMs[this.count - 1]!) {
      if (tMs === this.tMs[this.count - 1]) return;
      throw new RangeError(`${this.stream}: samples must come in time order`);
    }
    if (this.count === this.tMs.length) {
      const tMs = new Float64Array(this.count * 2);
      const values = new Float64Array(this.count * 2);
      tMs.set(this.tMs);
      values.set(this.values);
      this.tMs = tMs;
      this.values = values;
    }
    this.tMs[this.count] = tMs;
    this.values[this.count] = value;
    this.count++;
  }

  build(): DemoSeries {
    return { stream: this.stream, tMs: this.tMs.slice(0, this.count), values: this.values.slice(0, this.count) };
  }
}

/** A series from samples collected out of order (labs drawn for different reasons): sorted, one per time. */
export function seriesFromSamples(stream: string, samples: readonly { readonly tMs: number; readonly value: number }[]): DemoSeries {
  const sorted = [...samples].sort((a, b) => a.tMs - b.tMs);
  const builder = new SeriesBuilder(stream, sorted.length);
  for (const sample of sorted) builder.push(sample.tMs, sample.value);
  return builder.build();
}
