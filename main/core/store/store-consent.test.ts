/**
 * Consent and crypto-shredding on real files: revoking a class destroys its key and rows so that the bytes of a
 * chunk read before are in neither the database file nor the WAL; the retention sweep shreds exactly what is due.
 */
import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultProvision, type AuditActor, type ConsentProvision } from '../../../shared/domain/consent.js';
import { STREAM } from '../../../shared/domain/streams.js';
import { CareTwinStore } from './store.js';
import { CHEAP_KDF, DAY0_MS, DAY_MS, profile, withTempDir } from './store-test-fixtures.js';

const PATIENT: AuditActor = { actor: 'acct-patient-1', role: 'patient' };
const SYSTEM_ACTOR: AuditActor = { actor: 'retention-sweep', role: 'admin' };

function day(n: number, stepMin: number, base: number) {
  const tMs: number[] = [];
  const values: number[] = [];
  for (let t = 0; t < DAY_MS; t += stepMin * 60_000) {
    tMs.push(DAY0_MS + n * DAY_MS + t);
    values.push(base + ((t / 60_000) % 37));
  }
  return { tMs, values };
}

function fill(store: CareTwinStore, patientId: string, days: number): void {
  for (let d = 0; d < days; d++) {
    store.writeSeries([
      { patientId, stream: STREAM.cgm, source: 'dexcom', ...day(d, 5, 100) },
      { patientId, stream: STREAM.weight, source: 'scale', ...day(d, 720, 80) },
      { patientId, stream: STREAM.stepsPerDay, source: 'fitbit', tMs: [DAY0_MS + d * DAY_MS], values: [4000 + d] },
    ]);
  }
  store.putMedications(patientId, [{ name: 'metformin', unit: 'mg/d', doses: [{ startMs: DAY0_MS, dose: 500 }] }]);
}

/** The raw chunk blobs of one (patient, stream), read through a second connection as a copy of the file would hold them. */
function chunkBlobs(dataDir: string, patientId: string, stream: string): Buffer[] {
  const db = new Database(path.join(dataDir, 'caretwin.db'), { readonly: true });
  try {
    return db.prepare('SELECT blob FROM chunks WHERE patient_id = ? AND stream = ?').pluck().all(patientId, stream) as Buffer[];
  } finally {
    db.close();
  }
}

/** Whether any 48-byte window of `needle` (the ciphertext part, after the envelope header) is in the file. */
function fileHolds(file: string, needle: Buffer): boolean {
  if (!fs.existsSync(file)) return false;
  const hay = fs.readFileSync(file);
  for (let at = 40; at + 48 <= needle.length; at += 512) {
    if (hay.includes(needle.subarray(at, at + 48))) return true;
  }
  return false;
}

function keyIds(dataDir: string, patientId: string): Record<string, number> {
  const db = new Database(path.join(dataDir, 'caretwin.db'), { readonly: true });
  try {
    const rows = db.prepare('SELECT scope, key_id FROM data_keys WHERE patient_id = ?').raw().all(patientId) as [string, number][];
    return Object.fromEntries(rows);
  } finally {
    db.close();
  }
}

function wrappedKey(dataDir: string, patientId: string, scope: string): Buffer | undefined {
  const db = new Database(path.join(dataDir, 'caretwin.db'), { readonly: true });
  try {
    return db.prepare('SELECT wrapped FROM data_keys WHERE patient_id = ? AND scope = ?').pluck().get(patientId, scope) as
      | Buffer
      | undefined;
  } finally {
    db.close();
  }
}

