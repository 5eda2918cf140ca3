/**
 * The panel refit on worker threads: each patient's series goes to a worker (./refit-worker.ts) that runs
 * shared/model/glucose/patient-refit.ts (hyperparameters, filter + smoother, forecasts with bands) and
 * returns plain data. Progress is reported per patient; an AbortSignal cancels (the run rejects at
 * once with RefitCancelledError; its workers are retired, ./worker-retire.ts); a worker that dies rejects the run
 * with RefitWorkerError instead of leaving it pending. The pool is reusable after either: workers are
 * started again on the next run. Runs queue one after the other; one cancelled while queued rejects at once.
 *
 * Inputs are validated before any work starts. Their typed arrays are transferred to the workers by
 * default (the caller's arrays are then detached: zero copies), copied with `transfer: false`, and
 * shared as they are when they live in a SharedArrayBuffer.
 */
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import type { FastLayerParameters } from '../../../shared/model/glucose/fast-layer.js';
import {
  type FilterSmoothSummary,
  type PatientCgmSeries,
  type PatientRefit,
  type PatientRefitOptions,
  validatePatientSeries,
} from '../../../shared/model/glucose/patient-refit.js';
import type { ScaleMixture } from '../../../shared/model/glucose/recalibration.js';
import type { RefitReply, RefitTask } from './refit-messages.js';
import { retireWorker } from './worker-retire.js';

/** Tasks kept queued at each worker, so that it never waits for the main thread between patients. */
const TASKS_IN_FLIGHT_PER_WORKER = 2;

export interface PanelPatient {
  /** the store's random patient id: never a name */
  readonly id: string;
  readonly series: PatientCgmSeries;
  /** the previous refit's parameters and bands: warm starts */
  readonly previous?: FastLayerParameters;
  readonly previousBands?: readonly ScaleMixture[];
}

export interface FixedParameterPatient {
  readonly id: string;
  readonly series: PatientCgmSeries;
  readonly parameters: FastLayerParameters;
}

export interface RefitProgress {
  readonly done: number;
  readonly total: number;
}

export interface PanelRunOptions {
  readonly signal?: AbortSignal;
  /** called after every patient (and once with done = 0 when the run starts) */
  readonly onProgress?: (progress: RefitProgress) => void;
  /** transfer the series' buffers to the workers (default true); false copies them */
  readonly transfer?: boolean;
}

export interface PanelRefitOptions extends PanelRunOptions {
  /** per-patient refit settings (the warm starts come from each PanelPatient) */
  readonly refit?: Omit<PatientRefitOptions, 'previous' | 'previousBands'>;
}

export class RefitCancelledError extends Error {
  override readonly name = 'RefitCancelledError';
  constructor(
    readonly done: number,
    readonly total: number,
  ) {
    super(`The panel refit was cancelled after ${done} of ${total} patients; no results were kept.`);
  }
}

export class RefitWorkerError extends Error {
  override readonly name = 'RefitWorkerError';
  constructor(detail: string, done: number, total: number) {
    super(`A refit worker stopped (${detail}) after ${done} of ${total} patients; the panel refit was abandoned. Run it again.`);
  }
}

export class PatientRefitError extends Error {
  override readonly name = 'PatientRefitError';
  constructor(
    readonly patientIndex: number,
    total: number,
    reason: string,
  ) {
    super(`Patient #${patientIndex + 1} of ${total} cannot be refitted: ${reason}.`);
  }
}

/** min(2, available cores): the issues' target machine has 2. */
export function defaultRefitPoolSize(): number {
  return Math.max(1, Math.min(2, os.availableParallelism()));
}

/** Where the bundled worker lies next to a bundled host (dist/cli, dist/bench → dist/twin). */
export function bundledRefitWorkerUrl(): URL {
  return new URL('../twin/refit-worker.mjs', import.meta.url);
}

export interface RefitPoolOptions {
  readonly size?: number;
  /** the worker script (default: bundledRefitWorkerUrl()) */
  readonly workerUrl?: URL;
}

