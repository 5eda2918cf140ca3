/**
 * The living twin pipeline on real encrypted stores in temp directories: a demo panel's samples trigger
 * updates that are stored (with provenance) and pushed; a new day is filtered forward; a late sample lands
 * exactly as if it had come in order; a cancelled panel refit leaves the stored twins as they were; a revoked
 * class is neither read nor written. No timing assertions (speed is in `npm run bench -- --only living-twin`).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditActor } from '../../../shared/domain/consent.js';
import { AppError } from '../../../shared/ipc/errors.js';
import { STREAM } from '../../../shared/domain/streams.js';
import { buildReadingTimeline, cgmReadings, FILTERED_STRIDE, filterFastLayer, StepSystems } from '../../../shared/model/glucose/fast-layer.js';
import type { FastLayerParameters } from '../../../shared/model/glucose/fast-layer.js';
import { listAlerts } from '../alerts/alert-store.js';
import { generateDemoPanel } from '../demo/panel.js';
import { CareTwinStore } from '../store/store.js';
import { CHEAP_KDF, DAY_MS, profile, withTempDir } from '../store/store-test-fixtures.js';
import { refitPatientTwin } from '../../../shared/model/glucose/patient-refit.js';
import { filterGlucoseForward, glucoseStateFromRefit, initialGlucoseState } from './glucose-state.js';
import { type StoredTwin, TwinPipeline, type TwinUpdate } from './pipeline.js';
import { RefitCancelledError } from './refit-pool.js';
import { TWIN_RECORD } from './twin-compute.js';

const params: FastLayerParameters = {
  deviationTimeConstantMin: 100,
  rateTimeConstantMin: 20,
  rateDrivenDeviationSd: 0.2,
  directDeviationSd: 0.02,
  levelDriftSdPerDay: 0.05,
  sensorNoiseScale: 0.02,
  insertionNoiseFactor: 2,
};
const OWNER: AuditActor = { actor: 'owner', role: 'admin' };
const DAY0 = Date.UTC(2026, 2, 2);
const NOW = DAY0 + 40 * DAY_MS;

let workerDir: string;
let computeWorkerUrl: URL;

beforeAll(async () => {
  workerDir = mkdtempSync(path.join(os.tmpdir(), 'caretwin-living-twin-'));
  const bundle = async (entry: string, name: string): Promise<URL> => {
    const outfile = path.join(workerDir, `${name}.mjs`);
    await build({ entryPoints: [path.resolve(entry)], outfile, bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', logLevel: 'warning' });
    return pathToFileURL(outfile);
  };
  computeWorkerUrl = await bundle('main/core/twin/living-twin-worker.ts', 'living-twin-worker');
});

afterAll(() => rmSync(workerDir, { recursive: true, force: true }));

async function withStore<T>(fn: (store: CareTwinStore) => Promise<T> | T): Promise<T> {
  return withTempDir(async (dir) => {
    const store = await CareTwinStore.create(path.join(dir, 'store'), 'pass', { kdf: CHEAP_KDF, nowMs: () => NOW });
    try {
      return await fn(store);
    } finally {
      store.close();
    }
  });
}

function pipelineFor(store: CareTwinStore, nowMs = NOW): TwinPipeline {
  return new TwinPipeline({ store: () => store, nowMs: () => nowMs, computeWorkerUrl, poolSize: 2 });
}

/** Deterministic 5-min CGM from `fromMs` for `count` readings: a daily swing, meals, and noise. */
function cgm(fromMs: number, count: number, seed = 1): { tMs: number[]; values: number[] } {
  let state = seed >>> 0;
  const uniform = (): number => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
  const tMs: number[] = [];
  const values: number[] = [];
  for (let i = 0; i < count; i++) {
    const t = fromMs + i * 300_000;
    const hour = ((t / 3_600_000) % 24 + 24) % 24;
    const meal = [7, 12.5, 19].reduce((s, m) => s + 60 * Math.exp(-((hour - m - 1) ** 2) / 0.8), 0);
    tMs.push(t);
    values.push(Math.round(120 + 25 * Math.sin((2 * Math.PI * hour) / 24) + meal + 8 * (uniform() - 0.5)));
  }
  return { tMs, values };
}

