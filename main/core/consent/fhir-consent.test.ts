/** FHIR Consent round trip and the refusals of what CareTwin cannot enforce. */
import { describe, expect, it } from 'vitest';
import { defaultProvision, type ClassConsent } from '../../../shared/domain/consent.js';
import { AppError } from '../../../shared/ipc/errors.js';
import { consentsIn, DATA_CLASS_SYSTEM, fromFhirConsent, toFhirConsent } from './fhir-consent.js';

const PID = 'a'.repeat(32);
const T0 = Date.UTC(2026, 0, 5);

describe('FHIR Consent', () => {
  it('round-trips every term of a provision', () => {
    const consent: ClassConsent = {
      dataClass: 'activity',
      recorded: true,
      provision: {
        status: 'permit',
        purposes: ['treatment', 'research'],
        roles: ['clinician', 'patient'],
        periodStartMs: T0,
        periodEndMs: T0 + 90 * 86_400_000,
        retentionDays: 365,
        updatedMs: T0 + 1000,
      },
    };
    const fhir = toFhirConsent(PID, consent);
    expect(fhir).toMatchObject({
      resourceType: 'Consent',
      status: 'active',
      patient: { reference: `Patient/${PID}` },
      provision: { type: 'permit', class: [{ system: DATA_CLASS_SYSTEM, code: 'activity' }] },
    });
    const back = fromFhirConsent(JSON.parse(JSON.stringify(fhir)), PID, 0);
    expect(back).toEqual([{ dataClass: 'activity', provision: consent.provision }]);
    const denied = toFhirConsent(PID, { dataClass: 'cgm', recorded: true, provision: { ...defaultProvision(T0), status: 'deny' } });
    expect(fromFhirConsent(denied, PID, 0)[0]!.provision.status).toBe('deny');
    expect(consentsIn({ resourceType: 'Bundle', entry: [{ resource: fhir }, { resource: { resourceType: 'Patient' } }] })).toHaveLength(1);
  });

  it('refuses what it cannot enforce, saying why', () => {
    const base = toFhirConsent(PID, { dataClass: 'labs', recorded: true, provision: defaultProvision(T0) }) as Record<string, unknown>;
    const provision = base.provision as Record<string, unknown>;
    const cases: [unknown, RegExp][] = [
      [{ ...base, status: 'draft' }, /status is "draft"/],
      [{ ...base, provision: { ...provision, class: [{ system: 'http://other', code: 'labs' }] } }, /provision class/],
      [{ ...base, provision: { ...provision, purpose: [{ system: 'x', code: 'ETREAT' }] } }, /purpose/],
      [{ ...base, provision: { ...provision, actor: [{ role: { coding: [{ system: 'x', code: 'PRCP' }] } }] } }, /actor role/],
      [{ ...base, patient: { reference: `Patient/${'b'.repeat(32)}` } }, /another patient/],
      [{ ...base, provision: { ...provision, period: { start: '2026-02-01', end: '2026-01-01' } } }, /terms are not valid/],
      [{ resourceType: 'Patient' }, /not a Consent/],
    ];
    for (const [resource, why] of cases) {
      let caught: unknown;
      try {
        fromFhirConsent(resource, PID, 0);
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(AppError);
      expect((caught as AppError).message).toMatch(why);
    }
  });
});
