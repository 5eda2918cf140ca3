/**
 * Apple Health import at scale: a synthetic export of 1,000,000 records (export.xml, and the export.zip around
 * it) imported into a fresh store by the real CLI (`caretwin import`) in a child process, so the peak resident
 * memory measured is the import's own (the child reports `process.resourceUsage().maxRSS` as it exits).
 * Target: < 20 s and < 500 MB peak per import.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeSyntheticHealthXml, writeZipOf } from '../../main/core/ingest/formats/apple-health-synthetic.js';
import { CareTwinStore } from '../../main/core/store/store.js';

const RECORDS = 1_000_000;
const PASSCODE = 'bench passcode';
const CLI = 'dist/cli/caretwin.mjs';
/**
 * Loaded into the child before the CLI: reports the child's peak RSS (KiB on Linux and macOS) and CPU time (µs)
 * on exit. CPU time shows the import's own cost when other work shares the machine and stretches wall time.
 */
const REPORT_USAGE =
  'data:text/javascript,process.on(\'exit\',()=>{const u=process.resourceUsage();' +
  "process.stderr.write('USAGE '+u.maxRSS+' '+(u.userCPUTime+u.systemCPUTime)+'\\n')})";

interface ChildImport {
  readonly seconds: number;
  readonly cpuSeconds: number;
  readonly peakRssMb: number;
  readonly added: number;
}

async function importInChild(dataDir: string, patientId: string, file: string): Promise<ChildImport> {
  const started = process.hrtime.bigint();
  const child = spawn(
    process.execPath,
    ['--import', REPORT_USAGE, CLI, 'import', '--json', '--patient', patientId, '--data-dir', dataDir, file],
    { env: { ...process.env, CARETWIN_PASSCODE: PASSCODE }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (code !== 0) throw new Error(`caretwin import failed (${code}): ${stderr.trim().split('\n')[0] ?? ''}`);
  const usage = /USAGE (\d+) (\d+)/.exec(stderr);
  const [report] = JSON.parse(stdout) as { added: number }[];
  return {
    seconds: Math.round(seconds * 10) / 10,
    cpuSeconds: Math.round(Number(usage?.[2]) / 1e5) / 10,
    peakRssMb: Math.round(Number(usage?.[1]) / 1024),
    added: report?.added ?? 0,
  };
}

export async function benchAppleHealthImport(): Promise<Record<string, unknown>> {
  const build = spawnSync(process.execPath, ['scripts/build.mjs', '--only', 'cli'], { stdio: 'inherit' });
  if (build.status !== 0) throw new Error('building the CLI for the Apple Health benchmark failed');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'caretwin-bench-apple-health-'));
  try {
    const xml = path.join(dir, 'export.xml');
    const zip = path.join(dir, 'export.zip');
    const generated = await writeSyntheticHealthXml(xml, RECORDS);
    await writeZipOf(xml, zip);
    const expected = Object.values(generated.expected).reduce((a, b) => a + b, 0);

    const results: Record<string, unknown> = {
      records: generated.records,
      expectedSamples: expected,
      xmlMb: Math.round(fs.statSync(xml).size / 1e6),
      zipMb: Math.round(fs.statSync(zip).size / 1e6),
    };
    for (const [label, file] of [['xml', xml], ['zip', zip]] as const) {
      const dataDir = path.join(dir, `store-${label}`);
      const store = await CareTwinStore.create(dataDir, PASSCODE, { kdf: { memorySize: 1024, iterations: 1 } });
      const patientId = store.createPatient({ name: 'Benchmark Patient', conditions: ['hf'], identifiers: [] });
      store.close();
      const run = await importInChild(dataDir, patientId, file);
      results[label] = { ...run, allAdded: run.added === expected };
    }
    return results;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
