CREATE TRIGGER audit_log_append_only_delete BEFORE DELETE ON audit_log
BEGIN
  SELECT RAISE(ABORT, 'the audit log is append-only');
END;

CREATE TRIGGER audit_log_append_only_update BEFORE UPDATE ON audit_log
BEGIN
  SELECT RAISE(ABORT, 'the audit log is append-only');
END;

CREATE TABLE account_keys (
  account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  key_id INTEGER NOT NULL REFERENCES data_keys (key_id) ON DELETE CASCADE,
  wrapped BLOB NOT NULL,
  PRIMARY KEY (account_id, key_id)
) STRICT;

CREATE TABLE accounts (
  id TEXT PRIMARY KEY CHECK (id GLOB '[a-z]*-[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]'),
  role TEXT NOT NULL CHECK (role IN ('admin', 'clinician', 'nurse', 'patient')),
  status TEXT NOT NULL CHECK (status IN ('active', 'disabled')),
  patient_id TEXT REFERENCES patients (id) ON DELETE CASCADE,
  kdf TEXT NOT NULL,
  slot BLOB NOT NULL,
  created_at INTEGER NOT NULL, scoped_key BLOB, audit_key BLOB,
  CHECK ((role = 'patient') = (patient_id IS NOT NULL))
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

CREATE TABLE chunks (
  patient_id TEXT NOT NULL REFERENCES patients (id) ON DELETE CASCADE,
  stream TEXT NOT NULL,
  day INTEGER NOT NULL,
  n INTEGER NOT NULL CHECK (n > 0),
  key_id INTEGER NOT NULL REFERENCES data_keys (key_id),
  blob BLOB NOT NULL,
  PRIMARY KEY (patient_id, stream, day)
) STRICT;

CREATE TABLE consents (
  patient_id TEXT NOT NULL REFERENCES patients (id) ON DELETE CASCADE,
  data_class TEXT NOT NULL CHECK (data_class IN ('cgm', 'vitals', 'activity', 'labs', 'medications', 'derived')),
  blob BLOB NOT NULL,
  PRIMARY KEY (patient_id, data_class)
) STRICT;

CREATE TABLE data_keys (
  key_id INTEGER PRIMARY KEY,
  patient_id TEXT NOT NULL REFERENCES patients (id) ON DELETE CASCADE,
  scope TEXT NOT NULL CHECK (scope IN ('cgm', 'vitals', 'activity', 'labs', 'medications', 'derived', 'profile')),
  wrapped BLOB NOT NULL,
  created_at INTEGER NOT NULL,
  UNIQUE (patient_id, scope)
) STRICT;

CREATE TABLE keyring (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  kdf TEXT NOT NULL,
  wrapped_store_key BLOB NOT NULL,
  created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE meta (
  key TEXT PRIMARY KEY,
  blob BLOB NOT NULL
) STRICT;

CREATE TABLE patient_identifiers (
  blind_index BLOB PRIMARY KEY CHECK (length(blind_index) = 32),
  patient_id TEXT NOT NULL REFERENCES patients (id) ON DELETE CASCADE
) STRICT, WITHOUT ROWID;

CREATE TABLE patients (
  id TEXT PRIMARY KEY CHECK (length(id) = 32 AND id NOT GLOB '*[^0-9a-f]*'),
  demo INTEGER NOT NULL CHECK (demo IN (0, 1)),
  created_at INTEGER NOT NULL,
  profile BLOB NOT NULL
) STRICT;

CREATE TABLE records (
  patient_id TEXT NOT NULL REFERENCES patients (id) ON DELETE CASCADE,
  kind TEXT NOT NULL,
  key_id INTEGER NOT NULL REFERENCES data_keys (key_id),
  blob BLOB NOT NULL,
  PRIMARY KEY (patient_id, kind)
) STRICT;

CREATE TABLE schema_migrations (
  id TEXT PRIMARY KEY,
  applied_at INTEGER NOT NULL
) STRICT;

CREATE INDEX account_keys_by_key ON account_keys (key_id);

CREATE INDEX accounts_by_patient ON accounts (patient_id);

CREATE INDEX chunks_by_key ON chunks (key_id);

CREATE INDEX patient_identifiers_by_patient ON patient_identifiers (patient_id);

CREATE INDEX records_by_key ON records (key_id);
