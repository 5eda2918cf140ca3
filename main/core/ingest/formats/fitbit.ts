/**
 * Fitbit CSV exports (the "merged" tables of a Fitbit data export): heart rate seconds, minute steps, daily
 * activity, weight log and sleep per day. Every table carries the Fitbit user `Id`: each distinct Id is a patient,
 * matched or created by the identifier `https://fitbit.com/user|<Id>`. Times carry no zone (the tracker's local
 * time) and are read in the import's zone. Dates are US-style (`M/D/YYYY`), with or without `h:mm:ss AM/PM`, and
 * survive a spreadsheet re-save (`MM/DD/YYYY H:MM`, ids as `1.46E+12`).
 */
import { STREAM } from '../../../../shared/domain/streams.js';
import { BatchBuilder, KG_PER_LB, numberCell } from '../batch-builder.js';
import { columnsOf, headerLine, readCsvTable, type CsvRow } from '../csv-table.js';
import type { ImportBatch, ImportContext, ImportFormat, ImportInput } from '../importer.js';
import { parseSlashedWallClock } from '../local-time.js';
import { CSV_LIMITS, readTextContent } from '../text-content.js';

export const FITBIT_USER_SYSTEM = 'https://fitbit.com/user';
const SOURCE = 'fitbit';
const MINUTES_PER_DAY = 1440;

type Columns = Readonly<Record<string, number>>;

function fitbitTable(
  id: string,
  label: string,
  columns: Readonly<Record<string, readonly string[]>>,
  readRow: (row: CsvRow, col: Columns, builder: BatchBuilder, patientRef: string) => void,
): ImportFormat {
  // The header columns (lower case) that identify the table.
  const signature = Object.values(columns).map((names) => names[0]!.toLowerCase());
  return {
    id,
    label,
    detect(head) {
      const header = headerLine(head).split(',').map((h) => h.replace(/"/g, '').trim());
      return header[0] === 'id' && signature.every((name) => header.includes(name));
    },
    async read(input: ImportInput, context: ImportContext): Promise<ImportBatch> {
      const text = await readTextContent(input, label, CSV_LIMITS, context);
      const { header, rows } = readCsvTable(text, label);
      const col = columnsOf(header, { userId: ['Id'], ...columns }, label);
      const builder = new BatchBuilder(id, SOURCE, context);
      for (const row of rows) {
        const userId = fitbitUserId(row.cells[col.userId]);
        if (userId === null) {
          builder.reject(row.line, 'Fitbit user Id is missing or not a whole number');
          continue;
        }
        const ref = builder.patient(userId, {
          name: `Fitbit user …${userId.slice(-4)}`,
          conditions: [],
          identifiers: [{ system: FITBIT_USER_SYSTEM, value: userId }],
        });
        readRow(row, col, builder, ref);
      }
      return builder.build();
    },
  };
}

/** Fitbit user ids are 10-digit numbers; a spreadsheet may have turned one into `1.50396E+09`, which loses digits. */
function fitbitUserId(cell: string | undefined): string | null {
  const t = cell?.trim() ?? '';
  return /^\d{1,20}$/.test(t) ? t : null;
}

function localTime(row: CsvRow, cell: string | undefined, builder: BatchBuilder, series: string): number | null {
  const wall = cell === undefined ? null : parseSlashedWallClock(cell);
  if (wall === null) {
    builder.reject(row.line, 'date/time is not M/D/YYYY [h:mm[:ss] AM/PM]');
    return null;
  }
  return builder.localToUtc(row.line, wall, series);
}

export const fitbitHeartRateSeconds = fitbitTable(
  'fitbit-heartrate-seconds-csv',
  'Fitbit heart rate (seconds)',
  { time: ['Time'], value: ['Value'] },
  (row, col, builder, ref) => {
    const tMs = localTime(row, row.cells[col.time!], builder, ref);
    if (tMs !== null) builder.add(row.line, ref, STREAM.heartRate, tMs, numberCell(row.cells[col.value!]));
  },
);

export const fitbitMinuteSteps = fitbitTable(
  'fitbit-minute-steps-csv',
  'Fitbit steps (minutes)',
  { minute: ['ActivityMinute'], steps: ['Steps'] },
  (row, col, builder, ref) => {
    const tMs = localTime(row, row.cells[col.minute!], builder, ref);
    if (tMs !== null) builder.add(row.line, ref, STREAM.stepsInPeriod, tMs, numberCell(row.cells[col.steps!]));
  },
);

export const fitbitDailyActivity = fitbitTable(
  'fitbit-daily-activity-csv',
  'Fitbit daily activity',
  { day: ['ActivityDate'], steps: ['TotalSteps'], sedentaryMinutes: ['SedentaryMinutes'] },
  (row, col, builder, ref) => {
    const steps = numberCell(row.cells[col.steps!]);
    // A day of zero steps and 1,440 sedentary minutes is a tracker that was not worn: no data, not zero steps.
    if (steps === 0 && numberCell(row.cells[col.sedentaryMinutes!]) === MINUTES_PER_DAY) {
      builder.skip('days the tracker was not worn');
      return;
    }
    const tMs = localTime(row, row.cells[col.day!], builder, ref);
    if (tMs !== null) builder.add(row.line, ref, STREAM.stepsPerDay, tMs, steps);
  },
);

export const fitbitWeightLog = fitbitTable(
  'fitbit-weight-log-csv',
  'Fitbit weight log',
  { date: ['Date'], kg: ['WeightKg'], lb: ['WeightPounds'] },
  (row, col, builder, ref) => {
    const tMs = localTime(row, row.cells[col.date!], builder, ref);
    if (tMs === null) return;
    const kg = numberCell(row.cells[col.kg!]);
    const weightKg = Number.isFinite(kg) ? kg : numberCell(row.cells[col.lb!]) * KG_PER_LB;
    builder.add(row.line, ref, STREAM.weight, tMs, weightKg);
  },
);

export const fitbitSleepDay = fitbitTable(
  'fitbit-sleep-day-csv',
  'Fitbit sleep per day',
  { day: ['SleepDay'], minutesAsleep: ['TotalMinutesAsleep'] },
  (row, col, builder, ref) => {
    const tMs = localTime(row, row.cells[col.day!], builder, ref);
    if (tMs !== null) builder.add(row.line, ref, STREAM.sleepDuration, tMs, numberCell(row.cells[col.minutesAsleep!]));
  },
);

export const FITBIT_FORMATS: readonly ImportFormat[] = [
  fitbitHeartRateSeconds,
  fitbitMinuteSteps,
  fitbitDailyActivity,
  fitbitWeightLog,
  fitbitSleepDay,
];
