import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AlertCandidate } from '../../../shared/domain/alerts.js';
import type { AuditActor } from '../../../shared/domain/consent.js';
import { STREAM } from '../../../shared/domain/streams.js';
import { generateDemoPanel } from '../demo/panel.js';
import { CareTwinStore } from '../store/store.js';
import { CHEAP_KDF, DAY0_MS, DAY_MS, profile, withTempDir } from '../store/store-test-fixtures.js';
import { acknowledgeAlert, listAlerts, reconcileAlerts, resolveAlert } from './alert-store.js';
import { isDeviceStream, MODEL_FREE_POLICY, modelFreeCandidates, refreshModelFreeAlerts } from './model-free.js';

const NURSE: AuditActor = { actor: 'nurse-0000beef', role: 'nurse' };
const HOUR_MS = 3_600_000;

function candidate(kind: string, key: string, text = `${kind} ${key}`): AlertCandidate {
  return {
    kind,
    key,
    severity: 'warning',
    text,
    reason: { signals: [{ stream: null, label: 'x', value: 1, unit: '', threshold: null }], fromMs: null, toMs: null, days: null },
    dataUsed: { fromMs: null, toMs: null, streams: [], modelVersion: null },
  };
}

async function withStore<T>(fn: (store: CareTwinStore, dataDir: string) => Promise<T> | T): Promise<T> {
  return withTempDir(async (dir) => {
    const dataDir = path.join(dir, 'store');
    const store = await CareTwinStore.create(dataDir, 'pass', { kdf: CHEAP_KDF });
    try {
      return await fn(store, dataDir);
    } finally {
      store.close();
    }
  });
}

/** A series every `stepMs` over [fromMs, toMs). */
function regular(fromMs: number, toMs: number, stepMs: number, value: number): { tMs: number[]; values: number[] } {
  const tMs: number[] = [];
  for (let t = fromMs; t < toMs; t += stepMs) tMs.push(t);
  return { tMs, values: tMs.map(() => value) };
}

