/**
 * Key hierarchy: passcode -> Argon2id (parameters stored in the keyring row) -> key-encryption key (KEK), which
 * wraps one random store key (store-wide metadata) and one random data key per (patient, consent scope).
 *
 * No verifier of the passcode is stored: the passcode is right when the wrapped store key opens under the KEK it
 * derives. Changing the passcode rewraps these few keys and never touches the data they encrypt. Destroying a
 * scope's data key makes every copy of its ciphertext (backups, WAL, free pages) unreadable.
 */
import type Database from 'better-sqlite3';
import { argon2id } from 'hash-wasm';
import { randomFillSync, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { DATA_CLASSES, type DataClass } from '../../../shared/domain/streams.js';
import { AppError } from '../../../shared/ipc/errors.js';
import { cryptoReady, KEY_BYTES, open, seal, tampered, type EnvelopeKey } from './envelope.js';

/** Consent data classes, plus the patient's own profile. */
export type KeyScope = DataClass | 'profile';
export const KEY_SCOPES: readonly KeyScope[] = [...DATA_CLASSES, 'profile'];

/** Envelope key ids: data keys use their `data_keys.key_id` (from 1); these two are reserved. */
export const KEK_KEY_ID = 0;
export const STORE_KEY_ID = 0xffffffff;

export interface KdfParams {
  readonly algorithm: 'argon2id';
  /** Argon2 version 1.3 */
  readonly version: 19;
  /** 16 random bytes, base64 */
  readonly salt: string;
  /** KiB */
  readonly memorySize: number;
  readonly iterations: number;
  readonly parallelism: number;
  readonly hashLength: 32;
}

/** The cost parameters a store creator may choose; the salt is always fresh and random. */
export type KdfTuning = Pick<KdfParams, 'memorySize' | 'iterations' | 'parallelism'>;

export const DEFAULT_KDF_TUNING: KdfTuning = { memorySize: 64 * 1024, iterations: 3, parallelism: 1 };

const SALT_BYTES = 16;

// Bounds apply to stored parameters too: a keyring row edited to demand terabytes of memory is refused, not run.
const KdfParamsSchema = z.strictObject({
  algorithm: z.literal('argon2id'),
  version: z.literal(19),
  salt: z.string().refine((s) => Buffer.from(s, 'base64').length === SALT_BYTES),
  memorySize: z.number().int().min(8).max(4 * 1024 * 1024),
  iterations: z.number().int().min(1).max(64),
  parallelism: z.number().int().min(1).max(16),
  hashLength: z.literal(32),
});

export function newKdfParams(tuning: Partial<KdfTuning> = {}): KdfParams {
  const salt = new Uint8Array(SALT_BYTES);
  randomFillSync(salt);
  const parsed = KdfParamsSchema.safeParse({
    algorithm: 'argon2id',
    version: 19,
    salt: Buffer.from(salt).toString('base64'),
    memorySize: tuning.memorySize ?? DEFAULT_KDF_TUNING.memorySize,
    iterations: tuning.iterations ?? DEFAULT_KDF_TUNING.iterations,
    parallelism: tuning.parallelism ?? DEFAULT_KDF_TUNING.parallelism,
    hashLength: 32,
  });
  if (!parsed.success || parsed.data.memorySize < 8 * parsed.data.parallelism) {
    throw new AppError(
      'VALIDATION',
      'The key derivation settings are out of range (memory 8 KiB x parallelism to 4 GiB, 1-64 iterations, ' +
        'parallelism 1-16).',
    );
  }
  return parsed.data;
}

export function parseKdfParams(json: string): KdfParams {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    value = undefined;
  }
  const parsed = KdfParamsSchema.safeParse(value);
  if (!parsed.success || parsed.data.memorySize < 8 * parsed.data.parallelism) {
    throw new AppError(
      'STORE_UNAVAILABLE',
      "The store's key settings are damaged, so it cannot be unlocked. Restore caretwin.db from a backup; " +
        'nothing was changed.',
    );
  }
  return parsed.data;
}

export function checkPasscode(passcode: unknown): asserts passcode is string {
  if (typeof passcode !== 'string' || passcode.length === 0) {
    throw new AppError('VALIDATION', 'Enter a passcode.');
  }
}

