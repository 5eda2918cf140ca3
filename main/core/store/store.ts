/**
 * CareTwin's encrypted local store: patients, per-day encrypted chunks of time series, medication records and
 * store-wide metadata in one SQLite file (WAL), under the key hierarchy of keys.ts.
 */
import Database from 'better-sqlite3';
import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import {
  ConditionRecordSchema,
  MedicationSchema,
  PatientProfileSchema,
  type ConditionRecord,
  type Medication,
  type PatientProfile,
} from '../../../shared/domain/patient.js';
import { MS_PER_DAY, utcDay, type Sample, type SeriesBatch } from '../../../shared/domain/sample.js';
import { STREAMS, type DataClass } from '../../../shared/domain/streams.js';
import {
  ConsentProvisionSchema,
  DATA_CLASSES,
  defaultProvision,
  retentionEndMs,
  ROLES,
  type AuditActor,
  type ClassConsent,
  type ConsentProvision,
  type Role,
} from '../../../shared/domain/consent.js';
import { AppError } from '../../../shared/ipc/errors.js';
import type { ImportWriter, PatientRecord, Series, StoreReader, StreamDays, StreamSummary, WriteReport } from './api.js';
import {
  AuditLog,
  deriveAuditKey,
  type AuditEntry,
  type AuditEntryInput,
  type AuditPage,
  type AuditPageQuery,
  type AuditQuery,
  type AuditVerification,
} from './audit-log.js';
import { ChunkEncoder, decodeChunk, decodeChunkInto, type ChunkColumns, type DecodedChunk } from './chunk-codec.js';
import { envelopeKeyId, open, plaintextLength, seal, tampered } from './envelope.js';
import {
  auditKeyCopyBinding,
  badAccountPasscode,
  checkPasscode,
  scopedKeyBinding,
  deriveKek,
  openSlot,
  parseKdfParams,
  insertKeyringRow,
  KEK_KEY_ID,
  Keyring,
  newKdfParams,
  randomKey,
  readKeyringRow,
  unwrapStoreKey,
  wrapStoreKey,
  type KdfParams,
  type KdfTuning,
  type KeyringRow,
  type KeyScope,
} from './keys.js';
import { appliedMigrationIds, migrate, pendingMigrations } from './migrations.js';
import {
  asOpenError,
  DB_FILE_NAME,
  inspectStoreDir,
  openCheckedReadOnly,
  openReadWrite,
  storeDbPath,
  type StoreInspection,
} from './store-file.js';

export type { StoreInspection } from './store-file.js';
export type { KdfParams, KdfTuning, KeyScope } from './keys.js';
export type { AuditEntry, AuditEntryInput, AuditPage, AuditPageQuery, AuditQuery, AuditVerification } from './audit-log.js';

/** What destroying one (patient, data class) removed; the WAL is emptied unless another connection reads it. */
export interface ShredReport {
  readonly patientId: string;
  readonly dataClass: DataClass;
  readonly keyDestroyed: boolean;
  readonly chunks: number;
  readonly records: number;
  /** false when another open connection kept the WAL from being checkpointed and truncated (retry later). */
  readonly walTruncated: boolean;
}

export interface StoreOptions {
  /** Clock for created_at columns (tests pin it). */
  readonly nowMs?: () => number;
}

export interface UnlockOptions extends StoreOptions {
  /** The account signing in (`users list`); the store's own passcode is the admin account `owner` (the default). */
  readonly account?: string;
}

/** The owner: the store's original passcode (the keyring row), the first admin account. */
export const OWNER_ACCOUNT = 'owner';

export interface AccountInfo {
  readonly id: string;
  readonly role: Role;
  readonly status: 'active' | 'disabled';
  /** A patient account's own patient record. */
  readonly patientId: string | null;
  readonly createdMs: number;
}

type AccountRow = [id: string, role: Role, status: 'active' | 'disabled', patientId: string | null, kdf: string, slot: Uint8Array, createdMs: number];

export interface CreateStoreOptions extends StoreOptions {
  /**
   * Argon2id cost (memorySize KiB, iterations, parallelism); the default (64 MiB, 3, 1) is the one to ship.
   * The salt is always fresh and the algorithm and output length fixed, whatever else is passed.
   */
  readonly kdf?: Partial<KdfParams>;
}

/** Times outside what a Date can hold are input errors, not data. */
const MAX_ABS_TIME_MS = 8.64e15;
const CREATING_FILE = `${DB_FILE_NAME}.creating`;
const MEDICATIONS_KIND = 'medications';
const CONDITIONS_KIND = 'conditions';
const MedicationListSchema = z.array(MedicationSchema);
const ConditionListSchema = z.array(ConditionRecordSchema);
const CARE_TEAM_KIND = 'careteam';
/** A tag: a short label the care team chooses (e.g. "post-discharge"); at most 12 per patient. */
export const CARE_TEAM_TAG_MAX = 40;
const CareTeamRecordSchema = z
  .object({
    tags: z.array(z.string().trim().min(1).max(CARE_TEAM_TAG_MAX)).max(12),
    assignedNurse: z.string().regex(/^[A-Za-z0-9._-]{1,40}$/).nullable(),
  })
  .strict();
export interface CareTeamRecord {
  readonly tags: readonly string[];
  readonly assignedNurse: string | null;
}
/** HKDF info of the blind-index key: a key of its own, so an index entry can never be used as a ciphertext key. */
const BLIND_INDEX_INFO = 'caretwin patient identifier blind index v1';
const IDENTIFIER_INDEX_MIGRATION = '0002_identifier_index';
const PATIENT_SLOTS_MIGRATION = '0005_patient_key_slots';

/** One input batch, validated, sorted by time and free of repeated times. */
interface PreparedBatch {
  readonly patientId: string;
  readonly stream: string;
  readonly scope: DataClass;
  readonly source: string;
  readonly tMs: ArrayLike<number>;
  readonly values: ArrayLike<number>;
  readonly sourceIds: readonly (string | undefined)[] | undefined;
  readonly n: number;
  readonly duplicates: number;
  /** The batch as encoder columns: the whole batch is one source. */
  readonly columns: ChunkColumns;
}

/** A day's slice [start, end) of a prepared batch. */
interface Segment {
  readonly batch: PreparedBatch;
  readonly start: number;
  readonly end: number;
}

/** Everything one write brings to one (patient, stream). */
interface SeriesWrite {
  readonly patientId: string;
  readonly stream: string;
  readonly scope: KeyScope;
  readonly days: Map<number, Segment[]>;
  minDay: number;
  maxDay: number;
}

type ChunkRow = [day: number, n: number, keyId: number, blob: Uint8Array];

export class CareTwinStore implements StoreReader, ImportWriter {
  /** Whether `dataDir` holds a store. Reads only: never creates or changes a file. */
  static inspect(dataDir: string): StoreInspection {
    return inspectStoreDir(dataDir);
  }

  /**
   * Creates a new store in `dataDir` (created with mode 0700 if missing, else it must be empty) and returns it
   * unlocked. The database is built under a temporary name and renamed into place, so an interrupted creation
   * never leaves a half-made caretwin.db behind.
   */
  static async create(dataDir: string, passcode: string, opts: CreateStoreOptions = {}): Promise<CareTwinStore> {
    checkPasscode(passcode);
    const nowMs = opts.nowMs ?? Date.now;
    const params = newKdfParams(kdfTuning(opts.kdf));
    checkCreatable(dataDir);
    const kek = await deriveKek(passcode, params);
    const storeKey = randomKey();
    checkCreatable(dataDir);

    const tmpPath = path.join(dataDir, CREATING_FILE);
    let db: Database.Database | undefined;
    try {
      fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
      removeCreatingLeftovers(dataDir);
      db = new Database(tmpPath);
      fs.chmodSync(tmpPath, 0o600);
      db.pragma('synchronous = FULL');
      db.pragma('foreign_keys = ON');
      db.pragma('secure_delete = ON');
      migrate(db, nowMs());
      insertKeyringRow(db, params, wrapStoreKey(kek, storeKey), nowMs());
      // SQLite synced the file at each commit; what remains is making the rename itself durable.
      db.close();
      if (fs.existsSync(storeDbPath(dataDir))) {
        throw new AppError(
          'CONFLICT',
          `A CareTwin store was created in ${dataDir} at the same time. Unlock it instead.`,
        );
      }
      fs.renameSync(tmpPath, storeDbPath(dataDir));
      fsyncDir(dataDir);
    } catch (err) {
      if (db?.open) db.close();
      removeCreatingLeftovers(dataDir);
      kek.fill(0);
      storeKey.fill(0);
      throw err instanceof AppError ? err : asOpenError(err, dataDir);
    }
    return CareTwinStore.openVerified(dataDir, kek, storeKey, nowMs);
  }

  /**
   * Opens an existing store with its passcode. Nothing is written until the passcode has proved right: a wrong
   * one leaves every file as it was.
   */
  static async unlock(dataDir: string, passcode: string, opts: UnlockOptions = {}): Promise<CareTwinStore> {
    checkPasscode(passcode);
    const nowMs = opts.nowMs ?? Date.now;
    const accountId = opts.account ?? OWNER_ACCOUNT;
    const ro = openCheckedReadOnly(dataDir);
    if (ro === null) {
      throw new AppError('NOT_FOUND', `There is no CareTwin store in ${dataDir}. Create one, or choose its directory.`);
    }
    let keyring: KeyringRow;
    let accountRow: AccountRow | undefined;
    try {
      keyring = readKeyringRow(ro);
      if (accountId !== OWNER_ACCOUNT) accountRow = readAccountRow(ro, accountId);
    } catch (err) {
      throw asOpenError(err, dataDir);
    } finally {
      ro.close();
    }
    if (accountId !== OWNER_ACCOUNT && accountRow === undefined) {
      // Same cost and answer as a wrong passcode: which account ids exist is not told to a guesser.
      (await deriveKek(passcode, keyring.params)).fill(0);
      throw badAccountPasscode();
    }
    const { kek, account } = await openTeamKey(keyring, accountRow, passcode);
    if (account.role === 'patient') return CareTwinStore.openForPatient(dataDir, kek, account, nowMs);
    let storeKey: Uint8Array;
    try {
      storeKey = unwrapStoreKey(kek, keyring.wrappedStoreKey);
    } catch (err) {
      kek.fill(0);
      throw err;
    }
    return CareTwinStore.openVerified(dataDir, kek, storeKey, nowMs, account);
  }

