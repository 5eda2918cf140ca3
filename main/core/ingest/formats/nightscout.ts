/**
 * Nightscout `entries` JSON (the array `/api/v1/entries.json` returns): `sgv` sensor glucose (mg/dL, sometimes
 * sent as a string) and `mbg` meter glucose. Values below 39 are the uploader's sensor error codes (e.g. 1 =
 * sensor not active, 5 = no antenna), and entries typed `NOISE` or flagged noisy carry no glucose value: both
 * are counted as skipped, never stored. The file does not say whose data it is, so it needs --patient.
 */
import { STREAM } from '../../../../shared/domain/streams.js';
import { AppError } from '../../../../shared/ipc/errors.js';
import { BatchBuilder, numberCell } from '../batch-builder.js';
import type { ImportBatch, ImportContext, ImportFormat, ImportInput } from '../importer.js';
import { JSON_LIMITS, readTextContent } from '../text-content.js';

const LABEL = 'Nightscout entries JSON';
/** Uploaders send values below this as error codes, not readings. */
const LOWEST_SGV_MG_DL = 39;

export const nightscoutEntries: ImportFormat = {
  id: 'nightscout-entries-json',
  label: LABEL,
  detect(head) {
    const text = new TextDecoder('utf-8', { fatal: false }).decode(head).replace(/^\uFEFF/, '').trimStart();
    return text.startsWith('[') && /"(sgv|mbg)"\s*:/.test(text) && /"date"\s*:/.test(text);
  },
  async read(input: ImportInput, context: ImportContext): Promise<ImportBatch> {
    const text = await readTextContent(input, LABEL, JSON_LIMITS, context);
    let entries: unknown;
    try {
      entries = JSON.parse(text);
    } catch {
      throw new AppError(
        'VALIDATION',
        `The ${LABEL} file is not valid JSON (damaged or cut short). Nothing was imported; download it again.`,
      );
    }
    if (!Array.isArray(entries)) {
      throw new AppError('VALIDATION', `A ${LABEL} file holds an array of entries; this one does not. Nothing was imported.`);
    }
    const builder = new BatchBuilder('nightscout-entries-json', 'nightscout', context);
    const patient = builder.contextPatient();
    entries.forEach((entry: unknown, index) => readEntry(entry, index + 1, builder, patient));
    return builder.build();
  },
};

function readEntry(entry: unknown, line: number, builder: BatchBuilder, patient: string): void {
  if (typeof entry !== 'object' || entry === null) {
    builder.reject(line, 'entry is not an object');
    return;
  }
  const e = entry as Record<string, unknown>;
  const type = typeof e.type === 'string' ? e.type.toLowerCase() : 'sgv';
  if (type === 'cal') {
    builder.skip('calibration entries');
    return;
  }
  if (type === 'noise' || e.noise === 4) {
    builder.skip('NOISE entries');
    return;
  }
  if (type !== 'sgv' && type !== 'mbg') {
    builder.skip(`${type.slice(0, 20)} entries`);
    return;
  }
  const tMs = entryTime(e);
  if (tMs === null) {
    builder.reject(line, 'entry has no valid date (epoch ms) or dateString');
    return;
  }
  const raw = type === 'sgv' ? e.sgv : e.mbg;
  const mgDl = typeof raw === 'number' ? raw : typeof raw === 'string' ? numberCell(raw) : NaN;
  if (!Number.isFinite(mgDl)) {
    builder.reject(line, `${type} is not a number`);
    return;
  }
  if (type === 'sgv' && mgDl < LOWEST_SGV_MG_DL) {
    builder.skip('sensor error codes (sgv below 39)');
    return;
  }
  const sourceId = typeof e._id === 'string' ? e._id : undefined;
  builder.add(line, patient, type === 'sgv' ? STREAM.cgm : STREAM.fingerstick, tMs, mgDl, sourceId);
}

function entryTime(e: Record<string, unknown>): number | null {
  const date = typeof e.date === 'number' ? e.date : typeof e.date === 'string' ? numberCell(e.date) : NaN;
  if (Number.isFinite(date)) return date;
  // dateString carries its offset (ISO 8601), so it is an instant, not a wall-clock time.
  for (const key of ['dateString', 'sysTime']) {
    const v = e[key];
    if (typeof v === 'string' && /(Z|[+-]\d{2}:?\d{2})$/.test(v)) {
      const t = Date.parse(v);
      if (Number.isFinite(t)) return t;
    }
  }
  return null;
}