function writeCgm(store: CareTwinStore, patientId: string, series: { tMs: number[]; values: number[] }): void {
  store.writeSeries([{ patientId, stream: STREAM.cgm, source: 'test', tMs: series.tMs, values: series.values }]);
}

function slice(series: { tMs: number[]; values: number[] }, keep: (t: number, i: number) => boolean): { tMs: number[]; values: number[] } {
  const idx = series.tMs.map((t, i) => (keep(t, i) ? i : -1)).filter((i) => i >= 0);
  return { tMs: idx.map((i) => series.tMs[i]!), values: idx.map((i) => series.values[i]!) };
}

/** What must not differ between two stores holding the same data: everything but the patient and the clock. */
function modelPart(twin: StoredTwin | undefined): unknown {
  expect(twin).toBeDefined();
  // `update` says which path produced the state (filter-forward, full-filter, refit): that alone may differ.
  const glucose = twin!.glucose === null ? null : { ...twin!.glucose, update: undefined };
  return { glucose, daily: twin!.daily, hf: twin!.hf, streams: twin!.provenance.streams };
}

describe('glucose filter state', () => {
  it('matches filterFastLayer, and filtering in pieces equals filtering at once, bit for bit', () => {
    const series = cgm(DAY0, 3 * 288, 7);
    // a sensor change (3 h silence) and an irregular step
    const keep = slice(series, (_, i) => i < 300 || i > 336);
    keep.tMs[100] = keep.tMs[100]! + 17_000;
    const timeMin = Float64Array.from(keep.tMs, (t) => t / 60_000);
    const mgDl = Float64Array.from(keep.values);
    const readings = cgmReadings(timeMin, mgDl, new Uint8Array(timeMin.length));
    const timeline = buildReadingTimeline(readings);
    const filtered = new Float64Array(FILTERED_STRIDE * timeMin.length);
    filterFastLayer(readings, timeline, new StepSystems(params, timeline), timeMin.length, filtered);
    const whole = filterGlucoseForward(initialGlucoseState(params), params, timeMin, mgDl);
    const last = Array.from(filtered.subarray(FILTERED_STRIDE * (timeMin.length - 1)));
    whole.moments.forEach((m, k) => expect(m).toBeCloseTo(last[k]!, 12));
    const first = filterGlucoseForward(initialGlucoseState(params), params, timeMin, mgDl, 0, 400);
    const pieces = filterGlucoseForward(first, params, timeMin, mgDl, 400);
    expect(pieces).toEqual(whole);
    expect(whole.readings).toBe(timeMin.length);
  });

  it("a refit's last state equals filtering its readings from the prior, bit for bit (the twin takes it instead of refiltering)", () => {
    const series = cgm(DAY0, 4 * 288, 9);
    const keep = slice(series, (_, i) => i < 500 || i > 540);
    keep.tMs[200] = keep.tMs[200]! + 23_000;
    const timeMin = Float64Array.from(keep.tMs, (t) => t / 60_000);
    const mgDl = Float64Array.from(keep.values);
    for (const count of [timeMin.length, 560, 300]) {
      const refit = refitPatientTwin({ timeMin: timeMin.slice(0, count), glucoseMgDl: mgDl.slice(0, count) }, { smooth: false });
      const fromRefit = glucoseStateFromRefit(refit);
      const refiltered = filterGlucoseForward(initialGlucoseState(refit.parameters), refit.parameters, timeMin, mgDl, 0, count);
      expect(fromRefit).toEqual(refiltered);
      // the sensor change (a 6 h silence after reading 500) is carried once the series reaches it
      expect(fromRefit.sensorStartMin === null).toBe(count <= 500);
      expect(refit.smoothedTail.logMean.length).toBe(0);
    }
  });
});

