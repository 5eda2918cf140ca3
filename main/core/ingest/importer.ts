/**
 * One lifecycle for every source of data (files, FHIR, Nightscout): detect, read, normalise, write,
 * report, with progress. Importers produce normalised Samples (UTC ms, canonical UCUM unit, LOINC or
 * CGM-IG stream code, source and source id) and records; they never write to the store themselves:
 * `importFile` (run-import.ts) does, through `writeImportBatch`, in one transaction per file, so a file that fails
 * halfway leaves the store as it was.
 */
import type { Medication, PatientProfile } from '../../../shared/domain/patient.js';
import type { Sample } from '../../../shared/domain/sample.js';

/** What one importer understands. Formats are detected from content (and name), never trusted from the extension alone. */
export interface ImportFormat {
  /** Stable id, e.g. `dexcom-clarity-csv`, `fhir-bundle`, `apple-health-xml` */
  readonly id: string;
  readonly label: string;
  /** Looks at the first bytes (and the file name) and says whether this format reads the file. */
  detect(head: Uint8Array, fileName: string): boolean;
  /** Reads the whole input, reporting progress; never writes to the store. */
  read(input: ImportInput, context: ImportContext): Promise<ImportBatch>;
}

export interface ImportInput {
  readonly fileName: string;
  /** Size in bytes where known (for progress). */
  readonly sizeBytes: number;
  /** The content as a byte stream: large exports are never read into memory whole. */
  open(): AsyncIterable<Uint8Array>;
  /** The file on disk, where there is one: zip archives need random access to their central directory. */
  readonly path?: string;
}

export interface ImportContext {
  /** The patient the user named (`--patient`), where the file does not identify one itself. */
  readonly patientId: string | null;
  /** IANA zone for zone-less device times: `--zone`, else the patient's stored zone, else null. */
  readonly zone: string | null;
  /** Times later than this are rejected as future (clock errors). */
  readonly nowMs: number;
  onProgress(progress: ImportProgress): void;
}

export interface ImportProgress {
  readonly phase: 'detect' | 'read' | 'normalise' | 'write' | 'done';
  readonly bytesRead?: number;
  readonly totalBytes?: number;
  readonly rows?: number;
}

/** A patient the file names: matched by identifier, else created. */
export interface ImportedPatient {
  /** Key inside this batch that samples and records refer to (e.g. a FHIR Patient id, a Fitbit user id). */
  readonly ref: string;
  readonly profile: PatientProfile;
}

export interface RejectedRow {
  /** 1-based line (or record index for JSON/XML) */
  readonly line: number;
  /** Why, in words a person understands; never the row's content. */
  readonly reason: string;
}

export interface ImportBatch {
  readonly format: string;
  readonly patients: readonly ImportedPatient[];
  /** Samples whose patientId is either a stored patient id or an `ImportedPatient.ref`. */
  readonly samples: readonly Sample[];
  readonly medications: readonly { readonly patientRef: string; readonly medication: Medication; readonly sourceId?: string }[];
  readonly conditions: readonly { readonly patientRef: string; readonly code: string; readonly system: string; readonly display: string; readonly sourceId?: string }[];
  readonly rejected: readonly RejectedRow[];
  /** Rows imported with a change worth telling (e.g. a local time in a DST gap, shifted forward). */
  readonly warnings?: readonly RejectedRow[];
  /** Rows read but deliberately not imported (e.g. alerts, calibration rows), by kind. */
  readonly skipped: Readonly<Record<string, number>>;
}

export interface ImportReport {
  readonly file: string;
  readonly format: string;
  readonly patients: readonly { readonly id: string; readonly created: boolean }[];
  readonly added: number;
  readonly duplicates: number;
  readonly rejected: readonly RejectedRow[];
  readonly warnings: readonly RejectedRow[];
  readonly skipped: Readonly<Record<string, number>>;
  /** Medication and condition records added or replaced */
  readonly medications: number;
  readonly conditions: number;
  /** By stream code: samples added */
  readonly byStream: Readonly<Record<string, number>>;
  readonly ms: number;
}
