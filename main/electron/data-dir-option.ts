/**
 * Which store directory this launch opens: `--data-dir=<dir>` (or `--data-dir <dir>`) on the command
 * line, else CARETWIN_DATA_DIR, else the OS app-data folder. Relative paths resolve against the
 * working directory so the store does not move when Electron changes its own.
 */
import path from 'node:path';

export const DATA_DIR_SWITCH = '--data-dir';
export const DATA_DIR_ENV = 'CARETWIN_DATA_DIR';

function fromArgv(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    if (arg === DATA_DIR_SWITCH) {
      const next = argv[i + 1];
      return next !== undefined && !next.startsWith('-') ? next : undefined;
    }
    if (arg?.startsWith(`${DATA_DIR_SWITCH}=`)) return arg.slice(DATA_DIR_SWITCH.length + 1);
  }
  return undefined;
}

export function chooseDataDir(opts: {
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly fallback: () => string;
  readonly cwd: string;
}): string {
  const chosen = [fromArgv(opts.argv), opts.env[DATA_DIR_ENV]].find((v): v is string => typeof v === 'string' && v.trim() !== '');
  return path.resolve(opts.cwd, chosen ?? opts.fallback());
}
