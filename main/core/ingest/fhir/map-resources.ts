/**
 * FHIR R4 resources -> one ImportBatch: Patient -> patient profile, Observation -> Samples (vital signs, the
 * monitored labs, CGM sensor readings), Condition -> condition records, MedicationRequest / MedicationStatement /
 * MedicationAdministration -> medication records. References are resolved inside the batch (`urn:uuid:` full URLs
 * of a transaction Bundle, `Patient/id`, absolute URLs) and, when syncing, against patients already stored.
 *
 * Consent resources are counted as skipped: CareTwin's consent is recorded by its own consent screen (scoped keys,
 * retention); an EHR's Consent is not enforceable here, and the store has no record kind for it.
 */
import type { Medication, PatientProfile } from '../../../../shared/domain/patient.js';
import type { Condition } from '../../../../shared/domain/conditions.js';
import type { Sample } from '../../../../shared/domain/sample.js';
import type { ImportBatch, ImportedPatient, RejectedRow } from '../importer.js';
import { BP_PANEL_CODES, LAB_GLUCOSE_CODES, loincCodes, OBSERVATION_STREAMS } from './observation-streams.js';

type Json = Record<string, unknown>;

export interface FhirMappingOptions {
  /** Batch `format` id */
  readonly format: string;
  /** `Sample.source`, e.g. `fhir:https://ehr.example/fhir` or `fhir-bundle` */
  readonly source: string;
  /** Times later than this are clock errors and are rejected. */
  readonly nowMs: number;
  /**
   * Patients already in the store, by FHIR logical id (a sync writes Patients before what refers to them).
   * Returns the stored patient id.
   */
  readonly knownPatient?: (fhirPatientId: string) => string | undefined;
  /** Extra identifier system under which a Patient's logical id is kept (e.g. `<fhir base>/Patient`). */
  readonly logicalIdSystem?: string;
}

/** SNOMED CT codes of the conditions CareTwin monitors. */
const SNOMED = 'http://snomed.info/sct';
const MONITORED_CONDITIONS: ReadonlyMap<string, Condition> = new Map<string, Condition>([
  ['46635009', 't1d'],
  ['44054006', 't2d'],
  ['84114007', 'hf'],
  ['88805009', 'hf'],
  ['42343007', 'hf'],
  ['10633002', 'hf'],
  ['703272007', 'hf'],
]);

/** The monitored condition a coded diagnosis means, if any. */
export function monitoredCondition(system: string, code: string): Condition | undefined {
  return system === SNOMED ? MONITORED_CONDITIONS.get(code) : undefined;
}

/** Identifier types that are government or travel ids: not needed to match a patient, so never stored. */
const SENSITIVE_IDENTIFIER_TYPES = new Set(['SS', 'DL', 'PPN', 'SB', 'TAX']);

const MEDICATION_TYPES = new Set(['MedicationRequest', 'MedicationStatement', 'MedicationAdministration']);
const NOT_HAPPENED = new Set(['entered-in-error', 'cancelled', 'not-done', 'not-taken']);

interface PendingSubject {
  readonly position: number;
  readonly reference: string;
}

type PendingItem =
  | (PendingSubject & { readonly kind: 'sample'; readonly sample: Omit<Sample, 'patientId'> })
  | (PendingSubject & { readonly kind: 'medication'; readonly medication: Medication; readonly sourceId: string })
  | (PendingSubject & {
      readonly kind: 'condition';
      readonly code: string;
      readonly system: string;
      readonly display: string;
      readonly sourceId: string;
      readonly monitored: Condition | undefined;
    });

/** Collects resources (in any order) and builds one ImportBatch from them. */
export class FhirBatchBuilder {
  private readonly patients = new Map<string, { profile: PatientProfile; conditions: Set<Condition> }>();
  /** Any spelling of a reference to a Patient in this batch (fullUrl, `Patient/id`) -> its ref */
  private readonly patientAliases = new Map<string, string>();
  /** Medication resources by reference spelling, for `medicationReference` */
  private readonly medicationResources = new Map<string, Json>();
  private readonly pending: PendingItem[] = [];
  /** Monitored conditions seen before their Patient: applied to the profile when the batch is built. */
  private readonly pendingConditions: { reference: string; condition: Condition }[] = [];
  private readonly rejected: RejectedRow[] = [];
  private readonly skipped: Record<string, number> = {};

