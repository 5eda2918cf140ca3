/**
 * RPM program tracking as a service for the hosts: status per patient and month (the care team, or the
 * patient their own), the timer and manual minutes (the care team). The program log is derived data: the
 * patient's consent must let the caller's role see the `derived` class.
 */
import { AppError } from '../../../shared/ipc/errors.js';
import { requireClassAccess, requirePanelAccess, visibleClasses, type Caller } from '../consent/access.js';
import type { CareTwinStore } from '../store/store.js';
import { addMinutes, programStatus, startTimer, stopTimer, type MinuteEntry, type ProgramStatus, type RunningTimer } from './program.js';
import { monthOf } from './rpm-rules.js';

export interface ProgramService {
  /** `month` YYYY-MM; default: the current month in the patient's zone. */
  get(caller: Caller, patientId: string, month?: string): ProgramStatus;
  /** Every patient the caller may see (care team only). */
  panel(caller: Caller, month?: string): ProgramStatus[];
  startTimer(caller: Caller, patientId: string): RunningTimer;
  stopTimer(caller: Caller, patientId: string, opts?: { note?: string | undefined; minutes?: number | undefined }): MinuteEntry;
  addMinutes(caller: Caller, patientId: string, input: { minutes: number; note: string; atMs?: number | undefined }): MinuteEntry;
}

/** The zone used for patients whose profile names none: this host's. */
export function hostZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

export function createProgramService(store: () => CareTwinStore, nowMs: () => number, defaultZone: string = hostZone()): ProgramService {
  function monthFor(s: CareTwinStore, patientId: string, month: string | undefined): string {
    if (month !== undefined) return month;
    const zone = s.getPatient(patientId)?.profile.zone ?? defaultZone;
    return monthOf(nowMs(), zone);
  }
  function requireKnown(s: CareTwinStore, patientId: string): void {
    if (s.getPatient(patientId) === undefined) throw new AppError('NOT_FOUND', 'That patient is not in this store.');
  }
  function requireCareTeam(s: CareTwinStore, caller: Caller, patientId: string, method: string): void {
    requireKnown(s, patientId);
    requireClassAccess(s, caller, patientId, 'derived', nowMs(), method);
    if (caller.role === 'patient') {
      s.audit({ actor: { actor: caller.actor, role: caller.role }, action: 'phi.denied', patientId, outcome: 'denied', details: { method } });
      throw new AppError('FORBIDDEN', 'Program time is logged by the care team.');
    }
  }
  const actor = (c: Caller) => ({ actor: c.actor, role: c.role });

  return {
    get(caller, patientId, month) {
      const s = store();
      requireKnown(s, patientId);
      requireClassAccess(s, caller, patientId, 'derived', nowMs(), 'program.get');
      return programStatus(s, patientId, monthFor(s, patientId, month), nowMs(), defaultZone);
    },
    panel(caller, month) {
      const s = store();
      requirePanelAccess(s, caller, 'program.get');
      const now = nowMs();
      return s
        .listPatients()
        .filter((p) => visibleClasses(s, caller, p.id, now).has('derived'))
        .map((p) => programStatus(s, p.id, monthFor(s, p.id, month), now, defaultZone, { patient: p }));
    },
    startTimer(caller, patientId) {
      const s = store();
      requireCareTeam(s, caller, patientId, 'program.timer.start');
      return startTimer(s, patientId, actor(caller), nowMs());
    },
    stopTimer(caller, patientId, opts = {}) {
      const s = store();
      requireCareTeam(s, caller, patientId, 'program.timer.stop');
      return stopTimer(s, patientId, actor(caller), nowMs(), opts);
    },
    addMinutes(caller, patientId, input) {
      const s = store();
      requireCareTeam(s, caller, patientId, 'program.minutes.add');
      return addMinutes(s, patientId, actor(caller), nowMs(), input);
    },
  };
}