  /**
   * A patient account's store: its account key opens copies of its own patient's data keys and of the audit key,
   * nothing else. Schema updates wait for a care-team sign-in (they may need every key).
   */
  private static openForPatient(dataDir: string, accountKey: Uint8Array, account: AccountInfo, nowMs: () => number) {
    let db: Database.Database | undefined;
    try {
      db = openReadWrite(dataDir);
      if (pendingMigrations(appliedMigrationIds(db)).length > 0) {
        throw new AppError('CONFLICT', 'CareTwin was updated: a care-team account signs in once first, then yours works again.');
      }
      const sealed = db.prepare('SELECT audit_key FROM accounts WHERE id = ?').pluck().get(account.id) as Uint8Array | null;
      if (sealed === null || sealed === undefined) throw tampered('accounts');
      const auditKey = Buffer.from(open({ keyId: 0, key: accountKey }, sealed, auditKeyCopyBinding(account.id)));
      const scope = { accountId: account.id, patientId: account.patientId!, accountKey };
      const keyring = new Keyring(db, new Uint8Array(0), new Uint8Array(0), nowMs, scope);
      return new CareTwinStore(dataDir, db, keyring, nowMs, account, auditKey);
    } catch (err) {
      db?.close();
      accountKey.fill(0);
      throw asOpenError(err, dataDir);
    }
  }

  private static openVerified(
    dataDir: string,
    kek: Uint8Array,
    storeKey: Uint8Array,
    nowMs: () => number,
    account: AccountInfo = ownerAccount(),
  ) {
    let db: Database.Database | undefined;
    try {
      db = openReadWrite(dataDir);
      let applied: string[];
      try {
        applied = migrate(db, nowMs());
      } catch (err) {
        if (err instanceof AppError) throw err;
        throw new AppError(
          'STORE_UNAVAILABLE',
          `Updating the store's schema failed (${errorCode(err)}), so it was not opened. Check free disk space ` +
            'and that no other CareTwin is using it, then try again; nothing was changed.',
        );
      }
      // The passcode was checked on a read-only connection; the keyring may have changed since (another process).
      unwrapStoreKey(kek, readKeyringRow(db).wrappedStoreKey).fill(0);
      const keyring = new Keyring(db, kek, storeKey, nowMs);
      const store = new CareTwinStore(dataDir, db, keyring, nowMs, account, deriveAuditKey(storeKey));
      // Patients created before the identifier index existed are indexed once, when the index arrives.
      if (applied.includes(IDENTIFIER_INDEX_MIGRATION)) store.indexAllIdentifiers();
      if (applied.includes(PATIENT_SLOTS_MIGRATION)) store.resealConsents();
      return store;
    } catch (err) {
      db?.close();
      kek.fill(0);
      storeKey.fill(0);
      throw asOpenError(err, dataDir);
    }
  }

  private closed = false;
  private readonly patientIds: Set<string>;
  /** Patients created inside the open write transaction: forgotten again if it rolls back. */
  private provisionalPatientIds: string[] = [];
  private transactionDepth = 0;
  private readonly blindIndexKey: Buffer;
  private readonly auditLog: AuditLog;
  private readonly encoder = new ChunkEncoder();
  private plainScratch = new Uint8Array(16_384);
  private timeScratch = new Float64Array(2048);
  private valueScratch = new Float64Array(2048);
  private readonly stmts;

  private constructor(
    readonly dataDir: string,
    private readonly db: Database.Database,
    private readonly keyring: Keyring,
    private readonly nowMs: () => number,
    /** Who unlocked the store. */
    readonly account: AccountInfo,
    private readonly auditKey: Buffer,
  ) {
    this.stmts = {
      insertPatient: db.prepare('INSERT INTO patients (id, demo, created_at, profile) VALUES (?, ?, ?, ?)'),
      patients: db.prepare('SELECT id, demo, created_at, profile FROM patients ORDER BY created_at, rowid').raw(),
      patient: db.prepare('SELECT id, demo, created_at, profile FROM patients WHERE id = ?').raw(),
      patientCounts: db.prepare('SELECT COUNT(*), COALESCE(SUM(demo), 0) FROM patients').raw(),
      patientExists: db.prepare('SELECT 1 FROM patients WHERE id = ?').pluck(),
      chunkDaysInRange: db
        .prepare('SELECT day FROM chunks WHERE patient_id = ? AND stream = ? AND day BETWEEN ? AND ?')
        .pluck(),
      chunksInRange: db
        .prepare(
          'SELECT day, n, key_id, blob FROM chunks WHERE patient_id = ? AND stream = ? AND day BETWEEN ? AND ? ' +
            'ORDER BY day',
        )
        .raw(),
      chunkAt: db
        .prepare('SELECT day, n, key_id, blob FROM chunks WHERE patient_id = ? AND stream = ? AND day = ?')
        .raw(),
      upsertChunk: db.prepare(
        'INSERT INTO chunks (patient_id, stream, day, n, key_id, blob) VALUES (?, ?, ?, ?, ?, ?) ' +
          'ON CONFLICT (patient_id, stream, day) DO UPDATE ' +
          'SET n = excluded.n, key_id = excluded.key_id, blob = excluded.blob',
      ),
      streamStats: db
        .prepare(
          'SELECT stream, SUM(n), COUNT(*), MIN(day), MAX(day) FROM chunks WHERE patient_id = ? GROUP BY stream ' +
            'ORDER BY stream',
        )
        .raw(),
      lastDays: db.prepare('SELECT stream, MAX(day) FROM chunks WHERE patient_id = ? GROUP BY stream').raw(),
      daysWithData: db
        .prepare('SELECT COUNT(DISTINCT day) FROM chunks WHERE patient_id = ? AND day BETWEEN ? AND ?')
        .pluck(),
      record: db.prepare('SELECT key_id, blob FROM records WHERE patient_id = ? AND kind = ?').raw(),
      upsertRecord: db.prepare(
        'INSERT INTO records (patient_id, kind, key_id, blob) VALUES (?, ?, ?, ?) ' +
          'ON CONFLICT (patient_id, kind) DO UPDATE SET key_id = excluded.key_id, blob = excluded.blob',
      ),
      meta: db.prepare('SELECT blob FROM meta WHERE key = ?').pluck(),
      upsertMeta: db.prepare(
        'INSERT INTO meta (key, blob) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET blob = excluded.blob',
      ),
      identifierOwner: db.prepare('SELECT patient_id FROM patient_identifiers WHERE blind_index = ?').pluck(),
      insertIdentifier: db.prepare('INSERT INTO patient_identifiers (blind_index, patient_id) VALUES (?, ?)'),
      deleteIdentifiers: db.prepare('DELETE FROM patient_identifiers WHERE patient_id = ?'),
      updateProfile: db.prepare('UPDATE patients SET profile = ? WHERE id = ?'),
      consent: db.prepare('SELECT blob FROM consents WHERE patient_id = ? AND data_class = ?').pluck(),
      consentsOf: db.prepare('SELECT data_class, blob FROM consents WHERE patient_id = ?').raw(),
      allConsents: db.prepare('SELECT patient_id, data_class, blob FROM consents').raw(),
      upsertConsent: db.prepare(
        'INSERT INTO consents (patient_id, data_class, blob) VALUES (?, ?, ?) ' +
          'ON CONFLICT (patient_id, data_class) DO UPDATE SET blob = excluded.blob',
      ),
      keyIdOf: db.prepare('SELECT key_id FROM data_keys WHERE patient_id = ? AND scope = ?').pluck(),
      deleteChunksByKey: db.prepare('DELETE FROM chunks WHERE key_id = ?'),
      deleteRecordsByKey: db.prepare('DELETE FROM records WHERE key_id = ?'),
    };
    // A patient account has no store key, and so no blind index: it neither imports nor looks patients up.
    this.blindIndexKey =
      keyring.scope === undefined
        ? Buffer.from(hkdfSync('sha256', keyring.storeKey.key, new Uint8Array(0), BLIND_INDEX_INFO, 32))
        : Buffer.alloc(0);
    this.auditLog = new AuditLog(db, this.auditKey, nowMs);
    this.patientIds = new Set(db.prepare('SELECT id FROM patients').pluck().all() as string[]);
  }

  /**
   * Locks the store: zeroes every key and plaintext buffer held in memory and closes the database, switching it
   * back to a single rollback-journal file so that the next inspection or unlock can read it without writing.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.db.pragma('optimize');
    try {
      this.db.pragma('journal_mode = DELETE');
    } catch {
      // Another connection (e.g. the CLI) still has the file open: it stays in WAL mode, which every open handles.
    }
    this.db.close();
    this.keyring.wipe();
    this.blindIndexKey.fill(0);
    this.auditKey.fill(0);
    this.encoder.wipe();
    this.plainScratch.fill(0);
    this.timeScratch.fill(0);
    this.valueScratch.fill(0);
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  /** True when there is at least one patient and every patient is a demo patient. */
  isDemoOnly(): boolean {
    this.requireOpen();
    const [total, demo] = this.stmts.patientCounts.get() as [number, number];
    return total > 0 && demo === total;
  }

