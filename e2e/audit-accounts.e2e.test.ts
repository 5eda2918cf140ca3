/**
 * Issue 6 screens end to end on the web host: an admin adds a nurse and a patient account from the Accounts screen
 * and disables the patient's (it can no longer sign in); the nurse signs in in another browser, reads a patient,
 * opens the audit log and finds their own reads, named by the patient's label; the chain check says intact. The
 * admin's auto-lock change is applied and audited.
 */
import { AxeBuilder } from '@axe-core/playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from './support/browser.js';
import { removeDataDir, startServe, type RunningHost } from './support/web-host.js';
import { PanelScreen, PatientScreen, SetupScreen } from './pages/screens.js';
import { AccountSignIn } from './pages/consent.js';
import { AccountsScreen, AuditScreen, HeaderNav, SettingsScreen } from './pages/admin.js';

const PASSCODE = 'admin store passcode';
const NURSE_PASSCODE = 'nurse own passcode';
const PATIENT_PASSCODE = 'patient own passcode';

/** Serious and critical axe violations (WCAG 2.1 A/AA), one line per rule with up to five targets. */
async function seriousViolations(page: Page): Promise<string[]> {
  const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  const checked = new Set([...result.passes, ...result.violations, ...result.incomplete].map((r) => r.id));
  expect(checked.has('color-contrast')).toBe(true);
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 5).map((n) => n.target.join(' ')).join(' | ')}`);
}

describe('audit log and accounts end to end', () => {
  let host: RunningHost;
  let browser: Browser;
  let admin: Page;
  let nurse: Page;
  let nurseId = '';
  let patientAccountId = '';
  let patientName = '';

  beforeAll(async () => {
    host = await startServe(['--demo']);
    browser = await launchChromium();
    admin = await (await browser.newContext()).newPage();
    nurse = await (await browser.newContext()).newPage();
  });

  afterAll(async () => {
    await browser?.close();
    await host?.stop();
    if (host) removeDataDir(host.dataDir);
  });

  it('an admin adds a nurse and a patient account, then disables the patient account', async () => {
    await admin.goto(host.url);
    await new SetupScreen(admin).createStore(PASSCODE);
    const panel = new PanelScreen(admin);
    await expect.poll(() => panel.rows().count(), { timeout: 60_000 }).toBe(120);
    patientName = (await panel.table().locator('tbody tr').first().getByRole('link').innerText()).trim();

    const nav = new HeaderNav(admin);
    await nav.open('Accounts');
    const accounts = new AccountsScreen(admin);
    await accounts.heading().waitFor();
    await expect.poll(() => accounts.row('owner').count()).toBe(1);

    // Passcodes that differ are refused before anything is sent.
    await accounts.addForm().getByLabel('New account passcode', { exact: true }).fill(NURSE_PASSCODE);
    await accounts.addForm().getByLabel('Confirm new account passcode').fill('something else');
    await accounts.addForm().getByRole('button', { name: 'Add account' }).click();
    await expect.poll(() => accounts.addForm().getByRole('alert').innerText()).toMatch(/differ/);

    nurseId = await accounts.add('Nurse', NURSE_PASSCODE);
    expect(nurseId).toMatch(/^nurse-[0-9a-f]{8}$/);
    patientAccountId = await accounts.add('Patient', PATIENT_PASSCODE, PATIENT_PASSCODE, patientName);
    expect(patientAccountId).toMatch(/^patient-[0-9a-f]{8}$/);
    await expect.poll(() => accounts.row(patientAccountId).innerText()).toContain(patientName);
    await expect.poll(() => accounts.row(nurseId).innerText()).toMatch(/Nurse\s+Active/);
    await expect.poll(() => accounts.row(nurseId).innerText()).toContain('Never');

    await accounts.disable(patientAccountId);
    await expect.poll(() => accounts.row(patientAccountId).getAttribute('data-status')).toBe('disabled');
  });

  it('the disabled patient account cannot sign in', async () => {
    const page = await (await browser.newContext()).newPage();
    await page.goto(host.url);
    await new AccountSignIn(page).signIn(patientAccountId, PATIENT_PASSCODE);
    await expect.poll(() => page.getByRole('alert').innerText(), { timeout: 30_000 }).toMatch(/disabled/i);
    expect(await page.getByRole('heading', { level: 1, name: 'Your data and who sees it' }).count()).toBe(0);
    await page.context().close();
  });

  it('the nurse reads a patient, then finds their own reads in the audit log; the chain is intact', async () => {
    await nurse.goto(host.url);
    await new AccountSignIn(nurse).signIn(nurseId, NURSE_PASSCODE);
    const panel = new PanelScreen(nurse);
    await expect.poll(() => panel.rows().count(), { timeout: 60_000 }).toBe(120);
    const nav = new HeaderNav(nurse);
    // A nurse has no Accounts link.
    expect(await nav.link('Audit log').count()).toBe(1);
    expect(await nav.link('Accounts').count()).toBe(0);

    await panel.openPatient(patientName);
    await expect.poll(() => new PatientScreen(nurse).heading().innerText(), { timeout: 15_000 }).toContain(patientName);

    await nav.open('Audit log');
    const audit = new AuditScreen(nurse);
    await audit.heading().waitFor();
    await expect.poll(() => audit.chainResult().getAttribute('data-result'), { timeout: 30_000 }).toBe('intact');
    await expect.poll(() => audit.chainResult().innerText()).toMatch(/^Intact: all [\d,]+ entries/);

    await audit.mine();
    await expect.poll(() => audit.rows().count(), { timeout: 15_000 }).toBeGreaterThan(1);
    const texts = await audit.rows().allInnerTexts();
    expect(texts.every((t) => t.includes(nurseId))).toBe(true);
    expect(texts.some((t) => t.includes('Read patient data') && t.includes(patientName) && t.includes('patient.get'))).toBe(true);
    expect(texts.some((t) => t.includes('Signed in'))).toBe(true);
    // The time column names the viewer's zone.
    const zone = await nurse.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone);
    expect(await audit.table().locator('thead').innerText()).toContain(`When (${zone})`);

    // Filters: the patient and an action; the account stays.
    await audit.filter({ patient: patientName, action: 'Read patient data' });
    await expect.poll(async () => (await audit.rows().allInnerTexts()).every((t) => t.includes(patientName) && t.includes('Read patient data'))).toBe(true);
    await audit.filter({ action: 'Removed an account' });
    await expect.poll(() => nurse.getByText('No entries match these filters.').count()).toBe(1);
  });

  it("the admin sees the nurse's sign-in and the pages of the whole log; the auto-lock change is applied and audited", async () => {
    const nav = new HeaderNav(admin);
    await nav.open('Settings');
    const settings = new SettingsScreen(admin);
    await settings.setAutoLock(30);
    await expect.poll(() => settings.current().innerText()).toBe('CareTwin locks after 30 minutes without activity.');

    await nav.open('Accounts');
    const accounts = new AccountsScreen(admin);
    await expect.poll(() => accounts.row(nurseId).innerText()).not.toContain('Never');

    // Reading a few patients makes the log longer than one page of 50 (each patient page is several audited reads).
    await nav.open('Patients');
    const panel = new PanelScreen(admin);
    await expect.poll(() => panel.rows().count(), { timeout: 30_000 }).toBe(120);
    const hrefs = await panel.table().locator('tbody tr a').evaluateAll((links) => links.slice(0, 6).map((a) => a.getAttribute('href')));
    for (const href of hrefs) {
      // A hash change in the page (not a new load: the web host's token is used once per page).
      await admin.evaluate((h) => {
        window.location.hash = h ?? '#/';
      }, href);
      await new PatientScreen(admin).heading().waitFor({ timeout: 15_000 });
    }
    await nav.open('Audit log');
    const audit = new AuditScreen(admin);
    await audit.heading().waitFor();
    await expect.poll(() => audit.range().innerText(), { timeout: 15_000 }).toMatch(/^Entries 1–50 of [\d,]+, newest first$/);
    await audit.older();
    await expect.poll(() => audit.range().innerText()).toMatch(/^Entries 51–/);
    await audit.filter({ action: 'Changed a setting' });
    await expect.poll(() => audit.rows().first().innerText()).toMatch(/autoLockMinutes.*30/);
    await expect.poll(() => audit.chainResult().getAttribute('data-result')).toBe('intact');
  });

  it('the audit log, accounts and settings screens have no serious or critical axe violations, light and dark', async () => {
    const nav = new HeaderNav(admin);
    const found: string[] = [];
    for (const scheme of ['light', 'dark'] as const) {
      await admin.emulateMedia({ colorScheme: scheme });
      await nav.open('Audit log');
      const audit = new AuditScreen(admin);
      await audit.filter({ action: 'Signed in' });
      await expect.poll(() => audit.chainResult().getAttribute('data-result'), { timeout: 30_000 }).toBe('intact');
      await expect.poll(() => audit.rows().count()).toBeGreaterThan(0);
      found.push(...(await seriousViolations(admin)).map((v) => `${scheme} audit: ${v}`));
      await nav.open('Accounts');
      const accounts = new AccountsScreen(admin);
      await expect.poll(() => accounts.row(nurseId).count()).toBe(1);
      await admin.getByRole('button', { name: `Remove ${nurseId}` }).click();
      found.push(...(await seriousViolations(admin)).map((v) => `${scheme} accounts: ${v}`));
      await admin.getByRole('button', { name: 'Keep account' }).click();
      await nav.open('Settings');
      await new SettingsScreen(admin).current().waitFor();
      found.push(...(await seriousViolations(admin)).map((v) => `${scheme} settings: ${v}`));
    }
    expect(found).toEqual([]);
  });
});
