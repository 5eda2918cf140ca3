/** The audit chain on real database files: editing, deleting or reordering one row by hand is found at that row. */
import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AuditActor } from '../../../shared/domain/consent.js';
import { AppError } from '../../../shared/ipc/errors.js';
import { CareTwinStore } from './store.js';
import { CHEAP_KDF, profile, withTempDir } from './store-test-fixtures.js';

const PASSCODE = 'audit passcode';
const NURSE: AuditActor = { actor: 'acct-nurse-1', role: 'nurse' };

/** A store holding one patient and `n` audit entries (reads of that patient), closed. */
async function storeWithEntries(dataDir: string, n: number): Promise<string> {
  let t = Date.UTC(2026, 3, 1);
  const store = await CareTwinStore.create(dataDir, PASSCODE, { kdf: CHEAP_KDF, nowMs: () => (t += 1000) });
  const id = store.createPatient(profile('Audit Subject'));
  for (let i = 0; i < n; i++) {
    store.audit({ actor: NURSE, action: 'phi.read', patientId: id, details: { method: 'patient.get', i } });
  }
  store.close();
  return id;
}

/** Edits the closed store file by hand, as someone with the file would: triggers dropped first. */
function tamper(dataDir: string, sql: string): void {
  const db = new Database(path.join(dataDir, 'caretwin.db'));
  db.exec('DROP TRIGGER audit_log_append_only_update; DROP TRIGGER audit_log_append_only_delete;');
  db.exec(sql);
  db.close();
}

async function verify(dataDir: string) {
  const store = await CareTwinStore.unlock(dataDir, PASSCODE);
  try {
    return store.verifyAudit();
  } finally {
    store.close();
  }
}

describe('audit log', () => {
  it('chains every entry, lists them without anything about the person, and verifies', () =>
    withTempDir(async (dir) => {
      const dataDir = path.join(dir, 'store');
      const id = await storeWithEntries(dataDir, 5);
      const store = await CareTwinStore.unlock(dataDir, PASSCODE);
      const entries = store.listAudit();
      expect(entries.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
      expect(entries[2]).toMatchObject({ actor: 'acct-nurse-1', role: 'nurse', action: 'phi.read', patientId: id, outcome: 'ok' });
      expect(entries[2]!.details).toEqual({ i: 2, method: 'patient.get' });
      expect(store.listAudit({ afterSeq: 3 }).map((e) => e.seq)).toEqual([4, 5]);
      expect(store.verifyAudit()).toEqual({ ok: true, entries: 5, appendOnlyTriggers: true });
      store.close();
      const bytes = fs.readFileSync(path.join(dataDir, 'caretwin.db'));
      expect(bytes.includes(Buffer.from('Audit Subject'))).toBe(false);
    }));

  it('refuses entries that could carry patient data: a name for a patient id, free text, unknown actions', () =>
    withTempDir(async (dir) => {
      const store = await CareTwinStore.create(path.join(dir, 's'), PASSCODE, { kdf: CHEAP_KDF });
      const bad = [
        () => store.audit({ actor: NURSE, action: 'phi.read', patientId: 'Jane Doe' }),
        () => store.audit({ actor: NURSE, action: 'phi.read', details: { note: 'x'.repeat(500) } }),
        () => store.audit({ actor: NURSE, action: 'phi.read', details: { nested: { a: 1 } as never } }),
        () => store.audit({ actor: { actor: 'Jane Doe', role: 'nurse' }, action: 'phi.read' }),
        () => store.audit({ actor: NURSE, action: 'drop.table' as never }),
      ];
      for (const fn of bad) expect(fn).toThrow(AppError);
      expect(store.listAudit()).toEqual([]);
      store.close();
    }));

  it("the app's own connection cannot change or delete an entry (append-only triggers)", () =>
    withTempDir(async (dir) => {
      const dataDir = path.join(dir, 'store');
      await storeWithEntries(dataDir, 2);
      const db = new Database(path.join(dataDir, 'caretwin.db'));
      expect(() => db.exec("UPDATE audit_log SET action = 'export' WHERE seq = 1")).toThrow(/append-only/);
      expect(() => db.exec('DELETE FROM audit_log WHERE seq = 2')).toThrow(/append-only/);
      db.close();
      expect(await verify(dataDir)).toMatchObject({ ok: true, entries: 2 });
    }));

  const cases: [string, string, RegExp][] = [
    ['an edited row', "UPDATE audit_log SET role = 'admin' WHERE seq = 4", /entry 4 was changed/],
    ['an edited detail', 'UPDATE audit_log SET details = \'{"i":9,"method":"patient.get"}\' WHERE seq = 4', /entry 4 was changed/],
    ['a deleted row', 'DELETE FROM audit_log WHERE seq = 4', /entry 4 is missing/],
    [
      'two rows swapped',
      'UPDATE audit_log SET seq = -1 WHERE seq = 4; UPDATE audit_log SET seq = 4 WHERE seq = 5; ' +
        'UPDATE audit_log SET seq = 5 WHERE seq = -1;',
      /entry 4 does not follow/,
    ],
    ['a row moved to the end', 'UPDATE audit_log SET seq = 99 WHERE seq = 4', /entry 4 is missing/],
    ['the newest row deleted', 'DELETE FROM audit_log WHERE seq = 7', /entries 7 to 7 are missing/],
  ];
  for (const [what, sql, reason] of cases) {
    it(`audit verify names the first broken entry after ${what} by hand`, () =>
      withTempDir(async (dir) => {
        const dataDir = path.join(dir, 'store');
        await storeWithEntries(dataDir, 7);
        expect(await verify(dataDir)).toMatchObject({ ok: true, entries: 7 });
        tamper(dataDir, sql);
        const result = await verify(dataDir);
        expect(result.ok).toBe(false);
        if (result.ok) return;
        expect(result.firstBrokenSeq).toBe(/entries 7/.test(reason.source) ? 7 : 4);
        expect(result.reason).toMatch(reason);
        expect(result.appendOnlyTriggers).toBe(false);
      }));
  }
});
