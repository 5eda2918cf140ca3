import { describe, expect, it } from 'vitest';
import { STREAM } from '../../../../shared/domain/streams.js';
import { dataFile, importAt, withStore, writeTemp } from '../ingest-test-fixtures.js';

describe('Nightscout entries JSON', () => {
  it('imports the oref0 example (6 sgv entries at their epoch times); again adds nothing', () =>
    withStore(async (store) => {
      const patient = store.createPatient({ name: 'Night Scout', conditions: ['t1d'], identifiers: [] });
      const file = dataFile('cgm/nightscout-entries-oref0-example.json');
      const report = await importAt(store, file, { patientId: patient });
      expect(report).toMatchObject({ format: 'nightscout-entries-json', added: 6, duplicates: 0, rejected: [] });
      const cgm = store.readSeries(patient, STREAM.cgm);
      expect(Array.from(cgm.tMs)).toEqual([0, 1, 2, 3, 4, 5].map((k) => 1527922800000 + k * 300_000));
      expect(Array.from(cgm.values)).toEqual([100, 102, 105, 105, 102, 101]);
      expect(await importAt(store, file, { patientId: patient })).toMatchObject({ added: 0, duplicates: 6 });
    }));

  it('reads string sgv values; skips error codes, NOISE and calibrations; rejects bad rows by index', () =>
    withStore(async (store, dir) => {
      const patient = store.createPatient({ name: 'Night Scout', conditions: ['t1d'], identifiers: [] });
      const t = Date.UTC(2024, 0, 1);
      const entries = [
        { type: 'sgv', sgv: '120', date: t },
        { type: 'sgv', sgv: 5, date: t + 300_000 },
        { type: 'NOISE', date: t + 600_000 },
        { type: 'sgv', sgv: 130, dateString: '2024-01-01T00:15:00+01:00' },
        { type: 'cal', slope: 1000, date: t },
        { type: 'mbg', mbg: 140, date: t + 60_000, _id: 'abc' },
        { type: 'sgv', sgv: 'HIGH', date: t + 900_000 },
        { type: 'sgv', sgv: 110 },
        { type: 'sgv', sgv: 110, date: Date.UTC(2030, 0, 1) },
        'junk',
      ];
      const file = writeTemp(dir, 'entries.json', JSON.stringify(entries));
      const report = await importAt(store, file, { patientId: patient });
      expect(report.added).toBe(3);
      expect(report.skipped).toEqual({ 'sensor error codes (sgv below 39)': 1, 'NOISE entries': 1, 'calibration entries': 1 });
      expect(report.rejected).toEqual([
        { line: 7, reason: 'sgv is not a number' },
        { line: 8, reason: 'entry has no valid date (epoch ms) or dateString' },
        { line: 9, reason: 'time is in the future (device clock error?)' },
        { line: 10, reason: 'entry is not an object' },
      ]);
      expect(Array.from(store.readSeries(patient, STREAM.cgm).tMs)).toEqual([Date.UTC(2023, 11, 31, 23, 15), t]);
      expect(Array.from(store.readSeries(patient, STREAM.fingerstick).values)).toEqual([140]);
    }));
});
