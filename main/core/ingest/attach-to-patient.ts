/**
 * Files a batch under one stored patient: what the app does with a file dropped on a patient's page. A file that
 * names its person (a Fitbit user id, a CGM subject, a FHIR Patient) must be about this patient: its identifiers
 * may not belong to someone else in the store, and a birth date it gives must match. Identifiers the file adds
 * (a device account seen for the first time) are linked to the patient, so later imports match them too.
 * Runs inside the file's transaction (`ImportOptions.prepare`): a refusal stores nothing.
 */
import type { PatientProfile } from '../../../shared/domain/patient.js';
import { AppError } from '../../../shared/ipc/errors.js';
import type { ImportBatch } from './importer.js';
import type { ImportStore } from './write-batch.js';

export interface AttachOptions {
  /** A zone chosen for this import: stored on the patient when they have none yet. */
  readonly zone?: string | null;
}

export interface AttachResult {
  readonly batch: ImportBatch;
  /** The zone stored on the patient by this import, if any. */
  readonly zoneStored: string | null;
}

export function attachBatchToPatient(store: ImportStore, batch: ImportBatch, patientId: string, opts: AttachOptions = {}): AttachResult {
  const stored = store.getPatient(patientId);
  if (stored === undefined) throw new AppError('NOT_FOUND', 'No patient with that id in this store.');
  if (batch.patients.length > 1) {
    throw new AppError(
      'VALIDATION',
      `This file holds the data of ${batch.patients.length} people, so it cannot be filed under one patient. Nothing was ` +
        'imported; import it with "caretwin import", which files each person\'s data under their own record.',
    );
  }
  let profile: PatientProfile = stored.profile;
  const refs = new Set<string>();
  for (const imported of batch.patients) {
    refs.add(imported.ref);
    for (const { system, value } of imported.profile.identifiers) {
      const holder = store.findPatientByIdentifier(system, value);
      if (holder !== undefined && holder !== patientId) {
        throw new AppError(
          'VALIDATION',
          'This file belongs to another patient in this store (its patient identifier is filed under someone else). ' +
            'Nothing was imported; open that patient and import it there.',
        );
      }
    }
    const birthDate = imported.profile.birthDate;
    if (birthDate !== undefined && profile.birthDate !== undefined && birthDate !== profile.birthDate) {
      throw new AppError(
        'VALIDATION',
        "This file is about another person: its birth date differs from this patient's. Nothing was imported; " +
          'check that you chose the right patient and the right file.',
      );
    }
    const known = new Set(profile.identifiers.map((i) => `${i.system}|${i.value}`));
    const missing = imported.profile.identifiers.filter((i) => !known.has(`${i.system}|${i.value}`));
    if (missing.length > 0) profile = { ...profile, identifiers: [...profile.identifiers, ...missing] };
  }
  let zoneStored: string | null = null;
  if (profile.zone === undefined && opts.zone) {
    profile = { ...profile, zone: opts.zone };
    zoneStored = opts.zone;
  }
  if (profile !== stored.profile) store.updatePatientProfile(patientId, profile);

  const to = (ref: string): string => (refs.has(ref) ? patientId : ref);
  return {
    zoneStored,
    batch: {
      ...batch,
      patients: [],
      samples: refs.size === 0 ? batch.samples : batch.samples.map((s) => (refs.has(s.patientId) ? { ...s, patientId } : s)),
      medications: batch.medications.map((m) => ({ ...m, patientRef: to(m.patientRef) })),
      conditions: batch.conditions.map((c) => ({ ...c, patientRef: to(c.patientRef) })),
    },
  };
}
