import { CareTwinStore } from '../../core/store/store.js';
import { checkNewPasscode, passcodeFor } from '../passcode.js';
import type { Command } from './index.js';

export const initCommand: Command = {
  options: {},
  async run({ dataDir, io }) {
    const passcode = await passcodeFor(io, 'create');
    checkNewPasscode(passcode);
    const store = await CareTwinStore.create(dataDir, passcode);
    store.close();
    io.stdout(`Created an encrypted CareTwin store in ${dataDir}`);
  },
};
