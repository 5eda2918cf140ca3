/** Alerts and RPM program tracking through the IPC router, against real services on a real store file. */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AlertView, ProgramStatusView } from '../../shared/ipc/contract.js';
import { STREAM } from '../../shared/domain/streams.js';
import { createServices, type CareTwinServices } from '../core/services.js';
import { createIpcRouter, type IpcRouter } from './router.js';

const ctx = { host: 'web' as const, connectionId: 'alerts-test' };
const CHEAP_KDF = { memorySize: 1024, iterations: 1 };
const DAY = 86_400_000;
const START = Date.UTC(2026, 10, 20, 12);
const PASS = 'alerts test passcode';

describe('alerts and program through the router', () => {
  let dir: string;
  let now: number;
  let services: CareTwinServices;
  let router: IpcRouter;
  let patientId: string;

  beforeEach(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'caretwin-alerts-'));
    now = START;
    services = await createServices({ dataDir: path.join(dir, 'store'), host: 'web', kdf: CHEAP_KDF, nowMs: () => now });
    router = createIpcRouter(services, { onInternalError: (m) => { throw new Error(`internal error in ${m}`); } });
    await router.invoke(ctx, 'session.setup', { passcode: PASS, confirm: PASS });
    const store = services.store();
    patientId = store.createPatient({ name: 'Alerted Alma', conditions: ['hf'], zone: 'America/New_York', identifiers: [] });
    // Weights on 10 days, the last 5 days ago.
    const tMs = Array.from({ length: 10 }, (_, i) => START - (14 - i) * DAY);
    store.writeSeries([{ patientId, stream: STREAM.weight, source: 'scale', tMs, values: tMs.map(() => 80) }]);
  });
  afterEach(async () => {
    await services.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists a no-data alert with its reason, acknowledges and resolves it with a note', async () => {
    const listed = await router.invoke(ctx, 'alerts.list', {});
    expect(listed).toMatchObject({ ok: true });
    const alerts = (listed as { value: AlertView[] }).value;
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ patientId, kind: 'no-data', key: STREAM.weight, state: 'open', source: 'data-gaps' });
    expect(alerts[0]!.text).toMatch(/No Body weight data for 5 days/);
    const alertId = alerts[0]!.id;
    expect(await router.invoke(ctx, 'alerts.resolve', { patientId, alertId, note: '  ' })).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    // A patient account sees its own alerts but does not acknowledge them (refusal audited).
    const patientCaller = { actor: 'patient-0000abcd', role: 'patient' as const, purpose: 'treatment' as const, ownPatientId: patientId };
    expect(services.alerts.list(patientCaller, { patientId })).toHaveLength(1);
    expect(() => services.alerts.acknowledge(patientCaller, patientId, alertId)).toThrow(/by the care team/);
    expect(services.store().listAudit({ patientId }).filter((e) => e.action === 'phi.denied').map((e) => e.details.method)).toEqual(['alerts.acknowledge']);
    expect(await router.invoke(ctx, 'alerts.acknowledge', { patientId, alertId })).toMatchObject({ ok: true, value: { state: 'acknowledged', acknowledged: { by: 'owner' } } });
    expect(await router.invoke(ctx, 'alerts.acknowledge', { patientId, alertId })).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });
    expect(await router.invoke(ctx, 'alerts.resolve', { patientId, alertId, note: 'Scale replaced' })).toMatchObject({ ok: true, value: { state: 'resolved' } });
    expect(await router.invoke(ctx, 'alerts.list', { patientId, state: 'open' })).toMatchObject({ ok: true, value: [] });
    // The gap goes on a day later: the resolved alert is not raised again. A weight arrives, then a new gap.
    now += DAY;
    expect(await router.invoke(ctx, 'alerts.list', { patientId })).toMatchObject({ ok: true, value: [{ state: 'resolved' }] });
    services.store().writeSeries([{ patientId, stream: STREAM.weight, source: 'scale', tMs: [now - 1000], values: [80.4] }]);
    expect(await router.invoke(ctx, 'alerts.list', { patientId })).toMatchObject({ ok: true, value: [{ state: 'resolved' }] });
    now += 4 * DAY;
    const again = (await router.invoke(ctx, 'alerts.list', { patientId })) as { value: AlertView[] };
    expect(again.value.map((a) => a.state)).toEqual(['open', 'resolved']);
    // Each change is one audit entry (alert.action), not also a phi.read.
    const entries = services.store().listAudit({ patientId }).filter((e) => e.outcome === 'ok').filter((e) => e.action === 'alert.action' || String(e.details.method).startsWith('alerts.a') || String(e.details.method).startsWith('alerts.r'));
    expect(entries.map((e) => [e.action, e.details.action])).toEqual([
      ['alert.action', 'acknowledge'],
      ['alert.action', 'resolve'],
    ]);
  });

  it('tracks program days and minutes for the current month, with a timer', async () => {
    const got = (await router.invoke(ctx, 'program.get', { patientId })) as { ok: true; value: ProgramStatusView };
    expect(got.value).toMatchObject({ phase: 'current', zoneFrom: 'patient', period: { month: '2026-11', zone: 'America/New_York' } });
    expect(got.value.deviceDays.count).toBe(10);
    expect(got.value.deviceDays.code).toBe('99445');
    expect(got.value.projection.needed).toBe(6);
    expect(await router.invoke(ctx, 'program.timer.start', { patientId })).toMatchObject({ ok: true, value: { startMs: START } });
    now += 12 * 60_000;
    expect(await router.invoke(ctx, 'program.timer.stop', { patientId, note: 'call' })).toMatchObject({ ok: true, value: { seconds: 720, kind: 'timer' } });
    expect(await router.invoke(ctx, 'program.minutes.add', { patientId, minutes: 8, note: 'Reviewed readings' })).toMatchObject({ ok: true });
    expect(await router.invoke(ctx, 'program.minutes.add', { patientId, minutes: 8, note: '' })).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    const after = (await router.invoke(ctx, 'program.get', { patientId, month: '2026-11' })) as { ok: true; value: ProgramStatusView };
    expect(after.value.minutes).toMatchObject({ totalMinutes: 20, codes: [{ code: '99457', units: 1 }] });
    expect(await router.invoke(ctx, 'program.get', { patientId, month: '2026-13' })).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
  });
});
