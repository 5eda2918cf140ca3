/**
 * Importing from the app: the path a dropped file takes (import.begin, base64 parts of 512 KiB through the IPC
 * router, spooled to the data directory, import.finish, the same runner as `caretwin import`) against the CLI's
 * direct `importFile` of the same file into another store. The difference is what sending through the bridge costs
 * (the WebSocket or Electron IPC hop itself is not in it). Files: the Dexcom Clarity export, the Fitbit heart-rate
 * export, and a synthetic Apple Health export.zip. Each path runs twice per file; the second (warm) run is reported.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { lastValueFrom, Observable, toArray } from 'rxjs';
import type { StreamFrame } from '../../shared/ipc/bridge.js';
import type { ImportStatus } from '../../shared/ipc/contract.js';
import { writeSyntheticHealthXml, writeZipOf } from '../../main/core/ingest/formats/apple-health-synthetic.js';
import { importFile } from '../../main/core/ingest/run-import.js';
import { createServices } from '../../main/core/services.js';
import { CareTwinStore } from '../../main/core/store/store.js';
import { createIpcRouter } from '../../main/ipc/router.js';

const PASSCODE = 'bench import passcode';
const KDF = { memorySize: 1024, iterations: 1 };
const APPLE_RECORDS = 200_000;

export interface ImportUiFigures {
  readonly file: string;
  readonly megabytes: number;
  readonly samples: number;
  /** begin -> report, through the router */
  readonly appSeconds: number;
  /** of which sending the parts (begin, chunks, finish) */
  readonly sendSeconds: number;
  /** importFile on the file in place */
  readonly cliSeconds: number;
}

async function appImport(file: string): Promise<{ seconds: number; sendSeconds: number; added: number }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'caretwin-bench-import-ui-'));
  const services = await createServices({ dataDir: path.join(dir, 'store'), host: 'web', kdf: KDF });
  try {
    const router = createIpcRouter(services);
    await services.session.setup(PASSCODE);
    const patientId = services.store().createPatient({ name: 'Bench Patient', zone: 'Europe/Berlin', conditions: ['t2d'], identifiers: [] });
    const ctx = { host: 'web' as const, connectionId: 'bench' };
    const call = async (name: string, args: unknown): Promise<Record<string, unknown>> => {
      const r = await router.invoke(ctx, name, args);
      if (!r.ok) throw new Error(`${name}: ${r.error.message}`);
      return r.value as Record<string, unknown>;
    };
    const bytes = fs.readFileSync(file);
    const t0 = performance.now();
    const begun = await call('import.begin', { patientId, fileName: path.basename(file), size: bytes.length });
    const importId = begun.importId as string;
    const frames = lastValueFrom(
      new Observable<ImportStatus>((sub) =>
        router.subscribe(ctx, 'import.progress', { importId }, (f: StreamFrame) => {
          if (f.type === 'next') sub.next(f.value as ImportStatus);
          else if (f.type === 'complete') sub.complete();
          else sub.error(new Error(f.error.message));
        }),
      ).pipe(toArray()),
    );
    const step = begun.chunkBytes as number;
    for (let at = 0, seq = 0; at < bytes.length; at += step, seq++) {
      await call('import.chunk', { importId, seq, data: bytes.subarray(at, at + step).toString('base64') });
    }
    await call('import.finish', { importId });
    const sendSeconds = (performance.now() - t0) / 1000;
    const last = (await frames).at(-1)!;
    const seconds = (performance.now() - t0) / 1000;
    if (last.phase !== 'done') throw new Error(`import of ${path.basename(file)} ended ${last.phase}: ${last.error?.message ?? ''}`);
    return { seconds, sendSeconds, added: last.report!.added };
  } finally {
    await services.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function cliImport(file: string): Promise<number> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'caretwin-bench-import-cli-'));
  const store = await CareTwinStore.create(path.join(dir, 'store'), PASSCODE, { kdf: KDF });
  try {
    const patientId = store.createPatient({ name: 'Bench Patient', zone: 'Europe/Berlin', conditions: ['t2d'], identifiers: [] });
    const t0 = performance.now();
    await importFile(store, file, { patientId });
    return (performance.now() - t0) / 1000;
  } finally {
    store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export async function benchImportUi(): Promise<ImportUiFigures[]> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'caretwin-bench-import-files-'));
  try {
    const xml = path.join(tmp, 'export.xml');
    const zip = path.join(tmp, 'export.zip');
    await writeSyntheticHealthXml(xml, APPLE_RECORDS);
    await writeZipOf(xml, zip);
    const files = [
      path.resolve('../shared/data/cgm/dexcom-clarity-export.csv'),
      path.resolve('../shared/data/fitbit/heartrate_seconds_one-user.csv'),
      zip,
    ];
    const out: ImportUiFigures[] = [];
    for (const file of files) {
      // Each twice, alternating, the second run counted: the first of a process pays for JIT warm-up.
      await appImport(file);
      await cliImport(file);
      const app = await appImport(file);
      const cliSeconds = await cliImport(file);
      out.push({
        file: file === zip ? `synthetic Apple Health export.zip (${APPLE_RECORDS.toLocaleString('en-US')} records)` : path.basename(file),
        megabytes: fs.statSync(file).size / 1024 / 1024,
        samples: app.added,
        appSeconds: app.seconds,
        sendSeconds: app.sendSeconds,
        cliSeconds,
      });
    }
    return out;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
