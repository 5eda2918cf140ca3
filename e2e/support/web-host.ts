/** Starts the real `caretwin serve` (built CLI) on a fresh data directory and waits for its READY line. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface RunningHost {
  readonly url: string;
  readonly origin: string;
  readonly token: string;
  readonly dataDir: string;
  readonly output: () => string;
  stop(): Promise<void>;
}

export const CLI = path.resolve('dist/cli/caretwin.mjs');

export function freshDataDir(): string {
  return path.join(mkdtempSync(path.join(os.tmpdir(), 'caretwin-e2e-')), 'store');
}

export async function startServe(args: string[], env: Record<string, string> = {}): Promise<RunningHost> {
  const dataDirIndex = args.indexOf('--data-dir');
  const dataDir = dataDirIndex >= 0 ? args[dataDirIndex + 1]! : freshDataDir();
  const fullArgs = dataDirIndex >= 0 ? args : [...args, '--data-dir', dataDir];
  const child: ChildProcess = spawn(process.execPath, [CLI, 'serve', ...fullArgs], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stderr?.on('data', (d) => (output += String(d)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not print READY: ${output}`)), 30_000);
    child.stdout?.on('data', (d) => {
      output += String(d);
      const m = /^READY (\S+)$/m.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code}: ${output}`));
    });
  });
  const parsed = new URL(url);
  return {
    url,
    origin: parsed.origin,
    token: parsed.hash.replace('#token=', ''),
    dataDir,
    output: () => output,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}

export function removeDataDir(dataDir: string): void {
  rmSync(path.dirname(dataDir), { recursive: true, force: true });
}