describe('TwinPipeline', () => {
  it('updates, stores and pushes the twins of a demo panel, with provenance; unchanged data updates nothing', async () => {
    await withStore(async (store) => {
      await generateDemoPanel(store, { patients: 6, days: 30, seed: 3, endMs: NOW });
      const pipeline = pipelineFor(store);
      const pushed: TwinUpdate[] = [];
      const subscription = pipeline.updates$.subscribe((u) => pushed.push(u));
      const updates = await pipeline.samplesArrived();
      expect(updates.length).toBe(6);
      expect(pushed.map((u) => u.patientId).sort()).toEqual(store.listPatients().map((p) => p.id).sort());
      for (const patient of store.listPatients()) {
        const twin = pipeline.get(patient.id)!;
        expect(twin.version).toBe(1);
        const summaries = store.streamSummaries(patient.id);
        for (const used of twin.provenance.streams) {
          const summary = summaries.find((s) => s.stream === used.stream)!;
          expect(used.count).toBe(summary.count);
          expect(used.firstMs).toBe(summary.firstMs);
          expect(used.lastMs).toBe(summary.lastMs);
          if (used.count > 1) expect(used.longestGapMs).toBeGreaterThan(0);
        }
        const cgmSummary = summaries.find((s) => s.stream === STREAM.cgm);
        if (cgmSummary) {
          expect(twin.glucose!.state.readings).toBe(cgmSummary.count);
          expect(twin.glucose!.lastReadingMs).toBe(cgmSummary.lastMs);
          expect(twin.glucose!.forecasts.map((f) => f.horizonMin)).toEqual([30, 60]);
          expect(twin.provenance.modelVersions.glucoseFast).toBe('glucose-fast-3');
          for (const f of twin.glucose!.forecasts) expect(f.lower95MgDl).toBeLessThan(f.upper95MgDl);
        } else {
          expect(twin.glucose).toBeNull();
        }
        if (patient.profile.conditions.includes('hf')) {
          expect(twin.hf).not.toBeNull();
          expect(twin.hf!.streams.some((s) => s.stream === STREAM.weight)).toBe(true);
          expect(twin.provenance.modelVersions.heartFailure).toBeTruthy();
        }
        if (patient.profile.conditions.some((c) => c === 't1d' || c === 't2d')) {
          const window = twin.daily!.windows.find((w) => w.lengthDays === 14)!;
          expect(window.timeInRange.lower80).toBeLessThanOrEqual(window.timeInRange.upper80);
          expect(twin.daily!.provenance.cgmDays + twin.daily!.provenance.hba1cCount).toBeGreaterThan(0);
        }
        // every model alert shows its reason and the data it used
        for (const alert of listAlerts(store, patient.id).filter((a) => a.source === 'diabetes' || a.source === 'heart-failure')) {
          expect(alert.text.length).toBeGreaterThan(0);
          expect(alert.dataUsed.streams.length).toBeGreaterThan(0);
          expect(alert.dataUsed.modelVersion).toBeTruthy();
        }
      }
      expect(await pipeline.samplesArrived()).toEqual([]);
      subscription.unsubscribe();
      await pipeline.close();
    });
  });

  it('filters a new part of the day forward from the stored state; a late sample lands as if it had come in order', async () => {
    const history = cgm(DAY0, 6 * 288, 11);
    const nextDay = cgm(DAY0 + 6 * DAY_MS, 288, 12);
    const morning = slice(nextDay, (t) => t < DAY0 + 6 * DAY_MS + 12 * 3_600_000);
    const afternoon = slice(nextDay, (t) => t >= DAY0 + 6 * DAY_MS + 12 * 3_600_000);
    const lateTime = afternoon.tMs[10]!;
    const afternoonButOne = slice(afternoon, (t) => t !== lateTime);
    const late = slice(afternoon, (t) => t === lateTime);
    const run = async (batches: { tMs: number[]; values: number[] }[]): Promise<{ twin: StoredTwin; modes: string[] }> =>
      withStore(async (store) => {
        const id = store.createPatient(profile('Test Person', { conditions: ['t2d'] }));
        const pipeline = pipelineFor(store);
        const modes: string[] = [];
        for (const batch of batches) {
          writeCgm(store, id, batch);
          const [update] = await pipeline.samplesArrived([id]);
          modes.push(update!.glucose!.update);
        }
        const twin = pipeline.get(id)!;
        await pipeline.close();
        return { twin, modes };
      });
    const inOrder = await run([history, morning, afternoon]);
    const lateRun = await run([history, morning, afternoonButOne, late]);
    expect(inOrder.modes).toEqual(['refit', 'refit', 'filter-forward']);
    expect(lateRun.modes).toEqual(['refit', 'refit', 'filter-forward', 'full-filter']);
    expect(modelPart(lateRun.twin)).toEqual(modelPart(inOrder.twin));
    expect(inOrder.twin.glucose!.state.readings).toBe(history.tMs.length + nextDay.tMs.length);
  });

  it('a late sample inside the hyperparameter fit re-runs that fit and lands as if it had come in order', async () => {
    const history = cgm(DAY0, 5 * 288, 21);
    const lateTime = history.tMs[4 * 288 + 40]!;
    const withoutOne = slice(history, (t) => t !== lateTime);
    const late = slice(history, (t) => t === lateTime);
    const more = cgm(DAY0 + 5 * DAY_MS, 48, 22);
    const run = async (batches: { tMs: number[]; values: number[] }[]): Promise<StoredTwin> =>
      withStore(async (store) => {
        const id = store.createPatient(profile('Test Person', { conditions: ['t1d'] }));
        const pipeline = pipelineFor(store);
        for (const batch of batches) {
          writeCgm(store, id, batch);
          await pipeline.samplesArrived([id]);
        }
        const twin = pipeline.get(id)!;
        await pipeline.close();
        return twin;
      });
    const inOrder = await run([history, more]);
    const lateRun = await run([withoutOne, more, late]);
    expect(modelPart(lateRun)).toEqual(modelPart(inOrder));
  });

  it('a cancelled panel refit leaves the stored twins as they were; a finished one replaces them', async () => {
    await withStore(async (store) => {
      await generateDemoPanel(store, { patients: 6, days: 30, seed: 5, endMs: NOW });
      const pipeline = pipelineFor(store);
      await pipeline.samplesArrived();
      const ids = store.listPatients().map((p) => p.id);
      const before = ids.map((id) => pipeline.get(id));
      const controller = new AbortController();
      const phases: string[] = [];
      await expect(
        pipeline.refitPanel({
          signal: controller.signal,
          onProgress: (p) => {
            phases.push(p.phase);
            if (p.phase === 'twin' && p.done >= 1) controller.abort();
          },
        }),
      ).rejects.toBeInstanceOf(RefitCancelledError);
      expect(phases).not.toContain('store');
      expect(ids.map((id) => pipeline.get(id))).toEqual(before);

      const cancelledLate = new AbortController();
      await expect(
        pipeline.refitPanel({
          signal: cancelledLate.signal,
          onProgress: (p) => {
            if (p.phase === 'twin' && p.done >= 5) cancelledLate.abort();
          },
        }),
      ).rejects.toBeInstanceOf(RefitCancelledError);
      expect(ids.map((id) => pipeline.get(id))).toEqual(before);

      const progress: string[] = [];
      const report = await pipeline.refitPanel({ onProgress: (p) => progress.push(`${p.phase}:${p.done}/${p.total}`) });
      expect(report.patients).toBe(6);
      expect(progress).toContain('store:6/6');
      const after = ids.map((id) => pipeline.get(id)!);
      for (const twin of after) {
        if (twin.glucose) expect(twin.glucose.update).toBe('refit');
      }
      expect(after.some((twin, i) => twin.computedMs !== before[i]!.computedMs || JSON.stringify(twin) !== JSON.stringify(before[i]))).toBe(true);
      await pipeline.close();
    });
  });

  it('stores a panel refit all together: a failure while storing one patient leaves every stored twin as it was, and pushes nothing', async () => {
    await withStore(async (store) => {
      await generateDemoPanel(store, { patients: 6, days: 30, seed: 5, endMs: NOW });
      await pipelineFor(store).samplesArrived();
      const ids = store.listPatients().map((p) => p.id);
      const stored = (): (string | undefined)[] => ids.map((id) => JSON.stringify(store.getDerivedRecord(id, TWIN_RECORD)));
      const before = stored();
      // The fifth patient's twin cannot be written (a full disk, say): the store refuses it with its own error.
      const failing = ids[4]!;
      const faulty = new Proxy(store, {
        get(target, property, receiver) {
          if (property === 'putDerivedRecord') {
            return (patientId: string, ...rest: unknown[]) => {
              if (patientId === failing) throw new AppError('STORE_UNAVAILABLE', 'The data could not be saved (SQLITE_FULL).');
              return (target.putDerivedRecord as (...args: unknown[]) => boolean).call(target, patientId, ...rest);
            };
          }
          const value = Reflect.get(target, property, receiver) as unknown;
          return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
        },
      });
      const pipeline = new TwinPipeline({ store: () => faulty, nowMs: () => NOW + 3_600_000, computeWorkerUrl, poolSize: 2 });
      const pushed: string[] = [];
      const subscription = pipeline.updates$.subscribe((u) => pushed.push(u.patientId));
      await expect(pipeline.refitPanel()).rejects.toThrow(/could not be saved/);
      subscription.unsubscribe();
      expect(stored()).toEqual(before);
      expect(pushed).toEqual([]);
      await pipeline.close();
    });
  });

  it("neither reads nor writes a class the patient's consent does not permit", async () => {
    await withStore(async (store) => {
      const noDerived = store.createPatient(profile('A Person', { conditions: ['t2d'] }));
      const noCgm = store.createPatient(profile('B Person', { conditions: ['t2d'] }));
      for (const id of [noDerived, noCgm]) {
        writeCgm(store, id, cgm(DAY0, 3 * 288, 3));
        store.writeSeries([{ patientId: id, stream: STREAM.hba1c, source: 'test', tMs: [DAY0 + DAY_MS], values: [7.2] }]);
      }
      store.revokeConsent(OWNER, noDerived, 'derived');
      store.revokeConsent(OWNER, noCgm, 'cgm');
      const reads: string[] = [];
      const spied = new Proxy(store, {
        get(target, prop, receiver) {
          if (prop === 'readSeries') {
            return (patientId: string, stream: string, ...rest: number[]) => {
              reads.push(`${patientId}:${stream}`);
              return target.readSeries(patientId, stream, ...rest);
            };
          }
          const value = Reflect.get(target, prop, receiver) as unknown;
          return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
        },
      });
      const pipeline = new TwinPipeline({ store: () => spied, nowMs: () => NOW });
      const updates = await pipeline.samplesArrived([noDerived, noCgm]);
      expect(updates.map((u) => u.patientId)).toEqual([noCgm]);
      expect(reads.filter((r) => r.startsWith(noDerived))).toEqual([]);
      expect(reads).not.toContain(`${noCgm}:${STREAM.cgm}`);
      expect(pipeline.get(noDerived)).toBeUndefined();
      const twin = pipeline.get(noCgm)!;
      expect(twin.glucose).toBeNull();
      expect(twin.provenance.streams.map((s) => s.stream)).toEqual([STREAM.hba1c]);
      expect(twin.daily?.provenance.cgmDays ?? 0).toBe(0);
      await pipeline.close();
    });
  });
});
