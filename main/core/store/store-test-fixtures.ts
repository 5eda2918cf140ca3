/** Helpers shared by the store's tests: fresh temp directories, cheap key derivation, file fingerprints. */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { PatientProfile } from '../../../shared/domain/patient.js';
import type { KdfTuning } from './keys.js';

/** Argon2id at 1 MiB and one pass: tests exercise the hierarchy, not the cost. */
export const CHEAP_KDF: Partial<KdfTuning> = { memorySize: 1024, iterations: 1 };

/** Runs `fn` with a fresh directory under the OS temp dir and removes it afterwards. */
export async function withTempDir<T>(fn: (dir: string) => Promise<T> | T): Promise<T> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'caretwin-store-test-'));
  try {
    return await fn(dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Every file under `dir` (relative path -> SHA-256 of its bytes, or 'dir' for directories). */
export function fingerprintDir(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string): void => {
    const abs = path.join(dir, rel);
    for (const entry of fs.readdirSync(abs, { withFileTypes: true })) {
      const relPath = path.join(rel, entry.name);
      if (entry.isDirectory()) {
        out[relPath] = 'dir';
        walk(relPath);
      } else {
        out[relPath] = createHash('sha256').update(fs.readFileSync(path.join(dir, relPath))).digest('hex');
      }
    }
  };
  walk('');
  return out;
}

export function profile(name: string, extra: Partial<PatientProfile> = {}): PatientProfile {
  return { name, conditions: ['t2d'], identifiers: [], ...extra };
}

export const DAY_MS = 86_400_000;
/** A UTC midnight well inside the range the app is used in. */
export const DAY0_MS = Date.UTC(2026, 2, 1);