/** Derives the key-encryption key. Argon2id is deliberately slow: this is the one await of unlocking. */
export async function deriveKek(passcode: string, params: KdfParams): Promise<Uint8Array> {
  await cryptoReady();
  // NFC: the same passcode typed through different input methods must give the same key.
  const password = new TextEncoder().encode(passcode.normalize('NFC'));
  try {
    return await argon2id({
      password,
      salt: Buffer.from(params.salt, 'base64'),
      iterations: params.iterations,
      parallelism: params.parallelism,
      memorySize: params.memorySize,
      hashLength: params.hashLength,
      outputType: 'binary',
    });
  } finally {
    password.fill(0);
  }
}

export function randomKey(): Uint8Array {
  const key = new Uint8Array(KEY_BYTES);
  randomFillSync(key);
  return key;
}

const STORE_KEY_BINDING = 'keyring|store';

export function wrapStoreKey(kek: Uint8Array, storeKey: Uint8Array): Uint8Array {
  return seal({ keyId: KEK_KEY_ID, key: kek }, storeKey, STORE_KEY_BINDING);
}

/** Opens the wrapped store key: the passcode check. */
export function unwrapStoreKey(kek: Uint8Array, wrapped: Uint8Array): Uint8Array {
  let key: Uint8Array;
  try {
    key = open({ keyId: KEK_KEY_ID, key: kek }, wrapped, STORE_KEY_BINDING);
  } catch {
    throw badPasscode();
  }
  if (key.length !== KEY_BYTES) throw badPasscode();
  return key;
}

export function badPasscode(): AppError {
  return new AppError('BAD_PASSCODE', 'The passcode is not right. Nothing was changed.');
}

/** Opens an account's key slot with the KEK from its passcode: the team key, or BAD_PASSCODE. */
export function openSlot(accountKek: Uint8Array, slot: Uint8Array, binding: string): Uint8Array {
  let key: Uint8Array;
  try {
    key = open({ keyId: KEK_KEY_ID, key: accountKek }, slot, binding);
  } catch {
    throw badAccountPasscode();
  }
  if (key.length !== KEY_BYTES) throw badAccountPasscode();
  return key;
}

export function badAccountPasscode(): AppError {
  return new AppError('BAD_PASSCODE', 'The account or the passcode is not right. Nothing was changed.');
}

function dataKeyBinding(keyId: number, patientId: string, scope: string): string {
  return `data_keys|${keyId}|${patientId}|${scope}`;
}

function unwrapDataKey(kek: Uint8Array, keyId: number, patientId: string, scope: string, wrapped: Uint8Array) {
  const key = open({ keyId: KEK_KEY_ID, key: kek }, wrapped, dataKeyBinding(keyId, patientId, scope));
  if (key.length !== KEY_BYTES) throw tampered('data_keys');
  return key;
}

export interface KeyringRow {
  readonly params: KdfParams;
  readonly wrappedStoreKey: Uint8Array;
}

export function readKeyringRow(db: Database.Database): KeyringRow {
  const row = db.prepare('SELECT kdf, wrapped_store_key FROM keyring WHERE id = 1').raw().get() as
    | [string, Uint8Array]
    | undefined;
  if (row === undefined) {
    throw new AppError(
      'STORE_UNAVAILABLE',
      'The store has no keys, so it cannot be unlocked. Restore caretwin.db from a backup; nothing was changed.',
    );
  }
  return { params: parseKdfParams(row[0]), wrappedStoreKey: row[1] };
}

export function insertKeyringRow(db: Database.Database, params: KdfParams, wrappedStoreKey: Uint8Array, nowMs: number) {
  db.prepare('INSERT INTO keyring (id, kdf, wrapped_store_key, created_at) VALUES (1, ?, ?, ?)').run(
    JSON.stringify(params),
    wrappedStoreKey,
    nowMs,
  );
}

/**
 * A patient account's keyring holds neither the team key nor the store key: only its own account key, which opens
 * copies of that one patient's data keys (`account_keys`) and of the audit key.
 */
export interface PatientScope {
  readonly accountId: string;
  readonly patientId: string;
  readonly accountKey: Uint8Array;
}

export function accountKeyBinding(accountId: string, keyId: number, patientId: string, scope: string): string {
  return `account_keys|${accountId}|${keyId}|${patientId}|${scope}`;
}

export function scopedKeyBinding(accountId: string, patientId: string): string {
  return `accounts.scoped_key|${accountId}|${patientId}`;
}

export function auditKeyCopyBinding(accountId: string): string {
  return `accounts.audit_key|${accountId}`;
}

function outsideScope(): AppError {
  return new AppError('FORBIDDEN', 'A patient account opens only its own record.');
}

