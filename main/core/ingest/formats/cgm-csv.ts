/**
 * CGM readings from CSV files, for the file-based twin commands (`caretwin twin forecast|evaluate`):
 * - iglu-style CSV (`id,time,gl`; zone-less local times; mg/dL; extra columns ignored), the layout of the
 *   R package iglu and of the Broll data set;
 * - Dexcom Clarity exports: byte-order mark, a header row, rows of patient and device information (names:
 *   never read, never echoed), then events; only EGV rows are readings (`Low` = 40 mg/dL censored low,
 *   `High` = 400 censored high), calibrations and other events are ignored;
 * - simglucose results (`Time,BG,CGM,...`, one simulated patient): the CGM column.
 *
 * Times stay as written (`timeText`) and are also read as if the wall clock were UTC (`wallClockMs`): the
 * files carry no zone, and forecasting needs only differences between readings of one device.
 *
 * Documented treatment of messy input (the file is never rejected for a bad row):
 * - a row whose time or glucose cannot be read is rejected with its line number and a reason, never with
 *   its content (a Clarity file's header rows hold names);
 * - a second reading at exactly the time of an earlier one (same subject) is rejected as a duplicate, the
 *   first kept;
 * - readings are returned sorted by subject (in order of first appearance) and time, whatever the row order;
 * - glucose outside 10–1000 mg/dL is rejected as implausible (sensors report 40–400).
 * A file that is not CSV at all, or lacks the needed columns, throws an AppError with a clear message.
 */
import { parse } from 'csv-parse/sync';
import { AppError } from '../../../../shared/ipc/errors.js';

export interface CgmReading {
  /** 1-based line of the file the row ends on */
  readonly line: number;
  /** the subject's id as written (iglu), or null for single-patient files */
  readonly subject: string | null;
  /** the time as written in the file */
  readonly timeText: string;
  /** the zone-less local time read as if it were UTC */
  readonly wallClockMs: number;
  readonly glucoseMgDl: number;
  /** set for readings at the sensor's reporting limit (Clarity `Low`/`High`) */
  readonly censored?: 'low' | 'high';
}

export interface RejectedRow {
  readonly line: number;
  readonly reason: string;
}

export interface CgmCsvContent {
  readonly readings: CgmReading[];
  readonly rejected: RejectedRow[];
}

export type CgmCsvFormat = 'iglu' | 'dexcom-clarity';

/** Clarity's stand-ins for readings below and above the sensor's range. */
export const CLARITY_LOW_MG_DL = 40;
export const CLARITY_HIGH_MG_DL = 400;
const MIN_PLAUSIBLE_MG_DL = 10;
const MAX_PLAUSIBLE_MG_DL = 1000;
/** Glucose, 180.156 g/mol: 1 mmol/L = 18.0156 mg/dL (Clarity exports in mmol/L where the account says so). */
const MG_DL_PER_MMOL_L = 18.0156;

interface ParsedRow {
  readonly line: number;
  readonly cells: readonly string[];
}

/** Which of the two layouts `text` is, from its header; null when neither (or empty). */
export function detectCgmCsv(text: string): CgmCsvFormat | null {
  const header = firstLineCells(text);
  if (header === null) return null;
  if (clarityColumns(header) !== null) return 'dexcom-clarity';
  if (igluColumns(header) !== null) return 'iglu';
  return null;
}

/** True for simglucose's result files, whose header starts `Time,BG,CGM`. */
export function isSimglucoseCsv(text: string): boolean {
  const header = firstLineCells(text);
  return header !== null && header.length >= 3 && header[0] === 'time' && header[1] === 'bg' && header[2] === 'cgm';
}

export function readIgluCsv(text: string): CgmCsvContent {
  const [header, ...rows] = parseRows(text, 'iglu CSV');
  const columns = header === undefined ? null : igluColumns(header.cells.map(normaliseHeader));
  if (columns === null) {
    throw new AppError('VALIDATION', 'The file is not an iglu-style CGM CSV: its header needs the columns id, time and gl.');
  }
  const readings: CgmReading[] = [];
  const rejected: RejectedRow[] = [];
  for (const row of rows) {
    const subject = (row.cells[columns.id] ?? '').trim();
    if (subject === '') {
      rejected.push({ line: row.line, reason: 'the subject id is empty' });
      continue;
    }
    const reading = readTimeAndGlucose(row, columns.time, row.cells[columns.glucose] ?? '', 1, subject, rejected);
    if (reading !== null) readings.push(reading);
  }
  return finish(readings, rejected);
}

