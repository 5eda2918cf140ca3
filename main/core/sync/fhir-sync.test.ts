import { exportJWK, generateKeyPair } from 'jose';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEhr, type TestEhr } from '../../../scripts/test-ehr/index.js';
import { STREAM } from '../../../shared/domain/streams.js';
import { CareTwinStore } from '../store/store.js';
import { BackendServicesTokens, loadSigningKey, type BackendServicesKey } from './backend-services.js';
import { FhirHttpClient, FhirRequestError } from './fhir-http.js';
import { syncFhir } from './fhir-sync.js';
import { SYNTHEA_DIR, SYNTHEA_MRN_SYSTEM, syntheaCounts } from './sync-test-fixtures.js';

const CHEAP_KDF = { memorySize: 1024, iterations: 1 };
const CLIENT_ID = 'caretwin-panel-sync';
const expected = syntheaCounts();
const COUNTED = [STREAM.hba1c, STREAM.weight, STREAM.systolic, STREAM.diastolic, STREAM.ntProBnp];

let key: BackendServicesKey;
let publicJwk: Awaited<ReturnType<typeof exportJWK>>;
const dirs: string[] = [];

beforeAll(async () => {
  const pair = await generateKeyPair('ES384', { extractable: true });
  const privateJwk = { ...(await exportJWK(pair.privateKey)), kid: 'panel-sync-1', alg: 'ES384' };
  publicJwk = { ...(await exportJWK(pair.publicKey)), kid: 'panel-sync-1', alg: 'ES384', use: 'sig' };
  // Through the same loader as `caretwin sync --key FILE`.
  key = await loadSigningKey(JSON.stringify(privateJwk));
});

afterAll(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

async function freshStore(): Promise<CareTwinStore> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'caretwin-sync-test-'));
  dirs.push(dir);
  return CareTwinStore.create(dir, 'correct horse battery', { kdf: CHEAP_KDF });
}

function client(ehr: TestEhr, retry = { maxAttempts: 6, baseDelayMs: 20, maxDelayMs: 5_000 }): FhirHttpClient {
  const tokens = new BackendServicesTokens({ fhirBaseUrl: ehr.fhirBaseUrl, clientId: CLIENT_ID, signingKey: key });
  return new FhirHttpClient(ehr.fhirBaseUrl, tokens, { retry });
}

/** Stored counts per Synthea patient, found by MRN. */
function storedCounts(store: CareTwinStore) {
  return expected.map((want) => {
    const id = store.findPatientByIdentifier(SYNTHEA_MRN_SYSTEM, want.mrn);
    if (id === undefined) return undefined;
    return {
      streams: Object.fromEntries(COUNTED.map((s) => [s, store.readSeries(id, s).tMs.length])),
      medications: store.getMedications(id).length,
      conditions: store.getConditions(id).length,
    };
  });
}

function expectComplete(store: CareTwinStore): void {
  expect(store.listPatients()).toHaveLength(expected.length);
  expect(expected.map((e) => [...store.getPatient(store.findPatientByIdentifier(SYNTHEA_MRN_SYSTEM, e.mrn)!)!.profile.conditions].sort())).toEqual(
    expected.map((e) => e.monitored),
  );
  expect(storedCounts(store)).toEqual(expected.map((e) => ({ streams: e.streams, medications: e.medications, conditions: e.conditions })));
}

