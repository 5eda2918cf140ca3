/**
 * Importing files in the UI, end to end: the real CLI's web host on a real encrypted store, Debian's Chromium
 * choosing real files from ../shared/data on a patient's page. The bytes travel through the web host's bridge
 * (WebSocket), the core runs the same importer as `caretwin import`; the page shows progress and the report,
 * and the new stream appears. A second import adds nothing; a malformed file is refused and changes nothing.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STREAM } from '../shared/domain/streams.js';
import { CareTwinStore } from '../main/core/store/store.js';
import { launchChromium } from './support/browser.js';
import { freshDataDir, removeDataDir, startServe, type RunningHost } from './support/web-host.js';
import { ImportPanel, PanelScreen, PatientScreen, UnlockScreen } from './pages/screens.js';

const PASSCODE = 'import e2e passcode';
const PATIENT = 'Ada Importwright';
const CLARITY = path.resolve('../shared/data/cgm/dexcom-clarity-export.csv');
const NIGHTSCOUT = path.resolve('../shared/data/cgm/nightscout-entries-oref0-example.json');
/** The example's sgv entries, counted straight from the file. */
const NIGHTSCOUT_READINGS = (JSON.parse(fs.readFileSync(NIGHTSCOUT, 'utf8')) as { type?: string; sgv?: number }[]).filter((e) => e.type === 'sgv' && typeof e.sgv === 'number').length;
const FITBIT_HEART_RATE = path.resolve('../shared/data/fitbit/heartrate_seconds_one-user.csv');
const FITBIT_WEIGHT_MERGED = path.resolve('../shared/data/fitbit/weightLogInfo_merged_excel-resaved.csv');

/** The export's glucose readings (EGV rows with a value), counted straight from the file. */
function clarityReadings(): number {
  const lines = fs.readFileSync(CLARITY, 'utf8').split(/\r?\n/).slice(1);
  return lines.filter((l) => {
    const cells = l.split(',');
    return cells[2] === 'EGV' && /^\d+$/.test(cells[7] ?? '');
  }).length;
}

