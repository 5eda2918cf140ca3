/**
 * One patient's data as a FHIR R4 Bundle (type collection): the Patient, an Observation per stored sample, a
 * MedicationStatement per medication, and a Consent per data class. Only the classes the caller may see under the
 * patient's consent are included (access.ts); the export is audited with its class names and counts.
 */
import { DATA_CLASSES, type DataClass } from '../../../shared/domain/consent.js';
import { STREAMS } from '../../../shared/domain/streams.js';
import { AppError } from '../../../shared/ipc/errors.js';
import type { CareTwinStore } from '../store/store.js';
import { requirePatientAccess, visibleClasses, type Caller } from './access.js';
import { toFhirConsent } from './fhir-consent.js';

const LOINC = 'http://loinc.org';
const UCUM = 'http://unitsofmeasure.org';
const OBS_CATEGORY = 'http://terminology.hl7.org/CodeSystem/observation-category';
const CATEGORY: Readonly<Record<DataClass, string>> = {
  cgm: 'laboratory',
  vitals: 'vital-signs',
  activity: 'activity',
  labs: 'laboratory',
  medications: 'therapy',
  derived: 'survey',
};

export interface ExportReport {
  readonly bundle: Record<string, unknown>;
  readonly classes: DataClass[];
  readonly observations: number;
  readonly medications: number;
}

export function exportPatientBundle(store: CareTwinStore, caller: Caller, patientId: string, nowMs: number): ExportReport {
  requirePatientAccess(store, caller, patientId, 'export');
  const patient = store.getPatient(patientId);
  if (patient === undefined) throw new AppError('NOT_FOUND', 'That patient is not in this store; nothing was exported.');
  const classes = visibleClasses(store, caller, patientId, nowMs);
  const subject = { reference: `Patient/${patientId}` };
  const entries: { fullUrl: string; resource: Record<string, unknown> }[] = [];
  const add = (resource: Record<string, unknown>): void => {
    entries.push({ fullUrl: `urn:uuid:${String(resource.resourceType)}-${String(resource.id)}`, resource });
  };
  const p = patient.profile;
  add({
    resourceType: 'Patient',
    id: patientId,
    name: [{ text: p.name }],
    ...(p.birthDate ? { birthDate: p.birthDate } : {}),
    ...(p.sex ? { gender: p.sex } : {}),
    identifier: p.identifiers.map((i) => ({ system: i.system, value: i.value })),
  });

  let observations = 0;
  for (const summary of store.streamSummaries(patientId)) {
    const def = STREAMS.get(summary.stream);
    if (def === undefined || !classes.has(def.dataClass)) continue;
    const series = store.readSeries(patientId, summary.stream);
    for (let i = 0; i < series.tMs.length; i++) {
      const t = series.tMs[i]!;
      add({
        resourceType: 'Observation',
        id: `${def.code}-${t}`,
        status: 'final',
        category: [{ coding: [{ system: OBS_CATEGORY, code: CATEGORY[def.dataClass] }] }],
        code: { coding: [{ system: LOINC, code: def.code, display: def.label }] },
        subject,
        effectiveDateTime: new Date(t).toISOString(),
        valueQuantity: { value: series.values[i], unit: def.displayUnit, system: UCUM, code: def.unit },
      });
      observations++;
    }
  }

  let medications = 0;
  if (classes.has('medications')) {
    for (const [i, m] of store.getMedications(patientId).entries()) {
      for (const [j, dose] of m.doses.entries()) {
        add({
          resourceType: 'MedicationStatement',
          id: `med-${i}-${j}`,
          status: 'active',
          medicationCodeableConcept: {
            text: m.name,
            ...(m.rxnorm ? { coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: m.rxnorm }] } : {}),
          },
          subject,
          effectivePeriod: { start: new Date(dose.startMs).toISOString() },
          dosage: [{ doseAndRate: [{ doseQuantity: { value: dose.dose, unit: m.unit } }] }],
        });
      }
      medications++;
    }
  }
  for (const consent of store.consentOf(patientId)) add(toFhirConsent(patientId, consent));

  const included = DATA_CLASSES.filter((c) => classes.has(c));
  store.audit({
    actor: { actor: caller.actor, role: caller.role },
    action: 'export',
    patientId,
    details: { format: 'fhir-bundle', classes: included, observations, medications, purpose: caller.purpose },
  });
  return {
    bundle: { resourceType: 'Bundle', type: 'collection', timestamp: new Date(nowMs).toISOString(), entry: entries },
    classes: included,
    observations,
    medications,
  };
}