describe('consent and crypto-shredding', () => {
  it('revoking cgm destroys its key and rows: no read returns it and its old ciphertext is in neither file', () =>
    withTempDir(async (dir) => {
      const dataDir = path.join(dir, 'store');
      const store = await CareTwinStore.create(dataDir, 'pass', { kdf: CHEAP_KDF });
      const a = store.createPatient(profile('Revoking Rosalind'));
      const b = store.createPatient(profile('Keeping Bartholomew'));
      fill(store, a, 4);
      fill(store, b, 2);
      const captured = chunkBlobs(dataDir, a, STREAM.cgm);
      expect(captured).toHaveLength(4);
      const db = path.join(dataDir, 'caretwin.db');
      const wal = `${db}-wal`;
      // The test can fail: before the revocation the ciphertext is there, in the WAL or the file.
      expect(captured.every((c) => fileHolds(db, c) || fileHolds(wal, c))).toBe(true);
      expect(keyIds(dataDir, a).cgm).toBeDefined();

      const report = store.revokeConsent(PATIENT, a, 'cgm');
      expect(report).toMatchObject({ patientId: a, dataClass: 'cgm', keyDestroyed: true, chunks: 4, records: 0, walTruncated: true });

      for (const c of captured) {
        expect(fileHolds(db, c)).toBe(false);
        expect(fileHolds(wal, c)).toBe(false);
      }
      expect(keyIds(dataDir, a).cgm).toBeUndefined();
      expect(chunkBlobs(dataDir, a, STREAM.cgm)).toEqual([]);
      expect(store.readSeries(a, STREAM.cgm).tMs.length).toBe(0);
      expect(store.streamSummaries(a).map((s) => s.stream)).not.toContain(STREAM.cgm);
      // Other classes and other patients are untouched.
      expect(store.readSeries(a, STREAM.weight).tMs.length).toBe(8);
      expect(store.readSeries(b, STREAM.cgm).tMs.length).toBe(2 * 288);
      expect(store.getMedications(a)).toHaveLength(1);

      // A later sync write of the class is not stored.
      const again = store.writeSeries([{ patientId: a, stream: STREAM.cgm, source: 'dexcom', ...day(9, 5, 100) }]);
      expect(again).toEqual({ added: 0, duplicates: 0, chunks: 0, denied: 288 });
      expect(keyIds(dataDir, a).cgm).toBeUndefined();

      const consent = store.consentOf(a).find((c) => c.dataClass === 'cgm');
      expect(consent).toMatchObject({ recorded: true, provision: { status: 'deny' } });
      const actions = store.listAudit({ patientId: a }).map((e) => [e.action, e.details.dataClass]);
      expect(actions).toEqual([
        ['consent.revoke', 'cgm'],
        ['retention.shred', 'cgm'],
      ]);
      expect(store.verifyAudit().ok).toBe(true);
      store.close();

      // Still gone after reopening (nothing cached), and the closed file holds none of it either.
      for (const c of captured) expect(fileHolds(db, c)).toBe(false);
      const reopened = await CareTwinStore.unlock(dataDir, 'pass');
      expect(reopened.readSeries(a, STREAM.cgm).tMs.length).toBe(0);
      expect(reopened.readSeries(b, STREAM.cgm).tMs.length).toBe(2 * 288);
      reopened.close();
    }));

  it('revoking medications shreds the record; permitting again stores new data under a new key', () =>
    withTempDir(async (dir) => {
      const dataDir = path.join(dir, 'store');
      let now = DAY0_MS;
      const store = await CareTwinStore.create(dataDir, 'pass', { kdf: CHEAP_KDF, nowMs: () => now });
      const a = store.createPatient(profile('Med Revoker'));
      fill(store, a, 1);
      const wrappedBefore = wrappedKey(dataDir, a, 'medications');
      expect(store.revokeConsent(PATIENT, a, 'medications')).toMatchObject({ keyDestroyed: true, records: 1 });
      expect(store.getMedications(a)).toEqual([]);
      store.putMedications(a, [{ name: 'x', unit: 'mg/d', doses: [] }]);
      expect(keyIds(dataDir, a).medications).toBeUndefined();

      now += DAY_MS;
      store.setConsent(PATIENT, a, 'medications', { ...defaultProvision(now), updatedMs: now });
      store.putMedications(a, [{ name: 'y', unit: 'mg/d', doses: [] }]);
      expect(store.getMedications(a).map((m) => m.name)).toEqual(['y']);
      // A new random key (its id may be reused: the binding of old ciphertext names a key that no longer opens it).
      expect(keyIds(dataDir, a).medications).toBeDefined();
      expect(wrappedKey(dataDir, a, 'medications')).not.toEqual(wrappedBefore);
      store.close();
    }));

  it('refuses a provision that is not valid and keeps what was stored', () =>
    withTempDir(async (dir) => {
      const store = await CareTwinStore.create(path.join(dir, 'store'), 'pass', { kdf: CHEAP_KDF });
      const a = store.createPatient(profile('Valid Vera'));
      fill(store, a, 1);
      const bad = { ...defaultProvision(DAY0_MS), periodEndMs: DAY0_MS - 1 } as ConsentProvision;
      expect(() => store.setConsent(PATIENT, a, 'cgm', bad)).toThrow(/not valid \(periodEndMs\)/);
      expect(() => store.setConsent(PATIENT, a, 'steps' as never, defaultProvision(DAY0_MS))).toThrow(/Unknown data class/);
      expect(store.readSeries(a, STREAM.cgm).tMs.length).toBe(288);
      expect(store.listAudit()).toEqual([]);
      store.close();
    }));

  it('the retention sweep, with the clock moved past a class retention period, shreds exactly that class', () =>
    withTempDir(async (dir) => {
      const dataDir = path.join(dir, 'store');
      let now = DAY0_MS;
      const store = await CareTwinStore.create(dataDir, 'pass', { kdf: CHEAP_KDF, nowMs: () => now });
      const a = store.createPatient(profile('Retained Regina'));
      const b = store.createPatient(profile('Other Oswald'));
      fill(store, a, 3);
      fill(store, b, 3);
      const keep30 = { ...defaultProvision(DAY0_MS), retentionDays: 30 };
      const keep60 = { ...defaultProvision(DAY0_MS), retentionDays: 60 };
      expect(store.setConsent(PATIENT, a, 'activity', keep30)).toBeNull();
      expect(store.setConsent(PATIENT, a, 'vitals', keep60)).toBeNull();
      const steps = chunkBlobs(dataDir, a, STREAM.stepsPerDay);

      now = DAY0_MS + 30 * DAY_MS - 1;
      expect(store.sweepRetention(SYSTEM_ACTOR)).toEqual([]);
      expect(store.readSeries(a, STREAM.stepsPerDay).tMs.length).toBe(3);

      now = DAY0_MS + 30 * DAY_MS;
      const swept = store.sweepRetention(SYSTEM_ACTOR);
      expect(swept).toEqual([
        { patientId: a, dataClass: 'activity', keyDestroyed: true, chunks: 3, records: 0, walTruncated: true },
      ]);
      expect(keyIds(dataDir, a)).toEqual(
        expect.not.objectContaining({ activity: expect.anything() as unknown }),
      );
      expect(Object.keys(keyIds(dataDir, a)).sort()).toEqual(['cgm', 'medications', 'profile', 'vitals']);
      expect(Object.keys(keyIds(dataDir, b)).sort()).toEqual(['activity', 'cgm', 'medications', 'profile', 'vitals']);
      expect(store.readSeries(a, STREAM.weight).tMs.length).toBe(6);
      expect(store.readSeries(b, STREAM.stepsPerDay).tMs.length).toBe(3);
      for (const c of steps) {
        expect(fileHolds(path.join(dataDir, 'caretwin.db'), c)).toBe(false);
        expect(fileHolds(path.join(dataDir, 'caretwin.db-wal'), c)).toBe(false);
      }
      // Past its retention a class is not collected again, and a second sweep has nothing left to do.
      expect(store.writeSeries([{ patientId: a, stream: STREAM.stepsPerDay, source: 'f', tMs: [now], values: [1] }]).denied).toBe(1);
      expect(store.sweepRetention(SYSTEM_ACTOR)).toEqual([]);

      now = DAY0_MS + 60 * DAY_MS;
      expect(store.sweepRetention(SYSTEM_ACTOR).map((r) => [r.patientId, r.dataClass])).toEqual([[a, 'vitals']]);
      const shreds = store.listAudit().filter((e) => e.action === 'retention.shred');
      expect(shreds.map((e) => [e.actor, e.details.dataClass, e.details.reason])).toEqual([
        ['retention-sweep', 'activity', 'retention'],
        ['retention-sweep', 'vitals', 'retention'],
      ]);
      store.close();
    }));

  it('outside the consent period a class is neither returned nor collected, but kept', () =>
    withTempDir(async (dir) => {
      let now = DAY0_MS;
      const store = await CareTwinStore.create(path.join(dir, 'store'), 'pass', { kdf: CHEAP_KDF, nowMs: () => now });
      const a = store.createPatient(profile('Period Penelope'));
      fill(store, a, 2);
      store.setConsent(PATIENT, a, 'vitals', { ...defaultProvision(DAY0_MS), periodEndMs: DAY0_MS + 10 * DAY_MS });
      expect(store.readSeries(a, STREAM.weight).tMs.length).toBe(4);
      now = DAY0_MS + 11 * DAY_MS;
      expect(store.readSeries(a, STREAM.weight).tMs.length).toBe(0);
      expect(store.sweepRetention(SYSTEM_ACTOR)).toEqual([]);
      store.setConsent(PATIENT, a, 'vitals', { ...defaultProvision(DAY0_MS), periodEndMs: null });
      expect(store.readSeries(a, STREAM.weight).tMs.length).toBe(4);
      store.close();
    }));
});