describe('alert lifecycle', () => {
  it('goes open -> acknowledged -> resolved, refuses the wrong steps and audits each change without the note', () =>
    withStore((store) => {
      const p = store.createPatient(profile('A'));
      expect(reconcileAlerts(store, p, 'data-gaps', [candidate('no-data', STREAM.weight)], DAY0_MS)).toMatchObject({ raised: 1, stored: true });
      const [a] = listAlerts(store, p);
      expect(a).toMatchObject({ state: 'open', seenCount: 1, firstSeenMs: DAY0_MS, acknowledged: null, resolved: null });

      expect(() => resolveAlert(store, p, a!.id, NURSE, '   ', DAY0_MS + 1)).toThrow(/needs a note/);
      expect(listAlerts(store, p)[0]!.state).toBe('open');
      expect(() => acknowledgeAlert(store, p, 'ffffffffffffffff', NURSE, DAY0_MS)).toThrow(/no such alert/);

      const acked = acknowledgeAlert(store, p, a!.id, NURSE, DAY0_MS + 1000);
      expect(acked).toMatchObject({ state: 'acknowledged', acknowledged: { by: NURSE.actor, atMs: DAY0_MS + 1000 } });
      expect(() => acknowledgeAlert(store, p, a!.id, NURSE, DAY0_MS + 2000)).toThrow(/already acknowledged/);

      const resolved = resolveAlert(store, p, a!.id, NURSE, ' Called; scale batteries replaced. ', DAY0_MS + 3000);
      expect(resolved).toMatchObject({
        state: 'resolved',
        acknowledged: { by: NURSE.actor },
        resolved: { by: NURSE.actor, atMs: DAY0_MS + 3000, note: 'Called; scale batteries replaced.' },
      });
      expect(() => acknowledgeAlert(store, p, a!.id, NURSE, DAY0_MS + 4000)).toThrow(/already resolved/);
      expect(() => resolveAlert(store, p, a!.id, NURSE, 'again', DAY0_MS + 4000)).toThrow(/already resolved/);
      expect(listAlerts(store, p)).toEqual([resolved]);

      const audit = store.listAudit({ patientId: p }).filter((e) => e.action === 'alert.action');
      expect(audit.map((e) => [e.actor, e.details.action, e.details.alert])).toEqual([
        [NURSE.actor, 'acknowledge', a!.id],
        [NURSE.actor, 'resolve', a!.id],
      ]);
      expect(JSON.stringify(audit)).not.toMatch(/batteries/);
    }));

  it('merges a duplicate of an unresolved alert (count, last seen, latest reason) instead of adding one', () =>
    withStore((store) => {
      const p = store.createPatient(profile('A'));
      reconcileAlerts(store, p, 'data-gaps', [candidate('no-data', STREAM.weight, 'first')], DAY0_MS);
      expect(
        reconcileAlerts(store, p, 'data-gaps', [candidate('no-data', STREAM.weight, 'second'), candidate('no-data', STREAM.cgm)], DAY0_MS + HOUR_MS),
      ).toMatchObject({ raised: 1, merged: 1, cleared: 0 });
      const weight = listAlerts(store, p).find((a) => a.key === STREAM.weight)!;
      expect(weight).toMatchObject({ seenCount: 2, firstSeenMs: DAY0_MS, lastSeenMs: DAY0_MS + HOUR_MS, text: 'second' });
      acknowledgeAlert(store, p, weight.id, NURSE, DAY0_MS + 2 * HOUR_MS);
      // Acknowledged is not resolved: still the same alert.
      reconcileAlerts(store, p, 'data-gaps', [candidate('no-data', STREAM.weight, 'third'), candidate('no-data', STREAM.cgm)], DAY0_MS + 3 * HOUR_MS);
      const all = listAlerts(store, p);
      expect(all).toHaveLength(2);
      expect(all.find((a) => a.key === STREAM.weight)).toMatchObject({ id: weight.id, state: 'acknowledged', seenCount: 3, text: 'third' });
      // The same kind and key from another source is another condition.
      reconcileAlerts(store, p, 'cgm-wear', [candidate('no-data', STREAM.weight)], DAY0_MS + 4 * HOUR_MS);
      expect(listAlerts(store, p)).toHaveLength(3);
    }));

  it('drops nothing: a condition that stops holding is marked cleared and stays until resolved; a resolved one comes back as new', () =>
    withStore(async (store, dataDir) => {
      const p = store.createPatient(profile('A'));
      reconcileAlerts(store, p, 'data-gaps', [candidate('no-data', STREAM.weight)], DAY0_MS);
      reconcileAlerts(store, p, 'cgm-wear', [candidate('cgm-wear-low', 'cgm')], DAY0_MS);
      expect(reconcileAlerts(store, p, 'data-gaps', [], DAY0_MS + DAY_MS)).toMatchObject({ cleared: 1, raised: 0 });
      // Clearing again changes nothing; the other source's alert is untouched.
      expect(reconcileAlerts(store, p, 'data-gaps', [], DAY0_MS + 2 * DAY_MS)).toMatchObject({ cleared: 0 });
      let all = listAlerts(store, p);
      expect(all).toHaveLength(2);
      const gap = all.find((a) => a.source === 'data-gaps')!;
      expect(gap).toMatchObject({ state: 'open', conditionClearedMs: DAY0_MS + DAY_MS });
      expect(all.find((a) => a.source === 'cgm-wear')).toMatchObject({ conditionClearedMs: null });

      // Back again before anyone resolved it: the same alert, no longer cleared.
      reconcileAlerts(store, p, 'data-gaps', [candidate('no-data', STREAM.weight)], DAY0_MS + 3 * DAY_MS);
      expect(listAlerts(store, p).find((a) => a.id === gap.id)).toMatchObject({ conditionClearedMs: null, seenCount: 2 });

      resolveAlert(store, p, gap.id, NURSE, 'Patient travelling.', DAY0_MS + 4 * DAY_MS);
      // Still the condition that was resolved: counted on it, nothing new raised.
      expect(reconcileAlerts(store, p, 'data-gaps', [candidate('no-data', STREAM.weight)], DAY0_MS + 5 * DAY_MS)).toMatchObject({ raised: 0, merged: 1 });
      expect(listAlerts(store, p).find((a) => a.id === gap.id)).toMatchObject({ state: 'resolved', seenCount: 3, lastSeenMs: DAY0_MS + 5 * DAY_MS });
      // It clears, then comes back: a new alert.
      expect(reconcileAlerts(store, p, 'data-gaps', [], DAY0_MS + 6 * DAY_MS)).toMatchObject({ cleared: 1 });
      expect(reconcileAlerts(store, p, 'data-gaps', [candidate('no-data', STREAM.weight)], DAY0_MS + 7 * DAY_MS)).toMatchObject({ raised: 1 });
      all = listAlerts(store, p);
      expect(all.filter((a) => a.source === 'data-gaps').map((a) => a.state).sort()).toEqual(['open', 'resolved']);

      // All of it survives a lock and unlock.
      store.close();
      const reopened = await CareTwinStore.unlock(dataDir, 'pass');
      try {
        expect(listAlerts(reopened, p)).toEqual(all);
      } finally {
        reopened.close();
      }
    }));

  it('refuses malformed candidates and changes nothing', () =>
    withStore((store) => {
      const p = store.createPatient(profile('A'));
      reconcileAlerts(store, p, 'data-gaps', [candidate('no-data', STREAM.weight)], DAY0_MS);
      const before = listAlerts(store, p);
      const bad = { ...candidate('no-data', STREAM.cgm), text: '' };
      expect(() => reconcileAlerts(store, p, 'data-gaps', [bad], DAY0_MS + 1)).toThrow(/not valid \(0\.text\)/);
      expect(listAlerts(store, p)).toEqual(before);
    }));
});

