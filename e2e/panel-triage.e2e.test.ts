/**
 * The triage panel end to end (issue 7 part 1): the built CLI's web host with the 120-patient demo panel, Debian's
 * Chromium. Filter and sort; find a flagged patient (an open alert, once the twins computed in the background have
 * raised them) and acknowledge it from the keyboard; tag a patient and filter by the tag; open a patient with Enter.
 * Screenshots are kept in test-results/.
 */
import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from './support/browser.js';
import { CLI, removeDataDir, startServe, type RunningHost } from './support/web-host.js';
import { PatientScreen, SetupScreen } from './pages/screens.js';
import { TriagePanel } from './pages/panel-page.js';

const run = promisify(execFile);
const PASSCODE = 'triage panel e2e passcode';

async function cli(args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, [CLI, ...args], { env: { ...process.env, CARETWIN_PASSCODE: PASSCODE } });
  return stdout;
}

describe('triage panel', () => {
  let host: RunningHost;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    mkdirSync('test-results', { recursive: true });
    host = await startServe(['--demo']);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    page.on('pageerror', (e) => pageErrors.push(e.message));
  });

  afterAll(async () => {
    await browser?.close();
    await host?.stop();
    if (host) removeDataDir(host.dataDir);
  });

  it('shows the demo panel with its units, period and time zone', async () => {
    await page.goto(host.url);
    await new SetupScreen(page).createStore(PASSCODE);
    const panel = new TriagePanel(page);
    await expect.poll(() => panel.rows().count(), { timeout: 90_000 }).toBe(120);
    expect(await panel.table().getAttribute('aria-rowcount')).toBe('121');
    const caption = await panel.table().locator('caption').innerText();
    expect(caption).toMatch(/last 14 days/);
    expect(caption).toMatch(/mg\/dL/);
    expect(caption).toMatch(/times in /);
    expect(await panel.columnHeader(/Time in range/).innerText()).toMatch(/70–180 mg\/dL/);
    expect(await panel.columnHeader(/Weight, 7 days/).innerText()).toMatch(/kg/);
    expect(await panel.columnHeader(/^Name/).getAttribute('aria-sort')).toBe('ascending');
  });

  it('filters by condition and sorts by a column, with aria-sort following', async () => {
    const panel = new TriagePanel(page);
    await panel.filter('Condition', 'Heart failure');
    const hfCount = await panel.rows().count();
    expect(hfCount).toBeGreaterThan(0);
    expect(hfCount).toBeLessThan(120);
    for (const text of await panel.rows().locator('th').allInnerTexts()) expect(text).toMatch(/Heart failure/);
    await expect.poll(() => panel.count().innerText()).toBe(`Showing ${hfCount} of 120 patients`);
    await panel.sortBy(/Weight, 7 days/);
    expect(await panel.columnHeader(/Weight, 7 days/).getAttribute('aria-sort')).toBe('descending');
    expect(await panel.columnHeader(/^Name/).getAttribute('aria-sort')).toBe('none');
    const changes = (await panel.rows().locator('td.col-weight > span:first-child').allInnerTexts()).map((t) => Number(t.replace('−', '-').replace(',', '.')));
    const known = changes.filter((c) => Number.isFinite(c));
    expect(known.length).toBeGreaterThan(0);
    for (let i = 1; i < known.length; i++) expect(known[i]!).toBeLessThanOrEqual(known[i - 1]!);
    await panel.filter('Condition', 'Any');
    await expect.poll(() => panel.rows().count()).toBe(120);
  });

  it('finds a flagged patient and acknowledges its alert from the keyboard', async () => {
    const panel = new TriagePanel(page);
    await panel.sortBy('Open alerts');
    expect(await panel.columnHeader('Open alerts').getAttribute('aria-sort')).toBe('descending');
    // Model alerts come with the twins, computed in the background after the demo was generated; the panel refetches.
    await expect.poll(() => panel.openAlerts(panel.rowAt(0)), { timeout: 240_000, interval: 2000 }).toBeGreaterThan(0);
    await page.screenshot({ path: 'test-results/panel-triage.png' });
    const row = panel.rowAt(0);
    const name = await panel.nameOf(row);
    const patientId = (await row.getAttribute('data-patient-id'))!;
    const before = await panel.openAlerts(row);
    // Keyboard only: into the table's one tab stop, down and back up, Tab to the row's first action.
    await row.focus();
    await page.keyboard.press('ArrowDown');
    expect(await panel.focused()).toBe(await panel.rowAt(1).getAttribute('data-patient-id'));
    await page.keyboard.press('ArrowUp');
    expect(await panel.focused()).toBe(patientId);
    await page.keyboard.press('Tab');
    const ack = await page.evaluate(() => document.activeElement?.getAttribute('aria-label') ?? '');
    expect(ack).toMatch(new RegExp(`^Acknowledge alert for ${name}`));
    await page.keyboard.press('Enter');
    await expect.poll(() => panel.status().innerText()).toBe(`Acknowledged the alert for ${name}.`);
    await expect.poll(() => panel.openAlerts(panel.row(name))).toBe(before - 1);
    const acknowledged = JSON.parse(await cli(['alerts', '--json', '--patient', patientId, '--state', 'acknowledged', '--data-dir', host.dataDir])) as unknown[];
    expect(acknowledged).toHaveLength(1);
    await expect.poll(() => panel.row(name).locator('td.col-contact').innerText()).toMatch(/alert acknowledged/);
  });

  it('tags a patient and filters by the tag', async () => {
    const panel = new TriagePanel(page);
    await panel.sortBy(/^Name/);
    const row = panel.rowAt(3);
    const name = await panel.nameOf(row);
    await row.getByRole('button', { name: `Assign ${name}` }).click();
    const dialog = panel.assignDialog();
    await dialog.getByLabel('Tags').fill('call back, post discharge');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => panel.status().innerText()).toBe(`Saved ${name}: unassigned.`);
    await expect.poll(() => panel.row(name).locator('th').innerText()).toMatch(/call back/);
    await panel.filter('Tag', 'post discharge');
    await expect.poll(() => panel.rows().count()).toBe(1);
    expect(await panel.nameOf(panel.rowAt(0))).toBe(name);
    await panel.filter('Tag', 'Any');
    await expect.poll(() => panel.rows().count()).toBe(120);
  });

  it('opens the focused patient with Enter', async () => {
    const panel = new TriagePanel(page);
    const row = panel.rowAt(5);
    const name = await panel.nameOf(row);
    await row.focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => page.url()).toMatch(/#\/patient\/[0-9a-f]{32}$/);
    // The patient page loads its twin and charts; a machine busy with the background refit can take a while.
    await expect.poll(() => new PatientScreen(page).heading().innerText(), { timeout: 90_000 }).toContain(name);
    expect(pageErrors).toEqual([]);
  });
});
