/**
 * LibreView CSV exports (FreeStyle Libre readers and LibreLink). A metadata line (which may carry the person's
 * name: it is never read) precedes the header `Device,Serial Number,Device Timestamp,Record Type,...`. Record
 * type 0 is the sensor's 15-minute historic glucose and 1 a scan (both sensor glucose, 99504-3), 2 a strip
 * (fingerstick, 41653-7); other types (insulin, food, notes, sensor starts) are counted as skipped. Glucose columns
 * are mg/dL or mmol/L as their headers say. The file does not identify the patient: it needs --patient.
 *
 * Timestamps (`dd-mm-yyyy HH:MM` or `mm-dd-yyyy hh:mm AM/PM`) follow the exporting account's locale. The order
 * is decided once per file: a first field above 12 anywhere means day first, a second field above 12 month
 * first; when no date settles it, a 12-hour clock (AM/PM, the US locale) means month first, otherwise day first
 * (the 24-hour locales LibreView serves write the day first), and the report warns that it was a guess.
 */
import { STREAM } from '../../../../shared/domain/streams.js';
import { AppError } from '../../../../shared/ipc/errors.js';
import { BatchBuilder, MG_DL_PER_MMOL_L, numberCell } from '../batch-builder.js';
import { readCsvTable, type CsvRow } from '../csv-table.js';
import type { ImportBatch, ImportContext, ImportFormat, ImportInput } from '../importer.js';
import { parseSlashedWallClock } from '../local-time.js';
import { CSV_LIMITS, readTextContent } from '../text-content.js';

const LABEL = 'LibreView CSV';

export const libreViewCsv: ImportFormat = {
  id: 'libreview-csv',
  label: LABEL,
  detect(head) {
    const text = new TextDecoder('utf-8', { fatal: false }).decode(head).toLowerCase();
    const lines = text.split(/\r?\n/, 4);
    return lines.some((l) => l.includes('device timestamp') && l.includes('record type'));
  },
  async read(input: ImportInput, context: ImportContext): Promise<ImportBatch> {
    const text = await readTextContent(input, LABEL, CSV_LIMITS, context);
    // The metadata line is a row of its own: parse everything, then find the header among the first rows.
    const { header: first, rows: rest } = readCsvTable(text, LABEL);
    const all: CsvRow[] = [{ line: 1, cells: first }, ...rest];
    const headerAt = all.slice(0, 4).findIndex((r) => r.cells.some((c) => c.toLowerCase() === 'record type'));
    if (headerAt < 0) throw new AppError('VALIDATION', `The file lacks the ${LABEL} header row. Nothing was imported.`);
    const header = all[headerAt]!.cells.map((c) => c.toLowerCase());
    const rows = all.slice(headerAt + 1);
    const col = (prefix: string) => header.findIndex((h) => h.startsWith(prefix));
    const at = {
      time: col('device timestamp'),
      type: col('record type'),
      historic: col('historic glucose'),
      scan: col('scan glucose'),
      strip: col('strip glucose'),
    };
    if (at.time < 0 || at.type < 0 || at.historic < 0 || at.scan < 0) {
      throw new AppError(
        'VALIDATION',
        `The file lacks ${LABEL} glucose columns. Nothing was imported; check that it is an unmodified export.`,
      );
    }
    const perMgDl = (column: number) => (column >= 0 && header[column]!.includes('mmol') ? MG_DL_PER_MMOL_L : 1);
    const builder = new BatchBuilder('libreview-csv', 'libreview', context);
    const patient = builder.contextPatient();
    const dayFirst = dayFirstOrder(rows.map((r) => r.cells[at.time] ?? ''), builder);

    for (const row of rows) {
      const type = row.cells[at.type]?.trim();
      const column = type === '0' ? at.historic : type === '1' ? at.scan : type === '2' ? at.strip : -1;
      if (column < 0) {
        builder.skip(type === undefined || type === '' ? 'rows without a record type' : `record type ${type.slice(0, 4)}`);
        continue;
      }
      const wall = parseSlashedWallClock(row.cells[at.time] ?? '', dayFirst);
      if (wall === null) {
        builder.reject(row.line, 'Device Timestamp is not a date and time');
        continue;
      }
      const mgDl = numberCell(row.cells[column]) * perMgDl(column);
      if (!Number.isFinite(mgDl)) {
        builder.reject(row.line, 'glucose is not a number');
        continue;
      }
      const tMs = builder.localToUtc(row.line, wall);
      builder.add(row.line, patient, type === '2' ? STREAM.fingerstick : STREAM.cgm, tMs, mgDl);
    }
    return builder.build();
  },
};

function dayFirstOrder(timestamps: readonly string[], builder: BatchBuilder): boolean {
  let twelveHour = false;
  for (const ts of timestamps) {
    const m = /^(\d{1,2})[-/.](\d{1,2})[-/.]\d{4}/.exec(ts.trim());
    if (m === null) continue;
    if (Number(m[1]) > 12) return true;
    if (Number(m[2]) > 12) return false;
    if (/[ap]m\s*$/i.test(ts)) twelveHour = true;
  }
  if (timestamps.length > 0) {
    builder.warnings.push({
      line: 0,
      reason: `no date in the file settles day/month order; read as ${twelveHour ? 'month first (12-hour clock)' : 'day first'}`,
    });
  }
  return !twelveHour;
}
