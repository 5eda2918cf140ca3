/**
 * `caretwin twin refit [--patient ID] [--json]`: the living twin's full refit (main/core/twin/pipeline.ts) of
 * every patient, or of one, on worker threads; progress on stderr; Ctrl-C cancels, keeping the stored twins
 * as they were. Prints counts and timings only (no names, no values).
 */
import { AppError } from '../../../shared/ipc/errors.js';
import { CareTwinStore } from '../../core/store/store.js';
import { TwinPipeline } from '../../core/twin/pipeline.js';
import { RefitCancelledError } from '../../core/twin/refit-pool.js';
import { passcodeFor } from '../passcode.js';
import type { CommandContext } from './index.js';

const PHASE_LABEL = { twin: 'refitting the twins', store: 'storing twins and alerts' } as const;

export async function runTwinRefit({ dataDir, values, io }: CommandContext): Promise<number | void> {
  const patient = values.patient;
  if (patient !== undefined && (typeof patient !== 'string' || !/^[0-9a-f]{32}$/.test(patient))) {
    throw new AppError('VALIDATION', 'Name the patient with --patient ID (32 hex characters; see "caretwin patients").');
  }
  const store = await CareTwinStore.unlock(dataDir, await passcodeFor(io, 'unlock'));
  const pipeline = new TwinPipeline({ store: () => store });
  const controller = new AbortController();
  const onSigint = (): void => {
    io.stderr('Cancelling the refit; stored twins stay as they were.');
    controller.abort();
  };
  process.once('SIGINT', onSigint);
  try {
    if (patient !== undefined && store.getPatient(patient) === undefined) {
      throw new AppError('NOT_FOUND', 'No patient with that id in this store.');
    }
    let lastLine = '';
    const count = patient !== undefined ? 1 : store.patientCount();
    io.stderr(`Refitting the twins of ${count} patient${count === 1 ? '' : 's'}; Ctrl-C cancels.`);
    const report = await pipeline.refitPanel({
      ...(patient !== undefined ? { patientIds: [patient] } : {}),
      signal: controller.signal,
      onProgress: ({ phase, done, total }) => {
        // One line per phase and tenth, so a log stays readable.
        const tenth = total === 0 ? 10 : Math.floor((10 * done) / total);
        const line = `  ${PHASE_LABEL[phase]}: ${tenth * 10} %`;
        if (line !== lastLine && (done === total || tenth > 0)) io.stderr(line);
        lastLine = line;
      },
    });
    if (values.json) {
      io.stdout(JSON.stringify(report, null, 2));
      return;
    }
    io.stdout(
      `Refitted ${report.patients} patient${report.patients === 1 ? '' : 's'} (${report.glucoseRefits} with CGM)` +
        (report.skipped > 0 ? `; ${report.skipped} skipped: their consent does not permit derived data` : '') +
        ` in ${(report.ms.total / 1000).toFixed(1)} s.`,
    );
    io.stdout(`Alerts: ${report.alerts.raised} raised, ${report.alerts.merged} merged into open ones, ${report.alerts.cleared} marked condition cleared.`);
  } catch (error) {
    if (error instanceof RefitCancelledError) {
      io.stderr('The refit was cancelled; no twin was changed.');
      return 130;
    }
    throw error;
  } finally {
    process.off('SIGINT', onSigint);
    await pipeline.close();
    store.close();
  }
}