  patientCount(): number {
    this.requireOpen();
    return (this.stmts.patientCounts.get() as [number, number])[0];
  }

  /** Rewraps the keys under the new passcode (and a new salt); stored data is not touched. */
  async changePasscode(
    oldPasscode: string,
    newPasscode: string,
    opts: { kdf?: Partial<KdfParams> } = {},
  ): Promise<void> {
    this.requireOpen();
    try {
      await this.keyring.changePasscode(oldPasscode, newPasscode, kdfTuning(opts.kdf));
    } catch (err) {
      // Locked while Argon2id ran: the keys are gone, and so is the connection the rewrap needed.
      if (this.closed && !(err instanceof AppError)) throw locked();
      throw err;
    }
  }

  createPatient(profile: PatientProfile, opts: { demo?: boolean } = {}): string {
    this.requireOpen();
    const parsed = PatientProfileSchema.safeParse(profile);
    if (!parsed.success) throw validation(`The patient profile is not valid (${issuePaths(parsed.error)}).`);
    const id = randomBytes(16).toString('hex');
    const demo = opts.demo === true ? 1 : 0;
    const createdMs = this.nowMs();
    this.inWriteTransaction(() => {
      // The profile is sealed under a key whose row references the patient row it is part of.
      this.db.pragma('defer_foreign_keys = ON');
      const key = this.keyring.dataKeyFor(id, 'profile', true);
      const blob = seal(key, utf8(JSON.stringify(parsed.data)), patientBinding(id, demo, createdMs));
      this.stmts.insertPatient.run(id, demo, createdMs, blob);
      this.indexIdentifiers(id, parsed.data.identifiers);
      this.provisionalPatientIds.push(id);
    });
    return id;
  }

  /**
   * Replaces a patient's profile (sealed afresh) and re-indexes their identifiers, in one transaction. An
   * identifier that already belongs to another patient is refused.
   */
  updatePatientProfile(patientId: string, profile: PatientProfile): void {
    this.requireOpen();
    const parsed = PatientProfileSchema.safeParse(profile);
    if (!parsed.success) throw validation(`The patient profile is not valid (${issuePaths(parsed.error)}).`);
    const row = this.stmts.patient.get(patientId) as [string, number, number, Uint8Array] | undefined;
    if (row === undefined) {
      throw new AppError('NOT_FOUND', 'That patient is not in this store. Reload the patient list and try again.');
    }
    const [, demo, createdMs] = row;
    this.inWriteTransaction(() => {
      const key = this.keyring.dataKeyFor(patientId, 'profile', true);
      const blob = seal(key, utf8(JSON.stringify(parsed.data)), patientBinding(patientId, demo, createdMs));
      this.stmts.updateProfile.run(blob, patientId);
      this.stmts.deleteIdentifiers.run(patientId);
      this.indexIdentifiers(patientId, parsed.data.identifiers);
    });
  }

  /** The patient who holds this external identifier, looked up through the blind index; undefined if none. */
  findPatientByIdentifier(system: string, value: string): string | undefined {
    this.requireOpen();
    if (typeof system !== 'string' || typeof value !== 'string') throw validation('An identifier is not text.');
    return this.stmts.identifierOwner.get(this.blindIndex(system, value)) as string | undefined;
  }

  /**
   * Runs `fn` (a series of store writes) as one transaction: either all of it is stored or none of it, including
   * patients it created. Importers use it to store one file at a time.
   */
  writeAtomically<T>(fn: () => T): T {
    this.requireOpen();
    let result: T | undefined;
    this.inWriteTransaction(() => {
      result = fn();
    });
    return result as T;
  }

  private blindIndex(system: string, value: string): Buffer {
    if (this.blindIndexKey.length === 0) throw new AppError('FORBIDDEN', 'A patient account does not look patients up.');
    return createHmac('sha256', this.blindIndexKey).update(`${system.trim()}|${value.trim()}`, 'utf8').digest();
  }

  private indexIdentifiers(patientId: string, identifiers: PatientProfile['identifiers']): void {
    for (const { system, value } of identifiers) {
      const index = this.blindIndex(system, value);
      const owner = this.stmts.identifierOwner.get(index) as string | undefined;
      if (owner === patientId) continue;
      if (owner !== undefined) {
        throw new AppError(
          'CONFLICT',
          'An identifier of this patient already belongs to another patient in this store. Nothing was saved; ' +
            'check the identifiers, or import into the existing patient.',
        );
      }
      this.stmts.insertIdentifier.run(index, patientId);
    }
  }

  private indexAllIdentifiers(): void {
    this.inWriteTransaction(() => {
      for (const patient of this.listPatients()) {
        try {
          this.indexIdentifiers(patient.id, patient.profile.identifiers);
        } catch (err) {
          // Two older patients sharing an identifier must not keep the store from opening: the first keeps it.
          if (!(err instanceof AppError && err.code === 'CONFLICT')) throw err;
        }
      }
    });
  }

  listPatients(): PatientRecord[] {
    this.requireOpen();
    return (this.stmts.patients.all() as [string, number, number, Uint8Array][])
      .filter((row) => this.keyring.opensPatient(row[0]))
      .map((row) => this.patientRecord(row));
  }

  getPatient(patientId: string): PatientRecord | undefined {
    this.requireOpen();
    const row = this.stmts.patient.get(patientId) as [string, number, number, Uint8Array] | undefined;
    return row === undefined ? undefined : this.patientRecord(row);
  }

  private patientRecord([id, demo, createdMs, blob]: [string, number, number, Uint8Array]): PatientRecord {
    const binding = patientBinding(id, demo, createdMs);
    const key = this.keyring.dataKeyFor(id, 'profile', false);
    if (key === undefined) throw tampered(binding);
    const profile = PatientProfileSchema.parse(JSON.parse(text(open(key, blob, binding))));
    return { id, profile, demo: demo === 1, createdMs };
  }

  /**
   * Stores batches of samples, all in one transaction. Samples are grouped into (patient, stream, UTC day)
   * chunks; a day that already has a chunk is decrypted, merged by time (a sample at a time already stored is a
   * duplicate and the stored one is kept) and sealed again under a fresh nonce. Input is validated completely
   * before anything is written.
   */
  writeSeries(batches: readonly SeriesBatch[]): WriteReport {
    this.requireOpen();
    const prepared = batches.map((b) => this.prepareBatch(b));
    const writes = new Map<string, SeriesWrite>();
    const inUse = new Map<string, boolean>();
    let duplicates = 0;
    let denied = 0;
    for (const batch of prepared) {
      // Consent gate: a class the patient does not permit now is not stored at all.
      const gateKey = `${batch.patientId}|${batch.scope}`;
      let permitted = inUse.get(gateKey);
      if (permitted === undefined) {
        permitted = this.classInUse(batch.patientId, batch.scope);
        inUse.set(gateKey, permitted);
      }
      if (!permitted) {
        denied += batch.n + batch.duplicates;
        continue;
      }
      duplicates += batch.duplicates;
      if (batch.n > 0) addSegments(writes, batch);
    }

    let added = 0;
    let chunks = 0;
    const report = (): WriteReport => (denied > 0 ? { added, duplicates, chunks, denied } : { added, duplicates, chunks });
    if (writes.size === 0) return report();
    this.inWriteTransaction(() => {
      for (const w of writes.values()) {
        const key = this.keyring.dataKeyFor(w.patientId, w.scope, true);
        const existing = new Set(
          this.stmts.chunkDaysInRange.all(w.patientId, w.stream, w.minDay, w.maxDay) as number[],
        );
        for (const [day, segments] of w.days) {
          const dayStartMs = day * MS_PER_DAY;
          let n: number;
          let plain: Uint8Array;
          const only = segments.length === 1 && !existing.has(day) ? segments[0] : undefined;
          if (only !== undefined) {
            n = only.end - only.start;
            plain = this.encoder.encode(only.batch.columns, only.start, only.end, dayStartMs);
            added += n;
          } else {
            const merged = this.mergeDay(w, day, segments, existing.has(day));
            duplicates += merged.duplicates;
            if (merged.added === 0) continue;
            added += merged.added;
            n = merged.n;
            plain = merged.plain;
          }
          const blob = seal(key, plain, chunkBinding(w.patientId, w.stream, day, n));
          this.stmts.upsertChunk.run(w.patientId, w.stream, day, n, key.keyId, blob);
          chunks++;
        }
      }
    });
    return report();
  }

  /** Groups Sample objects by (patient, stream, source) and writes them as batches, in one transaction. */
  writeSamples(samples: readonly Sample[]): WriteReport {
    this.requireOpen();
    interface Group {
      patientId: string;
      stream: string;
      source: string;
      tMs: number[];
      values: number[];
      sourceIds: (string | undefined)[];
      hasIds?: boolean;
    }
    const groups = new Map<string, Group>();
    for (const s of samples) {
      if (typeof s !== 'object' || s === null) throw validation('A sample is not an object. Nothing was saved.');
      const key = `${s.patientId}\n${s.stream}\n${s.source}`;
      let g = groups.get(key);
      if (g === undefined) {
        g = { patientId: s.patientId, stream: s.stream, source: s.source, tMs: [], values: [], sourceIds: [] };
        groups.set(key, g);
      }
      g.tMs.push(s.tMs);
      g.values.push(s.value);
      g.sourceIds.push(s.sourceId);
      if (s.sourceId !== undefined) g.hasIds = true;
    }
    const batches: SeriesBatch[] = [];
    for (const g of groups.values()) {
      batches.push({
        patientId: g.patientId,
        stream: g.stream,
        source: g.source,
        tMs: g.tMs,
        values: g.values,
        ...(g.hasIds ? { sourceIds: g.sourceIds } : {}),
      });
    }
    return this.writeSeries(batches);
  }

