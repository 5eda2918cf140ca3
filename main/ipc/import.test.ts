/**
 * Importing files from the app, through the router as a window does it: import.begin, the file's bytes in
 * base64 chunks, import.finish, the import.progress stream. Real services on a real encrypted store in a temp
 * directory, the real data files from ../shared/data.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { lastValueFrom, Observable, toArray } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StreamFrame } from '../../shared/ipc/bridge.js';
import { IMPORT_CHUNK_BYTES, type ImportStatus } from '../../shared/ipc/contract.js';
import { STREAM } from '../../shared/domain/streams.js';
import { storeDigest } from '../core/ingest/ingest-test-fixtures.js';
import { FITBIT_USER_SYSTEM } from '../core/ingest/formats/fitbit.js';
import { IMPORT_SPOOL_DIR } from '../core/imports/import-service.js';
import { createServices, type CareTwinServices } from '../core/services.js';
import { createIpcRouter, type IpcRouter } from './router.js';

const ctx = { host: 'web' as const, connectionId: 'window-1' };
const other = { host: 'web' as const, connectionId: 'window-2' };
const NOW = Date.UTC(2026, 10, 23, 12);
const data = (rel: string) => path.resolve('../shared/data', rel);
const CLARITY = data('cgm/dexcom-clarity-export.csv');

describe('import through the IPC router', () => {
  let dir: string;
  let dataDir: string;
  let services: CareTwinServices;
  let router: IpcRouter;
  let patientId: string;
  const internal: string[] = [];

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'caretwin-import-ipc-'));
    dataDir = path.join(dir, 'store');
    services = await createServices({
      dataDir,
      host: 'web',
      kdf: { memorySize: 1024, iterations: 1 },
      nowMs: () => NOW,
      importMaxBytes: 8 * 1024 * 1024,
    });
    router = createIpcRouter(services, { onInternalError: (m) => internal.push(m) });
    await services.session.setup('import test passcode');
    patientId = services.store().createPatient({ name: 'Test Patient', birthDate: '1970-01-01', conditions: ['t1d'], identifiers: [] });
  });
  afterEach(async () => {
    await services.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function call<T>(name: string, args: unknown, caller = ctx): Promise<T> {
    const r = await router.invoke(caller, name, args);
    if (!r.ok) throw Object.assign(new Error(r.error.message), { code: r.error.code });
    return r.value as T;
  }

  function progress(importId: string, caller = ctx): Observable<ImportStatus> {
    return new Observable<ImportStatus>((sub) =>
      router.subscribe(caller, 'import.progress', { importId }, (frame: StreamFrame) => {
        if (frame.type === 'next') sub.next(frame.value as ImportStatus);
        else if (frame.type === 'error') sub.error(Object.assign(new Error(frame.error.message), { code: frame.error.code }));
        else sub.complete();
      }),
    );
  }

  /** What the renderer does with a chosen file. */
  async function importBytes(fileName: string, bytes: Buffer, opts: { zone?: string; chunkBytes?: number; patientId?: string } = {}): Promise<ImportStatus[]> {
    const begun = await call<{ importId: string; chunkBytes: number }>('import.begin', {
      patientId: opts.patientId ?? patientId,
      fileName,
      size: bytes.length,
      ...(opts.zone ? { zone: opts.zone } : {}),
    });
    const frames = lastValueFrom(progress(begun.importId).pipe(toArray()));
    const step = opts.chunkBytes ?? begun.chunkBytes;
    for (let at = 0, seq = 0; at < bytes.length; at += step, seq++) {
      await call('import.chunk', { importId: begun.importId, seq, data: bytes.subarray(at, at + step).toString('base64') });
    }
    await call('import.finish', { importId: begun.importId });
    return frames;
  }

  const last = (frames: ImportStatus[]) => frames[frames.length - 1]!;
  const spoolFiles = () => fs.readdirSync(path.join(dataDir, IMPORT_SPOOL_DIR));

  it('imports the Dexcom Clarity export in chunks with progress, then adds nothing on a second import', async () => {
    const bytes = fs.readFileSync(CLARITY);
    const events: string[] = [];
    const sub = services.events$.subscribe((e) => events.push(e.kind));
    const frames = await importBytes('dexcom-clarity-export.csv', bytes, { zone: 'America/Chicago', chunkBytes: 16 * 1024 });
    sub.unsubscribe();
    const phases = [...new Set(frames.map((f) => f.phase))];
    expect(phases[0]).toBe('upload');
    expect(phases).toContain('detect');
    expect(phases.at(-1)).toBe('done');
    expect(frames.some((f) => f.phase === 'upload' && f.bytes > 0 && f.bytes < bytes.length)).toBe(true);
    const report = last(frames).report!;
    const stored = services.store().readSeries(patientId, STREAM.cgm).tMs.length;
    expect(stored).toBeGreaterThan(2000);
    expect(report).toMatchObject({ file: 'dexcom-clarity-export.csv', format: 'dexcom-clarity-csv', added: stored, duplicates: 0, zoneStored: 'America/Chicago' });
    expect(report.byStream).toEqual([{ code: STREAM.cgm, label: expect.any(String), displayUnit: 'mg/dL', added: stored }]);
    expect(report.formatLabel).toMatch(/Clarity/);
    expect(events).toContain('patients-changed');
    // The zone given for the import is now the patient's, and the spool file is gone.
    expect(services.patient(patientId).zone).toBe('America/Chicago');
    expect(spoolFiles()).toEqual([]);

    const again = last(await importBytes('dexcom-clarity-export.csv', bytes));
    expect(again.report).toMatchObject({ added: 0, duplicates: stored, zoneStored: null });
    expect(services.store().readSeries(patientId, STREAM.cgm).tMs.length).toBe(stored);
    expect(internal).toEqual([]);
  });

  it('asks for a zone when the file has zone-less times and the patient has none, storing nothing', async () => {
    const before = storeDigest(services.store());
    const status = last(await importBytes('dexcom-clarity-export.csv', fs.readFileSync(CLARITY)));
    expect(status).toMatchObject({ phase: 'failed', needsZone: true, error: { code: 'VALIDATION' } });
    expect(status.error!.message).toMatch(/time zone/);
    expect(storeDigest(services.store())).toBe(before);
    expect(spoolFiles()).toEqual([]);
  });

  it('files a one-user Fitbit export under the patient and links the Fitbit account', async () => {
    const status = last(await importBytes('heartrate_seconds_one-user.csv', fs.readFileSync(data('fitbit/heartrate_seconds_one-user.csv')), { zone: 'America/Chicago' }));
    expect(status.phase).toBe('done');
    expect(status.report!.added).toBe(17_666);
    expect(services.store().listPatients()).toHaveLength(1);
    expect(services.store().readSeries(patientId, STREAM.heartRate).tMs.length).toBe(17_666);
    const id = services.store().getPatient(patientId)!.profile.identifiers.find((i) => i.system === FITBIT_USER_SYSTEM)!;
    expect(services.store().findPatientByIdentifier(FITBIT_USER_SYSTEM, id.value)).toBe(patientId);

    // The same account's export dropped on someone else is refused: it belongs to the first patient now.
    const otherPatient = services.store().createPatient({ name: 'Other Patient', conditions: [], identifiers: [] });
    const before = storeDigest(services.store());
    const wrong = last(await importBytes('heartrate_seconds_one-user.csv', fs.readFileSync(data('fitbit/heartrate_seconds_one-user.csv')), { zone: 'America/Chicago', patientId: otherPatient }));
    expect(wrong).toMatchObject({ phase: 'failed', error: { code: 'VALIDATION' } });
    expect(wrong.error!.message).toMatch(/belongs to another patient/);
    expect(storeDigest(services.store())).toBe(before);
  });

  it('refuses a merged export of many people, and a file of another stored patient, storing nothing', async () => {
    const before = storeDigest(services.store());
    const many = last(await importBytes('weightLogInfo_merged.csv', fs.readFileSync(data('fitbit/weightLogInfo_merged_excel-resaved.csv')), { zone: 'America/Chicago' }));
    expect(many).toMatchObject({ phase: 'failed', error: { code: 'VALIDATION' } });
    expect(many.error!.message).toMatch(/data of \d+ people/);
    expect(storeDigest(services.store())).toBe(before);

    // A FHIR bundle of someone born on another day than this patient.
    const synthea = data('fhir-synthea');
    const bundle = fs.readFileSync(path.join(synthea, fs.readdirSync(synthea).sort()[0]!));
    const wrong = last(await importBytes('bundle.json', bundle));
    expect(wrong).toMatchObject({ phase: 'failed', error: { code: 'VALIDATION' } });
    expect(wrong.error!.message).toMatch(/another person/);
    expect(storeDigest(services.store())).toBe(before);
  });

  it('reports a malformed file and an unknown format clearly and leaves the store as it was', async () => {
    await importBytes('dexcom-clarity-export.csv', fs.readFileSync(CLARITY), { zone: 'Europe/Berlin' });
    const before = storeDigest(services.store());
    // A Clarity export cut in the middle of a quoted field: the CSV cannot be read to its end.
    const text = fs.readFileSync(CLARITY, 'utf8');
    const broken = Buffer.from(text.slice(0, Math.floor(text.length / 2)) + '\n"unterminated,', 'utf8');
    const bad = last(await importBytes('broken-clarity.csv', broken));
    expect(bad.phase).toBe('failed');
    expect(bad.error!.message).toMatch(/Nothing was imported/);
    expect(storeDigest(services.store())).toBe(before);

    const unknown = last(await importBytes('notes.txt', Buffer.from('just some notes\nnothing to import\n')));
    expect(unknown).toMatchObject({ phase: 'failed', error: { code: 'VALIDATION' } });
    expect(unknown.error!.message).toMatch(/not a file CareTwin can import/);
    expect(storeDigest(services.store())).toBe(before);
    expect(spoolFiles()).toEqual([]);
  });

  it('refuses files over the cap, parts out of order or too many, and other windows', async () => {
    await expect(call('import.begin', { patientId, fileName: 'big.zip', size: 9 * 1024 * 1024 })).rejects.toMatchObject({
      code: 'VALIDATION',
      message: expect.stringMatching(/up to 8\.0 MB/),
    });
    await expect(call('import.begin', { patientId, fileName: 'x.csv', size: 10, zone: 'Mars/Olympus' })).rejects.toMatchObject({ code: 'VALIDATION' });
    await expect(call('import.begin', { patientId: 'f'.repeat(32), fileName: 'x.csv', size: 10 })).rejects.toMatchObject({ code: 'NOT_FOUND' });

    const { importId } = await call<{ importId: string }>('import.begin', { patientId, fileName: 'x.csv', size: 6 });
    await expect(call('import.chunk', { importId, seq: 1, data: Buffer.from('abc').toString('base64') })).rejects.toMatchObject({ code: 'VALIDATION' });
    await expect(call('import.chunk', { importId, seq: 0, data: 'not base64!' })).rejects.toMatchObject({ code: 'VALIDATION' });
    await expect(call('import.chunk', { importId, seq: 0, data: 'A'.repeat(Math.ceil(IMPORT_CHUNK_BYTES / 3) * 4 + 4) })).rejects.toMatchObject({ code: 'VALIDATION' });
    await call('import.chunk', { importId, seq: 0, data: Buffer.from('abc').toString('base64') });
    await expect(call('import.finish', { importId })).rejects.toMatchObject({ message: expect.stringMatching(/Only 3 of 6 bytes/) });
    // Another window cannot see, feed or cancel it.
    await expect(call('import.chunk', { importId, seq: 1, data: Buffer.from('def').toString('base64') }, other)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(call('import.cancel', { importId }, other)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(lastValueFrom(progress(importId, other))).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(spoolFiles()).toHaveLength(1);
    await expect(call('import.chunk', { importId, seq: 1, data: Buffer.from('defg').toString('base64') })).rejects.toMatchObject({
      message: expect.stringMatching(/More of the file arrived/),
    });
    expect(spoolFiles()).toEqual([]);
  });

  it('cancels an upload or a running import, storing nothing, and ends open uploads on lock', async () => {
    const { importId } = await call<{ importId: string }>('import.begin', { patientId, fileName: 'x.csv', size: 6 });
    const frames = lastValueFrom(progress(importId).pipe(toArray()));
    await call('import.chunk', { importId, seq: 0, data: Buffer.from('abc').toString('base64') });
    expect(await call('import.cancel', { importId })).toEqual({ cancelled: true });
    expect(last(await frames).phase).toBe('cancelled');
    expect(spoolFiles()).toEqual([]);

    // Cancelled after the whole file arrived, while it is being read: it stops before anything is stored.
    const before = storeDigest(services.store());
    const bytes = fs.readFileSync(CLARITY);
    const running = await call<{ importId: string }>('import.begin', { patientId, fileName: 'clarity.csv', size: bytes.length, zone: 'Europe/Berlin' });
    const runningFrames = lastValueFrom(progress(running.importId).pipe(toArray()));
    await call('import.chunk', { importId: running.importId, seq: 0, data: bytes.toString('base64') });
    await call('import.finish', { importId: running.importId });
    expect(await call('import.cancel', { importId: running.importId })).toEqual({ cancelled: true });
    expect(last(await runningFrames).phase).toBe('cancelled');
    expect(storeDigest(services.store())).toBe(before);
    expect(services.patient(patientId).zone).toBeNull();

    const open = await call<{ importId: string }>('import.begin', { patientId, fileName: 'y.csv', size: 6 });
    const ended = lastValueFrom(progress(open.importId).pipe(toArray()));
    services.session.lock();
    expect(last(await ended).phase).toBe('cancelled');
    expect(spoolFiles()).toEqual([]);
    await expect(call('import.begin', { patientId, fileName: 'x.csv', size: 6 })).rejects.toMatchObject({ code: 'LOCKED' });
  });

  it('removes spool files a crash left behind, but not young ones another process may be writing', async () => {
    const spool = path.join(dataDir, IMPORT_SPOOL_DIR);
    fs.mkdirSync(spool, { recursive: true });
    const stale = path.join(spool, `${'a'.repeat(32)}.part`);
    const young = path.join(spool, `${'b'.repeat(32)}.part`);
    fs.writeFileSync(stale, 'plaintext export left by a crash');
    fs.writeFileSync(young, 'another process is sending this');
    const hourAgo = new Date(Date.now() - 3_600_000);
    fs.utimesSync(stale, hourAgo, hourAgo);
    const { importId } = await call<{ importId: string }>('import.begin', { patientId, fileName: 'x.csv', size: 6 });
    expect(spoolFiles().sort()).toEqual([`${'b'.repeat(32)}.part`, `${importId}.part`].sort());
  });
});
