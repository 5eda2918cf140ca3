/**
 * The audit view's pages, accounts with last sign-in, the auto-lock setting and quick re-unlock, through the IPC
 * router against real services on a real store file.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AccountOut, AuditPageOut, SessionStatus, SettingsOut } from '../../shared/ipc/contract.js';
import { AppError } from '../../shared/ipc/errors.js';
import { createServices, DEFAULT_AUTO_LOCK_MS, type CareTwinServices } from '../core/services.js';
import type { QuickUnlockProvider, RememberedUnlock } from '../core/session/quick-unlock.js';
import { createIpcRouter, type IpcRouter } from './router.js';

const owner = { host: 'web' as const, connectionId: 'owner' };
const nurseCtx = { host: 'web' as const, connectionId: 'nurse' };
const CHEAP_KDF = { memorySize: 1024, iterations: 1 };
const START = Date.UTC(2026, 10, 1);
const PASS = 'admin screens passcode';
const NURSE_PASS = 'nurse passcode 12';

/** Stands in for the desktop app's QuickUnlock (tested on its own in core/session). */
class FakeQuickUnlock implements QuickUnlockProvider {
  remembered: RememberedUnlock | undefined;
  forgotten = 0;
  available() {
    return true;
  }
  ready() {
    return this.remembered !== undefined;
  }
  remember(unlock: RememberedUnlock) {
    this.remembered = unlock;
  }
  recall(): RememberedUnlock {
    if (this.remembered === undefined) throw new AppError('FORBIDDEN', 'nothing remembered');
    return this.remembered;
  }
  forget() {
    this.remembered = undefined;
    this.forgotten++;
  }
}

function value<T>(result: unknown): T {
  expect(result).toMatchObject({ ok: true });
  return (result as { value: T }).value;
}

