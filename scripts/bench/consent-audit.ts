/**
 * Issue 6 figures: audit append and verify cost, crypto-shredding one data class (rows deleted with secure_delete,
 * WAL truncated), and a consent-filtered FHIR export, on a real store file.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { STORE_OWNER } from '../../main/core/consent/access.js';
import { exportPatientBundle } from '../../main/core/consent/fhir-export.js';
import { CareTwinStore } from '../../main/core/store/store.js';
import { STREAM } from '../../shared/domain/streams.js';

const DAY_MS = 86_400_000;

export interface ConsentAuditBench {
  readonly auditEntries: number;
  readonly auditAppendUsPerEntry: number;
  readonly auditVerifyMs: number;
  readonly cgmDays: number;
  readonly cgmSamples: number;
  readonly revokeCgmMs: number;
  readonly exportObservations: number;
  readonly exportMs: number;
  readonly exportJsonMB: number;
}

export async function benchConsentAudit(): Promise<ConsentAuditBench> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'caretwin-bench-consent-'));
  try {
    const store = await CareTwinStore.create(path.join(dir, 'store'), 'bench passcode');
    const patientId = store.createPatient({ name: 'Bench Patient', conditions: ['t1d'], identifiers: [] });
    const days = 90;
    const start = Date.UTC(2026, 7, 1);
    for (let d = 0; d < days; d++) {
      const tMs = Array.from({ length: 288 }, (_, i) => start + d * DAY_MS + i * 300_000);
      store.writeSeries([
        { patientId, stream: STREAM.cgm, source: 'cgm', tMs, values: tMs.map((_, i) => 90 + (i % 60)) },
        { patientId, stream: STREAM.stepsPerDay, source: 'steps', tMs: [start + d * DAY_MS], values: [5000 + d] },
      ]);
    }

    const entries = 5000;
    let t = performance.now();
    for (let i = 0; i < entries; i++) {
      store.audit({ actor: { actor: 'owner', role: 'admin' }, action: 'phi.read', patientId, details: { method: 'patient.series', i } });
    }
    const appendMs = performance.now() - t;
    t = performance.now();
    const verified = store.verifyAudit();
    const verifyMs = performance.now() - t;
    if (!verified.ok) throw new Error('bench: audit chain broken');

    t = performance.now();
    const exported = exportPatientBundle(store, STORE_OWNER, patientId, Date.now());
    const exportMs = performance.now() - t;
    const exportBytes = Buffer.byteLength(JSON.stringify(exported.bundle));

    t = performance.now();
    store.revokeConsent({ actor: 'owner', role: 'admin' }, patientId, 'cgm');
    const revokeMs = performance.now() - t;
    store.close();
    return {
      auditEntries: entries,
      auditAppendUsPerEntry: (appendMs * 1000) / entries,
      auditVerifyMs: verifyMs,
      cgmDays: days,
      cgmSamples: days * 288,
      revokeCgmMs: revokeMs,
      exportObservations: exported.observations,
      exportMs,
      exportJsonMB: exportBytes / 1e6,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
