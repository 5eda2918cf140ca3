/**
 * Alerts as a service for the hosts (IPC router, web host, CLI): who may see and change which alerts, and the
 * refresh of the model-free alerts. Alerts are derived data: the care team sees a patient's alerts when the
 * patient's consent lets their role see the `derived` class; a patient account sees its own; only the care
 * team acknowledges and resolves them.
 *
 * The twin pipeline feeds its model alerts through `reconcile(patientId, source, candidates)`.
 */
import type { Alert, AlertCandidate, AlertSource, AlertState } from '../../../shared/domain/alerts.js';
import { AppError } from '../../../shared/ipc/errors.js';
import { requireClassAccess, requirePanelAccess, visibleClasses, type Caller } from '../consent/access.js';
import type { CareTwinStore } from '../store/store.js';
import { acknowledgeAlert, listAlerts, reconcileAlerts, resolveAlert, type ReconcileReport } from './alert-store.js';
import { MODEL_FREE_POLICY, refreshModelFreeAlerts, type ModelFreePolicy } from './model-free.js';

export interface AlertQuery {
  readonly patientId?: string | undefined;
  readonly state?: AlertState | undefined;
}

export interface AlertRefreshReport {
  readonly patients: number;
  readonly raised: number;
  readonly merged: number;
  readonly cleared: number;
  /** Patients whose consent does not permit derived data: nothing kept for them. */
  readonly notPermitted: number;
}

export interface AlertService {
  /** A patient's alerts (or the panel's, for the care team), newest first; refreshes the model-free ones first. */
  list(caller: Caller, query?: AlertQuery): Alert[];
  acknowledge(caller: Caller, patientId: string, alertId: string): Alert;
  resolve(caller: Caller, patientId: string, alertId: string, note: string): Alert;
  /** Recomputes the model-free alerts of one patient or of all. */
  refreshModelFree(patientIds?: readonly string[]): AlertRefreshReport;
  /** For producers (the twin pipeline): the full set of candidates `source` finds for a patient now. */
  reconcile(patientId: string, source: AlertSource, candidates: readonly AlertCandidate[]): ReconcileReport;
}

export function createAlertService(
  store: () => CareTwinStore,
  nowMs: () => number,
  policy: ModelFreePolicy = MODEL_FREE_POLICY,
): AlertService {
  function refreshModelFree(patientIds?: readonly string[]): AlertRefreshReport {
    const s = store();
    const ids = patientIds ?? s.listPatients().map((p) => p.id);
    const now = nowMs();
    let raised = 0;
    let merged = 0;
    let cleared = 0;
    let notPermitted = 0;
    for (const id of ids) {
      const r = refreshModelFreeAlerts(s, id, now, policy);
      raised += r.gaps.raised + r.wear.raised;
      merged += r.gaps.merged + r.wear.merged;
      cleared += r.gaps.cleared + r.wear.cleared;
      if (!r.gaps.stored || !r.wear.stored) notPermitted++;
    }
    return { patients: ids.length, raised, merged, cleared, notPermitted };
  }

  function requireCareTeam(s: CareTwinStore, caller: Caller, patientId: string, method: string): void {
    requireClassAccess(s, caller, patientId, 'derived', nowMs(), method);
    if (caller.role === 'patient') {
      s.audit({ actor: { actor: caller.actor, role: caller.role }, action: 'phi.denied', patientId, outcome: 'denied', details: { method } });
      throw new AppError('FORBIDDEN', 'Alerts are acknowledged and resolved by the care team.');
    }
  }

  return {
    list(caller, query = {}) {
      const s = store();
      let ids: string[];
      if (query.patientId !== undefined) {
        if (s.getPatient(query.patientId) === undefined) throw new AppError('NOT_FOUND', 'That patient is not in this store.');
        requireClassAccess(s, caller, query.patientId, 'derived', nowMs(), 'alerts.list');
        ids = [query.patientId];
      } else {
        requirePanelAccess(s, caller, 'alerts.list');
        const now = nowMs();
        ids = s.listPatients().map((p) => p.id).filter((id) => visibleClasses(s, caller, id, now).has('derived'));
      }
      refreshModelFree(ids);
      const out: Alert[] = [];
      for (const id of ids) for (const a of listAlerts(s, id)) if (query.state === undefined || a.state === query.state) out.push(a);
      return out.sort((a, b) => b.lastSeenMs - a.lastSeenMs || b.firstSeenMs - a.firstSeenMs || (a.id < b.id ? -1 : 1));
    },
    acknowledge(caller, patientId, alertId) {
      const s = store();
      requireCareTeam(s, caller, patientId, 'alerts.acknowledge');
      return acknowledgeAlert(s, patientId, alertId, { actor: caller.actor, role: caller.role }, nowMs());
    },
    resolve(caller, patientId, alertId, note) {
      const s = store();
      requireCareTeam(s, caller, patientId, 'alerts.resolve');
      return resolveAlert(s, patientId, alertId, { actor: caller.actor, role: caller.role }, note, nowMs());
    },
    refreshModelFree,
    reconcile(patientId, source, candidates) {
      return reconcileAlerts(store(), patientId, source, candidates, nowMs());
    },
  };
}
