/**
 * Dexcom Clarity CSV exports and iglu-style CGM tables (`id,time,gl`), read by the parsers in cgm-csv.ts and
 * turned into CGM samples here (and simglucose simulator traces, one virtual patient each). All carry zone-less local times, read in the import's zone; readings censored
 * by the sensor (Clarity's "Low"/"High") are counted as skipped rather than stored as if they were exact values.
 *
 * A Clarity export names the person (placeholders or real names in its header rows) but carries no identifier,
 * and names are no safe key: it needs --patient, and the names in it are never read into the store. An iglu
 * table may hold several subjects: each becomes a patient matched or created by the identifier
 * `urn:caretwin:cgm-subject|<id>`, unless --patient is given and the file holds a single subject.
 */
import { STREAM } from '../../../../shared/domain/streams.js';
import { AppError } from '../../../../shared/ipc/errors.js';
import { BatchBuilder } from '../batch-builder.js';
import type { ImportBatch, ImportContext, ImportFormat, ImportInput } from '../importer.js';
import { CSV_LIMITS, readTextContent } from '../text-content.js';
import {
  detectCgmCsv,
  isSimglucoseCsv,
  readDexcomClarityCsv,
  readIgluCsv,
  readSimglucoseCsv,
  type CgmCsvContent,
  type CgmCsvFormat,
} from './cgm-csv.js';

export const CGM_SUBJECT_SYSTEM = 'urn:caretwin:cgm-subject';

function headText(head: Uint8Array): string {
  return new TextDecoder('utf-8', { fatal: false }).decode(head);
}

function detected(head: Uint8Array): CgmCsvFormat | null {
  return detectCgmCsv(headText(head));
}

const CLARITY_LABEL = 'Dexcom Clarity CSV';
const IGLU_LABEL = 'CGM table (iglu id,time,gl)';

export const dexcomClarityCsv: ImportFormat = {
  id: 'dexcom-clarity-csv',
  label: CLARITY_LABEL,
  detect: (head) => detected(head) === 'dexcom-clarity',
  async read(input: ImportInput, context: ImportContext): Promise<ImportBatch> {
    const text = await readTextContent(input, CLARITY_LABEL, CSV_LIMITS, context);
    const builder = new BatchBuilder('dexcom-clarity-csv', 'dexcom-clarity', context);
    const patient = builder.contextPatient();
    const result = parsed(() => readDexcomClarityCsv(text), CLARITY_LABEL);
    addReadings(builder, result, () => patient);
    return builder.build();
  },
};

export const igluCsv: ImportFormat = {
  id: 'iglu-csv',
  label: IGLU_LABEL,
  detect: (head) => detected(head) === 'iglu',
  async read(input: ImportInput, context: ImportContext): Promise<ImportBatch> {
    const text = await readTextContent(input, IGLU_LABEL, CSV_LIMITS, context);
    const builder = new BatchBuilder('iglu-csv', 'cgm-csv', context);
    const result = parsed(() => readIgluCsv(text), IGLU_LABEL);
    const subjects = new Set(result.readings.map((r) => r.subject));
    const single = context.patientId !== null && subjects.size <= 1 ? context.patientId : null;
    addReadings(builder, result, (subject) => {
      if (single !== null || subject === null) return single ?? builder.contextPatient();
      return builder.patient(`subject:${subject}`, {
        name: `CGM subject ${subject}`.slice(0, 200),
        conditions: [],
        identifiers: [{ system: CGM_SUBJECT_SYSTEM, value: subject }],
      });
    });
    return builder.build();
  },
};

const SIMGLUCOSE_LABEL = 'simglucose result CSV';

/** A simulator trace (one virtual patient): its simulated sensor column is CGM, imported into --patient. */
export const simglucoseCsv: ImportFormat = {
  id: 'simglucose-csv',
  label: SIMGLUCOSE_LABEL,
  detect: (head) => isSimglucoseCsv(headText(head)),
  async read(input: ImportInput, context: ImportContext): Promise<ImportBatch> {
    const text = await readTextContent(input, SIMGLUCOSE_LABEL, CSV_LIMITS, context);
    const builder = new BatchBuilder('simglucose-csv', 'simglucose', context);
    const patient = builder.contextPatient();
    addReadings(builder, parsed(() => readSimglucoseCsv(text), SIMGLUCOSE_LABEL), () => patient);
    return builder.build();
  },
};

/** The parsers throw on a file they cannot read at all; that becomes a clear, PHI-free error. */
function parsed(read: () => CgmCsvContent, label: string): CgmCsvContent {
  try {
    return read();
  } catch (err) {
    if (err instanceof AppError) throw err;
    throw new AppError(
      'VALIDATION',
      `The ${label} file cannot be read (damaged, cut short or not this format). Nothing was imported.`,
    );
  }
}

function addReadings(
  builder: BatchBuilder,
  result: CgmCsvContent,
  patientOf: (subject: string | null) => string,
): void {
  for (const { line, reason } of result.rejected) builder.reject(line, reason);
  for (const reading of result.readings) {
    if (reading.censored !== undefined) {
      builder.skip(`readings outside the sensor range (${reading.censored})`);
      continue;
    }
    const patient = patientOf(reading.subject);
    const tMs = builder.localToUtc(reading.line, reading.wallClockMs, patient);
    builder.add(reading.line, patient, STREAM.cgm, tMs, reading.glucoseMgDl);
  }
}
