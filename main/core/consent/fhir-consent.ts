/**
 * CareTwin consent provisions as FHIR R4 Consent resources and back: one Consent per (patient, data class), the
 * class in `provision.class`, purposes as v3-ActReason codes, recipient roles in `provision.actor`, the consent
 * period in `provision.period`, and the retention period in an extension (FHIR R4 has no element for it).
 */
import { z } from 'zod';
import {
  ConsentProvisionSchema,
  DATA_CLASSES,
  PURPOSES,
  ROLES,
  type ClassConsent,
  type ConsentProvision,
  type DataClass,
  type Purpose,
  type Role,
} from '../../../shared/domain/consent.js';
import { AppError } from '../../../shared/ipc/errors.js';

export const DATA_CLASS_SYSTEM = 'https://caretwin.app/fhir/CodeSystem/data-class';
export const ROLE_SYSTEM = 'https://caretwin.app/fhir/CodeSystem/role';
export const RETENTION_EXTENSION = 'https://caretwin.app/fhir/StructureDefinition/retention-period';
const ACT_REASON = 'http://terminology.hl7.org/CodeSystem/v3-ActReason';
const PURPOSE_CODE: Readonly<Record<Purpose, string>> = { treatment: 'TREAT', research: 'HRESCH' };

export interface FhirConsent {
  readonly resourceType: 'Consent';
  readonly [key: string]: unknown;
}

export function toFhirConsent(patientId: string, consent: ClassConsent): FhirConsent {
  const p = consent.provision;
  return {
    resourceType: 'Consent',
    id: `${patientId}-${consent.dataClass}`,
    status: 'active',
    scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }] },
    category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0', display: 'Patient Consent' }] }],
    patient: { reference: `Patient/${patientId}` },
    dateTime: new Date(p.updatedMs).toISOString(),
    policyRule: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: p.status === 'permit' ? 'OPTIN' : 'OPTOUT' }] },
    ...(p.retentionDays === null
      ? {}
      : {
          extension: [
            {
              url: RETENTION_EXTENSION,
              valueDuration: { value: p.retentionDays, unit: 'd', system: 'http://unitsofmeasure.org', code: 'd' },
            },
          ],
        }),
    provision: {
      type: p.status,
      period: {
        start: new Date(p.periodStartMs).toISOString(),
        ...(p.periodEndMs === null ? {} : { end: new Date(p.periodEndMs).toISOString() }),
      },
      actor: p.roles.map((role) => ({
        role: { coding: [{ system: ROLE_SYSTEM, code: role }] },
        reference: { display: `CareTwin ${role} role` },
      })),
      purpose: p.purposes.map((purpose) => ({ system: ACT_REASON, code: PURPOSE_CODE[purpose] })),
      class: [{ system: DATA_CLASS_SYSTEM, code: consent.dataClass }],
    },
  };
}

const Coding = z.object({ system: z.string().optional(), code: z.string().optional() }).passthrough();
const FhirConsentSchema = z
  .object({
    resourceType: z.literal('Consent'),
    status: z.string(),
    patient: z.object({ reference: z.string().optional() }).passthrough().optional(),
    dateTime: z.string().optional(),
    extension: z.array(z.object({ url: z.string(), valueDuration: z.object({ value: z.number(), code: z.string().optional() }).passthrough().optional() }).passthrough()).optional(),
    provision: z
      .object({
        type: z.enum(['permit', 'deny']),
        period: z.object({ start: z.string().optional(), end: z.string().optional() }).passthrough().optional(),
        actor: z.array(z.object({ role: z.object({ coding: z.array(Coding).optional() }).passthrough() }).passthrough()).optional(),
        purpose: z.array(Coding).optional(),
        class: z.array(Coding).min(1),
      })
      .passthrough(),
  })
  .passthrough();

export interface ImportedConsent {
  readonly dataClass: DataClass;
  readonly provision: ConsentProvision;
}

/**
 * Reads a FHIR Consent (as this module writes it, or an EHR's with the same codes) into one provision per data
 * class it names. Anything CareTwin cannot enforce (another class system, purpose or role) is refused with a
 * reason, never half-applied. `patientId` is the patient it is imported for: a Consent for another is refused.
 */
