import type { Migration } from '../migrations.js';

/**
 * Accounts: nurse, clinician, patient and admin, each with its own passcode and key slot. A slot is the team key
 * (the key-encryption key that wraps the store key and the data keys) sealed under a KEK derived from the
 * account's own passcode with Argon2id (parameters and salt per account). No passcode verifier is stored: a
 * passcode is right when its slot opens. Removing an account deletes its row, and so its slot (secure_delete).
 *
 * The store's original passcode (the keyring row) is the first admin account, `owner`; it is not a row here.
 * Account ids are random (`nurse-1a2b3c4d`), never a person's name; a patient account names its patient's random id.
 */
export const migration: Migration = {
  id: '0004_accounts',
  sql: `
CREATE TABLE accounts (
  id TEXT PRIMARY KEY CHECK (id GLOB '[a-z]*-[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]'),
  role TEXT NOT NULL CHECK (role IN ('admin', 'clinician', 'nurse', 'patient')),
  status TEXT NOT NULL CHECK (status IN ('active', 'disabled')),
  patient_id TEXT REFERENCES patients (id) ON DELETE CASCADE,
  kdf TEXT NOT NULL,
  slot BLOB NOT NULL,
  created_at INTEGER NOT NULL,
  CHECK ((role = 'patient') = (patient_id IS NOT NULL))
) STRICT;
`,
};