describe('FHIR sync with SMART Backend Services against the test EHR', () => {
  it('syncs the six Synthea patients completely, keeps names out of the database files, and a second sync adds nothing', async () => {
    const ehr = await startTestEhr({ bundles: SYNTHEA_DIR, backendClients: [{ clientId: CLIENT_ID, jwks: { keys: [publicJwk] } }] });
    const store = await freshStore();
    try {
      const report = await syncFhir({ store, client: client(ehr), pageSize: 100 });
      expect(report.patientsCreated).toBe(6);
      expect(report.rejected).toEqual([]);
      expect(report.pages).toBeGreaterThan(20);
      expectComplete(store);

      const again = await syncFhir({ store, client: client(ehr), pageSize: 100 });
      expect(again.added).toBe(0);
      expect(again.patientsCreated).toBe(0);
      expectComplete(store);

      const dbBytes = Buffer.concat(
        ['caretwin.db', 'caretwin.db-wal'].map((f) => path.join(store.dataDir, f)).filter((f) => fs.existsSync(f)).map((f) => fs.readFileSync(f)),
      );
      for (const { name } of expected) {
        for (const part of [...name.given, name.family]) {
          expect(dbBytes.includes(Buffer.from(part, 'utf8')), `"${part}" in the database files`).toBe(false);
        }
      }
    } finally {
      store.close();
      await ehr.close();
    }
  });

  it('rides out 429s, 500s, expired tokens and dropped connections and ends with the same counts', async () => {
    const ehr = await startTestEhr({ bundles: SYNTHEA_DIR, failEvery: 3, backendClients: [{ clientId: CLIENT_ID, jwks: { keys: [publicJwk] } }] });
    const store = await freshStore();
    const notices: string[] = [];
    try {
      const tokens = new BackendServicesTokens({ fhirBaseUrl: ehr.fhirBaseUrl, clientId: CLIENT_ID, signingKey: key });
      const http = new FhirHttpClient(ehr.fhirBaseUrl, tokens, { retry: { maxAttempts: 6, baseDelayMs: 20, maxDelayMs: 5_000 }, onRetry: (n) => notices.push(n) });
      await syncFhir({ store, client: http, pageSize: 200 });
      const faults = ehr.stats().faults;
      expect(faults.throttle).toBeGreaterThan(0);
      expect(faults['server-error']).toBeGreaterThan(0);
      expect(faults['expired-token']).toBeGreaterThan(0);
      expect(faults['drop-connection']).toBeGreaterThan(0);
      expect(notices.some((n) => /access token expired/.test(n))).toBe(true);
      expectComplete(store);
    } finally {
      store.close();
      await ehr.close();
    }
  });

  it('a sync interrupted by faults and resumed later ends with the same counts, no duplicates, nothing lost', async () => {
    const ehr = await startTestEhr({
      bundles: SYNTHEA_DIR,
      // Each run first re-polls the types it already finished (one request each), so runs need a few good requests.
      failEvery: 7,
      faultKinds: ['drop-connection', 'server-error'],
      backendClients: [{ clientId: CLIENT_ID, jwks: { keys: [publicJwk] } }],
    });
    const store = await freshStore();
    try {
      // No retries: every injected fault stops the sync, as a lost network or a closed laptop would.
      let runs = 0;
      let interruptions = 0;
      for (;;) {
        runs++;
        try {
          await syncFhir({ store, client: client(ehr, { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 }), pageSize: 150 });
          break;
        } catch (err) {
          expect(err).toBeInstanceOf(FhirRequestError);
          expect((err as Error).message).toMatch(/resumes where it stopped/);
          interruptions++;
        }
        expect(runs).toBeLessThan(100);
      }
      expect(interruptions).toBeGreaterThan(3);
      expectComplete(store);
      const again = await syncFhir({ store, client: client(ehr), pageSize: 150 });
      expect(again.added).toBe(0);
    } finally {
      store.close();
      await ehr.close();
    }
  });

  it('says clearly when the server does not know the client key, without writing anything', async () => {
    const ehr = await startTestEhr({ bundles: [path.join(SYNTHEA_DIR, fs.readdirSync(SYNTHEA_DIR)[0]!)], backendClients: [] });
    const store = await freshStore();
    try {
      await expect(syncFhir({ store, client: client(ehr) })).rejects.toThrow(/refused the client credentials .*JWKS/);
      expect(store.listPatients()).toEqual([]);
    } finally {
      store.close();
      await ehr.close();
    }
  });
});
