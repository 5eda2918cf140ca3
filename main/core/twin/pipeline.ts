/**
 * The living twin pipeline: when samples arrive (import, sync, demo, or `samplesArrived` directly), the
 * affected patients' twins are brought up to date (./twin-compute.ts: the fast glucose layer filtered forward
 * from its stored state, the daily glucose layer and the heart-failure twin re-run), stored encrypted as the
 * derived record `derived.twin` with their provenance, their alerts reconciled into the alert store
 * (../alerts/alert-store.ts, sources 'diabetes' and 'heart-failure'), and a summary pushed on `updates$`.
 * `refitPanel` refits every twin on ./twin-compute-pool.ts's worker threads (glucose hyperparameters and
 * bands, the daily layer, the heart-failure twin: one task per patient), reading each patient from the store
 * on this thread as a worker asks for the next, with progress and cancellation; nothing is stored until every
 * patient is done, so a cancelled refit leaves the stored twins as they were.
 *
 * Consent: a patient whose consent does not permit derived data is skipped before anything of theirs is read;
 * a series whose class is not permitted is neither read nor used (the store returns nothing for it).
 */
import { Subject, type Observable } from 'rxjs';
import { utcDay } from '../../../shared/domain/sample.js';
import { STREAMS, type DataClass } from '../../../shared/domain/streams.js';
import type { CareTwinStore } from '../store/store.js';
import { reconcileAlerts, type ReconcileReport } from '../alerts/alert-store.js';
import { RefitCancelledError } from './refit-pool.js';
import { computeOnWorkers } from './twin-compute-pool.js';
import { warmUpPatientRefit } from '../../../shared/model/glucose/patient-refit.js';
import {
  computeTwin,
  diabetesCandidates,
  heartFailureCandidates,
  type StoredTwin,
  TWIN_CGM_STREAM,
  TWIN_RECORD,
  TWIN_STREAMS,
  type TwinInputs,
  type SeriesInput,
} from './twin-compute.js';

export { TWIN_RECORD, type StoredTwin } from './twin-compute.js';

type PipelineStore = Pick<
  CareTwinStore,
  'getPatient' | 'listPatients' | 'readSeries' | 'streamSummaries' | 'streamDays' | 'getMedications' | 'classInUse' | 'getDerivedRecord' | 'putDerivedRecord' | 'writeAtomically' | 'audit'
>;

/** What is pushed to open views after a twin is stored. */
export interface TwinUpdate {
  readonly patientId: string;
  readonly computedMs: number;
  readonly trigger: 'samples' | 'refit';
  readonly glucose: {
    readonly lastReadingMs: number;
    readonly update: string;
    readonly forecasts: readonly { readonly horizonMin: number; readonly medianMgDl: number; readonly lower80MgDl: number; readonly upper80MgDl: number }[];
  } | null;
  readonly daily: {
    readonly originDay: number;
    readonly days: number;
    readonly meanGlucoseMgDl: number;
    readonly gmiPct: number;
    readonly timeInRange: number;
    readonly timeBelow70: number;
    readonly timeBelow54: number;
  } | null;
  readonly hf: { readonly lastDay: number; readonly alertActive: boolean; readonly fluidExcessKg: number } | null;
  readonly alerts: { readonly raised: number; readonly merged: number; readonly cleared: number };
}

export interface PipelineOptions {
  readonly store: () => PipelineStore;
  readonly nowMs?: () => number;
  /** glucose hyperparameters are refreshed when the newest reading is this many UTC days past their fit (default 1) */
  readonly refreshDays?: number;
  /** the twin workers' script (default: the bundled one next to dist/cli or dist/bench) */
  readonly computeWorkerUrl?: URL;
  readonly poolSize?: number;
}

export interface PanelRefitOptions {
  /** default: every patient */
  readonly patientIds?: readonly string[];
  readonly signal?: AbortSignal;
  /** phases: the twins on the workers (the store read for them meanwhile on this thread), then storing them */
  readonly onProgress?: (progress: { readonly phase: 'twin' | 'store'; readonly done: number; readonly total: number }) => void;
}

