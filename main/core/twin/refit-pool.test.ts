/**
 * The refit pool with real worker threads running the bundled worker (built here with esbuild, as
 * scripts/build.mjs and scripts/bench.mjs build it): the same numbers as the in-thread refit, progress to
 * the total, cancellation, a crashing worker reported as an error, bad input refused before any work.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededRandom } from '../../../shared/model/glucose/degradation.js';
import type { FastLayerParameters } from '../../../shared/model/glucose/fast-layer.js';
import { filterSmoothPatient, type PatientCgmSeries, refitPatientTwin } from '../../../shared/model/glucose/patient-refit.js';
import { simulateFastLayer } from '../../../shared/model/glucose/simulation.js';
import {
  type PanelPatient,
  PatientRefitError,
  RefitCancelledError,
  type RefitProgress,
  RefitWorkerError,
  TwinRefitPool,
} from './refit-pool.js';

const TRUTH: FastLayerParameters = {
  deviationTimeConstantMin: 100,
  rateTimeConstantMin: 20,
  rateDrivenDeviationSd: 0.2,
  directDeviationSd: 0.02,
  levelDriftSdPerDay: 0.05,
  sensorNoiseScale: 0.02,
  insertionNoiseFactor: 2,
};

let dir: string;
let workerUrl: URL;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'caretwin-refit-pool-'));
  const outfile = path.join(dir, 'refit-worker.mjs');
  await build({
    entryPoints: [path.resolve('main/core/twin/refit-worker.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    logLevel: 'warning',
  });
  workerUrl = pathToFileURL(outfile);
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** `days` of 5-min CGM for patient k, with 5 % of readings missing: its own buffers. */
function patientSeries(k: number, days: number): PatientCgmSeries {
  const random = seededRandom(100 + k);
  const times: number[] = [];
  for (let i = 0; i < days * 288; i++) if (random() >= 0.05) times.push(i * 5);
  const simulated = simulateFastLayer(TRUTH, Float64Array.from(times), random);
  return { timeMin: simulated.timeMin, glucoseMgDl: simulated.logGlucose.map(Math.exp) };
}

function copySeries(series: PatientCgmSeries): PatientCgmSeries {
  return { timeMin: series.timeMin.slice(), glucoseMgDl: series.glucoseMgDl.slice() };
}

