/** Accounts on real files: own passcode and key slot each, disable, remove (slot destroyed), tamper-evident role. */
import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AuditActor } from '../../../shared/domain/consent.js';
import { AppError } from '../../../shared/ipc/errors.js';
import { CareTwinStore } from './store.js';
import { CHEAP_KDF, profile, withTempDir } from './store-test-fixtures.js';

const OWNER: AuditActor = { actor: 'owner', role: 'admin' };

async function code(fn: () => Promise<unknown>): Promise<string> {
  try {
    await fn();
  } catch (err) {
    if (err instanceof AppError) return err.code;
    throw err;
  }
  return 'ok';
}

describe('accounts', () => {
  it('each account unlocks the store with its own passcode; the owner is the first admin', () =>
    withTempDir(async (dir) => {
      const dataDir = path.join(dir, 'store');
      const store = await CareTwinStore.create(dataDir, 'owner passcode', { kdf: CHEAP_KDF });
      expect(store.account).toMatchObject({ id: 'owner', role: 'admin' });
      const pid = store.createPatient(profile('Account Holder'));
      const nurse = await store.addAccount(OWNER, 'nurse', 'nurse passcode');
      const patient = await store.addAccount(OWNER, 'patient', 'patient passcode', { patientId: pid });
      expect(nurse.id).toMatch(/^nurse-[0-9a-f]{8}$/);
      expect(store.listAccounts().map((a) => [a.id, a.role, a.status, a.patientId])).toEqual([
        ['owner', 'admin', 'active', null],
        [nurse.id, 'nurse', 'active', null],
        [patient.id, 'patient', 'active', pid],
      ]);
      expect((await store.verifyAccount(nurse.id, 'nurse passcode')).role).toBe('nurse');
      expect(await code(() => store.verifyAccount(nurse.id, 'patient passcode'))).toBe('BAD_PASSCODE');
      expect(await code(() => store.verifyAccount('nurse-00000000', 'nurse passcode'))).toBe('BAD_PASSCODE');
      expect(await code(() => store.addAccount({ actor: nurse.id, role: 'nurse' }, 'admin', 'sneaky passcode'))).toBe('FORBIDDEN');
      expect(await code(() => store.addAccount(OWNER, 'patient', 'patient passcode'))).toBe('VALIDATION');
      await expect(store.changePasscode('owner passcode', 'another one')).rejects.toMatchObject({ code: 'CONFLICT' });
      store.close();

      const asNurse = await CareTwinStore.unlock(dataDir, 'nurse passcode', { account: nurse.id });
      expect(asNurse.account).toMatchObject({ id: nurse.id, role: 'nurse' });
      expect(asNurse.getPatient(pid)?.profile.name).toBe('Account Holder');
      asNurse.close();
      expect(await code(() => CareTwinStore.unlock(dataDir, 'owner passcode', { account: nurse.id }))).toBe('BAD_PASSCODE');
      const asPatient = await CareTwinStore.unlock(dataDir, 'patient passcode', { account: patient.id });
      expect(asPatient.account).toMatchObject({ role: 'patient', patientId: pid });
      asPatient.close();
    }));

  it('a disabled account cannot sign in; a removed account slot is gone from the file; all of it is audited', () =>
    withTempDir(async (dir) => {
      const dataDir = path.join(dir, 'store');
      const store = await CareTwinStore.create(dataDir, 'owner passcode', { kdf: CHEAP_KDF });
      const clin = await store.addAccount(OWNER, 'clinician', 'clinician passcode');
      store.setAccountStatus(OWNER, clin.id, 'disabled');
      store.close();
      expect(await code(() => CareTwinStore.unlock(dataDir, 'clinician passcode', { account: clin.id }))).toBe('FORBIDDEN');
      const again = await CareTwinStore.unlock(dataDir, 'owner passcode');
      const ro = new Database(path.join(dataDir, 'caretwin.db'), { readonly: true });
      const slot = ro.prepare('SELECT slot FROM accounts WHERE id = ?').pluck().get(clin.id) as Buffer;
      ro.close();
      expect(again.removeAccount(OWNER, clin.id)).toEqual({ walTruncated: true });
      const db = fs.readFileSync(path.join(dataDir, 'caretwin.db'));
      expect(db.includes(slot.subarray(30, 60))).toBe(false);
      expect(again.listAccounts().map((a) => a.id)).toEqual(['owner']);
      expect(() => again.removeAccount(OWNER, 'owner')).toThrow(/cannot be disabled or removed/);
      expect(again.listAudit().map((e) => [e.action, e.details.account])).toEqual([
        ['account.add', clin.id],
        ['account.disable', clin.id],
        ['account.remove', clin.id],
      ]);
      again.close();
      expect(await code(() => CareTwinStore.unlock(dataDir, 'clinician passcode', { account: clin.id }))).toBe('BAD_PASSCODE');
    }));

  it('a role changed by hand (nurse to admin) makes the slot fail to open', () =>
    withTempDir(async (dir) => {
      const dataDir = path.join(dir, 'store');
      const store = await CareTwinStore.create(dataDir, 'owner passcode', { kdf: CHEAP_KDF });
      const nurse = await store.addAccount(OWNER, 'nurse', 'nurse passcode');
      store.close();
      const raw = new Database(path.join(dataDir, 'caretwin.db'));
      raw.prepare("UPDATE accounts SET role = 'admin' WHERE id = ?").run(nurse.id);
      raw.close();
      expect(await code(() => CareTwinStore.unlock(dataDir, 'nurse passcode', { account: nurse.id }))).toBe('BAD_PASSCODE');
    }));
});

