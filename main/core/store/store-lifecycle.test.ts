import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../../shared/ipc/errors.js';
import { CareTwinStore } from './store.js';
import { CHEAP_KDF, fingerprintDir, profile, withTempDir } from './store-test-fixtures.js';

async function rejection(fn: () => unknown): Promise<AppError> {
  try {
    await fn();
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error('expected an AppError');
}

async function newStore(dataDir: string, passcode = 'correct horse'): Promise<CareTwinStore> {
  return CareTwinStore.create(dataDir, passcode, { kdf: CHEAP_KDF });
}

describe('store lifecycle', () => {
  it('creates a store in a new directory (0700, file 0600) and unlocks it again with the passcode', () =>
    withTempDir(async (dir) => {
      const dataDir = path.join(dir, 'nested', 'CareTwin');
      expect(CareTwinStore.inspect(dataDir)).toEqual({ state: 'absent' });
      const store = await newStore(dataDir);
      expect(CareTwinStore.inspect(dataDir)).toEqual({ state: 'present' });
      const id = store.createPatient(profile('Quillon Abernathy-Ferro'), { demo: false });
      expect(id).toMatch(/^[0-9a-f]{32}$/);
      store.putMeta('demo.events', { planted: [1, 2, 3] });
      store.close();
      if (process.platform !== 'win32') {
        expect(fs.statSync(dataDir).mode & 0o777).toBe(0o700);
        expect(fs.statSync(path.join(dataDir, 'caretwin.db')).mode & 0o777).toBe(0o600);
      }
      // A closed store is one file: nothing for a read-only check to create or change.
      expect(fs.readdirSync(dataDir)).toEqual(['caretwin.db']);

      const again = await CareTwinStore.unlock(dataDir, 'correct horse');
      expect(again.getPatient(id)?.profile.name).toBe('Quillon Abernathy-Ferro');
      expect(again.getMeta('demo.events')).toEqual({ planted: [1, 2, 3] });
      expect(again.patientCount()).toBe(1);
      again.close();
    }));

  it('inspects a store that is open (in WAL mode) without disturbing it', () =>
    withTempDir(async (dir) => {
      const dataDir = path.join(dir, 'store');
      const store = await newStore(dataDir);
      const id = store.createPatient(profile('Concurrent Cornelius'));
      expect(fs.existsSync(path.join(dataDir, 'caretwin.db-wal'))).toBe(true);
      expect(CareTwinStore.inspect(dataDir)).toEqual({ state: 'present' });
      expect(store.getPatient(id)?.profile.name).toBe('Concurrent Cornelius');
      store.close();
    }));

  it('refuses a wrong passcode and leaves every file unchanged', () =>
    withTempDir(async (dir) => {
      const dataDir = path.join(dir, 'store');
      const store = await newStore(dataDir);
      store.createPatient(profile('Wilhelmina Stroud'));
      store.close();
      const before = fingerprintDir(dir);
      const err = await rejection(() => CareTwinStore.unlock(dataDir, 'correct horsE'));
      expect(err.code).toBe('BAD_PASSCODE');
      expect(err.message).toBe('The passcode is not right. Nothing was changed.');
      expect(fingerprintDir(dir)).toEqual(before);
      const inspected = CareTwinStore.inspect(dataDir);
      expect(inspected.state).toBe('present');
      expect(fingerprintDir(dir)).toEqual(before);
    }));

  it('stores no passcode verifier: the keyring holds only KDF parameters and the wrapped store key', () =>
    withTempDir(async (dir) => {
      const dataDir = path.join(dir, 'store');
      (await newStore(dataDir)).close();
      const db = new Database(path.join(dataDir, 'caretwin.db'), { readonly: true });
      const row = db.prepare('SELECT * FROM keyring').get() as Record<string, unknown>;
      db.close();
      expect(Object.keys(row).sort()).toEqual(['created_at', 'id', 'kdf', 'wrapped_store_key']);
      const kdf = JSON.parse(row['kdf'] as string) as Record<string, unknown>;
      expect(Object.keys(kdf).sort()).toEqual(['algorithm', 'hashLength', 'iterations', 'memorySize', 'parallelism', 'salt', 'version']);
      expect((row['wrapped_store_key'] as Buffer).length).toBe(1 + 4 + 24 + 32 + 16);
    }));

  it('uses Argon2id at 64 MiB, 3 iterations, parallelism 1 by default', () =>
    withTempDir(async (dir) => {
      const dataDir = path.join(dir, 'store');
      (await CareTwinStore.create(dataDir, 'a strong passcode')).close();
      const db = new Database(path.join(dataDir, 'caretwin.db'), { readonly: true });
      const kdf = JSON.parse(db.prepare('SELECT kdf FROM keyring').pluck().get() as string) as Record<string, unknown>;
      db.close();
      expect(kdf).toMatchObject({ algorithm: 'argon2id', version: 19, memorySize: 65536, iterations: 3, parallelism: 1, hashLength: 32 });
      expect(Buffer.from(kdf['salt'] as string, 'base64').length).toBe(16);
      const store = await CareTwinStore.unlock(dataDir, 'a strong passcode');
      store.close();
      expect((await rejection(() => CareTwinStore.unlock(dataDir, 'a strong passcodE'))).code).toBe('BAD_PASSCODE');
    }), 60_000);

  it('changes the passcode by rewrapping keys only: data stays, old passcode stops working', () =>
    withTempDir(async (dir) => {
      const dataDir = path.join(dir, 'store');
      const store = await newStore(dataDir, 'old passcode');
      const id = store.createPatient(profile('Octavia Lindqvist-Marsh'));
      store.writeSeries([{ patientId: id, stream: '29463-7', source: 'scale', tMs: [Date.UTC(2026, 0, 1)], values: [82.4] }]);
      const chunksBefore = rawRows(dataDir, 'SELECT blob FROM chunks');
      const saltBefore = rawRows(dataDir, 'SELECT kdf FROM keyring');
      expect((await rejection(() => store.changePasscode('not it', 'new passcode'))).code).toBe('BAD_PASSCODE');
      await store.changePasscode('old passcode', 'new passcode');
      store.putMedications(id, [{ name: 'furosemide', unit: 'mg/d', doses: [{ startMs: 0, dose: 40 }] }]);
      store.close();
      expect(rawRows(dataDir, 'SELECT blob FROM chunks')).toEqual(chunksBefore);
      expect(rawRows(dataDir, 'SELECT kdf FROM keyring')).not.toEqual(saltBefore);

      expect((await rejection(() => CareTwinStore.unlock(dataDir, 'old passcode'))).code).toBe('BAD_PASSCODE');
      const reopened = await CareTwinStore.unlock(dataDir, 'new passcode');
      expect(reopened.getPatient(id)?.profile.name).toBe('Octavia Lindqvist-Marsh');
      expect(Array.from(reopened.readSeries(id, '29463-7').values)).toEqual([82.4]);
      expect(reopened.getMedications(id)[0]?.name).toBe('furosemide');
      reopened.close();
    }));

  it('refuses to create over an existing store or in a directory holding other things', () =>
    withTempDir(async (dir) => {
      const dataDir = path.join(dir, 'store');
      (await newStore(dataDir)).close();
      const before = fingerprintDir(dir);
      const conflict = await rejection(() => newStore(dataDir));
      expect(conflict.code).toBe('CONFLICT');
      expect(fingerprintDir(dir)).toEqual(before);

      const busy = path.join(dir, 'documents');
      fs.mkdirSync(busy);
      fs.writeFileSync(path.join(busy, 'letter.txt'), 'dear diary');
      const beforeBusy = fingerprintDir(dir);
      const notEmpty = await rejection(() => newStore(busy));
      expect(notEmpty.code).toBe('STORE_UNAVAILABLE');
      expect(notEmpty.message).toBe(
        `${busy} is not empty and holds no CareTwin store. Choose an empty or new directory; nothing was changed.`,
      );
      expect(fingerprintDir(dir)).toEqual(beforeBusy);
    }));

  it('creates in an existing empty directory, replacing leftovers of an interrupted creation', () =>
    withTempDir(async (dir) => {
      fs.writeFileSync(path.join(dir, 'caretwin.db.creating'), 'half-written');
      const store = await newStore(dir);
      store.close();
      expect(fs.readdirSync(dir)).toEqual(['caretwin.db']);
    }));

  it('is unusable after close, and close can be called twice', () =>
    withTempDir(async (dir) => {
      const store = await newStore(path.join(dir, 'store'));
      store.close();
      store.close();
      expect(store.isOpen).toBe(false);
      for (const call of [() => store.listPatients(), () => store.createPatient(profile('X')), () => store.patientCount()]) {
        let err: unknown;
        try {
          call();
        } catch (e) {
          err = e;
        }
        expect((err as AppError).code).toBe('LOCKED');
      }
    }));

  it('reports demo-only stores and patient counts', () =>
    withTempDir(async (dir) => {
      const store = await newStore(path.join(dir, 'store'));
      expect(store.isDemoOnly()).toBe(false);
      store.createPatient(profile('Demo One'), { demo: true });
      store.createPatient(profile('Demo Two'), { demo: true });
      expect(store.isDemoOnly()).toBe(true);
      expect(store.patientCount()).toBe(2);
      store.createPatient(profile('Real Person'));
      expect(store.isDemoOnly()).toBe(false);
      expect(store.patientCount()).toBe(3);
      const list = store.listPatients();
      expect(list.map((p) => [p.profile.name, p.demo])).toEqual([
        ['Demo One', true],
        ['Demo Two', true],
        ['Real Person', false],
      ]);
      expect(store.getPatient('0'.repeat(32))).toBeUndefined();
      store.close();
    }));

  it('rejects an invalid profile or an empty passcode without naming values', () =>
    withTempDir(async (dir) => {
      expect((await rejection(() => CareTwinStore.create(path.join(dir, 'a'), ''))).code).toBe('VALIDATION');
      expect(fs.existsSync(path.join(dir, 'a'))).toBe(false);
      const store = await newStore(path.join(dir, 'store'));
      const err = await rejection(() =>
        store.createPatient({ name: 'Secret Name', birthDate: '1970/01/01', conditions: ['t1d'], identifiers: [] }),
      );
      expect(err.code).toBe('VALIDATION');
      expect(err.message).toContain('birthDate');
      expect(err.message).not.toContain('Secret Name');
      expect(err.message).not.toContain('1970');
      expect(store.patientCount()).toBe(0);
      store.close();
    }));
});

describe('directories that are not a usable store', () => {
  async function expectRefused(dir: string, dataDir: string, expected: RegExp | string): Promise<void> {
    const before = fingerprintDir(dir);
    for (const attempt of [() => CareTwinStore.inspect(dataDir), () => CareTwinStore.unlock(dataDir, 'any')]) {
      const err = await rejection(attempt);
      expect(err.code).toBe('STORE_UNAVAILABLE');
      if (typeof expected === 'string') expect(err.message).toBe(expected);
      else expect(err.message).toMatch(expected);
      expect(err.message).toContain('nothing was changed');
    }
    expect(fingerprintDir(dir)).toEqual(before);
  }

  it('reports absent for a missing directory or a directory without caretwin.db', () =>
    withTempDir((dir) => {
      expect(CareTwinStore.inspect(path.join(dir, 'missing'))).toEqual({ state: 'absent' });
      fs.writeFileSync(path.join(dir, 'notes.txt'), 'x');
      expect(CareTwinStore.inspect(dir)).toEqual({ state: 'absent' });
      expect(fs.readdirSync(dir)).toEqual(['notes.txt']);
    }));

  it('refuses a path that is a file', () =>
    withTempDir(async (dir) => {
      const file = path.join(dir, 'file');
      fs.writeFileSync(file, 'not a directory');
      await expectRefused(dir, file, `${file} is a file, not a directory. Choose another data directory; nothing was changed.`);
    }));

  it('refuses a caretwin.db of random bytes, or empty', () =>
    withTempDir(async (dir) => {
      const dataDir = path.join(dir, 'store');
      fs.mkdirSync(dataDir);
      fs.writeFileSync(path.join(dataDir, 'caretwin.db'), Buffer.from(Array.from({ length: 8192 }, (_, i) => (i * 7919) & 0xff)));
      fs.writeFileSync(path.join(dataDir, 'other.txt'), 'keep me');
      const message = `${dataDir} is not a CareTwin store (caretwin.db is not a CareTwin database). Choose another data directory; nothing was changed.`;
      await expectRefused(dir, dataDir, message);
      fs.writeFileSync(path.join(dataDir, 'caretwin.db'), '');
      await expectRefused(dir, dataDir, message);
    }));

  it("refuses another application's SQLite database, in rollback or WAL mode, without opening it", () =>
    withTempDir(async (dir) => {
      const dataDir = path.join(dir, 'store');
      fs.mkdirSync(dataDir);
      const foreign = new Database(path.join(dataDir, 'caretwin.db'));
      foreign.exec('CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES (\'hello\');');
      foreign.close();
      await expectRefused(dir, dataDir, /is not a CareTwin store \(caretwin\.db is not a CareTwin database\)/);
      const wal = new Database(path.join(dataDir, 'caretwin.db'));
      wal.pragma('journal_mode = WAL');
      wal.close();
      await expectRefused(dir, dataDir, /is not a CareTwin store/);
    }));

  it('refuses a CareTwin database that lost a table', () =>
    withTempDir(async (dir) => {
      const dataDir = path.join(dir, 'store');
      (await newStore(dataDir)).close();
      const db = new Database(path.join(dataDir, 'caretwin.db'));
      db.exec('DROP TABLE meta');
      db.close();
      await expectRefused(dir, dataDir, /is not a CareTwin store \(caretwin\.db lacks tables a CareTwin store has\)/);
    }));

  it('refuses a truncated or damaged caretwin.db and says it is damaged', () =>
    withTempDir(async (dir) => {
      const dataDir = path.join(dir, 'store');
      const store = await newStore(dataDir);
      const id = store.createPatient(profile('Damaged Dora'));
      const t = Array.from({ length: 5000 }, (_, i) => Date.UTC(2026, 0, 1) + i * 300_000);
      store.writeSeries([{ patientId: id, stream: '99504-3', source: 'cgm', tMs: t, values: t.map((_, i) => 100 + (i % 50)) }]);
      store.close();
      const dbPath = path.join(dataDir, 'caretwin.db');
      const whole = fs.readFileSync(dbPath);
      const damagedMessage = `caretwin.db in ${dataDir} is damaged and cannot be opened. Restore it from a backup or choose another data directory; nothing was changed.`;

      fs.writeFileSync(dbPath, whole.subarray(0, Math.floor(whole.length / 2)));
      await expectRefused(dir, dataDir, damagedMessage);

      // Scribble over the b-tree pages but keep the header, so only SQLite's own checks can tell.
      const scribbled = Buffer.from(whole);
      for (let i = 4096 * 2; i < scribbled.length; i += 97) scribbled[i] = 0xa5;
      fs.writeFileSync(dbPath, scribbled);
      await expectRefused(dir, dataDir, damagedMessage);
    }));

  it('opens a WAL-mode store with no WAL file beside it without creating files', () =>
    withTempDir(async (dir) => {
      const dataDir = path.join(dir, 'store');
      const store = await newStore(dataDir);
      store.createPatient(profile('Wally Walters'));
      store.close();
      // As left when another connection still had the file open at our close.
      const db = new Database(path.join(dataDir, 'caretwin.db'));
      db.pragma('journal_mode = WAL');
      db.close();
      const before = fingerprintDir(dir);
      expect(CareTwinStore.inspect(dataDir)).toEqual({ state: 'present' });
      expect((await rejection(() => CareTwinStore.unlock(dataDir, 'wrong'))).code).toBe('BAD_PASSCODE');
      expect(fingerprintDir(dir)).toEqual(before);
      const unlocked = await CareTwinStore.unlock(dataDir, 'correct horse');
      expect(unlocked.listPatients()[0]?.profile.name).toBe('Wally Walters');
      unlocked.close();
    }));
});

function rawRows(dataDir: string, sql: string): unknown[] {
  const db = new Database(path.join(dataDir, 'caretwin.db'), { readonly: true });
  try {
    return db.prepare(sql).raw().all();
  } finally {
    db.close();
  }
}
