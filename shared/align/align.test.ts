/** The alignment operators case by case: DST, clock offsets, duplicates, lateness, missing frames, streaming. */
import { from, lastValueFrom, Subject, tap, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { Sample } from '../domain/sample.js';
import { STREAM } from '../domain/streams.js';
import { alignReadings, alignSamples } from './align-test-support.js';
import { correctClockOffsets, deviceTimesToUtc, type DeviceReading } from './device-time.js';
import { alignByEventTime } from './event-time.js';
import { CGM_GRID, localDayGrid, toFrames, type FrameEvent } from './frames.js';
import { ZoneClock } from './zone-clock.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const NY = 'America/New_York';

function cgm(tMs: number, value: number, source = 'dexcom', sourceId?: string): Sample {
  const s = { patientId: 'p1', stream: STREAM.cgm, tMs, value, source };
  return sourceId === undefined ? s : { ...s, sourceId };
}

function reading(wallClockMs: number, value: number, stream: string = STREAM.cgm, source = 'receiver'): DeviceReading {
  return { patientId: 'p1', stream, wallClockMs, value, source };
}

describe('device times to UTC', () => {
  it('moves a time in the spring-forward gap forward by the gap; the local day is 23 hours long', async () => {
    const wall = (d: number, h: number, m: number) => Date.UTC(2024, 2, d, h, m);
    const readings = [reading(wall(10, 1, 30), 60, STREAM.weight), reading(wall(10, 2, 30), 61, STREAM.weight)];
    const samples = await lastValueFrom(from(readings).pipe(deviceTimesToUtc(() => ({ zone: NY })), toArray()));
    expect(samples.map((s) => s.tMs)).toEqual([Date.UTC(2024, 2, 10, 6, 30), Date.UTC(2024, 2, 10, 7, 30)]);
    const { frames } = await alignReadings(readings, { zone: NY }, { latenessMs: 0 }, {
      grid: localDayGrid(() => NY),
      streams: [STREAM.weight],
    });
    expect(frames).toHaveLength(1);
    expect(frames[0]).toMatchObject({ localDate: '2024-03-10', startMs: Date.UTC(2024, 2, 10, 5), endMs: Date.UTC(2024, 2, 11, 4) });
    expect(frames[0]!.endMs - frames[0]!.startMs).toBe(23 * HOUR);
  });

  it('takes the first 01:30 of the fall-back night, then the second once the sequence has gone round', async () => {
    const wall = (h: number, m: number) => Date.UTC(2024, 10, 3, h, m);
    const readings = [wall(0, 50), wall(1, 30), wall(1, 55), wall(1, 10), wall(1, 30), wall(2, 10)].map((w, i) =>
      reading(w, 100 + i),
    );
    const samples = await lastValueFrom(from(readings).pipe(deviceTimesToUtc(() => ({ zone: NY })), toArray()));
    const utc = (h: number, m: number) => Date.UTC(2024, 10, 3, h, m);
    expect(samples.map((s) => s.tMs)).toEqual([utc(4, 50), utc(5, 30), utc(5, 55), utc(6, 10), utc(6, 30), utc(7, 10)]);
    const { frames } = await alignReadings(readings, { zone: NY }, { latenessMs: HOUR }, {
      grid: localDayGrid(() => NY),
      streams: [STREAM.cgm],
    });
    expect(frames.map((f) => [f.localDate, (f.endMs - f.startMs) / HOUR, f.cells[STREAM.cgm]!.count])).toEqual([
      ['2024-11-03', 25, 6],
    ]);
  });

  it('local days in a zone that changes at midnight (Santiago): the day begins at 01:00 and lasts 23 hours', () => {
    const clock = new ZoneClock('America/Santiago');
    const sep8 = Date.UTC(2024, 8, 8) / DAY;
    expect(clock.localDayStartMs(sep8)).toBe(Date.UTC(2024, 8, 8, 4));
    expect(clock.localDayStartMs(sep8 + 1) - clock.localDayStartMs(sep8)).toBe(23 * HOUR);
    const apr6 = Date.UTC(2024, 3, 6) / DAY;
    expect(clock.localDayStartMs(apr6 + 1) - clock.localDayStartMs(apr6)).toBe(25 * HOUR);
    expect(clock.localDay(Date.UTC(2024, 8, 8, 4))).toBe(sep8);
    expect(clock.localDay(Date.UTC(2024, 8, 8, 3, 59))).toBe(sep8 - 1);
  });

  it('a CGM receiver set an hour ahead lands on the same instants as the same readings from Nightscout', async () => {
    const wall = (h: number, m: number) => Date.UTC(2024, 5, 1, h, m);
    // The receiver shows 09:00 at 08:00 local (12:00 UTC in New York summer time).
    const receiver = [0, 5, 10].map((m, i) => ({ ...reading(wall(9, m), 120 + i), source: 'receiver' }));
    const nightscout = [0, 5, 10].map((m, i) => cgm(Date.UTC(2024, 5, 1, 12, m, 4), 120 + i, 'nightscout', `ns${i}`));
    const fromReceiver = await lastValueFrom(
      from(receiver).pipe(deviceTimesToUtc((r) => ({ zone: NY, clockOffsetMs: r.source === 'receiver' ? HOUR : 0 })), toArray()),
    );
    expect(fromReceiver.map((s) => s.tMs)).toEqual([0, 5, 10].map((m) => Date.UTC(2024, 5, 1, 12, m)));
    const { frames, events } = await alignSamples([...nightscout, ...fromReceiver], { latenessMs: HOUR }, {
      grid: CGM_GRID,
      streams: [STREAM.cgm],
    });
    // Each reading came twice, 4 s apart: kept once (the earlier, the receiver's), the other reported.
    expect(frames.map((f) => [f.cells[STREAM.cgm]!.mean, f.cells[STREAM.cgm]!.sources])).toEqual([
      [120, { receiver: 1 }],
      [121, { receiver: 1 }],
      [122, { receiver: 1 }],
    ]);
    expect(events.map((e) => (e.kind === 'duplicate' ? [e.by, e.sample.source, e.of.source] : e.kind))).toEqual([
      ['value', 'nightscout', 'receiver'],
      ['value', 'nightscout', 'receiver'],
      ['value', 'nightscout', 'receiver'],
    ]);
  });

  it('correctClockOffsets moves UTC times from a clock that ran ahead', async () => {
    const out = await lastValueFrom(
      from([cgm(Date.UTC(2024, 0, 1, 10), 100, 'libre'), cgm(Date.UTC(2024, 0, 1, 10), 100, 'dexcom')]).pipe(
        correctClockOffsets((s) => (s.source === 'libre' ? 2 * MIN : 0)),
        toArray(),
      ),
    );
    expect(out.map((s) => s.tMs)).toEqual([Date.UTC(2024, 0, 1, 9, 58), Date.UTC(2024, 0, 1, 10)]);
  });
});

describe('dedupe and event-time order', () => {
  const t = (m: number) => Date.UTC(2024, 0, 1, 10, m);

  it('the same source id is one reading even when its value was re-sent differently; heart rate needs exact repeats', async () => {
    const hr = (tMs: number, value: number): Sample => ({ patientId: 'p1', stream: STREAM.heartRate, tMs, value, source: 'watch' });
    const { frames, events } = await alignSamples(
      [cgm(t(0), 100, 'dexcom', 'a'), cgm(t(0), 140, 'dexcom', 'a'), hr(t(1), 70), hr(t(1) + 1000, 70), hr(t(1) + 1000, 70)],
      { latenessMs: HOUR },
      { grid: CGM_GRID, streams: [STREAM.cgm, STREAM.heartRate] },
    );
    expect(frames).toHaveLength(1);
    expect(frames[0]!.cells[STREAM.cgm]).toMatchObject({ count: 1, mean: 100 });
    expect(frames[0]!.cells[STREAM.heartRate]).toMatchObject({ count: 2, mean: 70 });
    expect(events.map((e) => (e.kind === 'duplicate' ? e.by : e.kind))).toEqual(['source-id', 'value']);
  });

  it('a sample later than the bound is counted and surfaced as late, with the frame it belongs to; its repeat is a duplicate', async () => {
    const samples = [cgm(t(0), 100), cgm(t(5), 110), cgm(t(40), 120), cgm(t(6), 200), cgm(t(40), 120), cgm(t(0), 100)];
    const { frames, events } = await alignSamples(samples, { latenessMs: 30 * MIN }, { grid: CGM_GRID, streams: [STREAM.cgm] });
    // t(6) arrived when the watermark stood at t(10): too late for the frame of t(5), which went out without it. The
    // late repeat of t(0) is recognised at once; the in-order repeat of t(40) when it is released, at completion.
    expect(events).toEqual([
      { kind: 'late', sample: samples[3], watermarkMs: t(10), frameStartMs: t(5) },
      { kind: 'duplicate', sample: samples[5], of: samples[0], by: 'value' },
      { kind: 'duplicate', sample: samples[4], of: samples[2], by: 'value' },
    ]);
    expect(frames.map((f) => f.cells[STREAM.cgm]!.count)).toEqual([1, 1, 0, 0, 0, 0, 0, 0, 1]);
  });

  it('rejects a sample whose time or value is not a number, and keeps the rest', async () => {
    const { frames, events } = await alignSamples([cgm(t(0), Number.NaN), cgm(Number.NaN, 90), cgm(t(1), 95)], { latenessMs: 0 }, {
      grid: CGM_GRID,
      streams: [STREAM.cgm],
    });
    expect(events.map((e) => (e.kind === 'rejected' ? e.reason : e.kind))).toEqual([
      'the value is not a number',
      'the time is not a number',
    ]);
    expect(frames.map((f) => f.cells[STREAM.cgm]!.mean)).toEqual([95]);
  });

  it('an unknown zone for a patient ends the stream with a clear error (not an unhandled one)', async () => {
    const run = alignSamples([cgm(Date.UTC(2024, 0, 1), 100)], { latenessMs: 0 }, {
      grid: localDayGrid(() => 'Mars/Olympus_Mons'),
      streams: [STREAM.cgm],
    });
    await expect(run).rejects.toThrow(/not a known IANA zone/);
    const throwing = alignSamples([cgm(Date.UTC(2024, 0, 1), 100), cgm(Date.UTC(2024, 0, 1, 0, 1), 100)], {
      latenessMs: 0,
      duplicateTolerance: () => {
        throw new RangeError('no tolerance for this stream');
      },
    }, { grid: CGM_GRID, streams: [STREAM.cgm] });
    await expect(throwing).rejects.toThrow('no tolerance for this stream');
  });

  it('refuses a lateness that is not a finite number of milliseconds, and a grid step that is not whole', () => {
    expect(() => alignByEventTime({ latenessMs: -1 })).toThrow(RangeError);
    expect(() => alignByEventTime({ latenessMs: Number.POSITIVE_INFINITY })).toThrow(RangeError);
    expect(() => toFrames({ grid: { kind: 'fixed', stepMs: 0 }, streams: [] })).toThrow(RangeError);
  });
});

describe('frames', () => {
  it('a gap is explicit: empty frames with null mean, never zero and never the last value carried forward', async () => {
    const t = (m: number) => Date.UTC(2024, 0, 1, 10, m);
    const { frames } = await alignSamples([cgm(t(1), 100), cgm(t(3), 104), cgm(t(21), 130)], { latenessMs: 0 }, {
      grid: CGM_GRID,
      streams: [STREAM.cgm],
    });
    expect(frames.map((f) => [f.startMs, f.endMs - f.startMs, f.cells[STREAM.cgm]])).toEqual([
      [t(0), 5 * MIN, { count: 2, mean: 102, min: 100, max: 104, sources: { dexcom: 2 } }],
      [t(5), 5 * MIN, { count: 0, mean: null, min: null, max: null, sources: {} }],
      [t(10), 5 * MIN, { count: 0, mean: null, min: null, max: null, sources: {} }],
      [t(15), 5 * MIN, { count: 0, mean: null, min: null, max: null, sources: {} }],
      [t(20), 5 * MIN, { count: 1, mean: 130, min: 130, max: 130, sources: { dexcom: 1 } }],
    ]);
  });

  it("daily heart-failure frames: one cell per stream, a day without a weight has an empty weight cell", async () => {
    const at = (d: number, h: number) => Date.UTC(2024, 0, d, h); // New York is UTC-5 in January
    const s = (stream: string, tMs: number, value: number, source: string): Sample => ({ patientId: 'p1', stream, tMs, value, source });
    const samples = [
      s(STREAM.weight, at(1, 12), 80.2, 'scale'),
      s(STREAM.systolic, at(1, 13), 130, 'cuff'),
      s(STREAM.systolic, at(2, 4), 128, 'cuff'), // 23:00 local on 1 January
      s(STREAM.systolic, at(2, 14), 135, 'cuff'),
      s(STREAM.weight, at(3, 12), 81, 'fhir:ehr'),
    ];
    const { frames } = await alignSamples(samples, { latenessMs: DAY }, {
      grid: localDayGrid(() => NY),
      streams: [STREAM.weight, STREAM.systolic],
    });
    expect(frames.map((f) => [f.localDate, f.cells[STREAM.weight]!.mean, f.cells[STREAM.systolic]!.mean])).toEqual([
      ['2024-01-01', 80.2, 129],
      ['2024-01-02', null, 135],
      ['2024-01-03', 81, null],
    ]);
    expect(frames[1]!.cells[STREAM.weight]).toEqual({ count: 0, mean: null, min: null, max: null, sources: {} });
    expect(frames[2]!.cells[STREAM.weight]!.sources).toEqual({ 'fhir:ehr': 1 });
  });

  it('streams: a frame goes out as soon as the watermark passes its end, before the input completes', async () => {
    const input = new Subject<Sample>();
    const out: FrameEvent[] = [];
    const done = lastValueFrom(
      input.pipe(
        alignByEventTime({ latenessMs: 10 * MIN }),
        toFrames({ grid: CGM_GRID, streams: [STREAM.cgm] }),
        tap((e) => out.push(e)),
        toArray(),
      ),
    );
    const t = (m: number) => Date.UTC(2024, 0, 1, 10, m);
    input.next(cgm(t(2), 100));
    input.next(cgm(t(14), 110));
    expect(out).toEqual([]); // watermark t(4): the frame t(0)-t(5) may still get samples
    input.next(cgm(t(16), 112));
    expect(out.map((e) => (e.kind === 'frame' ? [e.frame.startMs, e.frame.cells[STREAM.cgm]!.count] : e.kind))).toEqual([
      [t(0), 1],
    ]);
    input.next(cgm(t(3), 90)); // watermark t(6): too late for t(0)-t(5)
    expect(out.at(-1)).toMatchObject({ kind: 'late', frameStartMs: t(0) });
    input.complete();
    const all = await done;
    const counts = all.flatMap((e) => (e.kind === 'frame' ? [e.frame.cells[STREAM.cgm]!.count] : []));
    expect(counts).toEqual([1, 0, 1, 1]);
  });
});
