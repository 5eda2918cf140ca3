import { describe, expect, it } from 'vitest';
import { STREAM } from '../../../shared/domain/streams.js';
import type { ImportBatch } from './importer.js';
import { storeBytes, storeDigest, withStore } from './ingest-test-fixtures.js';
import { writeImportBatch } from './write-batch.js';

const SYSTEM = 'https://ehr.example/mrn';

function batch(extra: Partial<ImportBatch> = {}): ImportBatch {
  return {
    format: 'test',
    patients: [
      {
        ref: 'p1',
        profile: { name: 'Ottoline Quarrington', conditions: ['hf'], identifiers: [{ system: SYSTEM, value: 'MRN-778899' }] },
      },
    ],
    samples: [
      { patientId: 'p1', stream: STREAM.weight, tMs: Date.UTC(2024, 0, 1, 8), value: 81.2, source: 'test' },
      { patientId: 'p1', stream: STREAM.weight, tMs: Date.UTC(2024, 0, 2, 8), value: 81.6, source: 'test' },
    ],
    medications: [
      { patientRef: 'p1', medication: { name: 'furosemide', unit: 'mg/d', doses: [{ startMs: 0, dose: 40 }] }, sourceId: 'mr-1' },
    ],
    conditions: [{ patientRef: 'p1', system: 'http://snomed.info/sct', code: '84114007', display: 'Heart failure', sourceId: 'c-1' }],
    rejected: [],
    skipped: {},
    ...extra,
  };
}

describe('writeImportBatch', () => {
  it('creates the patient once, matches them by identifier after, and merges records by source id', () =>
    withStore(async (store, dir) => {
      const first = writeImportBatch(store, batch(), { file: 'a.json', zone: 'Europe/Berlin' });
      expect(first).toMatchObject({ added: 2, duplicates: 0, medications: 1, conditions: 1, byStream: { [STREAM.weight]: 2 } });
      const id = first.patients[0]!.id;
      expect(first.patients).toEqual([{ id, created: true }]);
      expect(store.findPatientByIdentifier(SYSTEM, 'MRN-778899')).toBe(id);
      expect(store.findPatientByIdentifier(SYSTEM, 'MRN-000000')).toBeUndefined();
      expect(store.getPatient(id)?.profile.zone).toBe('Europe/Berlin');

      const again = writeImportBatch(store, batch(), { file: 'a.json' });
      expect(again).toMatchObject({ added: 0, duplicates: 2, medications: 0, conditions: 0, patients: [{ id, created: false }] });

      const updated = batch({
        samples: [],
        medications: [
          { patientRef: 'p1', medication: { name: 'furosemide', unit: 'mg/d', doses: [{ startMs: 0, dose: 80 }] }, sourceId: 'mr-1' },
          { patientRef: 'p1', medication: { name: 'metoprolol', unit: 'mg/d', doses: [{ startMs: 0, dose: 50 }] } },
        ],
      });
      expect(writeImportBatch(store, updated, { file: 'b.json' }).medications).toBe(2);
      expect(store.getMedications(id).map((m) => [m.name, m.doses[0]!.dose])).toEqual([
        ['furosemide', 80],
        ['metoprolol', 50],
      ]);
      expect(store.getConditions(id)).toEqual([
        { system: 'http://snomed.info/sct', code: '84114007', display: 'Heart failure', sourceId: 'c-1' },
      ]);
      expect(store.listPatients()).toHaveLength(1);

      // While open (database, WAL and shared memory files), and after closing (checkpointed into one file).
      const secrets = ['Ottoline', 'Quarrington', 'MRN-778899', 'furosemide', '84114007'];
      const whileOpen = storeBytes(dir);
      store.close();
      const afterClose = storeBytes(dir);
      for (const secret of secrets) {
        expect(whileOpen.includes(Buffer.from(secret)), secret).toBe(false);
        expect(afterClose.includes(Buffer.from(secret)), secret).toBe(false);
      }
    }));

  it('stores nothing, patients included, when any part of the batch fails', () =>
    withStore(async (store) => {
      writeImportBatch(store, batch(), { file: 'a.json' });
      const before = storeDigest(store);
      const broken = batch({
        patients: [
          ...batch().patients,
          { ref: 'p2', profile: { name: 'New Person', conditions: [], identifiers: [{ system: SYSTEM, value: 'MRN-1' }] } },
        ],
        samples: [
          { patientId: 'p2', stream: STREAM.weight, tMs: Date.UTC(2024, 0, 3), value: 70, source: 'test' },
          { patientId: 'p2', stream: 'not-a-stream', tMs: Date.UTC(2024, 0, 3), value: 70, source: 'test' },
        ],
      });
      expect(() => writeImportBatch(store, broken, { file: 'b.json' })).toThrow(/unknown stream code/);
      expect(storeDigest(store)).toBe(before);
      expect(store.listPatients()).toHaveLength(1);
      expect(store.findPatientByIdentifier(SYSTEM, 'MRN-1')).toBeUndefined();
      // The store is still usable, and the same patient can be created afterwards.
      const ok = writeImportBatch(store, { ...broken, samples: broken.samples.slice(0, 1) }, { file: 'b.json' });
      expect(ok.patients.filter((p) => p.created)).toHaveLength(1);
      expect(store.listPatients()).toHaveLength(2);
    }));

  it('refuses samples for a patient that is neither in the batch nor in the store', () =>
    withStore(async (store) => {
      const stray = batch({ samples: [{ patientId: 'nobody', stream: STREAM.weight, tMs: 0, value: 70, source: 'test' }] });
      expect(() => writeImportBatch(store, stray, { file: 'x' })).toThrow(/--patient/);
      expect(store.listPatients()).toHaveLength(0);
    }));
});
