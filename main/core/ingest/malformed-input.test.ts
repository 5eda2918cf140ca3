/** Malformed input: a clear error or a per-row report, and nothing stored before it damaged. */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { dataFile, importAt, storeDigest, withStore, writeTemp } from './ingest-test-fixtures.js';

const ZONE = 'America/Chicago';

describe('malformed input', () => {
  it('every failure leaves the store as it was; row-level damage is reported by line', () =>
    withStore(async (store, dir) => {
      const patient = store.createPatient({ name: 'Existing Patient', conditions: ['hf'], identifiers: [] });
      await importAt(store, dataFile('fitbit/sleepDay_merged.csv'), { zone: ZONE });
      await importAt(store, dataFile('cgm/nightscout-entries-oref0-example.json'), { patientId: patient });
      const before = storeDigest(store);
      const hr = fs.readFileSync(dataFile('fitbit/heartrate_seconds_one-user.csv'), 'utf8');

      // Wrong format: an image, and a CSV whose columns no format has.
      const png = writeTemp(dir, 'photo.png', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]));
      await expect(importAt(store, png, { zone: ZONE })).rejects.toThrow(/not a file CareTwin can import/);
      const odd = writeTemp(dir, 'odd.csv', 'Patient,When,Reading\nx,2024-01-01,5\n');
      await expect(importAt(store, odd, { zone: ZONE })).rejects.toThrow(/not a file CareTwin can import/);

      // Wrong columns: a Fitbit heart-rate header with its value column renamed.
      const renamed = writeTemp(dir, 'hr-renamed.csv', hr.replace('Id,Time,Value', 'Id,Time,Value2'));
      await expect(importAt(store, renamed, { zone: ZONE })).rejects.toThrow(/not a file CareTwin can import/);

      // Truncated inside a quoted field: the CSV cannot be parsed, the whole file is refused.
      const quoted = writeTemp(dir, 'hr-quoted.csv', 'Id,Time,Value\n8877689391,"5/10/2016 6:55:26 AM",71\n8877689391,"5/10/2016 6:5');
      await expect(importAt(store, quoted, { zone: ZONE })).rejects.toThrow(/cannot be read as CSV/);

      // Truncated JSON.
      const json = fs.readFileSync(dataFile('cgm/nightscout-entries-oref0-example.json'), 'utf8');
      const cutJson = writeTemp(dir, 'entries.json', json.slice(0, 500));
      await expect(importAt(store, cutJson, { patientId: patient })).rejects.toThrow(/not valid JSON/);

      // A single 100-MB line after a valid header.
      const longLine = path.join(dir, 'hr-long.csv');
      const fd = fs.openSync(longLine, 'w');
      fs.writeSync(fd, 'Id,Time,Value\n8877689391,');
      const block = Buffer.alloc(1024 * 1024, '7');
      for (let i = 0; i < 100; i++) fs.writeSync(fd, block);
      fs.closeSync(fd);
      await expect(importAt(store, longLine, { zone: ZONE })).rejects.toThrow(/Line 2 is longer than 65536 characters/);

      expect(storeDigest(store)).toBe(before);

      // Truncated mid-row without quotes, and text where numbers belong: those rows are rejected by line, the rest
      // is imported (a fresh user id, so the earlier imports are not touched).
      const lines = hr.trimEnd().split(/\r?\n/).slice(0, 101);
      lines[10] = lines[10]!.replace(/,\d+$/, ',seventy');
      const damaged = writeTemp(dir, 'hr-damaged.csv', lines.join('\n').replaceAll('8877689391', '1111111111').slice(0, -12));
      const report = await importAt(store, damaged, { zone: ZONE });
      expect(report.added).toBe(98);
      expect(report.rejected).toEqual([
        { line: 11, reason: 'value is not a number' },
        { line: 101, reason: 'date/time is not M/D/YYYY [h:mm[:ss] AM/PM]' },
      ]);
    }));
});
