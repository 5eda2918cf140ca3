/**
 * Alerts and the RPM program on a patient's page, end to end: the built CLI's web host on a real encrypted store,
 * Debian's Chromium. A patient whose scale went quiet five days ago gets a no-data alert with its reason and the
 * data it used; it is acknowledged and resolved with a note from the keyboard. The program section counts the
 * days with device data this month, runs a timer and logs minutes with a note.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STREAM } from '../shared/domain/streams.js';
import { CareTwinStore } from '../main/core/store/store.js';
import { launchChromium } from './support/browser.js';
import { freshDataDir, removeDataDir, startServe, type RunningHost } from './support/web-host.js';
import { PanelScreen, PatientScreen, UnlockScreen } from './pages/screens.js';
import { AlertsSection, ProgramSection } from './pages/alerts-program.js';

const PASSCODE = 'alerts e2e passcode';
const PATIENT = 'Quinn Quietscale';
const DAY = 86_400_000;

describe('alerts and program on a patient page', () => {
  let host: RunningHost;
  let browser: Browser;
  let page: Page;
  let dataDir: string;
  let weightDays: number;
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    dataDir = freshDataDir();
    const store = await CareTwinStore.create(dataDir, PASSCODE, { kdf: { memorySize: 1024, iterations: 1 } });
    const patientId = store.createPatient({ name: PATIENT, conditions: ['hf'], zone: 'UTC', identifiers: [] });
    // Weights once a day until five days ago, within this month where possible.
    const now = Date.now();
    const monthStart = Date.UTC(new Date(now).getUTCFullYear(), new Date(now).getUTCMonth(), 1);
    const tMs: number[] = [];
    for (let t = now - 5 * DAY; t >= Math.max(monthStart, now - 12 * DAY); t -= DAY) tMs.unshift(t);
    if (tMs.length === 0) tMs.push(now - 5 * DAY);
    weightDays = tMs.filter((t) => t >= monthStart).length;
    store.writeSeries([{ patientId, stream: STREAM.weight, source: 'scale', tMs, values: tMs.map(() => 92) }]);
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
  });

  it('opens the patient', async () => {
    await page.goto(host.url);
    await new UnlockScreen(page).unlock(PASSCODE);
    const panel = new PanelScreen(page);
    await panel.table().waitFor({ timeout: 30_000 });
    await panel.openPatient(PATIENT);
    await expect.poll(() => new PatientScreen(page).heading().innerText()).toBe(PATIENT);
  });

  it('shows the no-data alert with its reason and data used, and acknowledges and resolves it by keyboard', async () => {
    const alerts = new AlertsSection(page);
    const alert = alerts.alert(/No Body weight data for 5(\.\d)? days/);
    await alert.waitFor({ timeout: 15_000 });
    await expect.poll(() => alert.innerText()).toMatch(/Data used: Body weight: \d+ readings/);
    await expect.poll(() => alert.innerText()).toMatch(/^Open/);

    await alert.getByRole('button', { name: 'Acknowledge' }).focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => alert.innerText()).toMatch(/^Acknowledged/);
    await expect.poll(() => alert.innerText()).toMatch(/Acknowledged by owner/);

    // The resolve button waits for a note.
    await expect.poll(() => alert.getByRole('button', { name: 'Resolve' }).isDisabled()).toBe(true);
    await alert.getByLabel('Resolution note').focus();
    await page.keyboard.type('Called: scale batteries were flat');
    await page.keyboard.press('Enter');
    await alerts.noOpenAlerts().waitFor({ timeout: 15_000 });
    await alerts.toggleResolved().focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => alerts.resolvedAlerts().first().innerText()).toMatch(/Resolved by owner, .*: Called: scale batteries were flat/);
  });

  it('counts device days this month, runs the timer and logs minutes with a note', async () => {
    const program = new ProgramSection(page);
    await program.section().waitFor({ timeout: 15_000 });
    await expect.poll(() => program.fact('Days with device data').innerText()).toMatch(new RegExp(`^${weightDays} of \\d+ so far`));
    await program.startTimer().click();
    await expect.poll(() => program.timerStatus().innerText()).toMatch(/Timer running since/);
    // A timer stopped at once logs nothing worth a minute; a corrected one logs what was given (at most what passed).
    await program.stopTimer().click();
    await program.startTimer().waitFor({ timeout: 15_000 });
    await program.logMinutes(12, 'Phone call about weights');
    await expect.poll(() => program.fact('Interactive minutes').innerText()).toMatch(/^12 \(99470; 8 more for 99457\)/);
    await program.startTimer().click();
    await program.section().getByLabel(/Log instead/).fill('5');
    await program.stopTimer().click();
    await expect.poll(() => program.section().getByRole('alert').innerText()).toMatch(/at most the \d+ that passed/);
    await program.section().getByLabel(/Log instead/).fill('0');
    await program.stopTimer().click();
    await program.startTimer().waitFor({ timeout: 15_000 });
    await expect.poll(() => program.fact('Interactive minutes').innerText()).toMatch(/^12 /);
    expect(consoleErrors).toEqual([]);
  });
});