describe('TwinRefitPool', () => {
  it('returns what the in-thread refit returns, bit for bit, with progress up to the total', async () => {
    const series = Array.from({ length: 5 }, (_, k) => patientSeries(k, 6));
    const expected = series.map((s) => refitPatientTwin(copySeries(s)));
    const warmExpected = refitPatientTwin(copySeries(series[0]!), { previous: expected[0]!.parameters });
    const patients: PanelPatient[] = series.map((s, k) => ({ id: `p${k}`, series: copySeries(s) }));
    patients.push({ id: 'warm', series: copySeries(series[0]!), previous: expected[0]!.parameters });
    const progress: RefitProgress[] = [];
    const pool = new TwinRefitPool({ size: 2, workerUrl });
    try {
      const results = await pool.refitPanel(patients, { onProgress: (p) => progress.push(p) });
      expect(results.map((r) => r.id)).toEqual(['p0', 'p1', 'p2', 'p3', 'p4', 'warm']);
      results.slice(0, 5).forEach((r, k) => expect(r.refit).toStrictEqual(expected[k]));
      expect(results[5]!.refit).toStrictEqual(warmExpected);
      expect(results[5]!.refit.warmStart).toBe('previous');
      expect(progress[0]).toEqual({ done: 0, total: 6 });
      expect(progress.at(-1)).toEqual({ done: 6, total: 6 });
      expect(progress.map((p) => p.done)).toEqual([0, 1, 2, 3, 4, 5, 6]);
      // Transferred by default: the caller's arrays now belong to the workers.
      expect(patients[0]!.series.timeMin.length).toBe(0);

      const fixed = await pool.filterSmoothPanel(series.map((s, k) => ({ id: `p${k}`, series: s, parameters: TRUTH })), { transfer: false });
      fixed.forEach((r, k) => expect(r.summary).toStrictEqual(filterSmoothPatient(series[k]!, TRUTH)));
      // Copied when asked: the caller keeps its arrays.
      expect(series[0]!.timeMin.length).toBeGreaterThan(0);
    } finally {
      await pool.close();
    }
  });

  it('shares SharedArrayBuffer-backed series without copying or detaching them', async () => {
    const source = patientSeries(7, 3);
    const n = source.timeMin.length;
    const timeMin = new Float64Array(new SharedArrayBuffer(8 * n));
    const glucoseMgDl = new Float64Array(new SharedArrayBuffer(8 * n));
    timeMin.set(source.timeMin);
    glucoseMgDl.set(source.glucoseMgDl);
    const pool = new TwinRefitPool({ size: 1, workerUrl });
    try {
      const [result] = await pool.filterSmoothPanel([{ id: 'shared', series: { timeMin, glucoseMgDl }, parameters: TRUTH }]);
      expect(result!.summary).toStrictEqual(filterSmoothPatient(source, TRUTH));
      expect(timeMin.length).toBe(n);
    } finally {
      await pool.close();
    }
  });

  it('stops and rejects when cancelled, and works again afterwards', async () => {
    const patients = Array.from({ length: 16 }, (_, k) => ({ id: `p${k}`, series: patientSeries(k, 20) }));
    const pool = new TwinRefitPool({ size: 2, workerUrl });
    try {
      const controller = new AbortController();
      const progress: RefitProgress[] = [];
      const run = pool.refitPanel(patients, {
        signal: controller.signal,
        onProgress: (p) => {
          progress.push(p);
          if (p.done === 1) controller.abort();
        },
      });
      await expect(run).rejects.toBeInstanceOf(RefitCancelledError);
      await expect(run).rejects.toThrow(/cancelled after 1 of 16 patients/);
      // The workers were terminated: nothing more arrives.
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(progress.at(-1)).toEqual({ done: 1, total: 16 });

      const aborted = new AbortController();
      aborted.abort();
      await expect(pool.refitPanel([{ id: 'x', series: patientSeries(1, 1) }], { signal: aborted.signal })).rejects.toBeInstanceOf(RefitCancelledError);

      // A run cancelled while it waits for another rejects at once; the other completes.
      const fresh = (from: number): PanelPatient[] => Array.from({ length: 4 }, (_, k) => ({ id: `q${from + k}`, series: patientSeries(from + k, 20) }));
      const first = pool.refitPanel(fresh(0));
      const waiting = new AbortController();
      const second = pool.refitPanel(fresh(4), { signal: waiting.signal });
      let firstDone = false;
      void first.then(() => (firstDone = true));
      waiting.abort();
      await expect(second).rejects.toBeInstanceOf(RefitCancelledError);
      expect(firstDone).toBe(false);
      expect((await first).length).toBe(4);

      const again = await pool.refitPanel([{ id: 'after', series: patientSeries(3, 2) }]);
      expect(again[0]!.refit.readingCount).toBeGreaterThan(0);
    } finally {
      await pool.close();
    }
  });

  it('reports a worker that crashes or exits as an error instead of hanging', async () => {
    const throwing = path.join(dir, 'throwing-worker.mjs');
    writeFileSync(throwing, "import { parentPort } from 'node:worker_threads';\nparentPort.on('message', () => { throw new Error('simulated crash'); });\n");
    const exiting = path.join(dir, 'exiting-worker.mjs');
    writeFileSync(exiting, "import { parentPort } from 'node:worker_threads';\nparentPort.on('message', () => process.exit(3));\n");
    for (const [file, detail] of [
      [throwing, /simulated crash/],
      [exiting, /exit code 3/],
    ] as const) {
      const pool = new TwinRefitPool({ size: 2, workerUrl: pathToFileURL(file) });
      try {
        const run = pool.refitPanel(Array.from({ length: 4 }, (_, k) => ({ id: `p${k}`, series: patientSeries(k, 1) })));
        await expect(run).rejects.toBeInstanceOf(RefitWorkerError);
        await expect(run).rejects.toThrow(detail);
      } finally {
        await pool.close();
      }
    }
  });

  it('refuses bad input before any work, leaving the caller\'s arrays intact', async () => {
    const good = patientSeries(1, 1);
    const bad = { timeMin: Float64Array.of(0, 10, 5), glucoseMgDl: Float64Array.of(100, 110, 120) };
    const pool = new TwinRefitPool({ size: 1, workerUrl });
    try {
      const progress: RefitProgress[] = [];
      const run = pool.refitPanel([{ id: 'good', series: good }, { id: 'bad', series: bad }], { onProgress: (p) => progress.push(p) });
      await expect(run).rejects.toBeInstanceOf(PatientRefitError);
      await expect(run).rejects.toThrow('Patient #2 of 2 cannot be refitted: reading 2: times are not in order.');
      expect(progress).toEqual([]);
      expect(good.timeMin.length).toBeGreaterThan(0);

      const times = Float64Array.from({ length: 10 }, (_, i) => 5 * i);
      const sharing = [
        { id: 'a', series: { timeMin: times.subarray(0, 5), glucoseMgDl: new Float64Array(5).fill(100) } },
        { id: 'b', series: { timeMin: times.subarray(5), glucoseMgDl: new Float64Array(5).fill(100) } },
      ];
      await expect(pool.refitPanel(sharing)).rejects.toThrow(/share a buffer with patient #1/);
    } finally {
      await pool.close();
    }
  });
});
