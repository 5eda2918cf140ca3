import { summarisePatient } from '../../core/store/patient-summary.js';
import { CareTwinStore } from '../../core/store/store.js';
import { AppError } from '../../../shared/ipc/errors.js';
import { passcodeFor } from '../passcode.js';
import type { Command } from './index.js';

export const summaryCommand: Command = {
  options: { patient: { type: 'string' }, json: { type: 'boolean' } },
  async run({ dataDir, values, io }) {
    if (typeof values.patient !== 'string' || values.patient === '') {
      throw new AppError('VALIDATION', 'Name the patient with --patient ID (see "caretwin patients").');
    }
    const store = await CareTwinStore.unlock(dataDir, await passcodeFor(io, 'unlock'));
    try {
      const summary = summarisePatient(store, values.patient);
      if (values.json) {
        io.stdout(JSON.stringify(summary, null, 2));
        return;
      }
      io.stdout(`patient ${summary.patient}: ${summary.medications} medications, ${summary.conditions} conditions`);
      if (summary.streams.length === 0) io.stdout('No samples stored.');
      for (const s of summary.streams) {
        io.stdout(`  ${s.code.padEnd(8)} ${String(s.count).padStart(8)} ${s.unit.padEnd(8)} ${s.first} .. ${s.last}`);
      }
    } finally {
      store.close();
    }
  },
};
