import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultProvision } from '../../../shared/domain/consent.js';
import { STREAM } from '../../../shared/domain/streams.js';
import { STORE_OWNER, type Caller } from '../consent/access.js';
import { CareTwinStore } from '../store/store.js';
import { CHEAP_KDF, DAY0_MS, profile, withTempDir } from '../store/store-test-fixtures.js';
import { createPanelService } from './panel-service.js';
import {
  congestionRisk,
  DAY_MS,
  glucoseStats,
  normalCdf,
  projectedGlucose,
  tideCategory,
  weightChange7d,
  type RangeShares,
} from './triage-metrics.js';

const MIN_MS = 60_000;
const OK: RangeShares = { veryLow: 0, low: 0, inRange: 1, high: 0, veryHigh: 0 };

describe('TIDE categories', () => {
  it('puts each threshold on the "meeting" side and anything above it in the category', () => {
    expect(tideCategory(OK, 1)).toBe('meeting-targets');
    expect(tideCategory({ ...OK, veryLow: 0.01, low: 0.01 }, 1)).toBe('meeting-targets');
    expect(tideCategory({ ...OK, veryLow: 0.0101, low: 0.0101 }, 1)).toBe('very-low');
    expect(tideCategory({ ...OK, low: 0.04 }, 1)).toBe('meeting-targets');
    expect(tideCategory({ ...OK, low: 0.0401 }, 1)).toBe('low');
    expect(tideCategory({ ...OK, veryHigh: 0.05, high: 0.05 }, 1)).toBe('meeting-targets');
    expect(tideCategory({ ...OK, veryHigh: 0.0501, high: 0.0501 }, 1)).toBe('very-high');
    expect(tideCategory({ ...OK, high: 0.25 }, 1)).toBe('meeting-targets');
    expect(tideCategory({ ...OK, high: 0.2501 }, 1)).toBe('high');
  });

  it('ranks very low over low over very high over high, and too little wear over all', () => {
    const all: RangeShares = { veryLow: 0.02, low: 0.05, inRange: 0.3, high: 0.65, veryHigh: 0.3 };
    expect(tideCategory(all, 0.7)).toBe('very-low');
    expect(tideCategory({ ...all, veryLow: 0 }, 0.7)).toBe('low');
    expect(tideCategory({ ...all, veryLow: 0, low: 0 }, 0.7)).toBe('very-high');
    expect(tideCategory({ ...all, veryLow: 0, low: 0, veryHigh: 0 }, 0.7)).toBe('high');
    expect(tideCategory(all, 0.6999)).toBe('not-enough-data');
    // The projection knows no time above 250: never "very high" from it.
    expect(tideCategory({ ...all, veryLow: 0, low: 0, high: 0.2, veryHigh: null }, null)).toBe('meeting-targets');
  });
});

/** 14 days of 5-minute readings from `value(i)`, keeping reading i only when `keep(i)`. */
function cgm(value: (i: number) => number, keep: (i: number) => boolean = () => true) {
  const n = 14 * 288;
  const t: number[] = [];
  const v: number[] = [];
  for (let i = 0; i < n; i++) {
    if (!keep(i)) continue;
    t.push(DAY0_MS + i * 5 * MIN_MS);
    v.push(value(i));
  }
  return { tMs: Float64Array.from(t), values: Float64Array.from(v), fromMs: DAY0_MS, toMs: DAY0_MS + 14 * DAY_MS };
}

