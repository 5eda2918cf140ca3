/** The CLI in-process, on real stores in temp directories: exit codes and one-line reasons. */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from './run.js';

const PASSCODE = 'cli test passcode';

function fingerprint(dir: string): string {
  const h = createHash('sha256');
  for (const name of readdirSync(dir).sort()) h.update(name).update(readFileSync(path.join(dir, name)));
  return h.digest('hex');
}

async function cli(args: string[], env: Record<string, string> = { CARETWIN_PASSCODE: PASSCODE }) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, { env, stdout: (l) => out.push(l), stderr: (l) => err.push(l) });
  return { code, out: out.join('\n'), err };
}

describe('caretwin CLI', () => {
  let root: string;
  let dataDir: string;
  beforeEach(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'caretwin-cli-'));
    dataDir = path.join(root, 'store');
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('init creates a store; a second init refuses', async () => {
    expect((await cli(['init', '--data-dir', dataDir])).code).toBe(0);
    const again = await cli(['init', '--data-dir', dataDir]);
    expect(again.code).not.toBe(0);
    expect(again.err).toHaveLength(1);
  });

  it('demo fills an empty store and patients lists it, as a table and as JSON', async () => {
    const demo = await cli(['demo', '--patients', '5', '--days', '10', '--seed', '7', '--data-dir', dataDir]);
    expect(demo.code).toBe(0);
    expect(demo.out).toMatch(/5 synthetic patients/);
    const table = await cli(['patients', '--data-dir', dataDir]);
    expect(table.code).toBe(0);
    expect(table.out.split('\n')).toHaveLength(6);
    const json = await cli(['patients', '--json', '--data-dir', dataDir]);
    const rows = JSON.parse(json.out) as { id: string; name: string; conditions: string[]; lastDataReceived: string; daysWithDataLast30: number; demo: boolean }[];
    expect(rows).toHaveLength(5);
    for (const r of rows) {
      expect(r.id).toMatch(/^[0-9a-f]{32}$/);
      expect(r.demo).toBe(true);
      expect(r.daysWithDataLast30).toBeGreaterThan(0);
      expect(r.daysWithDataLast30).toBeLessThanOrEqual(11);
      expect(Date.parse(r.lastDataReceived)).toBeLessThanOrEqual(Date.now());
    }
    const again = await cli(['demo', '--data-dir', dataDir]);
    expect(again.code).not.toBe(0);
    expect(again.err[0]).toMatch(/already holds 5 patients/);
  });

  it('a wrong passcode is one clear line and changes nothing', async () => {
    await cli(['init', '--data-dir', dataDir]);
    const before = fingerprint(dataDir);
    const r = await cli(['patients', '--data-dir', dataDir], { CARETWIN_PASSCODE: 'wrong passcode' });
    expect(r.code).toBe(1);
    expect(r.err).toEqual([expect.stringMatching(/passcode is not right/i)]);
    expect(fingerprint(dataDir)).toBe(before);
  });

  it('refuses a directory that is not a CareTwin store, without touching it', async () => {
    mkdirSync(dataDir);
    writeFileSync(path.join(dataDir, 'caretwin.db'), 'this is not a database at all, just text that is long enough');
    const before = fingerprint(dataDir);
    const r = await cli(['patients', '--data-dir', dataDir]);
    expect(r.code).toBe(1);
    expect(r.err).toHaveLength(1);
    expect(r.err[0]).toMatch(/not a CareTwin|damaged/);
    expect(fingerprint(dataDir)).toBe(before);
  });

  it('without a passcode and without a terminal, says how to give one', async () => {
    await cli(['init', '--data-dir', dataDir]);
    const r = await cli(['patients', '--data-dir', dataDir], {});
    expect(r.code).toBe(1);
    expect(r.err[0]).toMatch(/CARETWIN_PASSCODE/);
  });

  it('rejects unknown commands, unknown options and bad numbers with exit code 2', async () => {
    expect((await cli(['frobnicate'])).code).toBe(2);
    expect((await cli(['patients', '--colour'])).code).toBe(2);
    const bad = await cli(['demo', '--patients', 'lots', '--data-dir', dataDir]);
    expect(bad.code).not.toBe(0);
    expect(bad.err[0]).toMatch(/--patients takes a whole number/);
  });

  it('refuses a short passcode at init', async () => {
    const r = await cli(['init', '--data-dir', dataDir], { CARETWIN_PASSCODE: 'short' });
    expect(r.code).toBe(1);
    expect(r.err[0]).toMatch(/at least 8 characters/);
  });
});
