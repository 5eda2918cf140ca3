import type { Migration } from '../migrations.js';

/**
 * Finding a patient by an external identifier (MRN, FHIR id, device user id) without storing identifiers in
 * plaintext: a blind index. Each row holds HMAC-SHA256(`system|value`) under a key derived from the store key,
 * so equal identifiers find each other while the file alone reveals neither the identifier nor whether two stores
 * share a patient. The identifiers themselves stay inside the encrypted profile.
 */
export const migration: Migration = {
  id: '0002_identifier_index',
  sql: `
CREATE TABLE patient_identifiers (
  blind_index BLOB PRIMARY KEY CHECK (length(blind_index) = 32),
  patient_id TEXT NOT NULL REFERENCES patients (id) ON DELETE CASCADE
) STRICT, WITHOUT ROWID;

CREATE INDEX patient_identifiers_by_patient ON patient_identifiers (patient_id);
`,
};
