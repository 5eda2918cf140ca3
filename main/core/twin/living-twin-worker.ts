/**
 * A living-twin worker (./twin-compute-pool.ts): one patient's computeTwin per message, in order. Bundled on
 * its own to dist/twin/living-twin-worker.mjs (scripts/build.mjs, scripts/bench.mjs).
 */
import { parentPort } from 'node:worker_threads';
import type { ComputeReply, ComputeTask } from './twin-compute-pool.js';
import { warmUpPatientRefit } from '../../../shared/model/glucose/patient-refit.js';
import { computeTwin } from './twin-compute.js';
import { isRetireMessage, type RetireMessage } from './worker-retire.js';

const port = parentPort;
if (port === null) throw new Error('living-twin-worker.ts runs as a worker thread only');

// Before the first task, as in ./refit-worker.ts: the glucose refit's kernels optimised through short calls,
// not in the middle of a first 90-day loop. Messages that arrive meanwhile wait in the port's queue.
warmUpPatientRefit();

port.on('message', (task: ComputeTask | RetireMessage) => {
  if (isRetireMessage(task)) {
    port.close();
    return;
  }
  let reply: ComputeReply;
  try {
    reply = { kind: 'done', taskId: task.taskId, twin: computeTwin(task.inputs, task.previous, task.options) };
  } catch (error) {
    reply = { kind: 'failed', taskId: task.taskId, message: error instanceof Error ? error.message : String(error) };
  }
  port.postMessage(reply);
});
