import type { ParseArgsConfig } from 'node:util';
import { initCommand } from './init.js';
import { demoCommand } from './demo.js';
import { patientsCommand } from './patients.js';
import { serveCommand } from './serve.js';

export interface CommandIo {
  readonly env: Readonly<Record<string, string | undefined>>;
  stdout(line: string): void;
  stderr(line: string): void;
}

export interface CommandContext {
  readonly dataDir: string;
  readonly values: Readonly<Record<string, string | boolean | undefined>>;
  readonly io: CommandIo;
}

export interface Command {
  readonly options: NonNullable<ParseArgsConfig['options']>;
  run(ctx: CommandContext): Promise<number | void>;
}

export const commands: Record<string, Command> = {
  init: initCommand,
  demo: demoCommand,
  patients: patientsCommand,
  serve: serveCommand,
};
