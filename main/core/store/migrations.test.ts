import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../../shared/ipc/errors.js';
import { APPLICATION_ID, appliedMigrationIds, migrate, MIGRATIONS, pendingMigrations, type Migration } from './migrations.js';
import { CareTwinStore } from './store.js';
import { CHEAP_KDF, fingerprintDir, withTempDir } from './store-test-fixtures.js';

const SNAPSHOT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'schema.snapshot.sql');

function schemaSql(db: Database.Database): string {
  const rows = db
    .prepare("SELECT sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY type DESC, name")
    .pluck()
    .all() as string[];
  return rows.map((sql) => `${sql};\n`).join('\n');
}

function caught(fn: () => unknown): AppError {
  try {
    fn();
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error('expected an AppError');
}

async function caughtAsync(fn: () => Promise<unknown>): Promise<AppError> {
  try {
    await fn();
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error('expected an AppError');
}

const m = (id: string, sql = `CREATE TABLE t_${id.replace(/\W/g, '_')} (x INTEGER) STRICT;`): Migration => ({ id, sql });

describe('migrations', () => {
  it('are known in order, with unique sortable ids', () => {
    const ids = MIGRATIONS.map((x) => x.id);
    expect(ids).toEqual([...ids].sort());
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^\d{4}_[a-z0-9_]+$/);
  });

  it('apply to a fresh file once, record themselves and stamp the application id', () =>
    withTempDir((dir) => {
      const db = new Database(path.join(dir, 'fresh.db'));
      try {
        expect(migrate(db, 1234)).toEqual(MIGRATIONS.map((x) => x.id));
        expect(appliedMigrationIds(db)).toEqual(MIGRATIONS.map((x) => x.id));
        expect(db.pragma('application_id', { simple: true })).toBe(APPLICATION_ID);
        expect(db.prepare('SELECT applied_at FROM schema_migrations').pluck().all()).toEqual(MIGRATIONS.map(() => 1234));
        expect(migrate(db, 5678)).toEqual([]);
      } finally {
        db.close();
      }
    }));

  it('apply only the pending ones, all in one transaction', () =>
    withTempDir((dir) => {
      const db = new Database(path.join(dir, 'steps.db'));
      try {
        expect(migrate(db, 1, [m('0001_a')])).toEqual(['0001_a']);
        expect(() => migrate(db, 2, [m('0001_a'), m('0002_b'), m('0003_c', 'CREATE TABLE broken (;')])).toThrow();
        expect(appliedMigrationIds(db)).toEqual(['0001_a']);
        expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 't_0002_b'").get()).toBeUndefined();
        expect(migrate(db, 3, [m('0001_a'), m('0002_b'), m('0003_c')])).toEqual(['0002_b', '0003_c']);
      } finally {
        db.close();
      }
    }));

  it('refuse a schema from a newer build and one that is out of sync', () => {
    const known = [m('0001_a'), m('0002_b')];
    expect(pendingMigrations([], known).map((x) => x.id)).toEqual(['0001_a', '0002_b']);
    expect(pendingMigrations(['0001_a'], known).map((x) => x.id)).toEqual(['0002_b']);

    const newer = caught(() => pendingMigrations(['0001_a', '0002_b', '0003_c'], known));
    expect(newer.code).toBe('STORE_UNAVAILABLE');
    expect(newer.message).toBe(
      'This store was written by a newer version of CareTwin (schema 0003_c). Update CareTwin to open it; nothing was changed.',
    );
    for (const applied of [['0002_b'], ['0001_x'], ['0000_a', '0001_a']]) {
      const err = caught(() => pendingMigrations(applied, known));
      expect(err.code).toBe('STORE_UNAVAILABLE');
      expect(err.message).toContain('does not match this version of CareTwin');
      expect(err.message).toContain('nothing was changed');
    }
  });

  it('leave a store from a newer build untouched and say so', () =>
    withTempDir(async (dir) => {
      const dataDir = path.join(dir, 'store');
      (await CareTwinStore.create(dataDir, 'pass', { kdf: CHEAP_KDF })).close();
      const raw = new Database(path.join(dataDir, 'caretwin.db'));
      raw.prepare("INSERT INTO schema_migrations (id, applied_at) VALUES ('9000_from_the_future', 1)").run();
      raw.close();
      const before = fingerprintDir(dir);

      const inspected = caught(() => CareTwinStore.inspect(dataDir));
      expect(inspected.code).toBe('STORE_UNAVAILABLE');
      expect(inspected.message).toContain('newer version of CareTwin (schema 9000_from_the_future)');
      const unlocked = await caughtAsync(() => CareTwinStore.unlock(dataDir, 'pass'));
      expect(unlocked.message).toBe(inspected.message);
      expect(fingerprintDir(dir)).toEqual(before);
    }));

  it('leave a store whose history diverged untouched', () =>
    withTempDir(async (dir) => {
      const dataDir = path.join(dir, 'store');
      (await CareTwinStore.create(dataDir, 'pass', { kdf: CHEAP_KDF })).close();
      const raw = new Database(path.join(dataDir, 'caretwin.db'));
      raw.prepare("UPDATE schema_migrations SET id = '0001_other_branch' WHERE id = '0001_init'").run();
      raw.close();
      const before = fingerprintDir(dir);
      const err = await caughtAsync(() => CareTwinStore.unlock(dataDir, 'pass'));
      expect(err.code).toBe('STORE_UNAVAILABLE');
      expect(err.message).toContain('does not match this version of CareTwin');
      expect(fingerprintDir(dir)).toEqual(before);
    }));

  it('produce the committed schema snapshot (schema.snapshot.sql)', () =>
    withTempDir((dir) => {
      const db = new Database(path.join(dir, 'snapshot.db'));
      try {
        migrate(db, 0);
        const actual = schemaSql(db);
        if (process.env['UPDATE_SCHEMA_SNAPSHOT'] === '1') fs.writeFileSync(SNAPSHOT, actual);
        // After a deliberate schema change, rerun with UPDATE_SCHEMA_SNAPSHOT=1 and commit the new snapshot.
        expect(actual).toBe(fs.readFileSync(SNAPSHOT, 'utf8'));
      } finally {
        db.close();
      }
    }));
});