describe('CGM metrics of a period', () => {
  it('counts the ranges, wear, mean and GMI of the readings', () => {
    // 2 % at 50, 3 % at 65, 25 % at 200, 6 % at 300, the rest at 120 mg/dL.
    const n = 14 * 288;
    const at = (i: number) => (i < 0.02 * n ? 50 : i < 0.05 * n ? 65 : i < 0.3 * n ? 200 : i < 0.36 * n ? 300 : 120);
    const s = cgm(at);
    const g = glucoseStats(s.tMs, s.values, s.fromMs, s.toMs);
    expect(g.readings).toBe(n);
    expect(g.wear).toBe(1);
    expect(g.intervalMinutes).toBe(5);
    expect(g.veryLow).toBeCloseTo(Math.ceil(0.02 * n) / n, 12);
    expect(g.low).toBeCloseTo(Math.ceil(0.05 * n) / n, 12);
    expect(g.high).toBeCloseTo((Math.ceil(0.36 * n) - Math.ceil(0.05 * n)) / n, 12);
    expect(g.veryHigh).toBeCloseTo((Math.ceil(0.36 * n) - Math.ceil(0.3 * n)) / n, 12);
    expect(g.inRange + g.low + g.high).toBeCloseTo(1, 12);
    const mean = Array.from(s.values).reduce((a, b) => a + b, 0) / n;
    expect(g.meanMgDl).toBeCloseTo(mean, 9);
    expect(g.gmiPct).toBeCloseTo(3.31 + 0.02392 * mean, 9);
    expect(g.category).toBe('very-low');
  });

  it('says "not enough data" when the CGM was worn less than 70 % of the period, whatever the readings', () => {
    const worn69 = cgm(() => 40, (i) => i % 100 < 69);
    expect(glucoseStats(worn69.tMs, worn69.values, worn69.fromMs, worn69.toMs).wear).toBeCloseTo(0.69, 2);
    expect(glucoseStats(worn69.tMs, worn69.values, worn69.fromMs, worn69.toMs).category).toBe('not-enough-data');
    const worn71 = cgm(() => 120, (i) => i % 100 < 71);
    expect(glucoseStats(worn71.tMs, worn71.values, worn71.fromMs, worn71.toMs).category).toBe('meeting-targets');
    const none = glucoseStats(new Float64Array(0), new Float64Array(0), DAY0_MS, DAY0_MS + 14 * DAY_MS);
    expect(none).toMatchObject({ readings: 0, wear: 0, meanMgDl: null, gmiPct: null, category: 'not-enough-data' });
  });

  it('judges Libre-style 15-minute readings on their own interval', () => {
    const s = cgm(() => 120, (i) => i % 3 === 0);
    const g = glucoseStats(s.tMs, s.values, s.fromMs, s.toMs);
    expect(g.intervalMinutes).toBe(15);
    expect(g.wear).toBe(1);
  });
});

describe('projection and heart failure figures', () => {
  const band = (mean: number) => ({ mean, lower80: mean * 0.8, upper80: mean * 1.2, lower95: mean * 0.7, upper95: mean * 1.3 });
  it('takes the window closest to the period and derives the time above 180 from it', () => {
    const windows = [7, 14, 30].map((lengthDays) => ({
      lengthDays,
      timeInRange: band(lengthDays === 14 ? 0.6 : 0.9),
      timeBelow70: band(0.02),
      timeBelow54: band(0.005),
      gmiPct: band(7),
    }));
    const p = projectedGlucose(windows, 14)!;
    expect(p.lengthDays).toBe(14);
    expect(p.timeAbove180).toBeCloseTo(0.38, 12);
    expect(p.category).toBe('high');
    expect(projectedGlucose(windows, 30)!.category).toBe('meeting-targets');
    expect(projectedGlucose([], 14)).toBeNull();
    expect(projectedGlucose([{ ...windows[0]!, timeInRange: { ...band(0.5), mean: null } }], 7)).toBeNull();
  });

  it('gives the probability that fluid excess is above the threshold and that it is rising', () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 7);
    expect(normalCdf(1.959963985)).toBeCloseTo(0.975, 6);
    expect(normalCdf(-1.281551566)).toBeCloseTo(0.1, 6);
    const at = (mean: number, sd: number) =>
      congestionRisk({ lastDay: 100, alertActive: false, fluidExcessKg: { mean, sd }, fluidRateKgPerDay: { mean: 0.1, sd: 0.1 } }, 1);
    expect(at(1, 0.5)!.probability).toBeCloseTo(0.5, 7);
    expect(at(2, 0.5)!.probability).toBeCloseTo(0.97725, 4);
    expect(at(0, 0.5)!.probability).toBeCloseTo(0.02275, 4);
    expect(at(0, 0.5)!.fluidExcessKg.upper80).toBeCloseTo(0.6408, 3);
    expect(at(0, 0.5)!.probabilityRising).toBeCloseTo(0.8413, 3);
    expect(at(Number.NaN, 0.5)).toBeNull();
    expect(congestionRisk({ lastDay: 1, alertActive: false, fluidExcessKg: { mean: null, sd: null }, fluidRateKgPerDay: { mean: null, sd: null } }, 1)).toBeNull();
  });

  it('compares the newest weigh-in day with the one closest to 7 days before', () => {
    const days = [0, 1, 2, 3, 5, 9, 10];
    const t = Float64Array.from(days.map((d) => DAY0_MS + d * DAY_MS + 7 * 3_600_000));
    const v = Float64Array.from(days.map((d) => 80 + d * 0.1));
    const w = weightChange7d(t, v)!;
    expect(w.toDay - w.fromDay).toBe(7);
    expect(w.changeKg).toBeCloseTo(0.7, 9);
    // Nothing 5-9 days before the newest weight: no change is claimed.
    expect(weightChange7d(Float64Array.from([DAY0_MS, DAY0_MS + 2 * DAY_MS]), Float64Array.from([80, 81]))).toBeNull();
  });
});

