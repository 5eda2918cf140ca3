/**
 * CareTwin benchmarks. Each section measures one promise the issues make; the figures are printed,
 * never asserted. `npm run bench [-- --json] [-- --only store,demo,...]`. Run on an idle machine:
 * 2 cores is what CI and the issues assume.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { benchStore } from '../../main/core/store/bench.js';
import { CareTwinStore } from '../../main/core/store/store.js';
import { generateDemoPanel } from '../../main/core/demo/panel.js';
import { benchFilterSmoother } from '../../shared/model/bench.js';
import { benchPanelRender } from './panel-render.js';
import { benchAppleHealthImport } from './apple-health.js';
import { benchImportUi } from './import-ui.js';
import { benchHeartFailure } from './heart-failure.js';
import { benchGlucoseDaily } from './glucose-daily.js';
import { benchGlucoseModel } from './glucose-model.js';
import { benchRefit } from './refit.js';
import { benchAlign } from './align.js';
import { benchAlertsProgram } from './alerts-program.js';
import { benchConsentAudit } from './consent-audit.js';
import { benchAuditView } from './audit-view.js';
import { benchLivingTwin, REFIT_STORE_FLAG, refitStoreInThisProcess } from './living-twin.js';
import { benchTwinUi } from './twin-ui.js';
import { benchReport } from './report.js';
import { benchPanelUi } from './panel-ui.js';

const json = process.argv.includes('--json');
const onlyArg = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : undefined;
const only = onlyArg ? new Set(onlyArg.split(',')) : null;
const results: Record<string, unknown> = { node: process.version, cpus: os.cpus().length, at: new Date().toISOString() };

function say(line: string): void {
  if (!json) process.stdout.write(line + '\n');
}

/** Prints a section's figures as indented `key: value` lines (nested objects as JSON on one line). */
function sayFigures(figures: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(figures)) {
    const text = typeof value === 'number' ? (Number.isInteger(value) ? value.toLocaleString('en-US') : value.toFixed(3)) : JSON.stringify(value);
    say(`  ${key}: ${text}`);
  }
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

