/**
 * Withings "Download my data" CSV files: `weight.csv` (`Date,"Weight (kg)",...` or `"Weight (lb)"`) and `bp.csv`
 * (`Date,"Heart rate","Systolic","Diastolic",...`). Dates are zone-less local times (`YYYY-MM-DD hh:mm:ss`) and
 * are read in the import's zone. The files do not identify the patient: they need --patient.
 */
import { STREAM } from '../../../../shared/domain/streams.js';
import { BatchBuilder, KG_PER_LB, numberCell } from '../batch-builder.js';
import { columnsOf, headerLine, readCsvTable } from '../csv-table.js';
import type { ImportBatch, ImportContext, ImportFormat, ImportInput } from '../importer.js';
import { parseIsoWallClock } from '../local-time.js';
import { CSV_LIMITS, readTextContent } from '../text-content.js';

const WEIGHT_LABEL = 'Withings weight CSV';
const BP_LABEL = 'Withings blood pressure CSV';

function headerCells(head: Uint8Array): string[] {
  return headerLine(head)
    .split(',')
    .map((h) => h.replace(/"/g, '').trim());
}

async function readWithings(
  input: ImportInput,
  context: ImportContext,
  id: string,
  label: string,
  rowReader: (header: readonly string[]) => (cells: readonly string[], add: RowSink) => void,
): Promise<ImportBatch> {
  const text = await readTextContent(input, label, CSV_LIMITS, context);
  const { header, rows } = readCsvTable(text, label);
  const builder = new BatchBuilder(id, 'withings', context);
  const patient = builder.contextPatient();
  const date = columnsOf(header, { date: ['Date'] }, label).date;
  const readRow = rowReader(header);
  for (const row of rows) {
    const wall = parseIsoWallClock(row.cells[date] ?? '');
    if (wall === null) {
      builder.reject(row.line, 'Date is not YYYY-MM-DD hh:mm:ss');
      continue;
    }
    const tMs = builder.localToUtc(row.line, wall);
    readRow(row.cells, (stream, value) => builder.add(row.line, patient, stream, tMs, value));
  }
  return builder.build();
}

type RowSink = (stream: string, value: number) => void;

export const withingsWeightCsv: ImportFormat = {
  id: 'withings-weight-csv',
  label: WEIGHT_LABEL,
  detect(head) {
    const h = headerCells(head);
    return h[0] === 'date' && h.some((c) => c === 'weight (kg)' || c === 'weight (lb)');
  },
  read: (input, context) =>
    readWithings(input, context, 'withings-weight-csv', WEIGHT_LABEL, (header) => {
      const lower = header.map((h) => h.toLowerCase());
      const kgAt = lower.indexOf('weight (kg)');
      const lbAt = lower.indexOf('weight (lb)');
      return (cells, add) => add(STREAM.weight, kgAt >= 0 ? numberCell(cells[kgAt]) : numberCell(cells[lbAt]) * KG_PER_LB);
    }),
};

export const withingsBloodPressureCsv: ImportFormat = {
  id: 'withings-bp-csv',
  label: BP_LABEL,
  detect(head) {
    const h = headerCells(head);
    return h[0] === 'date' && h.includes('systolic') && h.includes('diastolic');
  },
  read: (input, context) =>
    readWithings(input, context, 'withings-bp-csv', BP_LABEL, (header) => {
      const col = columnsOf(header, { systolic: ['Systolic'], diastolic: ['Diastolic'], hr: ['Heart rate'] }, BP_LABEL);
      return (cells, add) => {
        add(STREAM.systolic, numberCell(cells[col.systolic]));
        add(STREAM.diastolic, numberCell(cells[col.diastolic]));
        const hr = cells[col.hr]?.trim() ?? '';
        // The cuff's pulse is optional: an empty cell is no reading, not a bad row.
        if (hr !== '') add(STREAM.heartRate, numberCell(hr));
      };
    }),
};

export const WITHINGS_FORMATS: readonly ImportFormat[] = [withingsWeightCsv, withingsBloodPressureCsv];
