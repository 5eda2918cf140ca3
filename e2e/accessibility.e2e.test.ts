/**
 * axe-core on the screens people use, in light and dark (prefers-color-scheme), through the built web host on a
 * real encrypted demo store with computed twins, in Debian's Chromium: the panel, a diabetes and a heart-failure
 * patient twin, a patient's report with its AGP, and the patient's own consent screen. No violation of serious
 * or critical impact may remain (WCAG 2.1 A and AA rules). A failure lists each rule with the elements it hit.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { AxeBuilder } from '@axe-core/playwright';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './support/browser.js';
import { CLI, freshDataDir, removeDataDir, startServe, type RunningHost } from './support/web-host.js';
import { PanelScreen, UnlockScreen } from './pages/screens.js';
import { AccountSignIn, ConsentScreen } from './pages/consent.js';
import { ReportPage } from './pages/report-page.js';

const run = promisify(execFile);
const PASSCODE = 'accessibility e2e passcode';
const PATIENT_PASSCODE = 'patient accessibility passcode';
const SCHEMES = ['light', 'dark'] as const;

interface PanelPatient {
  id: string;
  name: string;
  conditions: string[];
}

async function cli(args: string[], env: Record<string, string> = {}): Promise<string> {
  const { stdout } = await run(process.execPath, [CLI, ...args], { env: { ...process.env, CARETWIN_PASSCODE: PASSCODE, ...env } });
  return stdout;
}

/** Serious and critical violations, one line per rule: id, impact, help, and up to five targets. */
async function seriousViolations(page: Page): Promise<string[]> {
  const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  // axe really looked: contrast and names were checked on this page.
  const checked = new Set([...result.passes, ...result.violations, ...result.incomplete].map((r) => r.id));
  expect(checked.has('color-contrast')).toBe(true);
  expect(checked.size).toBeGreaterThan(15);
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 5).map((n) => n.target.join(' ')).join(' | ')}${v.nodes.length > 5 ? ` (+${v.nodes.length - 5})` : ''}`);
}

describe('accessibility (axe): no serious or critical violations', () => {
  let host: RunningHost;
  let browser: Browser;
  let team: BrowserContext;
  let page: Page;
  let dataDir: string;
  let diabetes: PanelPatient;
  let heartFailure: PanelPatient;
  let patientAccount = '';

  beforeAll(async () => {
    dataDir = freshDataDir();
    await cli(['demo', '--patients', '12', '--days', '30', '--data-dir', dataDir]);
    // Twins computed, so the twin views show projections and model alerts, not only "not computed yet".
    await cli(['twin', 'refit', '--data-dir', dataDir]);
    const patients = JSON.parse(await cli(['patients', '--json', '--data-dir', dataDir])) as PanelPatient[];
    diabetes = patients.find((p) => p.conditions.some((c) => c === 't1d' || c === 't2d'))!;
    heartFailure = patients.find((p) => p.conditions.includes('hf'))!;
    expect(diabetes && heartFailure).toBeTruthy();
    const added = await cli(['users', 'add', '--role', 'patient', '--patient', diabetes.id, '--data-dir', dataDir], {
      CARETWIN_NEW_PASSCODE: PATIENT_PASSCODE,
    });
    patientAccount = /Added (patient-[0-9a-f]{8})/.exec(added)![1]!;
    host = await startServe(['--data-dir', dataDir]);
    browser = await launchChromium();
    team = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await team.newPage();
    await page.goto(host.url);
    await new UnlockScreen(page).unlock(PASSCODE);
    await new PanelScreen(page).table().waitFor({ timeout: 30_000 });
  });

  afterAll(async () => {
    await browser?.close();
    await host?.stop();
    if (dataDir) removeDataDir(dataDir);
  });

  async function open(hash: string): Promise<void> {
    await page.goto(`${host.origin}/${hash}`);
  }

  /** Lets data-driven parts finish: no loading notices left, charts drawn. */
  async function settle(): Promise<void> {
    await expect.poll(() => page.locator('.notice-loading').count(), { timeout: 30_000 }).toBe(0);
    await page.waitForTimeout(300);
  }

  it('finds a planted low-contrast text and an unnamed button (the check can fail)', async () => {
    await page.emulateMedia({ colorScheme: 'light' });
    await open('#/');
    await new PanelScreen(page).table().waitFor({ timeout: 30_000 });
    await page.evaluate(() => {
      const p = document.createElement('p');
      p.textContent = 'planted faint text';
      p.style.color = '#d8d8d8';
      p.style.background = '#ffffff';
      p.className = 'planted';
      const b = document.createElement('button');
      b.className = 'planted';
      document.querySelector('main')!.append(p, b);
    });
    const found = await seriousViolations(page);
    expect(found.some((v) => v.startsWith('color-contrast (serious)'))).toBe(true);
    expect(found.some((v) => v.startsWith('button-name (critical)') && v.includes('.planted'))).toBe(true);
    await page.evaluate(() => document.querySelectorAll('.planted').forEach((n) => n.remove()));
  });

  for (const scheme of SCHEMES) {
    it(`the panel (${scheme})`, async () => {
      await page.emulateMedia({ colorScheme: scheme });
      await open('#/');
      await new PanelScreen(page).table().waitFor({ timeout: 30_000 });
      await settle();
      expect(await seriousViolations(page)).toEqual([]);
    });

    it(`a diabetes patient twin (${scheme})`, async () => {
      await page.emulateMedia({ colorScheme: scheme });
      await open(`#/patient/${diabetes.id}`);
      await page.getByRole('heading', { level: 1 }).waitFor({ timeout: 30_000 });
      await settle();
      expect(await seriousViolations(page)).toEqual([]);
    });

    it(`a heart-failure patient twin (${scheme})`, async () => {
      await page.emulateMedia({ colorScheme: scheme });
      await open(`#/patient/${heartFailure.id}`);
      await page.getByRole('heading', { level: 1 }).waitFor({ timeout: 30_000 });
      await settle();
      expect(await seriousViolations(page)).toEqual([]);
    });

    it(`a diabetes report with its AGP (${scheme})`, async () => {
      await page.emulateMedia({ colorScheme: scheme });
      const report = new ReportPage(page);
      await report.open(host.url, diabetes.id);
      await report.waitForAgp();
      await settle();
      expect(await seriousViolations(page)).toEqual([]);
    });
  }

  it('the consent screen of a patient signed in with their account (light and dark)', async () => {
    const own = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    await own.goto(host.url);
    await new AccountSignIn(own).signIn(patientAccount, PATIENT_PASSCODE);
    const consent = new ConsentScreen(own);
    await consent.heading().waitFor({ timeout: 30_000 });
    await expect.poll(() => own.locator('.notice-loading').count(), { timeout: 30_000 }).toBe(0);
    for (const scheme of SCHEMES) {
      await own.emulateMedia({ colorScheme: scheme });
      expect(await seriousViolations(own), scheme).toEqual([]);
    }
  });
});
