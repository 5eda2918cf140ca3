/**
 * The stream codes CareTwin stores (LOINC; CGM per the HL7 CGM implementation guide), one canonical
 * UCUM unit each, and the consent data class each belongs to. Everything after ingest speaks these codes.
 */

export const DATA_CLASSES = ['cgm', 'vitals', 'activity', 'labs', 'medications', 'derived'] as const;
export type DataClass = (typeof DATA_CLASSES)[number];

export interface StreamDef {
  readonly code: string;
  readonly label: string;
  readonly unit: string;
  /** Unit as shown to people (UCUM annotations stripped). */
  readonly displayUnit: string;
  readonly dataClass: DataClass;
  /** Number of decimals worth showing. */
  readonly decimals: number;
}

const defs: readonly StreamDef[] = [
  { code: '99504-3', label: 'CGM glucose', unit: 'mg/dL', displayUnit: 'mg/dL', dataClass: 'cgm', decimals: 0 },
  { code: '41653-7', label: 'Fingerstick glucose', unit: 'mg/dL', displayUnit: 'mg/dL', dataClass: 'cgm', decimals: 0 },
  { code: '29463-7', label: 'Body weight', unit: 'kg', displayUnit: 'kg', dataClass: 'vitals', decimals: 1 },
  { code: '8480-6', label: 'Systolic blood pressure', unit: 'mm[Hg]', displayUnit: 'mmHg', dataClass: 'vitals', decimals: 0 },
  { code: '8462-4', label: 'Diastolic blood pressure', unit: 'mm[Hg]', displayUnit: 'mmHg', dataClass: 'vitals', decimals: 0 },
  { code: '8867-4', label: 'Heart rate', unit: '/min', displayUnit: 'bpm', dataClass: 'vitals', decimals: 0 },
  { code: '40443-4', label: 'Resting heart rate', unit: '/min', displayUnit: 'bpm', dataClass: 'vitals', decimals: 0 },
  { code: '59408-5', label: 'SpO2', unit: '%', displayUnit: '%', dataClass: 'vitals', decimals: 0 },
  { code: '41950-7', label: 'Steps per day', unit: '{steps}', displayUnit: 'steps', dataClass: 'activity', decimals: 0 },
  { code: '55423-8', label: 'Steps in period', unit: '{steps}', displayUnit: 'steps', dataClass: 'activity', decimals: 0 },
  { code: '93832-4', label: 'Sleep duration', unit: 'min', displayUnit: 'min', dataClass: 'activity', decimals: 0 },
  { code: '4548-4', label: 'HbA1c', unit: '%', displayUnit: '%', dataClass: 'labs', decimals: 1 },
  { code: '33762-6', label: 'NT-proBNP', unit: 'pg/mL', displayUnit: 'pg/mL', dataClass: 'labs', decimals: 0 },
  { code: '30934-4', label: 'BNP', unit: 'pg/mL', displayUnit: 'pg/mL', dataClass: 'labs', decimals: 0 },
  { code: '98979-8', label: 'eGFR', unit: 'mL/min/{1.73_m2}', displayUnit: 'mL/min/1.73m²', dataClass: 'labs', decimals: 0 },
  { code: '33914-3', label: 'eGFR (legacy code)', unit: 'mL/min/{1.73_m2}', displayUnit: 'mL/min/1.73m²', dataClass: 'labs', decimals: 0 },
  { code: '2823-3', label: 'Potassium', unit: 'mmol/L', displayUnit: 'mmol/L', dataClass: 'labs', decimals: 1 },
  { code: '2160-0', label: 'Creatinine', unit: 'mg/dL', displayUnit: 'mg/dL', dataClass: 'labs', decimals: 2 },
];

export const STREAMS: ReadonlyMap<string, StreamDef> = new Map(defs.map((d) => [d.code, d]));

export const STREAM = {
  cgm: '99504-3',
  fingerstick: '41653-7',
  weight: '29463-7',
  systolic: '8480-6',
  diastolic: '8462-4',
  heartRate: '8867-4',
  restingHeartRate: '40443-4',
  spo2: '59408-5',
  stepsPerDay: '41950-7',
  stepsInPeriod: '55423-8',
  sleepDuration: '93832-4',
  hba1c: '4548-4',
  ntProBnp: '33762-6',
  bnp: '30934-4',
  egfr: '98979-8',
  egfrLegacy: '33914-3',
  potassium: '2823-3',
  creatinine: '2160-0',
} as const;

export function streamDef(code: string): StreamDef {
  const def = STREAMS.get(code);
  if (!def) throw new Error(`Unknown stream code ${code}`);
  return def;
}

export function isStreamCode(code: string): boolean {
  return STREAMS.has(code);
}
