/**
 * The application services every host (Electron, web host, CLI) builds once per process: the session
 * (setup, unlock, lock) around the one encrypted store, and the read models the UI asks for.
 * Hosts differ only in transport; everything a user can do goes through here.
 */
import { Subject, type Observable } from 'rxjs';
import type { PanelRow, PatientDetail, SeriesResult, SessionStatus, StoreEvent } from '../../shared/ipc/contract.js';
import { AppError } from '../../shared/ipc/errors.js';
import { STREAMS, streamDef } from '../../shared/domain/streams.js';
import { CareTwinStore, OWNER_ACCOUNT, type AccountInfo, type KdfParams } from './store/store.js';
import { DEMO_DEFAULTS, generateDemoPanel, type DemoReport } from './demo/panel.js';
import { createImportService, type ImportService } from './imports/import-service.js';
import { callerForAccount, requireClassAccess, requirePatientAccess, STORE_OWNER, visibleClasses, type Caller } from './consent/access.js';
import { createConsentService, RETENTION_SWEEP_INTERVAL_MS, type ConsentService } from './consent/consent-service.js';
import { createAlertService, type AlertService } from './alerts/alert-service.js';
import { createProgramService, type ProgramService } from './program/program-service.js';
import { createTwinService, type TwinService, type TwinServiceOptions } from './twin/twin-service.js';
import { createPanelService, type PanelService } from './panel/panel-service.js';
import { hostZone } from './program/program-service.js';
import { createReportService, type PdfPrinter, type ReportService } from './report/report-service.js';
import { createAdminService, type AdminService } from './admin/admin-service.js';
import type { QuickUnlockProvider } from './session/quick-unlock.js';

/** Lock after 15 minutes without a request, unless the host says otherwise. */
export const DEFAULT_AUTO_LOCK_MS = 15 * 60 * 1000;

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
  /** Lock after this long without a request (default 15 minutes; 0: never). */
  readonly autoLockMs?: number;
  /** Largest file the app imports (tests use small ones); see import-service.ts. */
  readonly importMaxBytes?: number;
  /** The host's "save this window as PDF" (the desktop app); without it report.pdf is refused. */
  readonly printToPdf?: PdfPrinter;
  /** The desktop app's quick re-unlock (session/quick-unlock.ts); the web host passes none and never offers it. */
  readonly quickUnlock?: QuickUnlockProvider;
  /** The twin workers' scripts (default: dist/twin next to a bundled host; the desktop app's lie outside its asar). */
  readonly twinWorkers?: TwinServiceOptions;
}

export interface DemoOptions {
  readonly patients: number;
  readonly days: number;
  readonly seed: number;
  readonly onProgress?: (done: number, total: number) => void;
}

export interface SessionService {
  isUnlocked(ctx?: CallerContext): boolean;
  status(ctx?: CallerContext): SessionStatus;
  setup(passcode: string, ctx?: CallerContext): Promise<SessionStatus>;
  /**
   * Without an account: the store's passcode (the owner, an admin), for every connection, as before accounts.
   * With one: that account signs in on this connection only (opening the store if it is locked).
   */
  unlock(passcode: string, account?: string, ctx?: CallerContext, remember?: boolean): Promise<SessionStatus>;
  /** Unlocks again with the unlock remembered in this run of the desktop app (refused when there is none). */
  quickUnlock(ctx?: CallerContext): Promise<SessionStatus>;
  /** Forgets a remembered unlock. */
  forgetQuickUnlock(ctx?: CallerContext): SessionStatus;
  lock(): SessionStatus;
  /** Who is acting through this connection: role, purpose and, for a patient, their record. LOCKED if nobody. */
  caller(ctx?: CallerContext): Caller;
  /** Activity on a connection: postpones the auto-lock. */
  touch(): void;
  /** Locks when nothing happened for the auto-lock period; true if it locked. Runs on a timer too. */
  lockIfIdle(): boolean;
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
  /** Alerts with their lifecycle; the model-free ones refreshed on listing (alerts/alert-service.ts). */
  readonly alerts: AlertService;
  /** RPM program tracking: device days, projection, interactive minutes (program/program-service.ts). */
  readonly program: ProgramService;
  /** The living twin: stored twins, their updates, the panel refit (twin/twin-service.ts). */
  readonly twin: TwinService;
  /** The triage panel: rows with categories, risks, alerts and program per patient; tags and assignment (panel/panel-service.ts). */
  readonly triage: PanelService;
  /** Reports: the AGP of a patient's CGM over a period (report/report-service.ts). */
  readonly reports: ReportService;
  /** The care team's audit view, accounts with last sign-in, settings (admin/admin-service.ts). */
  readonly admin: AdminService;
  close(): Promise<void>;
}