  constructor(private readonly opts: FhirMappingOptions) {}

  /** Adds one resource; `position` is its 1-based record index in the input (for rejection reports). */
  add(resource: unknown, position: number, fullUrl?: string): void {
    if (!isObject(resource) || typeof resource.resourceType !== 'string') {
      this.reject(position, 'is not a FHIR resource (no resourceType)');
      return;
    }
    const type = resource.resourceType;
    if (type === 'Bundle') {
      this.addBundle(resource, position);
      return;
    }
    if (type === 'Patient') this.addPatient(resource, position, fullUrl);
    else if (type === 'Observation') this.addObservation(resource, position);
    else if (type === 'Condition') this.addCondition(resource, position);
    else if (MEDICATION_TYPES.has(type)) this.addMedication(resource, position);
    else if (type === 'Medication') this.addMedicationResource(resource, fullUrl);
    else this.skip(type);
  }

  /** Every entry of a Bundle (transaction, batch, searchset, collection). */
  addBundle(bundle: Json, position = 0): void {
    const entries = Array.isArray(bundle.entry) ? bundle.entry : [];
    // Medication resources are looked up by reference while medications are added: index them first.
    entries.forEach((e: unknown) => {
      if (isObject(e) && isObject(e.resource) && e.resource.resourceType === 'Medication') {
        this.addMedicationResource(e.resource, str(e.fullUrl));
      }
    });
    entries.forEach((e: unknown, i) => {
      const at = position > 0 ? position : i + 1;
      if (!isObject(e)) {
        this.reject(at, 'is not a Bundle entry');
        return;
      }
      if (isObject(e.resource) && e.resource.resourceType === 'Medication') return;
      this.add(e.resource, at, str(e.fullUrl));
    });
  }

  build(): ImportBatch {
    for (const { reference, condition } of this.pendingConditions.splice(0)) {
      const ref = this.patientAliases.get(reference);
      if (ref) this.patients.get(ref)?.conditions.add(condition);
    }
    const patients: ImportedPatient[] = [];
    for (const [ref, p] of this.patients) {
      const conditions = [...new Set([...p.profile.conditions, ...p.conditions])];
      patients.push({ ref, profile: { ...p.profile, conditions } });
    }
    const samples: Sample[] = [];
    const medications: ImportBatch['medications'][number][] = [];
    const conditions: ImportBatch['conditions'][number][] = [];
    const dangling = new Set<number>();
    for (const item of this.pending) {
      const patientRef = this.resolvePatient(item.reference);
      if (patientRef === undefined) {
        // A blood pressure panel is two pending samples: one report per record.
        if (!dangling.has(item.position)) {
          dangling.add(item.position);
          this.reject(item.position, 'refers to a patient that is neither in this input nor in the store (dangling reference)');
        }
        continue;
      }
      if (item.kind === 'sample') samples.push({ ...item.sample, patientId: patientRef });
      else if (item.kind === 'medication') medications.push({ patientRef, medication: item.medication, sourceId: item.sourceId });
      else conditions.push({ patientRef, code: item.code, system: item.system, display: item.display, sourceId: item.sourceId });
    }
    return {
      format: this.opts.format,
      patients,
      samples,
      medications,
      conditions,
      rejected: [...this.rejected].sort((a, b) => a.line - b.line),
      skipped: { ...this.skipped },
    };
  }

