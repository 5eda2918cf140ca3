/**
 * The store's database file, `<dataDir>/caretwin.db`: deciding whether a directory holds a CareTwin store, and
 * opening it. Everything before the passcode is verified reads only, so a wrong directory, a foreign or damaged
 * file, a newer schema or a wrong passcode leaves every file byte-for-byte as it was.
 */
import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { AppError } from '../../../shared/ipc/errors.js';
import { APPLICATION_ID, appliedMigrationIds, pendingMigrations, REQUIRED_TABLES } from './migrations.js';

export const DB_FILE_NAME = 'caretwin.db';

export type StoreInspection = { readonly state: 'absent' } | { readonly state: 'present' };

const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');
const HEADER_BYTES = 100;

export function storeDbPath(dataDir: string): string {
  return path.join(dataDir, DB_FILE_NAME);
}

/**
 * Opens caretwin.db for reading and checks that it is an intact CareTwin store this build can open; null when the
 * directory or the file does not exist. The caller closes the connection.
 */
export function openCheckedReadOnly(dataDir: string): Database.Database | null {
  const dirStat = statOrUndefined(dataDir, dataDir);
  if (dirStat === undefined) return null;
  if (!dirStat.isDirectory()) {
    throw new AppError(
      'STORE_UNAVAILABLE',
      `${dataDir} is a file, not a directory. Choose another data directory; nothing was changed.`,
    );
  }
  const dbPath = storeDbPath(dataDir);
  const fileStat = statOrUndefined(dbPath, dataDir);
  if (fileStat === undefined) return null;
  if (!fileStat.isFile()) throw notAStore(dataDir, `${DB_FILE_NAME} is not a file`);

  const header = readHeader(dbPath, dataDir);
  if (header.length < HEADER_BYTES || !header.subarray(0, SQLITE_MAGIC.length).equals(SQLITE_MAGIC)) {
    throw notAStore(dataDir, `${DB_FILE_NAME} is not a CareTwin database`);
  }
  // The application id sits in the file header: a foreign SQLite file is refused without being opened.
  if (header.readUInt32BE(68) !== APPLICATION_ID) {
    throw notAStore(dataDir, `${DB_FILE_NAME} is not a CareTwin database`);
  }

  let db: Database.Database | undefined;
  try {
    db = openReadOnlyWithoutSideFiles(dbPath, header);
    checkStoreDatabase(db, dataDir);
    return db;
  } catch (err) {
    db?.close();
    throw asOpenError(err, dataDir);
  }
}

/** Whether `dataDir` holds a store; throws STORE_UNAVAILABLE when it holds something that is not a usable one. */
export function inspectStoreDir(dataDir: string): StoreInspection {
  const db = openCheckedReadOnly(dataDir);
  if (db === null) return { state: 'absent' };
  db.close();
  return { state: 'present' };
}

/** The checks that need SQLite: our application id, a schema this build can open, the tables, page integrity. */
export function checkStoreDatabase(db: Database.Database, dataDir: string): void {
  if (db.pragma('application_id', { simple: true }) !== APPLICATION_ID) {
    throw notAStore(dataDir, `${DB_FILE_NAME} is not a CareTwin database`);
  }
  pendingMigrations(appliedMigrationIds(db));
  const tables = new Set(
    db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[],
  );
  if (!REQUIRED_TABLES.every((t) => tables.has(t))) {
    throw notAStore(dataDir, `${DB_FILE_NAME} lacks tables a CareTwin store has`);
  }
  const check = db.pragma('quick_check', { simple: true });
  if (check !== 'ok') throw damaged(dataDir);
}

/** Opens the store for writing, with the connection settings the store relies on. */
export function openReadWrite(dataDir: string): Database.Database {
  let db: Database.Database | undefined;
  try {
    db = new Database(storeDbPath(dataDir), { fileMustExist: true });
    configureConnection(db);
    if (db.pragma('application_id', { simple: true }) !== APPLICATION_ID) {
      throw notAStore(dataDir, `${DB_FILE_NAME} is not a CareTwin database`);
    }
    return db;
  } catch (err) {
    db?.close();
    throw asOpenError(err, dataDir);
  }
}

export function configureConnection(db: Database.Database): void {
  db.pragma('journal_mode = WAL');
  // In WAL mode NORMAL never corrupts; a power cut may lose the last commits, which the sources can resend.
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  // Deleted and overwritten ciphertext is zeroed rather than left in free pages.
  db.pragma('secure_delete = ON');
  // After a checkpoint the WAL shrinks back instead of keeping old frames of ciphertext around at full size.
  db.pragma('journal_size_limit = 67108864');
}

/**
 * A read-only connection creates `-wal` and `-shm` files next to a WAL-mode database when they are missing, and
 * leaves them behind. The store switches back to rollback mode when it closes, so a closed store is one file that a
 * read-only open does not touch. If the file is still in WAL mode with no WAL beside it (another process kept it
 * open at our last close), the WAL holds nothing and the file alone is the database: it is read into memory and
 * opened from there, as a rollback-mode image.
 */
function openReadOnlyWithoutSideFiles(dbPath: string, header: Buffer): Database.Database {
  const walMode = header[18] === 2 || header[19] === 2;
  if (walMode && !fs.existsSync(`${dbPath}-wal`)) {
    const image = fs.readFileSync(dbPath);
    image[18] = 1;
    image[19] = 1;
    return new Database(image, { readonly: true });
  }
  return new Database(dbPath, { readonly: true, fileMustExist: true });
}

function readHeader(dbPath: string, dataDir: string): Buffer {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dbPath, 'r');
    const buf = Buffer.alloc(HEADER_BYTES);
    const n = fs.readSync(fd, buf, 0, HEADER_BYTES, 0);
    return buf.subarray(0, n);
  } catch (err) {
    throw asOpenError(err, dataDir);
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

function statOrUndefined(p: string, dataDir: string): fs.Stats | undefined {
  try {
    return fs.statSync(p);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw asOpenError(err, dataDir);
  }
}

export function notAStore(dataDir: string, why: string): AppError {
  return new AppError(
    'STORE_UNAVAILABLE',
    `${dataDir} is not a CareTwin store (${why}). Choose another data directory; nothing was changed.`,
  );
}

export function damaged(dataDir: string): AppError {
  return new AppError(
    'STORE_UNAVAILABLE',
    `${DB_FILE_NAME} in ${dataDir} is damaged and cannot be opened. Restore it from a backup or choose another ` +
      'data directory; nothing was changed.',
  );
}

/** Maps errors from opening and checking: our own pass through, SQLite's and the file system's say what failed. */
export function asOpenError(err: unknown, dataDir: string): AppError {
  if (err instanceof AppError) return err;
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB')) {
    return damaged(dataDir);
  }
  const what = typeof code === 'string' ? code : 'unknown error';
  return new AppError(
    'STORE_UNAVAILABLE',
    `The CareTwin store in ${dataDir} could not be opened (${what}). Check that the disk is available and that ` +
      'you may read and write there; nothing was changed.',
  );
}
