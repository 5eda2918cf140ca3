/** What is stored for one patient, as counts: the `caretwin summary` output and the patient page's figures. */
import { STREAMS } from '../../../shared/domain/streams.js';
import { AppError } from '../../../shared/ipc/errors.js';
import type { StoreReader } from './api.js';

export interface PatientSummary {
  readonly patient: string;
  readonly streams: readonly {
    readonly code: string;
    readonly unit: string;
    readonly count: number;
    readonly first: string;
    readonly last: string;
  }[];
  readonly medications: number;
  readonly conditions: number;
}

export function summarisePatient(store: StoreReader, patientId: string): PatientSummary {
  if (store.getPatient(patientId) === undefined) {
    throw new AppError('NOT_FOUND', 'No patient with that id in this store. See "caretwin patients".');
  }
  return {
    patient: patientId,
    streams: store.streamSummaries(patientId).map((s) => ({
      code: s.stream,
      unit: STREAMS.get(s.stream)?.unit ?? '',
      count: s.count,
      first: new Date(s.firstMs).toISOString(),
      last: new Date(s.lastMs).toISOString(),
    })),
    medications: store.getMedications(patientId).length,
    conditions: store.getConditions(patientId).length,
  };
}
