/**
 * Where the CLI gets the passcode: CARETWIN_PASSCODE (scripts, tests, CI), else typed on a terminal
 * without echo. Never from an argument: argv is visible to every user of the machine.
 */
import { createInterface } from 'node:readline';
import { AppError } from '../../shared/ipc/errors.js';
import type { CommandIo } from './commands/index.js';

async function askHidden(prompt: string): Promise<string> {
  const input = process.stdin;
  const rl = createInterface({ input, output: process.stderr, terminal: true });
  // Replace what readline echoes with nothing, so the passcode never appears on screen.
  const rlOut = rl as unknown as { _writeToOutput: (s: string) => void };
  process.stderr.write(prompt);
  rlOut._writeToOutput = () => undefined;
  try {
    return await new Promise<string>((resolve) => rl.question('', resolve));
  } finally {
    rl.close();
    process.stderr.write('\n');
  }
}

export async function passcodeFor(io: CommandIo, purpose: 'unlock' | 'create'): Promise<string> {
  const fromEnv = io.env.CARETWIN_PASSCODE;
  if (fromEnv) return fromEnv;
  if (!process.stdin.isTTY) {
    throw new AppError('LOCKED', 'No passcode: set CARETWIN_PASSCODE or run this command in a terminal.');
  }
  const first = await askHidden(purpose === 'create' ? 'New passcode: ' : 'Passcode: ');
  if (purpose === 'unlock') return first;
  const second = await askHidden('Passcode again: ');
  if (first !== second) throw new AppError('VALIDATION', 'The two passcodes differ; nothing was created.');
  return first;
}

export const MIN_PASSCODE_LENGTH = 8;

export function checkNewPasscode(passcode: string): void {
  if (passcode.length < MIN_PASSCODE_LENGTH) {
    throw new AppError('VALIDATION', `The passcode needs at least ${MIN_PASSCODE_LENGTH} characters; nothing was created.`);
  }
}
