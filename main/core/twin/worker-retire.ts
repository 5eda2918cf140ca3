/**
 * Ending a worker thread without `worker.terminate()` while it runs hot code. Terminating a worker whose
 * isolate still has TurboFan jobs on V8's background threads can abort the whole process on Node 20
 * (`node::NodePlatform::ForIsolate ... Assertion failed: (data.first) != nullptr`: a background job asks
 * for the foreground task runner of an isolate the platform has already unregistered). So a worker we
 * are done with, or whose run was cancelled, is asked to close its port once the tasks already posted to
 * it are done (a patient takes milliseconds; the results are ignored), and exits on its own. Only a
 * worker that has not exited after `graceMs` is terminated.
 */
import type { Worker } from 'node:worker_threads';

/** The message that asks a pool worker (refit-worker.ts, living-twin-worker.ts) to close its port. */
export interface RetireMessage {
  readonly kind: 'retire';
}

export function isRetireMessage(message: unknown): message is RetireMessage {
  return typeof message === 'object' && message !== null && (message as { kind?: unknown }).kind === 'retire';
}

export const RETIRE_GRACE_MS = 10_000;

/** Resolves once the worker has exited (at once when it already had). Never rejects. */
export function retireWorker(worker: Worker, graceMs = RETIRE_GRACE_MS): Promise<void> {
  return new Promise<void>((resolve) => {
    if (worker.threadId === -1) {
      resolve();
      return;
    }
    // Errors of a worker being retired are of no interest to anyone. A pool keeps idle workers unref'd:
    // ref it again, or a host awaiting the retirement would find its event loop empty and exit (code 13).
    worker.on('error', () => undefined);
    worker.ref();
    const timer = setTimeout(() => void worker.terminate(), graceMs);
    timer.unref();
    worker.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    try {
      worker.postMessage({ kind: 'retire' } satisfies RetireMessage);
    } catch {
      clearTimeout(timer);
      void worker.terminate();
    }
  });
}
