import { describe, expect, it } from 'vitest';
import { renderedSegments } from './virtualRows.js';

describe('renderedSegments', () => {
  it('renders the window between two spacers when the pinned row is inside it', () => {
    expect(renderedSegments(300, 100, 120, 110)).toEqual([
      { kind: 'gap', from: 0, to: 100 },
      { kind: 'rows', from: 100, to: 120 },
      { kind: 'gap', from: 120, to: 300 },
    ]);
  });

  it('keeps a pinned row above the window in its place, with spacers on both sides', () => {
    expect(renderedSegments(300, 100, 120, 5)).toEqual([
      { kind: 'gap', from: 0, to: 5 },
      { kind: 'rows', from: 5, to: 6 },
      { kind: 'gap', from: 6, to: 100 },
      { kind: 'rows', from: 100, to: 120 },
      { kind: 'gap', from: 120, to: 300 },
    ]);
  });

  it('keeps a pinned row below the window, and leaves out empty spacers', () => {
    expect(renderedSegments(300, 0, 20, 299)).toEqual([
      { kind: 'rows', from: 0, to: 20 },
      { kind: 'gap', from: 20, to: 299 },
      { kind: 'rows', from: 299, to: 300 },
    ]);
    expect(renderedSegments(300, 0, 20, 20)).toEqual([
      { kind: 'rows', from: 0, to: 20 },
      { kind: 'rows', from: 20, to: 21 },
      { kind: 'gap', from: 21, to: 300 },
    ]);
  });

  it('covers every row exactly once, in order', () => {
    for (const [count, first, last, pinned] of [
      [250, 0, 30, 0],
      [250, 220, 250, 3],
      [250, 40, 70, 249],
      [0, 0, 0, 0],
    ] as const) {
      const segments = renderedSegments(count, first, last, pinned);
      let at = 0;
      for (const s of segments) {
        expect(s.from).toBe(at);
        expect(s.to).toBeGreaterThan(s.from);
        at = s.to;
      }
      expect(at).toBe(count);
    }
  });
});
