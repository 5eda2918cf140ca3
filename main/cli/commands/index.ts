import type { ParseArgsConfig } from 'node:util';
import { initCommand } from './init.js';
import { demoCommand } from './demo.js';
import { patientsCommand } from './patients.js';
import { serveCommand } from './serve.js';
import { importCommand } from './import.js';
import { summaryCommand } from './summary.js';
import { syncCommand } from './sync.js';
import { twinHfCommand } from './twin-hf.js';
import { twinCommand } from './twin.js';
import { auditCommand, consentCommand, exportCommand, retentionCommand } from './consent.js';
import { usersCommand } from './users.js';
import { alertsCommand, programCommand } from './alerts-program.js';

export interface CommandIo {
  readonly env: Readonly<Record<string, string | undefined>>;
  stdout(line: string): void;
  stderr(line: string): void;
}

export interface CommandContext {
  readonly dataDir: string;
  readonly values: Readonly<Record<string, string | boolean | undefined>>;
  readonly io: CommandIo;
  /** Arguments after the options (file names), for commands that take them. */
  readonly positionals?: readonly string[];
}

export interface Command {
  readonly options: NonNullable<ParseArgsConfig['options']>;
  run(ctx: CommandContext): Promise<number | void>;
  /** Whether the command takes arguments besides options (e.g. files). */
  readonly positionals?: boolean;
}

export const commands: Record<string, Command> = {
  init: initCommand,
  demo: demoCommand,
  patients: patientsCommand,
  serve: serveCommand,
  import: importCommand,
  summary: summaryCommand,
  sync: syncCommand,
  'hf-evaluate': twinHfCommand,
  twin: twinCommand,
  consent: consentCommand,
  retention: retentionCommand,
  audit: auditCommand,
  export: exportCommand,
  users: usersCommand,
  alerts: alertsCommand,
  program: programCommand,
};
