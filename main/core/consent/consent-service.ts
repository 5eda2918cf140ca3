/**
 * Consent, retention, export and the audit trail as services: what the IPC router, the web host and the CLI call.
 * The retention sweep runs when the store is opened and then once a day while it stays open.
 */
import type { AuditAction, ClassConsent, ConsentProvision, DataClass } from '../../../shared/domain/consent.js';
import { AppError } from '../../../shared/ipc/errors.js';
import type { AuditEntry, AuditQuery, AuditVerification, CareTwinStore, ShredReport } from '../store/store.js';
import { RETENTION_SWEEP, requirePatientAccess, type Caller } from './access.js';
import { exportPatientBundle, type ExportReport } from './fhir-export.js';
import { consentsIn, fromFhirConsent } from './fhir-consent.js';

export const RETENTION_SWEEP_INTERVAL_MS = 24 * 60 * 60 * 1000;

export interface ConsentService {
  show(caller: Caller, patientId: string): ClassConsent[];
  set(caller: Caller, patientId: string, dataClass: DataClass, provision: ConsentProvision): ShredReport | null;
  revoke(caller: Caller, patientId: string, dataClass: DataClass): ShredReport;
  /** Applies every Consent in a FHIR resource or Bundle, all or nothing checked before the first is applied. */
  importFhir(caller: Caller, patientId: string, json: unknown): { dataClass: DataClass; shredded: boolean }[];
  exportBundle(caller: Caller, patientId: string): ExportReport;
  sweep(): ShredReport[];
  /** Audits a successful read or change of patient data made through a host (IPC router, web host). */
  record(
    caller: Caller,
    action: AuditAction,
    patientId: string | null,
    details: Record<string, string | number>,
    outcome?: 'ok' | 'denied',
  ): void;
  auditList(caller: Caller, query?: AuditQuery): AuditEntry[];
  auditVerify(caller: Caller): AuditVerification;
}

/** Who may change a patient's consent: the patient, or an admin recording it for them. */
function requireConsentChange(store: CareTwinStore, caller: Caller, patientId: string): void {
  requirePatientAccess(store, caller, patientId, 'consent.set');
  if (caller.role !== 'patient' && caller.role !== 'admin') {
    store.audit({
      actor: { actor: caller.actor, role: caller.role },
      action: 'phi.denied',
      patientId,
      outcome: 'denied',
      details: { method: 'consent.set' },
    });
    throw new AppError('FORBIDDEN', 'Only the patient, or an admin on their behalf, changes their consent.');
  }
}

function requireAuditAccess(caller: Caller, query?: AuditQuery): void {
  // A patient sees the entries about their own record (who looked at it, and when), nothing else.
  if (caller.role === 'patient' && (query?.patientId === undefined || query.patientId !== caller.ownPatientId)) {
    throw new AppError('FORBIDDEN', 'The audit log is for the care team; a patient sees who looked at their own record.');
  }
}

/** `onChanged` runs after a consent change, so open views reload what they show. */
export function createConsentService(store: () => CareTwinStore, nowMs: () => number, onChanged: () => void = () => undefined): ConsentService {
  const actorOf = (c: Caller) => ({ actor: c.actor, role: c.role });
  return {
    show(caller, patientId) {
      const s = store();
      requirePatientAccess(s, caller, patientId, 'consent.show');
      return s.consentOf(patientId);
    },
    set(caller, patientId, dataClass, provision) {
      const s = store();
      requireConsentChange(s, caller, patientId);
      const report = s.setConsent(actorOf(caller), patientId, dataClass, provision);
      onChanged();
      return report;
    },
    revoke(caller, patientId, dataClass) {
      const s = store();
      requireConsentChange(s, caller, patientId);
      const report = s.revokeConsent(actorOf(caller), patientId, dataClass);
      onChanged();
      return report;
    },
    importFhir(caller, patientId, json) {
      const s = store();
      requireConsentChange(s, caller, patientId);
      if (s.getPatient(patientId) === undefined) throw new AppError('NOT_FOUND', 'That patient is not in this store.');
      // Parse every Consent first: one that cannot be applied stops the import before anything changes.
      const provisions = consentsIn(json).flatMap((r) => fromFhirConsent(r, patientId, nowMs()));
      if (provisions.length === 0) throw new AppError('VALIDATION', 'The file holds no Consent; nothing was changed.');
      return provisions.map(({ dataClass, provision }) => ({
        dataClass,
        shredded: s.setConsent(actorOf(caller), patientId, dataClass, provision) !== null,
      }));
    },
    exportBundle(caller, patientId) {
      return exportPatientBundle(store(), caller, patientId, nowMs());
    },
    sweep() {
      return store().sweepRetention(RETENTION_SWEEP);
    },
    record(caller, action, patientId, details, outcome = 'ok') {
      store().audit({ actor: actorOf(caller), action, patientId, outcome, details: { ...details, purpose: caller.purpose } });
    },
    auditList(caller, query) {
      requireAuditAccess(caller, query);
      return store().listAudit(query);
    },
    auditVerify(caller) {
      requireAuditAccess(caller);
      return store().verifyAudit();
    },
  };
}