export function readDexcomClarityCsv(text: string): CgmCsvContent {
  const [header, ...rows] = parseRows(text, 'Dexcom Clarity export');
  const columns = header === undefined ? null : clarityColumns(header.cells.map(normaliseHeader));
  if (columns === null) {
    throw new AppError(
      'VALIDATION',
      'The file is not a Dexcom Clarity export: its header needs the columns Timestamp, Event Type and Glucose Value.',
    );
  }
  const readings: CgmReading[] = [];
  const rejected: RejectedRow[] = [];
  for (const row of rows) {
    // Patient and device rows, alerts, calibrations, insulin and carbs are not CGM readings.
    if ((row.cells[columns.eventType] ?? '').trim().toLowerCase() !== 'egv') continue;
    const value = (row.cells[columns.glucose] ?? '').trim();
    const censored = value.toLowerCase() === 'low' ? 'low' : value.toLowerCase() === 'high' ? 'high' : undefined;
    if (censored === undefined) {
      const reading = readTimeAndGlucose(row, columns.time, value, columns.mgDlPerUnit, null, rejected);
      if (reading !== null) readings.push(reading);
      continue;
    }
    const time = readTime(row, columns.time, rejected);
    if (time === null) continue;
    readings.push({
      line: row.line,
      subject: null,
      ...time,
      glucoseMgDl: censored === 'low' ? CLARITY_LOW_MG_DL : CLARITY_HIGH_MG_DL,
      censored,
    });
  }
  return finish(readings, rejected);
}

/** simglucose results as one subject: the simulated sensor (CGM column); the true BG is not a reading. */
export function readSimglucoseCsv(text: string): CgmCsvContent {
  const [header, ...rows] = parseRows(text, 'simglucose CSV');
  const cells = header?.cells.map(normaliseHeader) ?? [];
  const time = cells.indexOf('time');
  const glucose = cells.indexOf('cgm');
  if (time < 0 || glucose < 0) throw new AppError('VALIDATION', 'The file is not a simglucose result: its header needs Time and CGM.');
  const readings: CgmReading[] = [];
  const rejected: RejectedRow[] = [];
  for (const row of rows) {
    const reading = readTimeAndGlucose(row, time, row.cells[glucose] ?? '', 1, null, rejected);
    if (reading !== null) readings.push(reading);
  }
  return finish(readings, rejected);
}

function parseRows(text: string, label: string): ParsedRow[] {
  if (text.replace(/^\uFEFF/, '').trim() === '') throw new AppError('VALIDATION', `The ${label} file is empty.`);
  try {
    const records = parse(text, { bom: true, info: true, relax_column_count: true, skip_empty_lines: true }) as unknown as {
      record: string[];
      info: { lines: number };
    }[];
    return records.map((r) => ({ line: r.info.lines, cells: r.record }));
  } catch (error) {
    // csv-parse's messages can quote the offending text; only the line number is passed on.
    const line = (error as { lines?: unknown }).lines;
    throw new AppError(
      'VALIDATION',
      `The ${label} file is not valid CSV${typeof line === 'number' ? ` (near line ${line})` : ''}: it is damaged or cut short.`,
    );
  }
}

function firstLineCells(text: string): string[] | null {
  const body = text.replace(/^\uFEFF/, '');
  const end = body.search(/\r?\n/);
  const line = (end < 0 ? body : body.slice(0, end)).trim();
  if (line === '') return null;
  try {
    const [record] = parse(line, { relax_column_count: true, relax_quotes: true }) as string[][];
    return record === undefined ? null : record.map(normaliseHeader);
  } catch {
    return null;
  }
}

function normaliseHeader(cell: string): string {
  return cell.replace(/^\uFEFF/, '').trim().toLowerCase();
}

function igluColumns(header: readonly string[]): { id: number; time: number; glucose: number } | null {
  const id = header.indexOf('id');
  const time = header.indexOf('time');
  const glucose = header.indexOf('gl');
  return id < 0 || time < 0 || glucose < 0 ? null : { id, time, glucose };
}

