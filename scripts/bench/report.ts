/**
 * The AGP and the patient report. In process, on a real encrypted 20-patient x 90-day demo store: computeAgp over
 * 14 and 90 days of 5-min CGM (the computation alone, median of runs) and report.agp through the report service
 * (decrypting the CGM + computing). In the web host with Debian's Chromium: from the hash navigation to the report
 * page's AGP chart drawn, for 14 and 90 days (the page's own timing: performance.now() in the page until the chart
 * frame carries data-drawn).
 */
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { STORE_OWNER } from '../../main/core/consent/access.js';
import { createReportService } from '../../main/core/report/report-service.js';
import { CareTwinStore } from '../../main/core/store/store.js';
import { STREAM } from '../../shared/domain/streams.js';
import { computeAgp } from '../../shared/report/agp.js';
import { launchBenchChromium, webHostUrl } from './web-host.js';
import { median } from './stats.js';

const PASSCODE = 'bench report passcode';
const DAY = 86_400_000;
const PRIVATE_DIST = path.resolve('.tmp', `bench-report-${process.pid}`, 'dist');
const CLI = path.join(PRIVATE_DIST, 'cli', 'caretwin.mjs');

export interface ReportFigures {
  readonly cgmReadings90d: number;
  readonly computeAgp14dMs: number;
  readonly computeAgp90dMs: number;
  readonly reportAgp90dMs: number;
  /** navigation -> the report's AGP chart drawn, median of runs */
  readonly pageAgp14dMs: number;
  readonly pageAgp90dMs: number;
  readonly runs: number;
}


function timeMedian(runs: number, fn: () => void): number {
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    fn();
    out.push(performance.now() - t);
  }
  return median(out);
}

function cli(args: string[]): string {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    env: { ...process.env, CARETWIN_PASSCODE: PASSCODE },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`caretwin ${args[0]} failed: ${r.stderr}`);
  return r.stdout;
}

/** From the report route's navigation to its AGP chart drawn, in the page's clock. */
async function openReport(page: Page, patientId: string, days: 14 | 90): Promise<number> {
  await page.evaluate(() => {
    window.location.hash = '#/';
  });
  await page.locator('main table').first().waitFor();
  await page.evaluate(async (id) => {
    window.location.hash = `#/patient/${id}/report`;
    await new Promise<void>((resolve) => {
      const poll = (): void => (document.querySelector('.agp-chart[data-drawn="true"]') ? resolve() : void requestAnimationFrame(poll));
      poll();
    });
  }, patientId);
  if (days === 14) {
    return page.evaluate(async (id) => {
      window.location.hash = '#/';
      await new Promise((r) => setTimeout(r, 50));
      const t0 = performance.now();
      window.location.hash = `#/patient/${id}/report`;
      await new Promise<void>((resolve) => {
        const poll = (): void => (document.querySelector('.agp-chart[data-drawn="true"]') ? resolve() : void requestAnimationFrame(poll));
        poll();
      });
      return performance.now() - t0;
    }, patientId);
  }
  // 90 days: switch the period on the open report and time the new AGP's draw.
  return page.evaluate(async () => {
    const select = document.querySelector<HTMLSelectElement>('.report-toolbar select')!;
    const t0 = performance.now();
    select.value = '90';
    select.dispatchEvent(new Event('change', { bubbles: true }));
    await new Promise<void>((resolve) => {
      const poll = (): void => {
        const frame = document.querySelector('.agp-chart[data-drawn="true"]');
        const period = document.querySelector('[data-testid="report-period"]')?.textContent ?? '';
        if (frame && period.includes('(90 days)') && document.querySelector('.agp .agp-period')?.textContent?.includes('(90 days)')) resolve();
        else requestAnimationFrame(poll);
      };
      poll();
    });
    return performance.now() - t0;
  });
}

export async function benchReport(runs = 7): Promise<ReportFigures> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'caretwin-bench-report-'));
  try {
    const build = spawnSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
    if (build.status !== 0) throw new Error('build failed');
    cpSync('dist', PRIVATE_DIST, { recursive: true });
    const dataDir = path.join(dir, 'store');
    cli(['demo', '--patients', '20', '--days', '90', '--data-dir', dataDir]);
    const rows = JSON.parse(cli(['patients', '--json', '--data-dir', dataDir])) as { id: string; conditions: string[] }[];
    const patient = rows.find((r) => r.conditions.includes('t1d') || r.conditions.includes('t2d'));
    if (!patient) throw new Error('no diabetes patient in the demo panel');

    const store = await CareTwinStore.unlock(dataDir, PASSCODE);
    let figures: Omit<ReportFigures, 'pageAgp14dMs' | 'pageAgp90dMs' | 'runs'>;
    try {
      const series = store.readSeries(patient.id, STREAM.cgm);
      const toMs = series.tMs[series.tMs.length - 1]! + 1;
      const zone = store.getPatient(patient.id)?.profile.zone ?? 'UTC';
      const input = (days: number) => ({ tMs: series.tMs, valuesMgDl: series.values, zone, fromMs: toMs - days * DAY, toMs });
      const reports = createReportService(() => store, () => Date.now(), 'UTC');
      figures = {
        cgmReadings90d: computeAgp(input(90)).readings,
        computeAgp14dMs: timeMedian(runs, () => computeAgp(input(14))),
        computeAgp90dMs: timeMedian(runs, () => computeAgp(input(90))),
        reportAgp90dMs: timeMedian(runs, () => reports.agp(STORE_OWNER, patient.id, { fromMs: toMs - 90 * DAY, toMs })),
      };
    } finally {
      store.close();
    }

    const serve = spawn(process.execPath, [CLI, 'serve', '--data-dir', dataDir], { stdio: ['ignore', 'pipe', 'inherit'] });
    const browser = await launchBenchChromium();
    try {
      const url = await webHostUrl(serve);
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      await page.goto(url);
      await page.getByLabel('Passcode', { exact: true }).fill(PASSCODE);
      await page.getByRole('button', { name: 'Unlock' }).click();
      await page.getByRole('button', { name: 'Lock' }).waitFor();
      const p14: number[] = [];
      const p90: number[] = [];
      for (let i = 0; i < runs; i++) {
        p14.push(await openReport(page, patient.id, 14));
        p90.push(await openReport(page, patient.id, 90));
      }
      return { ...figures, pageAgp14dMs: median(p14), pageAgp90dMs: median(p90), runs };
    } finally {
      await browser.close();
      serve.kill('SIGTERM');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(path.dirname(PRIVATE_DIST), { recursive: true, force: true });
  }
}