interface PreparedTask {
  readonly task: RefitTask;
  readonly transfer: ArrayBuffer[];
}

export class TwinRefitPool {
  readonly size: number;
  private readonly workerUrl: URL;
  private workers: Worker[] = [];
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(options: RefitPoolOptions = {}) {
    this.size = Math.max(1, Math.floor(options.size ?? defaultRefitPoolSize()));
    this.workerUrl = options.workerUrl ?? bundledRefitWorkerUrl();
  }

  /** Full refits, results in the patients' order. */
  refitPanel(patients: readonly PanelPatient[], options: PanelRefitOptions = {}): Promise<{ id: string; refit: PatientRefit }[]> {
    const series = patients.map((patient) => patient.series);
    return this.enqueue(series, options, (index, taskId) => ({
      kind: 'refit',
      taskId,
      series: series[index]!,
      options: { ...options.refit, previous: patients[index]!.previous, previousBands: patients[index]!.previousBands },
    })).then((results) => results.map((result, i) => ({ id: patients[i]!.id, refit: result as PatientRefit })));
  }

  /** Filter + smoother at fixed parameters, results in the patients' order. */
  filterSmoothPanel(patients: readonly FixedParameterPatient[], options: PanelRunOptions = {}): Promise<{ id: string; summary: FilterSmoothSummary }[]> {
    const series = patients.map((patient) => patient.series);
    return this.enqueue(series, options, (index, taskId) => ({
      kind: 'filter-smooth',
      taskId,
      series: series[index]!,
      parameters: patients[index]!.parameters,
    })).then((results) => results.map((result, i) => ({ id: patients[i]!.id, summary: result as FilterSmoothSummary })));
  }

  /** Stops the workers; later runs are refused. */
  async close(): Promise<void> {
    this.closed = true;
    await this.queue.catch(() => undefined);
    await this.stopWorkers();
  }

  private enqueue(
    series: readonly PatientCgmSeries[],
    options: PanelRunOptions,
    makeTask: (index: number, taskId: number) => RefitTask,
  ): Promise<unknown[]> {
    if (this.closed) return Promise.reject(new Error('The refit pool is closed.'));
    let prepared: (index: number) => PreparedTask;
    try {
      prepared = prepareTasks(series, options.transfer ?? true, makeTask);
    } catch (error) {
      return Promise.reject(error as Error);
    }
    const signal = options.signal;
    let onAbortWhileQueued = (): void => undefined;
    const run = this.queue.then(() => {
      signal?.removeEventListener('abort', onAbortWhileQueued);
      return this.execute(series.length, prepared, options);
    });
    this.queue = run.catch(() => undefined);
    if (signal === undefined) return run;
    // Cancelled while waiting for an earlier run: reject at once (execute will then start no work).
    return new Promise<unknown[]>((resolve, reject) => {
      onAbortWhileQueued = (): void => reject(new RefitCancelledError(0, series.length));
      signal.addEventListener('abort', onAbortWhileQueued, { once: true });
      run.then(resolve, reject);
    });
  }