  private prepareBatch(b: SeriesBatch): PreparedBatch {
    if (typeof b !== 'object' || b === null) throw validation('A series batch is not an object. Nothing was saved.');
    if (!this.knowsPatient(b.patientId)) {
      throw validation('A series batch names a patient who is not in this store. Nothing was saved.');
    }
    const def = typeof b.stream === 'string' ? STREAMS.get(b.stream) : undefined;
    if (def === undefined) throw validation('A series batch has an unknown stream code. Nothing was saved.');
    if (typeof b.source !== 'string') throw validation('A series batch has no source. Nothing was saved.');
    const { tMs, values, sourceIds } = b;
    const n = tMs?.length;
    if (typeof n !== 'number' || values?.length !== n || (sourceIds !== undefined && sourceIds.length !== n)) {
      throw validation('A series batch has times, values or source ids of different lengths. Nothing was saved.');
    }
    let increasing = true;
    let prev = -Infinity;
    for (let i = 0; i < n; i++) {
      const t = tMs[i]!;
      const v = values[i]!;
      if (!Number.isFinite(v) || !Number.isFinite(t) || t > MAX_ABS_TIME_MS || t < -MAX_ABS_TIME_MS) {
        throw validation(
          'A series batch holds a time or value that is not a finite number or not a valid date. Nothing was saved; ' +
            'correct the source data and import it again.',
        );
      }
      if (t <= prev) increasing = false;
      prev = t;
    }
    if (sourceIds !== undefined) {
      for (let i = 0; i < n; i++) {
        const id = sourceIds[i];
        if (id !== undefined && typeof id !== 'string') {
          throw validation('A series batch has a source id that is not text. Nothing was saved.');
        }
      }
    }
    const base = { patientId: b.patientId, stream: b.stream, scope: def.dataClass, source: b.source };
    if (increasing) {
      const columns = batchColumns(b.source, tMs, values, sourceIds);
      return { ...base, tMs, values, sourceIds, n, duplicates: 0, columns };
    }

    // Unsorted input: order by time, keeping the first of samples that share a time (stable by input position).
    const order = new Uint32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    order.sort((a, c) => tMs[a]! - tMs[c]! || a - c);
    const st = new Float64Array(n);
    const sv = new Float64Array(n);
    const sids = sourceIds === undefined ? undefined : new Array<string | undefined>(n);
    let m = 0;
    for (let k = 0; k < n; k++) {
      const i = order[k]!;
      const t = tMs[i]!;
      if (m > 0 && st[m - 1] === t) continue;
      st[m] = t;
      sv[m] = values[i]!;
      if (sids !== undefined) sids[m] = sourceIds![i];
      m++;
    }
    const sortedT = st.subarray(0, m);
    const sortedV = sv.subarray(0, m);
    const sortedIds = sids?.slice(0, m);
    return {
      ...base,
      tMs: sortedT,
      values: sortedV,
      sourceIds: sortedIds,
      n: m,
      duplicates: n - m,
      columns: batchColumns(b.source, sortedT, sortedV, sortedIds),
    };
  }

  /** Merges a day's new segments with its stored chunk, if any; the stored sample wins at an equal time. */
  private mergeDay(
    w: SeriesWrite,
    day: number,
    segments: readonly Segment[],
    hasStored: boolean,
  ): { n: number; plain: Uint8Array; added: number; duplicates: number } {
    const dayStartMs = day * MS_PER_DAY;
    let stored: DecodedChunk | undefined;
    if (hasStored) {
      const row = this.stmts.chunkAt.get(w.patientId, w.stream, day) as ChunkRow;
      stored = decodeChunk(this.openChunk(w.patientId, w.stream, w.scope, row), dayStartMs);
    }
    const storedN = stored?.tMs.length ?? 0;
    let total = storedN;
    let withIds = stored?.sourceIds !== undefined;
    for (const s of segments) {
      total += s.end - s.start;
      if (s.batch.sourceIds !== undefined) withIds = true;
    }

    const t = new Float64Array(total);
    const v = new Float64Array(total);
    const src = new Uint32Array(total);
    const ids = withIds ? new Array<string | undefined>(total) : undefined;
    const dict: string[] = [];
    const dictIndex = new Map<string, number>();
    const intern = (source: string): number => {
      let i = dictIndex.get(source);
      if (i === undefined) {
        i = dict.length;
        dict.push(source);
        dictIndex.set(source, i);
      }
      return i;
    };
    let m = 0;
    if (stored !== undefined) {
      const remap = stored.sourceDict.map(intern);
      t.set(stored.tMs);
      v.set(stored.values);
      for (let i = 0; i < storedN; i++) {
        src[i] = remap[stored.sourceIndex[i]!]!;
        if (ids !== undefined) ids[i] = stored.sourceIds?.[i];
      }
      m = storedN;
    }
    for (const s of segments) {
      const si = intern(s.batch.source);
      const bt = s.batch.tMs;
      const bv = s.batch.values;
      const bids = s.batch.sourceIds;
      for (let i = s.start; i < s.end; i++, m++) {
        t[m] = bt[i]!;
        v[m] = bv[i]!;
        src[m] = si;
        if (ids !== undefined) ids[m] = bids?.[i];
      }
    }

    // Stored samples come first, then batches in input order; equal times are ordered by that position, so the
    // first of each time kept below is the stored one, else the earliest input.
    const order = new Uint32Array(total);
    for (let i = 0; i < total; i++) order[i] = i;
    order.sort((a, c) => t[a]! - t[c]! || a - c);
    const kt = new Float64Array(total);
    const kv = new Float64Array(total);
    const ksrc = new Uint32Array(total);
    const kids = ids === undefined ? undefined : new Array<string | undefined>(total);
    const keptDict: string[] = [];
    const dictRemap = new Int32Array(dict.length).fill(-1);
    let kept = 0;
    for (let k = 0; k < total; k++) {
      const i = order[k]!;
      if (kept > 0 && kt[kept - 1] === t[i]) continue;
      kt[kept] = t[i]!;
      kv[kept] = v[i]!;
      const s = src[i]!;
      if (dictRemap[s]! < 0) {
        dictRemap[s] = keptDict.length;
        keptDict.push(dict[s]!);
      }
      ksrc[kept] = dictRemap[s]!;
      if (kids !== undefined) kids[kept] = ids![i];
      kept++;
    }
    const added = kept - storedN;
    const duplicates = total - kept;
    if (added === 0) return { n: storedN, plain: new Uint8Array(0), added, duplicates };
    const plain = this.encoder.encode(
      { tMs: kt, values: kv, sourceDict: keptDict, sourceIndex: ksrc, ...(kids ? { sourceIds: kids } : {}) },
      0,
      kept,
      dayStartMs,
    );
    return { n: kept, plain, added, duplicates };
  }

  readSeries(patientId: string, stream: string, fromMs?: number, toMs?: number): Series {
    this.requireOpen();
    const scope = this.scopeOf(stream);
    if (Number.isNaN(fromMs) || Number.isNaN(toMs)) throw validation('A time range bound is not a number.');
    const lo = fromMs ?? -Infinity;
    const hi = toMs ?? Infinity;
    if (lo > hi || !this.classInUse(patientId, scope)) return { tMs: new Float64Array(0), values: new Float64Array(0) };
    const fromDay = lo < -MAX_ABS_TIME_MS ? -Number.MAX_SAFE_INTEGER : utcDay(lo);
    const toDay = hi > MAX_ABS_TIME_MS ? Number.MAX_SAFE_INTEGER : utcDay(hi);
    const rows = this.stmts.chunksInRange.all(patientId, stream, fromDay, toDay) as ChunkRow[];
    let total = 0;
    for (const row of rows) total += row[1];
    const tMs = new Float64Array(total);
    const values = new Float64Array(total);
    let at = 0;
    for (const row of rows) {
      const plain = this.openChunk(patientId, stream, scope, row);
      const n = decodeChunkInto(plain, row[0] * MS_PER_DAY, tMs, values, at);
      if (n !== row[1]) throw tampered('chunks');
      at += n;
    }
    return seriesBetween({ tMs, values }, lo, hi);
  }

  streamSummaries(patientId: string): StreamSummary[] {
    return this.streamDays(patientId).map(({ stream, count, days, firstDay, lastDay }) => {
      const scope = STREAMS.get(stream)!.dataClass;
      const first = this.chunkTimeBounds(patientId, stream, scope, firstDay);
      const last = firstDay === lastDay ? first : this.chunkTimeBounds(patientId, stream, scope, lastDay);
      return { stream, count, days, firstMs: first[0], lastMs: last[1] };
    });
  }

  streamDays(patientId: string): StreamDays[] {
    this.requireOpen();
    const rows = this.stmts.streamStats.all(patientId) as [string, number, number, number, number][];
    const out: StreamDays[] = [];
    const inUse = new Map<DataClass, boolean>();
    for (const [stream, count, days, minDay, maxDay] of rows) {
      const scope = STREAMS.get(stream)?.dataClass;
      if (scope === undefined) continue;
      if (!inUse.has(scope)) inUse.set(scope, this.classInUse(patientId, scope));
      if (inUse.get(scope) !== true) continue;
      out.push({ stream, count, days, firstDay: minDay, lastDay: maxDay });
    }
    return out;
  }

