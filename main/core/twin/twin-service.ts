/**
 * The living twin as the application services offer it (main/core/services.ts): the stored twin of a
 * patient for a caller (twin.get), the stream of updates for open views (twin.updates), the panel refit
 * (twin.refit), and the hook the services call after a write that added samples (import, demo): the affected
 * patients are re-run in the background, one batch at a time, and their updates pushed.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { filter, map, type Observable } from 'rxjs';
import type { TwinUpdateView, TwinView as TwinViewOut } from '../../../shared/ipc/contract.js';
import { AppError } from '../../../shared/ipc/errors.js';
import { listAlerts } from '../alerts/alert-store.js';
import { requireClassAccess, requirePanelAccess, visibleClasses, type Caller } from '../consent/access.js';
import type { CareTwinStore } from '../store/store.js';
import { TwinPipeline, type PanelRefitReport } from './pipeline.js';
import { bundledTwinWorkerUrl } from './twin-compute-pool.js';
import { TwinSeriesSource, type TwinSeriesOut, type TwinSeriesRequest } from './twin-view.js';

/**
 * From this many patients on, an update runs as a panel refit on the worker threads instead of patient by
 * patient on the host's thread (a 90-day twin computed from scratch takes a few hundred ms: 120 new demo
 * patients would keep the host's thread busy for most of a minute).
 */
export const WORKER_BATCH_MIN = 4;

export interface TwinServiceOptions {
  /** the twin workers' script (default: the bundled one next to a bundled host, dist/twin) */
  readonly computeWorkerUrl?: URL;
}

export interface TwinService {
  get(caller: Caller, patientId: string): TwinViewOut;
  /** The twin view's series for a window: observed signals and the model's state with bands, decimated (./twin-view.ts). */
  series(caller: Caller, patientId: string, request: TwinSeriesRequest): TwinSeriesOut;
  updates(caller: Caller, patientId?: string): Observable<TwinUpdateView>;
  refit(caller: Caller, patientIds?: readonly string[]): Promise<PanelRefitReport>;
  /**
   * After samples were stored (or at unlock: data may have come in through the CLI): re-run these patients,
   * or every patient whose twin is missing or stale, in the background; many at once go to the workers.
   */
  samplesStored(patientIds?: readonly string[]): void;
  /** Resolves when the background updates asked for so far have ended (tests, orderly shutdown). */
  idle(): Promise<void>;
  close(): Promise<void>;
}

export function createTwinService(requireStore: () => CareTwinStore, nowMs: () => number, options: TwinServiceOptions = {}): TwinService {
  const pipeline = new TwinPipeline({ store: requireStore, nowMs, ...options });
  // The workers exist next to a bundled host (dist/), not when the core runs from its TypeScript sources.
  const computeWorker = options.computeWorkerUrl ?? bundledTwinWorkerUrl();
  const workersAvailable = (): boolean => existsSync(fileURLToPath(computeWorker));
  const seriesSource = new TwinSeriesSource();
  let background: Promise<void> = Promise.resolve();
  return {
    series(caller, patientId, request) {
      const store = requireStore();
      if (store.getPatient(patientId) === undefined) throw new AppError('NOT_FOUND', 'No patient with that id in this store.');
      requireClassAccess(store, caller, patientId, 'derived', nowMs(), 'twin.series');
      return seriesSource.series(store, patientId, pipeline.get(patientId), visibleClasses(store, caller, patientId, nowMs()), request);
    },
    get(caller, patientId) {
      const store = requireStore();
      if (store.getPatient(patientId) === undefined) throw new AppError('NOT_FOUND', 'No patient with that id in this store.');
      requireClassAccess(store, caller, patientId, 'derived', nowMs(), 'twin.get');
      // The stored record is JSON (a NaN was stored as null): the contract's view of it; the router checks it.
      return {
        patientId,
        twin: (pipeline.get(patientId) ?? null) as unknown as TwinViewOut['twin'],
        alerts: listAlerts(store, patientId).filter((a) => a.source === 'diabetes' || a.source === 'heart-failure'),
      };
    },
    updates(caller, patientId) {
      const store = requireStore();
      if (patientId === undefined) requirePanelAccess(store, caller, 'twin.updates');
      else requireClassAccess(store, caller, patientId, 'derived', nowMs(), 'twin.updates');
      return pipeline.updates$.pipe(
        filter((u) => patientId === undefined || u.patientId === patientId),
        map((u) => u as unknown as TwinUpdateView),
      );
    },
    refit(caller, patientIds) {
      requirePanelAccess(requireStore(), caller, 'twin.refit');
      return pipeline.refitPanel(patientIds === undefined ? {} : { patientIds });
    },
    samplesStored(patientIds) {
      const run = async (): Promise<unknown> => {
        const ids = patientIds ?? (await pipeline.changedPatientsYielding());
        if (ids.length === 0) return;
        if (ids.length >= WORKER_BATCH_MIN && workersAvailable()) return pipeline.refitPanel({ patientIds: ids });
        return pipeline.samplesArrived(ids);
      };
      const running = run().then(
        () => undefined,
        (error: unknown) => {
          // Locked meanwhile, or a model failure: reported without details (they could name a patient).
          if (!(error instanceof AppError && error.code === 'LOCKED')) {
            process.stderr.write(`caretwin: twin update failed (${error instanceof AppError ? error.code : 'internal'})\n`);
          }
        },
      );
      background = background.then(() => running);
    },
    idle: () => background,
    close: () => pipeline.close(),
  };
}
