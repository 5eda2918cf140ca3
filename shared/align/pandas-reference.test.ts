/**
 * The alignment operators, and the bulk path `framesOfSeries`, on the real files in ../shared/data against pandas
 * (scripts/align-reference.py wrote the fixtures). Equality is exact: every bin's label, count, min, max and mean
 * (pandas and shared/align both take a Kahan sum in event-time order and divide by the count, so even the last bit
 * agrees).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { from, lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { parseIsoWallClock, parseSlashedWallClock } from '../../main/core/ingest/local-time.js';
import { STREAM } from '../domain/streams.js';
import { alignReadings } from './align-test-support.js';
import { deviceTimesToUtc, type DeviceReading } from './device-time.js';
import { CGM_GRID, localDayGrid, type Frame, type Grid } from './frames.js';
import { framesOfSeries } from './series-frames.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const ZONE = 'America/Chicago';
const KG_PER_LB = 0.45359237;

interface FixtureSeries {
  readonly name: string;
  readonly patient: string;
  /** Exact repeats of (time, value) pandas dropped before resampling. */
  readonly duplicates: number;
  readonly startMs: number[];
  readonly count: number[];
  readonly mean: (number | null)[];
  readonly min: (number | null)[];
  readonly max: (number | null)[];
}

interface Fixture {
  readonly zone: string;
  readonly stream: string;
  readonly series: FixtureSeries[];
}

function fixture(name: string): Fixture {
  return JSON.parse(readFileSync(new URL(`./fixtures/${name}.json`, import.meta.url), 'utf8')) as Fixture;
}

function dataLines(rel: string): string[][] {
  const text = readFileSync(path.resolve('../shared/data', rel), 'utf8');
  return text
    .split(/\r?\n/)
    .slice(1)
    .filter((l) => l.trim() !== '')
    .map((l) => l.split(',').map((c) => c.replace(/^"|"$/g, '')));
}

function wall(parsed: number | null): number {
  if (parsed === null) throw new Error('a time in the reference file did not parse');
  return parsed;
}

/** A patient's frames of one stream, columnar like the fixture. */
function columns(frames: Frame[], patient: string, stream: string): Omit<FixtureSeries, 'name' | 'patient' | 'duplicates'> {
  const mine = frames.filter((f) => f.patientId === patient);
  const cell = (f: Frame) => f.cells[stream]!;
  return {
    startMs: mine.map((f) => f.startMs),
    count: mine.map((f) => cell(f).count),
    mean: mine.map((f) => cell(f).mean),
    min: mine.map((f) => cell(f).min),
    max: mine.map((f) => cell(f).max),
  };
}

/** The bulk path on one patient's readings, sorted and with exact repeats taken out as a store would hold them. */
async function bulkColumns(readings: DeviceReading[], patient: string, grid: Grid): Promise<ReturnType<typeof expected>> {
  const mine = readings.filter((r) => r.patientId === patient);
  const samples = await lastValueFrom(from(mine).pipe(deviceTimesToUtc(() => ({ zone: ZONE })), toArray()));
  samples.sort((a, b) => a.tMs - b.tMs || a.value - b.value);
  const unique = samples.filter((s, i) => i === 0 || s.tMs !== samples[i - 1]!.tMs || s.value !== samples[i - 1]!.value);
  const f = framesOfSeries(
    unique.map((s) => s.tMs),
    unique.map((s) => s.value),
    grid,
    patient,
  );
  const orNull = (x: number): number | null => (Number.isNaN(x) ? null : x);
  return {
    startMs: [...f.startMs],
    count: [...f.count],
    mean: [...f.mean].map(orNull),
    min: [...f.min].map(orNull),
    max: [...f.max].map(orNull),
  };
}

function expected(s: FixtureSeries): Omit<FixtureSeries, 'name' | 'patient' | 'duplicates'> {
  return { startMs: s.startMs, count: s.count, mean: s.mean, min: s.min, max: s.max };
}

