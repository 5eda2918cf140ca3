import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startNightscoutServer, type NightscoutEntry } from '../../../scripts/test-ehr/nightscout-server.js';
import { STREAM } from '../../../shared/domain/streams.js';
import { CareTwinStore } from '../store/store.js';
import { syncNightscout } from './nightscout.js';

const CHEAP_KDF = { memorySize: 1024, iterations: 1 };
const OREF0 = path.resolve(import.meta.dirname, '../../../../shared/data/cgm/nightscout-entries-oref0-example.json');
const API_SECRET = 'nightscout-test-secret';
const TOKEN = 'caretwin-readable-0123456789abcdef';
const dirs: string[] = [];

afterAll(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

async function storeWithPatient(): Promise<{ store: CareTwinStore; patientId: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'caretwin-ns-test-'));
  dirs.push(dir);
  const store = await CareTwinStore.create(dir, 'correct horse battery', { kdf: CHEAP_KDF });
  return { store, patientId: store.createPatient({ name: 'Nightscout Test Patient', conditions: ['t1d'], identifiers: [] }) };
}

/** Five-minute readings after the oref0 example, with what uploaders really send: strings and error codes. */
function laterEntries(fromMs: number, n: number): NightscoutEntry[] {
  return Array.from({ length: n }, (_, i) => {
    const date = fromMs + (i + 1) * 300_000;
    if (i % 50 === 7) return { date, sgv: 5, type: 'sgv', device: 'test' }; // "no antenna" error code
    if (i % 10 === 3) return { date, sgv: String(110 + (i % 40)), type: 'sgv', device: 'test' };
    return { date, sgv: 100 + (i % 60), type: 'sgv', device: 'test' };
  });
}

describe('Nightscout client against a Nightscout entries endpoint on 127.0.0.1', () => {
  it('pages through everything new, with the API secret, maps strings and skips error codes; then only what is newer', async () => {
    const oref0 = JSON.parse(fs.readFileSync(OREF0, 'utf8')) as NightscoutEntry[];
    const first = laterEntries(Math.max(...oref0.map((e) => e.date)), 600);
    const server = await startNightscoutServer({ entries: [...oref0, ...first], apiSecret: API_SECRET, token: TOKEN });
    const { store, patientId } = await storeWithPatient();
    try {
      const report = await syncNightscout({ store, siteUrl: server.url, patientId, auth: { apiSecret: API_SECRET }, pageSize: 250 });
      const errorCodes = first.filter((e) => e.sgv === 5).length;
      expect(report.pages).toBe(3);
      expect(report.added).toBe(oref0.length + first.length - errorCodes);
      expect(report.skipped['sensor error codes (sgv below 39)']).toBe(errorCodes);
      const series = store.readSeries(patientId, STREAM.cgm);
      expect(series.tMs.length).toBe(report.added);
      expect(series.values[series.tMs.indexOf(first[3]!.date)]).toBe(113);

      const second = laterEntries(Math.max(...first.map((e) => e.date)), 20).filter((e) => e.sgv !== 5);
      server.add(second);
      const again = await syncNightscout({ store, siteUrl: server.url, patientId, auth: { token: TOKEN }, pageSize: 250 });
      expect(again.entries).toBe(second.length);
      expect(again.added).toBe(second.length);
      expect(again.duplicates).toBe(0);
      expect(store.readSeries(patientId, STREAM.cgm).tMs.length).toBe(report.added + second.length);
    } finally {
      store.close();
      await server.close();
    }
  });

  it('says the secret was refused, and stores nothing', async () => {
    const server = await startNightscoutServer({ entries: laterEntries(Date.UTC(2025, 0, 1), 10), apiSecret: API_SECRET, token: TOKEN });
    const { store, patientId } = await storeWithPatient();
    try {
      await expect(syncNightscout({ store, siteUrl: server.url, patientId, auth: { apiSecret: 'wrong' } })).rejects.toThrow(/refused the API secret or token/);
      expect(server.stats().unauthorized).toBe(1);
      expect(store.readSeries(patientId, STREAM.cgm).tMs.length).toBe(0);
    } finally {
      store.close();
      await server.close();
    }
  });
});