export interface PanelRefitReport {
  readonly patients: number;
  /** patients skipped because their consent does not permit derived data */
  readonly skipped: number;
  readonly glucoseRefits: number;
  readonly alerts: { readonly raised: number; readonly merged: number; readonly cleared: number };
  /** `read` is the part of `twin` this thread spent reading the store (it overlaps the workers' computing) */
  readonly ms: { readonly read: number; readonly twin: number; readonly store: number; readonly total: number };
}

export class TwinPipeline {
  private readonly subject = new Subject<TwinUpdate>();
  readonly updates$: Observable<TwinUpdate> = this.subject.asObservable();
  private readonly nowMs: () => number;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: PipelineOptions) {
    this.nowMs = options.nowMs ?? Date.now;
  }

  /** The stored twin of a patient, or undefined (none yet, or derived data not permitted). */
  get(patientId: string): StoredTwin | undefined {
    return this.options.store().getDerivedRecord<StoredTwin>(patientId, TWIN_RECORD);
  }

  /**
   * Samples were stored for these patients (or for some patients: all are checked against what their stored
   * twin was computed from). Updates run one batch at a time, in the order called.
   */
  samplesArrived(patientIds?: readonly string[]): Promise<TwinUpdate[]> {
    const run = this.queue.then(async () => {
      const store = this.options.store();
      const ids = patientIds ?? store.listPatients().map((p) => p.id);
      const updates: TwinUpdate[] = [];
      for (const id of ids) {
        const update = patientIds === undefined ? this.updateIfChanged(id) : this.updatePatient(id);
        if (update !== null) updates.push(update);
        // A host stays responsive while a panel is brought up to date.
        if (ids.length > 1) await new Promise((resolve) => setImmediate(resolve));
      }
      return updates;
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Brings one patient's twin up to date now (incremental when a twin is stored); null if not permitted. */
  updatePatient(patientId: string, mode: 'incremental' | 'full' = 'incremental'): TwinUpdate | null {
    warmUpOnce();
    const store = this.options.store();
    const inputs = readTwinInputs(store, patientId);
    if (inputs === null) return null;
    const previous = store.getDerivedRecord<StoredTwin>(patientId, TWIN_RECORD);
    const nowMs = this.nowMs();
    const twin = computeTwin(inputs, previous, { nowMs, mode: previous === undefined ? 'full' : mode, refreshDays: this.options.refreshDays ?? 1 });
    return this.store(store, patientId, twin, previous, 'samples');
  }

  /** Patients whose stored twin is missing or was computed from other data than the store now holds. */
  changedPatients(): string[] {
    const store = this.options.store();
    return store
      .listPatients()
      .map((p) => p.id)
      .filter((id) => this.hasChanged(store, id));
  }

  /**
   * The same, yielding to the host between small batches: the check decrypts every stored twin, and at unlock
   * it runs beside the first panel request (1,000 patients took about a second of the host's thread in one go).
   */
  async changedPatientsYielding(batch = 20): Promise<string[]> {
    const ids = this.options.store().listPatients().map((p) => p.id);
    const changed: string[] = [];
    for (let i = 0; i < ids.length; i++) {
      if (i > 0 && i % batch === 0) await new Promise((resolve) => setImmediate(resolve));
      if (this.hasChanged(this.options.store(), ids[i]!)) changed.push(ids[i]!);
    }
    return changed;
  }

  private hasChanged(store: PipelineStore, patientId: string): boolean {
    if (!store.classInUse(patientId, 'derived')) return false;
    const previous = store.getDerivedRecord<StoredTwin>(patientId, TWIN_RECORD);
    // From the chunk index (nothing decrypted): samples are only ever added (a re-import adds nothing) or removed
    // with their whole class, so a stream's count and last UTC day change whenever its data do.
    const now = store
      .streamDays(patientId)
      .filter((s) => TWIN_STREAMS.includes(s.stream))
      .map((s) => `${s.stream}:${s.count}:${s.lastDay}`)
      .sort()
      .join('|');
    const before = (previous?.provenance.streams ?? [])
      .map((s) => `${s.stream}:${s.count}:${s.lastMs === null ? '' : utcDay(s.lastMs)}`)
      .sort()
      .join('|');
    if (previous === undefined) return now !== '';
    return now !== before;
  }

  private updateIfChanged(patientId: string): TwinUpdate | null {
    return this.hasChanged(this.options.store(), patientId) ? this.updatePatient(patientId) : null;
  }

  /**
   * Stores a patient's twin and reconciles their alerts in one transaction (or in the caller's, when it has one
   * open), and pushes the update to open views unless `push` is false (the caller pushes after its commit).
   */
  private store(
    store: PipelineStore,
    patientId: string,
    twin: StoredTwin,
    previous: StoredTwin | undefined,
    trigger: TwinUpdate['trigger'],
    push = true,
  ): TwinUpdate | null {
    const nowMs = twin.computedMs;
    const counts = { raised: 0, merged: 0, cleared: 0 };
    const add = (r: ReconcileReport): void => {
      counts.raised += r.raised;
      counts.merged += r.merged;
      counts.cleared += r.cleared;
    };
    const stored = store.writeAtomically(() => {
      if (!store.putDerivedRecord(patientId, TWIN_RECORD, twin)) return false;
      if (twin.glucose || twin.daily || previous?.glucose || previous?.daily) {
        add(reconcileAlerts(store, patientId, 'diabetes', diabetesCandidates(twin, nowMs), nowMs));
      }
      if (twin.hf || previous?.hf) add(reconcileAlerts(store, patientId, 'heart-failure', heartFailureCandidates(twin), nowMs));
      return true;
    });
    if (!stored) return null;
    const update = summarise(patientId, twin, trigger, counts);
    if (push) this.subject.next(update);
    return update;
  }

  /** A full refit of the panel (or of some patients) on worker threads; see the module comment. */
  async refitPanel(options: PanelRefitOptions = {}): Promise<PanelRefitReport> {
    const run = this.queue.then(() => this.runRefit(options));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async runRefit(options: PanelRefitOptions): Promise<PanelRefitReport> {
    const started = performance.now();
    const { signal, onProgress } = options;
    const store = this.options.store();
    const ids = options.patientIds ?? store.listPatients().map((p) => p.id);
    const nowMs = this.nowMs();
    // Read as the workers ask for patients: the store is read on this thread while they compute.
    const previous = new Array<StoredTwin | undefined>(ids.length);
    const skippedAt = new Uint8Array(ids.length);
    let withCgm = 0;
    let readMs = 0;
    const twinStarted = performance.now();
    const twins = await computeOnWorkers(
      ids.length,
      (index) => {
        const readStarted = performance.now();
        const id = ids[index]!;
        const inputs = readTwinInputs(store, id);
        if (inputs === null) {
          skippedAt[index] = 1;
          readMs += performance.now() - readStarted;
          return null;
        }
        previous[index] = store.getDerivedRecord<StoredTwin>(id, TWIN_RECORD);
        if ((inputs.series[TWIN_CGM_STREAM]?.tMs.length ?? 0) > 0) withCgm++;
        readMs += performance.now() - readStarted;
        return { inputs, previous: previous[index], options: { nowMs, mode: 'full' as const } };
      },
      {
        ...(signal ? { signal } : {}),
        ...(this.options.computeWorkerUrl ? { workerUrl: this.options.computeWorkerUrl } : {}),
        ...(this.options.poolSize ? { size: this.options.poolSize } : {}),
        onProgress: (done, total) => onProgress?.({ phase: 'twin', done, total }),
      },
    );
    const twinMs = performance.now() - twinStarted;
    if (signal?.aborted) throw new RefitCancelledError(ids.length, ids.length);
    const skipped = skippedAt.reduce((sum, s) => sum + s, 0);

    // Storing is synchronous from here: a cancel now comes too late and changes nothing. One transaction for
    // the panel: the stored twins change all together or not at all (as a cancel leaves them), and a thousand
    // patients' commits become one. Open views hear of the updates once they are stored.
    const storeStarted = performance.now();
    const alerts = { raised: 0, merged: 0, cleared: 0 };
    const updates: TwinUpdate[] = [];
    let stored = 0;
    store.writeAtomically(() => {
      ids.forEach((id, i) => {
        const twin = twins[i];
        if (twin === undefined) return;
        const update = this.store(store, id, twin, previous[i], 'refit', false);
        if (update) {
          updates.push(update);
          alerts.raised += update.alerts.raised;
          alerts.merged += update.alerts.merged;
          alerts.cleared += update.alerts.cleared;
        }
        onProgress?.({ phase: 'store', done: ++stored, total: ids.length - skipped });
      });
    });
    for (const update of updates) this.subject.next(update);
    const storeMs = performance.now() - storeStarted;
    return {
      patients: ids.length - skipped,
      skipped,
      glucoseRefits: withCgm,
      alerts,
      ms: { read: readMs, twin: twinMs, store: storeMs, total: performance.now() - started },
    };
  }

  async close(): Promise<void> {
    await this.queue.catch(() => undefined);
    this.subject.complete();
  }
}

let warmedUp = false;

/**
 * The glucose refit's kernels, optimised through calls on a short synthetic series before this thread first
 * refits a 90-day one (as the refit workers do; see warmUpPatientRefit): met first in the middle of a long
 * loop, V8 optimised them there, and the daily refresh on the host thread then took 25-35 ms per patient
 * instead of 15. About 75 ms, once per process.
 */
function warmUpOnce(): void {
  if (warmedUp) return;
  warmedUp = true;
  warmUpPatientRefit();
}

/** The twin's inputs from the store, or null when the patient's consent does not permit derived data. */
export function readTwinInputs(store: PipelineStore, patientId: string): TwinInputs | null {
  if (!store.classInUse(patientId, 'derived')) return null;
  const patient = store.getPatient(patientId);
  if (patient === undefined) return null;
  const series: Record<string, SeriesInput> = {};
  const permitted = new Map<DataClass, boolean>();
  for (const stream of TWIN_STREAMS) {
    const dataClass = STREAMS.get(stream)!.dataClass;
    if (!permitted.has(dataClass)) permitted.set(dataClass, store.classInUse(patientId, dataClass));
    // A class the consent does not permit now is not asked for at all.
    if (permitted.get(dataClass) !== true) continue;
    const read = store.readSeries(patientId, stream);
    if (read.tMs.length > 0) series[stream] = { tMs: read.tMs, values: read.values };
  }
  return {
    conditions: [...patient.profile.conditions],
    zone: patient.profile.zone ?? null,
    series,
    medications: store.classInUse(patientId, 'medications') ? store.getMedications(patientId) : [],
  };
}

function summarise(patientId: string, twin: StoredTwin, trigger: TwinUpdate['trigger'], alerts: TwinUpdate['alerts']): TwinUpdate {
  const window = twin.daily?.windows.find((w) => w.lengthDays === 14) ?? twin.daily?.windows[0];
  return {
    patientId,
    computedMs: twin.computedMs,
    trigger,
    glucose: twin.glucose
      ? {
          lastReadingMs: twin.glucose.lastReadingMs,
          update: twin.glucose.update,
          forecasts: twin.glucose.forecasts.map((f) => ({ horizonMin: f.horizonMin, medianMgDl: f.medianMgDl, lower80MgDl: f.lower80MgDl, upper80MgDl: f.upper80MgDl })),
        }
      : null,
    daily:
      twin.daily && window
        ? {
            originDay: twin.daily.originDay,
            days: window.lengthDays,
            meanGlucoseMgDl: window.meanGlucoseMgDl.mean,
            gmiPct: window.gmiPct.mean,
            timeInRange: window.timeInRange.mean,
            timeBelow70: window.timeBelow70.mean,
            timeBelow54: window.timeBelow54.mean,
          }
        : null,
    hf: twin.hf ? { lastDay: twin.hf.lastDay, alertActive: twin.hf.alertActive, fluidExcessKg: twin.hf.fluidExcessKg.mean } : null,
    alerts,
  };
}
