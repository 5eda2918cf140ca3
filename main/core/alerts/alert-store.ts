/**
 * The alert store: every patient's alerts as one derived record (`derived.alerts`), sealed under the patient's
 * derived-data key by the store, read-modify-written in one immediate transaction (so the app and a CLI in
 * another process never lose each other's changes).
 *
 * `reconcileAlerts` is the one entry for producers (model-free checks now, the twin pipeline later): it gets
 * the full set of candidates one source finds for one patient now and
 *  - raises a new alert for a candidate that matches no unresolved alert of that source (kind + key);
 *  - merges a candidate into the matching unresolved alert: seen count + 1, last seen, latest severity, reason
 *    and data used; a "condition cleared" mark is taken back;
 *  - marks an unresolved alert of that source whose condition is no longer among the candidates as
 *    "condition cleared" (once, with the time); it is never deleted and stays until resolved;
 *  - a resolved alert stays resolved: while its condition goes on holding without a break, the candidate is
 *    counted on it (seen count, last seen) and raises nothing new (a gap someone resolved as "patient
 *    travelling" is not raised again every refresh); once the condition has cleared, its return is a new alert.
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import {
  ALERT_NOTE_MAX,
  AlertCandidateSchema,
  AlertSchema,
  type Alert,
  type AlertCandidate,
  type AlertSource,
} from '../../../shared/domain/alerts.js';
import type { AuditActor } from '../../../shared/domain/consent.js';
import { AppError } from '../../../shared/ipc/errors.js';
import type { AuditEntryInput } from '../store/store.js';

export const ALERTS_RECORD = 'derived.alerts';

/** The store primitives the alert store uses (CareTwinStore has them all). */
export interface AlertStoreBackend {
  getDerivedRecord<T = unknown>(patientId: string, kind: string): T | undefined;
  putDerivedRecord(patientId: string, kind: string, value: unknown): boolean;
  writeAtomically<T>(fn: () => T): T;
  audit(entry: AuditEntryInput): number;
}

const AlertRecordSchema = z.object({ version: z.literal(1), alerts: z.array(AlertSchema) });
type AlertRecord = z.infer<typeof AlertRecordSchema>;

export interface ReconcileReport {
  readonly raised: number;
  readonly merged: number;
  /** Alerts newly marked "condition cleared" (still there, still to be resolved). */
  readonly cleared: number;
  /** False when the patient's consent does not permit derived data: nothing was stored. */
  readonly stored: boolean;
}

/** Every alert of a patient, newest first seen first; [] when there are none or derived data is not permitted. */
export function listAlerts(store: AlertStoreBackend, patientId: string): Alert[] {
  return [...readRecord(store, patientId).alerts].sort((a, b) => b.firstSeenMs - a.firstSeenMs || (a.id < b.id ? -1 : 1));
}

export function reconcileAlerts(
  store: AlertStoreBackend,
  patientId: string,
  source: AlertSource,
  candidates: readonly AlertCandidate[],
  nowMs: number,
): ReconcileReport {
  const parsed = z.array(AlertCandidateSchema).safeParse(candidates);
  if (!parsed.success) {
    const paths = [...new Set(parsed.error.issues.map((i) => i.path.join('.')))].slice(0, 5).join(', ');
    throw new AppError('VALIDATION', `An alert candidate is not valid (${paths}); no alert was changed.`);
  }
  // Two candidates for the same condition in one pass are one condition: the later one's reason stands.
  const byKey = new Map<string, AlertCandidate>();
  for (const c of parsed.data) byKey.set(conditionKey(c.kind, c.key), c);

  return store.writeAtomically(() => {
    const record = readRecord(store, patientId);
    const alerts = [...record.alerts];
    let raised = 0;
    let merged = 0;
    let cleared = 0;
    const matched = new Set<string>();
    // Unresolved alerts first, so that a condition matches its open alert before an older resolved one.
    const order = alerts.map((a, i) => i).sort((i, j) => Number(alerts[i]!.state === 'resolved') - Number(alerts[j]!.state === 'resolved'));
    for (const i of order) {
      const a = alerts[i]!;
      if (a.source !== source) continue;
      const key = conditionKey(a.kind, a.key);
      const c = byKey.get(key);
      if (a.state === 'resolved') {
        if (a.conditionClearedMs !== null) continue;
        if (c !== undefined && !matched.has(key)) {
          // The condition its resolver saw, still holding: no new alert.
          matched.add(key);
          alerts[i] = { ...a, lastSeenMs: nowMs, seenCount: a.seenCount + 1 };
          merged++;
        } else if (c === undefined) {
          alerts[i] = { ...a, conditionClearedMs: nowMs };
          cleared++;
        }
        continue;
      }
      if (c !== undefined && !matched.has(key)) {
        matched.add(key);
        alerts[i] = {
          ...a,
          severity: c.severity,
          text: c.text,
          reason: c.reason,
          dataUsed: c.dataUsed,
          lastSeenMs: nowMs,
          seenCount: a.seenCount + 1,
          conditionClearedMs: null,
        };
        merged++;
      } else if (c === undefined && a.conditionClearedMs === null) {
        alerts[i] = { ...a, conditionClearedMs: nowMs };
        cleared++;
      }
    }
    for (const [key, c] of byKey) {
      if (matched.has(key)) continue;
      alerts.push({
        ...c,
        id: randomBytes(8).toString('hex'),
        patientId,
        source,
        state: 'open',
        firstSeenMs: nowMs,
        lastSeenMs: nowMs,
        seenCount: 1,
        conditionClearedMs: null,
        acknowledged: null,
        resolved: null,
      });
      raised++;
    }
    if (raised + merged + cleared === 0) return { raised, merged, cleared, stored: true };
    const stored = store.putDerivedRecord(patientId, ALERTS_RECORD, { version: 1, alerts } satisfies AlertRecord);
    return stored ? { raised, merged, cleared, stored } : { raised: 0, merged: 0, cleared: 0, stored };
  });
}

