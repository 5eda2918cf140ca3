import Database from 'better-sqlite3';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../../shared/ipc/errors.js';
import { open, seal } from './envelope.js';
import {
  DEFAULT_KDF_TUNING,
  deriveKek,
  Keyring,
  newKdfParams,
  parseKdfParams,
  randomKey,
  unwrapStoreKey,
  wrapStoreKey,
} from './keys.js';
import { migrate } from './migrations.js';
import { CHEAP_KDF, withTempDir } from './store-test-fixtures.js';

describe('key hierarchy', () => {
  it('defaults to Argon2id 64 MiB x 3 iterations, parallelism 1, with a fresh 16-byte salt each time', () => {
    expect(DEFAULT_KDF_TUNING).toEqual({ memorySize: 65536, iterations: 3, parallelism: 1 });
    const a = newKdfParams();
    const b = newKdfParams();
    expect(a).toMatchObject({ algorithm: 'argon2id', version: 19, hashLength: 32, ...DEFAULT_KDF_TUNING });
    expect(Buffer.from(a.salt, 'base64').length).toBe(16);
    expect(a.salt).not.toBe(b.salt);
    expect(newKdfParams(CHEAP_KDF)).toMatchObject({ memorySize: 1024, iterations: 1, parallelism: 1 });
  });

  it('refuses out-of-range settings, given or stored', () => {
    for (const bad of [{ memorySize: 4 }, { iterations: 0 }, { parallelism: 0 }, { memorySize: 16, parallelism: 4 }, { iterations: 1.5 }]) {
      expect(() => newKdfParams(bad)).toThrow(AppError);
    }
    const good = newKdfParams(CHEAP_KDF);
    expect(parseKdfParams(JSON.stringify(good))).toEqual(good);
    for (const bad of ['{', '{}', JSON.stringify({ ...good, memorySize: 2 ** 40 }), JSON.stringify({ ...good, salt: 'AAAA' }), JSON.stringify({ ...good, extra: 1 })]) {
      let err: unknown;
      try {
        parseKdfParams(bad);
      } catch (e) {
        err = e;
      }
      expect((err as AppError).code).toBe('STORE_UNAVAILABLE');
    }
  });

  it('derives the same KEK for the same passcode and salt, whatever the Unicode normal form', async () => {
    const params = newKdfParams(CHEAP_KDF);
    const composed = await deriveKek('caf\u00e9 passcode', params);
    const decomposed = await deriveKek('cafe\u0301 passcode', params);
    const other = await deriveKek('cafe passcode', params);
    expect(composed.length).toBe(32);
    expect(Buffer.from(composed)).toEqual(Buffer.from(decomposed));
    expect(Buffer.from(composed)).not.toEqual(Buffer.from(other));
    const otherSalt = await deriveKek('caf\u00e9 passcode', newKdfParams(CHEAP_KDF));
    expect(Buffer.from(composed)).not.toEqual(Buffer.from(otherSalt));
  });

  it('checks the passcode by opening the wrapped store key, nothing else', async () => {
    const params = newKdfParams(CHEAP_KDF);
    const storeKey = randomKey();
    const wrapped = wrapStoreKey(await deriveKek('right', params), storeKey);
    expect(Buffer.from(unwrapStoreKey(await deriveKek('right', params), wrapped))).toEqual(Buffer.from(storeKey));
    let err: unknown;
    try {
      unwrapStoreKey(await deriveKek('wrong', params), wrapped);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('BAD_PASSCODE');
    expect((err as AppError).message).toBe('The passcode is not right. Nothing was changed.');
  });
});

describe('keyring', () => {
  const patient = 'a'.repeat(32);

  function withKeyring(fn: (db: Database.Database, keyring: Keyring, kek: Uint8Array, storeKey: Uint8Array) => void) {
    return withTempDir((dir) => {
      const db = new Database(path.join(dir, 'keys.db'));
      try {
        migrate(db, 0);
        db.pragma('foreign_keys = ON');
        db.prepare("INSERT INTO patients (id, demo, created_at, profile) VALUES (?, 0, 0, x'00')").run(patient);
        const kek = randomKey();
        const storeKey = randomKey();
        fn(db, new Keyring(db, kek, storeKey, () => 42), kek, storeKey);
      } finally {
        db.close();
      }
    });
  }

  it('creates one data key per (patient, scope) lazily, and finds it again by scope or id', () =>
    withKeyring((db, keyring) => {
      expect(keyring.dataKeyFor(patient, 'cgm', false)).toBeUndefined();
      const cgm = db.transaction(() => keyring.dataKeyFor(patient, 'cgm', true))();
      keyring.settle(true);
      const vitals = db.transaction(() => keyring.dataKeyFor(patient, 'vitals', true))();
      keyring.settle(true);
      expect(cgm.keyId).not.toBe(vitals.keyId);
      expect(keyring.dataKeyFor(patient, 'cgm', true)).toBe(cgm);
      expect(keyring.dataKeyById(cgm.keyId, patient, 'cgm', 'chunks|x')).toBe(cgm);
      expect(db.prepare('SELECT scope, created_at FROM data_keys ORDER BY key_id').raw().all()).toEqual([
        ['cgm', 42],
        ['vitals', 42],
      ]);
      const blob = seal(cgm, new Uint8Array([1, 2, 3]), 'chunks|row');
      expect(Array.from(open(keyring.dataKeyById(cgm.keyId, patient, 'cgm', 'chunks|row'), blob, 'chunks|row'))).toEqual([1, 2, 3]);
    }));

  it("refuses a key asked for on behalf of another patient's or scope's row", () =>
    withKeyring((db, keyring) => {
      const cgm = db.transaction(() => keyring.dataKeyFor(patient, 'cgm', true))();
      keyring.settle(true);
      for (const [p, scope] of [['b'.repeat(32), 'cgm'], [patient, 'labs']] as const) {
        let err: unknown;
        try {
          keyring.dataKeyById(cgm.keyId, p, scope, 'chunks|somewhere');
        } catch (e) {
          err = e;
        }
        expect((err as AppError).code).toBe('TAMPERED');
      }
    }));

  it('forgets and zeroes keys created in a transaction that rolled back', () =>
    withKeyring((db, keyring) => {
      let created: Uint8Array | undefined;
      expect(() =>
        db.transaction(() => {
          created = keyring.dataKeyFor(patient, 'labs', true).key;
          throw new Error('rolled back');
        })(),
      ).toThrow('rolled back');
      keyring.settle(false);
      expect(created!.every((b) => b === 0)).toBe(true);
      expect(keyring.dataKeyFor(patient, 'labs', false)).toBeUndefined();
    }));

  it('zeroes the KEK, the store key and every data key on wipe', () =>
    withKeyring((db, keyring, kek, storeKey) => {
      const key = db.transaction(() => keyring.dataKeyFor(patient, 'cgm', true))();
      keyring.settle(true);
      keyring.wipe();
      for (const bytes of [key.key, kek, storeKey]) expect(bytes.every((b) => b === 0)).toBe(true);
    }));
});