  private addPatient(r: Json, position: number, fullUrl: string | undefined): void {
    const id = str(r.id);
    if (id === undefined) {
      this.reject(position, 'is a Patient without an id');
      return;
    }
    const ref = `Patient/${id}`;
    const identifiers: { system: string; value: string }[] = [];
    for (const ident of Array.isArray(r.identifier) ? r.identifier : []) {
      if (!isObject(ident)) continue;
      const system = str(ident.system);
      const value = str(ident.value);
      const typeCode = firstCode(ident.type);
      if (system === undefined || value === undefined || (typeCode && SENSITIVE_IDENTIFIER_TYPES.has(typeCode))) continue;
      identifiers.push({ system, value });
    }
    if (this.opts.logicalIdSystem) identifiers.push({ system: this.opts.logicalIdSystem, value: id });
    const gender = str(r.gender);
    const birthDate = str(r.birthDate);
    const profile: PatientProfile = {
      name: patientName(r.name) ?? `Unnamed patient (${ref})`,
      conditions: [],
      identifiers,
      ...(birthDate && /^\d{4}-\d{2}-\d{2}$/.test(birthDate) ? { birthDate } : {}),
      ...(gender === 'female' || gender === 'male' || gender === 'other' || gender === 'unknown' ? { sex: gender } : {}),
    };
    const existing = this.patients.get(ref);
    this.patients.set(ref, { profile, conditions: existing?.conditions ?? new Set() });
    this.patientAliases.set(ref, ref);
    if (fullUrl) this.patientAliases.set(fullUrl, ref);
  }

  private addObservation(r: Json, position: number): void {
    const subject = referenceOf(r.subject);
    if (subject === undefined) {
      this.reject(position, 'is an Observation without a subject');
      return;
    }
    if (NOT_HAPPENED.has(str(r.status) ?? '')) {
      this.skip('Observation (entered in error or cancelled)');
      return;
    }
    const codes = loincCodes(r.code);
    const id = str(r.id) ?? `#${position}`;
    if (codes.some((c) => BP_PANEL_CODES.has(c))) {
      const tMs = this.observationTime(r, position);
      if (tMs === undefined) return;
      let found = 0;
      for (const component of Array.isArray(r.component) ? r.component : []) {
        if (!isObject(component)) continue;
        for (const code of loincCodes(component.code)) {
          const mapped = this.quantitySample(code, component.valueQuantity, position);
          if (mapped === null) return;
          if (mapped === undefined) continue;
          found++;
          this.pending.push({
            kind: 'sample',
            position,
            reference: subject,
            sample: { stream: mapped.stream, tMs, value: mapped.value, source: this.opts.source, sourceId: `Observation/${id}#${code}` },
          });
        }
      }
      if (found === 0) this.reject(position, 'is a blood pressure panel without systolic or diastolic values');
      return;
    }
    const code = codes.find((c) => OBSERVATION_STREAMS.has(c));
    if (code === undefined) {
      this.skip(codes.some((c) => LAB_GLUCOSE_CODES.has(c)) ? 'Observation (lab glucose: no CareTwin stream)' : 'Observation (not a monitored code)');
      return;
    }
    const tMs = this.observationTime(r, position);
    if (tMs === undefined) return;
    const mapped = this.quantitySample(code, r.valueQuantity, position);
    if (!mapped) {
      if (mapped === undefined) this.reject(position, `is an Observation (${code}) without a numeric value`);
      return;
    }
    this.pending.push({
      kind: 'sample',
      position,
      reference: subject,
      sample: { stream: mapped.stream, tMs, value: mapped.value, source: this.opts.source, sourceId: `Observation/${id}` },
    });
  }

  /** The stream value of a Quantity; undefined when the code is not monitored or there is no value, null when rejected. */
  private quantitySample(code: string, quantity: unknown, position: number): { stream: string; value: number } | undefined | null {
    const def = OBSERVATION_STREAMS.get(code);
    if (def === undefined || !isObject(quantity) || typeof quantity.value !== 'number') return undefined;
    const unit = str(quantity.code) ?? str(quantity.unit) ?? '';
    const convert = def.units[unit];
    if (convert === undefined) {
      this.reject(position, `has a ${code} value in a unit CareTwin does not convert (${unit.slice(0, 30) || 'none'})`);
      return null;
    }
    const value = convert(quantity.value);
    if (!Number.isFinite(value)) {
      this.reject(position, `has a ${code} value that is not a finite number`);
      return null;
    }
    return { stream: def.stream, value };
  }

