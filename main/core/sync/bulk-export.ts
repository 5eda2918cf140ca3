/**
 * FHIR Bulk Data `$export` for large panels: kick-off with `Prefer: respond-async`, polling the Content-Location
 * (honouring Retry-After, showing X-Progress), then the NDJSON files, Patient first. Each file is mapped and
 * stored in one transaction; the high-water marks move to the export's `transactionTime` only when every file
 * is stored, so an interrupted export is simply run again (what was stored is recognised as duplicates).
 */
import { AppError } from '../../../shared/ipc/errors.js';
import { FhirBatchBuilder } from '../ingest/fhir/map-resources.js';
import type { RejectedRow } from '../ingest/importer.js';
import { writeImportBatch, type ImportStore } from '../ingest/write-batch.js';
import { FhirRequestError, retryAfterMs, type FhirHttpClient } from './fhir-http.js';
import { addMonitoredConditions, logicalIdSystem, SYNC_RESOURCE_TYPES, syncStateKey, type FhirSyncState } from './fhir-sync.js';

export interface BulkExportOptions {
  readonly store: ImportStore;
  readonly client: FhirHttpClient;
  readonly resourceTypes?: readonly string[];
  /** Longest time to wait for the server to finish the export */
  readonly maxWaitMs?: number;
  readonly onProgress?: (message: string) => void;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly nowMs?: () => number;
}

export interface BulkExportReport {
  readonly transactionTime: string;
  readonly files: number;
  readonly resources: Readonly<Record<string, number>>;
  readonly patientsCreated: number;
  readonly added: number;
  readonly duplicates: number;
  readonly medications: number;
  readonly conditions: number;
  readonly rejected: readonly RejectedRow[];
  readonly skipped: Readonly<Record<string, number>>;
}

interface Manifest {
  transactionTime?: unknown;
  output?: { type?: unknown; url?: unknown }[];
  error?: { type?: unknown; url?: unknown }[];
}

export async function bulkExportSync(opts: BulkExportOptions): Promise<BulkExportReport> {
  const base = opts.client.baseUrl.replace(/\/+$/, '');
  const sleep = opts.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
  const nowMs = opts.nowMs ?? Date.now;
  const types = opts.resourceTypes ?? SYNC_RESOURCE_TYPES;
  const stateKey = syncStateKey(base);
  const state = opts.store.getMeta<FhirSyncState>(stateKey) ?? { version: 1, highWater: {} };
  const marks = types.map((t) => state.highWater[t]).filter((m): m is string => m !== undefined);
  // `_since` applies to every type: the oldest mark, so no type misses anything (the rest are duplicates).
  const since = marks.length === types.length ? marks.sort()[0] : undefined;

  const params = new URLSearchParams({ _type: types.join(',') });
  if (since) params.set('_since', since);
  const kickOff = await opts.client.request(`${base}/$export?${params.toString()}`, { prefer: 'respond-async', accept: 'application/fhir+json' });
  const statusUrl = kickOff.headers.get('content-location');
  if (kickOff.status !== 202 || !statusUrl) {
    throw new AppError('VALIDATION', 'The FHIR server did not start a bulk export (no 202 with Content-Location). Sync without --bulk instead.');
  }
  if (new URL(statusUrl, base).origin !== new URL(base).origin) {
    throw new AppError('VALIDATION', 'The FHIR server sent the export status to another server; the sync stopped so as not to send the access token there.');
  }

  const deadline = nowMs() + (opts.maxWaitMs ?? 3_600_000);
  let manifest: Manifest;
  for (let poll = 1; ; poll++) {
    const status = await opts.client.request(statusUrl, { accept: 'application/json' });
    if (status.status === 200) {
      manifest = JSON.parse(status.text) as Manifest;
      break;
    }
    if (nowMs() > deadline) {
      throw new AppError('STORE_UNAVAILABLE', 'The FHIR server has not finished the bulk export in time. Run the sync again later.');
    }
    const progress = status.headers.get('x-progress');
    const wait = Math.min(retryAfterMs(status.headers.get('retry-after')) ?? 1000 * 2 ** Math.min(poll, 5), 60_000);
    opts.onProgress?.(`Export in progress${progress ? ` (${progress.slice(0, 80)})` : ''}; checking again in ${Math.ceil(wait / 1000)} s.`);
    await sleep(wait);
  }
  if (typeof manifest.transactionTime !== 'string' || !Array.isArray(manifest.output)) {
    throw new AppError('VALIDATION', 'The FHIR server\'s bulk export manifest is not valid. Sync without --bulk instead.');
  }
  if (Array.isArray(manifest.error) && manifest.error.length > 0) {
    opts.onProgress?.(`The server reported ${manifest.error.length} error file(s) with its export; their resources are missing.`);
  }

  const rank = (t: unknown) => (t === 'Patient' ? 0 : 1);
  const outputs = [...manifest.output].sort((a, b) => rank(a.type) - rank(b.type));
  const idSystem = logicalIdSystem(base);
  const totals = { files: 0, resources: {} as Record<string, number>, patientsCreated: 0, added: 0, duplicates: 0, medications: 0, conditions: 0, rejected: [] as RejectedRow[], skipped: {} as Record<string, number> };
  for (const output of outputs) {
    if (typeof output.url !== 'string' || typeof output.type !== 'string') continue;
    if (new URL(output.url).origin !== new URL(base).origin) {
      throw new AppError('VALIDATION', 'An export file is on another server; the sync stopped so as not to send the access token there.');
    }
    const file = await opts.client.request(output.url, { accept: 'application/fhir+ndjson' });
    const builder = new FhirBatchBuilder({
      format: 'fhir-bulk',
      source: `fhir:${base}`,
      nowMs: nowMs(),
      logicalIdSystem: idSystem,
      knownPatient: (fhirId) => opts.store.findPatientByIdentifier(idSystem, fhirId),
    });
    let line = 0;
    for (const text of file.text.split('\n')) {
      line++;
      if (text.trim() === '') continue;
      try {
        builder.add(JSON.parse(text), line);
      } catch {
        builder.add(undefined, line);
      }
    }
    const batch = builder.build();
    const report = opts.store.writeAtomically(() => {
      const written = writeImportBatch(opts.store, batch, { file: base });
      addMonitoredConditions(opts.store, batch);
      return written;
    });
    totals.files++;
    totals.resources[output.type] = (totals.resources[output.type] ?? 0) + line - (file.text.endsWith('\n') ? 1 : 0);
    totals.patientsCreated += report.patients.filter((p) => p.created).length;
    totals.added += report.added;
    totals.duplicates += report.duplicates;
    totals.medications += report.medications;
    totals.conditions += report.conditions;
    totals.rejected.push(...report.rejected);
    for (const [k, n] of Object.entries(report.skipped)) totals.skipped[k] = (totals.skipped[k] ?? 0) + n;
    opts.onProgress?.(`Stored the ${output.type} export file.`);
  }
  const highWater = { ...state.highWater };
  for (const type of types) highWater[type] = manifest.transactionTime;
  opts.store.putMeta(stateKey, { version: 1, highWater } satisfies FhirSyncState);
  // The server may drop the files now; failing to ask is harmless.
  await opts.client.request(statusUrl, { method: 'DELETE' }).catch((err: unknown) => {
    if (!(err instanceof FhirRequestError)) throw err;
  });
  return { transactionTime: manifest.transactionTime, ...totals };
}
