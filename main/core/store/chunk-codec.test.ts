import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../../shared/ipc/errors.js';
import { ChunkEncoder, chunkSampleCount, decodeChunk, decodeChunkInto, encodeChunk, type ChunkColumns } from './chunk-codec.js';
import { DAY0_MS, DAY_MS } from './store-test-fixtures.js';

function expectSameDoubles(actual: ArrayLike<number>, expected: ArrayLike<number>): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    if (!Object.is(actual[i], expected[i])) {
      throw new Error(`index ${i}: got ${actual[i]}, expected ${expected[i]}`);
    }
  }
}

function expectRoundTrip(cols: ChunkColumns, dayStartMs: number): Uint8Array {
  const bytes = encodeChunk(cols, dayStartMs);
  const n = cols.tMs.length;
  const d = decodeChunk(bytes, dayStartMs);
  expectSameDoubles(d.tMs, cols.tMs);
  expectSameDoubles(d.values, cols.values);
  const sources = Array.from(d.sourceIndex, (i) => d.sourceDict[i]);
  const expectedSources = Array.from({ length: n }, (_, i) =>
    cols.sourceDict[typeof cols.sourceIndex === 'number' ? cols.sourceIndex : cols.sourceIndex[i]!],
  );
  expect(sources).toEqual(expectedSources);
  const expectedIds = Array.from({ length: n }, (_, i) => cols.sourceIds?.[i] ?? '');
  if (expectedIds.some((id) => id !== '')) expect(d.sourceIds).toEqual(expectedIds);
  else expect(d.sourceIds).toBeUndefined();

  expect(chunkSampleCount(bytes)).toBe(n);
  const t = new Float64Array(n + 3);
  const v = new Float64Array(n + 3);
  expect(decodeChunkInto(bytes, dayStartMs, t, v, 3)).toBe(n);
  expectSameDoubles(t.subarray(3), cols.tMs);
  expectSameDoubles(v.subarray(3), cols.values);
  return bytes;
}

const decimalValue = fc
  .tuple(fc.integer({ min: -2_000_000_000, max: 2_000_000_000 }), fc.integer({ min: 0, max: 4 }))
  .map(([m, k]) => m / 10 ** k);
const anyValue = fc.oneof(
  decimalValue,
  fc.integer({ min: -1000, max: 1000 }),
  fc.double({ noNaN: true }),
  fc.constantFrom(0, -0, 1e-300, Number.MAX_VALUE, -Number.MIN_VALUE, 0.1 + 0.2),
);

const chunkArb = fc
  .record({
    day: fc.integer({ min: -30_000, max: 60_000 }),
    n: fc.integer({ min: 0, max: 300 }),
    valueKind: fc.constantFrom('decimal', 'integer', 'any'),
    timeKind: fc.constantFrom('sorted', 'unsorted', 'fractional'),
    dict: fc.array(fc.string({ unit: 'grapheme', maxLength: 12 }), { minLength: 1, maxLength: 4 }),
    withIds: fc.boolean(),
    seed: fc.integer(),
  })
  .chain((p) =>
    fc.record({
      p: fc.constant(p),
      offsets: fc.array(
        p.timeKind === 'fractional'
          ? fc.double({ min: 0, max: DAY_MS - 1, noNaN: true })
          : fc.integer({ min: 0, max: DAY_MS - 1 }),
        { minLength: p.n, maxLength: p.n },
      ),
      values: fc.array(
        p.valueKind === 'decimal' ? decimalValue : p.valueKind === 'integer' ? fc.integer({ min: 0, max: 500 }) : anyValue,
        { minLength: p.n, maxLength: p.n },
      ),
      sourceIndex: fc.array(fc.integer({ min: 0, max: p.dict.length - 1 }), { minLength: p.n, maxLength: p.n }),
      ids: fc.array(fc.option(fc.string({ unit: 'binary', maxLength: 30 }), { nil: undefined }), {
        minLength: p.n,
        maxLength: p.n,
      }),
    }),
  );