  daysWithData(patientId: string, fromDay: number, toDay: number): number {
    this.requireOpen();
    return this.stmts.daysWithData.get(patientId, fromDay, toDay) as number;
  }

  lastDataMs(patientId: string): number | null {
    this.requireOpen();
    const rows = this.stmts.lastDays.all(patientId) as [string, number][];
    let newestDay = -Infinity;
    for (const [, day] of rows) newestDay = Math.max(newestDay, day);
    // Samples lie within their day, so only streams whose last chunk is on the newest day need decrypting.
    let last: number | null = null;
    for (const [stream, day] of rows) {
      const scope = STREAMS.get(stream)?.dataClass;
      if (day !== newestDay || scope === undefined || !this.classInUse(patientId, scope)) continue;
      const t = this.chunkTimeBounds(patientId, stream, scope, day)[1];
      if (last === null || t > last) last = t;
    }
    return last;
  }

  /** First and last time of one stored chunk. */
  private chunkTimeBounds(patientId: string, stream: string, scope: KeyScope, day: number): [number, number] {
    const row = this.stmts.chunkAt.get(patientId, stream, day) as ChunkRow;
    const n = row[1];
    if (this.timeScratch.length < n) {
      this.timeScratch = new Float64Array(n * 2);
      this.valueScratch = new Float64Array(n * 2);
    }
    const plain = this.openChunk(patientId, stream, scope, row);
    const got = decodeChunkInto(plain, day * MS_PER_DAY, this.timeScratch, this.valueScratch, 0);
    if (got !== n || n === 0) throw tampered('chunks');
    return [this.timeScratch[0]!, this.timeScratch[n - 1]!];
  }

  /** Decrypts a chunk row into the reused plaintext buffer; valid until the next call. */
  private openChunk(patientId: string, stream: string, scope: KeyScope, [day, n, keyId, blob]: ChunkRow): Uint8Array {
    const binding = chunkBinding(patientId, stream, day, n);
    const key = this.keyring.dataKeyById(keyId, patientId, scope, binding);
    const need = plaintextLength(blob);
    if (this.plainScratch.length < need) {
      this.plainScratch.fill(0);
      this.plainScratch = new Uint8Array(need * 2);
    }
    return open(key, blob, binding, this.plainScratch);
  }

  private scopeOf(stream: string): DataClass {
    const def = typeof stream === 'string' ? STREAMS.get(stream) : undefined;
    if (def === undefined) throw validation('Unknown stream code.');
    return def.dataClass;
  }

  putMedications(patientId: string, medications: readonly Medication[]): void {
    this.requireOpen();
    this.requirePatient(patientId);
    const parsed = MedicationListSchema.safeParse(medications);
    if (!parsed.success) throw validation(`The medication list is not valid (${issuePaths(parsed.error)}).`);
    if (!this.classInUse(patientId, 'medications')) return;
    this.inWriteTransaction(() => {
      const key = this.keyring.dataKeyFor(patientId, 'medications', true);
      const blob = seal(key, utf8(JSON.stringify(parsed.data)), recordBinding(patientId, MEDICATIONS_KIND));
      this.stmts.upsertRecord.run(patientId, MEDICATIONS_KIND, key.keyId, blob);
    });
  }

  /**
   * Adds medications to a patient's list in one transaction: an entry with a `sourceId` replaces the stored entry
   * with the same one (a re-import of an updated order), an entry equal to a stored one is left out, the rest are
   * appended. Returns how many entries were added or replaced.
   */
  mergeMedications(patientId: string, medications: readonly Medication[]): number {
    this.requireOpen();
    this.requirePatient(patientId);
    const parsed = MedicationListSchema.safeParse(medications);
    if (!parsed.success) throw validation(`The medication list is not valid (${issuePaths(parsed.error)}).`);
    if (!this.classInUse(patientId, 'medications')) return 0;
    let changed = 0;
    this.inWriteTransaction(() => {
      const { list, changed: n } = mergeBySourceId(this.getMedications(patientId), parsed.data);
      changed = n;
      if (n > 0) this.putMedications(patientId, list);
    });
    return changed;
  }

  getMedications(patientId: string): Medication[] {
    this.requireOpen();
    if (!this.classInUse(patientId, 'medications')) return [];
    const row = this.stmts.record.get(patientId, MEDICATIONS_KIND) as [number, Uint8Array] | undefined;
    if (row === undefined) return [];
    const binding = recordBinding(patientId, MEDICATIONS_KIND);
    const key = this.keyring.dataKeyById(row[0], patientId, 'medications', binding);
    return MedicationListSchema.parse(JSON.parse(text(open(key, row[1], binding))));
  }

  /** Replaces a patient's list of coded conditions (diagnoses from the EHR), sealed under the profile key. */
  putConditions(patientId: string, conditions: readonly ConditionRecord[]): void {
    this.requireOpen();
    this.requirePatient(patientId);
    const parsed = ConditionListSchema.safeParse(conditions);
    if (!parsed.success) throw validation(`The condition list is not valid (${issuePaths(parsed.error)}).`);
    this.inWriteTransaction(() => {
      const key = this.keyring.dataKeyFor(patientId, 'profile', true);
      const blob = seal(key, utf8(JSON.stringify(parsed.data)), recordBinding(patientId, CONDITIONS_KIND));
      this.stmts.upsertRecord.run(patientId, CONDITIONS_KIND, key.keyId, blob);
    });
  }

  /** Like `mergeMedications`, for coded conditions. Returns how many records were added or replaced. */
  mergeConditions(patientId: string, conditions: readonly ConditionRecord[]): number {
    this.requireOpen();
    this.requirePatient(patientId);
    const parsed = ConditionListSchema.safeParse(conditions);
    if (!parsed.success) throw validation(`The condition list is not valid (${issuePaths(parsed.error)}).`);
    let changed = 0;
    this.inWriteTransaction(() => {
      const { list, changed: n } = mergeBySourceId(this.getConditions(patientId), parsed.data);
      changed = n;
      if (n > 0) this.putConditions(patientId, list);
    });
    return changed;
  }

  /**
   * The care team's working notes on a patient: tags and the nurse assigned (panel triage), sealed under the
   * patient's profile key like the rest of their metadata. Replaced whole, audited in the same transaction
   * (`patient.assign`, naming the fields changed and the nurse account, never the tags' text).
   */
  putCareTeam(actor: AuditActor, patientId: string, value: CareTeamRecord): CareTeamRecord {
    this.requireOpen();
    this.requirePatient(patientId);
    const parsed = CareTeamRecordSchema.safeParse(value);
    if (!parsed.success) throw validation(`The tags or assignment are not valid (${issuePaths(parsed.error)}).`);
    const before = this.getCareTeam(patientId);
    const tags = [...new Set(parsed.data.tags)].sort();
    const next: CareTeamRecord = { tags, assignedNurse: parsed.data.assignedNurse };
    const fields: string[] = [];
    if (before.tags.join('\u0000') !== tags.join('\u0000')) fields.push('tags');
    if (before.assignedNurse !== next.assignedNurse) fields.push('assignedNurse');
    if (fields.length === 0) return next;
    this.inWriteTransaction(() => {
      const key = this.keyring.dataKeyFor(patientId, 'profile', true);
      const blob = seal(key, utf8(JSON.stringify(next)), recordBinding(patientId, CARE_TEAM_KIND));
      this.stmts.upsertRecord.run(patientId, CARE_TEAM_KIND, key.keyId, blob);
      this.auditLog.append({ actor, action: 'patient.assign', patientId, details: { fields, assignedNurse: next.assignedNurse } });
    });
    return next;
  }

  /** Tags and assigned nurse of a patient (none and nobody when never set). */
  getCareTeam(patientId: string): CareTeamRecord {
    this.requireOpen();
    const row = this.stmts.record.get(patientId, CARE_TEAM_KIND) as [number, Uint8Array] | undefined;
    if (row === undefined) return { tags: [], assignedNurse: null };
    const binding = recordBinding(patientId, CARE_TEAM_KIND);
    const key = this.keyring.dataKeyById(row[0], patientId, 'profile', binding);
    return CareTeamRecordSchema.parse(JSON.parse(text(open(key, row[1], binding))));
  }

  getConditions(patientId: string): ConditionRecord[] {
    this.requireOpen();
    const row = this.stmts.record.get(patientId, CONDITIONS_KIND) as [number, Uint8Array] | undefined;
    if (row === undefined) return [];
    const binding = recordBinding(patientId, CONDITIONS_KIND);
    const key = this.keyring.dataKeyById(row[0], patientId, 'profile', binding);
    return ConditionListSchema.parse(JSON.parse(text(open(key, row[1], binding))));
  }

  /**
   * Stores one derived record of a patient (alerts, RPM program log: `kind` starts with "derived."), a JSON value
   * sealed under the patient's `derived` data key. False, storing nothing, when the patient's consent does not
   * permit derived data now; revoking that class destroys these records with the rest of it.
   */
  putDerivedRecord(patientId: string, kind: string, value: unknown): boolean {
    this.requireOpen();
    this.requirePatient(patientId);
    checkDerivedKind(kind);
    const json = JSON.stringify(value);
    if (json === undefined) throw validation('A derived record must be a JSON value.');
    if (!this.classInUse(patientId, 'derived')) return false;
    this.inWriteTransaction(() => {
      const key = this.keyring.dataKeyFor(patientId, 'derived', true);
      this.stmts.upsertRecord.run(patientId, kind, key.keyId, seal(key, utf8(json), recordBinding(patientId, kind)));
    });
    return true;
  }

