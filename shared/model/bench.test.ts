import { describe, expect, it } from 'vitest';
import { benchFilterSmoother } from './bench.js';

describe('benchFilterSmoother', () => {
  it('runs the filter and smoother over a small synthetic panel and reports a rate', () => {
    let clockMs = 0;
    // A fake clock that advances 10 ms per reading keeps the figure deterministic.
    const result = benchFilterSmoother(3, 2, () => (clockMs += 10));
    expect(result.seconds).toBeCloseTo(0.01, 12);
    expect(result.pointsPerSec).toBeCloseTo((3 * 2 * 288) / 0.01, 6);
  });
});
