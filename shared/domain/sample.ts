/**
 * The one normalised unit of data. Every importer produces Samples; everything after ingest consumes
 * Samples (or aligned frames), never source formats.
 */
export interface Sample {
  readonly patientId: string;
  /** LOINC or CGM-IG code, see streams.ts */
  readonly stream: string;
  /** UTC epoch milliseconds */
  readonly tMs: number;
  /** In the stream's canonical UCUM unit */
  readonly value: number;
  /** Where it came from, e.g. `demo`, `dexcom-clarity`, `fhir:https://ehr.example/fhir` */
  readonly source: string;
  /** The source's own id for this reading, where it has one */
  readonly sourceId?: string;
}

/**
 * Many samples of one patient's stream from one source, columnar: the fast path for bulk ingest.
 * `tMs` and `values` have the same length; `sourceIds`, where given, too.
 */
export interface SeriesBatch {
  readonly patientId: string;
  readonly stream: string;
  readonly source: string;
  readonly tMs: ArrayLike<number>;
  readonly values: ArrayLike<number>;
  readonly sourceIds?: readonly (string | undefined)[];
}

export const MS_PER_DAY = 86_400_000;

/** UTC day number (days since 1970-01-01) of an epoch-ms time. */
export function utcDay(tMs: number): number {
  return Math.floor(tMs / MS_PER_DAY);
}