  /** A derived record stored by `putDerivedRecord`, or undefined (none, or derived data not permitted now). */
  getDerivedRecord<T = unknown>(patientId: string, kind: string): T | undefined {
    this.requireOpen();
    checkDerivedKind(kind);
    if (!this.knowsPatient(patientId) || !this.classInUse(patientId, 'derived')) return undefined;
    const row = this.stmts.record.get(patientId, kind) as [number, Uint8Array] | undefined;
    if (row === undefined) return undefined;
    const binding = recordBinding(patientId, kind);
    const key = this.keyring.dataKeyById(row[0], patientId, 'derived', binding);
    return JSON.parse(text(open(key, row[1], binding))) as T;
  }

  putMeta(key: string, value: unknown): void {
    this.requireOpen();
    checkMetaKey(key);
    const json = JSON.stringify(value);
    if (json === undefined) throw validation('A stored setting must be a JSON value.');
    this.inWriteTransaction(() => {
      this.stmts.upsertMeta.run(key, seal(this.keyring.storeKey, utf8(json), metaBinding(key)));
    });
  }

  /** Stores a setting and its `settings.change` audit entry in one transaction: both are written, or neither. */
  putSetting(actor: AuditActor, key: string, value: string | number | boolean): void {
    this.requireOpen();
    checkMetaKey(key);
    if (!key.startsWith('settings.')) throw validation('A setting name starts with "settings.".');
    const json = JSON.stringify(value);
    this.inWriteTransaction(() => {
      this.stmts.upsertMeta.run(key, seal(this.keyring.storeKey, utf8(json), metaBinding(key)));
      this.auditLog.append({ actor, action: 'settings.change', details: { setting: key.slice('settings.'.length), value } });
    });
  }

  getMeta<T = unknown>(key: string): T | undefined {
    this.requireOpen();
    checkMetaKey(key);
    const blob = this.stmts.meta.get(key) as Uint8Array | undefined;
    if (blob === undefined) return undefined;
    return JSON.parse(text(open(this.keyring.storeKey, blob, metaBinding(key)))) as T;
  }

  /**
   * Adds an account with its own passcode and key slot; an admin's act, audited. A patient account is tied to
   * one patient. The account's Argon2id cost is the store's unless given.
   */
  async addAccount(
    actor: AuditActor,
    role: Role,
    passcode: string,
    opts: { patientId?: string; kdf?: Partial<KdfParams> } = {},
  ): Promise<AccountInfo> {
    this.requireOpen();
    requireAdminActor(actor);
    checkPasscode(passcode);
    if (passcode.length < 8) throw validation('The passcode needs at least 8 characters.');
    if (!(ROLES as readonly string[]).includes(role)) throw validation(`The role must be one of ${ROLES.join(', ')}.`);
    const patientId = opts.patientId ?? null;
    if ((role === 'patient') !== (patientId !== null)) {
      throw validation('A patient account names its patient (--patient ID); other roles name none.');
    }
    if (patientId !== null) this.requirePatient(patientId);
    const current = readKeyringRow(this.db).params;
    const params = newKdfParams({
      memorySize: opts.kdf?.memorySize ?? current.memorySize,
      iterations: opts.kdf?.iterations ?? current.iterations,
      parallelism: opts.kdf?.parallelism ?? current.parallelism,
    });
    if (this.keyring.scope !== undefined) throw new AppError('FORBIDDEN', 'Only an admin manages accounts.');
    const id = `${role}-${randomBytes(4).toString('hex')}`;
    const accountKek = await deriveKek(passcode, params);
    // A patient's slot holds a key of its own that opens only copies of that patient's keys; the others' slots hold
    // the team key.
    const accountKey = patientId === null ? undefined : randomKey();
    try {
      this.requireOpen();
      const kekEnvelope = { keyId: KEK_KEY_ID, key: accountKek };
      const slot =
        accountKey === undefined
          ? this.keyring.sealSlot(accountKek, slotBinding(id, role, patientId))
          : seal(kekEnvelope, accountKey, slotBinding(id, role, patientId));
      const scopedKey = accountKey === undefined ? null : this.keyring.sealUnderTeamKey(accountKey, scopedKeyBinding(id, patientId!));
      const auditKeyCopy =
        accountKey === undefined ? null : seal({ keyId: KEK_KEY_ID, key: accountKey }, this.auditKey, auditKeyCopyBinding(id));
      const createdMs = this.nowMs();
      this.inWriteTransaction(() => {
        this.db
          .prepare(
            'INSERT INTO accounts (id, role, status, patient_id, kdf, slot, created_at, scoped_key, audit_key) ' +
              'VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
          )
          .run(id, role, 'active', patientId, JSON.stringify(params), slot, createdMs, scopedKey, auditKeyCopy);
        if (accountKey !== undefined) this.keyring.provisionPatientAccount(id, patientId!, accountKey);
        this.auditLog.append({ actor, action: 'account.add', patientId, details: { account: id, role } });
      });
      return { id, role, status: 'active', patientId, createdMs };
    } finally {
      accountKek.fill(0);
      accountKey?.fill(0);
    }
  }

  /** Whether any account besides the owner exists (then every connection signs in for itself). */
  hasAccounts(): boolean {
    this.requireOpen();
    return this.db.prepare('SELECT 1 FROM accounts LIMIT 1').get() !== undefined;
  }

  /** Every account, the owner first. */
  listAccounts(): AccountInfo[] {
    this.requireOpen();
    const rows = this.db
      .prepare('SELECT id, role, status, patient_id, kdf, slot, created_at FROM accounts ORDER BY created_at, id')
      .raw()
      .all() as AccountRow[];
    return [ownerAccount(), ...rows.map(accountInfo)];
  }

  /** Disables or enables an account (an admin's act, audited); a disabled account cannot sign in. */
  setAccountStatus(actor: AuditActor, accountId: string, status: 'active' | 'disabled'): AccountInfo {
    this.requireOpen();
    requireAdminActor(actor);
    const row = this.requireAccountRow(accountId);
    this.inWriteTransaction(() => {
      this.db.prepare('UPDATE accounts SET status = ? WHERE id = ?').run(status, accountId);
      this.auditLog.append({
        actor,
        action: status === 'disabled' ? 'account.disable' : 'account.enable',
        patientId: row[3],
        details: { account: accountId, role: row[1] },
      });
    });
    return { ...accountInfo(row), status };
  }

  /** Removes an account: its row and so its key slot are deleted (zeroed by secure_delete, WAL truncated). */
  removeAccount(actor: AuditActor, accountId: string): { walTruncated: boolean } {
    this.requireOpen();
    requireAdminActor(actor);
    this.requireNoOpenTransaction();
    const row = this.requireAccountRow(accountId);
    this.inWriteTransaction(() => {
      this.db.prepare('DELETE FROM accounts WHERE id = ?').run(accountId);
      this.auditLog.append({ actor, action: 'account.remove', patientId: row[3], details: { account: accountId, role: row[1] } });
    });
    return { walTruncated: this.truncateWal() };
  }

  /**
   * Checks an account's passcode against the open store (another person signing in on the same running app):
   * its slot must open to this store's team key. Returns the account, or BAD_PASSCODE / FORBIDDEN (disabled).
   */
  async verifyAccount(accountId: string, passcode: string): Promise<AccountInfo> {
    this.requireOpen();
    checkPasscode(passcode);
    if (this.keyring.scope !== undefined && accountId !== this.account.id) {
      throw new AppError('CONFLICT', "CareTwin is open with one patient's keys only. Lock it, then sign in.");
    }
    const keyring = readKeyringRow(this.db);
    const row = accountId === OWNER_ACCOUNT ? undefined : readAccountRow(this.db, accountId);
    if (accountId !== OWNER_ACCOUNT && row === undefined) {
      (await deriveKek(passcode, keyring.params)).fill(0);
      throw badAccountPasscode();
    }
    const { kek, account } = await openTeamKey(keyring, row, passcode);
    try {
      if (row === undefined) unwrapStoreKey(kek, keyring.wrappedStoreKey).fill(0);
      else if (this.keyring.scope !== undefined) {
        if (!timingSafeEqual(kek, this.keyring.scope.accountKey)) throw badAccountPasscode();
      } else if (account.role === 'patient') {
        const sealed = this.db.prepare('SELECT scoped_key FROM accounts WHERE id = ?').pluck().get(accountId) as Uint8Array;
        const expected = this.keyring.openScopedKey(accountId, account.patientId!, sealed);
        const same = expected.length === kek.length && timingSafeEqual(expected, kek);
        expected.fill(0);
        if (!same) throw badAccountPasscode();
      } else if (!this.keyring.isTeamKey(kek)) throw badAccountPasscode();
    } finally {
      kek.fill(0);
    }
    this.requireOpen();
    return account;
  }

  private requireAccountRow(accountId: string): AccountRow {
    if (accountId === OWNER_ACCOUNT) {
      throw new AppError('CONFLICT', 'The owner account (the store passcode) cannot be disabled or removed.');
    }
    const row = readAccountRow(this.db, accountId);
    if (row === undefined) throw new AppError('NOT_FOUND', 'There is no such account. See "caretwin users list".');
    return row;
  }

  /** Appends one audit entry (its own transaction, or part of the open write). Returns its sequence number. */
  audit(entry: AuditEntryInput): number {
    this.requireOpen();
    let seq = 0;
    this.inWriteTransaction(() => {
      seq = this.auditLog.append(entry);
    });
    return seq;
  }

  listAudit(query: AuditQuery = {}): AuditEntry[] {
    this.requireOpen();
    return this.auditLog.list(query);
  }

  /** One page of audit entries, newest first, filtered by patient, action and actor (audit-log.ts `page`). */
  pageAudit(query: AuditPageQuery = {}): AuditPage {
    this.requireOpen();
    return this.auditLog.page(query);
  }