interface DataKey extends EnvelopeKey {
  readonly patientId: string;
  readonly scope: KeyScope;
}

/**
 * The unlocked keys of one open store. Data keys are unwrapped on first use and kept until `wipe`; keys created
 * inside a write transaction stay provisional until `settle` says whether it committed.
 */
export class Keyring {
  private readonly byScope = new Map<string, DataKey>();
  private readonly byId = new Map<number, DataKey>();
  private provisional: DataKey[] = [];
  private readonly selectByScope;
  private readonly selectById;
  private readonly nextKeyId;
  private readonly insertKey;

  private readonly selectCopy;

  /** `kek` and `storeKeyBytes` are empty (length 0) for a patient account, which has `scope` instead. */
  constructor(
    private readonly db: Database.Database,
    private kek: Uint8Array,
    private readonly storeKeyBytes: Uint8Array,
    private readonly nowMs: () => number,
    readonly scope?: PatientScope,
  ) {
    this.selectCopy = db.prepare('SELECT wrapped FROM account_keys WHERE account_id = ? AND key_id = ?').pluck();
    this.selectByScope = db.prepare('SELECT key_id, wrapped FROM data_keys WHERE patient_id = ? AND scope = ?').raw();
    this.selectById = db.prepare('SELECT patient_id, scope, wrapped FROM data_keys WHERE key_id = ?').raw();
    // Not COALESCE(MAX(key_id), 0) + 1: wrapped in an expression MAX loses SQLite's min/max optimisation
    // and scans the table, which made every new key O(keys) (seconds for a 1,000-patient panel).
    this.nextKeyId = db.prepare('SELECT key_id FROM data_keys ORDER BY key_id DESC LIMIT 1').pluck();
    this.insertKey = db.prepare(
      'INSERT INTO data_keys (key_id, patient_id, scope, wrapped, created_at) VALUES (?, ?, ?, ?, ?)',
    );
  }

  get storeKey(): EnvelopeKey {
    if (this.scope !== undefined) throw new AppError('FORBIDDEN', 'A patient account cannot open store-wide data.');
    return { keyId: STORE_KEY_ID, key: this.storeKeyBytes };
  }

  /** Whether this keyring can open a patient's keys at all (a patient account: only its own). */
  opensPatient(patientId: string): boolean {
    return this.scope === undefined || this.scope.patientId === patientId;
  }

  /**
   * The data key of (patient, scope). When there is none: undefined, or with `create` a new one, which must
   * happen inside a write transaction followed by `settle`.
   */
  dataKeyFor(patientId: string, scope: KeyScope, create: true): EnvelopeKey;
  dataKeyFor(patientId: string, scope: KeyScope, create: boolean): EnvelopeKey | undefined;
  dataKeyFor(patientId: string, scope: KeyScope, create: boolean): EnvelopeKey | undefined {
    const cached = this.byScope.get(scopeKey(patientId, scope));
    if (cached !== undefined) return cached;
    if (!this.opensPatient(patientId)) throw outsideScope();
    const row = this.selectByScope.get(patientId, scope) as [number, Uint8Array] | undefined;
    if (row !== undefined) return this.remember(row[0], patientId, scope, row[1]);
    if (!create) return undefined;
    // New keys are made by the care team, whose copies for the patient's own accounts are added below.
    if (this.scope !== undefined) throw new AppError('FORBIDDEN', 'A patient account does not add data.');

    const keyId = ((this.nextKeyId.get() as number | undefined) ?? 0) + 1;
    const key = randomKey();
    const wrapped = seal({ keyId: KEK_KEY_ID, key: this.kek }, key, dataKeyBinding(keyId, patientId, scope));
    this.insertKey.run(keyId, patientId, scope, wrapped, this.nowMs());
    this.copyToPatientAccounts(keyId, patientId, scope, key);
    const dataKey: DataKey = { keyId, key, patientId, scope };
    this.cache(dataKey);
    this.provisional.push(dataKey);
    return dataKey;
  }

  /**
   * The key a stored row names, which must belong to the row's patient and scope: a row pointed at another
   * patient's key is tampering even though that key exists. `binding` names the row for the error.
   */
  dataKeyById(keyId: number, patientId: string, scope: KeyScope, binding: string): EnvelopeKey {
    let key = this.byId.get(keyId);
    if (key === undefined) {
      if (!this.opensPatient(patientId)) throw outsideScope();
      const row = this.selectById.get(keyId) as [string, string, Uint8Array] | undefined;
      if (row === undefined || row[0] !== patientId || row[1] !== scope) throw tampered(binding);
      key = this.remember(keyId, patientId, scope, row[2]);
    }
    if (key.patientId !== patientId || key.scope !== scope) throw tampered(binding);
    return key;
  }

