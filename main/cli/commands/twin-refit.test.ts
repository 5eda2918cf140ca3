/**
 * `caretwin twin refit` as shipped: the CLI and both twin workers bundled as scripts/build.mjs bundles them
 * (into .tmp/, next to node_modules), run as a child process on a demo store; progress on stderr, a JSON
 * report, the stored twins; Ctrl-C (SIGINT) cancels and keeps the twins stored before.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDemoPanel } from '../../core/demo/panel.js';
import { CareTwinStore } from '../../core/store/store.js';
import { CHEAP_KDF } from '../../core/store/store-test-fixtures.js';
import { TWIN_RECORD, type StoredTwin } from '../../core/twin/pipeline.js';

const PASSCODE = 'twin refit passcode';
const END_MS = Date.UTC(2026, 0, 15);
let root: string;
let cli: string;

beforeAll(async () => {
  mkdirSync(path.resolve('.tmp'), { recursive: true });
  root = mkdtempSync(path.resolve('.tmp', 'twin-refit-cli-'));
  const common = { bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', logLevel: 'warning', outExtension: { '.js': '.mjs' } } as const;
  await build({ ...common, entryPoints: { caretwin: 'main/cli/caretwin.ts' }, outdir: path.join(root, 'cli') });
  await build({
    ...common,
    entryPoints: { 'refit-worker': 'main/core/twin/refit-worker.ts', 'living-twin-worker': 'main/core/twin/living-twin-worker.ts' },
    outdir: path.join(root, 'twin'),
  });
  cli = path.join(root, 'cli', 'caretwin.mjs');
}, 120_000);

afterAll(() => rmSync(root, { recursive: true, force: true }));

async function demoStore(name: string, patients: number): Promise<string> {
  const dataDir = path.join(root, name);
  const store = await CareTwinStore.create(dataDir, PASSCODE, { kdf: CHEAP_KDF });
  await generateDemoPanel(store, { patients, days: 30, seed: 4, endMs: END_MS });
  store.close();
  return dataDir;
}

function run(args: string[], onStderr?: (line: string, child: ReturnType<typeof spawn>) => void): Promise<{ code: number | null; out: string; err: string[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { env: { ...process.env, CARETWIN_PASSCODE: PASSCODE }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const err: string[] = [];
    let pending = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => {
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const line of lines) {
        err.push(line);
        onStderr?.(line, child);
      }
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

async function storedTwins(dataDir: string): Promise<(StoredTwin | undefined)[]> {
  const store = await CareTwinStore.unlock(dataDir, PASSCODE);
  try {
    return store.listPatients().map((p) => store.getDerivedRecord<StoredTwin>(p.id, TWIN_RECORD));
  } finally {
    store.close();
  }
}

describe('caretwin twin refit', () => {
  it('refits every patient with progress on stderr and a JSON report, then one patient', async () => {
    const dataDir = await demoStore('panel', 4);
    const all = await run(['twin', 'refit', '--json', '--data-dir', dataDir]);
    expect(all.code).toBe(0);
    const report = JSON.parse(all.out) as { patients: number; skipped: number };
    expect(report).toMatchObject({ patients: 4, skipped: 0 });
    expect(all.err[0]).toBe('Refitting the twins of 4 patients; Ctrl-C cancels.');
    expect(all.err.some((l) => /refitting the twins: 100 %/.test(l))).toBe(true);
    expect(all.err.some((l) => /storing twins and alerts: 100 %/.test(l))).toBe(true);
    const twins = await storedTwins(dataDir);
    expect(twins.every((t) => t !== undefined && t.provenance.streams.length > 0)).toBe(true);

    const store = await CareTwinStore.unlock(dataDir, PASSCODE);
    const id = store.listPatients()[0]!.id;
    store.close();
    const one = await run(['twin', 'refit', '--patient', id, '--data-dir', dataDir]);
    expect(one.code).toBe(0);
    expect(one.out).toMatch(/^Refitted 1 patient /);
    const bad = await run(['twin', 'refit', '--patient', 'nobody', '--data-dir', dataDir]);
    expect(bad.code).not.toBe(0);
    expect(bad.err.join('\n')).toMatch(/--patient ID/);
  }, 120_000);

  it('Ctrl-C cancels a running refit and keeps the twins stored before', async () => {
    const dataDir = await demoStore('cancel', 40);
    expect((await run(['twin', 'refit', '--data-dir', dataDir])).code).toBe(0);
    const before = await storedTwins(dataDir);
    let signalled = false;
    const cancelled = await run(['twin', 'refit', '--data-dir', dataDir], (line, child) => {
      if (!signalled && /refitting the twins: \d+ %/.test(line)) {
        signalled = true;
        child.kill('SIGINT');
      }
    });
    expect(signalled).toBe(true);
    expect(cancelled.code).toBe(130);
    expect(cancelled.err.join('\n')).toMatch(/cancelled; no twin was changed/);
    expect(await storedTwins(dataDir)).toEqual(before);
  }, 180_000);
});
