import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SeriesBatch } from '../../../shared/domain/sample.js';
import { STREAM } from '../../../shared/domain/streams.js';
import { AppError } from '../../../shared/ipc/errors.js';
import { CareTwinStore } from './store.js';
import { CHEAP_KDF, DAY0_MS, DAY_MS, profile, withTempDir } from './store-test-fixtures.js';

const FIVE_MIN = 300_000;
const DAY0 = DAY0_MS / DAY_MS;

function thrown(fn: () => unknown): AppError {
  try {
    fn();
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error('expected an AppError');
}

async function withStore<T>(fn: (store: CareTwinStore, dataDir: string) => Promise<T> | T): Promise<T> {
  return withTempDir(async (dir) => {
    const dataDir = path.join(dir, 'store');
    const store = await CareTwinStore.create(dataDir, 'test passcode', { kdf: CHEAP_KDF });
    try {
      return await fn(store, dataDir);
    } finally {
      store.close();
    }
  });
}

function cgm(patientId: string, fromMs: number, count: number, source = 'dexcom', valueAt = (i: number) => 100 + (i % 80)): SeriesBatch {
  const tMs = Float64Array.from({ length: count }, (_, i) => fromMs + i * FIVE_MIN);
  const values = Float64Array.from({ length: count }, (_, i) => valueAt(i));
  return { patientId, stream: STREAM.cgm, source, tMs, values };
}

/** Runs SQL on the store's file through a second connection, as an attacker with file access would. */
function raw<T>(dataDir: string, fn: (db: Database.Database) => T): T {
  const db = new Database(path.join(dataDir, 'caretwin.db'));
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

describe('series', () => {
  it('round-trips across day boundaries, from unsorted input, one chunk per UTC day', () =>
    withStore((store, dataDir) => {
      const id = store.createPatient(profile('Ysolde Brandvold'));
      // 2.5 days starting at 18:00, shuffled deterministically.
      const start = DAY0_MS + 18 * 3_600_000;
      const n = 720;
      const order = Array.from({ length: n }, (_, i) => (i * 373) % n);
      const report = store.writeSeries([
        {
          patientId: id,
          stream: STREAM.cgm,
          source: 'libre',
          tMs: order.map((i) => start + i * FIVE_MIN),
          values: order.map((i) => 50 + i * 0.5),
        },
      ]);
      expect(report).toEqual({ added: n, duplicates: 0, chunks: 4 });
      expect(raw(dataDir, (db) => db.prepare('SELECT day, n FROM chunks ORDER BY day').raw().all())).toEqual([
        [DAY0, 72],
        [DAY0 + 1, 288],
        [DAY0 + 2, 288],
        [DAY0 + 3, 72],
      ]);
      const s = store.readSeries(id, STREAM.cgm);
      expect(Array.from(s.tMs)).toEqual(Array.from({ length: n }, (_, i) => start + i * FIVE_MIN));
      expect(Array.from(s.values)).toEqual(Array.from({ length: n }, (_, i) => 50 + i * 0.5));

      const from = DAY0_MS + DAY_MS + 3 * FIVE_MIN;
      const to = DAY0_MS + 2 * DAY_MS + 7 * FIVE_MIN;
      const part = store.readSeries(id, STREAM.cgm, from, to);
      expect(part.tMs[0]).toBe(from);
      expect(part.tMs[part.tMs.length - 1]).toBe(to);
      expect(part.tMs.length).toBe((to - from) / FIVE_MIN + 1);
      expect(store.readSeries(id, STREAM.cgm, to, from).tMs.length).toBe(0);
      expect(store.readSeries(id, STREAM.weight).tMs.length).toBe(0);
    }));

  it('merges into stored days, keeps the stored sample at an equal time, and adds nothing on a re-write', () =>
    withStore((store, dataDir) => {
      const id = store.createPatient(profile('Pemberton Oyelaran'));
      const first = cgm(id, DAY0_MS, 288 * 2);
      expect(store.writeSeries([first])).toEqual({ added: 576, duplicates: 0, chunks: 2 });
      const blobs = () => raw(dataDir, (db) => db.prepare('SELECT blob FROM chunks ORDER BY day').pluck().all());
      const before = blobs();

      expect(store.writeSeries([first])).toEqual({ added: 0, duplicates: 576, chunks: 0 });
      expect(blobs()).toEqual(before);

      // Stored times again with other values from another source, running on into a new day; and new samples
      // half-way between stored ones.
      const overlap = cgm(id, DAY0_MS + 2 * DAY_MS - 10 * FIVE_MIN, 20, 'other', () => 999);
      const between = { ...cgm(id, DAY0_MS + FIVE_MIN / 2, 3, 'fingerstick'), sourceIds: ['a', undefined, 'c'] };
      const report = store.writeSeries([overlap, between]);
      expect(report).toEqual({ added: 3 + 10, duplicates: 10, chunks: 2 });
      expect(blobs()[1]).toEqual(before[1]);
      const s = store.readSeries(id, STREAM.cgm);
      expect(s.tMs.length).toBe(576 + 13);
      for (let i = 1; i < s.tMs.length; i++) expect(s.tMs[i]!).toBeGreaterThan(s.tMs[i - 1]!);
      const at = (t: number) => s.values[s.tMs.indexOf(t)];
      expect(at(DAY0_MS + 2 * DAY_MS - FIVE_MIN)).toBe(100 + (575 % 80));
      expect(at(DAY0_MS + 2 * DAY_MS)).toBe(999);
      expect(at(DAY0_MS + FIVE_MIN / 2)).toBe(100);
    }));

  it('counts samples repeated within one input as duplicates', () =>
    withStore((store) => {
      const id = store.createPatient(profile('Duplicated Dmitri'));
      const report = store.writeSamples([
        { patientId: id, stream: STREAM.weight, tMs: DAY0_MS + 5, value: 80.1, source: 'scale' },
        { patientId: id, stream: STREAM.weight, tMs: DAY0_MS + 5, value: 80.9, source: 'scale' },
        { patientId: id, stream: STREAM.weight, tMs: DAY0_MS + 1, value: 79.5, source: 'scale', sourceId: 'w-1' },
        { patientId: id, stream: STREAM.systolic, tMs: DAY0_MS + 5, value: 128, source: 'cuff' },
      ]);
      expect(report).toEqual({ added: 3, duplicates: 1, chunks: 2 });
      expect(Array.from(store.readSeries(id, STREAM.weight).values)).toEqual([79.5, 80.1]);
      expect(Array.from(store.readSeries(id, STREAM.systolic).values)).toEqual([128]);
    }));

  it('summarises streams, counts days with data and finds the newest sample', () =>
    withStore((store) => {
      const id = store.createPatient(profile('Summary Sunniva'));
      store.writeSeries([
        cgm(id, DAY0_MS + 3_600_000, 288 * 3),
        { patientId: id, stream: STREAM.weight, source: 'scale', tMs: [DAY0_MS + 7 * DAY_MS + 123], values: [91.2] },
        { patientId: id, stream: STREAM.hba1c, source: 'lab', tMs: [DAY0_MS - 40 * DAY_MS], values: [7.1] },
      ]);
      expect(store.streamSummaries(id)).toEqual([
        { stream: STREAM.weight, count: 1, days: 1, firstMs: DAY0_MS + 7 * DAY_MS + 123, lastMs: DAY0_MS + 7 * DAY_MS + 123 },
        { stream: STREAM.hba1c, count: 1, days: 1, firstMs: DAY0_MS - 40 * DAY_MS, lastMs: DAY0_MS - 40 * DAY_MS },
        { stream: STREAM.cgm, count: 864, days: 4, firstMs: DAY0_MS + 3_600_000, lastMs: DAY0_MS + 3_600_000 + 863 * FIVE_MIN },
      ].sort((a, b) => a.stream.localeCompare(b.stream)));
      expect(store.daysWithData(id, DAY0 - 100, DAY0 + 100)).toBe(6);
      expect(store.daysWithData(id, DAY0, DAY0 + 3)).toBe(4);
      expect(store.daysWithData(id, DAY0 + 4, DAY0 + 6)).toBe(0);
      expect(store.lastDataMs(id)).toBe(DAY0_MS + 7 * DAY_MS + 123);
      const other = store.createPatient(profile('Empty Emil'));
      expect(store.lastDataMs(other)).toBeNull();
      expect(store.streamSummaries(other)).toEqual([]);
    }));

  it('validates the whole input before writing anything', () =>
    withStore((store, dataDir) => {
      const id = store.createPatient(profile('Valid Valerie'));
      const good = cgm(id, DAY0_MS, 10);
      const t = Array.from(good.tMs);
      const v = Array.from(good.values);
      const cases: SeriesBatch[] = [
        { ...good, stream: 'not-a-code' },
        { ...good, patientId: 'f'.repeat(32) },
        { ...good, values: [...v.slice(0, 9), Number.NaN] },
        { ...good, tMs: [...t.slice(0, 9), Number.POSITIVE_INFINITY] },
        { ...good, values: v.slice(0, 5) },
        { ...good, tMs: [...t.slice(0, 9), 1e300] },
        { ...good, sourceIds: ['only one'] },
      ];
      for (const bad of cases) {
        const err = thrown(() => store.writeSeries([good, bad]));
        expect(err.code).toBe('VALIDATION');
        expect(err.message).toContain('Nothing was saved');
        expect(err.message).not.toContain(id);
      }
      expect(raw(dataDir, (db) => db.prepare('SELECT COUNT(*) FROM chunks').pluck().get())).toBe(0);
      expect(thrown(() => store.readSeries(id, 'nope')).code).toBe('VALIDATION');
    }));

  it('leaves the store as it was when a write fails part-way through its transaction', () =>
    withStore(async (store, dataDir) => {
      const id = store.createPatient(profile('Atomic Astrid'));
      store.writeSeries([cgm(id, DAY0_MS, 288 * 2)]);
      const before = store.readSeries(id, STREAM.cgm);
      store.close();
      // A trigger makes the third day's insert fail after the first two days (merge + new) were written.
      raw(dataDir, (db) =>
        db.exec(`CREATE TRIGGER fail_day3 BEFORE INSERT ON chunks WHEN NEW.day = ${DAY0 + 2}
                 BEGIN SELECT RAISE(ABORT, 'disk trouble'); END`),
      );
      const reopened = await CareTwinStore.unlock(dataDir, 'test passcode');
      try {
        const err = thrown(() =>
          reopened.writeSeries([
            { patientId: id, stream: STREAM.weight, source: 'scale', tMs: [DAY0_MS], values: [70] },
            cgm(id, DAY0_MS + FIVE_MIN / 2, 288 * 3, 'late', () => 1),
          ]),
        );
        expect(err.code).toBe('STORE_UNAVAILABLE');
        expect(err.message).toContain('Nothing from this change was saved');
        const after = reopened.readSeries(id, STREAM.cgm);
        expect(Array.from(after.tMs)).toEqual(Array.from(before.tMs));
        expect(Array.from(after.values)).toEqual(Array.from(before.values));
        expect(reopened.readSeries(id, STREAM.weight).tMs.length).toBe(0);
        expect(raw(dataDir, (db) => db.prepare("SELECT COUNT(*) FROM data_keys WHERE scope = 'vitals'").pluck().get())).toBe(0);
        // The key created inside the failed transaction was forgotten with it: the next write makes a new one.
        expect(reopened.writeSeries([{ patientId: id, stream: STREAM.weight, source: 'scale', tMs: [DAY0_MS], values: [70] }]).added).toBe(1);
        expect(Array.from(reopened.readSeries(id, STREAM.weight).values)).toEqual([70]);
      } finally {
        reopened.close();
      }
    }));

  it('refuses to show a chunk with a flipped byte', () =>
    withStore((store, dataDir) => {
      const id = store.createPatient(profile('Tampered Tobias'));
      store.writeSeries([cgm(id, DAY0_MS, 288 * 3)]);
      raw(dataDir, (db) => {
        const blob = db.prepare('SELECT blob FROM chunks WHERE day = ?').pluck().get(DAY0 + 2) as Buffer;
        blob[blob.length >> 1]! ^= 0x04;
        db.prepare('UPDATE chunks SET blob = ? WHERE day = ?').run(blob, DAY0 + 2);
      });
      const err = thrown(() => store.readSeries(id, STREAM.cgm));
      expect(err.code).toBe('TAMPERED');
      expect(err.message).toBe(
        'Stored data failed its integrity check (chunks). It was not shown. The data file may have been changed ' +
          'outside CareTwin or damaged; restore caretwin.db from a backup.',
      );
      expect(thrown(() => store.lastDataMs(id)).code).toBe('TAMPERED');
      expect(thrown(() => store.streamSummaries(id)).code).toBe('TAMPERED');
      // Merging new data into the damaged day must not overwrite the evidence with a fresh chunk either.
      expect(thrown(() => store.writeSeries([cgm(id, DAY0_MS + 2 * DAY_MS + 1, 1)])).code).toBe('TAMPERED');
      // Days before the damage still read.
      expect(store.readSeries(id, STREAM.cgm, DAY0_MS, DAY0_MS + 2 * DAY_MS - 1).tMs.length).toBe(576);
    }));

  it("refuses a chunk copied onto another patient's row or another day, or with a changed count", () =>
    withStore((store, dataDir) => {
      const a = store.createPatient(profile('Copy Source Cassius'));
      const b = store.createPatient(profile('Copy Target Berenike'));
      store.writeSeries([cgm(a, DAY0_MS, 288 * 2), cgm(b, DAY0_MS, 288 * 2, 'dexcom', () => 200)]);
      const copy = (sql: string, ...params: unknown[]) => raw(dataDir, (db) => db.prepare(sql).run(...params));

      // b's day 0 gets a's blob (same day, same count): b's reading must fail, not show a's values.
      copy(
        `UPDATE chunks SET blob = (SELECT blob FROM chunks WHERE patient_id = ? AND day = ?) WHERE patient_id = ? AND day = ?`,
        a, DAY0, b, DAY0,
      );
      expect(thrown(() => store.readSeries(b, STREAM.cgm)).code).toBe('TAMPERED');
      // ... even with the key id pointed at a's key too.
      copy(
        `UPDATE chunks SET key_id = (SELECT key_id FROM chunks WHERE patient_id = ? AND day = ?) WHERE patient_id = ? AND day = ?`,
        a, DAY0, b, DAY0,
      );
      expect(thrown(() => store.readSeries(b, STREAM.cgm)).code).toBe('TAMPERED');

      // a's day 1 gets a's day 0 blob.
      copy(
        `UPDATE chunks SET blob = (SELECT blob FROM chunks WHERE patient_id = ? AND day = ?) WHERE patient_id = ? AND day = ?`,
        a, DAY0, a, DAY0 + 1,
      );
      expect(thrown(() => store.readSeries(a, STREAM.cgm, DAY0_MS + DAY_MS)).code).toBe('TAMPERED');
      expect(store.readSeries(a, STREAM.cgm, DAY0_MS, DAY0_MS + DAY_MS - 1).tMs.length).toBe(288);

      // A changed plaintext count is caught too: it is part of what the blob is bound to.
      copy('UPDATE chunks SET n = 287 WHERE patient_id = ? AND day = ?', a, DAY0);
      expect(thrown(() => store.readSeries(a, STREAM.cgm, DAY0_MS, DAY0_MS + DAY_MS - 1)).code).toBe('TAMPERED');
    }));

  it('refuses swapped profiles, medication records and metadata', () =>
    withStore((store, dataDir) => {
      const a = store.createPatient(profile('Profile Aurelio'));
      const b = store.createPatient(profile('Profile Brunhild'));
      store.putMedications(a, [{ name: 'metformin', unit: 'mg/d', doses: [{ startMs: DAY0_MS, dose: 1000, note: 'with food' }] }]);
      store.putMedications(b, [{ name: 'insulin glargine', unit: 'U/d', doses: [{ startMs: DAY0_MS, dose: 20 }] }]);
      store.putMeta('one', { x: 1 });
      store.putMeta('two', { x: 2 });
      expect(store.getMedications(a)).toEqual([{ name: 'metformin', unit: 'mg/d', doses: [{ startMs: DAY0_MS, dose: 1000, note: 'with food' }] }]);
      expect(store.getMeta('two')).toEqual({ x: 2 });
      expect(store.getMeta('three')).toBeUndefined();
      expect(store.getMedications(store.createPatient(profile('No Meds')))).toEqual([]);

      raw(dataDir, (db) => {
        db.prepare('UPDATE patients SET profile = (SELECT profile FROM patients WHERE id = ?) WHERE id = ?').run(a, b);
        db.prepare('UPDATE records SET blob = (SELECT blob FROM records WHERE patient_id = ?) WHERE patient_id = ?').run(a, b);
        db.prepare("UPDATE meta SET blob = (SELECT blob FROM meta WHERE key = 'one') WHERE key = 'two'").run();
        db.prepare('UPDATE patients SET demo = 1 WHERE id = ?').run(a);
      });
      expect(thrown(() => store.getPatient(b)).code).toBe('TAMPERED');
      expect(thrown(() => store.getPatient(a)).code).toBe('TAMPERED');
      expect(thrown(() => store.listPatients()).code).toBe('TAMPERED');
      expect(thrown(() => store.getMedications(b)).code).toBe('TAMPERED');
      expect(thrown(() => store.getMeta('two')).code).toBe('TAMPERED');
      expect(store.getMeta('one')).toEqual({ x: 1 });
    }));

  it('keeps names, identifiers and values out of the database file and its WAL, open and checkpointed', () =>
    withTempDir(async (dir) => {
      const dataDir = path.join(dir, 'store');
      const store = await CareTwinStore.create(dataDir, 'test passcode', { kdf: CHEAP_KDF });
      const secrets = [
        'Zebulon Quartermaine-Okonkwo',
        'Philippa Nakashima-Dunleavy',
        'MRN-7734-QXZ-00981',
        'urn:oid:2.16.840.1.113883.19.5',
        'fhir-patient-83j2k9d0',
        'glipizide-secret-note',
        'nightscout-entry-5f1a9c3e7b',
      ];
      const a = store.createPatient(
        profile('Zebulon Quartermaine-Okonkwo', {
          birthDate: '1951-04-17',
          identifiers: [{ system: 'urn:oid:2.16.840.1.113883.19.5', value: 'MRN-7734-QXZ-00981' }],
        }),
      );
      const b = store.createPatient(
        profile('Philippa Nakashima-Dunleavy', { identifiers: [{ system: 'fhir', value: 'fhir-patient-83j2k9d0' }] }),
      );
      store.putMedications(a, [{ name: 'glipizide', unit: 'mg/d', doses: [{ startMs: 0, dose: 5, note: 'glipizide-secret-note' }] }]);
      store.writeSeries([{ ...cgm(b, DAY0_MS, 600), sourceIds: Array.from({ length: 600 }, () => 'nightscout-entry-5f1a9c3e7b') }]);
      store.putMeta('demo.events', { note: 'Philippa Nakashima-Dunleavy' });

      const dbPath = path.join(dataDir, 'caretwin.db');
      const files = () => [dbPath, `${dbPath}-wal`].filter((p) => fs.existsSync(p)).map((p) => fs.readFileSync(p));
      const expectClean = (label: string): void => {
        const blobs = files();
        expect(blobs.length, label).toBeGreaterThan(0);
        // Positive control: the scan does see plaintext columns (a meta key name is one).
        expect(blobs.some((bytes) => bytes.includes(Buffer.from('demo.events'))), label).toBe(true);
        for (const bytes of blobs) {
          for (const secret of secrets) {
            for (const encoding of ['utf8', 'utf16le'] as const) {
              expect(bytes.includes(Buffer.from(secret, encoding)), `${label}: ${secret}`).toBe(false);
            }
          }
          // The profile JSON would contain this if anything were stored in the clear.
          expect(bytes.includes(Buffer.from('"identifiers"')), label).toBe(false);
        }
      };
      expect(fs.statSync(`${dbPath}-wal`).size).toBeGreaterThan(0);
      expectClean('open, in WAL');
      raw(dataDir, (db) => db.pragma('wal_checkpoint(TRUNCATE)'));
      expectClean('after checkpoint');
      store.close();
      expectClean('after close');
    }));
});
