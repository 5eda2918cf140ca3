/**
 * Which FHIR Observation codes become which CareTwin stream, and how their units convert to the stream's
 * canonical UCUM unit. A code or unit not listed here is skipped (counted), never guessed.
 */
import { STREAM } from '../../../../shared/domain/streams.js';

const LOINC = 'http://loinc.org';

/** Glucose molar mass 180.156 g/mol: 1 mmol/L = 18.0156 mg/dL. */
const GLUCOSE_MG_DL_PER_MMOL_L = 18.0156;
/** Creatinine molar mass 113.12 g/mol: 1 mg/dL = 88.42 umol/L. */
const CREATININE_UMOL_L_PER_MG_DL = 88.42;

type Convert = (value: number) => number;
const same: Convert = (v) => v;

interface ObservationStream {
  readonly stream: string;
  /** UCUM unit code (or the unit text Synthea writes) -> conversion into the stream's unit */
  readonly units: Readonly<Record<string, Convert>>;
}

const glucoseUnits = { 'mg/dL': same, 'mmol/L': (v: number) => v * GLUCOSE_MG_DL_PER_MMOL_L };

/** LOINC code of an Observation (or of a BP panel component) -> stream. */
export const OBSERVATION_STREAMS: ReadonlyMap<string, ObservationStream> = new Map<string, ObservationStream>([
  ['29463-7', { stream: STREAM.weight, units: { kg: same, g: (v) => v / 1000, '[lb_av]': (v) => v * 0.45359237, lb: (v) => v * 0.45359237 } }],
  ['8480-6', { stream: STREAM.systolic, units: { 'mm[Hg]': same, mmHg: same } }],
  ['8462-4', { stream: STREAM.diastolic, units: { 'mm[Hg]': same, mmHg: same } }],
  ['8867-4', { stream: STREAM.heartRate, units: { '/min': same, '{beats}/min': same, beats_per_minute: same } }],
  ['40443-4', { stream: STREAM.restingHeartRate, units: { '/min': same, '{beats}/min': same } }],
  ['59408-5', { stream: STREAM.spo2, units: { '%': same } }],
  ['2708-6', { stream: STREAM.spo2, units: { '%': same } }],
  // HbA1c in IFCC units converts by the IFCC-NGSP master equation: NGSP % = 0.09148 * IFCC + 2.152.
  ['4548-4', { stream: STREAM.hba1c, units: { '%': same, 'mmol/mol': (v) => 0.09148 * v + 2.152 } }],
  ['33762-6', { stream: STREAM.ntProBnp, units: { 'pg/mL': same, 'ng/L': same } }],
  ['30934-4', { stream: STREAM.bnp, units: { 'pg/mL': same, 'ng/L': same } }],
  // Synthea writes some eGFR values with the unit `mL/min`: eGFR is normalised to 1.73 m2 by definition, so the
  // number is the same quantity with its annotation missing.
  ['98979-8', { stream: STREAM.egfr, units: { 'mL/min/{1.73_m2}': same, 'mL/min/1.73m2': same, 'mL/min': same } }],
  ['33914-3', { stream: STREAM.egfrLegacy, units: { 'mL/min/{1.73_m2}': same, 'mL/min/1.73m2': same, 'mL/min': same } }],
  ['2823-3', { stream: STREAM.potassium, units: { 'mmol/L': same, 'meq/L': same, 'mEq/L': same } }],
  ['2160-0', { stream: STREAM.creatinine, units: { 'mg/dL': same, 'umol/L': (v) => v / CREATININE_UMOL_L_PER_MG_DL } }],
  ['41653-7', { stream: STREAM.fingerstick, units: glucoseUnits }],
  // CGM implementation guide: sensor readings in mass (99504-3) or molar (14745-4) interstitial glucose.
  ['99504-3', { stream: STREAM.cgm, units: glucoseUnits }],
  ['14745-4', { stream: STREAM.cgm, units: glucoseUnits }],
]);

/** Blood pressure panel whose components carry systolic and diastolic. */
export const BP_PANEL_CODES: ReadonlySet<string> = new Set(['55284-4', '85354-9']);

/**
 * Venous/serum glucose from a lab (2339-0 blood, 2345-7 serum or plasma). CareTwin has no stream for lab glucose:
 * filing it as capillary fingerstick glucose would misstate its specimen, so it is counted as skipped.
 */
export const LAB_GLUCOSE_CODES: ReadonlySet<string> = new Set(['2339-0', '2345-7']);

export function loincCodes(concept: unknown): string[] {
  const codings = (concept as { coding?: unknown } | undefined)?.coding;
  if (!Array.isArray(codings)) return [];
  const out: string[] = [];
  for (const c of codings) {
    const coding = c as { system?: unknown; code?: unknown };
    if (coding.system === LOINC && typeof coding.code === 'string') out.push(coding.code);
  }
  return out;
}
