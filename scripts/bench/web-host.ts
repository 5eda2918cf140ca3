/** What the browser benches share: Debian's Chromium as the tests launch it, the web host's READY line, the CLI. */
import { spawnSync, type ChildProcessWithoutNullStreams, type ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';
import { chromium, type Browser } from 'playwright-core';

export function launchBenchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-gpu'],
  });
}

/** The URL `caretwin serve` prints on its READY line (rejects if it exits first). */
export function webHostUrl(serve: ChildProcessWithoutNullStreams | ChildProcessByStdio<null, Readable, null>): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    let out = '';
    serve.stdout.on('data', (d) => {
      out += String(d);
      const m = /READY (\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    serve.once('exit', () => reject(new Error('serve exited')));
  });
}

/** Runs a bundled caretwin CLI to completion; its stdout, or an error with its stderr. */
export function runCli(cliPath: string, args: string[], env: NodeJS.ProcessEnv): string {
  const r = spawnSync(process.execPath, [cliPath, ...args], { env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`caretwin ${args[0]} failed: ${r.stderr}`);
  return r.stdout;
}