  /** After a write transaction: keys it created are kept if it committed, forgotten if it rolled back. */
  settle(committed: boolean): void {
    if (!committed) {
      for (const key of this.provisional) {
        this.byScope.delete(scopeKey(key.patientId, key.scope));
        this.byId.delete(key.keyId);
        key.key.fill(0);
      }
    }
    this.provisional = [];
  }

  /**
   * Rewraps the store key and every data key under a KEK from the new passcode and a new salt, in one
   * transaction. The data keys, and so all stored data, stay as they are.
   */
  async changePasscode(oldPasscode: string, newPasscode: string, tuning?: Partial<KdfTuning>): Promise<void> {
    checkPasscode(oldPasscode);
    checkPasscode(newPasscode);
    // The owner's passcode derives the team key itself; other accounts' slots wrap that key under their own
    // passcodes, which are not here to rewrap them.
    if (this.db.prepare('SELECT 1 FROM accounts LIMIT 1').get() !== undefined) {
      throw new AppError(
        'CONFLICT',
        "The owner passcode cannot change while other accounts exist (their key slots wrap the key it derives). Nothing was changed.",
      );
    }
    const current = readKeyringRow(this.db);
    const oldKek = await deriveKek(oldPasscode, current.params);
    try {
      unwrapStoreKey(oldKek, current.wrappedStoreKey).fill(0);
    } catch (err) {
      oldKek.fill(0);
      throw err;
    }
    const params = newKdfParams({
      memorySize: tuning?.memorySize ?? current.params.memorySize,
      iterations: tuning?.iterations ?? current.params.iterations,
      parallelism: tuning?.parallelism ?? current.params.parallelism,
    });
    const newKek = await deriveKek(newPasscode, params);
    try {
      this.db.transaction(() => {
        // Re-read after the awaits: keys created meanwhile are wrapped under the same (old) KEK.
        const latest = readKeyringRow(this.db);
        const storeKey = unwrapStoreKey(oldKek, latest.wrappedStoreKey);
        this.db
          .prepare('UPDATE keyring SET kdf = ?, wrapped_store_key = ? WHERE id = 1')
          .run(JSON.stringify(params), wrapStoreKey(newKek, storeKey));
        storeKey.fill(0);
        const update = this.db.prepare('UPDATE data_keys SET wrapped = ? WHERE key_id = ?');
        const rows = this.db.prepare('SELECT key_id, patient_id, scope, wrapped FROM data_keys').raw().all() as [
          number,
          string,
          string,
          Uint8Array,
        ][];
        for (const [keyId, patientId, scope, wrapped] of rows) {
          const key = unwrapDataKey(oldKek, keyId, patientId, scope, wrapped);
          update.run(seal({ keyId: KEK_KEY_ID, key: newKek }, key, dataKeyBinding(keyId, patientId, scope)), keyId);
          key.fill(0);
        }
      }).immediate();
    } catch (err) {
      newKek.fill(0);
      throw err;
    } finally {
      oldKek.fill(0);
    }
    this.kek.fill(0);
    this.kek = newKek;
  }

  /**
   * Crypto-shredding: deletes the wrapped data key of (patient, scope) and zeroes the copy held in memory. The
   * caller deletes every row sealed under it first (they reference it) inside the same write transaction; if that
   * rolls back, the wrapped key is back in the table and is unwrapped again on next use. Returns the destroyed
   * key id, or undefined when there was none.
   */
  destroy(patientId: string, scope: KeyScope): number | undefined {
    const row = this.selectByScope.get(patientId, scope) as [number, Uint8Array] | undefined;
    const cached = this.byScope.get(scopeKey(patientId, scope));
    if (cached !== undefined) {
      this.byScope.delete(scopeKey(patientId, scope));
      this.byId.delete(cached.keyId);
      this.provisional = this.provisional.filter((k) => k !== cached);
      cached.key.fill(0);
    }
    if (row === undefined) return undefined;
    this.db.prepare('DELETE FROM data_keys WHERE key_id = ?').run(row[0]);
    return row[0];
  }

  /**
   * An account's key slot: this keyring's KEK (the team key) sealed under the account's own KEK, bound to the
   * account id, role and patient so that a hand-edited role or patient makes the slot fail to open.
   */
  sealSlot(accountKek: Uint8Array, binding: string): Uint8Array {
    if (this.scope !== undefined) throw outsideScope();
    return seal({ keyId: KEK_KEY_ID, key: accountKek }, this.kek, binding);
  }

