/** consent, retention, audit and export commands on a real store in a temp directory. */
import Database from 'better-sqlite3';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from './run.js';

const env = { CARETWIN_PASSCODE: 'cli consent passcode' };

async function cli(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, { env, stdout: (l) => out.push(l), stderr: (l) => err.push(l) });
  return { code, out: out.join('\n'), err };
}

describe('caretwin consent / retention / audit / export', () => {
  let root: string;
  let dataDir: string;
  let patient: string;
  beforeEach(async () => {
    root = mkdtempSync(path.join(os.tmpdir(), 'caretwin-cli-consent-'));
    dataDir = path.join(root, 'store');
    expect((await cli(['demo', '--patients', '2', '--days', '3', '--data-dir', dataDir])).code).toBe(0);
    const rows = JSON.parse((await cli(['patients', '--json', '--data-dir', dataDir])).out) as { id: string }[];
    patient = rows[0]!.id;
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('revoke cgm: the export has no CGM, audit list shows it, audit verify passes and then fails at an edited entry', async () => {
    const before = await cli(['export', '--patient', patient, '--out', path.join(root, 'before.json'), '--data-dir', dataDir]);
    expect(before.code).toBe(0);
    expect(before.out).toMatch(/classes cgm, vitals/);
    const revoke = await cli(['consent', 'revoke', '--patient', patient, '--class', 'cgm', '--data-dir', dataDir]);
    expect(revoke).toMatchObject({ code: 0, out: expect.stringMatching(/cgm revoked: data key destroyed, [1-9]\d* chunks/) as unknown });
    const show = await cli(['consent', 'show', '--patient', patient, '--data-dir', dataDir]);
    expect(show.out).toMatch(/^cgm\s+revoked/m);
    expect(show.out).toMatch(/^vitals\s+\(default\) permitted/m);

    const out = path.join(root, 'after.json');
    expect((await cli(['export', '--patient', patient, '--out', out, '--data-dir', dataDir])).code).toBe(0);
    const bundle = JSON.parse(readFileSync(out, 'utf8')) as { entry: { resource: { resourceType: string; code?: { coding: { code: string }[] } } }[] };
    const codes = new Set(bundle.entry.filter((e) => e.resource.resourceType === 'Observation').map((e) => e.resource.code!.coding[0]!.code));
    expect(codes.has('99504-3')).toBe(false);
    expect(codes.size).toBeGreaterThan(0);
    expect(bundle.entry.filter((e) => e.resource.resourceType === 'Consent')).toHaveLength(6);

    const list = JSON.parse((await cli(['audit', 'list', '--json', '--data-dir', dataDir])).out) as { seq: number; action: string }[];
    expect(list.map((e) => e.action)).toEqual(['export', 'consent.revoke', 'retention.shred', 'export']);
    expect(await cli(['audit', 'verify', '--data-dir', dataDir])).toMatchObject({ code: 0, out: 'The audit log is intact: 4 entries.' });

    const db = new Database(path.join(dataDir, 'caretwin.db'));
    db.exec("DROP TRIGGER audit_log_append_only_update; UPDATE audit_log SET actor = 'someone-else' WHERE seq = 2;");
    db.close();
    const broken = await cli(['audit', 'verify', '--data-dir', dataDir]);
    expect(broken.code).toBe(1);
    expect(broken.err).toEqual(['caretwin audit: broken at entry 2: entry 2 was changed after it was written.']);
  });

  it('consent set with a retention period, import from an exported FHIR Consent, and a sweep with nothing due', async () => {
    const set = await cli(['consent', 'set', '--patient', patient, '--class', 'activity', '--roles', 'clinician', '--retention-days', '400', '--data-dir', dataDir]);
    expect(set.code).toBe(0);
    expect(set.out).toMatch(/activity: permitted for treatment to clinician; .* kept until/);
    const bad = await cli(['consent', 'set', '--patient', patient, '--class', 'steps', '--data-dir', dataDir]);
    expect(bad).toMatchObject({ code: 1, err: [expect.stringMatching(/--class takes one of cgm, vitals/)] });
    const out = path.join(root, 'b.json');
    await cli(['export', '--patient', patient, '--out', out, '--data-dir', dataDir]);
    const rows = JSON.parse((await cli(['patients', '--json', '--data-dir', dataDir])).out) as { id: string }[];
    const other = rows[1]!.id;
    // Another patient's consents are refused, naming why; nothing changes.
    const refused = await cli(['consent', 'import', '--patient', other, out, '--data-dir', dataDir]);
    expect(refused).toMatchObject({ code: 1, err: [expect.stringMatching(/about another patient/)] });
    const imported = await cli(['consent', 'import', '--patient', patient, out, '--data-dir', dataDir]);
    expect(imported.code).toBe(0);
    expect(imported.out.split('\n')).toHaveLength(6);
    expect((await cli(['retention', 'sweep', '--data-dir', dataDir])).out).toBe('Nothing has passed its retention period.');
  });
});
