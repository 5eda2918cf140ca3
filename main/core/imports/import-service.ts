/**
 * Importing files from the app: the window sends a file's bytes in order through the IPC bridge (the same in
 * Electron and the web host), they are spooled to a private file in the data directory's spool folder, and the
 * same importer runner as `caretwin import` reads and stores it, filed under the patient it was dropped on.
 * Progress and the final report go out on `import.progress`. The spool file is removed when the import ends,
 * fails, is cancelled or sits idle too long; leftovers of a crash are removed at the next start or import.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ReplaySubject, throwError, type Observable } from 'rxjs';
import type { ImportReportView, ImportStatus } from '../../../shared/ipc/contract.js';
import { IMPORT_CHUNK_BYTES } from '../../../shared/ipc/contract.js';
import { AppError } from '../../../shared/ipc/errors.js';
import { STREAMS } from '../../../shared/domain/streams.js';
import { IMPORT_FORMATS } from '../ingest/formats/index.js';
import { attachBatchToPatient } from '../ingest/attach-to-patient.js';
import { ZoneNeededError } from '../ingest/batch-builder.js';
import type { ImportInput, ImportProgress, ImportReport } from '../ingest/importer.js';
import { checkZone } from '../ingest/local-time.js';
import { importInput } from '../ingest/run-import.js';
import type { ImportStore } from '../ingest/write-batch.js';

/** The spool folder inside the data directory. */
export const IMPORT_SPOOL_DIR = 'import-spool';
/** Largest file the app takes (an Apple Health export.zip of several years fits); the CLI has no such cap. */
export const DEFAULT_IMPORT_MAX_BYTES = 1024 * 1024 * 1024;
/** Rejected rows and warnings listed in a report; the counts are always complete. */
export const REPORT_ROWS_SHOWN = 200;
const IDLE_MS = 10 * 60_000;
/** A finished import's last status stays available this long for a late subscriber. */
const KEEP_FINISHED_MS = 60_000;
const MAX_OPEN_PER_CONNECTION = 8;
const PROGRESS_EVERY_MS = 100;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export interface ImportCaller {
  readonly connectionId: string;
}

export interface ImportServiceOptions {
  readonly dataDir: string;
  /** The unlocked store (throws LOCKED otherwise). */
  readonly store: () => ImportStore;
  readonly nowMs?: () => number;
  /** Called after an import stored something (the host tells open views to refresh). */
  readonly onImported: () => void;
  readonly maxBytes?: number;
  readonly idleMs?: number;
  /** Where unexpected errors are noted (never their messages: they may echo file content). */
  readonly onInternalError?: (error: unknown) => void;
}

export interface BeginImport {
  readonly patientId: string;
  readonly fileName: string;
  readonly size: number;
  readonly zone?: string | undefined;
}

export interface ImportService {
  begin(caller: ImportCaller, request: BeginImport): { importId: string; chunkBytes: number; maxBytes: number };
  chunk(caller: ImportCaller, importId: string, seq: number, base64: string): { received: number };
  finish(caller: ImportCaller, importId: string): { importId: string };
  cancel(caller: ImportCaller, importId: string): { cancelled: boolean };
  progress(caller: ImportCaller, importId: string): Observable<ImportStatus>;
  /** Ends every open import (the store is being locked or closed); returns when running ones have stopped. */
  abandonAll(): Promise<void>;
}

class Cancelled extends Error {
  override readonly name = 'Cancelled';
}

interface Upload {
  readonly id: string;
  readonly owner: string;
  readonly patientId: string;
  readonly fileName: string;
  readonly size: number;
  readonly zone: string | null;
  readonly path: string;
  fd: number | undefined;
  received: number;
  nextSeq: number;
  state: 'upload' | 'running' | 'ended';
  cancelled: boolean;
  running: Promise<void> | undefined;
  readonly status$: ReplaySubject<ImportStatus>;
  last: ImportStatus;
  lastEmitMs: number;
  timer: ReturnType<typeof setTimeout> | undefined;
}

const GONE = 'That import is no longer open (it finished, was cancelled or sat idle too long). Start it again.';