const sections: Record<string, { title: string; run: () => Promise<void> }> = {
  store: {
    title: '[store] encrypted chunk ingest vs. plain row-per-sample inserts (same samples, same run)',
    async run() {
      const store = await benchStore();
      results.store = store;
      say(`  samples:                 ${store.samples.toLocaleString('en-US')}`);
      say(`  encrypted chunks:        ${(store.encryptedSamplesPerSec / 1e6).toFixed(2)} M samples/s`);
      say(`  plain row per sample:    ${(store.plainRowSamplesPerSec / 1e6).toFixed(2)} M samples/s`);
      say(`  ratio:                   ${store.ratio.toFixed(1)}x`);
      say(`  read back 90 d of CGM:   ${store.readBack90dMs.toFixed(2)} ms (median, decrypted)`);
    },
  },
  demo: {
    title: '[demo] generate demo panels into a real store (generation, encryption and writes)',
    async run() {
      const demos = [];
      for (const patients of [120, 1000]) {
        const demo = await demoGeneration(patients);
        demos.push(demo);
        say(`  ${demo.patients} patients x ${demo.days} days, ${demo.samples.toLocaleString('en-US')} samples: ${demo.seconds.toFixed(2)} s`);
      }
      results.demo = demos;
    },
  },
  web: {
    title: '[web host] panel page in Debian Chromium (120 demo patients)',
    async run() {
      if (spawnSync('/usr/bin/chromium', ['--version']).status !== 0) {
        say('  skipped: /usr/bin/chromium not found (apt-get install chromium)');
        return;
      }
      const panel = await benchPanelRender();
      results.panelRender = panel;
      say(`  first render after unlock:       ${panel.afterUnlockMs.toFixed(0)} ms (includes Argon2id key derivation)`);
      say(`  navigation to rendered panel:    ${panel.navigationMs.toFixed(0)} ms (median of ${panel.runs})`);
    },
  },
  kalman: {
    title: '[model] damped CGM filter + smoother, 1,000 patients x 90 days of 5-min CGM, one thread',
    async run() {
      const r = benchFilterSmoother(1000, 90);
      results.filterSmoother = r;
      say(`  ${(r.pointsPerSec / 1e6).toFixed(1)} M points/s (${r.seconds.toFixed(2)} s for the panel)`);
    },
  },
  glucose: {
    title: '[model] glucose fast layer vs. baselines (Broll, simglucose) and degradation curves',
    async run() {
      const r = await benchGlucoseModel();
      results.glucoseModel = r;
      sayFigures(r);
    },
  },
  'glucose-daily': {
    title: '[model] daily glucose layer: projections of mean glucose, TIR, TBR, HbA1c (synthetic panel)',
    async run() {
      const r = await benchGlucoseDaily();
      results.glucoseDaily = r;
      sayFigures(r);
    },
  },
  hf: {
    title: '[model] heart-failure twin vs. weight rule of thumb on planted (synthetic) episodes',
    async run() {
      const r = await benchHeartFailure();
      results.heartFailure = r;
      sayFigures(r);
    },
  },
  refit: {
    title: '[model] panel refit, 1,000 patients x 90 days of 5-min CGM: filter + smoother, and full refits on worker threads',
    async run() {
      const r = await benchRefit();
      results.refit = r;
      say(`  panel: ${r.readings.toLocaleString('en-US')} readings (${(100 * r.missingShare).toFixed(1)} % of the 5-min grid missing), generated in ${r.generationSeconds.toFixed(1)} s`);
      say(`  filter + smoother, 1 thread:      ${r.filterSmootherOneThreadMPointsPerSec.toFixed(1)} M points/s (${r.filterSmootherOneThreadSeconds.toFixed(2)} s, ${r.filterSmootherOneThreadCpuSeconds.toFixed(2)} CPU-s; fastest of 3)`);
      say(`  filter + smoother, ${r.workers} workers:     ${r.filterSmootherWorkersMPointsPerSec.toFixed(1)} M points/s (${r.filterSmootherWorkersSeconds.toFixed(2)} s, ${r.filterSmootherWorkersCpuSeconds.toFixed(2)} CPU-s; fastest of 3)`);
      say(`  filter + smoother, CPU-s per M points (whole process): 1 thread ${r.filterSmootherOneThreadCpuSecondsPerMPoints.toFixed(3)}, ${r.workers} workers ${r.filterSmootherWorkersCpuSecondsPerMPoints.toFixed(3)}; load average ${r.loadAverageAtStart.toFixed(1)} at start, ${r.loadAverageAtEnd.toFixed(1)} at end`);
      say(`  full refit, cold (population):    ${r.refitColdSeconds.toFixed(2)} s (${r.refitColdCpuSeconds.toFixed(2)} CPU-s; ${r.refitColdMeanEvaluations.toFixed(0)} likelihood evaluations per patient)`);
      say(`  full refit, warm (previous fit):  ${r.refitWarmSeconds.toFixed(2)} s (${r.refitWarmCpuSeconds.toFixed(2)} CPU-s; ${r.refitWarmMeanEvaluations.toFixed(0)} per patient)`);
      say(`  fitted vs. simulated, median |ln ratio|: tau_d ${r.refitMedianAbsLogErrorDeviationTimeConstant.toFixed(3)}, sensor noise ${r.refitMedianAbsLogErrorSensorNoise.toFixed(3)}`);
      for (const [name, scores] of Object.entries(r.brollQuality)) {
        const byHorizon = Object.entries(scores.byHorizon).map(([h, s]) => `${h}: CRPS ${s.crps.toFixed(3)}, RMSE ${s.rmse.toFixed(2)}`);
        const label = { fullMap: 'full MAP, all-past bands', panelFit: 'panel MAP, same bands  ', panelFitAndBands: 'panel MAP, 7-day bands ' }[name];
        say(`  Broll, ${label}: ${byHorizon.join('; ')}`);
      }
    },
  },
  align: {
    title: '[align] 5-min CGM through alignByEventTime + toFrames (streaming) and framesOfSeries (bulk)',
    async run() {
      const r = await benchAlign();
      results.align = r;
      say(`  streaming, ${r.streamPatients} patients x ${r.streamDays} days (${r.streamSamples.toLocaleString('en-US')} samples), in order: ${(r.streamInOrderSamplesPerSec / 1e6).toFixed(2)} M samples/s`);
      say(`  streaming, same, delayed up to 55 min (1-h bound):  ${(r.streamDelayedSamplesPerSec / 1e6).toFixed(2)} M samples/s`);
      say(`  one patient's new day (264 readings), fresh pipeline: ${r.oneNewDayMs.toFixed(2)} ms (median of 21)`);
      say(`  bulk, ${r.bulkPatients} patients x ${r.bulkDays} days (${r.bulkSamples.toLocaleString('en-US')} samples): ${r.bulkSeconds.toFixed(2)} s (CPU ${r.bulkCpuSeconds.toFixed(2)} s), ${(r.bulkSamplesPerSec / 1e6).toFixed(1)} M samples/s`);
    },
  },
  'apple-health': {
    title: '[ingest] synthetic Apple Health export, 1 million records, through the CLI',
    async run() {
      const r = await benchAppleHealthImport();
      results.appleHealth = r;
      sayFigures(r);
    },
  },
  'import-ui': {
    title: '[ingest] importing from the app (512 KiB base64 parts through the IPC router, spooled) vs. the CLI runner on the file',
    async run() {
      const rows = await benchImportUi();
      results.importUi = rows;
      for (const r of rows) {
        say(`  ${r.file}, ${r.megabytes.toFixed(2)} MB, ${r.samples.toLocaleString('en-US')} samples: app ${r.appSeconds.toFixed(2)} s ` +
          `(sending ${r.sendSeconds.toFixed(2)} s, ${(r.megabytes / r.sendSeconds).toFixed(0)} MB/s), CLI ${r.cliSeconds.toFixed(2)} s`);
      }
    },
  },
  'living-twin': {
    title: '[twin] living twin on the demo panel (1,000 x 90 days, real store): full refit on worker threads, one new day of CGM, heart-failure alerts',
    async run() {
      const r = await benchLivingTwin();
      results.livingTwin = r;
      sayFigures(r);
    },
  },
  alerts: {
    title: '[alerts] model-free alerts and RPM program on the demo panel (120 and 1,000 x 90 days, real store): refresh, list, program status, day counts vs. a direct count',
    async run() {
      const rows = [];
      for (const patients of [120, 1000]) {
        const r = await benchAlertsProgram(patients);
        rows.push(r);
        say(`  ${patients} patients:`);
        sayFigures({ ...r });
      }
      results.alerts = rows;
    },
  },
  consent: {
    title: '[consent] audit log append and verify, revoking 90 days of CGM (crypto-shred + WAL truncate), consent-filtered FHIR export (real store)',
    async run() {
      const r = await benchConsentAudit();
      results.consent = r;
      sayFigures({ ...r });
    },
  },
  'audit-view': {
    title: '[audit-view] the audit view on a 50,000-entry log (200 patients, 20 accounts): a page of 50 newest first, by patient, by account, by account and action, 100 pages deep; last sign-ins (real store)',
    async run() {
      const r = await benchAuditView();
      results['audit-view'] = r;
      sayFigures({ ...r });
    },
  },
  'twin-ui': {
    title: '[twin-ui] patient twin view, web host + Debian Chromium, 1,000 x 90-day demo store with twins computed: navigation -> glucose twin (90 days of 5-min CGM, bands) drawn',
    async run() {
      const r = await benchTwinUi();
      results['twin-ui'] = r;
      sayFigures({ ...r });
    },
  },
  report: {
    title: '[report] AGP over 14 and 90 days of 5-min CGM (20 x 90-day demo store): computation, report.agp, and the report page in the web host + Debian Chromium (navigation -> AGP drawn)',
    async run() {
      const r = await benchReport();
      results.report = r;
      sayFigures({ ...r });
    },
  },
  'panel-ui': {
    title:
      '[panel-ui] triage panel, web host + Debian Chromium, 1,000 x 90-day demo store with twins computed: navigation -> rows rendered and focusable, sort and filter -> rows laid out (medians), panel.triage in the core',
    async run() {
      const r = await benchPanelUi();
      results['panel-ui'] = r;
      sayFigures({ ...r });
    },
  },
};

if (process.argv.includes(REFIT_STORE_FLAG)) {
  // The living-twin section's cold refit in a process of its own (see living-twin.ts).
  await refitStoreInThisProcess(process.argv[process.argv.indexOf(REFIT_STORE_FLAG) + 1]!);
} else {
  say('CareTwin benchmarks');
  say(`node ${process.version}, ${os.cpus().length} cores`);
  for (const [name, section] of Object.entries(sections)) {
    if (only && !only.has(name)) continue;
    say(`\n${section.title}`);
    await section.run();
  }
  if (json) process.stdout.write(JSON.stringify(results, null, 2) + '\n');
}
