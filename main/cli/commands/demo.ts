import { CareTwinStore } from '../../core/store/store.js';
import { DEMO_DEFAULTS, generateDemoPanel } from '../../core/demo/panel.js';
import { AppError } from '../../../shared/ipc/errors.js';
import { checkNewPasscode, passcodeFor } from '../passcode.js';
import { intOption } from './options.js';
import type { Command } from './index.js';

export const demoCommand: Command = {
  options: { patients: { type: 'string' }, days: { type: 'string' }, seed: { type: 'string' } },
  async run({ dataDir, values, io }) {
    const patients = intOption(values.patients, 'patients', DEMO_DEFAULTS.patients, 1, 5000);
    const days = intOption(values.days, 'days', DEMO_DEFAULTS.days, 1, 365);
    const seed = intOption(values.seed, 'seed', DEMO_DEFAULTS.seed, 0, 2 ** 31 - 1);
    const absent = CareTwinStore.inspect(dataDir).state === 'absent';
    const passcode = await passcodeFor(io, absent ? 'create' : 'unlock');
    if (absent) checkNewPasscode(passcode);
    const store = absent ? await CareTwinStore.create(dataDir, passcode) : await CareTwinStore.unlock(dataDir, passcode);
    try {
      if (store.patientCount() > 0) {
        throw new AppError(
          'CONFLICT',
          `This store already holds ${store.patientCount()} patients. Demo patients go only into an empty store; use another --data-dir.`,
        );
      }
      const report = await generateDemoPanel(store, { patients, days, seed, endMs: Date.now() });
      io.stdout(
        `Generated a demo panel of ${report.patients} synthetic patients x ${days} days (${report.samples.toLocaleString('en-US')} samples, seed ${seed}) in ${(report.ms / 1000).toFixed(1)} s`,
      );
    } finally {
      store.close();
    }
  },
};
