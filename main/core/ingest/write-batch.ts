/**
 * Stores one importer's batch in one store transaction: patients matched by identifier (blind index) or created,
 * then samples, medications and conditions. Either all of it is stored or none of it, so a batch that fails to
 * store leaves the store as it was. FHIR sync and the file importers both end here.
 */
import type { ConditionRecord, Medication, PatientProfile } from '../../../shared/domain/patient.js';
import type { Sample } from '../../../shared/domain/sample.js';
import { AppError } from '../../../shared/ipc/errors.js';
import type { ImportWriter, StoreReader } from '../store/api.js';
import type { ImportBatch, ImportReport } from './importer.js';

export interface WriteImportOptions {
  /** Named in the report (a file name, or e.g. the FHIR server's base URL). */
  readonly file: string;
  /** Zone given for this import: stored on patients the batch creates without a zone of their own. */
  readonly zone?: string | null;
  /** When reading began, for the report's duration (defaults to when writing began). */
  readonly startedMs?: number;
  readonly nowMs?: () => number;
}

export type ImportStore = StoreReader & ImportWriter;

export function writeImportBatch(store: ImportStore, batch: ImportBatch, opts: WriteImportOptions): ImportReport {
  const nowMs = opts.nowMs ?? Date.now;
  const startedMs = opts.startedMs ?? nowMs();
  return store.writeAtomically(() => {
    const patients: { id: string; created: boolean }[] = [];
    const idByRef = new Map<string, string>();
    for (const imported of batch.patients) {
      const resolved = resolvePatient(store, imported.profile, opts.zone ?? null);
      idByRef.set(imported.ref, resolved.id);
      if (!patients.some((p) => p.id === resolved.id)) patients.push(resolved);
    }
    const patientIdOf = (ref: string): string => {
      const known = idByRef.get(ref);
      if (known !== undefined) return known;
      const id = store.getPatient(ref) === undefined ? undefined : ref;
      if (id === undefined) {
        throw new AppError(
          'VALIDATION',
          'The import refers to a patient that is neither in the file nor in this store. Nothing was saved; ' +
            'name the patient with --patient.',
        );
      }
      if (!patients.some((p) => p.id === id)) patients.push({ id, created: false });
      // Refs and stored ids never collide (refs are the file's own keys; ids are 32 random hex characters).
      idByRef.set(ref, id);
      return id;
    };

    const byPatientStream = new Map<string, Sample[]>();
    for (const sample of batch.samples) {
      const patientId = patientIdOf(sample.patientId);
      const key = `${patientId}\n${sample.stream}`;
      let group = byPatientStream.get(key);
      if (group === undefined) byPatientStream.set(key, (group = []));
      group.push(patientId === sample.patientId ? sample : { ...sample, patientId });
    }
    let added = 0;
    let duplicates = 0;
    const byStream: Record<string, number> = {};
    for (const group of byPatientStream.values()) {
      const written = store.writeSamples(group);
      added += written.added;
      duplicates += written.duplicates;
      const stream = group[0]!.stream;
      byStream[stream] = (byStream[stream] ?? 0) + written.added;
    }

    let medications = 0;
    for (const [patientId, list] of groupByPatient(batch.medications, patientIdOf, (m) => medicationOf(m))) {
      medications += store.mergeMedications(patientId, list);
    }
    let conditions = 0;
    for (const [patientId, list] of groupByPatient(batch.conditions, patientIdOf, (c) => conditionOf(c))) {
      conditions += store.mergeConditions(patientId, list);
    }

    return {
      file: opts.file,
      format: batch.format,
      patients,
      added,
      duplicates,
      rejected: batch.rejected,
      warnings: batch.warnings ?? [],
      skipped: batch.skipped,
      medications,
      conditions,
      byStream,
      ms: nowMs() - startedMs,
    };
  });
}

/** The stored patient holding any of the profile's identifiers, else a new patient with this profile. */
function resolvePatient(
  store: ImportStore,
  profile: PatientProfile,
  zone: string | null,
): { id: string; created: boolean } {
  for (const { system, value } of profile.identifiers) {
    const id = store.findPatientByIdentifier(system, value);
    if (id === undefined) continue;
    const stored = store.getPatient(id);
    const known = new Set(stored?.profile.identifiers.map((i) => `${i.system}|${i.value}`));
    const missing = profile.identifiers.filter((i) => !known.has(`${i.system}|${i.value}`));
    // Identifiers the file adds (e.g. a second device account) are indexed so the next import matches on them too.
    if (stored !== undefined && missing.length > 0) {
      store.updatePatientProfile(id, { ...stored.profile, identifiers: [...stored.profile.identifiers, ...missing] });
    }
    return { id, created: false };
  }
  const withZone = profile.zone === undefined && zone !== null ? { ...profile, zone } : profile;
  return { id: store.createPatient(withZone), created: true };
}

function groupByPatient<T extends { readonly patientRef: string }, R>(
  items: readonly T[],
  patientIdOf: (ref: string) => string,
  toRecord: (item: T) => R,
): Map<string, R[]> {
  const out = new Map<string, R[]>();
  for (const item of items) {
    const id = patientIdOf(item.patientRef);
    let list = out.get(id);
    if (list === undefined) out.set(id, (list = []));
    list.push(toRecord(item));
  }
  return out;
}

function medicationOf(item: ImportBatch['medications'][number]): Medication {
  const sourceId = item.sourceId ?? item.medication.sourceId;
  return sourceId === undefined ? item.medication : { ...item.medication, sourceId };
}

function conditionOf(item: ImportBatch['conditions'][number]): ConditionRecord {
  const { system, code, display, sourceId } = item;
  return sourceId === undefined ? { system, code, display } : { system, code, display, sourceId };
}