describe('panel service on a real store', () => {
  const NOW = DAY0_MS + 20 * DAY_MS + 12 * 3_600_000;

  async function withPanel(fn: (store: CareTwinStore, dataDir: string) => Promise<void> | void): Promise<void> {
    await withTempDir(async (dir) => {
      const dataDir = path.join(dir, 'store');
      const store = await CareTwinStore.create(dataDir, 'pass', { kdf: CHEAP_KDF, nowMs: () => NOW });
      try {
        await fn(store, dataDir);
      } finally {
        store.close();
      }
    });
  }

  function seed(store: CareTwinStore) {
    const diabetic = store.createPatient(profile('Ada Testcase', { conditions: ['t2d'] }));
    const hf = store.createPatient(profile('Ben Testcase', { conditions: ['hf'] }));
    const t: number[] = [];
    const v: number[] = [];
    // 14 days of 5-minute CGM ending now, 30 % of it above 180 mg/dL.
    for (let i = 0; i < 14 * 288; i++) {
      t.push(NOW - 14 * DAY_MS + i * 5 * MIN_MS);
      v.push(i % 10 < 3 ? 200 : 110);
    }
    store.writeSeries([{ patientId: diabetic, stream: STREAM.cgm, source: 'test', tMs: t, values: v }]);
    const wt = Array.from({ length: 20 }, (_, d) => NOW - (19 - d) * DAY_MS - 3_600_000);
    store.writeSeries([{ patientId: hf, stream: STREAM.weight, source: 'test', tMs: wt, values: wt.map((_, d) => 90 + d * 0.2) }]);
    return { diabetic, hf };
  }

  it('computes rows from the stored data and says honestly that no twin was computed yet', async () => {
    await withPanel((store) => {
      const { diabetic, hf } = seed(store);
      const panel = createPanelService(() => store, () => NOW, 'UTC');
      const out = panel.triage(STORE_OWNER, 14);
      expect(out.rows).toHaveLength(2);
      const d = out.rows.find((r) => r.id === diabetic)!;
      expect(d.twin).toEqual({ state: 'pending', computedMs: null });
      expect(d.diabetes!.projected).toBeNull();
      expect(d.diabetes!.observed!.category).toBe('high');
      expect(d.diabetes!.observed!.high).toBeCloseTo(0.3, 3);
      expect(d.diabetes!.observed!.wear).toBeGreaterThan(0.99);
      expect(d.diabetes!.trend).toHaveLength(14);
      expect(d.heartFailure).toBeNull();
      const h = out.rows.find((r) => r.id === hf)!;
      expect(h.diabetes).toBeNull();
      expect(h.heartFailure!.congestion).toBeNull();
      expect(h.heartFailure!.weight!.changeKg).toBeCloseTo(1.4, 9);
      expect(h.heartFailure!.weight!.probabilityFluid).toBeNull();
      expect(h.program!.deviceDays).toBeGreaterThan(0);
      expect(h.alerts).toEqual({ open: 0, top: null });
      expect(h.lastContact).toBeNull();
    });
  });

  it('leaves out what the patient keeps from the caller, and refuses a patient account', async () => {
    await withPanel((store) => {
      const { diabetic } = seed(store);
      const panel = createPanelService(() => store, () => NOW, 'UTC');
      store.setConsent(STORE_OWNER, diabetic, 'cgm', { ...defaultProvision(NOW - 30 * DAY_MS), roles: ['admin', 'clinician'] });
      const nurse: Caller = { actor: 'nurse-00000001', role: 'nurse', purpose: 'treatment' };
      const row = panel.triage(nurse, 14).rows.find((r) => r.id === diabetic)!;
      expect(row.diabetes!.observed).toBeNull();
      expect(row.diabetes!.trend).toEqual([]);
      expect(panel.triage(STORE_OWNER, 14).rows.find((r) => r.id === diabetic)!.diabetes!.observed).not.toBeNull();
      const patient: Caller = { actor: 'patient-00000001', role: 'patient', purpose: 'treatment', ownPatientId: diabetic };
      expect(() => panel.triage(patient, 14)).toThrow(/FORBIDDEN|only its own record/);
    });
  });

  it('assigns a nurse account and tags, sealed and audited, and refuses anything but an active nurse', async () => {
    await withPanel(async (store, dataDir) => {
      const { diabetic } = seed(store);
      const panel = createPanelService(() => store, () => NOW, 'UTC');
      const nurse = await store.addAccount(STORE_OWNER, 'nurse', 'nurse passcode', { kdf: CHEAP_KDF });
      const clinician = await store.addAccount(STORE_OWNER, 'clinician', 'clinician passcode', { kdf: CHEAP_KDF });
      expect(() => panel.assign(STORE_OWNER, diabetic, { tags: [], assignedNurse: clinician.id })).toThrow(/nurse account/);
      expect(() => panel.assign(STORE_OWNER, diabetic, { tags: [], assignedNurse: 'nurse-ffffffff' })).toThrow(/nurse account/);
      expect(() => panel.assign(STORE_OWNER, diabetic, { tags: ['x'.repeat(41)], assignedNurse: null })).toThrow(/not valid/);
      const out = panel.assign(STORE_OWNER, diabetic, { tags: ['zeta-watch', 'Post discharge', 'zeta-watch'], assignedNurse: nurse.id });
      expect(out).toEqual({ patientId: diabetic, tags: ['Post discharge', 'zeta-watch'], assignedNurse: nurse.id });
      const row = panel.triage(STORE_OWNER, 14).rows.find((r) => r.id === diabetic)!;
      expect(row.tags).toEqual(['Post discharge', 'zeta-watch']);
      expect(row.assignedNurse).toBe(nurse.id);
      expect(panel.triage(STORE_OWNER, 7).nurses).toEqual([nurse.id]);
      const audit = store.listAudit({ patientId: diabetic }).filter((e) => e.action === 'patient.assign');
      expect(audit).toHaveLength(1);
      expect(audit[0]!.details).toEqual({ fields: ['tags', 'assignedNurse'], assignedNurse: nurse.id });
      // The same again changes nothing and is not audited again.
      panel.assign(STORE_OWNER, diabetic, { tags: ['zeta-watch', 'Post discharge'], assignedNurse: nurse.id });
      expect(store.listAudit({ patientId: diabetic }).filter((e) => e.action === 'patient.assign')).toHaveLength(1);
      store.setAccountStatus(STORE_OWNER, nurse.id, 'disabled');
      expect(() => panel.assign(STORE_OWNER, diabetic, { tags: [], assignedNurse: nurse.id })).toThrow(/disabled/);
      // Tags are sealed: their text is nowhere in the files.
      store.close();
      for (const f of fs.readdirSync(dataDir)) {
        const bytes = fs.readFileSync(path.join(dataDir, f));
        expect(bytes.includes(Buffer.from('zeta-watch')), f).toBe(false);
      }
    });
  });
});
