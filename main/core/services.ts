/**
 * The application services every host (Electron, web host, CLI) builds once per process: the session
 * (setup, unlock, lock) around the one encrypted store, and the read models the UI asks for.
 * Hosts differ only in transport; everything a user can do goes through here.
 */
import { Subject, type Observable } from 'rxjs';
import type { PanelRow, PatientDetail, SeriesResult, SessionStatus, StoreEvent } from '../../shared/ipc/contract.js';
import { AppError } from '../../shared/ipc/errors.js';
import { utcDay } from '../../shared/domain/sample.js';
import { STREAMS, streamDef } from '../../shared/domain/streams.js';
import { CareTwinStore, type KdfParams } from './store/store.js';
import { DEMO_DEFAULTS, generateDemoPanel, type DemoReport } from './demo/panel.js';
import { createImportService, type ImportService } from './imports/import-service.js';
import { requireClassAccess, requirePanelAccess, requirePatientAccess, STORE_OWNER, visibleClasses, type Caller } from './consent/access.js';
import { createConsentService, RETENTION_SWEEP_INTERVAL_MS, type ConsentService } from './consent/consent-service.js';

export interface CallerContext {
  readonly host: 'electron' | 'web';
  /** One per window (Electron) or WebSocket connection (web host). */
  readonly connectionId: string;
}

export interface ServicesOptions {
  readonly dataDir: string;
  readonly host: 'electron' | 'web';
  /** Fill an empty store with the synthetic demo panel right after it is created or unlocked. */
  readonly demoWhenEmpty?: boolean;
  /** Key-derivation parameters for a store created here (tests use cheap ones). */
  readonly kdf?: Partial<KdfParams>;
  readonly nowMs?: () => number;
  /** Largest file the app imports (tests use small ones); see import-service.ts. */
  readonly importMaxBytes?: number;
}

export interface DemoOptions {
  readonly patients: number;
  readonly days: number;
  readonly seed: number;
  readonly onProgress?: (done: number, total: number) => void;
}

export interface SessionService {
  isUnlocked(ctx?: CallerContext): boolean;
  status(): SessionStatus;
  setup(passcode: string): Promise<SessionStatus>;
  unlock(passcode: string): Promise<SessionStatus>;
  lock(): SessionStatus;
  /** Who is acting through this connection: role, purpose and, for a patient, their record. */
  caller(ctx?: CallerContext): Caller;
}

export interface CareTwinServices {
  readonly dataDir: string;
  readonly session: SessionService;
  readonly events$: Observable<StoreEvent>;
  /** The unlocked store; LOCKED otherwise. */
  store(): CareTwinStore;
  generateDemo(options: DemoOptions): Promise<DemoReport>;
  panel(ctx?: CallerContext): PanelRow[];
  patient(patientId: string, ctx?: CallerContext): PatientDetail;
  series(patientId: string, stream: string, fromMs?: number, toMs?: number, ctx?: CallerContext): SeriesResult;
  /** Consent, retention sweep, FHIR export and the audit trail (consent/consent-service.ts). */
  readonly consent: ConsentService;
  /** Files imported from the app (spooled through the IPC bridge, then the same runner as `caretwin import`). */
  readonly imports: ImportService;
  close(): Promise<void>;
}

