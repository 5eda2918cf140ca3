/**
 * A clinician's interactive SMART standalone launch, end to end: the real test EHR (oidc-provider + medplum) on
 * 127.0.0.1, CareTwin's loopback redirect listener, Debian's Chromium filling the EHR's login page, then a sync
 * of the six Synthea patients into a real encrypted store on disk.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STREAM } from '../shared/domain/streams.js';
import { CareTwinStore } from '../main/core/store/store.js';
import { FhirHttpClient } from '../main/core/sync/fhir-http.js';
import { syncFhir } from '../main/core/sync/fhir-sync.js';
import { smartStandaloneLaunch } from '../main/core/sync/smart-launch.js';
import { SYNTHEA_DIR, SYNTHEA_MRN_SYSTEM, syntheaCounts } from '../main/core/sync/sync-test-fixtures.js';
import { startTestEhr, TEST_CLINICIAN, type TestEhr } from '../scripts/test-ehr/index.js';
import { launchChromium } from './support/browser.js';

const COUNTED = [STREAM.hba1c, STREAM.weight, STREAM.systolic, STREAM.diastolic, STREAM.ntProBnp];

describe('SMART standalone launch with PKCE through a loopback redirect', () => {
  let ehr: TestEhr;
  let browser: Browser;
  const dirs: string[] = [];

  beforeAll(async () => {
    ehr = await startTestEhr({ bundles: SYNTHEA_DIR, accessTokenTtlSeconds: 600, failEvery: 9, faultKinds: ['expired-token'] });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await ehr?.close();
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  });

  /** What a clinician does in the browser: sign in on the EHR's page (and pick a patient when asked). */
  function clinicianSignsIn(patientLabel?: string) {
    return async (url: string) => {
      const page = await browser.newPage();
      await page.goto(url);
      await page.getByLabel('User name').fill(TEST_CLINICIAN.username);
      await page.getByLabel('Password').fill(TEST_CLINICIAN.password);
      if (patientLabel) await page.getByLabel('Patient').selectOption({ label: patientLabel });
      await page.getByRole('button', { name: 'Sign in and allow' }).click();
      await page.waitForURL(/127\.0\.0\.1:\d+\/callback/);
      expect(await page.locator('#status').textContent()).toContain('Signed in to the EHR');
      await page.close();
    };
  }

  it('syncs the six Synthea patients after the clinician signs in, refreshing expired tokens', async () => {
    const session = await smartStandaloneLaunch({ fhirBaseUrl: ehr.fhirBaseUrl, clientId: ehr.interactiveClientId, openBrowser: clinicianSignsIn() });
    expect(session.patientId).toBeUndefined();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'caretwin-smart-e2e-'));
    dirs.push(dir);
    const store = await CareTwinStore.create(dir, 'correct horse battery', { kdf: { memorySize: 1024, iterations: 1 } });
    const notices: string[] = [];
    try {
      const client = new FhirHttpClient(ehr.fhirBaseUrl, session, { onRetry: (n) => notices.push(n) });
      const report = await syncFhir({ store, client, pageSize: 200 });
      expect(report.patientsCreated).toBe(6);
      expect(ehr.stats().faults['expired-token']).toBeGreaterThan(0);
      expect(notices.filter((n) => /access token expired/.test(n)).length).toBe(ehr.stats().faults['expired-token']);
      for (const want of syntheaCounts()) {
        const id = store.findPatientByIdentifier(SYNTHEA_MRN_SYSTEM, want.mrn)!;
        expect(Object.fromEntries(COUNTED.map((s) => [s, store.readSeries(id, s).tMs.length]))).toEqual(want.streams);
        expect(store.getMedications(id)).toHaveLength(want.medications);
      }
    } finally {
      store.close();
    }
  });

  it('a patient launch returns the chosen patient and syncs only that patient', async () => {
    const want = syntheaCounts().find((c) => c.name.family.startsWith('Mosciski'))!;
    const label = `${want.name.given.join(' ')} ${want.name.family}`;
    const session = await smartStandaloneLaunch({
      fhirBaseUrl: ehr.fhirBaseUrl,
      clientId: ehr.interactiveClientId,
      patientLaunch: true,
      openBrowser: clinicianSignsIn(label),
    });
    expect(session.patientId).toBeDefined();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'caretwin-smart-e2e-'));
    dirs.push(dir);
    const store = await CareTwinStore.create(dir, 'correct horse battery', { kdf: { memorySize: 1024, iterations: 1 } });
    try {
      await syncFhir({ store, client: new FhirHttpClient(ehr.fhirBaseUrl, session), patientId: session.patientId!, pageSize: 200 });
      expect(store.listPatients()).toHaveLength(1);
      const id = store.findPatientByIdentifier(SYNTHEA_MRN_SYSTEM, want.mrn)!;
      expect(Object.fromEntries(COUNTED.map((s) => [s, store.readSeries(id, s).tMs.length]))).toEqual(want.streams);
      expect(store.getMedications(id)).toHaveLength(want.medications);
    } finally {
      store.close();
    }
  });
});
