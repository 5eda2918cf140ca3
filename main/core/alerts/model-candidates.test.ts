import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { STREAM } from '../../../shared/domain/streams.js';
import { runHeartFailureTwin } from '../../../shared/model/heart-failure/twin.js';
import { heartFailureSeriesFromPlan } from '../evaluation/hf-episodes.js';
import { planDemoPatient } from '../demo/panel.js';
import { demoWindow } from '../demo/window.js';
import { CareTwinStore } from '../store/store.js';
import { CHEAP_KDF, profile, withTempDir } from '../store/store-test-fixtures.js';
import { listAlerts, reconcileAlerts } from './alert-store.js';
import { diabetesCandidates, heartFailureCandidate, type GlucoseProjectionSummary } from './model-candidates.js';

const END_MS = Date.UTC(2026, 4, 15, 12);
const HOUR = 3_600_000;

describe('model alerts as candidates', () => {
  it('stores the heart-failure twin alerts of a demo patient with their reasons and data used, one per episode', () =>
    withTempDir(async (dir) => {
      const window = demoWindow(90, END_MS);
      let found: { twin: ReturnType<typeof runHeartFailureTwin> } | undefined;
      for (let i = 0; i < 60 && found === undefined; i++) {
        const plan = planDemoPatient(i, { seed: 1, days: 90, endMs: END_MS });
        if (!plan.profile.conditions.includes('hf') || plan.truth.hfEpisodes.length === 0) continue;
        const twin = runHeartFailureTwin(heartFailureSeriesFromPlan(plan, window.startMs, window.endMs));
        if (twin.alerts.length > 0) found = { twin };
      }
      expect(found).toBeDefined();
      const twin = found!.twin;
      const store = await CareTwinStore.create(path.join(dir, 'store'), 'pass', { kdf: CHEAP_KDF });
      try {
        const p = store.createPatient(profile('HF', { conditions: ['hf'] }));
        const candidates = twin.alerts.map(heartFailureCandidate);
        expect(reconcileAlerts(store, p, 'heart-failure', candidates, END_MS)).toMatchObject({ raised: twin.alerts.length });
        // The next refit sees the same episodes: merged, nothing new.
        expect(reconcileAlerts(store, p, 'heart-failure', candidates, END_MS + HOUR)).toMatchObject({ raised: 0, merged: twin.alerts.length });
        const stored = listAlerts(store, p);
        expect(stored).toHaveLength(twin.alerts.length);
        for (const a of twin.alerts) {
          const s = stored.find((x) => x.text === a.text)!;
          expect(s).toMatchObject({ source: 'heart-failure', kind: `hf-${a.kind}`, severity: 'urgent', seenCount: 2 });
          expect(s.reason.signals).toHaveLength(a.signals.length);
          expect(s.reason.detail).toMatchObject({ criteria: [...a.criteria], cusumStatistic: a.cusumStatistic });
          expect(s.dataUsed.modelVersion).toBe(a.dataUsed.modelVersion);
          expect(s.dataUsed.streams.map((u) => u.stream)).toEqual(a.dataUsed.streams.map((u) => u.stream));
        }
      } finally {
        store.close();
      }
    }));

  it('raises diabetes candidates at the consensus targets', () => {
    const now = END_MS;
    const base: GlucoseProjectionSummary = {
      fromMs: now,
      toMs: now + 24 * HOUR,
      timeInRange: 0.7,
      timeBelow70: 0.04,
      timeBelow54: 0.01,
      predictedLow: null,
      dataUsed: { fromMs: now - 14 * 24 * HOUR, toMs: now, streams: [{ stream: STREAM.cgm, count: 4000, firstMs: now - 14 * 24 * HOUR, lastMs: now }], modelVersion: 'glucose-test' },
    };
    // Exactly at the targets: nothing.
    expect(diabetesCandidates(base, now)).toEqual([]);
    const all = diabetesCandidates(
      { ...base, timeInRange: 0.65, timeBelow70: 0.05, timeBelow54: 0.012, predictedLow: { atMs: now + 40 * 60_000, mgdl: 62, probability: 0.7 } },
      now,
    );
    expect(all.map((c) => c.kind)).toEqual(['dm-tir-low', 'dm-below70-high', 'dm-below54-high', 'dm-low-within-hour']);
    expect(all[0]!.text).toBe('Projected time in range 70-180 mg/dL 65% over the next day (target above 70%).');
    expect(all[3]!.text).toBe('Glucose predicted below 70 mg/dL in 40 minutes (62 mg/dL, probability 70%).');
    // A low 61 minutes ahead is not within the hour.
    expect(diabetesCandidates({ ...base, predictedLow: { atMs: now + 61 * 60_000, mgdl: 65, probability: 0.6 } }, now)).toEqual([]);
  });
});
