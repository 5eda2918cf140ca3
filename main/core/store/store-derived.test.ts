import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AuditActor } from '../../../shared/domain/consent.js';
import { CareTwinStore } from './store.js';
import { CHEAP_KDF, profile, withTempDir } from './store-test-fixtures.js';

const ADMIN: AuditActor = { actor: 'owner', role: 'admin' };

describe('store: derived records', () => {
  it('seals a derived record under the patient key, reads it back after a reopen, never in plaintext on disk', () =>
    withTempDir(async (dir) => {
      const dataDir = path.join(dir, 'store');
      const store = await CareTwinStore.create(dataDir, 'pass', { kdf: CHEAP_KDF });
      const a = store.createPatient(profile('A'));
      const b = store.createPatient(profile('B'));
      expect(store.putDerivedRecord(a, 'derived.alerts', { note: 'called-the-patient-XYZZY' })).toBe(true);
      expect(store.getDerivedRecord(a, 'derived.alerts')).toEqual({ note: 'called-the-patient-XYZZY' });
      expect(store.getDerivedRecord(b, 'derived.alerts')).toBeUndefined();
      expect(store.getDerivedRecord('0'.repeat(32), 'derived.alerts')).toBeUndefined();
      store.close();
      for (const f of fs.readdirSync(dataDir)) {
        expect(fs.readFileSync(path.join(dataDir, f)).includes('XYZZY')).toBe(false);
      }
      const reopened = await CareTwinStore.unlock(dataDir, 'pass');
      expect(reopened.getDerivedRecord(a, 'derived.alerts')).toEqual({ note: 'called-the-patient-XYZZY' });
      reopened.close();
    }));

  it('refuses bad kinds and unknown patients; stores nothing when derived data is not permitted', () =>
    withTempDir(async (dir) => {
      const store = await CareTwinStore.create(path.join(dir, 'store'), 'pass', { kdf: CHEAP_KDF });
      const a = store.createPatient(profile('A'));
      expect(() => store.putDerivedRecord(a, 'medications', [])).toThrow(/derived record kind/);
      expect(() => store.putDerivedRecord(a, 'derived.x', undefined)).toThrow(/JSON value/);
      expect(() => store.putDerivedRecord('0'.repeat(32), 'derived.x', 1)).toThrow(/not in this store/);
      store.putDerivedRecord(a, 'derived.x', 1);
      expect(store.revokeConsent(ADMIN, a, 'derived')).toMatchObject({ keyDestroyed: true, records: 1 });
      expect(store.getDerivedRecord(a, 'derived.x')).toBeUndefined();
      expect(store.putDerivedRecord(a, 'derived.x', 2)).toBe(false);
      expect(store.getDerivedRecord(a, 'derived.x')).toBeUndefined();
      store.close();
    }));
});
