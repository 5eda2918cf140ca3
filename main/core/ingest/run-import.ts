/**
 * The import lifecycle for one file: detect the format from its first bytes, read and normalise the whole file
 * (nothing is stored yet: a file that is truncated, unreadable or malformed halfway fails here), then store it in
 * one transaction (`writeImportBatch`) and report. The CLI runs it per file; the app can call it the same way.
 */
import { AppError } from '../../../shared/ipc/errors.js';
import { fileImportInput, readHead } from './file-input.js';
import { IMPORT_FORMATS } from './formats/index.js';
import type { ImportBatch, ImportContext, ImportFormat, ImportInput, ImportProgress, ImportReport } from './importer.js';
import { checkZone } from './local-time.js';
import { writeImportBatch, type ImportStore } from './write-batch.js';

export interface ImportOptions {
  /** The patient a file that does not identify its patient belongs to. */
  readonly patientId?: string | null;
  /** IANA zone for zone-less times; defaults to the named patient's stored zone. */
  readonly zone?: string | null;
  readonly nowMs?: () => number;
  readonly onProgress?: (progress: ImportProgress) => void;
  /** Formats to try, in order (tests narrow it); defaults to every format. */
  readonly formats?: readonly ImportFormat[];
  /**
   * Runs inside the file's transaction, after reading and before writing: may check or rewrite the batch (the app
   * files a dropped file under the patient it was dropped on) and make related writes; a throw stores nothing.
   */
  readonly prepare?: (batch: ImportBatch) => ImportBatch;
}

/** The format that reads `input`, or a clear error listing what was tried. */
export async function detectImportFormat(
  input: ImportInput,
  formats: readonly ImportFormat[] = IMPORT_FORMATS,
): Promise<ImportFormat> {
  const head = await readHead(input);
  const format = formats.find((f) => f.detect(head, input.fileName));
  if (format === undefined) {
    throw new AppError(
      'VALIDATION',
      `${input.fileName} is not a file CareTwin can import (it does not look like ${formats
        .map((f) => f.label)
        .join(', ')}). Nothing was imported.`,
    );
  }
  return format;
}

export async function importFile(store: ImportStore, filePath: string, opts: ImportOptions = {}): Promise<ImportReport> {
  return importInput(store, fileImportInput(filePath), opts);
}

export async function importInput(store: ImportStore, input: ImportInput, opts: ImportOptions = {}): Promise<ImportReport> {
  const nowMs = opts.nowMs ?? Date.now;
  const startedMs = nowMs();
  const onProgress = opts.onProgress ?? (() => undefined);
  const patientId = opts.patientId ?? null;
  let storedZone: string | undefined;
  if (patientId !== null) {
    const patient = store.getPatient(patientId);
    if (patient === undefined) {
      throw new AppError('NOT_FOUND', 'The patient named with --patient is not in this store. See "caretwin patients".');
    }
    storedZone = patient.profile.zone;
  }
  const zone = opts.zone ?? storedZone ?? null;
  if (zone !== null) checkZone(zone);

  onProgress({ phase: 'detect', totalBytes: input.sizeBytes });
  const format = await detectImportFormat(input, opts.formats);
  const context: ImportContext = { patientId, zone, nowMs: nowMs(), onProgress };
  const batch = await format.read(input, context);
  onProgress({ phase: 'write', rows: batch.samples.length });
  const prepare = opts.prepare;
  const report =
    prepare === undefined
      ? writeImportBatch(store, batch, { file: input.fileName, zone, startedMs, nowMs })
      : store.writeAtomically(() => writeImportBatch(store, prepare(batch), { file: input.fileName, zone, startedMs, nowMs }));
  onProgress({ phase: 'done', rows: report.added });
  return report;
}