describe('alignment equals pandas on the real files in ../shared/data', () => {
  it('Fitbit 5-s heart rate: 1-min and 5-min means (17,666 samples of one user)', async () => {
    const ref = fixture('fitbit-heart-rate');
    expect(ref.zone).toBe(ZONE);
    const readings: DeviceReading[] = dataLines('fitbit/heartrate_seconds_one-user.csv').map(([id, time, value]) => ({
      patientId: id!,
      stream: STREAM.heartRate,
      wallClockMs: wall(parseSlashedWallClock(time!)),
      value: Number(value),
      source: 'fitbit',
    }));
    expect(readings).toHaveLength(17_666);
    expect(ref.series.map((s) => s.name)).toEqual(['1-min means', '5-min means', '1-min means, beats per second']);
    for (const series of ref.series) {
      const stepMs = series.name.startsWith('5-min') ? 300_000 : 60_000;
      const perSecond = series.name.endsWith('beats per second');
      const { frames, events } = await alignReadings(
        perSecond ? readings.map((r) => ({ ...r, value: r.value / 60 })) : readings,
        { zone: ZONE },
        { latenessMs: HOUR },
        { grid: { kind: 'fixed', stepMs }, streams: [STREAM.heartRate] },
      );
      expect(events).toEqual([]);
      expect(series.duplicates).toBe(0);
      expect(columns(frames, series.patient, STREAM.heartRate)).toEqual(expected(series));
      const input = perSecond ? readings.map((r) => ({ ...r, value: r.value / 60 })) : readings;
      expect(await bulkColumns(input, series.patient, { kind: 'fixed', stepMs })).toEqual(expected(series));
      // Provenance: every sample accounted for, by source; gaps are explicit frames with no data.
      expect(frames.reduce((n, f) => n + (f.cells[STREAM.heartRate]!.sources.fitbit ?? 0), 0)).toBe(17_666);
      expect(frames.filter((f) => f.cells[STREAM.heartRate]!.count === 0).length).toBeGreaterThan(0);
    }
  });

  it('Broll CGM, 5 subjects: 5-min grid with gaps; the receiver that kept 02:xx through the DST change', async () => {
    const ref = fixture('broll-cgm');
    const readings: DeviceReading[] = dataLines('cgm/broll-5-subjects.csv').map(([id, time, gl]) => ({
      patientId: id!,
      stream: STREAM.cgm,
      wallClockMs: wall(parseIsoWallClock(time!)),
      value: Number(gl),
      source: 'iglu-csv',
    }));
    // Subject 5's 02:xx readings on 2015-03-08 move forward an hour and land among the 03:xx readings logged after
    // them: a lateness of 2 h puts them in order, so nothing is late.
    const { frames, events } = await alignReadings(readings, { zone: ZONE }, { latenessMs: 2 * HOUR }, {
      grid: CGM_GRID,
      streams: [STREAM.cgm],
    });
    expect(events).toEqual([]);
    expect(ref.series).toHaveLength(5);
    for (const series of ref.series) {
      expect(columns(frames, series.patient, STREAM.cgm), series.patient).toEqual(expected(series));
      expect(await bulkColumns(readings, series.patient, CGM_GRID), series.patient).toEqual(expected(series));
    }
    // The 12 moved readings land in the hour after the change (08:00-09:00 UTC, 03:00-04:00 CDT): two per bin.
    const movedHour = frames.filter(
      (f) => f.patientId === 'Subject 5' && f.startMs >= Date.UTC(2015, 2, 8, 8) && f.startMs < Date.UTC(2015, 2, 8, 9),
    );
    expect(movedHour.map((f) => f.cells[STREAM.cgm]!.count)).toEqual(Array(12).fill(2));
    const missing = frames.filter((f) => f.cells[STREAM.cgm]!.count === 0);
    expect(missing.every((f) => f.cells[STREAM.cgm]!.mean === null)).toBe(true);
    expect(missing.length).toBe(743 + 1961 + 131 + 49 + 134);
  });

  it('Fitbit weight log, 13 users: frames per local day (America/Chicago), pounds where kilograms are missing', async () => {
    const ref = fixture('fitbit-weight');
    const readings: DeviceReading[] = dataLines('fitbit/weightLogInfo_merged_excel-resaved.csv').map(
      ([id, date, kg, lb]) => ({
        patientId: id!,
        stream: STREAM.weight,
        wallClockMs: wall(parseSlashedWallClock(date!)),
        value: kg === '' ? Number(lb) * KG_PER_LB : Number(kg),
        source: 'fitbit',
      }),
    );
    // A file is one batch in which row order means nothing (this one is not sorted by date): the lateness bound
    // spans the file's two months, so every row lands in its day.
    const { frames, events } = await alignReadings(readings, { zone: ZONE }, { latenessMs: 90 * DAY }, {
      grid: localDayGrid(() => ZONE),
      streams: [STREAM.weight],
    });
    // The re-saved log repeats two rows exactly: reported as duplicates, kept once, as pandas' drop_duplicates.
    expect(events.every((e) => e.kind === 'duplicate' && e.by === 'value')).toBe(true);
    expect(ref.series).toHaveLength(13);
    for (const series of ref.series) {
      expect(columns(frames, series.patient, STREAM.weight), series.patient).toEqual(expected(series));
      expect(await bulkColumns(readings, series.patient, localDayGrid(() => ZONE)), series.patient).toEqual(
        expected(series),
      );
      expect(events.filter((e) => e.kind === 'duplicate' && e.sample.patientId === series.patient)).toHaveLength(
        series.duplicates,
      );
    }
    expect(events).toHaveLength(2);
    for (const f of frames) {
      expect(f.endMs - f.startMs).toBe(DAY); // April-May 2016: no DST change inside
      expect(new Date(f.startMs - 5 * HOUR).toISOString()).toBe(`${f.localDate}T00:00:00.000Z`); // CDT midnight
    }
  });
});
