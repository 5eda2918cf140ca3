import type { Migration } from '../migrations.js';

/**
 * The first schema. Plaintext columns are only what queries need: random patient ids, stream codes, UTC day
 * numbers, sample counts, the demo flag and creation times. Everything about a person is in an envelope blob.
 *
 * `chunks` and `records` are rowid tables on purpose: their rows (~1-8 KB) are larger than a WITHOUT ROWID b-tree
 * keeps inline on a 4 KiB page (~1 KB), which would push every chunk onto an overflow page (3x the file size and
 * write time, measured).
 */
export const migration: Migration = {
  id: '0001_init',
  sql: `
-- One row: the Argon2id parameters (JSON, with the salt) and the store key wrapped under the passcode's KEK.
CREATE TABLE keyring (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  kdf TEXT NOT NULL,
  wrapped_store_key BLOB NOT NULL,
  created_at INTEGER NOT NULL
) STRICT;

-- id: 32 random lowercase hex characters, never derived from anything about the person.
-- profile: envelope under the patient's 'profile' data key.
CREATE TABLE patients (
  id TEXT PRIMARY KEY CHECK (length(id) = 32 AND id NOT GLOB '*[^0-9a-f]*'),
  demo INTEGER NOT NULL CHECK (demo IN (0, 1)),
  created_at INTEGER NOT NULL,
  profile BLOB NOT NULL
) STRICT;

-- One data key per (patient, consent scope), wrapped under the KEK; deleting a row crypto-shreds its scope.
CREATE TABLE data_keys (
  key_id INTEGER PRIMARY KEY,
  patient_id TEXT NOT NULL REFERENCES patients (id) ON DELETE CASCADE,
  scope TEXT NOT NULL CHECK (scope IN ('cgm', 'vitals', 'activity', 'labs', 'medications', 'derived', 'profile')),
  wrapped BLOB NOT NULL,
  created_at INTEGER NOT NULL,
  UNIQUE (patient_id, scope)
) STRICT;

-- One row per (patient, stream, UTC day): n samples, encoded (chunk-codec.ts) and sealed under the data key of
-- the stream's consent scope.
CREATE TABLE chunks (
  patient_id TEXT NOT NULL REFERENCES patients (id) ON DELETE CASCADE,
  stream TEXT NOT NULL,
  day INTEGER NOT NULL,
  n INTEGER NOT NULL CHECK (n > 0),
  key_id INTEGER NOT NULL REFERENCES data_keys (key_id),
  blob BLOB NOT NULL,
  PRIMARY KEY (patient_id, stream, day)
) STRICT;

-- Per-patient documents by kind (e.g. 'medications'), sealed under the data key of the kind's scope.
CREATE TABLE records (
  patient_id TEXT NOT NULL REFERENCES patients (id) ON DELETE CASCADE,
  kind TEXT NOT NULL,
  key_id INTEGER NOT NULL REFERENCES data_keys (key_id),
  blob BLOB NOT NULL,
  PRIMARY KEY (patient_id, kind)
) STRICT;

-- Rows by the key that sealed them: SQLite's foreign-key checks on data_keys look children up by key_id
-- (without these, each new key scanned every chunk), and shredding a scope deletes its rows by key.
CREATE INDEX chunks_by_key ON chunks (key_id);
CREATE INDEX records_by_key ON records (key_id);

-- Store-wide values (JSON) sealed under the store key. Keys are names chosen by code, never patient data.
CREATE TABLE meta (
  key TEXT PRIMARY KEY,
  blob BLOB NOT NULL
) STRICT;
`,
};
