/**
 * The triage panel in the real web host with Debian's Chromium, on a 1,000-patient x 90-day demo store whose twins
 * were computed beforehand (`caretwin twin refit`). Measured in the page (performance.now(), whose origin is the
 * navigation's start):
 * - interactive: the rows are rendered and the table's tab-stop row takes the focus (checked every frame);
 *   after unlocking (the core reads every patient's series once: cold) and after a reload (warm; the core's
 *   triage cache holds), and from a patient's page back to the panel (hash navigation);
 * - sort: a column header's button clicked -> the rows in the new order, laid out (next animation frame);
 * - filter: a filter select changed -> the filtered rows laid out.
 * Also in process: panel.triage on the same store, first call (cold) and later calls (warm).
 * `CARETWIN_BENCH_PANEL_STORE=DIR` reuses a prepared store (copied; passcode "bench panel passcode").
 */
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { CareTwinStore } from '../../main/core/store/store.js';
import { createPanelService } from '../../main/core/panel/panel-service.js';
import { STORE_OWNER } from '../../main/core/consent/access.js';
import { hostZone } from '../../main/core/program/program-service.js';
import { launchBenchChromium, runCli, webHostUrl } from './web-host.js';
import { median } from './stats.js';

const PASSCODE = process.env.CARETWIN_BENCH_PANEL_PASSCODE ?? 'bench panel passcode';

export interface PanelUiFigures {
  readonly patients: number;
  /** unlock clicked -> panel interactive (the core computes every row: cold) */
  readonly afterUnlockMs: number;
  /** navigation start (reload) -> panel interactive, median */
  readonly reloadInteractiveMs: number;
  /** patient page -> panel (hash navigation) interactive, median */
  readonly backFromPatientMs: number;
  readonly sortMs: number;
  readonly sortRuns: number;
  readonly filterMs: number;
  readonly filterRuns: number;
  readonly renderedRows: number;
  /** core only: panel.triage for every patient, first call and median of later ones; answer size */
  readonly coreTriageColdMs: number;
  readonly coreTriageWarmMs: number;
  readonly answerKiB: number;
  readonly setupSeconds: number;
}

const PRIVATE_DIST = path.resolve('.tmp', `bench-panel-ui-${process.pid}`, 'dist');
const CLI = path.join(PRIVATE_DIST, 'cli', 'caretwin.mjs');

const cli = (args: string[], env: NodeJS.ProcessEnv): string => runCli(CLI, args, env);


/** performance.now() when the panel's rows are rendered and its tab-stop row holds the focus (polled every frame). */
function whenInteractive(page: Page): Promise<number> {
  return page.evaluate(
    () =>
      new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('the panel was not interactive within 120 s')), 120_000);
        const poll = (): void => {
          const row = document.querySelector<HTMLElement>('table[data-ready] tbody tr[data-patient-id][tabindex="0"]');
          if (row) {
            row.focus();
            if (document.activeElement === row) {
              clearTimeout(timer);
              resolve(performance.now());
              return;
            }
          }
          requestAnimationFrame(poll);
        };
        poll();
      }),
  );
}

/** ms from `act` (run in the page) to the next frame after `done()` holds, with layout forced. */
function timeInPage(page: Page, kind: 'sort' | 'filter', arg: string): Promise<number> {
  return page.evaluate(
    ({ kind, arg }) =>
      new Promise<number>((resolve, reject) => {
        const table = document.querySelector('table[data-ready]')!;
        const firstId = () => table.querySelector('tbody tr[data-patient-id]')?.getAttribute('data-patient-id') ?? '';
        const countText = () => document.querySelector('.triage-count')?.textContent ?? '';
        const before = kind === 'sort' ? firstId() + '|' + (table.querySelector('th[aria-sort="ascending"],th[aria-sort="descending"]')?.textContent ?? '') : countText();
        const t0 = performance.now();
        if (kind === 'sort') {
          const th = Array.from(table.querySelectorAll('thead th')).find((h) => h.textContent?.startsWith(arg));
          if (!th) return reject(new Error(`no column ${arg}`));
          th.querySelector('button')!.click();
        } else {
          const select = document.querySelector<HTMLSelectElement>('form[aria-label="Filter the panel"] select')!;
          select.value = arg;
          select.dispatchEvent(new Event('change', { bubbles: true }));
        }
        const timer = setTimeout(() => reject(new Error('no change within 10 s')), 10_000);
        const poll = (): void => {
          const now = kind === 'sort' ? firstId() + '|' + (table.querySelector('th[aria-sort="ascending"],th[aria-sort="descending"]')?.textContent ?? '') : countText();
          if (now !== before) {
            table.getBoundingClientRect();
            requestAnimationFrame(() => {
              clearTimeout(timer);
              resolve(performance.now() - t0);
            });
            return;
          }
          requestAnimationFrame(poll);
        };
        poll();
      }),
    { kind, arg },
  );
}

