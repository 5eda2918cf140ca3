import { exportJWK, generateKeyPair } from 'jose';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startTestEhr } from '../../../scripts/test-ehr/index.js';
import { STREAM } from '../../../shared/domain/streams.js';
import { CareTwinStore } from '../store/store.js';
import { BackendServicesTokens } from './backend-services.js';
import { bulkExportSync } from './bulk-export.js';
import { FhirHttpClient } from './fhir-http.js';
import { syncFhir } from './fhir-sync.js';
import { SYNTHEA_DIR, SYNTHEA_MRN_SYSTEM, syntheaCounts } from './sync-test-fixtures.js';

const COUNTED = [STREAM.hba1c, STREAM.weight, STREAM.systolic, STREAM.diastolic, STREAM.ntProBnp];
const dirs: string[] = [];

afterAll(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

describe('Bulk Data $export against the test EHR', () => {
  it('kicks off, polls past 202s and throttling, downloads NDJSON and stores every patient completely', async () => {
    const pair = await generateKeyPair('RS384', { extractable: true });
    const publicJwk = { ...(await exportJWK(pair.publicKey)), kid: 'bulk-1', alg: 'RS384' };
    const ehr = await startTestEhr({
      bundles: SYNTHEA_DIR,
      exportPolls: 2,
      failEvery: 5,
      faultKinds: ['throttle', 'drop-connection'],
      backendClients: [{ clientId: 'caretwin-bulk', jwks: { keys: [publicJwk] } }],
    });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'caretwin-bulk-test-'));
    dirs.push(dir);
    const store = await CareTwinStore.create(dir, 'correct horse battery', { kdf: { memorySize: 1024, iterations: 1 } });
    const progress: string[] = [];
    try {
      const tokens = new BackendServicesTokens({ fhirBaseUrl: ehr.fhirBaseUrl, clientId: 'caretwin-bulk', signingKey: { key: pair.privateKey, alg: 'RS384', kid: 'bulk-1' } });
      const client = new FhirHttpClient(ehr.fhirBaseUrl, tokens, { retry: { maxAttempts: 5, baseDelayMs: 20, maxDelayMs: 5_000 } });
      const report = await bulkExportSync({ store, client, onProgress: (m) => progress.push(m) });
      expect(progress.filter((m) => /^Export in progress \(exporting/.test(m))).toHaveLength(2);
      expect(report.patientsCreated).toBe(6);
      expect(report.rejected).toEqual([]);
      for (const want of syntheaCounts()) {
        const id = store.findPatientByIdentifier(SYNTHEA_MRN_SYSTEM, want.mrn)!;
        expect(Object.fromEntries(COUNTED.map((s) => [s, store.readSeries(id, s).tMs.length]))).toEqual(want.streams);
        expect(store.getMedications(id)).toHaveLength(want.medications);
        expect(store.getConditions(id)).toHaveLength(want.conditions);
      }
      // The export's transactionTime became every type's high-water mark: an incremental sync finds nothing new.
      const after = await syncFhir({ store, client, pageSize: 500 });
      expect(after.added).toBe(0);
      expect(after.patientsCreated).toBe(0);
    } finally {
      store.close();
      await ehr.close();
    }
  });
});