describe('model-free alerts', () => {
  it('raises no-data for a stream with a planted gap, per stream limit, and none for labs', () =>
    withStore((store) => {
      const p = store.createPatient(profile('Gap', { conditions: ['hf', 't2d'] }));
      const end = DAY0_MS + 30 * DAY_MS;
      // Weight daily until 4 days before `end`; CGM every 5 min until 20 h before `end`; a lab 40 days ago.
      const weight = regular(DAY0_MS + 7 * HOUR_MS, end - 4 * DAY_MS, DAY_MS, 80);
      const cgm = regular(end - 10 * DAY_MS, end - 20 * HOUR_MS, 5 * 60_000, 120);
      store.writeSeries([
        { patientId: p, stream: STREAM.weight, source: 't', ...weight },
        { patientId: p, stream: STREAM.cgm, source: 't', ...cgm },
        { patientId: p, stream: STREAM.hba1c, source: 't', tMs: [end - 40 * DAY_MS], values: [7.1] },
      ]);
      const found = modelFreeCandidates(store, p, end);
      expect(found['data-gaps'].map((c) => c.key)).toEqual([STREAM.weight]);
      const w = found['data-gaps'][0]!;
      const lastWeight = weight.tMs.at(-1)!;
      expect(w.reason.days).toBeCloseTo((end - lastWeight) / DAY_MS, 1);
      expect(w.reason.fromMs).toBe(lastWeight);
      expect(w.dataUsed.streams).toEqual([{ stream: STREAM.weight, count: weight.tMs.length, firstMs: weight.tMs[0], lastMs: lastWeight }]);
      expect(w.text).toMatch(/^No Body weight data for 4\.\d days .*limit for this stream is 3 days/);
      // Five hours later the CGM is past its one-day limit too.
      expect(modelFreeCandidates(store, p, end + 5 * HOUR_MS)['data-gaps'].map((c) => c.key).sort()).toEqual([STREAM.weight, STREAM.cgm].sort());
      // CGM started 10 days ago and stopped 20 h ago: wear over those 10 days is about 9.2/10.
      expect(found['cgm-wear']).toEqual([]);
      // Fingersticks 5 days old: quiet while the CGM sends, an alert once it has stopped too.
      store.writeSeries([{ patientId: p, stream: STREAM.fingerstick, source: 't', tMs: [end - 5 * DAY_MS], values: [140] }]);
      expect(modelFreeCandidates(store, p, end)['data-gaps'].map((c) => c.key)).toEqual([STREAM.weight]);
      expect(modelFreeCandidates(store, p, end + 5 * HOUR_MS)['data-gaps'].map((c) => c.key).sort()).toEqual([STREAM.weight, STREAM.cgm, STREAM.fingerstick].sort());
    }));

  it('raises CGM wear < 70 % over 14 days from the readings own interval (5 min Dexcom, 15 min Libre)', () =>
    withStore((store) => {
      const end = DAY0_MS + 30 * DAY_MS;
      const low = store.createPatient(profile('Low'));
      const libre = store.createPatient(profile('Libre'));
      // 14 days with 5 of them missing: 9/14 = 64 %.
      const parts = [regular(end - 14 * DAY_MS, end - 8 * DAY_MS, 300_000, 110), regular(end - 3 * DAY_MS, end, 300_000, 110)];
      store.writeSeries(parts.map((s) => ({ patientId: low, stream: STREAM.cgm, source: 't', ...s })));
      store.writeSeries([{ patientId: libre, stream: STREAM.cgm, source: 't', ...regular(end - 20 * DAY_MS, end, 900_000, 110) }]);
      const lowWear = modelFreeCandidates(store, low, end)['cgm-wear'];
      expect(lowWear).toHaveLength(1);
      expect(lowWear[0]!.reason.signals[0]!.value).toBeCloseTo((9 / 14) * 100, 0);
      expect(lowWear[0]!.reason.detail).toMatchObject({ intervalMinutes: 5, expectedSlots: 14 * 288, observedSlots: 9 * 288 });
      expect(lowWear[0]!.text).toMatch(/^CGM worn 64\.3% of the last 14 days \(target at least 70%\)/);
      expect(modelFreeCandidates(store, libre, end)['cgm-wear']).toEqual([]);
      // A CGM started 12 h ago is not judged yet.
      const fresh = store.createPatient(profile('Fresh'));
      store.writeSeries([{ patientId: fresh, stream: STREAM.cgm, source: 't', ...regular(end - 12 * HOUR_MS, end - 11 * HOUR_MS, 300_000, 110) }]);
      expect(modelFreeCandidates(store, fresh, end)['cgm-wear']).toEqual([]);
    }));

  it('on a demo panel two days after its end, finds exactly the streams a direct count says are past their limit', () =>
    withStore(async (store) => {
      const endMs = Date.UTC(2026, 3, 20, 9, 30);
      await generateDemoPanel(store, { patients: 12, days: 30, seed: 3, endMs });
      const now = endMs + 2 * DAY_MS;
      let expectedTotal = 0;
      for (const { id } of store.listPatients()) {
        const expected: string[] = [];
        const lastOf = (stream: string) => store.readSeries(id, stream).tMs.at(-1);
        const lastCgm = lastOf(STREAM.cgm);
        const cgmSending = lastCgm !== undefined && now - lastCgm <= MODEL_FREE_POLICY.noDataHours(STREAM.cgm) * HOUR_MS;
        for (const s of store.streamSummaries(id)) {
          if (!isDeviceStream(s.stream) || (s.stream === STREAM.fingerstick && cgmSending)) continue;
          if (now - lastOf(s.stream)! > MODEL_FREE_POLICY.noDataHours(s.stream) * HOUR_MS) expected.push(s.stream);
        }
        expectedTotal += expected.length;
        const report = refreshModelFreeAlerts(store, id, now);
        expect(report.gaps.raised).toBe(expected.length);
        expect(listAlerts(store, id).filter((a) => a.kind === 'no-data').map((a) => a.key).sort()).toEqual(expected.sort());
        // A second refresh merges, it does not add.
        refreshModelFreeAlerts(store, id, now + HOUR_MS);
        expect(listAlerts(store, id).filter((a) => a.kind === 'no-data')).toHaveLength(expected.length);
      }
      // Every CGM wearer is past the one-day CGM limit two days after the data end.
      expect(expectedTotal).toBeGreaterThan(0);
    }));
});
