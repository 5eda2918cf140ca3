import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { STREAM } from '../../../../shared/domain/streams.js';
import { importAt, storeDigest, withStore, writeTemp } from '../ingest-test-fixtures.js';
import { parseHealthDate } from './apple-health.js';
import { writeSyntheticHealthXml, writeZipOf } from './apple-health-synthetic.js';

const RECORDS = 5_000;

async function newPatient(store: Parameters<Parameters<typeof withStore>[0]>[0]): Promise<string> {
  return store.createPatient({ name: 'Apple Tester', conditions: ['hf'], identifiers: [] });
}

describe('Apple Health export.xml / export.zip', () => {
  it('reads dates with their offsets; local day boundaries come from the same offset', () => {
    expect(parseHealthDate('2024-03-01 08:15:00 +0100')).toEqual({
      tMs: Date.UTC(2024, 2, 1, 7, 15),
      localDay: '2024-03-01',
      localMidnightMs: Date.UTC(2024, 1, 29, 23),
    });
    expect(parseHealthDate('2024-02-30 08:15:00 +0100')).toBeNull();
    expect(parseHealthDate('2024-03-01T08:15:00Z')).toBeNull();
  });

  it(`imports a synthetic ${RECORDS}-record export.xml: every stream, units converted; again adds nothing`, () =>
    withStore(async (store, dir) => {
      const patient = await newPatient(store);
      const xml = path.join(dir, 'export.xml');
      const written = await writeSyntheticHealthXml(xml, RECORDS);
      const report = await importAt(store, xml, { patientId: patient });
      expect(report.format).toBe('apple-health-xml');
      expect(report.rejected).toEqual([]);
      expect(report.byStream).toEqual(written.expected);
      expect(report.added).toBe(Object.values(written.expected).reduce((a, b) => a + b, 0));
      const weight = store.readSeries(patient, STREAM.weight);
      // Every other weight is in pounds: all stored values are about 80 kg.
      expect(Math.min(...weight.values)).toBeGreaterThan(79.5);
      expect(Math.max(...weight.values)).toBeLessThan(80.9);
      const spo2 = store.readSeries(patient, STREAM.spo2);
      expect(Math.min(...spo2.values)).toBeGreaterThanOrEqual(90);
      const glucose = store.readSeries(patient, STREAM.fingerstick);
      expect(Math.max(...glucose.values)).toBeLessThan(160);
      expect(store.readSeries(patient, STREAM.heartRate).tMs[0]).toBe(written.firstMs);
      // Steps per day: the larger of the two sources' totals, not their sum.
      const day = store.readSeries(patient, STREAM.stepsPerDay);
      const period = store.readSeries(patient, STREAM.stepsInPeriod, day.tMs[0], day.tMs[0]! + 86_400_000 - 1);
      const total = period.values.reduce((a, b) => a + b, 0);
      expect(day.values[0]).toBeGreaterThan(total / 2 - 1);
      expect(day.values[0]).toBeLessThan(total);

      const again = await importAt(store, xml, { patientId: patient });
      expect(again).toMatchObject({ added: 0, duplicates: report.added });
    }));

  it('imports the same export from a zip, streamed out of the archive', () =>
    withStore(async (store, dir) => {
      const patient = await newPatient(store);
      const xml = path.join(dir, 'export.xml');
      const written = await writeSyntheticHealthXml(xml, RECORDS);
      const zip = path.join(dir, 'export.zip');
      await writeZipOf(xml, zip);
      const report = await importAt(store, zip, { patientId: patient });
      expect(report.format).toBe('apple-health-zip');
      expect(report.byStream).toEqual(written.expected);
    }));

  it('refuses an entity bomb, a truncated export, a truncated zip and a 100-MB line, storing nothing', () =>
    withStore(async (store, dir) => {
      const patient = await newPatient(store);
      const good = path.join(dir, 'export.xml');
      await writeSyntheticHealthXml(good, 200);
      await importAt(store, good, { patientId: patient });
      const before = storeDigest(store);

      const bomb = writeTemp(
        dir,
        'bomb.xml',
        '<?xml version="1.0"?>\n<!DOCTYPE HealthData [\n <!ENTITY lol "lol">\n' +
          Array.from({ length: 9 }, (_, k) => ` <!ENTITY lol${k + 1} "${`&lol${k === 0 ? '' : k};`.repeat(10)}">`).join('\n') +
          '\n]>\n<HealthData locale="en_US"><Record type="HKQuantityTypeIdentifierHeartRate" sourceName="&lol9;" ' +
          'unit="count/min" startDate="2024-01-01 00:00:00 +0000" value="60"/></HealthData>\n',
      );
      await expect(importAt(store, bomb, { patientId: patient })).rejects.toThrow(/declares XML entities/);

      const text = fs.readFileSync(good, 'utf8');
      const truncated = writeTemp(dir, 'truncated.xml', text.slice(0, Math.floor(text.length * 0.7)));
      await expect(importAt(store, truncated, { patientId: patient })).rejects.toThrow(/not well-formed XML/);

      const zip = path.join(dir, 'export.zip');
      await writeZipOf(good, zip);
      const zipBytes = fs.readFileSync(zip);
      const cut = writeTemp(dir, 'export-cut.zip', zipBytes.subarray(0, Math.floor(zipBytes.length / 2)));
      await expect(importAt(store, cut, { patientId: patient })).rejects.toThrow(/damaged or cut short/);

      const longLine = path.join(dir, 'long.xml');
      const fd = fs.openSync(longLine, 'w');
      fs.writeSync(fd, text.slice(0, text.indexOf('<Record')) + '<Record type="HKQuantityTypeIdentifierHeartRate" sourceName="');
      const block = Buffer.alloc(1024 * 1024, 'a');
      for (let i = 0; i < 100; i++) fs.writeSync(fd, block);
      fs.writeSync(fd, '"/></HealthData>\n');
      fs.closeSync(fd);
      await expect(importAt(store, longLine, { patientId: patient })).rejects.toThrow(/line longer than 16 MiB/);

      expect(storeDigest(store)).toBe(before);
    }));

  it('needs --patient: the export does not say whose it is', () =>
    withStore(async (store, dir) => {
      const xml = path.join(dir, 'export.xml');
      await writeSyntheticHealthXml(xml, 20);
      await expect(importAt(store, xml)).rejects.toThrow(/--patient ID/);
    }));
});
