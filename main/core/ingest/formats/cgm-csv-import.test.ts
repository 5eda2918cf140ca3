import { describe, expect, it } from 'vitest';
import { STREAM } from '../../../../shared/domain/streams.js';
import { dataFile, importAt, storeBytes, withStore } from '../ingest-test-fixtures.js';
import { CGM_SUBJECT_SYSTEM } from './cgm-csv-import.js';

describe('CGM CSV files (the real files in ../shared/data/cgm)', () => {
  it('Dexcom Clarity: 2,148 EGV rows into the named patient; the names in the file never reach the store', () =>
    withStore(async (store, dir) => {
      const patient = store.createPatient({ name: 'Clarity Patient', conditions: ['t1d'], identifiers: [] });
      const file = dataFile('cgm/dexcom-clarity-export.csv');
      const zone = 'America/Los_Angeles';
      const report = await importAt(store, file, { patientId: patient, zone });
      expect(report).toMatchObject({ format: 'dexcom-clarity-csv', added: 2148, duplicates: 0, rejected: [], warnings: [] });
      const cgm = store.readSeries(patient, STREAM.cgm);
      // 2016-10-24T11:24:17 Pacific daylight time
      expect(cgm.tMs[0]).toBe(Date.UTC(2016, 9, 24, 18, 24, 17));
      expect(cgm.values[0]).toBe(103);
      // The one 400-min gap is kept as a gap.
      let longestGapMs = 0;
      for (let i = 1; i < cgm.tMs.length; i++) longestGapMs = Math.max(longestGapMs, cgm.tMs[i]! - cgm.tMs[i - 1]!);
      expect(Math.round(longestGapMs / 60_000)).toBeGreaterThanOrEqual(400);
      expect(await importAt(store, file, { patientId: patient, zone })).toMatchObject({ added: 0, duplicates: 2148 });
      await expect(importAt(store, file, { zone })).rejects.toThrow(/--patient ID/);
      store.close();
      const bytes = storeBytes(dir);
      // Names only (short strings like a first name can occur by chance in ciphertext).
      for (const name of ['Schmoe', 'Clarity Patient']) expect(bytes.includes(Buffer.from(name)), name).toBe(false);
    }));

  it('Broll (iglu CSV): 13,866 readings of 5 subjects, each a patient by identifier; again adds nothing', () =>
    withStore(async (store) => {
      const file = dataFile('cgm/broll-5-subjects.csv');
      const report = await importAt(store, file, { zone: 'Etc/UTC' });
      expect(report).toMatchObject({ format: 'iglu-csv', added: 13_866, duplicates: 0, rejected: [], warnings: [] });
      expect(report.patients).toHaveLength(5);
      const subject1 = store.findPatientByIdentifier(CGM_SUBJECT_SYSTEM, 'Subject 1')!;
      expect(store.streamSummaries(subject1)).toMatchObject([{ stream: STREAM.cgm, count: 2915 }]);
      const again = await importAt(store, file, { zone: 'Etc/UTC' });
      expect(again).toMatchObject({ added: 0, duplicates: 13_866 });
      expect(again.patients.every((p) => !p.created)).toBe(true);
      expect(store.listPatients()).toHaveLength(5);
    }));

  it('Broll in a zone with daylight saving: the 12 readings in the March gap move forward and are reported', () =>
    withStore(async (store) => {
      const report = await importAt(store, dataFile('cgm/broll-5-subjects.csv'), { zone: 'America/Chicago' });
      // The receiver's clock went on through 02:xx on 2015-03-08 (no reading there can be right in Chicago): moved to
      // 03:xx, 11 of them meet the receiver's 03:xx readings of an hour later, and the store keeps one of each pair.
      expect(report).toMatchObject({ added: 13_855, duplicates: 11 });
      expect(report.warnings).toHaveLength(12);
      expect(report.warnings[0]).toEqual({ line: 12966, reason: 'local time falls in a daylight-saving gap; moved forward 60 min' });
    }));

  it('simglucose: the simulated sensor column of one virtual patient (481 readings)', () =>
    withStore(async (store) => {
      const patient = store.createPatient({ name: 'adult#001', conditions: ['t1d'], identifiers: [] });
      const file = dataFile('cgm/simglucose-adult001-truth-and-cgm.csv');
      const report = await importAt(store, file, { patientId: patient, zone: 'Etc/UTC' });
      expect(report).toMatchObject({ format: 'simglucose-csv', added: 481, rejected: [] });
      expect((await importAt(store, file, { patientId: patient, zone: 'Etc/UTC' })).added).toBe(0);
    }));
});
