/**
 * The care team's audit view on a long log: one page of 50 entries (newest first) unfiltered, by patient, by
 * account, by account and action, 100 pages deep, and the accounts' last sign-ins, on a real store file.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CareTwinStore } from '../../main/core/store/store.js';
import type { AuditAction, Role } from '../../shared/domain/consent.js';

export interface AuditViewBench {
  readonly entries: number;
  readonly patients: number;
  readonly accounts: number;
  readonly fillSeconds: number;
  /** Median of repeated calls, ms. */
  readonly pageNewestMs: number;
  readonly pageByPatientMs: number;
  readonly pageByAccountMs: number;
  readonly pageByAccountAndActionMs: number;
  readonly page100DeepMs: number;
  readonly lastSignInsMs: number;
}

function median(run: () => unknown, times = 15): number {
  const ms: number[] = [];
  for (let i = 0; i < times; i++) {
    const t = performance.now();
    run();
    ms.push(performance.now() - t);
  }
  ms.sort((a, b) => a - b);
  return ms[Math.floor(ms.length / 2)]!;
}

export async function benchAuditView(entries = 50_000): Promise<AuditViewBench> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'caretwin-bench-audit-view-'));
  try {
    const store = await CareTwinStore.create(path.join(dir, 'store'), 'bench passcode', { kdf: { memorySize: 1024, iterations: 1 } });
    const patients = Array.from({ length: 200 }, (_, i) => store.createPatient({ name: `Bench ${i}`, conditions: ['t2d'], identifiers: [] }));
    const roles: Role[] = ['nurse', 'nurse', 'nurse', 'clinician', 'admin'];
    const accounts = Array.from({ length: 20 }, (_, i) => ({ actor: `${roles[i % roles.length]}-${(0x10000000 + i).toString(16)}`, role: roles[i % roles.length]! }));
    const t0 = performance.now();
    for (let i = 0; i < entries; i++) {
      const who = accounts[i % accounts.length]!;
      const action: AuditAction = i % 97 === 0 ? 'account.unlock' : i % 31 === 0 ? 'export' : 'phi.read';
      store.audit({ actor: who, action, patientId: action === 'account.unlock' ? null : patients[i % patients.length]!, details: { method: 'patient.get' } });
    }
    const fillSeconds = (performance.now() - t0) / 1000;
    const patientId = patients[7]!;
    const actor = accounts[3]!.actor;
    const first = store.pageAudit({ limit: 50 });
    let deep = first;
    for (let p = 0; p < 99 && deep.nextBeforeSeq !== null; p++) deep = store.pageAudit({ limit: 50, beforeSeq: deep.nextBeforeSeq });
    const deepCursor = deep.entries[0]!.seq + 1;
    const result: AuditViewBench = {
      entries,
      patients: patients.length,
      accounts: accounts.length,
      fillSeconds,
      pageNewestMs: median(() => store.pageAudit({ limit: 50 })),
      pageByPatientMs: median(() => store.pageAudit({ limit: 50, patientId })),
      pageByAccountMs: median(() => store.pageAudit({ limit: 50, actor })),
      pageByAccountAndActionMs: median(() => store.pageAudit({ limit: 50, actor, action: 'export' })),
      page100DeepMs: median(() => store.pageAudit({ limit: 50, beforeSeq: deepCursor })),
      lastSignInsMs: median(() => store.lastSignIns()),
    };
    store.close();
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
