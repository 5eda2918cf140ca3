/**
 * Store benchmark: ingest of 5-minute CGM into encrypted day chunks against the usual plain alternative (one
 * better-sqlite3 row per sample, WAL, one transaction) on the same samples, and the read-back of one patient's
 * 90 days. Figures only; nothing is asserted here (scripts/bench prints them).
 */
import Database from 'better-sqlite3';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MS_PER_DAY, type SeriesBatch } from '../../../shared/domain/sample.js';
import { STREAM } from '../../../shared/domain/streams.js';
import { CareTwinStore } from './store.js';

export interface StoreBenchResult {
  readonly encryptedSamplesPerSec: number;
  readonly plainRowSamplesPerSec: number;
  /** encrypted / plain */
  readonly ratio: number;
  /** Median time to read and decrypt one patient's 90 days of CGM. */
  readonly readBack90dMs: number;
  readonly samples: number;
}

export interface StoreBenchOptions {
  readonly patients?: number;
  readonly days?: number;
  readonly reads?: number;
}

const FIVE_MIN_MS = 300_000;
const START_MS = Date.UTC(2026, 0, 1);

export async function benchStore(opts: StoreBenchOptions = {}): Promise<StoreBenchResult> {
  const patients = opts.patients ?? 100;
  const days = opts.days ?? 90;
  const reads = opts.reads ?? 21;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'caretwin-store-bench-'));
  try {
    // The KDF is not part of what is measured; a cheap one keeps the run short.
    const store = await CareTwinStore.create(path.join(dir, 'store'), 'bench passcode', {
      kdf: { memorySize: 8 * 1024, iterations: 1 },
    });
    try {
      const benchPatient = (name: string): string =>
        store.createPatient({ name, conditions: ['t1d'], identifiers: [] }, { demo: true });
      const ids = Array.from({ length: patients }, (_, p) => benchPatient(`Bench Patient ${p}`));
      const batches = ids.map((id, p) => cgmBatch(id, p, days));
      const samples = batches.reduce((sum, b) => sum + b.tMs.length, 0);

      // Both sides first write the same month of other patients' data: neither figure includes JIT warm-up.
      const warmUp = Array.from({ length: 4 }, (_, i) =>
        cgmBatch(benchPatient(`Bench Warm-up ${i}`), patients + i, 30),
      );
      store.writeSeries(warmUp);
      const t0 = performance.now();
      store.writeSeries(batches);
      const encryptedMs = performance.now() - t0;

      const plainMs = plainRowInserts(path.join(dir, 'plain.db'), warmUp, batches);

      const first = ids[0]!;
      for (let i = 0; i < 3; i++) store.readSeries(first, STREAM.cgm);
      const times: number[] = [];
      for (let i = 0; i < reads; i++) {
        const r0 = performance.now();
        store.readSeries(first, STREAM.cgm);
        times.push(performance.now() - r0);
      }
      times.sort((a, b) => a - b);

      const encryptedSamplesPerSec = samples / (encryptedMs / 1000);
      const plainRowSamplesPerSec = samples / (plainMs / 1000);
      return {
        encryptedSamplesPerSec,
        plainRowSamplesPerSec,
        ratio: encryptedSamplesPerSec / plainRowSamplesPerSec,
        readBack90dMs: times[times.length >> 1]!,
        samples,
      };
    } finally {
      store.close();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Deterministic CGM-like series: daily rhythm, meals, sensor noise, integer mg/dL, a few seconds of clock jitter. */
function cgmBatch(patientId: string, seed: number, days: number): SeriesBatch {
  const n = days * (MS_PER_DAY / FIVE_MIN_MS);
  const tMs = new Float64Array(n);
  const values = new Float64Array(n);
  let state = (seed * 2654435761 + 1) >>> 0;
  const rand = (): number => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
  const base = 110 + 40 * rand();
  for (let i = 0; i < n; i++) {
    tMs[i] = START_MS + i * FIVE_MIN_MS + Math.floor(rand() * 4000);
    const hour = ((i * 5) / 60) % 24;
    const meal = Math.max(0, Math.sin(((hour - 7) / 5) * Math.PI)) * 60;
    values[i] = Math.round(Math.min(400, Math.max(40, base + meal + 15 * Math.sin(i / 37) + (rand() - 0.5) * 12)));
  }
  return { patientId, stream: STREAM.cgm, source: 'bench', tMs, values };
}

/** The usual way: one row per sample, prepared statement, WAL, one transaction. Returns the elapsed ms. */
function plainRowInserts(dbPath: string, warmUp: readonly SeriesBatch[], batches: readonly SeriesBatch[]): number {
  const db = new Database(dbPath);
  try {
    db.pragma('journal_mode = WAL');
    db.exec('CREATE TABLE s (patient_id TEXT NOT NULL, stream TEXT NOT NULL, t INTEGER NOT NULL, v REAL NOT NULL)');
    const insert = db.prepare('INSERT INTO s (patient_id, stream, t, v) VALUES (?, ?, ?, ?)');
    const write = db.transaction((bs: readonly SeriesBatch[]) => {
      for (const b of bs) {
        const { tMs, values } = b;
        for (let i = 0; i < tMs.length; i++) insert.run(b.patientId, b.stream, tMs[i], values[i]);
      }
    });
    write(warmUp);
    const t0 = performance.now();
    write(batches);
    return performance.now() - t0;
  } finally {
    db.close();
  }
}
