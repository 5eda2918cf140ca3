/**
 * CareTwin benchmarks. Each section measures one promise the issues make; the figures are printed,
 * never asserted. Run on an idle machine: 2 cores is what CI and the issues assume.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { benchStore } from '../../main/core/store/bench.js';
import { CareTwinStore } from '../../main/core/store/store.js';
import { generateDemoPanel } from '../../main/core/demo/panel.js';
import { benchPanelRender } from './panel-render.js';

const json = process.argv.includes('--json');
const results: Record<string, unknown> = { node: process.version, cpus: os.cpus().length, at: new Date().toISOString() };

function say(line: string): void {
  if (!json) process.stdout.write(line + '\n');
}

async function demoGeneration(patients: number): Promise<{ patients: number; days: number; samples: number; seconds: number }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'caretwin-bench-demo-'));
  try {
    const store = await CareTwinStore.create(path.join(dir, 'store'), 'bench passcode');
    const t0 = performance.now();
    const report = await generateDemoPanel(store, { patients, days: 90, seed: 1, endMs: Date.UTC(2026, 10, 1) });
    const seconds = (performance.now() - t0) / 1000;
    store.close();
    return { patients: report.patients, days: 90, samples: report.samples, seconds };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

say('CareTwin benchmarks');
say(`node ${process.version}, ${os.cpus().length} cores`);

const store = await benchStore();
results.store = store;
say('\n[store] encrypted chunk ingest vs. plain row-per-sample inserts (same samples, same run)');
say(`  samples:                 ${store.samples.toLocaleString('en-US')}`);
say(`  encrypted chunks:        ${(store.encryptedSamplesPerSec / 1e6).toFixed(2)} M samples/s`);
say(`  plain row per sample:    ${(store.plainRowSamplesPerSec / 1e6).toFixed(2)} M samples/s`);
say(`  ratio:                   ${store.ratio.toFixed(1)}x`);
say(`  read back 90 d of CGM:   ${store.readBack90dMs.toFixed(2)} ms (median, decrypted)`);

say('\n[demo] generate demo panels into a real store (generation, encryption and writes)');
const demos = [];
for (const patients of [120, 1000]) {
  const demo = await demoGeneration(patients);
  demos.push(demo);
  say(`  ${demo.patients} patients x ${demo.days} days, ${demo.samples.toLocaleString('en-US')} samples: ${demo.seconds.toFixed(2)} s`);
}
results.demo = demos;

const chromium = spawnSync('/usr/bin/chromium', ['--version'], { encoding: 'utf8' });
if (chromium.status === 0) {
  const panel = await benchPanelRender();
  results.panelRender = panel;
  say('\n[web host] panel page in Debian Chromium (120 demo patients)');
  say(`  first render after unlock:       ${panel.afterUnlockMs.toFixed(0)} ms`);
  say(`  navigation to rendered panel:    ${panel.navigationMs.toFixed(0)} ms (median of ${panel.runs})`);
} else {
  say('\n[web host] skipped: /usr/bin/chromium not found (apt-get install chromium)');
}

if (json) process.stdout.write(JSON.stringify(results, null, 2) + '\n');
