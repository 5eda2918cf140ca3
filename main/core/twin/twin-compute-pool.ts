/**
 * Worker threads running ./living-twin-worker.ts: one patient's `computeTwin` per task (the fast layer's
 * hyperparameters, bands and state, the daily glucose layer's projection, the heart-failure twin). Progress per patient; an AbortSignal rejects at once (the workers are retired: ./worker-retire.ts) with RefitCancelledError
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

/** The typed arrays' buffers of a task's series, where each array owns its whole buffer (so moving it moves nothing else). */
function transferList(inputs: TwinInputs): ArrayBuffer[] {
  const buffers: ArrayBuffer[] = [];
  for (const series of Object.values(inputs.series)) {
    for (const array of [series.tMs, series.values]) {
      const buffer = array.buffer;
      if (buffer instanceof ArrayBuffer && array.byteOffset === 0 && array.byteLength === buffer.byteLength && !buffers.includes(buffer)) buffers.push(buffer);
    }
  }
  return buffers;
}

/**
 * Runs `count` tasks on `size` fresh workers; results in the tasks' order. A task is made by `taskAt(index)`
 * only when a worker is ready for it (two in flight per worker), so the caller reads the store for the next
 * patients while the workers compute the previous ones, and holds only those in flight in memory. `taskAt`
 * returns null for an index with nothing to compute (its result is then undefined). The tasks' series are
 * moved to the workers (transferred), not copied. Workers end with the run.
 */
export function computeOnWorkers(
  count: number,
  taskAt: (index: number) => Omit<ComputeTask, 'taskId'> | null,
  options: ComputeRunOptions & { readonly workerUrl?: URL; readonly size?: number } = {},
): Promise<(StoredTwin | undefined)[]> {
  const total = count;
  const { signal, onProgress } = options;
  if (signal?.aborted) return Promise.reject(new RefitCancelledError(0, total));
  if (total === 0) return Promise.resolve([]);
  const size = Math.min(total, Math.max(1, options.size ?? defaultRefitPoolSize()));
  const url = options.workerUrl ?? bundledTwinWorkerUrl();
  return new Promise<(StoredTwin | undefined)[]>((resolve, reject) => {
    const workers: Worker[] = [];
    const results = new Array<StoredTwin | undefined>(total);
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
    const completed = (): void => {
      done++;
      onProgress?.(done, total);
      if (done === total) finish(null);
    };
    const dispatch = (worker: Worker): void => {
      while (!settled && next < total) {
        const taskId = next++;
        let made: Omit<ComputeTask, 'taskId'> | null;
        try {
          made = taskAt(taskId);
        } catch (error) {
          finish(error instanceof Error ? error : new Error(String(error)));
          return;
        }
        if (made === null) {
          completed();
          continue;
        }
        const task: ComputeTask = { taskId, ...made };
        worker.postMessage(task, transferList(task.inputs));
        return;
      }
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
        completed();
        dispatch(worker);
      });
      worker.on('error', (error) => finish(new RefitWorkerError(error.message, done, total)));
      worker.on('exit', (code) => finish(new RefitWorkerError(`exit code ${code}`, done, total)));
    }
    // Two in flight per worker, so that none waits for the main thread between patients.
    for (let round = 0; round < 2; round++) for (const worker of workers) dispatch(worker);
  });
}