  private observationTime(r: Json, position: number): number | undefined {
    const period = isObject(r.effectivePeriod) ? r.effectivePeriod : undefined;
    const text = str(r.effectiveDateTime) ?? str(r.effectiveInstant) ?? str(period?.start) ?? str(period?.end) ?? str(r.issued);
    const tMs = fhirTimeMs(text);
    if (tMs === undefined) {
      this.reject(position, 'has no valid effective time');
      return undefined;
    }
    if (tMs > this.opts.nowMs) {
      this.reject(position, 'has an effective time in the future (clock error at the source)');
      return undefined;
    }
    return tMs;
  }

  private addCondition(r: Json, position: number): void {
    const subject = referenceOf(r.subject);
    if (subject === undefined) {
      this.reject(position, 'is a Condition without a subject');
      return;
    }
    if (firstCode(r.verificationStatus) === 'entered-in-error') {
      this.skip('Condition (entered in error)');
      return;
    }
    const coding = firstCoding(r.code);
    if (coding === undefined) {
      this.reject(position, 'is a Condition without a coded diagnosis');
      return;
    }
    const display = coding.display ?? str((r.code as Json).text) ?? coding.code;
    const monitored = monitoredCondition(coding.system, coding.code);
    this.pending.push({
      kind: 'condition',
      position,
      reference: subject,
      code: coding.code,
      system: coding.system,
      display,
      sourceId: `Condition/${str(r.id) ?? `#${position}`}`,
      monitored,
    });
    if (monitored) {
      // The profile's condition list is filled when the Patient is in the same input.
      const ref = this.patientAliases.get(subject) ?? subject;
      const p = this.patients.get(ref);
      if (p) p.conditions.add(monitored);
      else this.pendingConditions.push({ reference: subject, condition: monitored });
    }
  }

  private addMedicationResource(r: Json, fullUrl: string | undefined): void {
    const id = str(r.id);
    if (id) this.medicationResources.set(`Medication/${id}`, r);
    if (fullUrl) this.medicationResources.set(fullUrl, r);
  }

  private addMedication(r: Json, position: number): void {
    const type = r.resourceType as string;
    const subject = referenceOf(r.subject);
    if (subject === undefined) {
      this.reject(position, `is a ${type} without a subject`);
      return;
    }
    if (NOT_HAPPENED.has(str(r.status) ?? '')) {
      this.skip(`${type} (entered in error, cancelled or not taken)`);
      return;
    }
    let concept: unknown = r.medicationCodeableConcept;
    const medRef = referenceOf(r.medicationReference);
    if (concept === undefined && medRef !== undefined) {
      const contained = Array.isArray(r.contained)
        ? r.contained.find((c: unknown) => isObject(c) && `#${str(c.id)}` === medRef)
        : undefined;
      concept = (isObject(contained) ? contained : this.medicationResources.get(medRef))?.code;
    }
    const coding = firstCoding(concept);
    const name = coding?.display ?? str((concept as Json | undefined)?.text);
    if (name === undefined) {
      this.reject(position, `is a ${type} whose medication is neither coded nor named`);
      return;
    }
    const rxnorm = coding?.system === 'http://www.nlm.nih.gov/research/umls/rxnorm' ? coding.code : undefined;
    const period = isObject(r.effectivePeriod) ? r.effectivePeriod : undefined;
    const startMs = fhirTimeMs(str(r.authoredOn) ?? str(r.effectiveDateTime) ?? str(period?.start) ?? str(r.dateAsserted));
    const dose = medicationDose(r);
    const medication: Medication = {
      name,
      ...(rxnorm ? { rxnorm } : {}),
      unit: dose?.unit ?? 'mg/d',
      // Without a stated dose (Synthea's requests have none) the record keeps the drug and no dose history:
      // a made-up dose would feed the twin's dose response with fiction.
      doses: dose && startMs !== undefined ? [{ startMs, dose: dose.value, ...(type === 'MedicationAdministration' ? { note: 'administered' } : {}) }] : [],
      sourceId: `${type}/${str(r.id) ?? `#${position}`}`,
    };
    this.pending.push({ kind: 'medication', position, reference: subject, medication, sourceId: medication.sourceId! });
  }

