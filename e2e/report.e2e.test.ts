/**
 * The patient report end to end (built CLI web host, real encrypted store, Debian's Chromium): the AGP's numbers
 * on the page, the page printed to PDF by Chromium's print engine (page.pdf, @media print) holding those numbers
 * as text, and the "Print / Save as PDF" button opening the browser's print (window.print: beforeprint fires and
 * the print media rules apply). Screenshots and the PDF are kept under test-results/.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { STREAM } from '../shared/domain/streams.js';
import { CareTwinStore } from '../main/core/store/store.js';
import { launchChromium } from './support/browser.js';
import { freshDataDir, removeDataDir, startServe, type RunningHost } from './support/web-host.js';
import { UnlockScreen } from './pages/screens.js';
import { ReportPage } from './pages/report-page.js';

const PASSCODE = 'report e2e passcode';
const MIN = 60_000;
const DAY = 86_400_000;
const ARTEFACTS = path.resolve('test-results/report');

async function pdfText(pdf: Buffer): Promise<string> {
  const doc = await getDocument({ data: new Uint8Array(pdf), useSystemFonts: false, isEvalSupported: false }).promise;
  const pages: string[] = [];
  for (let i = 1; i <= doc.numPages; i++) {
    const content = await (await doc.getPage(i)).getTextContent();
    pages.push(content.items.map((item) => ('str' in item ? item.str : '')).join(' '));
  }
  await doc.destroy();
  return pages.join('\n').replace(/[\u202f\u00a0]/g, ' ');
}

describe('patient report: AGP, print to PDF', () => {
  let host: RunningHost;
  let browser: Browser;
  let page: Page;
  let dataDir: string;
  let patientId: string;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    mkdirSync(ARTEFACTS, { recursive: true });
    dataDir = freshDataDir();
    const store = await CareTwinStore.create(dataDir, PASSCODE, { kdf: { memorySize: 1024, iterations: 1 } });
    patientId = store.createPatient({ name: 'Ada Report', conditions: ['t1d'], zone: 'UTC', identifiers: [] });
    // 16 days of 5-min CGM up to now: 100 mg/dL from 00:00 to 06:00 UTC, 200 otherwise. Over the 14 days the
    // report covers, every time of day has 14 days of readings: mean 175, 25 % in range, 75 % high, GMI 7.5 %.
    const now = Math.floor(Date.now() / (5 * MIN)) * 5 * MIN;
    const tMs: number[] = [];
    const values: number[] = [];
    for (let t = now - 16 * DAY; t < now; t += 5 * MIN) {
      tMs.push(t);
      values.push(new Date(t).getUTCHours() < 6 ? 100 : 200);
    }
    store.writeSeries([{ patientId, stream: STREAM.cgm, source: 'test', tMs, values }]);
    store.close();
    host = await startServe(['--data-dir', dataDir]);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('pageerror', (e) => pageErrors.push(e.message));
  });

  afterAll(async () => {
    await browser?.close();
    await host?.stop();
    if (dataDir) removeDataDir(dataDir);
  });

  it("shows the AGP's numbers with units, zone and sufficiency", async () => {
    await page.goto(host.url);
    await new UnlockScreen(page).unlock(PASSCODE);
    await page.getByRole('button', { name: 'Lock' }).waitFor({ timeout: 30_000 });
    const report = new ReportPage(page);
    await report.openFromPatientPage(host.url, patientId);
    await expect.poll(() => report.heading().innerText(), { timeout: 15_000 }).toBe('Patient report: Ada Report');
    await report.waitForAgp();
    expect(await report.metric('mean').innerText()).toBe('175 mg/dL');
    expect(await report.metric('gmi').innerText()).toBe('7.5%');
    expect(await report.range('inRange').innerText()).toBe('25%');
    expect(await report.range('high').innerText()).toBe('75%');
    expect(await report.range('veryLow').innerText()).toBe('0%');
    expect(await report.sufficiency().innerText()).toMatch(/^sufficient \(14 days, CGM active 100%\)/);
    expect(await report.agp().innerText()).toMatch(/times of day in\s+UTC/);
    await page.screenshot({ path: path.join(ARTEFACTS, 'report-screen.png'), fullPage: true });
    expect(pageErrors).toEqual([]);
  });

  it('prints to a PDF whose text holds the AGP numbers (Chromium print engine, @media print)', async () => {
    const pdf = await page.pdf({ format: 'A4', printBackground: true });
    writeFileSync(path.join(ARTEFACTS, 'report.pdf'), pdf);
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const text = await pdfText(pdf);
    expect(text).toMatch(/Patient report: Ada Report/);
    expect(text).toMatch(/Ambulatory glucose profile/);
    expect(text).toMatch(/CGM data sufficiency: sufficient/);
    expect(text).toMatch(/175 mg\/dL/);
    expect(text).toMatch(/7\.5%/);
    expect(text).toMatch(/In range/);
    expect(text).toMatch(/25%/);
    // The on-screen controls are not printed.
    expect(text).not.toMatch(/Print \/ Save as PDF/);
  });

  it('the print layout hides the controls and the header bar', async () => {
    await page.emulateMedia({ media: 'print' });
    const hidden = await page.evaluate(() =>
      ['.report-toolbar', '.header-bar'].map((sel) => {
        const el = document.querySelector(sel);
        return el !== null && getComputedStyle(el).display === 'none';
      }),
    );
    expect(hidden).toEqual([true, true]);
    await page.screenshot({ path: path.join(ARTEFACTS, 'report-print-media.png'), fullPage: true });
    await page.emulateMedia({ media: 'screen' });
  });

  it("the Print button calls the browser's print with the charts in light colours, then restores a dark theme", async () => {
    await page.getByLabel('Theme').selectOption('dark');
    await expect.poll(() => page.evaluate(() => document.documentElement.dataset['theme'])).toBe('dark');
    await page.evaluate(() => {
      const w = window as unknown as { __print: { calls: number; themeAtPrint: string[] } };
      w.__print = { calls: 0, themeAtPrint: [] };
      window.addEventListener('beforeprint', () => {
        w.__print.calls += 1;
        w.__print.themeAtPrint.push(document.documentElement.dataset['theme'] ?? 'system');
      });
    });
    const report = new ReportPage(page);
    await report.printButton().click();
    await expect
      .poll(() => page.evaluate(() => (window as unknown as { __print: { calls: number } }).__print.calls), { timeout: 10_000 })
      .toBe(1);
    const seen = await page.evaluate(() => (window as unknown as { __print: { themeAtPrint: string[] } }).__print.themeAtPrint);
    expect(seen).toEqual(['light']);
    await expect.poll(() => page.evaluate(() => document.documentElement.dataset['theme'])).toBe('dark');
    await expect.poll(() => report.printButton().isEnabled()).toBe(true);
    // The choice is kept for the next start.
    expect(await page.evaluate(() => localStorage.getItem('caretwin.theme'))).toBe('dark');
    await page.screenshot({ path: path.join(ARTEFACTS, 'report-dark.png'), fullPage: true });
    await page.getByLabel('Theme').selectOption('system');
    expect(await page.evaluate(() => localStorage.getItem('caretwin.theme'))).toBeNull();
  });
});
