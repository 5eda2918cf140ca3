/**
 * The single list of what the UI may ask of the core. Each method: its kind (query, command or stream),
 * zod schemas for input and output, and whether it touches PHI (PHI needs an unlocked session).
 * The main side validates every message against this; the renderer's client is typed from it.
 */
import { z } from 'zod';
import { CONDITIONS } from '../domain/patient.js';
import { AUDIT_ACTIONS, ConsentProvisionSchema, DataClassSchema, RoleSchema } from '../domain/consent.js';
import { ALERT_NOTE_MAX, ALERT_STATES, AlertIdSchema, AlertSchema } from '../domain/alerts.js';

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
const Num0 = z.number().nullable();
const Passcode = z.string().min(8, 'The passcode needs at least 8 characters').max(1024);

export const SessionStatus = z.object({
  state: z.enum(['uninitialised', 'locked', 'unlocked']),
  /** true when the store holds only generated demo patients */
  demo: z.boolean(),
  patientCount: z.number().int().nonnegative().nullable(),
  /** The store's data directory, shown so people know which store they unlock */
  dataDir: z.string(),
  host: z.enum(['electron', 'web']),
  /** Who is signed in on this connection (the store passcode is the admin account `owner`); null when locked. */
  account: z.object({ id: z.string(), role: RoleSchema, patientId: PatientId.nullable() }).nullable().optional(),
  /** Desktop app only, where the OS secret store is good enough: quick re-unlock offered; ready once remembered in this run. */
  quickUnlock: z.object({ offered: z.boolean(), ready: z.boolean() }).optional(),
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

/** Triage panel (main/core/panel): one row per patient for a period ending now. Shares are 0-1. */
export const TRIAGE_PERIODS = [7, 14, 30] as const;
export const TideCategorySchema = z.enum(['very-low', 'low', 'very-high', 'high', 'meeting-targets', 'not-enough-data']);
const TriageBand = z.object({ mean: Num0, lower80: Num0, upper80: Num0, lower95: Num0, upper95: Num0 });
export const TriageRow = PanelRow.extend({
  tags: z.array(z.string()),
  assignedNurse: z.string().nullable(),
  /** computed: a stored twin; pending: none computed yet; not-permitted: the patient's consent keeps derived data from this caller */
  twin: z.object({ state: z.enum(['computed', 'pending', 'not-permitted']), computedMs: z.number().nullable() }),
  diabetes: z
    .object({
      /** From the stored CGM readings of the period; null when the caller may not see CGM data */
      observed: z
        .object({
          category: TideCategorySchema,
          readings: z.number().int(),
          wear: z.number(),
          veryLow: z.number(),
          low: z.number(),
          inRange: z.number(),
          high: z.number(),
          veryHigh: z.number(),
          meanMgDl: z.number().nullable(),
          gmiPct: z.number().nullable(),
        })
        .nullable(),
      /** From the twin's daily projection (window closest to the period); no time above 250 mg/dL is projected */
      projected: z
        .object({
          category: TideCategorySchema,
          lengthDays: z.number(),
          timeInRange: TriageBand,
          timeBelow70: TriageBand,
          timeBelow54: TriageBand,
          timeAbove180: z.number().nullable(),
          gmiPct: TriageBand,
        })
        .nullable(),
      /** Daily mean glucose (mg/dL, UTC days) over the period, oldest first */
      trend: z.array(z.number().nullable()),
    })
    .nullable(),
  heartFailure: z
    .object({
      congestion: z
        .object({
          probability: z.number(),
          thresholdKg: z.number(),
          fluidExcessKg: z.object({ mean: z.number(), lower80: z.number(), upper80: z.number() }),
          probabilityRising: z.number().nullable(),
          alertActive: z.boolean(),
          asOfDay: z.number(),
        })
        .nullable(),
      weight: z
        .object({ changeKg: z.number(), fromKg: z.number(), toKg: z.number(), fromDay: z.number(), toDay: z.number(), probabilityFluid: z.number().nullable() })
        .nullable(),
      /** Daily mean weight (kg, UTC days) over the period, oldest first */
      trend: z.array(z.number().nullable()),
    })
    .nullable(),
  alerts: z.object({
    open: z.number().int(),
    /** The open alert to handle first: most severe, then newest */
    top: z.object({ id: z.string(), severity: z.enum(['info', 'warning', 'urgent']), text: z.string() }).nullable(),
  }),
  program: z
    .object({
      month: z.string(),
      deviceDays: z.number().int(),
      elapsedDays: z.number().int(),
      periodDays: z.number().int(),
      minutes: z.number().int(),
      timer: z.object({ startMs: z.number(), by: z.string() }).nullable(),
    })
    .nullable(),
  /** The newest acknowledgement or resolution of an alert, or logged interactive time (its end) */
  lastContact: z.object({ atMs: z.number(), kind: z.enum(['alert-acknowledged', 'alert-resolved', 'minutes']), by: z.string() }).nullable(),
});
export type TriageRow = z.infer<typeof TriageRow>;
export const PanelTriage = z.object({
  periodDays: z.number().int(),
  fromMs: z.number(),
  toMs: z.number(),
  computedMs: z.number(),
  /** Active nurse accounts (ids), for assignment */
  nurses: z.array(z.string()),
  rows: z.array(TriageRow),
});
export type PanelTriage = z.infer<typeof PanelTriage>;

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

/** Files reach the core through the bridge in chunks of at most this many bytes (the web host's WebSocket takes 1 MiB messages). */
export const IMPORT_CHUNK_BYTES = 512 * 1024;
const IMPORT_CHUNK_BASE64_CHARS = Math.ceil(IMPORT_CHUNK_BYTES / 3) * 4;
const ImportId = z.string().regex(/^[0-9a-f]{32}$/, 'an import id is 32 hex characters');
const ImportRow = z.object({ line: z.number().int(), reason: z.string() });

/** What one file's import stored, skipped and refused: the same facts `caretwin import --json` prints. */
export const ImportReportView = z.object({
  file: z.string(),
  format: z.string(),
  /** The format in words, e.g. "Dexcom Clarity CSV" */
  formatLabel: z.string(),
  /** Samples newly stored, and per stream code (with label and display unit) */
  added: z.number().int(),
  duplicates: z.number().int(),
  byStream: z.array(z.object({ code: z.string(), label: z.string(), displayUnit: z.string(), added: z.number().int() })),
  medications: z.number().int(),
  conditions: z.number().int(),
  /** Rows refused, with line and reason; the list holds the first 200, the count all of them */
  rejectedCount: z.number().int(),
  rejected: z.array(ImportRow),
  warningCount: z.number().int(),
  warnings: z.array(ImportRow),
  skipped: z.record(z.string(), z.number().int()),
  /** The zone this import read zone-less times in, when it was given now and stored on the patient */
  zoneStored: z.string().nullable(),
  ms: z.number(),
});
export type ImportReportView = z.infer<typeof ImportReportView>;

export const ImportStatus = z.object({
  importId: ImportId,
  phase: z.enum(['upload', 'detect', 'read', 'normalise', 'write', 'done', 'failed', 'cancelled']),
  /** Bytes received (upload) or read (read) so far, of `totalBytes` */
  bytes: z.number().int().nonnegative(),
  totalBytes: z.number().int().nonnegative(),
  rows: z.number().int().nullable(),
  /** Set when `phase` is done */
  report: ImportReportView.nullable(),
  /** Set when `phase` is failed: what went wrong, for people; nothing was stored */
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  /** Set when the file's times carry no zone and neither the request nor the patient gave one */
  needsZone: z.boolean(),
});
export type ImportStatus = z.infer<typeof ImportStatus>;

export const ClassConsentOut = z.object({ dataClass: DataClassSchema, recorded: z.boolean(), provision: ConsentProvisionSchema });
export const ShredOut = z.object({
  patientId: PatientId,
  dataClass: DataClassSchema,
  keyDestroyed: z.boolean(),
  chunks: z.number().int(),
  records: z.number().int(),
  walTruncated: z.boolean(),
});
export const AuditEntryOut = z.object({
  seq: z.number().int(),
  atMs: z.number(),
  actor: z.string(),
  role: RoleSchema,
  action: z.enum(AUDIT_ACTIONS),
  patientId: PatientId.nullable(),
  outcome: z.enum(['ok', 'denied', 'failed']),
  details: z.record(z.string(), z.unknown()),
});
export type AuditEntryOut = z.infer<typeof AuditEntryOut>;
export const AccountOut = z.object({
  id: z.string(),
  role: RoleSchema,
  status: z.enum(['active', 'disabled']),
  patientId: PatientId.nullable(),
  createdMs: z.number(),
  /** The newest successful sign-in, from the audit log (users.list only). */
  lastSignInMs: z.number().nullable().optional(),
});
export type AccountOut = z.infer<typeof AccountOut>;
/** One page of the audit log, newest first (the care team's audit view). */
export const AuditPageOut = z.object({
  entries: z.array(AuditEntryOut),
  /** All entries matching the filters. */
  total: z.number().int(),
  /** Ask with beforeSeq = this for the next (older) page; null: no more. */
  nextBeforeSeq: z.number().int().nullable(),
});
export type AuditPageOut = z.infer<typeof AuditPageOut>;
export const AUTO_LOCK_MAX_MINUTES = 480;
export const SettingsOut = z.object({ autoLockMinutes: z.number().int(), canChange: z.boolean() });
export type SettingsOut = z.infer<typeof SettingsOut>;

/** An alert with its reason, the data it used and its lifecycle (shared/domain/alerts.ts). */
export const AlertView = AlertSchema;
export type AlertView = z.infer<typeof AlertView>;

const Month = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'a month is YYYY-MM');
export const MinuteEntryView = z.object({
  id: z.string(),
  startMs: z.number(),
  seconds: z.number().int().nonnegative(),
  kind: z.enum(['timer', 'manual']),
  note: z.string().nullable(),
  by: z.string(),
  loggedMs: z.number(),
});
export type MinuteEntryView = z.infer<typeof MinuteEntryView>;
export const RunningTimerView = z.object({ startMs: z.number(), by: z.string() });

/** RPM program status of a patient for one calendar month in their zone (main/core/program). */
export const ProgramStatusView = z.object({
  patientId: PatientId,
  period: z.object({ month: z.string(), zone: z.string(), startMs: z.number(), endMs: z.number(), firstDay: z.number().int(), lastDay: z.number().int() }),
  zoneFrom: z.enum(['patient', 'default']),
  phase: z.enum(['future', 'current', 'past']),
  deviceDays: z.object({
    count: z.number().int(),
    dates: z.array(z.string()),
    code: z.enum(['99445', '99454']).nullable(),
    elapsedDays: z.number().int(),
    periodDays: z.number().int(),
  }),
  projection: z.object({
    needed: z.number().int(),
    remainingDays: z.number().int(),
    recentWindowDays: z.number().int(),
    recentDaysWithData: z.number().int(),
    dailyRate: z.number(),
    probability: z.number(),
    outcome: z.enum(['reached', 'likely', 'uncertain', 'unlikely', 'not-reachable']),
  }),
  minutes: z.object({
    totalSeconds: z.number().int(),
    totalMinutes: z.number().int(),
    entries: z.array(MinuteEntryView),
    codes: z.array(z.object({ code: z.enum(['99470', '99457', '99458']), units: z.number().int() })),
    next: z.object({ code: z.string(), minutesNeeded: z.number().int() }),
  }),
  timer: RunningTimerView.nullable(),
});
export type ProgramStatusView = z.infer<typeof ProgramStatusView>;

/** The twin view's series (main/core/twin/twin-view.ts): observed signals and the model's state with 80/95 % bands, decimated. */
const TwinBandArrays = z.object({
  mean: z.array(z.number().nullable()),
  lower80: z.array(z.number().nullable()),
  upper80: z.array(z.number().nullable()),
  lower95: z.array(z.number().nullable()),
  upper95: z.array(z.number().nullable()),
});
export const TwinSeriesView = z.object({
  patientId: PatientId,
  /** null: no twin computed yet (observed data only) */
  computedMs: z.number().nullable(),
  window: z.object({ fromMs: z.number(), toMs: z.number(), bucketMs: z.number(), decimated: z.boolean() }),
  glucose: z
    .object({
      unit: z.literal('mg/dL'),
      readingsInWindow: z.number().int(),
      readings: z.number().int(),
      firstMs: z.number(),
      lastMs: z.number(),
      gapThresholdMs: z.number(),
      gaps: z.array(z.object({ fromMs: z.number(), toMs: z.number() })),
      /** null marks a gap: the line breaks there */
      observed: z.object({ tMs: z.array(z.number()), mgDl: z.array(z.number().nullable()) }),
      smoothed: TwinBandArrays.extend({ tMs: z.array(z.number()), fitThroughMs: z.number(), modelVersion: z.string() }).nullable(),
    })
    .nullable(),
  hf: z
    .object({
      firstDay: z.number(),
      lastDay: z.number(),
      observedWeightKg: z.object({ tMs: z.array(z.number()), kg: z.array(z.number().nullable()) }),
      model: z
        .object({ tMs: z.array(z.number()), dryWeightKg: TwinBandArrays, fluidExcessKg: TwinBandArrays, modelWeightKg: z.array(z.number().nullable()), modelVersion: z.string() })
        .nullable(),
      projection: z
        .object({ tMs: z.array(z.number()), weightKg: TwinBandArrays, fluidExcessKg: TwinBandArrays, loopDiureticMgPerDay: z.number().nullable() })
        .nullable(),
    })
    .nullable(),
});
export type TwinSeriesView = z.infer<typeof TwinSeriesView>;

/** The living twin (main/core/twin): stored projections, bands, model alerts and provenance. Stored NaN reads back as null. */
const Num = z.number().nullable();
const BandOut = z.object({ mean: Num, lower80: Num, upper80: Num, lower95: Num, upper95: Num });
const PosteriorOut = z.object({ mean: Num, sd: Num });
export const TwinUpdateView = z.object({
  patientId: PatientId,
  computedMs: z.number(),
  trigger: z.enum(['samples', 'refit']),
  glucose: z
    .object({
      lastReadingMs: z.number(),
      update: z.string(),
      forecasts: z.array(z.object({ horizonMin: z.number(), medianMgDl: Num, lower80MgDl: Num, upper80MgDl: Num })),
    })
    .nullable(),
  daily: z
    .object({ originDay: z.number(), days: z.number(), meanGlucoseMgDl: Num, gmiPct: Num, timeInRange: Num, timeBelow70: Num, timeBelow54: Num })
    .nullable(),
  hf: z.object({ lastDay: z.number(), alertActive: z.boolean(), fluidExcessKg: Num }).nullable(),
  alerts: z.object({ raised: z.number().int(), merged: z.number().int(), cleared: z.number().int() }),
});
export type TwinUpdateView = z.infer<typeof TwinUpdateView>;
export const TwinView = z.object({
  patientId: PatientId,
  twin: z
    .object({
      modelVersion: z.string(),
      computedMs: z.number(),
      glucose: z
        .object({
          modelVersion: z.string(),
          lastReadingMs: z.number(),
          update: z.string(),
          forecasts: z.array(
            z.object({
              horizonMin: z.number(),
              atMs: z.number(),
              meanMgDl: Num,
              medianMgDl: Num,
              lower80MgDl: Num,
              upper80MgDl: Num,
              lower95MgDl: Num,
              upper95MgDl: Num,
              probabilityBelow70: Num,
            }),
          ),
          fit: z.object({ fitThroughMs: z.number(), fitReadingCount: z.number().int() }),
        })
        .nullable(),
      daily: z
        .object({
          modelVersion: z.string(),
          originDay: z.number(),
          fitMethod: z.string(),
          windows: z.array(
            z.object({
              lengthDays: z.number(),
              meanGlucoseMgDl: BandOut,
              gmiPct: BandOut,
              timeInRange: BandOut,
              timeBelow70: BandOut,
              timeBelow54: BandOut,
              hba1cPct: BandOut,
              hba1cLabPct: BandOut,
            }),
          ),
          current: z.object({ levelMgDl: BandOut, hba1cPct: BandOut }),
          daily: z.object({ days: z.array(z.number()), meanGlucoseMgDl: z.array(z.array(Num)), timeInRange: z.array(z.array(Num)) }),
          provenance: z.record(z.string(), z.unknown()),
        })
        .nullable(),
      hf: z
        .object({
          modelVersion: z.string(),
          firstDay: z.number(),
          lastDay: z.number(),
          alertActive: z.boolean(),
          fluidExcessKg: PosteriorOut,
          fluidRateKgPerDay: PosteriorOut,
          parametersFittedThroughDay: z.number().nullable(),
          alertHistory: z.array(z.object({ firedOnDay: z.number(), kind: z.string(), probability: Num })),
          projection: z.object({
            fromDay: z.number(),
            horizonDays: z.number(),
            loopDiureticMgPerDay: Num,
            days: z.array(z.object({ day: z.number(), weightKg: BandOut, fluidExcessKg: BandOut })),
          }),
          streams: z.array(z.object({ stream: z.string(), readingDays: z.number(), lastDay: z.number().nullable(), longestGapDays: z.number() })),
        })
        .nullable(),
      provenance: z.object({
        streams: z.array(
          z.object({
            stream: z.string(),
            count: z.number().int(),
            firstMs: z.number().nullable(),
            lastMs: z.number().nullable(),
            gaps: z.number().int(),
            longestGapMs: z.number(),
            gapThresholdMs: z.number(),
          }),
        ),
        modelVersions: z.record(z.string(), z.string()),
        medications: z.number().int(),
      }),
    })
    .nullable(),
  alerts: z.array(AlertView),
});
export type TwinView = z.infer<typeof TwinView>;

/** The Ambulatory Glucose Profile of a patient's stored CGM over a period (shared/report/agp.ts, main/core/report). */
const AgpBinView = z.object({ minute: z.number().int(), n: z.number().int(), p5: Num, p25: Num, p50: Num, p75: Num, p95: Num });
export const AgpView = z.object({
  zone: z.string(),
  fromMs: z.number(),
  toMs: z.number(),
  periodDays: z.number(),
  daysWithData: z.number().int(),
  calendarDays: z.number().int(),
  readings: z.number().int(),
  intervalMinutes: z.number(),
  wearPct: z.number(),
  meanMgDl: Num,
  sdMgDl: Num,
  cvPct: Num,
  gmiPct: Num,
  ranges: z.object({ veryLowPct: z.number(), lowPct: z.number(), inRangePct: z.number(), highPct: z.number(), veryHighPct: z.number() }).nullable(),
  sufficiency: z.object({ sufficient: z.boolean(), days: z.boolean(), wear: z.boolean(), reasons: z.array(z.string()) }),
  bins: z.array(AgpBinView),
});
export type AgpView = z.infer<typeof AgpView>;
export const AgpReportView = z.object({ patientId: PatientId, zoneFrom: z.enum(['patient', 'default']), generatedMs: z.number(), agp: AgpView });
export type AgpReportView = z.infer<typeof AgpReportView>;

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
  'session.unlock': method(
    'command',
    false,
    z.object({ passcode: z.string().min(1).max(1024), account: z.string().max(40).optional(), remember: z.boolean().optional() }).strict(),
    SessionStatus,
  ),
  /** Desktop app: unlock again with the unlock remembered since the passcode was last typed in this run. */
  'session.quickUnlock': method('command', false, Empty, SessionStatus),
  'session.forgetQuickUnlock': method('command', false, Empty, SessionStatus),
  'session.lock': method('command', false, Empty, SessionStatus),
  'demo.generate': method(
    'command',
    true,
    z.object({ patients: z.number().int().min(1).max(5000), days: z.number().int().min(1).max(365), seed: z.number().int() }).strict(),
    z.object({ patients: z.number().int(), samples: z.number().int(), ms: z.number() }),
  ),
  'panel.list': method('query', true, Empty, z.array(PanelRow)),
  /** The triage panel for a period of 7, 14 or 30 days ending now (care team). */
  'panel.triage': method(
    'query',
    true,
    z.object({ periodDays: z.union([z.literal(7), z.literal(14), z.literal(30)]).optional() }).strict(),
    PanelTriage,
  ),
  /** Replaces a patient's tags and assigned nurse (nurses and admins; audited as patient.assign). */
  'panel.assign': method(
    'command',
    true,
    z
      .object({
        patientId: PatientId,
        tags: z.array(z.string().trim().min(1, 'A tag cannot be empty').max(40, 'A tag has at most 40 characters')).max(12, 'At most 12 tags'),
        assignedNurse: z.string().regex(/^[A-Za-z0-9._-]{1,40}$/, 'not an account id').nullable(),
      })
      .strict(),
    z.object({ patientId: PatientId, tags: z.array(z.string()), assignedNurse: z.string().nullable() }),
  ),
  'patient.get': method('query', true, z.object({ patientId: PatientId }).strict(), PatientDetail),
  'patient.series': method(
    'query',
    true,
    z.object({ patientId: PatientId, stream: z.string().max(32), fromMs: z.number().optional(), toMs: z.number().optional() }).strict(),
    SeriesResult,
  ),
  /** Importing a file into a patient: begin, send its bytes in order, finish (or cancel); watch import.progress. */
  'import.begin': method(
    'command',
    true,
    z
      .object({
        patientId: PatientId,
        fileName: z.string().min(1).max(255),
        size: z.number().int().nonnegative(),
        zone: z.string().min(1).max(64).optional(),
      })
      .strict(),
    z.object({ importId: ImportId, chunkBytes: z.number().int().positive(), maxBytes: z.number().int().positive() }),
  ),
  'import.chunk': method(
    'command',
    true,
    z.object({ importId: ImportId, seq: z.number().int().nonnegative(), data: z.string().max(IMPORT_CHUNK_BASE64_CHARS) }).strict(),
    z.object({ received: z.number().int() }),
  ),
  'import.finish': method('command', true, z.object({ importId: ImportId }).strict(), z.object({ importId: ImportId })),
  'import.cancel': method('command', true, z.object({ importId: ImportId }).strict(), z.object({ cancelled: z.boolean() })),
  /** The import's phases and progress; its last frame is done (with the report), failed or cancelled. */
  'import.progress': method('stream', true, z.object({ importId: ImportId }).strict(), ImportStatus),
  /** Store changes pushed to open views (new data, lock, unlock). */
  'store.events': method('stream', false, Empty, StoreEvent),
  /** The patient's provision for every data class (default where nothing was recorded). */
  'consent.get': method('query', true, z.object({ patientId: PatientId }).strict(), z.array(ClassConsentOut)),
  /** Records one class's provision; `deny`, or a retention already past, destroys that class's data. */
  'consent.set': method(
    'command',
    true,
    z.object({ patientId: PatientId, dataClass: DataClassSchema, provision: ConsentProvisionSchema }).strict(),
    ShredOut.nullable(),
  ),
  'consent.revoke': method('command', true, z.object({ patientId: PatientId, dataClass: DataClassSchema }).strict(), ShredOut),
  /** The patient's data their consent lets this caller see, as a FHIR R4 Bundle (audited as an export). */
  'patient.exportFhir': method(
    'query',
    true,
    z.object({ patientId: PatientId }).strict(),
    z.object({
      bundle: z.record(z.string(), z.unknown()),
      classes: z.array(DataClassSchema),
      observations: z.number().int(),
      medications: z.number().int(),
    }),
  ),
  /** Walks the audit chain (care team). */
  'audit.verify': method(
    'query',
    true,
    Empty,
    z.object({
      ok: z.boolean(),
      entries: z.number().int(),
      firstBrokenSeq: z.number().int().optional(),
      reason: z.string().optional(),
      appendOnlyTriggers: z.boolean(),
    }),
  ),
  /** Accounts (admins only). */
  'users.list': method('query', true, Empty, z.array(AccountOut)),
  'users.add': method(
    'command',
    true,
    z.object({ role: RoleSchema, passcode: Passcode, patientId: PatientId.optional() }).strict(),
    AccountOut,
  ),
  'users.setStatus': method(
    'command',
    true,
    z.object({ account: z.string().max(40), status: z.enum(['active', 'disabled']) }).strict(),
    AccountOut,
  ),
  'users.remove': method('command', true, z.object({ account: z.string().max(40) }).strict(), z.object({ removed: z.boolean() })),
  /** The audit view (care team): newest first, filtered by patient, action and account, a page at a time. */
  'audit.page': method(
    'query',
    true,
    z
      .object({
        patientId: PatientId.optional(),
        action: z.enum(AUDIT_ACTIONS).optional(),
        actor: z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'not an account id').optional(),
        beforeSeq: z.number().int().min(1).optional(),
        limit: z.number().int().min(1).max(500).optional(),
      })
      .strict(),
    AuditPageOut,
  ),
  /** App settings (care team reads; admins change, audited as settings.change). */
  'settings.get': method('query', true, Empty, SettingsOut),
  'settings.setAutoLock': method(
    'command',
    true,
    z.object({ minutes: z.number().int('Whole minutes').min(0).max(AUTO_LOCK_MAX_MINUTES, `At most ${AUTO_LOCK_MAX_MINUTES} minutes`) }).strict(),
    SettingsOut,
  ),
  /** Audit entries (care team: all, or one patient's; a patient: their own record's). */
  'audit.list': method(
    'query',
    true,
    z.object({ patientId: PatientId.optional(), afterSeq: z.number().int().min(0).optional(), limit: z.number().int().min(1).max(10_000).optional() }).strict(),
    z.array(AuditEntryOut),
  ),
  /** Alerts of one patient, or of the panel (care team); the model-free ones are refreshed first. */
  'alerts.list': method(
    'query',
    true,
    z.object({ patientId: PatientId.optional(), state: z.enum(ALERT_STATES).optional() }).strict(),
    z.array(AlertView),
  ),
  'alerts.acknowledge': method('command', true, z.object({ patientId: PatientId, alertId: AlertIdSchema }).strict(), AlertView),
  /** Resolving needs a note saying what was done. */
  'alerts.resolve': method(
    'command',
    true,
    z.object({ patientId: PatientId, alertId: AlertIdSchema, note: z.string().trim().min(1, 'A note is needed').max(ALERT_NOTE_MAX) }).strict(),
    AlertView,
  ),
  /** RPM program status for a calendar month in the patient's zone (default: the current one). */
  'program.get': method('query', true, z.object({ patientId: PatientId, month: Month.optional() }).strict(), ProgramStatusView),
  'program.timer.start': method('command', true, z.object({ patientId: PatientId }).strict(), RunningTimerView),
  /** `minutes` corrects a timer left running (at most the time that passed). */
  'program.timer.stop': method(
    'command',
    true,
    z.object({ patientId: PatientId, note: z.string().max(1000).optional(), minutes: z.number().int().min(0).max(100_000).optional() }).strict(),
    MinuteEntryView,
  ),
  'program.minutes.add': method(
    'command',
    true,
    z
      .object({ patientId: PatientId, minutes: z.number().int().min(1).max(240), note: z.string().trim().min(1, 'A note is needed').max(1000), atMs: z.number().optional() })
      .strict(),
    MinuteEntryView,
  ),
  /** A patient's living twin: projections with bands, model alerts, provenance (null twin: none computed yet). */
  'twin.get': method('query', true, z.object({ patientId: PatientId }).strict(), TwinView),
  /** Twin updates as samples arrive or a refit ends: one patient's, or the panel's (care team). */
  'twin.updates': method('stream', true, z.object({ patientId: PatientId.optional() }).strict(), TwinUpdateView),
  /** The twin view's series for a time window (default: all data), decimated to `buckets` time buckets. */
  'twin.series': method(
    'query',
    true,
    z.object({ patientId: PatientId, fromMs: z.number().optional(), toMs: z.number().optional(), buckets: z.number().int().min(50).max(5000).optional() }).strict(),
    TwinSeriesView,
  ),
  /** Refits the living twins of the panel (or of some patients) on worker threads; stored twins stay until it ends. */
  'twin.refit': method(
    'command',
    true,
    z.object({ patientIds: z.array(PatientId).max(5000).optional() }).strict(),
    z.object({ patients: z.number().int(), skipped: z.number().int(), glucoseRefits: z.number().int(), ms: z.object({ total: z.number() }) }),
  ),
  /** The AGP of a patient's CGM over a period (default: the 14 days ending now), in the patient's zone. */
  'report.agp': method(
    'query',
    true,
    z
      .object({ patientId: PatientId, fromMs: z.number().optional(), toMs: z.number().optional(), days: z.number().int().min(1).max(366).optional() })
      .strict(),
    AgpReportView,
  ),
  /** Desktop app only: saves the calling window (the patient's report page) as a PDF through a save dialog. */
  'report.pdf': method(
    'command',
    true,
    z.object({ patientId: PatientId, pageSize: z.enum(['A4', 'Letter']) }).strict(),
    z.object({ saved: z.boolean(), filePath: z.string().nullable(), bytes: z.number().int().nonnegative() }),
  ),
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