function clarityColumns(header: readonly string[]): { time: number; eventType: number; glucose: number; mgDlPerUnit: number } | null {
  const time = header.findIndex((h) => h.startsWith('timestamp'));
  const eventType = header.indexOf('event type');
  const glucose = header.findIndex((h) => h.startsWith('glucose value'));
  if (time < 0 || eventType < 0 || glucose < 0) return null;
  return { time, eventType, glucose, mgDlPerUnit: header[glucose]!.includes('mmol') ? MG_DL_PER_MMOL_L : 1 };
}

/** YYYY-MM-DD, then T or a space, then hh:mm, optional :ss and fraction; no zone. */
const WALL_CLOCK = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3})\d*)?)?$/;
const ZONE_SUFFIX = /(?:Z|[+-]\d{2}:?\d{2})$/i;

function readTime(row: ParsedRow, column: number, rejected: RejectedRow[]): { timeText: string; wallClockMs: number } | null {
  const timeText = row.cells[column] ?? '';
  const wallClockMs = parseWallClock(timeText.trim());
  if (typeof wallClockMs === 'string') {
    rejected.push({ line: row.line, reason: wallClockMs });
    return null;
  }
  return { timeText, wallClockMs };
}

/** The wall-clock time as UTC milliseconds, or why it cannot be read. */
function parseWallClock(text: string): number | string {
  if (text === '') return 'the time is empty';
  if (ZONE_SUFFIX.test(text) && !WALL_CLOCK.test(text)) {
    return 'the time carries a zone offset; expected the device\'s local time without one';
  }
  const match = WALL_CLOCK.exec(text);
  if (match === null) return 'the time is not of the form YYYY-MM-DD hh:mm[:ss]';
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map((part) => (part === undefined ? 0 : Number(part))) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const milliseconds = match[7] === undefined ? 0 : Number(match[7].padEnd(3, '0'));
  const ms = Date.UTC(year, month - 1, day, hour, minute, second, milliseconds);
  const check = new Date(ms);
  // Date.UTC rolls 31 April over to 1 May; a date that does not exist is an error, not a different day.
  if (
    check.getUTCFullYear() !== year ||
    check.getUTCMonth() !== month - 1 ||
    check.getUTCDate() !== day ||
    hour > 23 ||
    minute > 59 ||
    second > 59
  ) {
    return 'the time is not a valid calendar date and time';
  }
  return ms;
}

function readTimeAndGlucose(
  row: ParsedRow,
  timeColumn: number,
  glucoseText: string,
  mgDlPerUnit: number,
  subject: string | null,
  rejected: RejectedRow[],
): CgmReading | null {
  const time = readTime(row, timeColumn, rejected);
  if (time === null) return null;
  const text = glucoseText.trim();
  // Number('') is 0 and Number('0x1F') is 31: only plain decimals are glucose values.
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(text)) {
    rejected.push({ line: row.line, reason: text === '' || text.toUpperCase() === 'NA' ? 'the glucose value is missing' : 'the glucose value is not a number' });
    return null;
  }
  const glucoseMgDl = Number(text) * mgDlPerUnit;
  if (!(glucoseMgDl >= MIN_PLAUSIBLE_MG_DL && glucoseMgDl <= MAX_PLAUSIBLE_MG_DL)) {
    rejected.push({ line: row.line, reason: `the glucose value is outside ${MIN_PLAUSIBLE_MG_DL}–${MAX_PLAUSIBLE_MG_DL} mg/dL` });
    return null;
  }
  return { line: row.line, subject, ...time, glucoseMgDl };
}

/** Drops exact duplicate times (keeping the first in file order) and sorts by subject, then time. */
function finish(readings: CgmReading[], rejected: RejectedRow[]): CgmCsvContent {
  const subjectOrder = new Map<string | null, number>();
  const firstLineAt = new Map<string, number>();
  const kept: CgmReading[] = [];
  for (const reading of readings) {
    if (!subjectOrder.has(reading.subject)) subjectOrder.set(reading.subject, subjectOrder.size);
    const key = `${subjectOrder.get(reading.subject)!}@${reading.wallClockMs}`;
    const first = firstLineAt.get(key);
    if (first !== undefined) {
      rejected.push({ line: reading.line, reason: `a duplicate of the reading at the same time on line ${first}` });
      continue;
    }
    firstLineAt.set(key, reading.line);
    kept.push(reading);
  }
  kept.sort((a, b) => subjectOrder.get(a.subject)! - subjectOrder.get(b.subject)! || a.wallClockMs - b.wallClockMs);
  rejected.sort((a, b) => a.line - b.line);
  return { readings: kept, rejected };
}
