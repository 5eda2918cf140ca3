/**
 * Consent, modelled on FHIR Consent: one provision per (patient, data class) saying whether the class may be
 * collected and used, for which purposes, by which roles, during which period, and how long it is kept.
 * Roles of the people who use CareTwin, and the audit log's vocabulary, live here too: the renderer shows them.
 */
import { z } from 'zod';
import { DATA_CLASSES, type DataClass } from './streams.js';

export { DATA_CLASSES, type DataClass };

export const ROLES = ['admin', 'clinician', 'nurse', 'patient'] as const;
export type Role = (typeof ROLES)[number];

/** FHIR v3-ActReason codes: TREAT (treatment), HRESCH (healthcare research). */
export const PURPOSES = ['treatment', 'research'] as const;
export type Purpose = (typeof PURPOSES)[number];

export const DataClassSchema = z.enum(DATA_CLASSES);
export const RoleSchema = z.enum(ROLES);

/** Plain-language names of the data classes, for the consent screen and the CLI. */
export const DATA_CLASS_LABEL: Readonly<Record<DataClass, string>> = {
  cgm: 'Glucose (CGM and fingersticks)',
  vitals: 'Vital signs (weight, blood pressure, heart rate, oxygen)',
  activity: 'Activity (steps, sleep)',
  labs: 'Lab results',
  medications: 'Medications',
  derived: 'Projections computed from your data',
};

const MAX_RETENTION_DAYS = 365 * 100;

export const ConsentProvisionSchema = z
  .object({
    /** permit: collected and used as below; deny: not collected, and what was stored is destroyed. */
    status: z.enum(['permit', 'deny']),
    purposes: z.array(z.enum(PURPOSES)).max(PURPOSES.length),
    /** Roles that may read the class (the patient always sees their own record). */
    roles: z.array(RoleSchema).max(ROLES.length),
    /** Consent period, UTC ms; outside it the class is not used (but kept until retention ends). */
    periodStartMs: z.number().int(),
    periodEndMs: z.number().int().nullable(),
    /** How long the class is kept, counted from `periodStartMs`; null: as long as the consent stands. */
    retentionDays: z.number().int().min(1).max(MAX_RETENTION_DAYS).nullable(),
    /** When this provision was last changed, UTC ms. */
    updatedMs: z.number().int(),
  })
  .strict()
  .refine((p) => p.periodEndMs === null || p.periodEndMs >= p.periodStartMs, {
    message: 'The consent period ends before it starts',
    path: ['periodEndMs'],
  });
export type ConsentProvision = z.infer<typeof ConsentProvisionSchema>;

export interface ClassConsent {
  readonly dataClass: DataClass;
  /** false: no provision was recorded and the default (treatment, care-team roles, kept) applies. */
  readonly recorded: boolean;
  readonly provision: ConsentProvision;
}

/** What applies when a patient has recorded nothing for a class: treatment by the care team, no retention limit. */
export function defaultProvision(sinceMs: number): ConsentProvision {
  return {
    status: 'permit',
    purposes: ['treatment'],
    roles: ['admin', 'clinician', 'nurse'],
    periodStartMs: sinceMs,
    periodEndMs: null,
    retentionDays: null,
    updatedMs: sinceMs,
  };
}

export const MS_PER_DAY_CONSENT = 86_400_000;

/** When a class's data must be destroyed, or null when it is kept while the consent stands. */
export function retentionEndMs(p: ConsentProvision): number | null {
  return p.retentionDays === null ? null : p.periodStartMs + p.retentionDays * MS_PER_DAY_CONSENT;
}

/** Whether `role` may read the class for `purpose` at `nowMs` under this provision. */
export function permits(p: ConsentProvision, role: Role, purpose: Purpose, nowMs: number): boolean {
  if (p.status !== 'permit') return false;
  if (nowMs < p.periodStartMs || (p.periodEndMs !== null && nowMs > p.periodEndMs)) return false;
  const end = retentionEndMs(p);
  if (end !== null && nowMs >= end) return false;
  if (role === 'patient') return true;
  return p.roles.includes(role) && p.purposes.includes(purpose);
}

/** What the audit log records; details never carry names, identifiers or values. */
export const AUDIT_ACTIONS = [
  'phi.read',
  'phi.denied',
  'export',
  'import',
  'sync',
  'consent.set',
  'consent.revoke',
  'retention.shred',
  'account.add',
  'account.disable',
  'account.enable',
  'account.remove',
  'account.unlock',
  'alert.action',
  /** Tags or the assigned nurse of a patient changed (panel triage). */
  'patient.assign',
  /** An app setting changed (e.g. the auto-lock period); details name the setting and its new value. */
  'settings.change',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export interface AuditActor {
  /** An account id, or a fixed name for the store's owner before accounts exist (never a person's name). */
  readonly actor: string;
  readonly role: Role;
}
