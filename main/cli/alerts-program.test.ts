/** `caretwin alerts` and `caretwin program` on a real store in a temp directory. */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { STREAM } from '../../shared/domain/streams.js';
import { CareTwinStore } from '../core/store/store.js';
import { runCli } from './run.js';

const PASS = 'cli alerts passcode';
const env = { CARETWIN_PASSCODE: PASS };
const DAY = 86_400_000;

async function cli(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, { env, stdout: (l) => out.push(l), stderr: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('caretwin alerts / program', () => {
  let root: string;
  let dataDir: string;
  let patient: string;
  beforeEach(async () => {
    root = mkdtempSync(path.join(os.tmpdir(), 'caretwin-cli-alerts-'));
    dataDir = path.join(root, 'store');
    expect((await cli(['demo', '--patients', '2', '--days', '20', '--data-dir', dataDir])).code).toBe(0);
    const store = await CareTwinStore.unlock(dataDir, PASS);
    try {
      patient = store.createPatient({ name: 'Quiet Quentin', conditions: ['hf'], zone: 'Europe/Paris', identifiers: [] });
      const tMs = Array.from({ length: 6 }, (_, i) => Date.now() - (15 - i) * DAY);
      store.writeSeries([{ patientId: patient, stream: STREAM.weight, source: 'scale', tMs, values: tMs.map(() => 90) }]);
    } finally {
      store.close();
    }
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('lists, acknowledges and resolves alerts', async () => {
    const listed = await cli(['alerts', '--json', '--patient', patient, '--data-dir', dataDir]);
    expect(listed.code).toBe(0);
    const alerts = JSON.parse(listed.out) as { id: string; kind: string; key: string; state: string; text: string; patientName: string; dataUsed: { streams: { count: number }[] } }[];
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ kind: 'no-data', key: STREAM.weight, state: 'open', patientName: 'Quiet Quentin', dataUsed: { streams: [{ count: 6 }] } });
    const id = alerts[0]!.id;
    expect(await cli(['alerts', 'ack', '--patient', patient, '--alert', id, '--data-dir', dataDir])).toMatchObject({ code: 0, out: `Alert ${id} is acknowledged.` });
    expect(await cli(['alerts', 'resolve', '--patient', patient, '--alert', id, '--data-dir', dataDir])).toMatchObject({ code: 1, err: expect.stringMatching(/needs a note/) as unknown });
    expect(await cli(['alerts', 'resolve', '--patient', patient, '--alert', id, '--note', 'Called; new scale sent', '--data-dir', dataDir])).toMatchObject({ code: 0 });
    const table = await cli(['alerts', '--state', 'resolved', '--data-dir', dataDir]);
    expect(table.out).toMatch(/^alert\s+patient\s+state/);
    expect(table.out).toMatch(new RegExp(`${id}\\s+Quiet Quentin\\s+resolved\\s+no-data ${STREAM.weight}`));
    expect(await cli(['alerts', '--state', 'closed', '--data-dir', dataDir])).toMatchObject({ code: 1, err: expect.stringMatching(/--state takes one of/) as unknown });
  });

  it('shows program status for a month and logs minutes', async () => {
    const month = new Date().toISOString().slice(0, 7);
    expect(await cli(['program', 'add', '--patient', patient, '--minutes', '12', '--note', 'Phone call', '--data-dir', dataDir])).toMatchObject({ code: 0, out: '12 min logged.' });
    expect(await cli(['program', 'timer', 'start', '--patient', patient, '--data-dir', dataDir])).toMatchObject({ code: 0 });
    expect(await cli(['program', 'timer', 'start', '--patient', patient, '--data-dir', dataDir])).toMatchObject({ code: 1, err: expect.stringMatching(/running since/) as unknown });
    expect(await cli(['program', 'timer', 'stop', '--patient', patient, '--minutes', '0', '--data-dir', dataDir])).toMatchObject({ code: 0, out: 'Timer stopped: 0 min 0 s logged.' });
    const got = await cli(['program', '--json', '--data-dir', dataDir]);
    expect(got.code).toBe(0);
    const rows = JSON.parse(got.out) as { patientId: string; patientName: string; period: { zone: string }; minutes: { totalMinutes: number; codes: { code: string }[]; entries: unknown[] } }[];
    expect(rows).toHaveLength(3);
    const q = rows.find((r) => r.patientId === patient)!;
    expect(q).toMatchObject({ patientName: 'Quiet Quentin', period: { zone: 'Europe/Paris' }, minutes: { totalMinutes: 12, codes: [{ code: '99470' }] } });
    expect(q.minutes.entries).toHaveLength(2);
    const text = await cli(['program', '--month', month, '--patient', patient, '--data-dir', dataDir]);
    expect(text.out).toMatch(/^patient\s+zone\s+device days/);
    expect(text.out).toMatch(/Quiet Quentin\s+Europe\/Paris/);
    expect(await cli(['program', '--month', '2026-1', '--data-dir', dataDir])).toMatchObject({ code: 1, err: expect.stringMatching(/YYYY-MM/) as unknown });
  });
});
