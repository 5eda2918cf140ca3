/** A binary min-heap of samples in release order: time, then stream, value, source and source id. */
import type { Sample } from '../domain/sample.js';

/** The total order samples are released in: ties in time are broken by content, never by arrival. */
export function compareSamples(a: Sample, b: Sample): number {
  return (
    a.tMs - b.tMs ||
    compareText(a.stream, b.stream) ||
    a.value - b.value ||
    compareText(a.source, b.source) ||
    compareText(a.sourceId ?? '', b.sourceId ?? '')
  );
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export class SampleHeap {
  private readonly items: Sample[] = [];

  get size(): number {
    return this.items.length;
  }

  peek(): Sample | undefined {
    return this.items[0];
  }

  push(sample: Sample): void {
    const items = this.items;
    items.push(sample);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (compareSamples(items[parent]!, sample) <= 0) break;
      items[i] = items[parent]!;
      i = parent;
    }
    items[i] = sample;
  }

  pop(): Sample | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (items.length === 0 || last === undefined) return top;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= items.length) break;
      const right = left + 1;
      const child = right < items.length && compareSamples(items[right]!, items[left]!) < 0 ? right : left;
      if (compareSamples(items[child]!, last) >= 0) break;
      items[i] = items[child]!;
      i = child;
    }
    items[i] = last;
    return top;
  }
}
