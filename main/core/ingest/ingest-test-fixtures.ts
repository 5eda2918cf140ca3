/** Shared by the ingest tests: real stores in temp dirs, the real data files in place, store fingerprints. */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { CareTwinStore } from '../store/store.js';
import { CHEAP_KDF, withTempDir } from '../store/store-test-fixtures.js';
import type { ImportReport } from './importer.js';
import { importFile, type ImportOptions } from './run-import.js';

/** A fixed "now" after every real data file's times. */
export const NOW_MS = Date.UTC(2026, 10, 23, 12, 0, 0);

export function dataFile(rel: string): string {
  return path.resolve('../shared/data', rel);
}

export async function withStore<T>(fn: (store: CareTwinStore, dir: string) => Promise<T> | T): Promise<T> {
  return withTempDir(async (dir) => {
    const store = await CareTwinStore.create(path.join(dir, 'store'), 'ingest test passcode', { kdf: CHEAP_KDF });
    try {
      return await fn(store, dir);
    } finally {
      store.close();
    }
  });
}

export function importAt(store: CareTwinStore, file: string, opts: ImportOptions = {}): Promise<ImportReport> {
  return importFile(store, file, { nowMs: () => NOW_MS, ...opts });
}

/**
 * A digest of everything the store holds, read through the store (so it sees uncommitted-then-rolled-back
 * writes as absent): patients, profiles, every stream's times and values, medications and conditions.
 */
export function storeDigest(store: CareTwinStore): string {
  const h = createHash('sha256');
  for (const p of store.listPatients()) {
    h.update(JSON.stringify(p));
    for (const s of store.streamSummaries(p.id)) {
      const series = store.readSeries(p.id, s.stream);
      h.update(s.stream).update(Buffer.from(series.tMs.buffer)).update(Buffer.from(series.values.buffer));
    }
    h.update(JSON.stringify(store.getMedications(p.id))).update(JSON.stringify(store.getConditions(p.id)));
  }
  return h.digest('hex');
}

/** The store directory's raw bytes (database, WAL, shared memory) as one buffer, for plaintext searches. */
export function storeBytes(dir: string): Buffer {
  const storeDir = path.join(dir, 'store');
  return Buffer.concat(fs.readdirSync(storeDir).map((f) => fs.readFileSync(path.join(storeDir, f))));
}

export function writeTemp(dir: string, name: string, content: string | Uint8Array): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, content);
  return file;
}