  /** Whether `teamKey` is this keyring's KEK (a second sign-in on an open store). */
  isTeamKey(teamKey: Uint8Array): boolean {
    return teamKey.length === this.kek.length && timingSafeEqual(teamKey, this.kek);
  }

  private openCopy(keyId: number, patientId: string, scope: KeyScope): Uint8Array {
    const scoped = this.scope!;
    const copy = this.selectCopy.get(scoped.accountId, keyId) as Uint8Array | undefined;
    if (copy === undefined) throw outsideScope();
    const key = open({ keyId: KEK_KEY_ID, key: scoped.accountKey }, copy, accountKeyBinding(scoped.accountId, keyId, patientId, scope));
    if (key.length !== KEY_BYTES) throw tampered('account_keys');
    return key;
  }

  /** Zeroes every key held in memory; the keyring is unusable afterwards. */
  wipe(): void {
    this.scope?.accountKey.fill(0);
    for (const key of this.byId.values()) key.key.fill(0);
    this.byId.clear();
    this.byScope.clear();
    this.provisional = [];
    this.kek.fill(0);
    this.storeKeyBytes.fill(0);
  }

  /**
   * Gives a new patient account copies of every data key of its patient, sealed under its account key (team
   * keyring only, inside the write transaction that creates the account).
   */
  provisionPatientAccount(accountId: string, patientId: string, accountKey: Uint8Array): void {
    if (this.scope !== undefined) throw outsideScope();
    const rows = this.db.prepare('SELECT key_id, scope, wrapped FROM data_keys WHERE patient_id = ?').raw().all(patientId) as [
      number,
      KeyScope,
      Uint8Array,
    ][];
    for (const [keyId, scope, wrapped] of rows) {
      const key = unwrapDataKey(this.kek, keyId, patientId, scope, wrapped);
      this.insertCopy(accountId, keyId, patientId, scope, key, accountKey);
      key.fill(0);
    }
  }

  /** The account key of a patient account, from its team-sealed copy (team keyring only). */
  openScopedKey(accountId: string, patientId: string, sealed: Uint8Array): Uint8Array {
    if (this.scope !== undefined) throw outsideScope();
    const key = open({ keyId: KEK_KEY_ID, key: this.kek }, sealed, scopedKeyBinding(accountId, patientId));
    if (key.length !== KEY_BYTES) throw tampered('accounts');
    return key;
  }

  sealUnderTeamKey(bytes: Uint8Array, binding: string): Uint8Array {
    if (this.scope !== undefined) throw outsideScope();
    return seal({ keyId: KEK_KEY_ID, key: this.kek }, bytes, binding);
  }

  private copyToPatientAccounts(keyId: number, patientId: string, scope: KeyScope, key: Uint8Array): void {
    const accounts = this.db
      .prepare("SELECT id, scoped_key FROM accounts WHERE patient_id = ? AND role = 'patient'")
      .raw()
      .all(patientId) as [string, Uint8Array][];
    for (const [accountId, sealed] of accounts) {
      const accountKey = this.openScopedKey(accountId, patientId, sealed);
      this.insertCopy(accountId, keyId, patientId, scope, key, accountKey);
      accountKey.fill(0);
    }
  }

  private insertCopy(accountId: string, keyId: number, patientId: string, scope: string, key: Uint8Array, accountKey: Uint8Array) {
    this.db
      .prepare('INSERT INTO account_keys (account_id, key_id, wrapped) VALUES (?, ?, ?)')
      .run(accountId, keyId, seal({ keyId: KEK_KEY_ID, key: accountKey }, key, accountKeyBinding(accountId, keyId, patientId, scope)));
  }

  private remember(keyId: number, patientId: string, scope: KeyScope, wrapped: Uint8Array): DataKey {
    const key = this.scope === undefined ? unwrapDataKey(this.kek, keyId, patientId, scope, wrapped) : this.openCopy(keyId, patientId, scope);
    const dataKey: DataKey = { keyId, key, patientId, scope };
    this.cache(dataKey);
    return dataKey;
  }

  private cache(key: DataKey): void {
    this.byScope.set(scopeKey(key.patientId, key.scope), key);
    this.byId.set(key.keyId, key);
  }
}

function scopeKey(patientId: string, scope: string): string {
  return `${patientId}|${scope}`;
}
