import type { Migration } from '../migrations.js';

/**
 * Consent provisions and the audit log.
 *
 * `consents`: one provision per (patient, data class), sealed under the store key (the retention sweep reads them
 * right after unlock, before anyone asks for a patient). No row: the default provision applies.
 *
 * `audit_log`: append-only and hash-chained. Each row's `hash` is HMAC-SHA256, under a key derived from the store
 * key, of the previous row's hash and the row's own canonical columns; editing, deleting or reordering a row breaks
 * the chain at that row, and without the passcode nobody can recompute it. Columns are plaintext so that the log
 * can be listed and verified quickly, which is why they hold nothing about a person: random ids, role, action,
 * data class names and counts. The triggers stop the app (and any bug in it) from changing history; someone
 * editing the file by hand can drop them, which `audit verify` then finds.
 */
export const migration: Migration = {
  id: '0003_consent_audit',
  sql: `
CREATE TABLE consents (
  patient_id TEXT NOT NULL REFERENCES patients (id) ON DELETE CASCADE,
  data_class TEXT NOT NULL CHECK (data_class IN ('cgm', 'vitals', 'activity', 'labs', 'medications', 'derived')),
  blob BLOB NOT NULL,
  PRIMARY KEY (patient_id, data_class)
) STRICT;

CREATE TABLE audit_log (
  seq INTEGER PRIMARY KEY,
  at INTEGER NOT NULL,
  actor TEXT NOT NULL,
  role TEXT NOT NULL,
  action TEXT NOT NULL,
  patient_id TEXT,
  outcome TEXT NOT NULL CHECK (outcome IN ('ok', 'denied', 'failed')),
  details TEXT NOT NULL,
  prev_hash BLOB NOT NULL CHECK (length(prev_hash) = 32),
  hash BLOB NOT NULL CHECK (length(hash) = 32)
) STRICT;

CREATE TRIGGER audit_log_append_only_update BEFORE UPDATE ON audit_log
BEGIN
  SELECT RAISE(ABORT, 'the audit log is append-only');
END;

CREATE TRIGGER audit_log_append_only_delete BEFORE DELETE ON audit_log
BEGIN
  SELECT RAISE(ABORT, 'the audit log is append-only');
END;
`,
};
