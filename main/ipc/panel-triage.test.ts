/** The triage panel through the IPC router: roles (nurses and admins assign; clinicians read; patients neither), validation, live cache. */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PanelTriage } from '../../shared/ipc/contract.js';
import { STREAM } from '../../shared/domain/streams.js';
import { createServices, type CareTwinServices } from '../core/services.js';
import { createIpcRouter, type IpcRouter } from './router.js';

const owner = { host: 'web' as const, connectionId: 'owner' };
const nurseCtx = { host: 'web' as const, connectionId: 'nurse' };
const clinicianCtx = { host: 'web' as const, connectionId: 'clinician' };
const CHEAP_KDF = { memorySize: 1024, iterations: 1 };
const DAY = 86_400_000;
const NOW = Date.UTC(2026, 10, 20, 12);
const PASS = 'panel test passcode';

describe('panel.triage and panel.assign through the router', () => {
  let dir: string;
  let services: CareTwinServices;
  let router: IpcRouter;
  let patientId: string;
  let nurseId: string;

  beforeEach(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'caretwin-panel-'));
    services = await createServices({ dataDir: path.join(dir, 'store'), host: 'web', kdf: CHEAP_KDF, nowMs: () => NOW, autoLockMs: 0 });
    router = createIpcRouter(services, {
      onInternalError: (m) => {
        throw new Error(`internal error in ${m}`);
      },
    });
    await router.invoke(owner, 'session.setup', { passcode: PASS, confirm: PASS });
    patientId = services.store().createPatient({ name: 'Paneled Pat', conditions: ['t1d'], zone: 'UTC', identifiers: [] });
    const nurse = await router.invoke(owner, 'users.add', { role: 'nurse', passcode: 'nurse passcode' });
    nurseId = (nurse as { value: { id: string } }).value.id;
    const clinician = await router.invoke(owner, 'users.add', { role: 'clinician', passcode: 'clinician passcode' });
    const clinicianId = (clinician as { value: { id: string } }).value.id;
    expect(await router.invoke(nurseCtx, 'session.unlock', { passcode: 'nurse passcode', account: nurseId })).toMatchObject({ ok: true });
    expect(await router.invoke(clinicianCtx, 'session.unlock', { passcode: 'clinician passcode', account: clinicianId })).toMatchObject({ ok: true });
  });
  afterEach(async () => {
    await services.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lets a nurse assign and tag, refuses a clinician (audited), and shows the change at once', async () => {
    const assign = { patientId, tags: ['night calls'], assignedNurse: nurseId };
    expect(await router.invoke(clinicianCtx, 'panel.assign', assign)).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(services.store().listAudit({ patientId }).some((e) => e.action === 'phi.denied' && e.details.method === 'panel.assign')).toBe(true);
    expect(await router.invoke(nurseCtx, 'panel.assign', { ...assign, tags: [''] })).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    expect(await router.invoke(nurseCtx, 'panel.assign', assign)).toMatchObject({ ok: true, value: assign });
    const read = await router.invoke(clinicianCtx, 'panel.triage', { periodDays: 7 });
    expect(read).toMatchObject({ ok: true });
    const triage = (read as { value: PanelTriage }).value;
    expect(triage.nurses).toEqual([nurseId]);
    expect(triage.rows[0]).toMatchObject({ id: patientId, tags: ['night calls'], assignedNurse: nurseId, twin: { state: 'pending' } });
    expect(await router.invoke(owner, 'panel.triage', { periodDays: 10 })).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
  });

  it('keeps cached series figures until told of new samples (imports and demo announce them), then reads them again', async () => {
    const first = (await router.invoke(owner, 'panel.triage', {})) as { value: PanelTriage };
    expect(first.value.rows[0]!.diabetes!.observed!.readings).toBe(0);
    expect(first.value.rows[0]!.diabetes!.observed!.category).toBe('not-enough-data');
    const tMs = Array.from({ length: 288 * 14 }, (_, i) => NOW - 14 * DAY + i * 300_000);
    services.store().writeSeries([{ patientId, stream: STREAM.cgm, source: 'test', tMs, values: tMs.map(() => 50) }]);
    // Still cached: the store has not announced the change.
    expect(((await router.invoke(owner, 'panel.triage', {})) as { value: PanelTriage }).value.rows[0]!.diabetes!.observed!.readings).toBe(0);
    services.triage.invalidate([patientId]);
    const after = ((await router.invoke(owner, 'panel.triage', {})) as { value: PanelTriage }).value.rows[0]!;
    expect(after.diabetes!.observed).toMatchObject({ readings: 288 * 14, category: 'very-low' });
    expect(after.diabetes!.trend.every((v) => v === 50)).toBe(true);
  });
});