export async function createServices(options: ServicesOptions): Promise<CareTwinServices> {
  const nowMs = options.nowMs ?? Date.now;
  const events = new Subject<StoreEvent>();
  let store: CareTwinStore | undefined;
  // One unlock or setup at a time: a second click while Argon2id runs must not open the file twice.
  let pending: Promise<SessionStatus> | undefined;
  let sweepTimer: ReturnType<typeof setInterval> | undefined;

  // Fail early, before any UI, when the directory is unusable (not a store, newer schema, damaged).
  CareTwinStore.inspect(options.dataDir);

  function emit(kind: StoreEvent['kind']): void {
    events.next({ kind, atMs: nowMs() });
  }

  function requireStore(): CareTwinStore {
    if (!store) throw new AppError('LOCKED', 'CareTwin is locked. Unlock it with your passcode.');
    return store;
  }

  const imports = createImportService({
    dataDir: options.dataDir,
    store: requireStore,
    nowMs,
    onImported: () => emit('patients-changed'),
    ...(options.importMaxBytes !== undefined ? { maxBytes: options.importMaxBytes } : {}),
  });

  function status(): SessionStatus {
    const state = store ? 'unlocked' : CareTwinStore.inspect(options.dataDir).state === 'absent' ? 'uninitialised' : 'locked';
    return {
      state,
      demo: store ? store.isDemoOnly() : false,
      patientCount: store ? store.patientCount() : null,
      dataDir: options.dataDir,
      host: options.host,
    };
  }

  const consent = createConsentService(requireStore, nowMs);

  function runSweep(): void {
    try {
      consent.sweep();
    } catch (error) {
      // Reported without details (they could name a patient); the next sweep tries again.
      process.stderr.write(`caretwin: retention sweep failed (${error instanceof AppError ? error.code : 'internal'})\n`);
    }
  }

  function stopSweeps(): void {
    if (sweepTimer !== undefined) clearInterval(sweepTimer);
    sweepTimer = undefined;
  }

  async function afterOpen(opened: CareTwinStore): Promise<SessionStatus> {
    store = opened;
    // Retention: at start-up, then daily while the store stays open.
    runSweep();
    stopSweeps();
    sweepTimer = setInterval(runSweep, RETENTION_SWEEP_INTERVAL_MS);
    sweepTimer.unref();
    if (options.demoWhenEmpty && opened.patientCount() === 0) {
      await generateDemoPanel(opened, { ...DEMO_DEFAULTS, endMs: nowMs() });
      emit('patients-changed');
    }
    emit('unlocked');
    return status();
  }

  function exclusive(run: () => Promise<SessionStatus>): Promise<SessionStatus> {
    if (pending) throw new AppError('CONFLICT', 'CareTwin is already opening the store. Wait a moment.');
    pending = run().finally(() => {
      pending = undefined;
    });
    return pending;
  }

  const session: SessionService = {
    isUnlocked: () => store !== undefined,
    status,
    setup: (passcode) =>
      exclusive(async () => {
        if (store || CareTwinStore.inspect(options.dataDir).state !== 'absent') {
          throw new AppError('CONFLICT', 'A CareTwin store already exists here. Unlock it instead.');
        }
        return afterOpen(await CareTwinStore.create(options.dataDir, passcode, { kdf: options.kdf, nowMs }));
      }),
    unlock: (passcode) =>
      exclusive(async () => {
        if (store) return status();
        if (CareTwinStore.inspect(options.dataDir).state === 'absent') {
          throw new AppError('NOT_FOUND', 'There is no CareTwin store here yet. Create one first.');
        }
        return afterOpen(await CareTwinStore.unlock(options.dataDir, passcode, { nowMs }));
      }),
    caller: () => STORE_OWNER,
    lock: () => {
      stopSweeps();
      if (store) {
        // Uploads end now; a running import stops at its next step (it finds the store closed) and stores nothing.
        void imports.abandonAll();
        store.close();
        store = undefined;
        emit('locked');
      }
      return status();
    },
  };

  return {
    dataDir: options.dataDir,
    session,
    events$: events.asObservable(),
    store: requireStore,

    async generateDemo(demo) {
      const s = requireStore();
      if (s.patientCount() > 0) {
        throw new AppError(
          'CONFLICT',
          `This store already holds ${s.patientCount()} patients. Demo patients go only into an empty store; use another data directory.`,
        );
      }
      const report = await generateDemoPanel(s, { ...demo, endMs: nowMs() });
      emit('patients-changed');
      return report;
    },

    panel(ctx) {
      const s = requireStore();
      requirePanelAccess(s, session.caller(ctx), 'panel.list');
      const today = utcDay(nowMs());
      return s.listPatients().map((p) => ({
        id: p.id,
        name: p.profile.name,
        conditions: p.profile.conditions,
        demo: p.demo,
        lastDataMs: s.lastDataMs(p.id),
        daysWithData30: s.daysWithData(p.id, today - 29, today),
      }));
    },

    patient(patientId, ctx) {
      const s = requireStore();
      const caller = session.caller(ctx);
      requirePatientAccess(s, caller, patientId, 'patient.get');
      const p = s.getPatient(patientId);
      if (!p) throw new AppError('NOT_FOUND', 'No patient with that id in this store.');
      // Only the classes the patient's consent lets this caller see.
      const visible = visibleClasses(s, caller, patientId, nowMs());
      return {
        id: p.id,
        name: p.profile.name,
        birthDate: p.profile.birthDate ?? null,
        sex: p.profile.sex ?? null,
        zone: p.profile.zone ?? null,
        conditions: p.profile.conditions,
        demo: p.demo,
        streams: s.streamSummaries(p.id).filter((summary) => {
          const dataClass = STREAMS.get(summary.stream)?.dataClass;
          return dataClass !== undefined && visible.has(dataClass);
        }).map((summary) => {
          const def = STREAMS.get(summary.stream);
          return {
            code: summary.stream,
            label: def?.label ?? summary.stream,
            unit: def?.unit ?? '',
            displayUnit: def?.displayUnit ?? '',
            count: summary.count,
            firstMs: summary.firstMs,
            lastMs: summary.lastMs,
            days: summary.days,
          };
        }),
        medications: (visible.has('medications') ? s.getMedications(p.id) : []).map((m) => ({ name: m.name, unit: m.unit, doses: m.doses })),
        conditionRecords: s.getConditions(p.id).map((c) => ({ system: c.system, code: c.code, display: c.display })),
      };
    },

    series(patientId, stream, fromMs, toMs, ctx) {
      const s = requireStore();
      const def = STREAMS.get(stream);
      if (!def) throw new AppError('VALIDATION', 'Unknown stream code.');
      if (!s.getPatient(patientId)) throw new AppError('NOT_FOUND', 'No patient with that id in this store.');
      requireClassAccess(s, session.caller(ctx), patientId, def.dataClass, nowMs(), 'patient.series');
      const series = s.readSeries(patientId, stream, fromMs, toMs);
      return { stream, unit: streamDef(stream).unit, tMs: Array.from(series.tMs), values: Array.from(series.values) };
    },

    imports,
    consent,

    async close() {
      stopSweeps();
      await pending?.catch(() => undefined);
      await imports.abandonAll();
      store?.close();
      store = undefined;
      events.complete();
    },
  };
}
