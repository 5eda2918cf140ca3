/** Consent, retention and audit through the IPC router, against real services on a real store file. */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultProvision, type ClassConsent } from '../../shared/domain/consent.js';
import type { PatientDetail } from '../../shared/ipc/contract.js';
import { STREAM } from '../../shared/domain/streams.js';
import { exportPatientBundle } from '../core/consent/fhir-export.js';
import { createServices, type CareTwinServices } from '../core/services.js';
import { createIpcRouter, type IpcRouter } from './router.js';

const ctx = { host: 'web' as const, connectionId: 'consent-test' };
const CHEAP_KDF = { memorySize: 1024, iterations: 1 };
const DAY = 86_400_000;
const START = Date.UTC(2026, 10, 1);
const PASS = 'consent test passcode';

describe('consent, retention and audit through the router', () => {
  let dir: string;
  let now: number;
  let services: CareTwinServices;
  let router: IpcRouter;
  let patientId: string;

  beforeEach(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'caretwin-consent-'));
    now = START;
    services = await createServices({ dataDir: path.join(dir, 'store'), host: 'web', kdf: CHEAP_KDF, nowMs: () => now });
    router = createIpcRouter(services, { onInternalError: (m) => { throw new Error(`internal error in ${m}`); } });
    await router.invoke(ctx, 'session.setup', { passcode: PASS, confirm: PASS });
    const store = services.store();
    patientId = store.createPatient({ name: 'Consenting Cordelia', conditions: ['t2d'], identifiers: [] });
    const tMs = Array.from({ length: 48 }, (_, i) => START - DAY + i * 30 * 60_000);
    store.writeSeries([
      { patientId, stream: STREAM.cgm, source: 'cgm', tMs, values: tMs.map((_, i) => 100 + i) },
      { patientId, stream: STREAM.stepsPerDay, source: 'fitbit', tMs: [START - DAY], values: [5123] },
      { patientId, stream: STREAM.weight, source: 'scale', tMs: [START - DAY], values: [81.5] },
    ]);
  });
  afterEach(async () => {
    await services.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('audits every PHI read with who, role, method and patient, and the chain verifies', async () => {
    expect(await router.invoke(ctx, 'panel.list', {})).toMatchObject({ ok: true });
    expect(await router.invoke(ctx, 'patient.get', { patientId })).toMatchObject({ ok: true });
    expect(await router.invoke(ctx, 'patient.series', { patientId, stream: STREAM.cgm })).toMatchObject({
      ok: true,
      value: { values: expect.arrayContaining([100, 147]) as unknown },
    });
    const entries = services.store().listAudit();
    expect(entries.map((e) => [e.action, e.actor, e.role, e.patientId, e.details.method])).toEqual([
      ['account.unlock', 'owner', 'admin', null, undefined],
      ['phi.read', 'owner', 'admin', null, 'panel.list'],
      ['phi.read', 'owner', 'admin', patientId, 'patient.get'],
      ['phi.read', 'owner', 'admin', patientId, 'patient.series'],
    ]);
    const listed = await router.invoke(ctx, 'audit.list', { patientId });
    expect(listed).toMatchObject({ ok: true, value: [{ seq: 3 }, { seq: 4 }] });
    expect(services.consent.auditVerify(services.session.caller(ctx))).toMatchObject({ ok: true, entries: 5 });
  });

  it('after revoking cgm no API or export returns it, and the revocation is audited', async () => {
    const revoked = await router.invoke(ctx, 'consent.revoke', { patientId, dataClass: 'cgm' });
    expect(revoked).toMatchObject({ ok: true, value: { keyDestroyed: true, chunks: 1, walTruncated: true } });
    const series = await router.invoke(ctx, 'patient.series', { patientId, stream: STREAM.cgm });
    expect(series).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    const detail = await router.invoke(ctx, 'patient.get', { patientId });
    expect(detail.ok && (detail.value as PatientDetail).streams.map((s) => s.code).sort()).toEqual(
      [STREAM.weight, STREAM.stepsPerDay].sort(),
    );
    const exported = exportPatientBundle(services.store(), services.session.caller(ctx), patientId, now);
    expect(exported.classes).not.toContain('cgm');
    const codes = (exported.bundle.entry as { resource: { resourceType: string; code?: { coding: { code: string }[] } } }[])
      .filter((e) => e.resource.resourceType === 'Observation')
      .map((e) => e.resource.code!.coding[0]!.code);
    expect(codes.sort()).toEqual([STREAM.weight, STREAM.stepsPerDay].sort());
    const consent = await router.invoke(ctx, 'consent.get', { patientId });
    expect(consent.ok && (consent.value as ClassConsent[]).find((c) => c.dataClass === 'cgm')).toMatchObject({
      recorded: true,
      provision: { status: 'deny' },
    });
    const actions = services.store().listAudit().map((e) => `${e.action}:${e.outcome}`);
    expect(actions).toEqual([
      'account.unlock:ok',
      'consent.revoke:ok',
      'retention.shred:ok',
      'phi.denied:denied',
      'phi.read:ok',
      'export:ok',
      'phi.read:ok',
    ]);
  });

  it('a consent that leaves out a role refuses that role, and the refusal is audited', () => {
    const store = services.store();
    store.setConsent({ actor: 'owner', role: 'admin' }, patientId, 'activity', {
      ...defaultProvision(START),
      roles: ['clinician'],
    });
    const nurse = { actor: 'acct-nurse', role: 'nurse' as const, purpose: 'treatment' as const };
    const clinician = { actor: 'acct-clin', role: 'clinician' as const, purpose: 'treatment' as const };
    const research = { ...clinician, purpose: 'research' as const };
    expect(exportPatientBundle(store, nurse, patientId, now).classes).toEqual(['cgm', 'vitals', 'labs', 'medications', 'derived']);
    expect(exportPatientBundle(store, clinician, patientId, now).classes).toContain('activity');
    expect(exportPatientBundle(store, research, patientId, now).classes).toEqual([]);
    const patientSelf = { actor: 'acct-pat', role: 'patient' as const, purpose: 'treatment' as const, ownPatientId: patientId };
    expect(exportPatientBundle(store, patientSelf, patientId, now).classes).toContain('activity');
    const other = { ...patientSelf, ownPatientId: 'f'.repeat(32) };
    expect(() => exportPatientBundle(store, other, patientId, now)).toThrow(/only its own record/);
    const denied = store.listAudit().filter((e) => e.outcome === 'denied');
    expect(denied).toEqual([expect.objectContaining({ actor: 'acct-pat', role: 'patient', action: 'phi.denied', patientId })]);
  });

  it('exports FHIR, verifies the audit chain and manages accounts through the contract', async () => {
    const exported = await router.invoke(ctx, 'patient.exportFhir', { patientId });
    expect(exported).toMatchObject({ ok: true, value: { observations: 50, classes: expect.arrayContaining(['cgm', 'activity']) as unknown } });
    expect(await router.invoke(ctx, 'audit.verify', {})).toMatchObject({ ok: true, value: { ok: true, appendOnlyTriggers: true } });
    const added = await router.invoke(ctx, 'users.add', { role: 'nurse', passcode: 'nurse passcode 1' });
    expect(added).toMatchObject({ ok: true, value: { role: 'nurse', status: 'active' } });
    const id = (added as { value: { id: string } }).value.id;
    expect(await router.invoke(ctx, 'users.setStatus', { account: id, status: 'disabled' })).toMatchObject({ ok: true, value: { status: 'disabled' } });
    expect(await router.invoke(ctx, 'users.list', {})).toMatchObject({ ok: true, value: [{ id: 'owner' }, { id, status: 'disabled' }] });
    expect(await router.invoke(ctx, 'users.remove', { account: id })).toEqual({ ok: true, value: { removed: true } });
    expect(await router.invoke(ctx, 'users.remove', { account: 'owner' })).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });
    const actions = services.store().listAudit().map((e) => e.action);
    expect(actions).toEqual(['account.unlock', 'export', 'phi.read', 'account.add', 'account.disable', 'phi.read', 'account.remove']);
  });

  it('sweeps retention when the store is unlocked with the clock past a class retention period', async () => {
    const set = await router.invoke(ctx, 'consent.set', {
      patientId,
      dataClass: 'activity',
      provision: { ...defaultProvision(START), retentionDays: 7 },
    });
    expect(set).toEqual({ ok: true, value: null });
    await router.invoke(ctx, 'session.lock', {});
    now = START + 7 * DAY;
    expect(await router.invoke(ctx, 'session.unlock', { passcode: PASS })).toMatchObject({ ok: true });
    const shreds = services.store().listAudit().filter((e) => e.action === 'retention.shred');
    expect(shreds).toEqual([
      expect.objectContaining({ actor: 'retention-sweep', patientId, details: expect.objectContaining({ dataClass: 'activity', chunks: 1 }) as unknown }),
    ]);
    const detail = await router.invoke(ctx, 'patient.get', { patientId });
    expect(detail.ok && (detail.value as PatientDetail).streams.map((s) => s.code).sort()).toEqual([STREAM.cgm, STREAM.weight].sort());
  });
});
