/**
 * A refit worker: runs one patient's refit (or filter + smoother) per message, in order, and replies with
 * plain data. Bundled on its own (scripts/build.mjs, scripts/bench.mjs: dist/twin/refit-worker.mjs) so
 * that a Worker can start it without TypeScript. Its scratch track is reused from patient to patient.
 */
import { parentPort } from 'node:worker_threads';
import { ensureFastLayerTrack, type FastLayerTrack } from '../../../shared/model/glucose/fast-layer-smoother.js';
import { filterSmoothPatient, refitPatientTwin, warmUpPatientRefit } from '../../../shared/model/glucose/patient-refit.js';
import { type RefitReply, type RefitTask, refitTransferList } from './refit-messages.js';
import { isRetireMessage, type RetireMessage } from './worker-retire.js';

const port = parentPort;
if (port === null) throw new Error('refit-worker.ts runs as a worker thread only');

let track: FastLayerTrack | null = null;

// Before the first task: V8 then optimises the kernels through short calls instead of in the middle of a
// 90-day loop, whose code ran 1.2–1.5 times slower per point here (see warmUpPatientRefit). Messages that
// arrive meanwhile wait in the port's queue.
warmUpPatientRefit();

port.on('message', (task: RefitTask | RetireMessage) => {
  if (isRetireMessage(task)) {
    port.close();
    return;
  }
  let reply: RefitReply;
  let transfer: ArrayBuffer[] = [];
  try {
    track = ensureFastLayerTrack(track, task.series.timeMin.length);
    if (task.kind === 'refit') {
      const result = refitPatientTwin(task.series, task.options, track);
      reply = { kind: 'refit', taskId: task.taskId, result };
      transfer = refitTransferList(result);
    } else {
      reply = { kind: 'filter-smooth', taskId: task.taskId, result: filterSmoothPatient(task.series, task.parameters, track) };
    }
  } catch (error) {
    reply = { kind: 'failed', taskId: task.taskId, message: error instanceof Error ? error.message : String(error) };
  }
  port.postMessage(reply, transfer);
});
