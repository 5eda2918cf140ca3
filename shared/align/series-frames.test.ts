/** The bulk path gives the frames of the operators, number for number, and refuses a series out of order. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Sample } from '../domain/sample.js';
import { STREAM } from '../domain/streams.js';
import { alignSamples } from './align-test-support.js';
import { CGM_GRID, localDayGrid, type Grid } from './frames.js';
import { framesOfSeries } from './series-frames.js';

const T0 = Date.UTC(2024, 10, 2, 12); // New York's fall-back night falls inside the span

const GRIDS: readonly Grid[] = [CGM_GRID, { kind: 'fixed', stepMs: 60_000 }, localDayGrid(() => 'America/New_York')];

describe('framesOfSeries', () => {
  it('equals toFrames on any series in order without repeats, gaps included', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.integer({ min: 0, max: 4 * 24 * 3600 }), { maxLength: 300, size: 'max' }),
        fc.array(fc.integer({ min: 400, max: 4000 }), { minLength: 300, maxLength: 300 }),
        fc.constantFrom(...GRIDS),
        async (seconds, tenths, grid) => {
          const tMs = [...seconds].sort((a, b) => a - b).map((s) => T0 + s * 1000);
          const values = tMs.map((_, i) => tenths[i]! / 10);
          const samples: Sample[] = tMs.map((t, i) => ({ patientId: 'p', stream: STREAM.heartRate, tMs: t, value: values[i]!, source: 'w' }));
          const { frames } = await alignSamples(samples, { latenessMs: 0 }, { grid, streams: [STREAM.heartRate] });
          const bulk = framesOfSeries(tMs, values, grid, 'p');
          const orNull = (x: number): number | null => (Number.isNaN(x) ? null : x);
          expect({
            startMs: [...bulk.startMs],
            count: [...bulk.count],
            mean: [...bulk.mean].map(orNull),
            min: [...bulk.min].map(orNull),
            max: [...bulk.max].map(orNull),
          }).toEqual({
            startMs: frames.map((f) => f.startMs),
            count: frames.map((f) => f.cells[STREAM.heartRate]!.count),
            mean: frames.map((f) => f.cells[STREAM.heartRate]!.mean),
            min: frames.map((f) => f.cells[STREAM.heartRate]!.min),
            max: frames.map((f) => f.cells[STREAM.heartRate]!.max),
          });
        },
      ),
      { numRuns: 100 },
    );
  });

  it('refuses a series out of time order, with a value that is not a number, or of mismatched lengths', () => {
    expect(() => framesOfSeries([T0 + 60_000, T0], [1, 2], CGM_GRID, 'p')).toThrow(/not in time order/);
    expect(framesOfSeries([T0, T0 + 1, T0 + 2], [1, 3, 2], CGM_GRID, 'p').mean).toEqual(new Float64Array([2]));
    expect(() => framesOfSeries([T0, T0 + 1], [1, Number.NaN], CGM_GRID, 'p')).toThrow(/not a number/);
    expect(() => framesOfSeries([T0], [1, 2], CGM_GRID, 'p')).toThrow(/different number/);
    expect(() => framesOfSeries([0, 1e15], [1, 2], CGM_GRID, 'p')).toThrow(/too many bins/);
    expect(framesOfSeries([], [], CGM_GRID, 'p').count).toHaveLength(0);
  });
});
