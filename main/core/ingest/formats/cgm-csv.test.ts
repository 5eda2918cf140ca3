/** The CGM CSV readers on the real files in ../shared/data/cgm and on malformed input. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../../../shared/ipc/errors.js';
import { detectCgmCsv, isSimglucoseCsv, readDexcomClarityCsv, readIgluCsv, readSimglucoseCsv } from './cgm-csv.js';

const data = (name: string): string => readFileSync(path.resolve('../shared/data/cgm', name), 'utf8');

describe('CGM CSV readers on the real files', () => {
  it('Broll (iglu): 13,866 readings of 5 subjects, none rejected', () => {
    const text = data('broll-5-subjects.csv');
    expect(detectCgmCsv(text)).toBe('iglu');
    const { readings, rejected } = readIgluCsv(text);
    expect(readings).toHaveLength(13_866);
    expect(rejected).toEqual([]);
    expect(new Set(readings.map((r) => r.subject)).size).toBe(5);
    const first = readings[0]!;
    expect(first).toEqual({ line: 2, subject: 'Subject 1', timeText: '2015-06-06 16:50:27', wallClockMs: Date.UTC(2015, 5, 6, 16, 50, 27), glucoseMgDl: 153 });
  });

  it('Dexcom Clarity: 2,148 EGV rows, header rows ignored and never echoed', () => {
    const text = data('dexcom-clarity-export.csv');
    expect(detectCgmCsv(text)).toBe('dexcom-clarity');
    const { readings, rejected } = readDexcomClarityCsv(text);
    expect(readings).toHaveLength(2_148);
    expect(rejected).toEqual([]);
    expect(readings[0]).toEqual({ line: 13, subject: null, timeText: '2016-10-24T11:24:17', wallClockMs: Date.UTC(2016, 9, 24, 11, 24, 17), glucoseMgDl: 103 });
    // The 400-min gap PROVENANCE.md mentions.
    const gaps = readings.slice(1).map((r, i) => (r.wallClockMs - readings[i]!.wallClockMs) / 60_000);
    expect(Math.max(...gaps)).toBeCloseTo(400, 0);
  });

  it('simglucose: the CGM column of 481 readings, 3 min apart', () => {
    const text = data('simglucose-adult001-truth-and-cgm.csv');
    expect(detectCgmCsv(text)).toBeNull();
    expect(isSimglucoseCsv(text)).toBe(true);
    const { readings, rejected } = readSimglucoseCsv(text);
    expect(readings).toHaveLength(481);
    expect(rejected).toEqual([]);
    expect(readings[0]!.glucoseMgDl).toBeCloseTo(160.93755752241984, 12);
    expect(readings[1]!.wallClockMs - readings[0]!.wallClockMs).toBe(180_000);
  });
});

describe('CGM CSV readers on malformed input', () => {
  it('reject unreadable rows with their line and a reason, keep the rest, never NaN', () => {
    const text = [
      'id,time,gl,extra',
      'A,2020-01-01 00:00:00,100,x',
      'A,2020-01-01 00:05:00,abc,x',
      'A,2020-01-01 00:10:00,NA,x',
      'A,2020-01-01 00:15,120,x',
      'A,2020-02-30 00:20:00,130,x',
      'A,2020-01-01T00:25:00Z,140,x',
      'A,01/01/2020 00:30,150,x',
      ',2020-01-01 00:35:00,150,x',
      'A,2020-01-01 00:40:00,0,x',
      'A,2020-01-01 00:45:00,0x1F,x',
      'A,2020-01-01 00:50:00,-5,x',
    ].join('\n');
    const { readings, rejected } = readIgluCsv(text);
    expect(readings.map((r) => [r.line, r.glucoseMgDl])).toEqual([
      [2, 100],
      [5, 120],
    ]);
    expect(rejected).toEqual([
      { line: 3, reason: 'the glucose value is not a number' },
      { line: 4, reason: 'the glucose value is missing' },
      { line: 6, reason: 'the time is not a valid calendar date and time' },
      { line: 7, reason: "the time carries a zone offset; expected the device's local time without one" },
      { line: 8, reason: 'the time is not of the form YYYY-MM-DD hh:mm[:ss]' },
      { line: 9, reason: 'the subject id is empty' },
      { line: 10, reason: 'the glucose value is outside 10–1000 mg/dL' },
      { line: 11, reason: 'the glucose value is not a number' },
      { line: 12, reason: 'the glucose value is outside 10–1000 mg/dL' },
    ]);
    for (const r of readings) expect(Number.isFinite(r.glucoseMgDl) && Number.isFinite(r.wallClockMs)).toBe(true);
  });

  it('sort unsorted rows by subject and time, and drop exact duplicate times keeping the first', () => {
    const text = ['"id","time","gl"', 'B,2020-01-01 00:10:00,90', 'A,2020-01-01 00:05:00,100', 'A,2020-01-01 00:00:00,110', 'A,2020-01-01 00:05:00,999', 'B,2020-01-01 00:05:00,80'].join('\r\n');
    const { readings, rejected } = readIgluCsv(text);
    expect(readings.map((r) => `${r.subject} ${r.timeText} ${r.glucoseMgDl}`)).toEqual([
      'B 2020-01-01 00:05:00 80',
      'B 2020-01-01 00:10:00 90',
      'A 2020-01-01 00:00:00 110',
      'A 2020-01-01 00:05:00 100',
    ]);
    expect(rejected).toEqual([{ line: 5, reason: 'a duplicate of the reading at the same time on line 3' }]);
  });

  it('read Clarity Low and High as censored 40 and 400, skip calibrations, and never echo names', () => {
    const text = [
      '\uFEFFIndex,Timestamp (YYYY-MM-DDThh:mm:ss),Event Type,Event Subtype,Patient Info,Device Info,Source Device ID,Glucose Value (mg/dL)',
      '1,,FirstName,,Wilhelmina,,,',
      '2,,LastName,,Zebedee-Private,,,',
      '3,2021-05-01T10:00:00,EGV,,,,G6,Low',
      '4,2021-05-01T10:05:00,EGV,,,,G6,High',
      '5,2021-05-01T10:07:00,Calibration,,,,G6,111',
      '6,2021-05-01T10:10:00,EGV,,,,G6,Wilhelmina',
      '7,,EGV,,,,G6,120',
    ].join('\n');
    const { readings, rejected } = readDexcomClarityCsv(text);
    expect(readings.map((r) => [r.glucoseMgDl, r.censored])).toEqual([
      [40, 'low'],
      [400, 'high'],
    ]);
    expect(rejected).toEqual([
      { line: 7, reason: 'the glucose value is not a number' },
      { line: 8, reason: 'the time is empty' },
    ]);
    expect(JSON.stringify(rejected)).not.toMatch(/Wilhelmina|Zebedee/);
  });

  it('convert a Clarity export in mmol/L to mg/dL', () => {
    const text = ['Index,Timestamp (YYYY-MM-DDThh:mm:ss),Event Type,Glucose Value (mmol/L)', '1,2021-05-01T10:00:00,EGV,5.5'].join('\n');
    expect(readDexcomClarityCsv(text).readings[0]!.glucoseMgDl).toBeCloseTo(5.5 * 18.0156, 10);
  });

  it('refuse an empty file, a missing column and broken CSV with clear messages and no content', () => {
    expect(detectCgmCsv('')).toBeNull();
    expect(detectCgmCsv('\uFEFF\n')).toBeNull();
    expect(detectCgmCsv('name,when,value\nJoe,2020-01-01,5')).toBeNull();
    expect(() => readIgluCsv('')).toThrow(/empty/);
    expect(() => readIgluCsv('id,time,glucose\nA,2020-01-01 00:00,100')).toThrow(/id, time and gl/);
    let caught: unknown;
    try {
      readIgluCsv('id,time,gl\nA,"2020-01-01 00:00,100\nsecret-name,2020-01-01 00:05,101');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(AppError);
    expect((caught as Error).message).toMatch(/not valid CSV/);
    expect((caught as Error).message).not.toMatch(/secret-name/);
  });

  it('read a file of one reading, and a header with no rows, without failing', () => {
    expect(readIgluCsv('id,time,gl\nA,2020-01-01 00:00:00,100').readings).toHaveLength(1);
    expect(readIgluCsv('id,time,gl\n')).toEqual({ readings: [], rejected: [] });
  });
});