export function fromFhirConsent(resource: unknown, patientId: string, nowMs: number): ImportedConsent[] {
  const parsed = FhirConsentSchema.safeParse(resource);
  if (!parsed.success) {
    const where = parsed.error.issues[0]?.path.join('.') ?? '';
    throw invalid(`it is not a Consent with a provision naming data classes (${where || 'resource'})`);
  }
  const c = parsed.data;
  if (c.status !== 'active') throw invalid(`its status is "${c.status.slice(0, 20)}", not "active"`);
  const ref = c.patient?.reference;
  if (ref !== undefined && ref.startsWith('Patient/') && /^Patient\/[0-9a-f]{32}$/.test(ref) && ref !== `Patient/${patientId}`) {
    throw invalid('it is about another patient of this store');
  }
  const classes = c.provision.class.map((coding) => {
    if (coding.system !== DATA_CLASS_SYSTEM || !(DATA_CLASSES as readonly string[]).includes(coding.code ?? '')) {
      throw invalid(`a provision class is not one of ${DATA_CLASSES.join(', ')} (system ${DATA_CLASS_SYSTEM})`);
    }
    return coding.code as DataClass;
  });
  const purposes = (c.provision.purpose ?? []).map((coding) => {
    const purpose = PURPOSES.find((p) => PURPOSE_CODE[p] === coding.code && coding.system === ACT_REASON);
    if (purpose === undefined) throw invalid('a purpose is neither TREAT nor HRESCH (v3-ActReason)');
    return purpose;
  });
  const roles = (c.provision.actor ?? []).map((actor) => {
    const coding = actor.role.coding?.find((r) => r.system === ROLE_SYSTEM);
    if (coding === undefined || !(ROLES as readonly string[]).includes(coding.code ?? '')) {
      throw invalid(`an actor role is not one of ${ROLES.join(', ')} (system ${ROLE_SYSTEM})`);
    }
    return coding.code as Role;
  });
  const retention = c.extension?.find((e) => e.url === RETENTION_EXTENSION)?.valueDuration;
  if (retention !== undefined && retention.code !== undefined && retention.code !== 'd') {
    throw invalid('the retention period is not in days (UCUM "d")');
  }
  const start = c.provision.period?.start;
  const end = c.provision.period?.end;
  const provision = {
    status: c.provision.type,
    purposes: [...new Set(purposes)],
    roles: [...new Set(roles)],
    periodStartMs: start === undefined ? nowMs : isoMs(start),
    periodEndMs: end === undefined ? null : isoMs(end),
    retentionDays: retention === undefined ? null : retention.value,
    updatedMs: c.dateTime === undefined ? nowMs : isoMs(c.dateTime),
  };
  const checked = ConsentProvisionSchema.safeParse(provision);
  if (!checked.success) {
    throw invalid(`its terms are not valid (${checked.error.issues.map((i) => i.path.join('.')).join(', ')})`);
  }
  return [...new Set(classes)].map((dataClass) => ({ dataClass, provision: checked.data }));
}

/** Every Consent in a FHIR resource: the resource itself, or the entries of a Bundle. */
export function consentsIn(json: unknown): unknown[] {
  const r = json as { resourceType?: unknown; entry?: { resource?: { resourceType?: unknown } }[] } | null;
  if (r?.resourceType === 'Consent') return [r];
  if (r?.resourceType === 'Bundle' && Array.isArray(r.entry)) {
    return r.entry.map((e) => e.resource).filter((x) => x?.resourceType === 'Consent');
  }
  throw new AppError('VALIDATION', 'The file is neither a FHIR Consent nor a Bundle; nothing was changed.');
}

function isoMs(s: string): number {
  const ms = Date.parse(s);
  if (!Number.isFinite(ms)) throw invalid('a date is not an ISO date');
  return Math.round(ms);
}

function invalid(why: string): AppError {
  return new AppError('VALIDATION', `The FHIR Consent cannot be applied: ${why}. Nothing was changed.`);
}