  private resolvePatient(reference: string): string | undefined {
    const inBatch = this.patientAliases.get(reference);
    if (inBatch) return inBatch;
    const m = /(?:^|\/)Patient\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]+)?$/.exec(reference);
    if (m?.[1] === undefined) return undefined;
    const local = this.patientAliases.get(`Patient/${m[1]}`);
    return local ?? this.opts.knownPatient?.(m[1]);
  }

  private reject(line: number, what: string): void {
    this.rejected.push({ line, reason: `Record ${line} ${what}.` });
  }

  private skip(kind: string): void {
    this.skipped[kind] = (this.skipped[kind] ?? 0) + 1;
  }
}

/** Maps a whole set of resources (e.g. one Bundle or one search page) to a batch. */
export function mapFhirResources(resources: Iterable<{ resource: unknown; fullUrl?: string }>, opts: FhirMappingOptions): ImportBatch {
  const builder = new FhirBatchBuilder(opts);
  let i = 0;
  for (const { resource, fullUrl } of resources) builder.add(resource, ++i, fullUrl);
  return builder.build();
}

/** Mean doses per day of a MedicationRequest/Statement (dosage) or the dose of an administration. */
function medicationDose(r: Json): { value: number; unit: string } | undefined {
  if (isObject(r.dosage) && isObject(r.dosage.dose)) {
    const q = r.dosage.dose;
    return typeof q.value === 'number' ? { value: q.value, unit: str(q.code) ?? str(q.unit) ?? 'mg' } : undefined;
  }
  const dosages = Array.isArray(r.dosageInstruction) ? r.dosageInstruction : Array.isArray(r.dosage) ? r.dosage : [];
  const d = dosages[0];
  if (!isObject(d)) return undefined;
  const doseAndRate = Array.isArray(d.doseAndRate) ? d.doseAndRate[0] : undefined;
  const q = isObject(doseAndRate) && isObject(doseAndRate.doseQuantity) ? doseAndRate.doseQuantity : undefined;
  if (!q || typeof q.value !== 'number') return undefined;
  const repeat = isObject(d.timing) && isObject(d.timing.repeat) ? d.timing.repeat : undefined;
  const frequency = typeof repeat?.frequency === 'number' ? repeat.frequency : 1;
  const period = typeof repeat?.period === 'number' ? repeat.period : 1;
  const days = { h: 1 / 24, d: 1, wk: 7, mo: 30, a: 365 }[str(repeat?.periodUnit) ?? 'd'] ?? 1;
  const unit = str(q.code) ?? str(q.unit) ?? 'mg';
  return { value: (q.value * frequency) / (period * days), unit: `${unit}/d` };
}

function patientName(names: unknown): string | undefined {
  if (!Array.isArray(names)) return undefined;
  const official = names.find((n: unknown) => isObject(n) && n.use === 'official') ?? names[0];
  if (!isObject(official)) return undefined;
  if (typeof official.text === 'string' && official.text.trim()) return official.text.trim().slice(0, 200);
  const given = Array.isArray(official.given) ? official.given.filter((g): g is string => typeof g === 'string') : [];
  const family = str(official.family);
  const name = [...given, family ?? ''].join(' ').trim();
  return name ? name.slice(0, 200) : undefined;
}

/** A FHIR dateTime/instant to epoch ms; a date alone is read as UTC midnight. */
export function fhirTimeMs(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) return Date.parse(`${text}T00:00:00Z`);
  // FHIR requires a zone whenever there is a time: a zone-less time is malformed, not local.
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(text)) return undefined;
  const t = Date.parse(text);
  return Number.isFinite(t) ? t : undefined;
}

function referenceOf(ref: unknown): string | undefined {
  return isObject(ref) ? str(ref.reference) : undefined;
}

function firstCoding(concept: unknown): { system: string; code: string; display?: string } | undefined {
  if (!isObject(concept) || !Array.isArray(concept.coding)) return undefined;
  for (const c of concept.coding) {
    if (!isObject(c)) continue;
    const system = str(c.system);
    const code = str(c.code);
    const display = str(c.display);
    if (system && code) return { system, code, ...(display ? { display } : {}) };
  }
  return undefined;
}

function firstCode(concept: unknown): string | undefined {
  if (!isObject(concept) || !Array.isArray(concept.coding)) return undefined;
  const c: unknown = concept.coding[0];
  return isObject(c) ? str(c.code) : undefined;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
