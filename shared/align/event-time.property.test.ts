/**
 * Properties of alignment: any shuffle, duplication and delay within the lateness bound of a sample stream yields
 * the same frames as the stream in order; and whatever the arrival order, every sample is accounted for (in a
 * frame, or as a duplicate or late event), never dropped silently.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Sample } from '../domain/sample.js';
import { STREAM } from '../domain/streams.js';
import { alignSamples } from './align-test-support.js';
import { CGM_GRID, localDayGrid, type Frame, type FrameSpec } from './frames.js';

const T0 = Date.UTC(2024, 2, 9, 6); // New York's spring-forward night falls inside the span
const STEP_MS = 20_000;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Samples fall in the first 40 min of three days, 20 s apart: repeats within the glucose tolerance are common. */
const STEPS_PER_DAY = 120;
const SPAN_MS = 3 * DAY;

const sampleArb: fc.Arbitrary<Sample> = fc
  .record({
    patientId: fc.constantFrom('p1', 'p2'),
    stream: fc.constantFrom(STREAM.cgm, STREAM.heartRate, STREAM.weight),
    day: fc.integer({ min: 0, max: 2 }),
    step: fc.integer({ min: 0, max: STEPS_PER_DAY }),
    // Tenths: sums that round (so the summation order shows in the last bit), and values within 1 of each other.
    tenths: fc.integer({ min: 1000, max: 1060 }),
    source: fc.constantFrom('dexcom', 'nightscout', 'fitbit'),
    sourceId: fc.option(fc.integer({ min: 0, max: 40 }).map(String), { nil: undefined }),
  })
  .map(({ patientId, stream, day, step, tenths, source, sourceId }) => {
    const s = { patientId, stream, tMs: T0 + day * DAY + step * STEP_MS, value: tenths / 10, source };
    return sourceId === undefined ? s : { ...s, sourceId };
  });

const SPECS: readonly FrameSpec[] = [
  { grid: CGM_GRID, streams: [STREAM.cgm, STREAM.heartRate] },
  { grid: localDayGrid(() => 'America/New_York'), streams: [STREAM.weight, STREAM.heartRate, STREAM.cgm] },
];

/** Each sample delivered 1-3 times, each copy delayed by up to `latenessMs`, in arrival order (ties at random). */
function deliveries(latenessMs: number) {
  return fc.array(
    fc.record({
      sample: sampleArb,
      copies: fc.array(fc.tuple(fc.integer({ min: 0, max: latenessMs }), fc.integer()), { minLength: 1, maxLength: 3 }),
    }),
    { maxLength: 150, size: 'max' },
  );
}

function arrivalOrder(plan: { sample: Sample; copies: [number, number][] }[]): Sample[] {
  return plan
    .flatMap(({ sample, copies }) => copies.map(([delayMs, tie]) => ({ sample, at: sample.tMs + delayMs, tie })))
    .sort((a, b) => a.at - b.at || a.tie - b.tie)
    .map((d) => d.sample);
}

function inEventTimeOrder(samples: Sample[]): Sample[] {
  return [...samples].sort((a, b) => a.tMs - b.tMs);
}

/** Frames by patient, each patient's in time order (patients interleave by arrival, which may differ). */
function byPatient(frames: Frame[]): Frame[] {
  return [...frames].sort((a, b) => (a.patientId < b.patientId ? -1 : a.patientId > b.patientId ? 1 : a.startMs - b.startMs));
}

describe('alignment does not depend on arrival order within the lateness bound', () => {
  it('any shuffle, duplication and delay within the bound gives the frames of the stream in order', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 2 * HOUR }).chain((latenessMs) => fc.tuple(fc.constant(latenessMs), deliveries(latenessMs))),
        fc.constantFrom(...SPECS),
        async ([latenessMs, plan], spec) => {
          const inOrder = await alignSamples(inEventTimeOrder(plan.map((p) => p.sample)), { latenessMs }, spec);
          const delivered = await alignSamples(arrivalOrder(plan), { latenessMs }, spec);
          expect(delivered.events.filter((e) => e.kind === 'late')).toEqual([]);
          expect(byPatient(delivered.frames)).toEqual(byPatient(inOrder.frames));
        },
      ),
      { numRuns: 150 },
    );
  });

  it('a batch that releases two samples of one source id 11 min apart keeps both, whatever came first (found by the property above)', async () => {
    const cgm = (tMs: number, sourceId?: string): Sample => ({ patientId: 'p2', stream: STREAM.cgm, tMs, value: 100, source: 'dexcom', ...(sourceId ? { sourceId } : {}) });
    const earlier = cgm(1_710_136_800_000, '36');
    const later = cgm(1_710_137_480_000, '36');
    const a = cgm(1_710_138_080_000);
    const b = cgm(1_710_138_100_000);
    const spec = SPECS[0]!;
    const latenessMs = 607_907;
    const inOrder = await alignSamples([earlier, later, a, b], { latenessMs }, spec);
    // b's arrival moves the watermark past `later` and `earlier` is not yet forgotten when `later` is released.
    const delivered = await alignSamples([earlier, later, b, a], { latenessMs }, spec);
    expect(delivered.frames).toEqual(inOrder.frames);
    const frame = inOrder.frames.find((f) => f.startMs <= later.tMs && later.tMs < f.endMs)!;
    expect(frame.cells[STREAM.cgm]!.count).toBe(1);
  });

  it('any permutation at all gives the same frames when the bound covers the stream', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(sampleArb, fc.integer()), { maxLength: 150, size: 'max' }),
        fc.constantFrom(...SPECS),
        async (keyed, spec) => {
          const samples = keyed.map(([s]) => s);
          const shuffled = [...keyed].sort((a, b) => a[1] - b[1]).map(([s]) => s);
          const latenessMs = SPAN_MS;
          const inOrder = await alignSamples(inEventTimeOrder(samples), { latenessMs }, spec);
          const delivered = await alignSamples(shuffled, { latenessMs }, spec);
          expect(byPatient(delivered.frames)).toEqual(byPatient(inOrder.frames));
        },
      ),
      { numRuns: 150 },
    );
  });

  it('beyond the bound nothing is dropped silently: every sample is in a frame, a duplicate or a late event', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: HOUR }),
        fc.array(fc.tuple(sampleArb, fc.integer()), { maxLength: 150, size: 'max' }),
        async (latenessMs, keyed) => {
          const shuffled = [...keyed].sort((a, b) => a[1] - b[1]).map(([s]) => s);
          const spec = { grid: CGM_GRID, streams: [STREAM.cgm, STREAM.heartRate, STREAM.weight] };
          const { frames, events } = await alignSamples(shuffled, { latenessMs }, spec);
          const inFrames = frames.reduce((n, f) => n + Object.values(f.cells).reduce((m, c) => m + c.count, 0), 0);
          const late = events.filter((e) => e.kind === 'late');
          const duplicates = events.filter((e) => e.kind === 'duplicate');
          expect(inFrames + late.length + duplicates.length).toBe(shuffled.length);
          // A late sample names the frame it belongs to, one that was emitted before it arrived.
          for (const e of late) {
            if (e.kind !== 'late') continue;
            expect(e.sample.tMs).toBeLessThan(e.watermarkMs);
            expect(e.frameStartMs).toBe(Math.floor(e.sample.tMs / 300_000) * 300_000);
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});
