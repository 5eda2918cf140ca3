/**
 * Numbered schema migrations, recorded in `schema_migrations`. A store opens only when the migrations it records
 * are a prefix of the ones this build knows; the rest are applied in one transaction. A store written by a newer
 * CareTwin, or whose history diverged from this build's, is refused before anything is written.
 */
import type Database from 'better-sqlite3';
import { AppError } from '../../../shared/ipc/errors.js';
import { migration as m0001 } from './migrations/0001_init.js';
import { migration as m0002 } from './migrations/0002_identifier_index.js';
import { migration as m0003 } from './migrations/0003_consent_audit.js';
import { migration as m0004 } from './migrations/0004_accounts.js';
import { migration as m0005 } from './migrations/0005_patient_key_slots.js';

export interface Migration {
  /** `NNNN_name`: the order of application is the order of ids. */
  readonly id: string;
  readonly sql: string;
}

/** Every migration this build knows, oldest first. Append only: never edit or reorder a released migration. */
export const MIGRATIONS: readonly Migration[] = [m0001, m0002, m0003, m0004, m0005];

/** `PRAGMA application_id` of a CareTwin store: 'CATW'. */
export const APPLICATION_ID = 0x43415457;

/** Tables a store must have; a later migration that drops one must update this list. */
export const REQUIRED_TABLES: readonly string[] = [
  'schema_migrations',
  'keyring',
  'patients',
  'data_keys',
  'chunks',
  'records',
  'meta',
];

// The runner's own bookkeeping, so every migration, the first included, is only about the data.
const MIGRATIONS_TABLE_SQL = `
CREATE TABLE schema_migrations (
  id TEXT PRIMARY KEY,
  applied_at INTEGER NOT NULL
) STRICT;`;

export function appliedMigrationIds(db: Database.Database): string[] {
  const hasTable = db
    .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'")
    .pluck()
    .get();
  if (hasTable === undefined) return [];
  return db.prepare('SELECT id FROM schema_migrations ORDER BY id').pluck().all() as string[];
}

/** The migrations still to apply, or an error when `applied` is not a prefix of `known`. */
export function pendingMigrations(applied: readonly string[], known: readonly Migration[] = MIGRATIONS): Migration[] {
  const knownIds = new Set(known.map((m) => m.id));
  const unknown = applied.filter((id) => !knownIds.has(id));
  const newestKnown = migrationNumber(known.at(-1)?.id ?? '0');
  if (unknown.some((id) => migrationNumber(id) > newestKnown)) {
    throw new AppError(
      'STORE_UNAVAILABLE',
      `This store was written by a newer version of CareTwin (schema ${applied.at(-1)}). Update CareTwin to open ` +
        'it; nothing was changed.',
    );
  }
  const mismatch = applied.findIndex((id, i) => known[i]?.id !== id);
  if (mismatch >= 0) {
    throw new AppError(
      'STORE_UNAVAILABLE',
      `This store's schema does not match this version of CareTwin (it records ${applied[mismatch]} where this ` +
        `version expects ${known[mismatch]?.id ?? 'nothing'}). Open it with the CareTwin version that wrote it; ` +
        'nothing was changed.',
    );
  }
  return known.slice(applied.length);
}

/**
 * Applies the pending migrations in one transaction (all or none) and returns their ids. A fresh database is
 * stamped with the CareTwin application id in the same transaction.
 */
export function migrate(db: Database.Database, nowMs: number, known: readonly Migration[] = MIGRATIONS): string[] {
  return db
    .transaction(() => {
      const applied = appliedMigrationIds(db);
      const pending = pendingMigrations(applied, known);
      if (applied.length === 0) {
        db.pragma(`application_id = ${APPLICATION_ID}`);
        db.exec(MIGRATIONS_TABLE_SQL);
      }
      for (const m of pending) {
        db.exec(m.sql);
        db.prepare('INSERT INTO schema_migrations (id, applied_at) VALUES (?, ?)').run(m.id, nowMs);
      }
      return pending.map((m) => m.id);
    })
    .immediate();
}

/** The NNNN of `NNNN_name`: a later number than any this build knows means a newer build wrote the store. */
function migrationNumber(id: string): number {
  const n = Number.parseInt(id, 10);
  return Number.isNaN(n) ? -1 : n;
}