describe('patient account key slot', () => {
  it("opens only that patient's keys: other patients, store-wide data and the team key stay closed", () =>
    withTempDir(async (dir) => {
      const dataDir = path.join(dir, 'store');
      const t0 = Date.UTC(2026, 5, 1);
      const team = await CareTwinStore.create(dataDir, 'owner passcode', { kdf: CHEAP_KDF, nowMs: () => t0 });
      const mine = team.createPatient(profile('Scoped Self'));
      const other = team.createPatient(profile('Scoped Other'));
      for (const id of [mine, other]) {
        team.writeSeries([{ patientId: id, stream: '99504-3', source: 'cgm', tMs: [t0, t0 + 300_000], values: [100, 110] }]);
      }
      team.putMeta('demo.events', { a: 1 });
      const account = await team.addAccount(OWNER, 'patient', 'patient passcode', { patientId: mine });
      // A class that starts after the account exists gets a copy for the account too.
      team.writeSeries([{ patientId: mine, stream: '41950-7', source: 'fitbit', tMs: [t0], values: [4321] }]);
      team.close();

      const db = new Database(path.join(dataDir, 'caretwin.db'), { readonly: true });
      const copies = db
        .prepare('SELECT k.patient_id, k.scope FROM account_keys c JOIN data_keys k USING (key_id) WHERE c.account_id = ? ORDER BY k.scope')
        .raw()
        .all(account.id);
      db.close();
      expect(copies).toEqual([
        [mine, 'activity'],
        [mine, 'cgm'],
        [mine, 'profile'],
      ]);

      const self = await CareTwinStore.unlock(dataDir, 'patient passcode', { account: account.id, nowMs: () => t0 });
      expect(self.listPatients().map((p) => p.id)).toEqual([mine]);
      expect(Array.from(self.readSeries(mine, '99504-3').values)).toEqual([100, 110]);
      expect(Array.from(self.readSeries(mine, '41950-7').values)).toEqual([4321]);
      expect(() => self.getPatient(other)).toThrow(/opens only its own record/);
      expect(() => self.readSeries(other, '99504-3')).toThrow(/opens only its own record/);
      expect(() => self.getMeta('demo.events')).toThrow(/store-wide/);
      expect(() => self.findPatientByIdentifier('x', 'y')).toThrow(AppError);
      expect(() => self.writeSeries([{ patientId: mine, stream: '29463-7', source: 's', tMs: [t0], values: [70] }])).toThrow(/does not add data/);
      await expect(self.verifyAccount('owner', 'owner passcode')).rejects.toMatchObject({ code: 'CONFLICT' });
      // The patient revokes a class of their own: key and rows destroyed, audited under their account.
      expect(self.revokeConsent({ actor: account.id, role: 'patient' }, mine, 'activity')).toMatchObject({ keyDestroyed: true, chunks: 1 });
      expect(self.consentOf(mine).find((c) => c.dataClass === 'activity')?.provision.status).toBe('deny');
      expect(self.verifyAudit()).toMatchObject({ ok: true, entries: 3 });
      self.close();

      const again = await CareTwinStore.unlock(dataDir, 'owner passcode', { nowMs: () => t0 });
      expect(again.readSeries(mine, '41950-7').tMs.length).toBe(0);
      expect(again.readSeries(other, '99504-3').tMs.length).toBe(2);
      expect(again.listAudit().map((e) => [e.actor, e.action])).toEqual([
        ['owner', 'account.add'],
        [account.id, 'consent.revoke'],
        [account.id, 'retention.shred'],
      ]);
      expect((await again.verifyAccount(account.id, 'patient passcode')).patientId).toBe(mine);
      await expect(again.verifyAccount(account.id, 'owner passcode')).rejects.toMatchObject({ code: 'BAD_PASSCODE' });
      again.close();
    }));
});
