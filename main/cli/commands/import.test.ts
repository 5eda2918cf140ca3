/** `caretwin import` and `caretwin summary` in-process, on a real store in a temp dir, with the real data files. */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../run.js';

const ENV = { CARETWIN_PASSCODE: 'cli import passcode' };
const data = (rel: string) => path.resolve('../shared/data', rel);

async function cli(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, { env: ENV, stdout: (l) => out.push(l), stderr: (l) => err.push(l) });
  return { code, out: out.join('\n'), err };
}

describe('caretwin import / summary', () => {
  let root: string;
  let dataDir: string;
  beforeEach(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'caretwin-import-cli-'));
    dataDir = path.join(root, 'store');
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('prints its help', async () => {
    const help = await cli(['import', '--help']);
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/^Usage: caretwin import \[--patient ID\]/);
  });

  it('imports several files (one failing) with JSON reports, then summarises a patient', async () => {
    expect((await cli(['init', '--data-dir', dataDir])).code).toBe(0);
    const files = [
      data('fitbit/heartrate_seconds_one-user.csv'),
      data('fitbit/weightLogInfo_merged_excel-resaved.csv'),
      data('cgm/nightscout-entries-oref0-example.json'),
    ];
    const run = await cli(['import', '--zone', 'America/Chicago', '--json', '--data-dir', dataDir, ...files]);
    expect(run.code).toBe(1);
    expect(run.err).toEqual([expect.stringMatching(/^caretwin import: nightscout-entries-oref0-example\.json: .*--patient ID/)]);
    const reports = JSON.parse(run.out) as { file: string; added?: number; patients?: { id: string }[]; error?: string }[];
    expect(reports.map((r) => [r.file, r.added ?? r.error?.slice(0, 30)])).toEqual([
      ['heartrate_seconds_one-user.csv', 17_666],
      ['weightLogInfo_merged_excel-resaved.csv', 98],
      ['nightscout-entries-oref0-example.json', 'This file does not say whose d'],
    ]);
    const id = reports[0]!.patients![0]!.id;

    const summary = await cli(['summary', '--patient', id, '--json', '--data-dir', dataDir]);
    expect(summary.code).toBe(0);
    expect(JSON.parse(summary.out)).toEqual({
      patient: id,
      streams: [
        // 33 weight rows of this user, two of them in the same minute after the spreadsheet re-save.
        { code: '29463-7', unit: 'kg', count: 32, first: expect.any(String), last: expect.any(String) },
        { code: '8867-4', unit: '/min', count: 17_666, first: '2016-05-10T11:55:26.000Z', last: '2016-05-12T19:44:28.000Z' },
      ],
      medications: 0,
      conditions: 0,
    });

    const ns = await cli(['import', '--patient', id, '--data-dir', dataDir, data('cgm/nightscout-entries-oref0-example.json')]);
    expect(ns.code).toBe(0);
    expect(ns.out).toMatch(/^nightscout-entries-oref0-example\.json \(nightscout-entries-json\): 6 samples added, 0 already stored/);
    const again = await cli(['import', '--patient', id, '--data-dir', dataDir, data('cgm/nightscout-entries-oref0-example.json')]);
    expect(again.out).toMatch(/0 samples added, 6 already stored/);
  });

  it('says what to do without files, without a store, or with an unknown patient', async () => {
    expect((await cli(['import', '--data-dir', dataDir])).err[0]).toMatch(/Name at least one file/);
    expect((await cli(['import', '--data-dir', dataDir, 'x.csv'])).err[0]).toMatch(/caretwin init/);
    expect((await cli(['init', '--data-dir', dataDir])).code).toBe(0);
    const unknown = await cli(['summary', '--patient', 'f'.repeat(32), '--data-dir', dataDir]);
    expect(unknown.code).toBe(1);
    expect(unknown.err[0]).toMatch(/No patient with that id/);
  });
});
