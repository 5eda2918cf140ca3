/**
 * The patient twin end to end: the built CLI fills a real encrypted store with a small 90-day demo panel, the web
 * host serves it to Debian's Chromium, and the twins are computed in the background after unlock. A heart-failure
 * patient's projection is read from the page (value and bands, in words and in the day-by-day table); a diabetes
 * patient's glucose twin draws with its bands and forecast. Screenshots are kept under test-results/.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './support/browser.js';
import { CLI, freshDataDir, removeDataDir, startServe, type RunningHost } from './support/web-host.js';
import { UnlockScreen } from './pages/screens.js';
import { PatientTwinPage } from './pages/patient-twin-page.js';

const PASSCODE = 'twin view e2e passcode';
const ARTEFACTS = 'test-results';

interface PatientRow {
  readonly id: string;
  readonly conditions: string[];
}

function cli(args: string[]): string {
  const r = spawnSync(process.execPath, [CLI, ...args], { env: { ...process.env, CARETWIN_PASSCODE: PASSCODE }, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`caretwin ${args[0]} failed: ${r.stderr}`);
  return r.stdout;
}

/** "80 %: 81.2–83.6 kg" → [81.2, 83.6] (en-US formatting in this browser). */
function band(text: string, level: '80' | '95'): [number, number] {
  const m = new RegExp(`${level} %: (-?[\\d,.]+)–(-?[\\d,.]+) kg`).exec(text);
  if (!m) throw new Error(`no ${level} % band in: ${text}`);
  return [Number(m[1]!.replace(/,/g, '')), Number(m[2]!.replace(/,/g, ''))];
}

describe('patient twin view', () => {
  let host: RunningHost;
  let browser: Browser;
  let page: Page;
  let dataDir: string;
  let patients: PatientRow[];
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    dataDir = freshDataDir();
    cli(['demo', '--patients', '6', '--days', '90', '--data-dir', dataDir]);
    patients = JSON.parse(cli(['patients', '--json', '--data-dir', dataDir])) as PatientRow[];
    host = await startServe(['--data-dir', dataDir]);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'en-US', timezoneId: 'UTC' });
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(e.message));
    await page.goto(host.url);
    await new UnlockScreen(page).unlock(PASSCODE);
    await page.getByRole('button', { name: 'Lock' }).waitFor();
    mkdirSync(ARTEFACTS, { recursive: true });
  });

  afterAll(async () => {
    await browser?.close();
    await host?.stop();
    if (dataDir) removeDataDir(dataDir);
  });

  it('opens a heart-failure patient and reads the projection with its bands', async () => {
    const patient = patients.find((p) => p.conditions.includes('hf'));
    expect(patient, 'the demo panel has a heart-failure patient').toBeDefined();
    const twin = new PatientTwinPage(page);
    await twin.open(patient!.id);
    await twin.waitForComputedTwin(twin.heartFailure());

    const sentence = await twin.projectionSummary().innerText();
    expect(sentence).toMatch(/^Projected weight on .+: [\d,.]+ kg \(80 %: .+ kg; 95 %: .+ kg\); fluid excess -?[\d,.]+ kg/);
    const mean = Number(/: ([\d,.]+) kg \(80/.exec(sentence)![1]!.replace(/,/g, ''));
    const [l80, u80] = band(sentence, '80');
    const [l95, u95] = band(sentence, '95');
    expect(l95).toBeLessThan(l80);
    expect(l80).toBeLessThan(mean);
    expect(mean).toBeLessThan(u80);
    expect(u80).toBeLessThan(u95);
    expect(mean).toBeGreaterThan(30);
    expect(mean).toBeLessThan(250);

    // The same numbers are in the weight chart's text alternative and in the day-by-day table.
    const labels = await twin.chartLabels(twin.heartFailure());
    expect(labels).toHaveLength(2);
    expect(labels[0]).toContain(sentence);
    const table = await twin.projectionTable();
    const rows = table.locator('tbody tr');
    expect(await rows.count()).toBe(14);
    const lastRow = await rows.last().innerText();
    expect(lastRow).toContain(`${mean.toFixed(1)} kg`);
    expect(lastRow).toContain(`${l80.toFixed(1)}–${u80.toFixed(1)} kg`);

    // Units and zone are named; the labs and medications timeline sits under the charts.
    expect(await page.locator('main').innerText()).toMatch(/Times on this page are in your time zone, UTC/);
    await expect.poll(() => twin.timeline().count()).toBe(1);
    await page.screenshot({ path: `${ARTEFACTS}/patient-twin-heart-failure.png`, fullPage: true });
  });

  it('draws a diabetes patient’s glucose twin with its bands and forecast, on every time window', async () => {
    const patient = patients.find((p) => p.conditions.includes('t1d') || p.conditions.includes('t2d'));
    expect(patient, 'the demo panel has a diabetes patient').toBeDefined();
    const twin = new PatientTwinPage(page);
    await twin.open(patient!.id);
    await twin.waitForComputedTwin(twin.glucose());
    const [label] = await twin.chartLabels(twin.glucose());
    expect(label).toMatch(/CGM glucose, mg\/dL: [\d,]+ readings in the window shown/);
    expect(label).toMatch(/smoothed glucose \d+ mg\/dL \(80 % band \d+–\d+\)/);
    expect(await page.evaluate(() => performance.getEntriesByName('caretwin:twin-drawn:glucose').length)).toBeGreaterThan(0);
    // The forecast table: 30 and 60 min with 80 % and 95 % bands.
    const forecast = await twin.forecastTable().innerText();
    expect(forecast).toMatch(/30 min/);
    expect(forecast).toMatch(/60 min/);
    expect(forecast).toMatch(/\d+–\d+/);
    await page.screenshot({ path: `${ARTEFACTS}/patient-twin-diabetes.png`, fullPage: true });

    // A shorter window is fetched again and drawn; the 24-hour one shows the forecast too.
    await twin.chooseWindow('Last 24 hours');
    await expect.poll(async () => (await twin.chartLabels(twin.glucose()))[0], { timeout: 30_000 }).not.toBe(label);
    await twin.waitForComputedTwin(twin.glucose(), 30_000);
    const [dayLabel] = await twin.chartLabels(twin.glucose());
    const readings = Number(/([\d,]+) readings in the window shown/.exec(dayLabel!)![1]!.replace(/,/g, ''));
    expect(readings).toBeGreaterThan(200);
    expect(readings).toBeLessThanOrEqual(300);
    expect(dayLabel).toMatch(/forecast in 60 min: \d+ mg\/dL/);
    await page.screenshot({ path: `${ARTEFACTS}/patient-twin-diabetes-24h.png`, fullPage: true });
    expect(consoleErrors).toEqual([]);
  });
});
