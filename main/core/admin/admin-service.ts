/**
 * The care team's audit view, account listing with last sign-in, and app settings (the auto-lock period), as
 * services the IPC handlers call. Who may call what is checked here as well as in the router: the audit view is
 * for the care team, account management and settings changes for admins.
 */
import { AppError } from '../../../shared/ipc/errors.js';
import { AUTO_LOCK_MAX_MINUTES } from '../../../shared/ipc/contract.js';
import type { AuditAction } from '../../../shared/domain/consent.js';
import type { Caller } from '../consent/access.js';
import type { AccountInfo, AuditPage, CareTwinStore } from '../store/store.js';

/** Where the auto-lock period is kept (the store's encrypted meta, under the store key). */
export const AUTO_LOCK_SETTING = 'settings.autoLockMinutes';
/** 0 means never; at most 8 hours (shared/ipc/contract.ts). */
export { AUTO_LOCK_MAX_MINUTES };

export interface AuditPageRequest {
  readonly patientId?: string | undefined;
  readonly action?: AuditAction | undefined;
  readonly actor?: string | undefined;
  readonly beforeSeq?: number | undefined;
  readonly limit?: number | undefined;
}

export interface AccountView extends AccountInfo {
  /** The newest successful sign-in (account.unlock in the audit log), or null. */
  readonly lastSignInMs: number | null;
}

export interface AppSettings {
  /** Minutes without a request before CareTwin locks; 0: never. */
  readonly autoLockMinutes: number;
  /** Whether the caller may change them (admins). */
  readonly canChange: boolean;
}

/** The session's auto-lock, as services.ts runs it. */
export interface AutoLockControl {
  getMs(): number;
  setMs(ms: number): void;
}

export interface AdminService {
  auditPage(caller: Caller, request: AuditPageRequest): AuditPage;
  accounts(caller: Caller): AccountView[];
  settings(caller: Caller): AppSettings;
  setAutoLock(caller: Caller, minutes: number): AppSettings;
  /** The stored auto-lock period in ms, or undefined when none was stored (or this account cannot read it). */
  storedAutoLockMs(): number | undefined;
}

function requireCareTeam(caller: Caller): void {
  if (caller.role === 'patient') throw new AppError('FORBIDDEN', 'The audit log is for the care team; a patient sees who looked at their own record.');
}

function requireAdmin(caller: Caller): void {
  if (caller.role !== 'admin') throw new AppError('FORBIDDEN', 'Only an admin changes this.');
}

export function minutesToMs(minutes: number): number {
  return minutes * 60_000;
}

export function createAdminService(store: () => CareTwinStore, autoLock: AutoLockControl): AdminService {
  function settingsFor(caller: Caller): AppSettings {
    return { autoLockMinutes: Math.round(autoLock.getMs() / 60_000), canChange: caller.role === 'admin' };
  }
  return {
    auditPage(caller, request) {
      requireCareTeam(caller);
      const query = {
        ...(request.patientId !== undefined ? { patientId: request.patientId } : {}),
        ...(request.action !== undefined ? { action: request.action } : {}),
        ...(request.actor !== undefined ? { actor: request.actor } : {}),
        ...(request.beforeSeq !== undefined ? { beforeSeq: request.beforeSeq } : {}),
        ...(request.limit !== undefined ? { limit: request.limit } : {}),
      };
      return store().pageAudit(query);
    },
    accounts(caller) {
      requireAdmin(caller);
      const s = store();
      const last = s.lastSignIns();
      return s.listAccounts().map((a) => ({ ...a, lastSignInMs: last.get(a.id) ?? null }));
    },
    settings(caller) {
      requireCareTeam(caller);
      return settingsFor(caller);
    },
    setAutoLock(caller, minutes) {
      requireAdmin(caller);
      if (!Number.isInteger(minutes) || minutes < 0 || minutes > AUTO_LOCK_MAX_MINUTES) {
        throw new AppError('VALIDATION', `The auto-lock period is a whole number of minutes from 0 (never) to ${AUTO_LOCK_MAX_MINUTES}.`);
      }
      // Stored and audited in one transaction; applied only once both are written.
      store().putSetting({ actor: caller.actor, role: caller.role }, AUTO_LOCK_SETTING, minutes);
      autoLock.setMs(minutesToMs(minutes));
      return settingsFor(caller);
    },
    storedAutoLockMs() {
      const s = store();
      if (s.account.role === 'patient') return undefined;
      const minutes = s.getMeta<unknown>(AUTO_LOCK_SETTING);
      return typeof minutes === 'number' && Number.isInteger(minutes) && minutes >= 0 && minutes <= AUTO_LOCK_MAX_MINUTES
        ? minutesToMs(minutes)
        : undefined;
    },
  };
}
