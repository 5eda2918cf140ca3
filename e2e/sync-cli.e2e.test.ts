/**
 * `caretwin sync` as a person runs it: the built CLI in its own process against the real test EHR (medplum FHIR
 * router + oidc-provider) holding the six Synthea bundles, into a real encrypted store on disk.
 * --interactive: CARETWIN_BROWSER_COMMAND stands in for the system browser; it only records the sign-in address,
 * which Debian's Chromium then opens to sign in on the EHR's page, redirecting to the CLI's loopback listener.
 * --bulk: Bulk Data $export with SMART Backend Services credentials. Stored counts must equal the bundles'.
 */
import { spawn } from 'node:child_process';
import { exportJWK, generateKeyPair } from 'jose';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STREAM } from '../shared/domain/streams.js';
import { CareTwinStore } from '../main/core/store/store.js';
import { SYNTHEA_DIR, SYNTHEA_MRN_SYSTEM, syntheaCounts } from '../main/core/sync/sync-test-fixtures.js';
import { startTestEhr, TEST_CLINICIAN, type TestEhr } from '../scripts/test-ehr/index.js';
import { launchChromium } from './support/browser.js';
import { CLI } from './support/web-host.js';

const PASSCODE = 'cli sync e2e passcode';
const COUNTED = [STREAM.hba1c, STREAM.weight, STREAM.systolic, STREAM.diastolic, STREAM.ntProBnp];

interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

