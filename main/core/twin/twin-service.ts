/**
 * The living twin as the application services offer it (main/core/services.ts): the stored twin of a
 * patient for a caller (twin.get), the stream of updates for open views (twin.updates), the panel refit
 * (twin.refit), and the hook the services call after a write that added samples (import, demo): the affected
 * patients are re-run in the background, one batch at a time, and their updates pushed.
 */
import { filter, map, type Observable } from 'rxjs';
import type { TwinUpdateView, TwinView as TwinViewOut } from '../../../shared/ipc/contract.js';
import { AppError } from '../../../shared/ipc/errors.js';
import { listAlerts } from '../alerts/alert-store.js';
import { requireClassAccess, requirePanelAccess, visibleClasses, type Caller } from '../consent/access.js';
import type { CareTwinStore } from '../store/store.js';
import { TwinPipeline, type PanelRefitReport } from './pipeline.js';
import { TwinSeriesSource, type TwinSeriesOut, type TwinSeriesRequest } from './twin-view.js';

export interface TwinService {
  get(caller: Caller, patientId: string): TwinViewOut;
  /** The twin view's series for a window: observed signals and the model's state with bands, decimated (./twin-view.ts). */
  series(caller: Caller, patientId: string, request: TwinSeriesRequest): TwinSeriesOut;
  updates(caller: Caller, patientId?: string): Observable<TwinUpdateView>;
  refit(caller: Caller, patientIds?: readonly string[]): Promise<PanelRefitReport>;
  /** After samples were stored: re-run these patients (or every patient whose data changed), in the background. */
  samplesStored(patientIds?: readonly string[]): void;
  close(): Promise<void>;
}

export function createTwinService(requireStore: () => CareTwinStore, nowMs: () => number): TwinService {
  const pipeline = new TwinPipeline({ store: requireStore, nowMs });
  const seriesSource = new TwinSeriesSource();
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
      pipeline.samplesArrived(patientIds).catch((error: unknown) => {
        // Locked meanwhile, or a model failure: reported without details (they could name a patient).
        if (!(error instanceof AppError && error.code === 'LOCKED')) {
          process.stderr.write(`caretwin: twin update failed (${error instanceof AppError ? error.code : 'internal'})\n`);
        }
      });
    },
    close: () => pipeline.close(),
  };
}