  /** When each account last signed in, from the audit log (account.unlock entries). */
  lastSignIns(): Map<string, number> {
    this.requireOpen();
    return this.auditLog.lastAtByActor('account.unlock');
  }

  /** Walks the audit chain; names the first entry that was changed, removed or moved. */
  verifyAudit(): AuditVerification {
    this.requireOpen();
    return this.auditLog.verify();
  }

  /** The provision of every data class for a patient; classes with nothing recorded carry the default. */
  consentOf(patientId: string): ClassConsent[] {
    this.requireOpen();
    const record = this.getPatient(patientId);
    if (record === undefined) throw patientNotFound();
    const stored = new Map<string, ConsentProvision>();
    for (const [dataClass, blob] of this.stmts.consentsOf.all(patientId) as [DataClass, Uint8Array][]) {
      stored.set(dataClass, this.openConsent(patientId, dataClass, blob));
    }
    return DATA_CLASSES.map((dataClass) => {
      const provision = stored.get(dataClass);
      return provision === undefined
        ? { dataClass, recorded: false, provision: defaultProvision(record.createdMs) }
        : { dataClass, recorded: true, provision };
    });
  }

  /**
   * Records a patient's provision for one data class and audits it. A provision that denies the class, or whose
   * retention has already ended, destroys the class's data key and rows (see `shred`).
   */
  setConsent(actor: AuditActor, patientId: string, dataClass: DataClass, provision: ConsentProvision): ShredReport | null {
    this.requireOpen();
    this.requireNoOpenTransaction();
    this.requirePatient(patientId);
    if (!(DATA_CLASSES as readonly string[]).includes(dataClass)) throw validation('Unknown data class.');
    const parsed = ConsentProvisionSchema.safeParse(provision);
    if (!parsed.success) throw validation(`The consent is not valid (${issuePaths(parsed.error)}).`);
    const p = parsed.data;
    const end = retentionEndMs(p);
    const destroy = p.status === 'deny' || (end !== null && this.nowMs() >= end);
    let report: Omit<ShredReport, 'walTruncated'> | undefined;
    this.inWriteTransaction(() => {
      const blob = seal(this.profileKey(patientId), utf8(JSON.stringify(p)), consentBinding(patientId, dataClass));
      this.stmts.upsertConsent.run(patientId, dataClass, blob);
      this.auditLog.append({
        actor,
        action: p.status === 'deny' ? 'consent.revoke' : 'consent.set',
        patientId,
        details: {
          dataClass,
          status: p.status,
          purposes: p.purposes,
          roles: p.roles,
          retentionDays: p.retentionDays,
          periodEndMs: p.periodEndMs,
        },
      });
      if (destroy) report = this.shredInTransaction(actor, patientId, dataClass, p.status === 'deny' ? 'revoked' : 'retention');
    });
    return report === undefined ? null : { ...report, walTruncated: this.truncateWal() };
  }

  /** Revokes a class: its provision becomes `deny` (other terms kept) and its data are destroyed. */
  revokeConsent(actor: AuditActor, patientId: string, dataClass: DataClass): ShredReport {
    this.requireOpen();
    const current = this.consentOf(patientId).find((c) => c.dataClass === dataClass);
    if (current === undefined) throw validation('Unknown data class.');
    const report = this.setConsent(actor, patientId, dataClass, {
      ...current.provision,
      status: 'deny',
      updatedMs: this.nowMs(),
    });
    return report!;
  }

  /**
   * Destroys every (patient, class) whose retention period has ended: key and rows, one transaction each.
   * Runs at start-up and daily; the clock is the store's (tests move it).
   */
  sweepRetention(actor: AuditActor): ShredReport[] {
    this.requireOpen();
    this.requireNoOpenTransaction();
    const now = this.nowMs();
    const due: [string, DataClass][] = [];
    for (const [patientId, dataClass, blob] of this.stmts.allConsents.all() as [string, DataClass, Uint8Array][]) {
      if (!this.keyring.opensPatient(patientId)) continue;
      const end = retentionEndMs(this.openConsent(patientId, dataClass, blob));
      if (end === null || now < end) continue;
      if (this.stmts.keyIdOf.get(patientId, dataClass) === undefined) continue;
      due.push([patientId, dataClass]);
    }
    const reports: ShredReport[] = [];
    for (const [patientId, dataClass] of due) {
      let report: Omit<ShredReport, 'walTruncated'> | undefined;
      this.inWriteTransaction(() => {
        report = this.shredInTransaction(actor, patientId, dataClass, 'retention');
      });
      reports.push({ ...report!, walTruncated: false });
    }
    if (reports.length === 0) return reports;
    const walTruncated = this.truncateWal();
    return reports.map((r) => ({ ...r, walTruncated }));
  }

  /**
   * Whether a class of a patient may be collected and used now: the provision permits it, the consent period
   * has begun and not ended, and its retention has not run out. The one gate every write and read of series and
   * records passes; what it refuses is neither stored nor returned.
   */
  classInUse(patientId: string, dataClass: DataClass): boolean {
    const blob = this.stmts.consent.get(patientId, dataClass) as Uint8Array | undefined;
    if (blob === undefined) return true;
    const p = this.openConsent(patientId, dataClass, blob);
    const now = this.nowMs();
    if (p.status !== 'permit' || now < p.periodStartMs) return false;
    if (p.periodEndMs !== null && now > p.periodEndMs) return false;
    const end = retentionEndMs(p);
    return end === null || now < end;
  }

  private profileKey(patientId: string) {
    const key = this.keyring.dataKeyFor(patientId, 'profile', false);
    if (key === undefined) throw tampered(`patients|${patientId}`);
    return key;
  }

  /** Consents sealed under the store key (before 0005) are resealed under each patient's profile key, once. */
  private resealConsents(): void {
    this.inWriteTransaction(() => {
      for (const [patientId, dataClass, blob] of this.stmts.allConsents.all() as [string, DataClass, Uint8Array][]) {
        if (envelopeKeyId(blob) !== this.keyring.storeKey.keyId) continue;
        const binding = consentBinding(patientId, dataClass);
        const plain = open(this.keyring.storeKey, blob, binding);
        this.stmts.upsertConsent.run(patientId, dataClass, seal(this.profileKey(patientId), plain, binding));
      }
    });
  }

  private openConsent(patientId: string, dataClass: DataClass, blob: Uint8Array): ConsentProvision {
    const binding = consentBinding(patientId, dataClass);
    const parsed = ConsentProvisionSchema.safeParse(JSON.parse(text(open(this.profileKey(patientId), blob, binding))));
    if (!parsed.success) throw tampered(binding);
    return parsed.data;
  }

  /**
   * Crypto-shredding of one (patient, class), inside the caller's write transaction: rows sealed under the
   * class's key are deleted (secure_delete zeroes them in their pages), then the wrapped key itself, and the
   * audit entry is written. The caller checkpoints the WAL after the commit.
   */
  private shredInTransaction(
    actor: AuditActor,
    patientId: string,
    dataClass: DataClass,
    reason: 'revoked' | 'retention',
  ): Omit<ShredReport, 'walTruncated'> {
    const keyId = this.stmts.keyIdOf.get(patientId, dataClass) as number | undefined;
    let chunks = 0;
    let records = 0;
    if (keyId !== undefined) {
      chunks = this.stmts.deleteChunksByKey.run(keyId).changes;
      records = this.stmts.deleteRecordsByKey.run(keyId).changes;
    }
    const destroyed = this.keyring.destroy(patientId, dataClass);
    this.auditLog.append({
      actor,
      action: 'retention.shred',
      patientId,
      details: { dataClass, reason, keyDestroyed: destroyed !== undefined, chunks, records },
    });
    return { patientId, dataClass, keyDestroyed: destroyed !== undefined, chunks, records };
  }

  /**
   * Copies the WAL into the database file and truncates it to zero bytes, so no frame holding old ciphertext is
   * left in it. False when another connection's read kept SQLite from finishing (the next shred or close retries).
   */
  private truncateWal(): boolean {
    const [result] = this.db.pragma('wal_checkpoint(TRUNCATE)') as { busy: number; log: number; checkpointed: number }[];
    return result !== undefined && result.busy === 0;
  }

  private requireNoOpenTransaction(): void {
    if (this.transactionDepth > 0) {
      throw new AppError('CONFLICT', 'Consent cannot change in the middle of another write. Try again afterwards.');
    }
  }

  /**
   * Runs `fn` in one immediate transaction; keys and patients it created are forgotten again if it rolls back.
   * Inside another write (`writeAtomically`) it is part of that transaction: the outermost one commits or rolls
   * back everything, and only then are keys and patients settled.
   */
  private inWriteTransaction(fn: () => void): void {
    if (this.transactionDepth > 0) {
      fn();
      return;
    }
    try {
      this.transactionDepth++;
      try {
        this.db.transaction(fn).immediate();
      } finally {
        this.transactionDepth--;
      }
    } catch (err) {
      this.keyring.settle(false);
      this.provisionalPatientIds = [];
      if (err instanceof AppError) throw err;
      throw new AppError(
        'STORE_UNAVAILABLE',
        `The data could not be saved (${errorCode(err)}). Nothing from this change was saved; check free disk ` +
          'space and try again.',
      );
    }
    this.keyring.settle(true);
    for (const id of this.provisionalPatientIds) this.patientIds.add(id);
    this.provisionalPatientIds = [];
  }

  private requireOpen(): void {
    if (this.closed) throw locked();
  }

