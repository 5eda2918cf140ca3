/** The router against real services on a real store in a temp directory. */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { firstValueFrom, take, toArray } from 'rxjs';
import { createServices, type CareTwinServices } from '../core/services.js';
import { createIpcRouter, type IpcRouter } from './router.js';
import type { StreamFrame } from '../../shared/ipc/bridge.js';

const ctx = { host: 'web' as const, connectionId: 'test' };
const CHEAP_KDF = { memorySize: 1024, iterations: 1 };
const NOW = Date.UTC(2026, 10, 20, 12);

describe('IPC router', () => {
  let dir: string;
  let services: CareTwinServices;
  let router: IpcRouter;
  const internal: string[] = [];

  beforeEach(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'caretwin-router-'));
    services = await createServices({ dataDir: path.join(dir, 'store'), host: 'web', kdf: CHEAP_KDF, nowMs: () => NOW });
    router = createIpcRouter(services, { onInternalError: (m) => internal.push(m) });
  });
  afterEach(async () => {
    await services.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses names that are not own keys of the contract', async () => {
    for (const name of ['nope', '__proto__', 'constructor', 'toString', 42, null]) {
      const r = await router.invoke(ctx, name, {});
      expect(r).toEqual({ ok: false, error: expect.objectContaining({ code: 'UNKNOWN_METHOD' }) });
    }
  });

  it('validates input before anything runs', async () => {
    const r = await router.invoke(ctx, 'session.setup', { passcode: 'short', confirm: 'short' });
    expect(r).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    const extra = await router.invoke(ctx, 'session.status', { sneaky: true });
    expect(extra).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    const mismatch = await router.invoke(ctx, 'session.setup', { passcode: 'long enough one', confirm: 'long enough two' });
    expect(mismatch).toMatchObject({ ok: false, error: { code: 'VALIDATION', message: expect.stringMatching(/differ/) } });
    expect(services.session.status().state).toBe('uninitialised');
  });

  it('refuses PHI while locked, and serves it once unlocked', async () => {
    expect(await router.invoke(ctx, 'panel.list', {})).toMatchObject({ ok: false, error: { code: 'LOCKED' } });
    const setup = await router.invoke(ctx, 'session.setup', { passcode: 'a good passcode', confirm: 'a good passcode' });
    expect(setup).toMatchObject({ ok: true, value: { state: 'unlocked' } });
    expect(await router.invoke(ctx, 'panel.list', {})).toEqual({ ok: true, value: [] });
    await router.invoke(ctx, 'session.lock', {});
    expect(await router.invoke(ctx, 'panel.list', {})).toMatchObject({ ok: false, error: { code: 'LOCKED' } });
    const wrong = await router.invoke(ctx, 'session.unlock', { passcode: 'not it at all' });
    expect(wrong).toMatchObject({ ok: false, error: { code: 'BAD_PASSCODE' } });
    const right = await router.invoke(ctx, 'session.unlock', { passcode: 'a good passcode' });
    expect(right).toMatchObject({ ok: true, value: { state: 'unlocked' } });
  });

  it('maps unexpected errors to INTERNAL without stack or detail', async () => {
    await services.session.setup('a good passcode');
    const store = services.store();
    const original = store.listPatients.bind(store);
    store.listPatients = () => {
      throw new Error('secret detail: Jane Example 1970-01-01');
    };
    const r = await router.invoke(ctx, 'panel.list', {});
    store.listPatients = original;
    expect(r.ok).toBe(false);
    const text = JSON.stringify(r);
    expect(text).toContain('INTERNAL');
    expect(text).not.toContain('Jane');
    expect(text).not.toContain('at ');
    expect(internal).toContain('panel.list');
  });

  it('returns NOT_FOUND for an unknown patient', async () => {
    await services.session.setup('a good passcode');
    const r = await router.invoke(ctx, 'patient.get', { patientId: '0'.repeat(32) });
    expect(r).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  });

  it('streams store events as frames and stops when unsubscribed', async () => {
    const frames: StreamFrame[] = [];
    const stop = router.subscribe(ctx, 'store.events', {}, (f) => frames.push(f));
    await services.session.setup('a good passcode');
    services.session.lock();
    stop();
    await services.session.unlock('a good passcode');
    expect(frames.map((f) => (f.type === 'next' ? (f.value as { kind: string }).kind : f.type))).toEqual(['unlocked', 'locked']);
    const bad: StreamFrame[] = [];
    router.subscribe(ctx, 'panel.list', {}, (f) => bad.push(f));
    expect(bad[0]).toMatchObject({ type: 'error', error: { code: 'UNKNOWN_METHOD' } });
  });

  it('generates the demo panel through the contract, and only into an empty store', async () => {
    await services.session.setup('a good passcode');
    const events = firstValueFrom(services.events$.pipe(take(1), toArray()));
    const r = await router.invoke(ctx, 'demo.generate', { patients: 6, days: 14, seed: 3 });
    expect(r).toMatchObject({ ok: true, value: { patients: 6 } });
    expect((await events)[0]?.kind).toBe('patients-changed');
    const panel = await router.invoke(ctx, 'panel.list', {});
    expect(panel.ok && (panel.value as unknown[]).length).toBe(6);
    const again = await router.invoke(ctx, 'demo.generate', { patients: 6, days: 14, seed: 3 });
    expect(again).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });
    expect(services.session.status()).toMatchObject({ demo: true, patientCount: 6 });
  });
});