export async function benchPanelUi(patients = 1000, runs = 7): Promise<PanelUiFigures> {
  try {
    return await measure(patients, runs);
  } finally {
    rmSync(path.dirname(PRIVATE_DIST), { recursive: true, force: true });
  }
}

async function measure(patients: number, runs: number): Promise<PanelUiFigures> {
  const started = performance.now();
  const build = spawnSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
  if (build.status !== 0) throw new Error('build failed');
  cpSync('dist', PRIVATE_DIST, { recursive: true });
  const dir = mkdtempSync(path.join(os.tmpdir(), 'caretwin-bench-panel-ui-'));
  const dataDir = path.join(dir, 'store');
  const env = { ...process.env, CARETWIN_PASSCODE: PASSCODE };
  const prepared = process.env.CARETWIN_BENCH_PANEL_STORE;
  if (prepared) cpSync(prepared, dataDir, { recursive: true });
  else {
    cli(['demo', '--patients', String(patients), '--days', '90', '--data-dir', dataDir], env);
    cli(['twin', 'refit', '--data-dir', dataDir], env);
  }

  // The core's share, in process.
  const store = await CareTwinStore.unlock(dataDir, PASSCODE);
  let coreTriageColdMs: number;
  let coreTriageWarmMs: number;
  let answerKiB: number;
  let storePatients: number;
  try {
    const panel = createPanelService(() => store, Date.now, hostZone());
    let t = performance.now();
    const first = panel.triage(STORE_OWNER, 14);
    coreTriageColdMs = performance.now() - t;
    storePatients = first.rows.length;
    answerKiB = JSON.stringify(first).length / 1024;
    const warm: number[] = [];
    for (let i = 0; i < runs; i++) {
      t = performance.now();
      panel.triage(STORE_OWNER, 14);
      warm.push(performance.now() - t);
    }
    coreTriageWarmMs = median(warm);
  } finally {
    store.close();
  }

  const serve = spawn(process.execPath, [CLI, 'serve', '--data-dir', dataDir], { stdio: ['ignore', 'pipe', 'inherit'] });
  const browser = await launchBenchChromium();
  try {
    const url = await webHostUrl(serve);
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    await page.goto(url);
    await page.getByLabel('Passcode', { exact: true }).fill(PASSCODE);
    const unlockAt = await page.evaluate(() => {
      const t = performance.now();
      Array.from(document.querySelectorAll('button')).find((b) => b.textContent === 'Unlock')!.click();
      return t;
    });
    const afterUnlockMs = (await whenInteractive(page)) - unlockAt;
    const setupSeconds = (performance.now() - started) / 1000;

    const reloads: number[] = [];
    for (let i = 0; i < runs; i++) {
      await page.reload();
      reloads.push(await whenInteractive(page));
    }
    const renderedRows = await page.locator('tbody tr[data-patient-id]').count();

    const backs: number[] = [];
    const someId = await page.locator('tbody tr[data-patient-id]').first().getAttribute('data-patient-id');
    for (let i = 0; i < Math.min(runs, 5); i++) {
      await page.evaluate((id) => {
        window.location.hash = `#/patient/${id}`;
      }, someId);
      await page.getByRole('heading', { level: 1 }).filter({ hasNotText: 'Patients' }).waitFor();
      const t0 = await page.evaluate(() => {
        const t = performance.now();
        window.location.hash = '#/';
        return t;
      });
      backs.push((await whenInteractive(page)) - t0);
    }

    const sortColumns = ['Category / risk', 'Time in range', 'Open alerts', 'Weight, 7 days', 'Last data', 'Name'];
    const sorts: number[] = [];
    for (let i = 0; i < 2 * sortColumns.length; i++) sorts.push(await timeInPage(page, 'sort', sortColumns[i % sortColumns.length]!));
    const filterValues = ['hf', 't1d', 't2d', ''];
    const filters: number[] = [];
    for (let i = 0; i < 3 * filterValues.length; i++) filters.push(await timeInPage(page, 'filter', filterValues[i % filterValues.length]!));

    return {
      patients: storePatients,
      afterUnlockMs,
      reloadInteractiveMs: median(reloads),
      backFromPatientMs: median(backs),
      sortMs: median(sorts),
      sortRuns: sorts.length,
      filterMs: median(filters),
      filterRuns: filters.length,
      renderedRows,
      coreTriageColdMs,
      coreTriageWarmMs,
      answerKiB,
      setupSeconds,
    };
  } finally {
    await browser.close();
    serve.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}