  /** Patients are never removed behind our back, but another process (the CLI) may add some. */
  private knowsPatient(patientId: unknown): boolean {
    if (typeof patientId !== 'string') return false;
    if (this.patientIds.has(patientId)) return true;
    if (this.stmts.patientExists.get(patientId) === undefined) return false;
    // A patient created in the open transaction is known only once it commits.
    if (!this.provisionalPatientIds.includes(patientId)) this.patientIds.add(patientId);
    return true;
  }

  private requirePatient(patientId: string): void {
    if (!this.knowsPatient(patientId) && !this.provisionalPatientIds.includes(patientId)) {
      throw new AppError('NOT_FOUND', 'That patient is not in this store. Reload the patient list and try again.');
    }
  }
}

/** Merges records by source id (replace), else by equal content (keep one); see `mergeMedications`. */
function mergeBySourceId<T extends { readonly sourceId?: string | undefined }>(
  stored: readonly T[],
  incoming: readonly T[],
): { list: T[]; changed: number } {
  const list = [...stored];
  const seen = new Set(list.map((r) => JSON.stringify(r)));
  let changed = 0;
  for (const record of incoming) {
    const json = JSON.stringify(record);
    if (seen.has(json)) continue;
    const at = record.sourceId === undefined ? -1 : list.findIndex((r) => r.sourceId === record.sourceId);
    if (at >= 0) list[at] = record;
    else list.push(record);
    seen.add(json);
    changed++;
  }
  return { list, changed };
}

function kdfTuning(kdf: Partial<KdfParams> | undefined): Partial<KdfTuning> {
  const tuning: { -readonly [K in keyof KdfTuning]?: number } = {};
  if (kdf?.memorySize !== undefined) tuning.memorySize = kdf.memorySize;
  if (kdf?.iterations !== undefined) tuning.iterations = kdf.iterations;
  if (kdf?.parallelism !== undefined) tuning.parallelism = kdf.parallelism;
  return tuning;
}

function addSegments(writes: Map<string, SeriesWrite>, batch: PreparedBatch): void {
  const groupKey = `${batch.patientId}\n${batch.stream}`;
  let w = writes.get(groupKey);
  if (w === undefined) {
    const { patientId, stream, scope } = batch;
    w = { patientId, stream, scope, days: new Map(), minDay: Infinity, maxDay: -Infinity };
    writes.set(groupKey, w);
  }
  const t = batch.tMs;
  const n = batch.n;
  let i = 0;
  while (i < n) {
    const day = utcDay(t[i]!);
    const dayEndMs = (day + 1) * MS_PER_DAY;
    let j = i + 1;
    while (j < n && t[j]! < dayEndMs) j++;
    const segment: Segment = { batch, start: i, end: j };
    const list = w.days.get(day);
    if (list === undefined) w.days.set(day, [segment]);
    else list.push(segment);
    if (day < w.minDay) w.minDay = day;
    if (day > w.maxDay) w.maxDay = day;
    i = j;
  }
}

function batchColumns(
  source: string,
  tMs: ArrayLike<number>,
  values: ArrayLike<number>,
  sourceIds: readonly (string | undefined)[] | undefined,
): ChunkColumns {
  return sourceIds === undefined
    ? { tMs, values, sourceDict: [source], sourceIndex: 0 }
    : { tMs, values, sourceDict: [source], sourceIndex: 0, sourceIds };
}

/** Associated data of a chunk: every plaintext column of its row, so none can be changed or swapped. */
function chunkBinding(patientId: string, stream: string, day: number, n: number): string {
  return `chunks|${patientId}|${stream}|${day}|${n}`;
}

function patientBinding(id: string, demo: number, createdMs: number): string {
  return `patients|${id}|${demo}|${createdMs}`;
}

function recordBinding(patientId: string, kind: string): string {
  return `records|${patientId}|${kind}`;
}

const ACCOUNT_ID = /^[a-z]+-[0-9a-f]{8}$/;

function ownerAccount(): AccountInfo {
  return { id: OWNER_ACCOUNT, role: 'admin', status: 'active', patientId: null, createdMs: 0 };
}

function accountInfo(row: AccountRow): AccountInfo {
  return { id: row[0], role: row[1], status: row[2], patientId: row[3], createdMs: row[6] };
}

function slotBinding(id: string, role: string, patientId: string | null): string {
  return `accounts|${id}|${role}|${patientId ?? ''}`;
}

function readAccountRow(db: Database.Database, id: string): AccountRow | undefined {
  if (typeof id !== 'string' || !ACCOUNT_ID.test(id)) return undefined;
  // A store from before accounts (not yet migrated: a read-only check) has no such table.
  const hasTable = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'accounts'").get();
  if (hasTable === undefined) return undefined;
  return db
    .prepare('SELECT id, role, status, patient_id, kdf, slot, created_at FROM accounts WHERE id = ?')
    .raw()
    .get(id) as AccountRow | undefined;
}

/** The team key from the owner's passcode (keyring row) or from an account's slot; a disabled account is refused. */
async function openTeamKey(
  keyring: KeyringRow,
  row: AccountRow | undefined,
  passcode: string,
): Promise<{ kek: Uint8Array; account: AccountInfo }> {
  if (row === undefined) return { kek: await deriveKek(passcode, keyring.params), account: ownerAccount() };
  const accountKek = await deriveKek(passcode, parseKdfParams(row[4]));
  try {
    const kek = openSlot(accountKek, row[5], slotBinding(row[0], row[1], row[3]));
    if (row[2] !== 'active') {
      kek.fill(0);
      throw new AppError('FORBIDDEN', 'This account is disabled. Ask an admin to enable it.');
    }
    return { kek, account: accountInfo(row) };
  } finally {
    accountKek.fill(0);
  }
}

function requireAdminActor(actor: AuditActor): void {
  if (actor.role !== 'admin') throw new AppError('FORBIDDEN', 'Only an admin manages accounts.');
}

function consentBinding(patientId: string, dataClass: string): string {
  return `consents|${patientId}|${dataClass}`;
}

function patientNotFound(): AppError {
  return new AppError('NOT_FOUND', 'That patient is not in this store. Reload the patient list and try again.');
}

function metaBinding(key: string): string {
  return `meta|${key}`;
}

function checkDerivedKind(kind: string): void {
  if (typeof kind !== 'string' || !/^derived\.[a-z0-9.-]{1,60}$/.test(kind)) {
    throw validation('A derived record kind is "derived." and 1 to 60 lower-case letters, digits, dots or dashes.');
  }
}

function checkMetaKey(key: string): void {
  if (typeof key !== 'string' || key.length === 0 || key.length > 200) {
    throw validation('A setting name must be 1 to 200 characters.');
  }
  // The audit log keeps its own records in meta.
  if (key.startsWith('audit.')) throw validation('Setting names starting with "audit." are reserved.');
}

/** The samples of a sorted series with fromMs <= t <= toMs (readSeries' range), copied unless that is all of them. */
export function seriesBetween(series: Series, fromMs: number, toMs: number): Series {
  const { tMs, values } = series;
  const a = fromMs === -Infinity ? 0 : firstAtOrAfter(tMs, fromMs);
  const b = toMs === Infinity ? tMs.length : firstAfter(tMs, toMs);
  if (a === 0 && b === tMs.length) return series;
  return { tMs: tMs.slice(a, b), values: values.slice(a, b) };
}

/** Index of the first time >= x in a sorted array. */
function firstAtOrAfter(t: Float64Array, x: number): number {
  let lo = 0;
  let hi = t.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (t[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Index of the first time > x in a sorted array. */
function firstAfter(t: Float64Array, x: number): number {
  let lo = 0;
  let hi = t.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (t[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function checkCreatable(dataDir: string): void {
  let entries: string[];
  try {
    if (!fs.statSync(dataDir).isDirectory()) {
      throw new AppError('STORE_UNAVAILABLE', `${dataDir} is a file, not a directory. Choose another data directory.`);
    }
    entries = fs.readdirSync(dataDir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err instanceof AppError ? err : asOpenError(err, dataDir);
  }
  if (entries.includes(DB_FILE_NAME)) {
    throw new AppError(
      'CONFLICT',
      `A CareTwin store already exists in ${dataDir}. Unlock it with its passcode, or choose another directory; ` +
        'nothing was changed.',
    );
  }
  // Leftovers of an interrupted creation are ours to replace.
  if (entries.some((e) => !e.startsWith(CREATING_FILE))) {
    throw new AppError(
      'STORE_UNAVAILABLE',
      `${dataDir} is not empty and holds no CareTwin store. Choose an empty or new directory; nothing was changed.`,
    );
  }
}

function removeCreatingLeftovers(dataDir: string): void {
  for (const suffix of ['', '-journal', '-wal', '-shm']) {
    fs.rmSync(path.join(dataDir, CREATING_FILE + suffix), { force: true });
  }
}

/** Makes the rename durable; Windows cannot open directories, and NTFS journals renames itself. */
function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // See above: not possible everywhere, and not needed where it is not possible.
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function utf8(s: string): Uint8Array {
  return utf8Encoder.encode(s);
}

function text(bytes: Uint8Array): string {
  return utf8Decoder.decode(bytes);
}

/** SQLite's or the OS's error code: says what failed without carrying any data. */
function errorCode(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'unknown error';
}

function locked(): AppError {
  return new AppError('LOCKED', 'The store is locked. Unlock it with the passcode and try again.');
}

function validation(message: string): AppError {
  return new AppError('VALIDATION', message);
}

/** Where a zod parse failed, by field path only: the offending values may be patient data. */
function issuePaths(error: z.ZodError): string {
  const paths = [...new Set(error.issues.map((i) => i.path.join('.') || '(root)'))];
  return paths.slice(0, 5).join(', ');
}