describe('audit view, accounts, settings and quick unlock through the router', () => {
  let dir: string;
  let now: number;
  let services: CareTwinServices;
  let router: IpcRouter;
  let patientId: string;
  let quick: FakeQuickUnlock | undefined;

  async function start(opts: { quick?: boolean } = {}) {
    quick = opts.quick ? new FakeQuickUnlock() : undefined;
    services = await createServices({
      dataDir: path.join(dir, 'store'),
      host: opts.quick ? 'electron' : 'web',
      kdf: CHEAP_KDF,
      nowMs: () => now,
      ...(quick ? { quickUnlock: quick } : {}),
    });
    router = createIpcRouter(services, {
      onInternalError: (m) => {
        throw new Error(`internal error in ${m}`);
      },
    });
  }

  beforeEach(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'caretwin-admin-'));
    now = START;
    await start();
    await router.invoke(owner, 'session.setup', { passcode: PASS, confirm: PASS });
    patientId = services.store().createPatient({ name: 'Audited Aurelia', conditions: ['t2d'], identifiers: [] });
  });
  afterEach(async () => {
    await services.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('pages the audit log newest first, filtered by patient, action and account, with totals', async () => {
    const nurse = value<AccountOut>(await router.invoke(owner, 'users.add', { role: 'nurse', passcode: NURSE_PASS }));
    value(await router.invoke(nurseCtx, 'session.unlock', { passcode: NURSE_PASS, account: nurse.id }));
    for (let i = 0; i < 7; i++) {
      now += 1000;
      value(await router.invoke(nurseCtx, 'patient.get', { patientId }));
    }
    value(await router.invoke(owner, 'panel.list', {}));

    const first = value<AuditPageOut>(await router.invoke(nurseCtx, 'audit.page', { actor: nurse.id, action: 'phi.read', limit: 3 }));
    expect(first.total).toBe(7);
    expect(first.entries.map((e) => [e.actor, e.action, e.patientId])).toEqual(Array(3).fill([nurse.id, 'phi.read', patientId]));
    const seqs = first.entries.map((e) => e.seq);
    expect([...seqs].sort((a, b) => b - a)).toEqual(seqs);
    expect(first.nextBeforeSeq).toBe(seqs[2]);
    const second = value<AuditPageOut>(
      await router.invoke(nurseCtx, 'audit.page', { actor: nurse.id, action: 'phi.read', limit: 3, beforeSeq: first.nextBeforeSeq! }),
    );
    const third = value<AuditPageOut>(
      await router.invoke(nurseCtx, 'audit.page', { actor: nurse.id, action: 'phi.read', limit: 3, beforeSeq: second.nextBeforeSeq! }),
    );
    expect(third.entries).toHaveLength(1);
    expect(third.nextBeforeSeq).toBeNull();
    expect(new Set([...first.entries, ...second.entries, ...third.entries].map((e) => e.seq)).size).toBe(7);

    // By patient: the nurse's reads of that patient only; the owner's panel read names no patient.
    const byPatient = value<AuditPageOut>(await router.invoke(nurseCtx, 'audit.page', { patientId }));
    expect(byPatient.entries.every((e) => e.patientId === patientId)).toBe(true);
    expect(byPatient.total).toBe(7);
    const accounts = value<AuditPageOut>(await router.invoke(owner, 'audit.page', { action: 'account.add' }));
    expect(accounts.entries.map((e) => e.details.account)).toEqual([nurse.id]);

    expect(await router.invoke(nurseCtx, 'audit.page', { actor: 'not an id!' })).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    expect(await router.invoke(nurseCtx, 'audit.page', { action: 'made.up' })).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    expect(value<{ ok: boolean }>(await router.invoke(nurseCtx, 'audit.verify', {})).ok).toBe(true);
  });

  it('refuses the audit view to a patient account, and account management to a nurse (audited)', async () => {
    const nurse = value<AccountOut>(await router.invoke(owner, 'users.add', { role: 'nurse', passcode: NURSE_PASS }));
    const patient = value<AccountOut>(await router.invoke(owner, 'users.add', { role: 'patient', passcode: 'patient passcode 1', patientId }));
    const patientCtx = { host: 'web' as const, connectionId: 'patient' };
    value(await router.invoke(patientCtx, 'session.unlock', { passcode: 'patient passcode 1', account: patient.id }));
    expect(await router.invoke(patientCtx, 'audit.page', { patientId })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    value(await router.invoke(nurseCtx, 'session.unlock', { passcode: NURSE_PASS, account: nurse.id }));
    expect(await router.invoke(nurseCtx, 'users.list', {})).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(await router.invoke(nurseCtx, 'settings.setAutoLock', { minutes: 1 })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    const denied = services.store().pageAudit({ action: 'phi.denied' }).entries.map((e) => e.details.method);
    expect(denied).toEqual(expect.arrayContaining(['audit.page', 'users.list', 'settings.setAutoLock']));
  });

  it('lists accounts with their last sign-in', async () => {
    const nurse = value<AccountOut>(await router.invoke(owner, 'users.add', { role: 'nurse', passcode: NURSE_PASS }));
    let listed = value<AccountOut[]>(await router.invoke(owner, 'users.list', {}));
    expect(listed.find((a) => a.id === nurse.id)?.lastSignInMs).toBeNull();
    expect(listed.find((a) => a.id === 'owner')?.lastSignInMs).toBe(START);
    now = START + 3_600_000;
    value(await router.invoke(nurseCtx, 'session.unlock', { passcode: NURSE_PASS, account: nurse.id }));
    // A refused sign-in is not a sign-in.
    now += 60_000;
    expect(await router.invoke({ host: 'web', connectionId: 'x' }, 'session.unlock', { passcode: 'wrong passcode', account: nurse.id })).toMatchObject({ ok: false });
    listed = value<AccountOut[]>(await router.invoke(owner, 'users.list', {}));
    expect(listed.find((a) => a.id === nurse.id)?.lastSignInMs).toBe(START + 3_600_000);
  });

  it('the auto-lock setting is applied at once, audited, kept in the store and used at the next unlock', async () => {
    expect(value<SettingsOut>(await router.invoke(owner, 'settings.get', {}))).toEqual({ autoLockMinutes: DEFAULT_AUTO_LOCK_MS / 60_000, canChange: true });
    expect(await router.invoke(owner, 'settings.setAutoLock', { minutes: 481 })).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    expect(await router.invoke(owner, 'settings.setAutoLock', { minutes: 1.5 })).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    expect(value<SettingsOut>(await router.invoke(owner, 'settings.setAutoLock', { minutes: 2 }))).toEqual({ autoLockMinutes: 2, canChange: true });
    const change = services.store().pageAudit({ action: 'settings.change' }).entries;
    expect(change.map((e) => [e.actor, e.details.setting, e.details.value])).toEqual([['owner', 'autoLockMinutes', 2]]);

    now += 90_000;
    expect(services.session.lockIfIdle()).toBe(false);
    now += 31_000;
    expect(services.session.lockIfIdle()).toBe(true);

    // A new run of the app: the host's default until the store is open, then the stored setting.
    await services.close();
    await start();
    value(await router.invoke(owner, 'session.unlock', { passcode: PASS }));
    expect(value<SettingsOut>(await router.invoke(owner, 'settings.get', {})).autoLockMinutes).toBe(2);
    // 0: never.
    value(await router.invoke(owner, 'settings.setAutoLock', { minutes: 0 }));
    now += 10 * 3_600_000;
    expect(services.session.lockIfIdle()).toBe(false);
  });

  it('the web host never offers quick unlock', async () => {
    const status = value<SessionStatus>(await router.invoke(owner, 'session.status', {}));
    expect(status.quickUnlock).toBeUndefined();
    value(await router.invoke(owner, 'session.lock', {}));
    value(await router.invoke(owner, 'session.unlock', { passcode: PASS, remember: true }));
    value(await router.invoke(owner, 'session.lock', {}));
    expect(await router.invoke(owner, 'session.quickUnlock', {})).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
  });

  it('quick unlock: only after a passcode unlock asked to remember; a disabled account is refused and forgotten', async () => {
    await services.close();
    await start({ quick: true });
    expect(value<SessionStatus>(await router.invoke(owner, 'session.status', {})).quickUnlock).toEqual({ offered: true, ready: false });
    expect(await router.invoke(owner, 'session.quickUnlock', {})).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    // Without asking, nothing is remembered.
    value(await router.invoke(owner, 'session.unlock', { passcode: PASS }));
    expect(quick!.remembered).toBeUndefined();
    const nurse = value<AccountOut>(await router.invoke(owner, 'users.add', { role: 'nurse', passcode: NURSE_PASS }));
    value(await router.invoke(owner, 'session.lock', {}));

    // A wrong passcode with remember set remembers nothing.
    expect(await router.invoke(nurseCtx, 'session.unlock', { passcode: 'wrong passcode', account: nurse.id, remember: true })).toMatchObject({ ok: false });
    expect(quick!.remembered).toBeUndefined();
    const unlocked = value<SessionStatus>(await router.invoke(nurseCtx, 'session.unlock', { passcode: NURSE_PASS, account: nurse.id, remember: true }));
    expect(unlocked).toMatchObject({ state: 'unlocked', account: { id: nurse.id }, quickUnlock: { offered: true, ready: true } });
    value(await router.invoke(nurseCtx, 'session.lock', {}));
    const again = value<SessionStatus>(await router.invoke(nurseCtx, 'session.quickUnlock', {}));
    expect(again).toMatchObject({ state: 'unlocked', account: { id: nurse.id, role: 'nurse' } });
    const unlocks = services.store().pageAudit({ action: 'account.unlock', actor: nurse.id });
    expect(unlocks.total).toBe(2);

    // Disabled meanwhile: the quick unlock runs the ordinary checks, fails, and is forgotten.
    value(await router.invoke(nurseCtx, 'session.lock', {}));
    value(await router.invoke(owner, 'session.unlock', { passcode: PASS }));
    value(await router.invoke(owner, 'users.setStatus', { account: nurse.id, status: 'disabled' }));
    value(await router.invoke(owner, 'session.lock', {}));
    expect(await router.invoke(nurseCtx, 'session.quickUnlock', {})).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(quick!.remembered).toBeUndefined();
    expect(quick!.forgotten).toBeGreaterThan(0);
  });
});
