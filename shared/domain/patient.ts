import { z } from 'zod';

import { CONDITIONS } from './conditions.js';

export { CONDITIONS, CONDITION_LABEL, type Condition } from './conditions.js';

/** What the store keeps about a patient, all of it encrypted (never a plaintext column). */
export const PatientProfileSchema = z.object({
  name: z.string().min(1).max(200),
  birthDate: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).optional(),
  sex: z.enum(['female', 'male', 'other', 'unknown']).optional(),
  /** IANA zone, e.g. Europe/Berlin: the zone zone-less device times are read in */
  zone: z.string().min(1).optional(),
  conditions: z.array(z.enum(CONDITIONS)),
  /** External identifiers (MRN, FHIR ids) */
  identifiers: z.array(z.object({ system: z.string(), value: z.string() })).default([]),
});
export type PatientProfile = z.infer<typeof PatientProfileSchema>;

/** A medication with its dose history; doses are in mg per day unless `unit` says otherwise. */
export const MedicationSchema = z.object({
  name: z.string(),
  rxnorm: z.string().optional(),
  unit: z.string().default('mg/d'),
  doses: z.array(z.object({ startMs: z.number(), dose: z.number(), note: z.string().optional() })),
  /** The source's own id (e.g. a FHIR MedicationRequest id): a re-import replaces the entry with the same id. */
  sourceId: z.string().optional(),
});
export type Medication = z.infer<typeof MedicationSchema>;

/** A diagnosis as the source coded it (e.g. SNOMED CT from a FHIR Condition), kept as a patient record. */
export const ConditionRecordSchema = z.object({
  system: z.string().max(500),
  code: z.string().max(200),
  display: z.string().max(500),
  /** The source's own id: a re-import replaces the record with the same id. */
  sourceId: z.string().optional(),
});
export type ConditionRecord = z.infer<typeof ConditionRecordSchema>;
