import Database from 'better-sqlite3';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CareTwinStore } from './store.js';
import { CHEAP_KDF, profile, withTempDir } from './store-test-fixtures.js';

const SYSTEM = 'urn:test:mrn';

describe('store: identifiers, records, atomic writes', () => {
  it('finds patients by identifier through the blind index, across a lock and unlock', () =>
    withTempDir(async (dir) => {
      const dataDir = path.join(dir, 'store');
      const store = await CareTwinStore.create(dataDir, 'pass', { kdf: CHEAP_KDF });
      const a = store.createPatient(profile('A', { identifiers: [{ system: SYSTEM, value: '42' }] }));
      expect(() => store.createPatient(profile('B', { identifiers: [{ system: SYSTEM, value: '42' }] }))).toThrow(
        /already belongs to another patient/,
      );
      expect(store.listPatients()).toHaveLength(1);
      store.updatePatientProfile(a, profile('A', { identifiers: [{ system: SYSTEM, value: '43' }] }));
      expect(store.findPatientByIdentifier(SYSTEM, '42')).toBeUndefined();
      expect(store.findPatientByIdentifier(SYSTEM, ' 43 ')).toBe(a);
      expect(store.findPatientByIdentifier('urn:other', '43')).toBeUndefined();
      store.close();
      const reopened = await CareTwinStore.unlock(dataDir, 'pass');
      expect(reopened.findPatientByIdentifier(SYSTEM, '43')).toBe(a);
      reopened.close();
    }));

  it('indexes the identifiers of patients created before the index existed when it arrives (0002)', () =>
    withTempDir(async (dir) => {
      const dataDir = path.join(dir, 'store');
      const store = await CareTwinStore.create(dataDir, 'pass', { kdf: CHEAP_KDF });
      const a = store.createPatient(profile('A', { identifiers: [{ system: SYSTEM, value: '1' }] }));
      store.close();
      // Back to the schema of 0001: no identifier index (and none of the later tables).
      const raw = new Database(path.join(dataDir, 'caretwin.db'));
      raw.exec(
        'DROP TABLE patient_identifiers; DROP TABLE consents; DROP TABLE audit_log; DROP TABLE account_keys; DROP TABLE accounts; ' +
          "DELETE FROM schema_migrations WHERE id IN ('0002_identifier_index', '0003_consent_audit', '0004_accounts', '0005_patient_key_slots');",
      );
      raw.close();
      const reopened = await CareTwinStore.unlock(dataDir, 'pass');
      expect(reopened.findPatientByIdentifier(SYSTEM, '1')).toBe(a);
      reopened.close();
    }));

  it('keeps conditions under the profile key and merges medications by source id', () =>
    withTempDir(async (dir) => {
      const store = await CareTwinStore.create(path.join(dir, 'store'), 'pass', { kdf: CHEAP_KDF });
      const id = store.createPatient(profile('C'));
      const hf = { system: 'http://snomed.info/sct', code: '84114007', display: 'Heart failure', sourceId: 'c1' };
      expect(store.mergeConditions(id, [hf, hf])).toBe(1);
      expect(store.mergeConditions(id, [{ ...hf, display: 'HF' }])).toBe(1);
      expect(store.getConditions(id)).toEqual([{ ...hf, display: 'HF' }]);
      const med = { name: 'metformin', unit: 'mg/d', doses: [{ startMs: 0, dose: 500 }] };
      expect(store.mergeMedications(id, [med, med])).toBe(1);
      expect(store.getMedications(id)).toHaveLength(1);
      store.close();
    }));

  it('rolls back everything in writeAtomically, including created patients and their keys', () =>
    withTempDir(async (dir) => {
      const store = await CareTwinStore.create(path.join(dir, 'store'), 'pass', { kdf: CHEAP_KDF });
      let created = '';
      expect(() =>
        store.writeAtomically(() => {
          created = store.createPatient(profile('D', { identifiers: [{ system: SYSTEM, value: '7' }] }));
          store.writeSamples([{ patientId: created, stream: '29463-7', tMs: 0, value: 70, source: 't' }]);
          throw new Error('fail halfway');
        }),
      ).toThrow();
      expect(store.listPatients()).toEqual([]);
      expect(store.findPatientByIdentifier(SYSTEM, '7')).toBeUndefined();
      expect(() => store.writeSamples([{ patientId: created, stream: '29463-7', tMs: 0, value: 70, source: 't' }])).toThrow(
        /not in this store/,
      );
      const id = store.writeAtomically(() => store.createPatient(profile('D')));
      expect(store.writeSamples([{ patientId: id, stream: '29463-7', tMs: 0, value: 70, source: 't' }]).added).toBe(1);
      store.close();
    }));
});