  private execute(total: number, prepared: (index: number) => PreparedTask, options: PanelRunOptions): Promise<unknown[]> {
    const { signal, onProgress } = options;
    return new Promise<unknown[]>((resolve, reject) => {
      if (signal?.aborted) {
        reject(new RefitCancelledError(0, total));
        return;
      }
      if (this.closed) {
        reject(new Error('The refit pool is closed.'));
        return;
      }
      onProgress?.({ done: 0, total });
      if (total === 0) {
        resolve([]);
        return;
      }
      const workers = this.startWorkers();
      const results: unknown[] = new Array<unknown>(total);
      const detachers: (() => void)[] = [];
      let next = 0;
      let done = 0;
      let settled = false;

      const finish = (error: Error | null): void => {
        if (settled) return;
        settled = true;
        signal?.removeEventListener('abort', onAbort);
        for (const detach of detachers) detach();
        if (error === null) {
          for (const worker of workers) worker.unref();
          resolve(results);
        } else {
          // The workers finish what was posted to them (ignored) and exit; the next run starts fresh ones.
          void this.stopWorkers();
          reject(error);
        }
      };
      const onAbort = (): void => finish(new RefitCancelledError(done, total));
      const dispatch = (worker: Worker): void => {
        if (next >= total || settled) return;
        const index = next++;
        try {
          const { task, transfer } = prepared(index);
          worker.postMessage(task, transfer);
        } catch (error) {
          finish(new PatientRefitError(index, total, `its series could not be sent to a worker (${(error as Error).message})`));
        }
      };

      for (const worker of workers) {
        const onMessage = (reply: RefitReply): void => {
          if (settled) return;
          if (reply.kind === 'failed') {
            finish(new PatientRefitError(reply.taskId, total, reply.message));
            return;
          }
          results[reply.taskId] = reply.result;
          done++;
          onProgress?.({ done, total });
          if (done === total) finish(null);
          else dispatch(worker);
        };
        const onError = (error: Error): void => finish(new RefitWorkerError(error.message, done, total));
        const onMessageError = (): void => finish(new RefitWorkerError('a reply could not be read', done, total));
        const onExit = (code: number): void => finish(new RefitWorkerError(`exit code ${code}`, done, total));
        worker.on('message', onMessage);
        worker.on('error', onError);
        worker.on('messageerror', onMessageError);
        worker.on('exit', onExit);
        worker.ref();
        detachers.push(() => {
          worker.off('message', onMessage);
          worker.off('error', onError);
          worker.off('messageerror', onMessageError);
          worker.off('exit', onExit);
        });
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      for (let k = 0; k < TASKS_IN_FLIGHT_PER_WORKER; k++) for (const worker of workers) dispatch(worker);
    });
  }

  private startWorkers(): Worker[] {
    while (this.workers.length < this.size) {
      const worker = new Worker(this.workerUrl);
      // An error or exit between runs (none is listening then) must not crash the host: drop the worker.
      worker.on('error', () => undefined);
      worker.on('exit', () => {
        this.workers = this.workers.filter((w) => w !== worker);
      });
      worker.unref();
      this.workers.push(worker);
    }
    return [...this.workers];
  }

  private async stopWorkers(): Promise<void> {
    const stopping = this.workers;
    this.workers = [];
    await Promise.all(stopping.map((worker) => retireWorker(worker)));
  }
}

/** Validates every series up front and returns how to build each task's message and transfer list. */
function prepareTasks(
  series: readonly PatientCgmSeries[],
  transfer: boolean,
  makeTask: (index: number, taskId: number) => RefitTask,
): (index: number) => PreparedTask {
  const owner = new Map<ArrayBufferLike, number>();
  series.forEach((one, index) => {
    try {
      validatePatientSeries(one);
    } catch (error) {
      throw new PatientRefitError(index, series.length, (error as Error).message);
    }
    if (!transfer) return;
    for (const array of arraysOf(one)) {
      if (array.buffer instanceof SharedArrayBuffer) continue;
      const previous = owner.get(array.buffer);
      if (previous !== undefined && previous !== index) {
        throw new PatientRefitError(
          index,
          series.length,
          `its arrays share a buffer with patient #${previous + 1}'s, which cannot be transferred twice (pass transfer: false to copy instead)`,
        );
      }
      owner.set(array.buffer, index);
    }
  });
  return (index) => {
    const buffers = new Set<ArrayBuffer>();
    if (transfer) {
      for (const array of arraysOf(series[index]!)) if (array.buffer instanceof ArrayBuffer) buffers.add(array.buffer);
    }
    return { task: makeTask(index, index), transfer: [...buffers] };
  };
}

function arraysOf(series: PatientCgmSeries): (Float64Array | Uint8Array)[] {
  return series.censoring === undefined ? [series.timeMin, series.glucoseMgDl] : [series.timeMin, series.glucoseMgDl, series.censoring];
}