describe('importing files on a patient page', () => {
  let host: RunningHost;
  let browser: Browser;
  let page: Page;
  let dataDir: string;
  let patientId: string;
  let tmp: string;
  const expected = clarityReadings();
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    dataDir = freshDataDir();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'caretwin-import-e2e-'));
    // A patient with no data and no stored time zone.
    const store = await CareTwinStore.create(dataDir, PASSCODE, { kdf: { memorySize: 1024, iterations: 1 } });
    patientId = store.createPatient({ name: PATIENT, birthDate: '1970-01-01', conditions: ['t1d'], identifiers: [] });
    store.close();
    host = await startServe(['--data-dir', dataDir]);
    browser = await launchChromium();
    page = await browser.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(e.message));
  });

  afterAll(async () => {
    await browser?.close();
    await host?.stop();
    if (dataDir) removeDataDir(dataDir);
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('opens the patient, who has no data yet', async () => {
    await page.goto(host.url);
    await new UnlockScreen(page).unlock(PASSCODE);
    const panel = new PanelScreen(page);
    await panel.table().waitFor({ timeout: 30_000 });
    await panel.openPatient(PATIENT);
    await expect.poll(() => new PatientScreen(page).heading().innerText()).toBe(PATIENT);
    await expect.poll(() => page.getByText('No device or lab data is stored for this patient yet.').count()).toBe(1);
  });

  it('asks for the time zone, then imports the Dexcom Clarity export with progress and a report', async () => {
    const imports = new ImportPanel(page);
    await imports.watchProgress();
    await imports.choose(CLARITY);
    // The export's times carry no zone and the patient has none stored: the page asks for one.
    const failed = imports.file('dexcom-clarity-export.csv');
    await expect.poll(() => failed.getByRole('alert').innerText()).toMatch(/time zone/);
    await imports.chooseZone('America/Chicago');

    const done = imports.file('dexcom-clarity-export.csv');
    await expect.poll(() => done.getAttribute('data-phase'), { timeout: 30_000 }).toBe('done');
    const seen = await imports.progressSeen();
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.some((v) => v > 0 && v < 100)).toBe(true);
    const report = await done.innerText();
    expect(report).toContain(`${expected.toLocaleString('en-US')} new readings, 0 duplicates skipped`);
    expect(report).toMatch(/mg\/dL/);
    expect(report).toMatch(/America\/Chicago/);

    // The page reloads the patient: the CGM stream is there, with its count, and the stored zone.
    const patient = new PatientScreen(page);
    await patient.waitForChart(STREAM.cgm);
    expect(await patient.chartSection(STREAM.cgm).locator('.stream-summary').innerText()).toContain(expected.toLocaleString('en-US'));
    await expect.poll(() => page.locator('dl.facts', { hasText: /time zone/ }).innerText()).toContain('America/Chicago');
  });

  it('imports the same file again, chosen with the keyboard, and adds nothing', async () => {
    const imports = new ImportPanel(page);
    await imports.dismissAll();
    await imports.chooseWithKeyboard(CLARITY);
    const again = imports.file('dexcom-clarity-export.csv');
    await expect.poll(() => again.getAttribute('data-phase'), { timeout: 30_000 }).toBe('done');
    expect(await again.innerText()).toContain(`0 new readings, ${expected.toLocaleString('en-US')} duplicates skipped`);
  });

  it('imports several files at once: a Fitbit heart-rate export in two parts, and refuses a merged export of many people', async () => {
    const imports = new ImportPanel(page);
    await imports.dismissAll();
    // 642 kB: more than one part through the web host's WebSocket (1 MiB messages).
    await imports.choose(FITBIT_HEART_RATE, FITBIT_WEIGHT_MERGED);
    const heart = imports.file('heartrate_seconds_one-user.csv');
    await expect.poll(() => heart.getAttribute('data-phase'), { timeout: 60_000 }).toBe('done');
    expect(await heart.innerText()).toContain('17,666 new readings, 0 duplicates skipped');
    expect(await heart.innerText()).toMatch(/Heart rate \(.+\): 17,666 new readings/i);
    const merged = imports.file('weightLogInfo_merged_excel-resaved.csv');
    await expect.poll(() => merged.getAttribute('data-phase'), { timeout: 60_000 }).toBe('failed');
    expect(await merged.getByRole('alert').innerText()).toMatch(/holds the data of \d+ people.*Nothing was imported/s);
    await new PatientScreen(page).waitForChart(STREAM.heartRate);
  });

  it('imports a Nightscout export dropped on the drop area (its times carry their zone)', async () => {
    const imports = new ImportPanel(page);
    await imports.dismissAll();
    await imports.drop('nightscout-entries.json', fs.readFileSync(NIGHTSCOUT, 'utf8'));
    const dropped = imports.file('nightscout-entries.json');
    await expect.poll(() => dropped.getAttribute('data-phase'), { timeout: 30_000 }).toBe('done');
    expect(await dropped.innerText()).toContain(`${NIGHTSCOUT_READINGS} new readings, 0 duplicates skipped`);
    expect(await dropped.innerText()).toMatch(/Read as Nightscout/);
  });

  it('refuses a malformed file with a clear error and leaves what is stored unchanged', async () => {
    const imports = new ImportPanel(page);
    await imports.dismissAll();
    const text = fs.readFileSync(CLARITY, 'utf8');
    const broken = path.join(tmp, 'clarity-cut-short.csv');
    fs.writeFileSync(broken, `${text.slice(0, Math.floor(text.length / 2))}\n"a quoted field that never ends,`);
    await imports.choose(broken);
    const bad = imports.file('clarity-cut-short.csv');
    await expect.poll(() => bad.getAttribute('data-phase'), { timeout: 30_000 }).toBe('failed');
    const alert = await bad.getByRole('alert').innerText();
    expect(alert).toMatch(/was not imported/);
    expect(alert).toMatch(/not valid CSV .*line \d+/);
    expect(alert).toMatch(/Nothing was imported/);

    const unknown = path.join(tmp, 'notes.txt');
    fs.writeFileSync(unknown, 'a note, not an export\n');
    await imports.choose(unknown);
    await expect.poll(() => imports.file('notes.txt').getByRole('alert').innerText().catch(() => '')).toMatch(/not a file CareTwin can import/);

    const patient = new PatientScreen(page);
    expect(await patient.chartSection(STREAM.cgm).locator('.stream-summary').innerText()).toContain((expected + NIGHTSCOUT_READINGS).toLocaleString('en-US'));
  });

  it('stored exactly the readings once, kept no spool file, and ran without console errors', async () => {
    await host.stop();
    expect(fs.readdirSync(path.join(dataDir, 'import-spool'))).toEqual([]);
    const store = await CareTwinStore.unlock(dataDir, PASSCODE);
    try {
      expect(store.listPatients()).toHaveLength(1);
      expect(store.readSeries(patientId, STREAM.cgm).tMs.length).toBe(expected + NIGHTSCOUT_READINGS);
      expect(store.readSeries(patientId, STREAM.heartRate).tMs.length).toBe(17_666);
      expect(store.readSeries(patientId, STREAM.weight).tMs.length).toBe(0);
      expect(store.getPatient(patientId)!.profile.zone).toBe('America/Chicago');
    } finally {
      store.close();
    }
    expect(consoleErrors).toEqual([]);
  });
});