describe('chunk codec', () => {
  it('decodes exactly what it encoded (property)', () => {
    fc.assert(
      fc.property(chunkArb, ({ p, offsets, values, sourceIndex, ids }) => {
        const dayStartMs = p.day * DAY_MS;
        const t = offsets.map((o) => dayStartMs + o);
        if (p.timeKind === 'sorted') t.sort((a, b) => a - b);
        expectRoundTrip(
          { tMs: t, values, sourceDict: p.dict, sourceIndex, ...(p.withIds ? { sourceIds: ids } : {}) },
          dayStartMs,
        );
      }),
      { numRuns: 400 },
    );
  });

  it('keeps a leading byte-order mark in source names and ids (a decoder must not strip it)', () => {
    expectRoundTrip(
      {
        tMs: [DAY0_MS, DAY0_MS + 1000],
        values: [1, 2],
        sourceDict: ['\uFEFF', '\uFEFFmeter'],
        sourceIndex: [0, 1],
        sourceIds: ['\uFEFF', '\uFEFFid'],
      },
      DAY0_MS,
    );
  });

  it('stores a day of 5-minute CGM in about 4 bytes a sample (raw would be 16)', () => {
    const n = 288;
    const t = Array.from({ length: n }, (_, i) => DAY0_MS + i * 300_000 + ((i * 7919) % 4000));
    const v = Array.from({ length: n }, (_, i) => Math.round(120 + 40 * Math.sin(i / 20)));
    const bytes = expectRoundTrip({ tMs: t, values: v, sourceDict: ['dexcom'], sourceIndex: 0 }, DAY0_MS);
    expect(bytes.length).toBeLessThan(4.2 * n);
  });

  it('uses a decimal scale for values with up to 4 decimals, and raw doubles otherwise', () => {
    const t = [DAY0_MS, DAY0_MS + 1000, DAY0_MS + 2000];
    const weights = expectRoundTrip({ tMs: t, values: [81.3, 81.25, 80.9], sourceDict: ['scale'], sourceIndex: 0 }, DAY0_MS);
    expect(weights[1]! >> 4).toBe(2);
    const raw = expectRoundTrip({ tMs: t, values: [1 / 3, 2, 3], sourceDict: ['x'], sourceIndex: 0 }, DAY0_MS);
    expect(raw[1]! & 2).toBe(2);
  });

  it('keeps -0, NaN, infinities, fractional and negative times exactly', () => {
    expectRoundTrip(
      {
        tMs: [DAY0_MS - 5, DAY0_MS + 0.25, DAY0_MS + 1e-3],
        values: [-0, Number.NaN, Number.POSITIVE_INFINITY],
        sourceDict: ['a', 'b'],
        sourceIndex: [1, 0, 1],
      },
      DAY0_MS,
    );
    expectRoundTrip({ tMs: [-0, 5], values: [1, 2], sourceDict: ['a'], sourceIndex: 0 }, 0);
  });

  it('reuses its buffer between chunks and grows it for large ones', () => {
    const enc = new ChunkEncoder();
    const big = 50_000;
    const t = Float64Array.from({ length: big }, (_, i) => DAY0_MS + i);
    const v = Float64Array.from({ length: big }, () => Math.random());
    const ids = Array.from({ length: big }, (_, i) => `id-${i}-é`);
    const bytes = enc.encode({ tMs: t, values: v, sourceDict: ['s'], sourceIndex: 0, sourceIds: ids }, 0, big, DAY0_MS).slice();
    const d = decodeChunk(bytes, DAY0_MS);
    expectSameDoubles(d.values, v);
    expect(d.sourceIds).toEqual(ids);
    const small = enc.encode({ tMs: t, values: v, sourceDict: ['s'], sourceIndex: 0 }, 10, 20, DAY0_MS);
    expectSameDoubles(decodeChunk(small, DAY0_MS).tMs, t.subarray(10, 20));
  });

  it('refuses input it does not understand with a clear error, never garbage', () => {
    const good = encodeChunk({ tMs: [DAY0_MS, DAY0_MS + 1], values: [1, 2], sourceDict: ['s'], sourceIndex: 0 }, DAY0_MS);
    const cases = [
      new Uint8Array(0),
      good.subarray(0, good.length - 1),
      new Uint8Array([2, ...good.subarray(1)]),
      new Uint8Array([1, 0x88, ...good.subarray(2)]),
      new Uint8Array([...good, 0]),
    ];
    for (const bad of cases) {
      expect(() => decodeChunk(bad, DAY0_MS)).toThrow(AppError);
    }
    expect(() => decodeChunkInto(good, DAY0_MS, new Float64Array(1), new Float64Array(1), 0)).toThrow(AppError);
  });
});
