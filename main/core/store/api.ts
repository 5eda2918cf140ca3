/**
 * The store's public surface: what services, importers, the demo generator and the CLI call.
 * Implementation: store.ts (better-sqlite3 + encrypted per-day chunks + key hierarchy).
 */
import type { ConditionRecord, Medication, PatientProfile } from '../../../shared/domain/patient.js';
import type { Sample, SeriesBatch } from '../../../shared/domain/sample.js';

export interface PatientRecord {
  readonly id: string;
  readonly profile: PatientProfile;
  readonly demo: boolean;
  readonly createdMs: number;
}

export interface StreamSummary {
  readonly stream: string;
  readonly count: number;
  readonly firstMs: number;
  readonly lastMs: number;
  readonly days: number;
}

/** A stream's extent from the plaintext chunk index alone (nothing decrypted): UTC days of its first and last chunk. */
export interface StreamDays {
  readonly stream: string;
  readonly count: number;
  readonly days: number;
  readonly firstDay: number;
  readonly lastDay: number;
}

/** Times and values of one stream, sorted by time, in the stream's canonical unit. */
export interface Series {
  readonly tMs: Float64Array;
  readonly values: Float64Array;
}

export interface WriteReport {
  /** Samples newly stored */
  readonly added: number;
  /** Samples that were already stored (same stream, same time) and were left as they were */
  readonly duplicates: number;
  /** Chunks (patient x stream x day) written */
  readonly chunks: number;
  /** Samples not stored because the patient's consent does not permit their data class now (absent when 0) */
  readonly denied?: number;
}

export interface StoreWriter {
  createPatient(profile: PatientProfile, opts?: { demo?: boolean }): string;
  /** All in one transaction: either every batch is stored or none is. */
  writeSeries(batches: readonly SeriesBatch[]): WriteReport;
  writeSamples(samples: readonly Sample[]): WriteReport;
  putMedications(patientId: string, medications: readonly Medication[]): void;
  /** Store-wide value encrypted under the store key (e.g. the demo generator's planted events). */
  putMeta(key: string, value: unknown): void;
}

/** What importers and sync need beyond plain writes: patients by identifier, records, one transaction per file. */
export interface ImportWriter extends StoreWriter {
  /** Also indexes the profile's identifiers (blind index) for `findPatientByIdentifier`. */
  updatePatientProfile(patientId: string, profile: PatientProfile): void;
  /** Same `sourceId` replaces, equal content is kept once, the rest is appended; returns entries added or replaced. */
  mergeMedications(patientId: string, medications: readonly Medication[]): number;
  putConditions(patientId: string, conditions: readonly ConditionRecord[]): void;
  mergeConditions(patientId: string, conditions: readonly ConditionRecord[]): number;
  /** Runs a series of writes as one transaction: all stored, or none (patients created in it included). */
  writeAtomically<T>(fn: () => T): T;
  /** The patient holding this external identifier (blind-index lookup; identifiers are never stored in plaintext). */
  findPatientByIdentifier(system: string, value: string): string | undefined;
}

export interface StoreReader {
  listPatients(): PatientRecord[];
  getPatient(patientId: string): PatientRecord | undefined;
  streamSummaries(patientId: string): StreamSummary[];
  /** streamSummaries without the first and last times: read from the chunk index, no chunk decrypted. */
  streamDays(patientId: string): StreamDays[];
  readSeries(patientId: string, stream: string, fromMs?: number, toMs?: number): Series;
  /** Distinct UTC days with any stored sample, from `fromDay` (inclusive) to `toDay` (inclusive). */
  daysWithData(patientId: string, fromDay: number, toDay: number): number;
  /** Time of the newest stored sample of any stream, or null. */
  lastDataMs(patientId: string): number | null;
  getMedications(patientId: string): Medication[];
  getMeta<T = unknown>(key: string): T | undefined;
  getConditions(patientId: string): ConditionRecord[];
}