describe('caretwin sync --interactive and --bulk from the command line', () => {
  let ehr: TestEhr;
  let browser: Browser;
  let root: string;
  let keyFile: string;

  beforeAll(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'caretwin-sync-cli-e2e-'));
    const pair = await generateKeyPair('RS384', { extractable: true });
    keyFile = path.join(root, 'private.jwk.json');
    fs.writeFileSync(keyFile, JSON.stringify({ ...(await exportJWK(pair.privateKey)), kid: 'cli-bulk', alg: 'RS384' }), { mode: 0o600 });
    const jwks = { keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'cli-bulk', alg: 'RS384' }] };
    ehr = await startTestEhr({ bundles: SYNTHEA_DIR, exportPolls: 1, backendClients: [{ clientId: 'caretwin-cli-bulk', jwks }] });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await ehr?.close();
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  async function newStore(name: string): Promise<string> {
    const dataDir = path.join(root, name);
    (await CareTwinStore.create(dataDir, PASSCODE, { kdf: { memorySize: 1024, iterations: 1 } })).close();
    return dataDir;
  }

  function runCli(args: string[], env: Record<string, string> = {}): { done: Promise<CliRun> } {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, CARETWIN_PASSCODE: PASSCODE, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += String(d)));
    child.stderr.on('data', (d) => (stderr += String(d)));
    const done = new Promise<CliRun>((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr })));
    return { done };
  }

  /** A "browser" that only writes down the address it is asked to open. */
  function recordingBrowser(name: string): { command: string; urls: () => string[] } {
    const log = path.join(root, `${name}.urls`);
    const command = path.join(root, `${name}-open.sh`);
    fs.writeFileSync(command, `#!/bin/sh\nprintf '%s\\n' "$1" >> '${log}'\n`, { mode: 0o700 });
    return { command, urls: () => (fs.existsSync(log) ? fs.readFileSync(log, 'utf8').split('\n').filter(Boolean) : []) };
  }

  /** What a clinician does with the address: sign in on the EHR's page and allow access. */
  async function clinicianSignsIn(url: string): Promise<void> {
    const page = await browser.newPage();
    try {
      await page.goto(url);
      await page.getByLabel('User name').fill(TEST_CLINICIAN.username);
      await page.getByLabel('Password').fill(TEST_CLINICIAN.password);
      await page.getByRole('button', { name: 'Sign in and allow' }).click();
      await page.waitForURL(/127\.0\.0\.1:\d+\/callback/);
      expect(await page.locator('body').innerText()).toContain('Signed in to the EHR');
    } finally {
      await page.close();
    }
  }

  async function expectBundlesStored(dataDir: string): Promise<void> {
    const store = await CareTwinStore.unlock(dataDir, PASSCODE);
    try {
      expect(store.listPatients()).toHaveLength(syntheaCounts().length);
      for (const want of syntheaCounts()) {
        const id = store.findPatientByIdentifier(SYNTHEA_MRN_SYSTEM, want.mrn)!;
        expect(id).toBeDefined();
        expect(Object.fromEntries(COUNTED.map((s) => [s, store.readSeries(id, s).tMs.length]))).toEqual(want.streams);
        expect(store.getMedications(id)).toHaveLength(want.medications);
        expect(store.getConditions(id)).toHaveLength(want.conditions);
      }
    } finally {
      store.close();
    }
  }

  it('--interactive opens the sign-in address in the configured browser, waits for the clinician, then syncs every patient', async () => {
    const dataDir = await newStore('interactive');
    const opener = recordingBrowser('interactive');
    const run = runCli(['sync', '--data-dir', dataDir, '--fhir-base', ehr.fhirBaseUrl, '--interactive', '--json'], {
      CARETWIN_BROWSER_COMMAND: opener.command,
    });
    await expect.poll(() => opener.urls().length, { timeout: 30_000 }).toBe(1);
    const url = opener.urls()[0]!;
    // RFC 8252: a loopback listener on 127.0.0.1, never a public address.
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/launch$/);
    await clinicianSignsIn(url);
    const result = await run.done;
    expect(result.stderr).not.toMatch(/failed unexpectedly/);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('sign in to the EHR in your browser');
    const report = JSON.parse(result.stdout) as { patientsCreated: number; added: number; rejected: unknown[] };
    expect(report.patientsCreated).toBe(6);
    expect(report.rejected).toEqual([]);
    await expectBundlesStored(dataDir);

    // Again: a new sign-in, nothing new to store.
    const again = runCli(['sync', '--data-dir', dataDir, '--fhir-base', ehr.fhirBaseUrl, '--interactive', '--json'], { CARETWIN_BROWSER_COMMAND: opener.command });
    await expect.poll(() => opener.urls().length, { timeout: 30_000 }).toBe(2);
    await clinicianSignsIn(opener.urls()[1]!);
    const second = await again.done;
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({ added: 0, patientsCreated: 0 });
  });

  it('--interactive fails with a clear message, storing nothing, when the EHR does not grant access', async () => {
    const dataDir = await newStore('denied');
    const opener = recordingBrowser('denied');
    const run = runCli(['sync', '--data-dir', dataDir, '--fhir-base', ehr.fhirBaseUrl, '--interactive'], { CARETWIN_BROWSER_COMMAND: opener.command });
    await expect.poll(() => opener.urls().length, { timeout: 30_000 }).toBe(1);
    // The clinician's browser comes back with an error instead of a code (e.g. they pressed "deny").
    const callback = opener.urls()[0]!.replace(/\/launch$/, '/callback?error=access_denied');
    const page = await browser.newPage();
    await page.goto(callback);
    await page.close();
    const result = await run.done;
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/did not grant access \(access_denied\)/);
    const store = await CareTwinStore.unlock(dataDir, PASSCODE);
    expect(store.listPatients()).toHaveLength(0);
    store.close();
  });

  it('--bulk exports, stores every patient completely, and a second run adds nothing', async () => {
    const dataDir = await newStore('bulk');
    const args = ['sync', '--data-dir', dataDir, '--fhir-base', ehr.fhirBaseUrl, '--client-id', 'caretwin-cli-bulk', '--key', keyFile, '--bulk'];
    const first = await runCli([...args, '--json']).done;
    expect(first.stderr).not.toMatch(/failed unexpectedly/);
    expect(first.code).toBe(0);
    const report = JSON.parse(first.stdout) as { patientsCreated: number; files: number; rejected: unknown[] };
    expect(report.patientsCreated).toBe(6);
    expect(report.files).toBeGreaterThan(0);
    expect(report.rejected).toEqual([]);
    await expectBundlesStored(dataDir);

    const second = await runCli(args).done;
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/FHIR bulk export of .*: \d+ files, 0 samples added, \d+ already stored, .* 0 new patients, 0 rejected\./);
    await expectBundlesStored(dataDir);
  });

  it('--interactive --bulk signs the clinician in, then exports every patient', async () => {
    const dataDir = await newStore('interactive-bulk');
    const opener = recordingBrowser('interactive-bulk');
    const run = runCli(['sync', '--data-dir', dataDir, '--fhir-base', ehr.fhirBaseUrl, '--interactive', '--bulk', '--json'], {
      CARETWIN_BROWSER_COMMAND: opener.command,
    });
    await expect.poll(() => opener.urls().length, { timeout: 30_000 }).toBe(1);
    await clinicianSignsIn(opener.urls()[0]!);
    const result = await run.done;
    expect(result.stderr).not.toMatch(/failed unexpectedly/);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ patientsCreated: 6, rejected: [] });
    await expectBundlesStored(dataDir);
  });
});
