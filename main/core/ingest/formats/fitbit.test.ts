import { describe, expect, it } from 'vitest';
import { STREAM } from '../../../../shared/domain/streams.js';
import { dataFile, importAt, storeBytes, withStore, writeTemp } from '../ingest-test-fixtures.js';
import { FITBIT_USER_SYSTEM } from './fitbit.js';

const ZONE = 'America/Chicago';

describe('Fitbit CSV exports (the real files in ../shared/data/fitbit)', () => {
  it('heart rate seconds: 17,666 rows of one user at their local times; a second import adds nothing', () =>
    withStore(async (store) => {
      const file = dataFile('fitbit/heartrate_seconds_one-user.csv');
      const first = await importAt(store, file, { zone: ZONE });
      expect(first.format).toBe('fitbit-heartrate-seconds-csv');
      expect(first).toMatchObject({ added: 17_666, duplicates: 0, rejected: [] });
      expect(first.byStream).toEqual({ [STREAM.heartRate]: 17_666 });
      expect(first.patients).toEqual([{ id: expect.any(String), created: true }]);
      const id = first.patients[0]!.id;
      expect(store.findPatientByIdentifier(FITBIT_USER_SYSTEM, '8877689391')).toBe(id);
      expect(store.getPatient(id)?.profile.zone).toBe(ZONE);
      const hr = store.readSeries(id, STREAM.heartRate);
      // 5/10/2016 6:55:26 AM in Chicago (CDT, UTC-5)
      expect(hr.tMs[0]).toBe(Date.UTC(2016, 4, 10, 11, 55, 26));
      expect(hr.values[0]).toBe(71);

      const again = await importAt(store, file, { zone: ZONE });
      expect(again).toMatchObject({ added: 0, duplicates: 17_666 });
      expect(again.patients).toEqual([{ id, created: false }]);
      expect(store.listPatients()).toHaveLength(1);
    }));

  it('daily activity: 33 users by identifier, steps per local day, never-worn days skipped', () =>
    withStore(async (store) => {
      const file = dataFile('fitbit/dailyActivity_merged.csv');
      const first = await importAt(store, file, { zone: ZONE });
      expect(first.patients).toHaveLength(33);
      expect(first.patients.every((p) => p.created)).toBe(true);
      expect(first.skipped).toEqual({ 'days the tracker was not worn': 72 });
      expect(first).toMatchObject({ added: 868, duplicates: 0, rejected: [] });
      const id = store.findPatientByIdentifier(FITBIT_USER_SYSTEM, '1503960366')!;
      const steps = store.readSeries(id, STREAM.stepsPerDay);
      expect(steps.tMs[0]).toBe(Date.UTC(2016, 3, 12, 5));
      expect(steps.values[0]).toBe(13_162);
      expect(await importAt(store, file, { zone: ZONE })).toMatchObject({ added: 0, duplicates: 868 });
      expect(store.listPatients()).toHaveLength(33);
    }));

  it('the spreadsheet-mangled weight log: both date styles read, kg kept; users already known are matched', () =>
    withStore(async (store) => {
      await importAt(store, dataFile('fitbit/heartrate_seconds_one-user.csv'), { zone: ZONE });
      const file = dataFile('fitbit/weightLogInfo_merged_excel-resaved.csv');
      const first = await importAt(store, file, { zone: ZONE });
      // 100 rows; the re-save cut seconds off, so two users have two rows in the same minute: one of each is kept.
      expect(first).toMatchObject({ added: 98, duplicates: 2, rejected: [] });
      expect(first.patients).toHaveLength(13);
      expect(first.patients.filter((p) => !p.created)).toHaveLength(1);
      const id = store.findPatientByIdentifier(FITBIT_USER_SYSTEM, '1927972279')!;
      const w = store.readSeries(id, STREAM.weight);
      // 4/13/2016 1:08:52 AM CDT, beside an 04/10/2016 18:33 row (the re-saved style) of the same user
      const at = Array.from(w.tMs).indexOf(Date.UTC(2016, 3, 13, 6, 8, 52));
      expect(at).toBeGreaterThanOrEqual(0);
      expect(w.values[at]).toBeCloseTo(133.5, 6);
      expect(w.tMs).toHaveLength(2);
      expect(await importAt(store, file, { zone: ZONE })).toMatchObject({ added: 0, duplicates: 100 });
      expect(store.listPatients()).toHaveLength(13);
    }));

  it('sleep per day as minutes asleep (93832-4); the file\'s repeated rows count as duplicates', () =>
    withStore(async (store) => {
      const file = dataFile('fitbit/sleepDay_merged.csv');
      const first = await importAt(store, file, { zone: ZONE });
      expect(first).toMatchObject({ added: 410, duplicates: 3, rejected: [] });
      expect(first.byStream).toEqual({ [STREAM.sleepDuration]: 410 });
      expect(first.patients).toHaveLength(24);
      expect(await importAt(store, file, { zone: ZONE })).toMatchObject({ added: 0, duplicates: 413 });
    }));

  it('pounds only are converted; bad rows are reported by line; ids never reach the file in plaintext', () =>
    withStore(async (store, dir) => {
      const file = writeTemp(
        dir,
        'weight.csv',
        'Id,Date,WeightKg,WeightPounds,Fat,BMI,IsManualReport,LogId\n' +
          '5550001234,5/1/2016 8:00:00 AM,,200,,,TRUE,1.46E+12\n' +
          '5550001234,5/2/2016 8:00:00 AM,heavy,,,,TRUE,1\n' +
          '5550001234,13/2/2016 8:00:00 AM,80,,,,TRUE,1\n' +
          '1.55E+09,5/3/2016 8:00:00 AM,80,,,,TRUE,1\n' +
          '5550001234,5/4/2036 8:00:00 AM,80,,,,TRUE,1\n',
      );
      const report = await importAt(store, file, { zone: ZONE });
      expect(report.added).toBe(1);
      expect(report.rejected).toEqual([
        { line: 3, reason: 'value is not a number' },
        { line: 4, reason: 'date/time is not M/D/YYYY [h:mm[:ss] AM/PM]' },
        { line: 5, reason: 'Fitbit user Id is missing or not a whole number' },
        { line: 6, reason: 'time is in the future (device clock error?)' },
      ]);
      const id = report.patients[0]!.id;
      expect(store.readSeries(id, STREAM.weight).values[0]).toBeCloseTo(200 * 0.45359237, 9);
      store.close();
      expect(storeBytes(dir).includes(Buffer.from('5550001234'))).toBe(false);
    }));

  it('without a zone the import stops and says how to give one', () =>
    withStore(async (store) => {
      await expect(importAt(store, dataFile('fitbit/sleepDay_merged.csv'))).rejects.toThrow(/--zone Area\/City/);
      expect(store.listPatients()).toHaveLength(0);
    }));
});