export function createImportService(options: ImportServiceOptions): ImportService {
  const nowMs = options.nowMs ?? Date.now;
  const maxBytes = options.maxBytes ?? DEFAULT_IMPORT_MAX_BYTES;
  const idleMs = options.idleMs ?? IDLE_MS;
  const spoolDir = path.join(options.dataDir, IMPORT_SPOOL_DIR);
  const uploads = new Map<string, Upload>();
  let spoolReady = false;
  const noteInternal =
    options.onInternalError ??
    ((error: unknown) => process.stderr.write(`caretwin: internal error in an import (${error instanceof Error ? error.name : typeof error})\n`));

  /**
   * Spool files left by a crash hold plaintext exports: removed when the service starts and before every import.
   * Only files untouched for longer than an upload may sit idle: another CareTwin process on the same data
   * directory may be using younger ones.
   */
  function removeLeftovers(): void {
    let names: string[];
    try {
      names = fs.readdirSync(spoolDir);
    } catch {
      return;
    }
    const cutoff = Date.now() - idleMs - 60_000;
    for (const name of names) {
      const file = path.join(spoolDir, name);
      if (uploads.has(name.replace(/\.part$/, ''))) continue;
      try {
        if (fs.statSync(file).mtimeMs < cutoff) fs.rmSync(file, { force: true });
      } catch {
        // gone meanwhile
      }
    }
  }
  removeLeftovers();

  function ensureSpool(): void {
    removeLeftovers();
    if (spoolReady) return;
    fs.mkdirSync(spoolDir, { recursive: true, mode: 0o700 });
    spoolReady = true;
  }

  function find(caller: ImportCaller, importId: string): Upload {
    const upload = uploads.get(importId);
    // Another window's import is as good as absent: ids are not shared between connections.
    if (upload === undefined || upload.owner !== caller.connectionId) throw new AppError('NOT_FOUND', GONE);
    return upload;
  }

  function emit(upload: Upload, change: Partial<ImportStatus>, force = false): void {
    upload.last = { ...upload.last, ...change };
    // Wall-clock throttle (the injected clock may stand still in tests).
    const t = performance.now();
    if (!force && t - upload.lastEmitMs < PROGRESS_EVERY_MS) return;
    upload.lastEmitMs = t;
    upload.status$.next(upload.last);
  }

  function removeSpool(upload: Upload): void {
    if (upload.fd !== undefined) {
      try {
        fs.closeSync(upload.fd);
      } catch {
        // already closed
      }
      upload.fd = undefined;
    }
    fs.rmSync(upload.path, { force: true });
  }

  function end(upload: Upload, change: Partial<ImportStatus>): void {
    if (upload.state === 'ended') return;
    upload.state = 'ended';
    if (upload.timer !== undefined) clearTimeout(upload.timer);
    removeSpool(upload);
    emit(upload, change, true);
    upload.status$.complete();
    const forget = setTimeout(() => uploads.delete(upload.id), KEEP_FINISHED_MS);
    forget.unref?.();
  }

  function touch(upload: Upload): void {
    if (upload.timer !== undefined) clearTimeout(upload.timer);
    upload.timer = setTimeout(() => {
      if (upload.state === 'upload') {
        end(upload, {
          phase: 'failed',
          error: { code: 'CONFLICT', message: 'The file stopped arriving, so the import was abandoned. Nothing was imported; try again.' },
        });
      }
    }, idleMs);
    upload.timer.unref?.();
  }

  function spoolInput(upload: Upload): ImportInput {
    return {
      fileName: upload.fileName,
      sizeBytes: upload.size,
      path: upload.path,
      async *open() {
        for await (const chunk of fs.createReadStream(upload.path, { highWaterMark: 1024 * 1024 }) as AsyncIterable<Buffer>) {
          if (upload.cancelled) throw new Cancelled();
          yield chunk;
        }
      },
    };
  }

  async function run(upload: Upload): Promise<void> {
    let zoneStored: string | null = null;
    try {
      const store = options.store();
      const report = await importInput(store, spoolInput(upload), {
        patientId: upload.patientId,
        zone: upload.zone,
        nowMs,
        onProgress: (p: ImportProgress) => {
          if (upload.cancelled) return;
          emit(
            upload,
            {
              phase: p.phase === 'done' ? 'write' : p.phase,
              ...(p.bytesRead !== undefined ? { bytes: p.bytesRead } : {}),
              ...(p.rows !== undefined ? { rows: p.rows } : {}),
            },
            p.phase !== 'read' && p.phase !== 'normalise',
          );
        },
        prepare: (batch) => {
          if (upload.cancelled) throw new Cancelled();
          const attached = attachBatchToPatient(store, batch, upload.patientId, { zone: upload.zone });
          zoneStored = attached.zoneStored;
          return attached.batch;
        },
      });
      if (report.added + report.medications + report.conditions > 0 || zoneStored !== null) options.onImported();
      end(upload, { phase: 'done', bytes: upload.size, rows: report.added, report: reportView(report, zoneStored) });
    } catch (error) {
      if (error instanceof Cancelled || upload.cancelled) {
        end(upload, { phase: 'cancelled' });
      } else if (error instanceof ZoneNeededError) {
        end(upload, {
          phase: 'failed',
          needsZone: true,
          error: {
            code: 'VALIDATION',
            message: "This file's times carry no time zone, and none is stored for this patient. Choose the patient's time zone and import it again. Nothing was imported.",
          },
        });
      } else if (error instanceof AppError) {
        const message = /nothing was (imported|saved|stored|changed)/i.test(error.message) ? error.message : `${error.message} Nothing was imported.`;
        end(upload, { phase: 'failed', error: { code: error.code, message } });
      } else {
        noteInternal(error);
        end(upload, {
          phase: 'failed',
          error: { code: 'INTERNAL', message: 'Something went wrong inside CareTwin while importing. Nothing was imported; try again, and report it if it keeps happening.' },
        });
      }
    }
  }

  return {
    begin(caller, request) {
      const store = options.store();
      if (store.getPatient(request.patientId) === undefined) throw new AppError('NOT_FOUND', 'No patient with that id in this store.');
      if (request.size > maxBytes) {
        throw new AppError(
          'VALIDATION',
          `${request.fileName} is ${megabytes(request.size)} MB; the app imports files up to ${megabytes(maxBytes)} MB. ` +
            'Nothing was imported; split the export, or import it with "caretwin import".',
        );
      }
      if (request.size === 0) throw new AppError('VALIDATION', `${request.fileName} is empty. Nothing was imported.`);
      const zone = request.zone === undefined ? null : checkZone(request.zone);
      let open = 0;
      for (const u of uploads.values()) if (u.owner === caller.connectionId && u.state !== 'ended') open++;
      if (open >= MAX_OPEN_PER_CONNECTION) {
        throw new AppError('CONFLICT', `${MAX_OPEN_PER_CONNECTION} imports are already running in this window. Wait for one to finish.`);
      }
      ensureSpool();
      const id = randomBytes(16).toString('hex');
      const file = path.join(spoolDir, `${id}.part`);
      const fd = fs.openSync(file, 'wx', 0o600);
      const initial: ImportStatus = {
        importId: id,
        phase: 'upload',
        bytes: 0,
        totalBytes: request.size,
        rows: null,
        report: null,
        error: null,
        needsZone: false,
      };
      const upload: Upload = {
        id,
        owner: caller.connectionId,
        patientId: request.patientId,
        fileName: path.basename(request.fileName),
        size: request.size,
        zone,
        path: file,
        fd,
        received: 0,
        nextSeq: 0,
        state: 'upload',
        cancelled: false,
        running: undefined,
        status$: new ReplaySubject<ImportStatus>(1),
        last: initial,
        lastEmitMs: performance.now(),
        timer: undefined,
      };
      upload.status$.next(initial);
      uploads.set(id, upload);
      touch(upload);
      return { importId: id, chunkBytes: IMPORT_CHUNK_BYTES, maxBytes };
    },

    chunk(caller, importId, seq, base64) {
      const upload = find(caller, importId);
      if (upload.state !== 'upload' || upload.fd === undefined) throw new AppError('CONFLICT', 'That import is no longer receiving its file.');
      if (seq !== upload.nextSeq) {
        throw new AppError('VALIDATION', `Part ${seq} of the file arrived out of order (expected part ${upload.nextSeq}). Start the import again.`);
      }
      if (!BASE64.test(base64) || base64.length % 4 !== 0) throw new AppError('VALIDATION', 'A part of the file arrived damaged. Start the import again.');
      const bytes = Buffer.from(base64, 'base64');
      if (upload.received + bytes.length > upload.size) {
        end(upload, {
          phase: 'failed',
          error: { code: 'VALIDATION', message: 'More of the file arrived than its size announced (it may have changed while being sent). Nothing was imported.' },
        });
        throw new AppError('VALIDATION', 'More of the file arrived than its size announced. Nothing was imported.');
      }
      fs.writeSync(upload.fd, bytes);
      upload.received += bytes.length;
      upload.nextSeq++;
      touch(upload);
      // One frame per part: parts are large, so this is at most a few frames a second per import.
      emit(upload, { bytes: upload.received }, true);
      return { received: upload.received };
    },

    finish(caller, importId) {
      const upload = find(caller, importId);
      if (upload.state !== 'upload') throw new AppError('CONFLICT', 'That import has already started.');
      if (upload.received !== upload.size) {
        throw new AppError('VALIDATION', `Only ${upload.received} of ${upload.size} bytes of the file arrived. Send the rest, or cancel.`);
      }
      fs.closeSync(upload.fd!);
      upload.fd = undefined;
      if (upload.timer !== undefined) clearTimeout(upload.timer);
      upload.state = 'running';
      emit(upload, { phase: 'detect', bytes: 0 }, true);
      upload.running = run(upload);
      return { importId };
    },

    cancel(caller, importId) {
      const upload = find(caller, importId);
      if (upload.state === 'ended') return { cancelled: upload.last.phase === 'cancelled' };
      upload.cancelled = true;
      if (upload.state === 'upload') end(upload, { phase: 'cancelled' });
      // A running import stops at its next read, or before it writes; once writing, it completes.
      return { cancelled: true };
    },

    progress(caller, importId) {
      const upload = uploads.get(importId);
      if (upload === undefined || upload.owner !== caller.connectionId) return throwError(() => new AppError('NOT_FOUND', GONE));
      return upload.status$.asObservable();
    },

    async abandonAll() {
      const running: Promise<void>[] = [];
      for (const upload of uploads.values()) {
        if (upload.state === 'ended') continue;
        upload.cancelled = true;
        if (upload.state === 'upload') end(upload, { phase: 'cancelled' });
        else if (upload.running) running.push(upload.running);
      }
      await Promise.all(running);
    },
  };
}

function megabytes(n: number): string {
  const mb = n / 1024 / 1024;
  return mb >= 10 ? mb.toFixed(0) : mb.toFixed(1);
}

export function reportView(report: ImportReport, zoneStored: string | null): ImportReportView {
  return {
    file: report.file,
    format: report.format,
    formatLabel: IMPORT_FORMATS.find((f) => f.id === report.format)?.label ?? report.format,
    added: report.added,
    duplicates: report.duplicates,
    byStream: Object.entries(report.byStream).map(([code, added]) => {
      const def = STREAMS.get(code);
      return { code, label: def?.label ?? code, displayUnit: def?.displayUnit ?? '', added };
    }),
    medications: report.medications,
    conditions: report.conditions,
    rejectedCount: report.rejected.length,
    rejected: report.rejected.slice(0, REPORT_ROWS_SHOWN).map((r) => ({ line: r.line, reason: r.reason })),
    warningCount: report.warnings.length,
    warnings: report.warnings.slice(0, REPORT_ROWS_SHOWN).map((r) => ({ line: r.line, reason: r.reason })),
    skipped: { ...report.skipped },
    zoneStored,
    ms: report.ms,
  };
}