/** open -> acknowledged, audited. Refused (CONFLICT) for an alert already acknowledged or resolved. */
export function acknowledgeAlert(
  store: AlertStoreBackend,
  patientId: string,
  alertId: string,
  actor: AuditActor,
  nowMs: number,
): Alert {
  return changeAlert(store, patientId, alertId, actor, 'acknowledge', (a) => {
    if (a.state !== 'open') {
      throw new AppError('CONFLICT', `This alert is already ${a.state}; only an open alert can be acknowledged.`);
    }
    return { ...a, state: 'acknowledged', acknowledged: { by: actor.actor, atMs: nowMs } };
  });
}

/** open or acknowledged -> resolved with a note, audited (the note itself is not: it is free text). */
export function resolveAlert(
  store: AlertStoreBackend,
  patientId: string,
  alertId: string,
  actor: AuditActor,
  note: string,
  nowMs: number,
): Alert {
  const text = typeof note === 'string' ? note.trim() : '';
  if (text.length === 0) throw new AppError('VALIDATION', 'Resolving an alert needs a note saying what was done.');
  if (text.length > ALERT_NOTE_MAX) throw new AppError('VALIDATION', `The note is longer than ${ALERT_NOTE_MAX} characters.`);
  return changeAlert(store, patientId, alertId, actor, 'resolve', (a) => {
    if (a.state === 'resolved') throw new AppError('CONFLICT', 'This alert is already resolved.');
    return { ...a, state: 'resolved', resolved: { by: actor.actor, atMs: nowMs, note: text } };
  });
}

function changeAlert(
  store: AlertStoreBackend,
  patientId: string,
  alertId: string,
  actor: AuditActor,
  action: 'acknowledge' | 'resolve',
  change: (a: Alert) => Alert,
): Alert {
  return store.writeAtomically(() => {
    const record = readRecord(store, patientId);
    const at = record.alerts.findIndex((a) => a.id === alertId);
    if (at < 0) throw new AppError('NOT_FOUND', 'There is no such alert for this patient. Reload the alert list.');
    const updated = change(record.alerts[at]!);
    const alerts = [...record.alerts];
    alerts[at] = updated;
    if (!store.putDerivedRecord(patientId, ALERTS_RECORD, { version: 1, alerts } satisfies AlertRecord)) {
      throw new AppError('FORBIDDEN', "The patient's consent does not permit keeping derived data such as alerts.");
    }
    // The single audit call site of the alert lifecycle: codes and ids only, never the note.
    store.audit({
      actor,
      action: 'alert.action',
      patientId,
      details: { action, alert: updated.id, source: updated.source, kind: updated.kind },
    });
    return updated;
  });
}

function readRecord(store: AlertStoreBackend, patientId: string): AlertRecord {
  const raw = store.getDerivedRecord(patientId, ALERTS_RECORD);
  if (raw === undefined) return { version: 1, alerts: [] };
  const parsed = AlertRecordSchema.safeParse(raw);
  if (!parsed.success) {
    throw new AppError('STORE_UNAVAILABLE', "A patient's stored alerts are not in a form this version reads; nothing was changed.");
  }
  return parsed.data;
}

function conditionKey(kind: string, key: string): string {
  return `${kind}\n${key}`;
}
