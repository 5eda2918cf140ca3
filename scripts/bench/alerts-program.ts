/**
 * Model-free alerts and RPM program tracking on the demo panel (120 and 1,000 patients x 90 days), in a real
 * encrypted store in a temp directory, clock fixed at the panel's end plus two days (so CGM gaps have opened):
 * - refresh of every patient's no-data and CGM-wear alerts: first pass (raises), second pass (merges), listing;
 * - program status of every patient for the month: wall time, and its day counts against a direct count of the
 *   stored device samples in each patient's zone (Intl, independent of the code's ZoneClock): mismatches.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateDemoPanel } from '../../main/core/demo/panel.js';
import { CareTwinStore } from '../../main/core/store/store.js';
import { isDeviceStream, refreshModelFreeAlerts } from '../../main/core/alerts/model-free.js';
import { listAlerts } from '../../main/core/alerts/alert-store.js';
import { programStatus } from '../../main/core/program/program.js';
import { monthOf } from '../../main/core/program/rpm-rules.js';

const DAY_MS = 86_400_000;
const END_MS = Date.UTC(2026, 10, 18, 14, 0);

export interface AlertsProgramFigures {
  readonly patients: number;
  readonly days: number;
  readonly refreshFirstSeconds: number;
  readonly refreshSecondSeconds: number;
  readonly listAllMs: number;
  readonly alertsByKind: Record<string, number>;
  readonly programSeconds: number;
  readonly programMonth: string;
  readonly dayCountMismatches: number;
  readonly patientsChecked: number;
  readonly byDeviceCode: Record<string, number>;
}

function localDateFormatter(zone: string): (tMs: number) => string {
  const f = new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' });
  const cache = new Map<number, string>();
  return (tMs) => {
    const q = Math.floor(tMs / 900_000);
    let d = cache.get(q);
    if (d === undefined) cache.set(q, (d = f.format(tMs)));
    return d;
  };
}

export async function benchAlertsProgram(patients: number, days = 90): Promise<AlertsProgramFigures> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'caretwin-bench-alerts-'));
  try {
    const store = await CareTwinStore.create(path.join(dir, 'store'), 'bench passcode', { kdf: { memorySize: 1024, iterations: 1 } });
    try {
      await generateDemoPanel(store, { patients, days, seed: 1, endMs: END_MS });
      const now = END_MS + 2 * DAY_MS;
      const ids = store.listPatients().map((p) => p.id);

      let t0 = performance.now();
      for (const id of ids) refreshModelFreeAlerts(store, id, now);
      const refreshFirstSeconds = (performance.now() - t0) / 1000;
      t0 = performance.now();
      for (const id of ids) refreshModelFreeAlerts(store, id, now + 3_600_000);
      const refreshSecondSeconds = (performance.now() - t0) / 1000;
      t0 = performance.now();
      const alertsByKind: Record<string, number> = {};
      for (const id of ids) for (const a of listAlerts(store, id)) alertsByKind[a.kind] = (alertsByKind[a.kind] ?? 0) + 1;
      const listAllMs = performance.now() - t0;

      const programMonth = monthOf(END_MS, 'UTC');
      t0 = performance.now();
      const statuses = ids.map((id) => programStatus(store, id, programMonth, now, 'UTC'));
      const programSeconds = (performance.now() - t0) / 1000;

      let dayCountMismatches = 0;
      const byDeviceCode: Record<string, number> = {};
      for (const s of statuses) {
        const zone = store.getPatient(s.patientId)!.profile.zone ?? 'UTC';
        const dateOf = localDateFormatter(zone);
        const want = new Set<string>();
        for (const summary of store.streamSummaries(s.patientId)) {
          if (!isDeviceStream(summary.stream)) continue;
          for (const t of store.readSeries(s.patientId, summary.stream).tMs) {
            if (t > now) continue;
            const d = dateOf(t);
            if (d.startsWith(programMonth)) want.add(d);
          }
        }
        const got = s.deviceDays.dates;
        if (got.length !== want.size || got.some((d) => !want.has(d))) dayCountMismatches++;
        const code = s.deviceDays.code ?? 'none';
        byDeviceCode[code] = (byDeviceCode[code] ?? 0) + 1;
      }
      return {
        patients,
        days,
        refreshFirstSeconds,
        refreshSecondSeconds,
        listAllMs,
        alertsByKind,
        programSeconds,
        programMonth,
        dayCountMismatches,
        patientsChecked: statuses.length,
        byDeviceCode,
      };
    } finally {
      store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