export async function createServices(options: ServicesOptions): Promise<CareTwinServices> {
  const nowMs = options.nowMs ?? Date.now;
  const events = new Subject<StoreEvent>();
  let store: CareTwinStore | undefined;
  // One unlock or setup at a time: a second click while Argon2id runs must not open the file twice.
  let pending: Promise<SessionStatus> | undefined;
  let sweepTimer: ReturnType<typeof setInterval> | undefined;
  // Accounts signed in per connection; the owner's passcode (no account) opens the store for every connection.
  const signedIn = new Map<string, Caller>();
  let ownerSession = false;
  const hostAutoLockMs = options.autoLockMs ?? DEFAULT_AUTO_LOCK_MS;
  // The admins' setting (stored in the store) replaces the host's default once the store is open.
  let autoLockMs = hostAutoLockMs;
  let lastActivityMs = nowMs();
  let idleTimer: ReturnType<typeof setInterval> | undefined;

  // Fail early, before any UI, when the directory is unusable (not a store, newer schema, damaged).
  CareTwinStore.inspect(options.dataDir);

  function emit(kind: StoreEvent['kind']): void {
    events.next({ kind, atMs: nowMs() });
  }

  function requireStore(): CareTwinStore {
    if (!store) throw new AppError('LOCKED', 'CareTwin is locked. Unlock it with your passcode.');
    return store;
  }

  const twin = createTwinService(requireStore, nowMs, options.twinWorkers);
  const triage = createPanelService(requireStore, nowMs, hostZone());
  // The triage panel caches what it read from stored series and twins: new data, consent changes and recomputed
  // twins make it read them again.
  events.subscribe((e) => {
    if (e.kind !== 'unlocked') triage.invalidate();
  });
  let twinWatch: { unsubscribe(): void } | undefined;

  const imports = createImportService({
    dataDir: options.dataDir,
    store: requireStore,
    nowMs,
    onImported: () => {
      emit('patients-changed');
      // The import names no patients here: the twin pipeline re-runs those whose stored data changed.
      twin.samplesStored();
    },
    ...(options.importMaxBytes !== undefined ? { maxBytes: options.importMaxBytes } : {}),
  });

  function status(ctx?: CallerContext): SessionStatus {
    // Open for another connection's account is still locked for this one.
    const open = store !== undefined && session.isUnlocked(ctx);
    const state = open ? 'unlocked' : store || CareTwinStore.inspect(options.dataDir).state !== 'absent' ? 'locked' : 'uninitialised';
    const caller = open ? session.caller(ctx) : undefined;
    return {
      state,
      demo: open ? store!.isDemoOnly() : false,
      patientCount: open && caller?.role !== 'patient' ? store!.patientCount() : null,
      dataDir: options.dataDir,
      host: options.host,
      account: caller === undefined ? null : { id: caller.actor, role: caller.role, patientId: caller.ownPatientId ?? null },
      ...(options.quickUnlock !== undefined && options.quickUnlock.available()
        ? { quickUnlock: { offered: true, ready: options.quickUnlock.ready() } }
        : {}),
    };
  }

  const consent = createConsentService(requireStore, nowMs, () => emit('patients-changed'));

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

  function signIn(account: AccountInfo, ctx: CallerContext | undefined): void {
    if (account.id === OWNER_ACCOUNT) ownerSession = true;
    else if (ctx === undefined) throw new AppError('VALIDATION', 'An account signs in on a connection.');
    if (ctx !== undefined) signedIn.set(ctx.connectionId, callerForAccount(account));
    requireStore().audit({
      actor: { actor: account.id, role: account.role },
      action: 'account.unlock',
      patientId: account.patientId,
      details: { host: options.host },
    });
  }

  /**
   * The store passcode opens CareTwin for every connection only while it is the one account (single-user use, as
   * before accounts existed); once accounts exist, each connection signs in for itself.
   */
  function ownerForAll(): boolean {
    return ownerSession && store !== undefined && !store.hasAccounts();
  }

  const admin = createAdminService(requireStore, {
    getMs: () => autoLockMs,
    setMs: (ms) => {
      autoLockMs = ms;
      lastActivityMs = nowMs();
      // Applied at once: the timer's period follows the new setting.
      if (idleTimer !== undefined) clearInterval(idleTimer);
      idleTimer = undefined;
      if (store !== undefined) startIdleTimer();
    },
  });

  function applyStoredAutoLock(): void {
    try {
      autoLockMs = admin.storedAutoLockMs() ?? hostAutoLockMs;
    } catch {
      autoLockMs = hostAutoLockMs;
    }
  }

  function startIdleTimer(): void {
    if (idleTimer !== undefined || autoLockMs <= 0) return;
    idleTimer = setInterval(() => session.lockIfIdle(), Math.min(autoLockMs, 30_000));
    idleTimer.unref();
  }

  async function afterOpen(opened: CareTwinStore, ctx?: CallerContext): Promise<SessionStatus> {
    store = opened;
    lastActivityMs = nowMs();
    signIn(opened.account, ctx);
    applyStoredAutoLock();
    startIdleTimer();
    // Retention: at start-up, then daily while the store stays open.
    runSweep();
    stopSweeps();
    sweepTimer = setInterval(runSweep, RETENTION_SWEEP_INTERVAL_MS);
    sweepTimer.unref();
    if (options.demoWhenEmpty && opened.patientCount() === 0) {
      await generateDemoPanel(opened, { ...DEMO_DEFAULTS, endMs: nowMs() });
      twin.samplesStored(opened.listPatients().map((p) => p.id));
      emit('patients-changed');
    } else {
      // Data stored while CareTwin was closed (caretwin import, sync, demo) reaches the twins now.
      twin.samplesStored();
    }
    twinWatch ??= twin.updates(STORE_OWNER).subscribe((u) => triage.twinUpdated(u.patientId));
    emit('unlocked');
    return status(ctx);
  }

  function exclusive(run: () => Promise<SessionStatus>): Promise<SessionStatus> {
    if (pending) throw new AppError('CONFLICT', 'CareTwin is already opening the store. Wait a moment.');
    pending = run().finally(() => {
      pending = undefined;
    });
    return pending;
  }

  async function unlockWith(passcode: string, account: string | undefined, ctx: CallerContext | undefined): Promise<SessionStatus> {
    if (store) {
      if (account === undefined && ownerForAll()) return status(ctx);
      // Another person signing in on the running app: their passcode must open their slot to this store's key.
      signIn(await store.verifyAccount(account ?? OWNER_ACCOUNT, passcode), ctx);
      return status(ctx);
    }
    if (CareTwinStore.inspect(options.dataDir).state === 'absent') {
      throw new AppError('NOT_FOUND', 'There is no CareTwin store here yet. Create one first.');
    }
    const opened = await CareTwinStore.unlock(options.dataDir, passcode, account === undefined ? { nowMs } : { nowMs, account });
    return afterOpen(opened, ctx);
  }

  const session: SessionService = {
    isUnlocked: (ctx) => store !== undefined && (ownerForAll() || (ctx !== undefined && signedIn.has(ctx.connectionId))),
    status,
    setup: (passcode, ctx) =>
      exclusive(async () => {
        if (store || CareTwinStore.inspect(options.dataDir).state !== 'absent') {
          throw new AppError('CONFLICT', 'A CareTwin store already exists here. Unlock it instead.');
        }
        return afterOpen(await CareTwinStore.create(options.dataDir, passcode, { kdf: options.kdf, nowMs }), ctx);
      }),
    unlock: (passcode, account, ctx, remember) =>
      exclusive(async () => {
        const result = await unlockWith(passcode, account, ctx);
        // Remembered only after the passcode proved right, and only where the host offers it (session/quick-unlock.ts).
        if (remember === true && options.quickUnlock !== undefined) {
          options.quickUnlock.remember({ passcode, account });
          return status(ctx);
        }
        return result;
      }),
    quickUnlock: (ctx) =>
      exclusive(async () => {
        if (options.quickUnlock === undefined) throw new AppError('FORBIDDEN', 'Quick unlock is offered by the desktop app only. Enter your passcode.');
        const remembered = options.quickUnlock.recall();
        try {
          return await unlockWith(remembered.passcode, remembered.account, ctx);
        } catch (error) {
          // A changed passcode, a disabled or removed account: the remembered unlock is no good any more.
          options.quickUnlock.forget();
          throw error;
        }
      }),
    forgetQuickUnlock: (ctx) => {
      options.quickUnlock?.forget();
      return status(ctx);
    },
    caller: (ctx) => {
      const bound = ctx === undefined ? undefined : signedIn.get(ctx.connectionId);
      if (bound !== undefined) return bound;
      if (ownerForAll()) return STORE_OWNER;
      throw new AppError('LOCKED', 'Sign in to CareTwin with your account and passcode.');
    },
    touch: () => {
      lastActivityMs = nowMs();
    },
    lockIfIdle: () => {
      if (store === undefined || autoLockMs <= 0 || nowMs() - lastActivityMs < autoLockMs) return false;
      session.lock();
      return true;
    },
    lock: () => {
      stopSweeps();
      signedIn.clear();
      ownerSession = false;
      if (idleTimer !== undefined) clearInterval(idleTimer);
      idleTimer = undefined;
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
      twin.samplesStored(s.listPatients().map((p) => p.id));
      emit('patients-changed');
      return report;
    },

    panel(ctx) {
      // The triage panel's cache holds these figures once it has been shown (panel/panel-service.ts).
      return triage.list(session.caller(ctx));
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
    alerts: createAlertService(requireStore, nowMs),
    program: createProgramService(requireStore, nowMs),
    twin,
    triage,
    reports: createReportService(requireStore, nowMs, hostZone(), options.printToPdf),
    admin,

    async close() {
      stopSweeps();
      if (idleTimer !== undefined) clearInterval(idleTimer);
      await pending?.catch(() => undefined);
      await imports.abandonAll();
      twinWatch?.unsubscribe();
      await twin.close();
      store?.close();
      store = undefined;
      events.complete();
    },
  };
}
