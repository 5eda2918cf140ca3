import { describe, expect, it } from 'vitest';
import { splitAtGaps, typicalStepMs } from './gaps.js';

const MIN = 60_000;

describe('typicalStepMs', () => {
  it('is the median positive step', () => {
    expect(typicalStepMs([0, 5, 10, 15, 100])).toBe(5);
    expect(typicalStepMs([0, 1, 3, 6, 10])).toBe(2.5);
    expect(typicalStepMs([0, 0, 5, 10])).toBe(5);
  });

  it('is null without two distinct times', () => {
    expect(typicalStepMs([])).toBeNull();
    expect(typicalStepMs([7])).toBeNull();
    expect(typicalStepMs([7, 7])).toBeNull();
  });
});

describe('splitAtGaps', () => {
  it('keeps a regular series as one run of {x, y} points', () => {
    const t = [0, 5, 10, 15].map((m) => m * MIN);
    expect(splitAtGaps(t, [100, 110, 120, 130])).toEqual([
      [
        { x: 0, y: 100 },
        { x: 5 * MIN, y: 110 },
        { x: 10 * MIN, y: 120 },
        { x: 15 * MIN, y: 130 },
      ],
    ]);
  });

  it('breaks where a step is more than three typical steps, not at exactly three', () => {
    // 5-min CGM: a 15-min step (two readings missed) stays joined, a 20-min step breaks.
    const t = [0, 5, 10, 25, 30, 35, 55, 60].map((m) => m * MIN);
    const runs = splitAtGaps(t, [1, 2, 3, 4, 5, 6, 7, 8]);
    expect(runs.map((r) => r.map((p) => p.y))).toEqual([[1, 2, 3, 4, 5, 6], [7, 8]]);
  });

  it('sorts unsorted input and drops non-finite values', () => {
    const runs = splitAtGaps([10, 0, 5, 15], [3, 1, 2, Number.NaN]);
    expect(runs).toEqual([
      [
        { x: 0, y: 1 },
        { x: 5, y: 2 },
        { x: 10, y: 3 },
      ],
    ]);
  });

  it('handles empty and single-point series', () => {
    expect(splitAtGaps([], [])).toEqual([]);
    expect(splitAtGaps([42], [7])).toEqual([[{ x: 42, y: 7 }]]);
  });

  it('keeps every point across runs', () => {
    const t = Array.from({ length: 1000 }, (_, i) => i * 5 * MIN + (i > 500 ? 6 * 3600_000 : 0));
    const runs = splitAtGaps(t, t.map((_, i) => i));
    expect(runs).toHaveLength(2);
    expect(runs.flat()).toHaveLength(1000);
  });
});
