/**
 * The twin service's background updates on a real encrypted store: many patients at once go to the worker
 * threads as a panel refit; a few are updated on the host's thread; at unlock (no ids) only the patients
 * whose twin is missing or stale are re-run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STORE_OWNER } from '../consent/access.js';
import { generateDemoPanel } from '../demo/panel.js';
import { CareTwinStore } from '../store/store.js';
import { CHEAP_KDF, DAY_MS, withTempDir } from '../store/store-test-fixtures.js';
import type { TwinUpdateView } from '../../../shared/ipc/contract.js';
import { STREAM } from '../../../shared/domain/streams.js';
import { TWIN_RECORD, type StoredTwin } from './pipeline.js';
import { createTwinService, WORKER_BATCH_MIN } from './twin-service.js';

const NOW = Date.UTC(2026, 2, 2) + 40 * DAY_MS;
const OWNER = STORE_OWNER;
let workerDir: string;
let workers: { computeWorkerUrl: URL };

beforeAll(async () => {
  workerDir = mkdtempSync(path.join(os.tmpdir(), 'caretwin-twin-service-'));
  const bundle = async (entry: string, name: string): Promise<URL> => {
    const outfile = path.join(workerDir, `${name}.mjs`);
    await build({ entryPoints: [path.resolve(entry)], outfile, bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', logLevel: 'warning' });
    return pathToFileURL(outfile);
  };
  workers = {
    computeWorkerUrl: await bundle('main/core/twin/living-twin-worker.ts', 'living-twin-worker'),
  };
});

afterAll(() => rmSync(workerDir, { recursive: true, force: true }));

describe('twin service background updates', () => {
  it('sends a batch to the workers, a few patients to the host thread, and at unlock only the stale ones', async () => {
    await withTempDir(async (dir) => {
      const store = await CareTwinStore.create(path.join(dir, 'store'), 'pass', { kdf: CHEAP_KDF, nowMs: () => NOW });
      try {
        await generateDemoPanel(store, { patients: WORKER_BATCH_MIN + 1, days: 20, seed: 7, endMs: NOW });
        const service = createTwinService(() => store, () => NOW, workers);
        const triggers: TwinUpdateView['trigger'][] = [];
        const subscription = service.updates(OWNER).subscribe((u) => triggers.push(u.trigger));
        const ids = store.listPatients().map((p) => p.id);

        service.samplesStored(ids);
        await service.idle();
        expect(triggers).toEqual(ids.map(() => 'refit'));
        expect(ids.every((id) => store.getDerivedRecord<StoredTwin>(id, TWIN_RECORD) !== undefined)).toBe(true);

        // Nothing changed: an unlock-time check re-runs nobody.
        service.samplesStored();
        await service.idle();
        expect(triggers.length).toBe(ids.length);

        // One patient's new CGM stored behind the service's back (as caretwin import does while the app is
        // closed): at unlock only that patient is re-run, on this thread, and the twin has the new reading.
        const target = ids.find((id) => store.streamSummaries(id).some((s) => s.stream === STREAM.cgm))!;
        const lastMs = store.streamSummaries(target).find((s) => s.stream === STREAM.cgm)!.lastMs;
        store.writeSeries([{ patientId: target, stream: STREAM.cgm, source: 'test', tMs: [lastMs + 5 * 60_000], values: [123] }]);
        service.samplesStored();
        await service.idle();
        expect(triggers.slice(ids.length)).toEqual(['samples']);
        expect(store.getDerivedRecord<StoredTwin>(target, TWIN_RECORD)!.glucose!.lastReadingMs).toBe(lastMs + 5 * 60_000);

        subscription.unsubscribe();
        await service.close();
      } finally {
        store.close();
      }
    });
  }, 120_000);
});
