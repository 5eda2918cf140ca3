import type { Migration } from '../migrations.js';

/**
 * A patient account's slot opens only that patient's keys. Its `slot` (0004) seals a random account key instead of
 * the team key; the account key opens `account_keys`, copies of the patient's data keys, and `audit_key`, the
 * audit chain's key, so the patient can append entries. `scoped_key` is the account key sealed under the team key,
 * so the care team can give the account a copy of each data key made later. Destroying a data key deletes its
 * copies (cascade); removing the account deletes its copies and slot.
 *
 * Consents are sealed under the patient's profile data key from here on (they were under the store key, which a
 * patient account does not hold); they are resealed when a care-team account first opens the migrated store.
 */
export const migration: Migration = {
  id: '0005_patient_key_slots',
  sql: `
ALTER TABLE accounts ADD COLUMN scoped_key BLOB;
ALTER TABLE accounts ADD COLUMN audit_key BLOB;

CREATE TABLE account_keys (
  account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  key_id INTEGER NOT NULL REFERENCES data_keys (key_id) ON DELETE CASCADE,
  wrapped BLOB NOT NULL,
  PRIMARY KEY (account_id, key_id)
) STRICT;

CREATE INDEX account_keys_by_key ON account_keys (key_id);
CREATE INDEX accounts_by_patient ON accounts (patient_id);
`,
};
