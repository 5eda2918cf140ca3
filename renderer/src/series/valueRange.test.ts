import { describe, expect, it } from 'vitest';
import { minimumValueRange } from './valueRange.js';

describe('minimumValueRange', () => {
  it('widens a narrow range to ten display steps around its middle', () => {
    const r = minimumValueRange(6.0, 6.1, 1);
    expect(r?.suggestedMin).toBeCloseTo(5.55);
    expect(r?.suggestedMax).toBeCloseTo(6.55);
    expect(minimumValueRange(85, 85, 0)).toEqual({ suggestedMin: 80, suggestedMax: 90 });
  });

  it('leaves a range that is wide enough to chart.js', () => {
    expect(minimumValueRange(40, 400, 0)).toBeUndefined();
    expect(minimumValueRange(5.5, 6.5, 1)).toBeUndefined();
  });

  it('does not go below zero for non-negative data', () => {
    expect(minimumValueRange(0, 2, 0)).toEqual({ suggestedMin: 0, suggestedMax: 10 });
  });

  it('gives nothing for no data', () => {
    expect(minimumValueRange(Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0)).toBeUndefined();
  });
});
