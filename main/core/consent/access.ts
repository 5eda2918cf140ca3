/**
 * Who may see what: the one place where a caller's role and purpose meet the patient's consent. The store already
 * refuses a class whose provision is denied, outside its period or past retention (for every caller, and for
 * writes); this adds what depends on the caller: the roles and purposes a provision names, and a patient seeing
 * only their own record. Every refusal is audited here.
 */
import {
  permits,
  type AuditActor,
  type DataClass,
  type Purpose,
} from '../../../shared/domain/consent.js';
import { AppError } from '../../../shared/ipc/errors.js';
import { OWNER_ACCOUNT, type AccountInfo, type CareTwinStore } from '../store/store.js';

export interface Caller extends AuditActor {
  readonly purpose: Purpose;
  /** For a patient account: the one patient record it is. */
  readonly ownPatientId?: string;
}

/** The store's owner before accounts: the passcode holder, an admin, acting for treatment. */
export const STORE_OWNER: Caller = { actor: 'owner', role: 'admin', purpose: 'treatment' };
/** The caller an unlocked account acts as (treatment is the purpose of every care-team and patient account). */
export function callerForAccount(account: AccountInfo): Caller {
  if (account.id === OWNER_ACCOUNT) return STORE_OWNER;
  return account.patientId === null
    ? { actor: account.id, role: account.role, purpose: 'treatment' }
    : { actor: account.id, role: account.role, purpose: 'treatment', ownPatientId: account.patientId };
}

/** The retention sweep acts on its own, not for a person. */
export const RETENTION_SWEEP: AuditActor = { actor: 'retention-sweep', role: 'admin' };

export function forbidden(message: string): AppError {
  return new AppError('FORBIDDEN', message);
}

/** The patient list: the care team only. */
export function requirePanelAccess(store: CareTwinStore, caller: Caller, method: string): void {
  if (caller.role === 'patient') {
    deny(store, caller, null, { method });
    throw forbidden('A patient account sees only its own record.');
  }
}

/** One patient's record: the care team, or that patient. */
export function requirePatientAccess(store: CareTwinStore, caller: Caller, patientId: string, method: string): void {
  if (caller.role === 'patient' && caller.ownPatientId !== patientId) {
    deny(store, caller, patientId, { method });
    throw forbidden('A patient account sees only its own record.');
  }
}

/** The data classes of a patient this caller may read now. */
export function visibleClasses(store: CareTwinStore, caller: Caller, patientId: string, nowMs: number): Set<DataClass> {
  const out = new Set<DataClass>();
  for (const c of store.consentOf(patientId)) {
    if (permits(c.provision, caller.role, caller.purpose, nowMs)) out.add(c.dataClass);
  }
  return out;
}

/** A read of one class: refused (and audited) when the patient's consent does not cover this caller. */
export function requireClassAccess(
  store: CareTwinStore,
  caller: Caller,
  patientId: string,
  dataClass: DataClass,
  nowMs: number,
  method: string,
): void {
  requirePatientAccess(store, caller, patientId, method);
  if (!visibleClasses(store, caller, patientId, nowMs).has(dataClass)) {
    deny(store, caller, patientId, { method, dataClass });
    throw forbidden(
      `The patient's consent does not let a ${caller.role} see their ${dataClass} data for ${caller.purpose}.`,
    );
  }
}

function deny(store: CareTwinStore, caller: Caller, patientId: string | null, details: Record<string, string>): void {
  store.audit({
    actor: { actor: caller.actor, role: caller.role },
    action: 'phi.denied',
    patientId,
    outcome: 'denied',
    details: { ...details, purpose: caller.purpose },
  });
}
