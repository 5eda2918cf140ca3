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
    // The first entry is the demo command's unlock (it goes through the app's session service).
    expect(list.map((e) => e.action)).toEqual(['account.unlock', 'export', 'consent.revoke', 'retention.shred', 'export']);
    expect(await cli(['audit', 'verify', '--data-dir', dataDir])).toMatchObject({ code: 0, out: 'The audit log is intact: 5 entries.' });

    const db = new Database(path.join(dataDir, 'caretwin.db'));
    db.exec("DROP TRIGGER audit_log_append_only_update; UPDATE audit_log SET actor = 'someone-else' WHERE seq = 3;");
    db.close();
    const broken = await cli(['audit', 'verify', '--data-dir', dataDir]);
    expect(broken.code).toBe(1);
    expect(broken.err).toEqual(['caretwin audit: broken at entry 3: entry 3 was changed after it was written.']);
  });

  it('an import from the command line is audited with format and counts, never the file name', async () => {
    const file = path.resolve('../shared/data/cgm/nightscout-entries-oref0-example.json');
    expect((await cli(['import', '--patient', patient, '--data-dir', dataDir, file])).code).toBe(0);
    const list = JSON.parse((await cli(['audit', 'list', '--json', '--data-dir', dataDir])).out) as {
      action: string;
      patientId: string;
      details: Record<string, unknown>;
    }[];
    const entry = list.find((e) => e.action === 'import');
    expect(entry).toMatchObject({ patientId: patient, details: { format: expect.any(String) as unknown, patients: 1 } });
    expect(JSON.stringify(list)).not.toContain('oref0-example');
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

describe('caretwin users', () => {
  let root: string;
  let dataDir: string;
  beforeEach(async () => {
    root = mkdtempSync(path.join(os.tmpdir(), 'caretwin-cli-users-'));
    dataDir = path.join(root, 'store');
    expect((await cli(['demo', '--patients', '2', '--days', '2', '--data-dir', dataDir])).code).toBe(0);
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  async function as(account: string, passcode: string, args: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(args, { env: { CARETWIN_PASSCODE: passcode, CARETWIN_ACCOUNT: account }, stdout: (l) => out.push(l), stderr: (l) => err.push(l) });
    return { code, out: out.join('\n'), err };
  }

  it('adds, lists, disables and removes accounts; a patient account sees only its own consent and no audit log', async () => {
    const patients = JSON.parse((await cli(['patients', '--json', '--data-dir', dataDir])).out) as { id: string }[];
    const [mine, other] = [patients[0]!.id, patients[1]!.id];
    const addPatient = await runCli(['users', 'add', '--role', 'patient', '--patient', mine, '--data-dir', dataDir], {
      env: { ...env, CARETWIN_NEW_PASSCODE: 'patient own passcode' },
      stdout: () => undefined,
      stderr: () => undefined,
    });
    expect(addPatient).toBe(0);
    const listed = JSON.parse((await cli(['users', 'list', '--json', '--data-dir', dataDir])).out) as { id: string; role: string }[];
    expect(listed.map((a) => a.role)).toEqual(['admin', 'patient']);
    const patientAccount = listed[1]!.id;

    const own = await as(patientAccount, 'patient own passcode', ['consent', 'show', '--patient', mine, '--data-dir', dataDir]);
    expect(own.code).toBe(0);
    const others = await as(patientAccount, 'patient own passcode', ['consent', 'show', '--patient', other, '--data-dir', dataDir]);
    expect(others).toMatchObject({ code: 1, err: [expect.stringMatching(/only its own record/)] });
    expect((await as(patientAccount, 'patient own passcode', ['audit', 'list', '--data-dir', dataDir])).code).toBe(1);
    expect((await as(patientAccount, 'patient own passcode', ['users', 'list', '--data-dir', dataDir])).code).toBe(1);
    expect((await as(patientAccount, 'wrong passcode!', ['consent', 'show', '--patient', mine, '--data-dir', dataDir])).err[0]).toMatch(
      /account or the passcode is not right/,
    );

    expect((await cli(['users', 'disable', '--account', patientAccount, '--data-dir', dataDir])).code).toBe(0);
    expect((await as(patientAccount, 'patient own passcode', ['consent', 'show', '--patient', mine, '--data-dir', dataDir])).err[0]).toMatch(/disabled/);
    expect((await cli(['users', 'remove', '--account', patientAccount, '--data-dir', dataDir])).out).toMatch(/key slot is destroyed/);
    const audit = JSON.parse((await cli(['audit', 'list', '--json', '--data-dir', dataDir])).out) as { action: string; outcome: string; actor: string }[];
    expect(audit.map((e) => `${e.action}:${e.outcome}`)).toEqual([
      'account.unlock:ok',
      'account.add:ok',
      'phi.denied:denied',
      'account.disable:ok',
      'account.remove:ok',
    ]);
    expect(audit[2]!.actor).toBe(patientAccount);
  });
});
