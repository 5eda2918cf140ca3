/** `caretwin sync` in-process against the real test EHR and the Nightscout test site, on a real store on disk. */
import { exportJWK, generateKeyPair } from 'jose';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNightscoutServer, type NightscoutServer } from '../../../scripts/test-ehr/nightscout-server.js';
import { startTestEhr, type TestEhr } from '../../../scripts/test-ehr/index.js';
import { STREAM } from '../../../shared/domain/streams.js';
import { CareTwinStore } from '../../core/store/store.js';
import { SYNTHEA_DIR } from '../../core/sync/sync-test-fixtures.js';
import { runCli } from '../run.js';
import { browserCommand } from './sync.js';

const PASSCODE = 'cli sync passcode';
const NS_SECRET = 'cli-nightscout-secret';

describe('caretwin sync', () => {
  let root: string;
  let ehr: TestEhr;
  let nightscout: NightscoutServer;
  let keyFile: string;

  beforeAll(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'caretwin-cli-sync-'));
    const pair = await generateKeyPair('RS384', { extractable: true });
    keyFile = path.join(root, 'private.jwk.json');
    fs.writeFileSync(keyFile, JSON.stringify({ ...(await exportJWK(pair.privateKey)), kid: 'cli', alg: 'RS384' }), { mode: 0o600 });
    const jwks = { keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'cli', alg: 'RS384' }] };
    const oneBundle = path.join(SYNTHEA_DIR, fs.readdirSync(SYNTHEA_DIR).sort()[0]!);
    ehr = await startTestEhr({ bundles: [oneBundle], backendClients: [{ clientId: 'caretwin-cli', jwks }] });
    nightscout = await startNightscoutServer({
      entries: Array.from({ length: 30 }, (_, i) => ({ date: Date.UTC(2025, 5, 1) + i * 300_000, sgv: 120 + i, type: 'sgv' })),
      apiSecret: NS_SECRET,
      token: 'unused-token',
    });
  });

  afterAll(async () => {
    await ehr?.close();
    await nightscout?.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  async function cli(args: string[], env: Record<string, string> = {}) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(args, { env: { CARETWIN_PASSCODE: PASSCODE, ...env }, stdout: (l) => out.push(l), stderr: (l) => err.push(l) });
    return { code, out: out.join('\n'), err: err.join('\n') };
  }

  it('syncs a FHIR server with Backend Services, then a Nightscout site into one of its patients', async () => {
    const dataDir = path.join(root, 'store');
    (await CareTwinStore.create(dataDir, PASSCODE, { kdf: { memorySize: 1024, iterations: 1 } })).close();
    const fhir = await cli(['sync', '--data-dir', dataDir, '--fhir-base', ehr.fhirBaseUrl, '--client-id', 'caretwin-cli', '--key', keyFile, '--json']);
    expect(fhir.err).not.toMatch(/failed unexpectedly/);
    expect(fhir.code).toBe(0);
    const report = JSON.parse(fhir.out) as { patientsCreated: number; added: number };
    expect(report.patientsCreated).toBe(1);
    expect(report.added).toBeGreaterThan(0);

    const store = await CareTwinStore.unlock(dataDir, PASSCODE);
    const patientId = store.listPatients()[0]!.id;
    store.close();
    const ns = await cli(['sync', '--data-dir', dataDir, '--nightscout', nightscout.url, '--patient', patientId], { NIGHTSCOUT_API_SECRET: NS_SECRET });
    expect(ns.code).toBe(0);
    expect(ns.out).toContain('30 readings added');
    const after = await CareTwinStore.unlock(dataDir, PASSCODE);
    expect(after.readSeries(patientId, STREAM.cgm).tMs.length).toBe(30);
    after.close();
  });

  it('refuses plain http to another machine, missing credentials and a missing secret, before asking for the passcode', async () => {
    const dataDir = path.join(root, 'absent');
    const http = await cli(['sync', '--data-dir', dataDir, '--fhir-base', 'http://ehr.example.org/fhir', '--client-id', 'x', '--key', keyFile]);
    expect(http.code).toBe(1);
    expect(http.err).toMatch(/must use https/);
    const noKey = await cli(['sync', '--data-dir', dataDir, '--fhir-base', ehr.fhirBaseUrl]);
    expect(noKey.err).toMatch(/needs --client-id ID and --key FILE; or sign in with --interactive/);
    const narrowBulk = await cli(['sync', '--data-dir', dataDir, '--fhir-base', ehr.fhirBaseUrl, '--interactive', '--patient-launch', '--bulk']);
    expect(narrowBulk.code).toBe(1);
    expect(narrowBulk.err).toMatch(/--bulk exports every patient .* --patient-launch/);
    const launchAlone = await cli(['sync', '--data-dir', dataDir, '--fhir-base', ehr.fhirBaseUrl, '--patient-launch', '--client-id', 'x', '--key', keyFile]);
    expect(launchAlone.err).toMatch(/use it with --interactive/);
    const noSecret = await cli(['sync', '--data-dir', dataDir, '--nightscout', nightscout.url, '--patient', 'p']);
    expect(noSecret.err).toMatch(/NIGHTSCOUT_API_SECRET/);
    expect(fs.existsSync(dataDir)).toBe(false);
  });

  it('opens the sign-in page with the platform opener, or the program CARETWIN_BROWSER_COMMAND names (no shell)', () => {
    const url = 'http://127.0.0.1:5000/launch';
    expect(browserCommand(url, {}, 'linux')).toEqual(['xdg-open', [url]]);
    expect(browserCommand(url, {}, 'darwin')).toEqual(['open', [url]]);
    expect(browserCommand(url, { CARETWIN_BROWSER_COMMAND: ' ' }, 'linux')).toEqual(['xdg-open', [url]]);
    expect(browserCommand(url, { CARETWIN_BROWSER_COMMAND: '/opt/firefox/firefox' }, 'linux')).toEqual(['/opt/firefox/firefox', [url]]);
  });
});
