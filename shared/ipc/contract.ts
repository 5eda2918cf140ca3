/**
 * The single list of what the UI may ask of the core. Each method: its kind (query, command or stream),
 * zod schemas for input and output, and whether it touches PHI (PHI needs an unlocked session).
 * The main side validates every message against this; the renderer's client is typed from it.
 */
import { z } from 'zod';
import { CONDITIONS } from '../domain/patient.js';

export type MethodKind = 'query' | 'command' | 'stream';

export interface MethodDef<K extends MethodKind, I extends z.ZodType, O extends z.ZodType> {
  readonly kind: K;
  readonly input: I;
  /** For a stream: the schema of each frame. */
  readonly output: O;
  /** true when the method reads or writes patient data: refused with LOCKED unless unlocked. */
  readonly phi: boolean;
}

function method<K extends MethodKind, I extends z.ZodType, O extends z.ZodType>(kind: K, phi: boolean, input: I, output: O): MethodDef<K, I, O> {
  return { kind, input, output, phi };
}

const Empty = z.object({}).strict();
const PatientId = z.string().regex(/^[0-9a-f]{32}$/, 'a patient id is 32 hex characters');
const Passcode = z.string().min(8, 'The passcode needs at least 8 characters').max(1024);

export const SessionStatus = z.object({
  state: z.enum(['uninitialised', 'locked', 'unlocked']),
  /** true when the store holds only generated demo patients */
  demo: z.boolean(),
  patientCount: z.number().int().nonnegative().nullable(),
  /** The store's data directory, shown so people know which store they unlock */
  dataDir: z.string(),
  host: z.enum(['electron', 'web']),
});
export type SessionStatus = z.infer<typeof SessionStatus>;

export const PanelRow = z.object({
  id: PatientId,
  name: z.string(),
  conditions: z.array(z.enum(CONDITIONS)),
  demo: z.boolean(),
  /** Newest stored sample of any stream, UTC ms, or null when nothing is stored */
  lastDataMs: z.number().nullable(),
  /** Distinct days with any data among the last 30 days (ending today, in the store's clock) */
  daysWithData30: z.number().int().min(0).max(30),
});
export type PanelRow = z.infer<typeof PanelRow>;

export const StreamInfo = z.object({
  code: z.string(),
  label: z.string(),
  unit: z.string(),
  displayUnit: z.string(),
  count: z.number().int(),
  firstMs: z.number(),
  lastMs: z.number(),
  days: z.number().int(),
});
export type StreamInfo = z.infer<typeof StreamInfo>;

export const PatientDetail = z.object({
  id: PatientId,
  name: z.string(),
  birthDate: z.string().nullable(),
  sex: z.string().nullable(),
  zone: z.string().nullable(),
  conditions: z.array(z.enum(CONDITIONS)),
  demo: z.boolean(),
  streams: z.array(StreamInfo),
  medications: z.array(
    z.object({
      name: z.string(),
      unit: z.string(),
      doses: z.array(z.object({ startMs: z.number(), dose: z.number(), note: z.string().optional() })),
    }),
  ),
  /** Coded diagnoses imported from the EHR (FHIR Conditions), beside the monitored `conditions` above. */
  conditionRecords: z.array(z.object({ system: z.string(), code: z.string(), display: z.string() })),
});
export type PatientDetail = z.infer<typeof PatientDetail>;

export const SeriesResult = z.object({
  stream: z.string(),
  unit: z.string(),
  tMs: z.array(z.number()),
  values: z.array(z.number()),
});
export type SeriesResult = z.infer<typeof SeriesResult>;

export const StoreEvent = z.object({
  kind: z.enum(['patients-changed', 'locked', 'unlocked']),
  atMs: z.number(),
});
export type StoreEvent = z.infer<typeof StoreEvent>;

export const contract = {
  'session.status': method('query', false, Empty, SessionStatus),
  /** First run: create the store with a passcode typed twice. */
  'session.setup': method(
    'command',
    false,
    z.object({ passcode: Passcode, confirm: z.string() }).strict().refine((v) => v.passcode === v.confirm, {
      message: 'The two passcodes differ',
      path: ['confirm'],
    }),
    SessionStatus,
  ),
  'session.unlock': method('command', false, z.object({ passcode: z.string().min(1).max(1024) }).strict(), SessionStatus),
  'session.lock': method('command', false, Empty, SessionStatus),
  'demo.generate': method(
    'command',
    true,
    z.object({ patients: z.number().int().min(1).max(5000), days: z.number().int().min(1).max(365), seed: z.number().int() }).strict(),
    z.object({ patients: z.number().int(), samples: z.number().int(), ms: z.number() }),
  ),
  'panel.list': method('query', true, Empty, z.array(PanelRow)),
  'patient.get': method('query', true, z.object({ patientId: PatientId }).strict(), PatientDetail),
  'patient.series': method(
    'query',
    true,
    z.object({ patientId: PatientId, stream: z.string().max(32), fromMs: z.number().optional(), toMs: z.number().optional() }).strict(),
    SeriesResult,
  ),
  /** Store changes pushed to open views (new data, lock, unlock). */
  'store.events': method('stream', false, Empty, StoreEvent),
} as const;

export type Contract = typeof contract;
export type MethodName = keyof Contract;
export type QueryOrCommandName = { [K in MethodName]: Contract[K]['kind'] extends 'stream' ? never : K }[MethodName];
export type StreamName = { [K in MethodName]: Contract[K]['kind'] extends 'stream' ? K : never }[MethodName];
export type InputOf<K extends MethodName> = z.input<Contract[K]['input']>;
export type OutputOf<K extends MethodName> = z.output<Contract[K]['output']>;

export function isMethodName(name: unknown): name is MethodName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(contract, name);
}
