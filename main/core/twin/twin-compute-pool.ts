/**
 * Worker threads running ./living-twin-worker.ts: one patient's `computeTwin` per task (the daily glucose
 * layer's projection, the heart-failure twin, the fast layer's state at the hyperparameters the refit pool
 * fitted). Progress per patient; an AbortSignal rejects at once (the workers are retired: ./worker-retire.ts) with RefitCancelledError
 * (./refit-pool.ts's, so callers handle one cancellation error); a dead worker rejects with RefitWorkerError.
 */
import { Worker } from 'node:worker_threads';
import { RefitCancelledError, RefitWorkerError, defaultRefitPoolSize } from './refit-pool.js';
import type { ComputeOptions, StoredTwin, TwinInputs } from './twin-compute.js';
import { retireWorker } from './worker-retire.js';

export interface ComputeTask {
  readonly taskId: number;
  readonly inputs: TwinInputs;
  readonly previous: StoredTwin | undefined;
  readonly options: ComputeOptions;
}

export type ComputeReply =
  | { readonly kind: 'done'; readonly taskId: number; readonly twin: StoredTwin }
  | { readonly kind: 'failed'; readonly taskId: number; readonly message: string };

/** Where the bundled worker lies next to a bundled host (dist/cli, dist/bench → dist/twin). */
export function bundledTwinWorkerUrl(): URL {
  return new URL('../twin/living-twin-worker.mjs', import.meta.url);
}

export interface ComputeRunOptions {
  readonly signal?: AbortSignal;
  readonly onProgress?: (done: number, total: number) => void;
}

export class TwinComputeError extends Error {
  override readonly name = 'TwinComputeError';
}

/** Runs the tasks on `size` fresh workers; results in the tasks' order. Workers end with the run. */
export function computeOnWorkers(
  tasks: readonly Omit<ComputeTask, 'taskId'>[],
  options: ComputeRunOptions & { readonly workerUrl?: URL; readonly size?: number } = {},
): Promise<StoredTwin[]> {
  const total = tasks.length;
  const { signal, onProgress } = options;
  if (signal?.aborted) return Promise.reject(new RefitCancelledError(0, total));
  if (total === 0) return Promise.resolve([]);
  const size = Math.min(total, Math.max(1, options.size ?? defaultRefitPoolSize()));
  const url = options.workerUrl ?? bundledTwinWorkerUrl();
  return new Promise<StoredTwin[]>((resolve, reject) => {
    const workers: Worker[] = [];
    const results = new Array<StoredTwin>(total);
    let next = 0;
    let done = 0;
    let settled = false;
    const finish = (error: Error | null): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      for (const worker of workers) {
        worker.removeAllListeners();
        void retireWorker(worker);
      }
      if (error === null) resolve(results);
      else reject(error);
    };
    const onAbort = (): void => finish(new RefitCancelledError(done, total));
    const dispatch = (worker: Worker): void => {
      if (settled || next >= total) return;
      const taskId = next++;
      const task: ComputeTask = { taskId, ...tasks[taskId]! };
      worker.postMessage(task);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    for (let w = 0; w < size; w++) {
      const worker = new Worker(url);
      workers.push(worker);
      worker.on('message', (reply: ComputeReply) => {
        if (settled) return;
        if (reply.kind === 'failed') {
          finish(new TwinComputeError(`Patient #${reply.taskId + 1} of ${total}: ${reply.message}`));
          return;
        }
        results[reply.taskId] = reply.twin;
        done++;
        onProgress?.(done, total);
        if (done === total) finish(null);
        else dispatch(worker);
      });
      worker.on('error', (error) => finish(new RefitWorkerError(error.message, done, total)));
      worker.on('exit', (code) => finish(new RefitWorkerError(`exit code ${code}`, done, total)));
      // Two in flight per worker, so that none waits for the main thread between patients.
      dispatch(worker);
      dispatch(worker);
    }
  });
}
