/**
 * Issue 6 end to end: a patient signs in with their own account, sees their consent screen and revokes `activity`;
 * the care team's view of that patient, open in another browser, no longer shows steps.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from './support/browser.js';
import { CLI, removeDataDir, startServe, type RunningHost } from './support/web-host.js';
import { PanelScreen, PatientScreen, SetupScreen, UnlockScreen } from './pages/screens.js';
import { AccountSignIn, ConsentScreen } from './pages/consent.js';

const run = promisify(execFile);
const PASSCODE = 'care team store passcode';
const PATIENT_PASSCODE = 'my own patient passcode';
const STEPS = '41950-7';

async function cli(args: string[], env: Record<string, string> = {}): Promise<string> {
  const { stdout } = await run(process.execPath, [CLI, ...args], { env: { ...process.env, CARETWIN_PASSCODE: PASSCODE, ...env } });
  return stdout;
}

describe('consent end to end', () => {
  let host: RunningHost;
  let browser: Browser;
  let team: Page;
  let patientPage: Page;
  let patientName = '';
  let accountId = '';

  beforeAll(async () => {
    host = await startServe(['--demo']);
    browser = await launchChromium();
    team = await (await browser.newContext()).newPage();
    patientPage = await (await browser.newContext()).newPage();
  });

  afterAll(async () => {
    await browser?.close();
    await host?.stop();
    if (host) removeDataDir(host.dataDir);
  });

  it('the care team sees a patient with steps; an admin gives that patient an account', async () => {
    await team.goto(host.url);
    await new SetupScreen(team).createStore(PASSCODE);
    const panel = new PanelScreen(team);
    await expect.poll(() => panel.rows().count(), { timeout: 60_000 }).toBe(120);

    const patients = JSON.parse(await cli(['patients', '--json', '--data-dir', host.dataDir])) as { id: string; name: string }[];
    let chosen: { id: string; name: string } | undefined;
    for (const p of patients) {
      const summary = JSON.parse(await cli(['summary', '--patient', p.id, '--json', '--data-dir', host.dataDir])) as { streams: { code: string }[] };
      if (summary.streams.some((s) => s.code === STEPS)) {
        chosen = p;
        break;
      }
    }
    expect(chosen).toBeDefined();
    patientName = chosen!.name;
    const added = await cli(['users', 'add', '--role', 'patient', '--patient', chosen!.id, '--data-dir', host.dataDir], {
      CARETWIN_NEW_PASSCODE: PATIENT_PASSCODE,
    });
    accountId = /Added (patient-[0-9a-f]{8})/.exec(added)![1]!;

    await panel.openPatient(patientName);
    const patient = new PatientScreen(team);
    await expect.poll(() => patient.heading().innerText()).toContain(patientName);
    await expect.poll(() => patient.chartSection(STEPS).count(), { timeout: 15_000 }).toBe(1);
  });

  it('the patient signs in, sees their consent screen and revokes activity', async () => {
    await patientPage.goto(host.url);
    await new AccountSignIn(patientPage).signIn(accountId, PATIENT_PASSCODE);
    const consent = new ConsentScreen(patientPage);
    await consent.heading().waitFor({ timeout: 30_000 });
    // Their own record only: no panel, and the activity section says what is held.
    expect(await patientPage.getByRole('table', { name: /Patient panel/ }).count()).toBe(0);
    await expect.poll(() => consent.section(/^Activity/).innerText()).toMatch(/Steps per day: [\d,]+ readings/);
    await expect.poll(() => consent.lookedAt().innerText()).toMatch(/looked at your record/);

    await consent.stopSharing(/^Activity/);
    await expect.poll(() => consent.section(/^Activity/).innerText()).toMatch(/No one: you stopped sharing this/);
    await expect.poll(() => consent.section(/^Activity/).innerText()).toMatch(/Nothing stored/);
  });

  it("the care team's view of that patient no longer shows steps, and the audit log holds the revocation", async () => {
    const patient = new PatientScreen(team);
    await expect.poll(() => patient.chartSection(STEPS).count(), { timeout: 15_000 }).toBe(0);
    // A reload is a new connection: with accounts in the store, it signs in again (the store passcode, no account).
    await team.reload();
    await new UnlockScreen(team).unlock(PASSCODE);
    await expect.poll(() => patient.heading().innerText(), { timeout: 15_000 }).toContain(patientName);
    expect(await patient.chartSection(STEPS).count()).toBe(0);

    const audit = JSON.parse(await cli(['audit', 'list', '--json', '--data-dir', host.dataDir])) as { action: string; actor: string; details: { dataClass?: string } }[];
    expect(audit.filter((e) => e.actor === accountId).map((e) => `${e.action}:${e.details.dataClass ?? ''}`)).toEqual(
      expect.arrayContaining(['account.unlock:', 'consent.revoke:activity', 'retention.shred:activity']),
    );
    expect(await cli(['audit', 'verify', '--data-dir', host.dataDir])).toMatch(/intact/);
  });
});
