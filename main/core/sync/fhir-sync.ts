/**
 * Incremental FHIR sync into the store. Per resource type it searches from the stored `_lastUpdated` high-water
 * mark, follows the Bundle's `next` links, maps each page to an ImportBatch and writes that page, together with
 * the advanced high-water mark, in one store transaction. An interrupted sync therefore resumes from the last
 * committed page; a page fetched twice is harmless (samples dedupe by time, records by source id, patients by
 * identifier).
 */
import { createHash } from 'node:crypto';
import { AppError } from '../../../shared/ipc/errors.js';
import type { Condition } from '../../../shared/domain/conditions.js';
import { FhirBatchBuilder, monitoredCondition } from '../ingest/fhir/map-resources.js';
import type { ImportBatch, ImportReport, RejectedRow } from '../ingest/importer.js';
import { writeImportBatch, type ImportStore } from '../ingest/write-batch.js';
import type { FhirHttpClient } from './fhir-http.js';

/** Patients first: later pages refer to them. Consent is read to count it (see map-resources.ts). */
export const SYNC_RESOURCE_TYPES = [
  'Patient',
  'Condition',
  'Observation',
  'MedicationRequest',
  'MedicationStatement',
  'MedicationAdministration',
] as const;

export interface FhirSyncOptions {
  readonly store: ImportStore;
  readonly client: FhirHttpClient;
  readonly resourceTypes?: readonly string[];
  /** Search `_count` */
  readonly pageSize?: number;
  /** SMART patient launch: only this patient's data */
  readonly patientId?: string;
  readonly nowMs?: () => number;
  readonly onProgress?: (progress: FhirSyncProgress) => void;
}

export interface FhirSyncProgress {
  readonly resourceType: string;
  readonly pages: number;
  readonly resources: number;
}

export interface FhirSyncReport {
  readonly fhirBaseUrl: string;
  readonly pages: number;
  readonly resources: Readonly<Record<string, number>>;
  readonly patientsCreated: number;
  readonly added: number;
  readonly duplicates: number;
  readonly medications: number;
  readonly conditions: number;
  readonly byStream: Readonly<Record<string, number>>;
  readonly rejected: readonly RejectedRow[];
  readonly skipped: Readonly<Record<string, number>>;
  readonly ms: number;
}

/** What the store keeps per FHIR server between syncs (encrypted under the store key). */
export interface FhirSyncState {
  readonly version: 1;
  /** Resource type -> newest `meta.lastUpdated` written (ISO instant) */
  readonly highWater: Record<string, string>;
}

interface SearchBundle {
  resourceType?: unknown;
  link?: { relation?: unknown; url?: unknown }[];
  entry?: { fullUrl?: unknown; resource?: unknown }[];
}

/** Meta key of a server's sync state: the URL is hashed so the setting name stays short and fixed. */
export function syncStateKey(fhirBaseUrl: string): string {
  return `sync.fhir.${createHash('sha256').update(normaliseBase(fhirBaseUrl)).digest('hex').slice(0, 32)}`;
}

/** The identifier system a FHIR Patient's logical id is stored under, so the sync finds the patient again. */
export function logicalIdSystem(fhirBaseUrl: string): string {
  return `${normaliseBase(fhirBaseUrl)}/Patient`;
}

export async function syncFhir(opts: FhirSyncOptions): Promise<FhirSyncReport> {
  const started = (opts.nowMs ?? Date.now)();
  const base = normaliseBase(opts.client.baseUrl);
  const stateKey = syncStateKey(base);
  const idSystem = logicalIdSystem(base);
  const state: FhirSyncState = opts.store.getMeta<FhirSyncState>(stateKey) ?? { version: 1, highWater: {} };
  const totals = {
    pages: 0,
    resources: {} as Record<string, number>,
    patientsCreated: 0,
    added: 0,
    duplicates: 0,
    medications: 0,
    conditions: 0,
    byStream: {} as Record<string, number>,
    rejected: [] as RejectedRow[],
    skipped: {} as Record<string, number>,
  };
  let position = 0;

  for (const type of opts.resourceTypes ?? SYNC_RESOURCE_TYPES) {
    const params = new URLSearchParams({ _count: String(opts.pageSize ?? 200), _sort: '_lastUpdated' });
    const mark = state.highWater[type];
    // `ge`, not `gt`: resources stamped in the same millisecond as the mark but not yet read are not lost; the
    // few read again are duplicates the store recognises.
    if (mark) params.set('_lastUpdated', `ge${mark}`);
    if (opts.patientId) params.set(type === 'Patient' ? '_id' : 'patient', type === 'Patient' ? opts.patientId : `Patient/${opts.patientId}`);
    let url: string | undefined = `${base}/${type}?${params.toString()}`;
    let pages = 0;
    while (url !== undefined) {
      const page: SearchBundle = await opts.client.getJson<SearchBundle>(url);
      if (page.resourceType !== 'Bundle') {
        throw new AppError('VALIDATION', `The FHIR server answered a ${type} search with something other than a Bundle. Check the FHIR base URL.`);
      }
      const builder = new FhirBatchBuilder({
        format: 'fhir-sync',
        source: `fhir:${base}`,
        nowMs: (opts.nowMs ?? Date.now)(),
        logicalIdSystem: idSystem,
        knownPatient: (fhirId) => opts.store.findPatientByIdentifier(idSystem, fhirId),
      });
      let newest = mark;
      for (const entry of page.entry ?? []) {
        builder.add(entry.resource, ++position, typeof entry.fullUrl === 'string' ? entry.fullUrl : undefined);
        const updated = (entry.resource as { meta?: { lastUpdated?: unknown } } | undefined)?.meta?.lastUpdated;
        if (typeof updated === 'string' && (newest === undefined || Date.parse(updated) > Date.parse(newest))) newest = updated;
      }
      const batch = builder.build();
      const pageState: FhirSyncState = newest ? { version: 1, highWater: { ...state.highWater, [type]: newest } } : state;
      const report = writePage(opts.store, batch, base, stateKey, pageState);
      totals.patientsCreated += report.patients.filter((p) => p.created).length;
      totals.added += report.added;
      totals.duplicates += report.duplicates;
      totals.medications += report.medications;
      totals.conditions += report.conditions;
      for (const [stream, n] of Object.entries(report.byStream)) totals.byStream[stream] = (totals.byStream[stream] ?? 0) + n;
      totals.rejected.push(...report.rejected);
      for (const [kind, n] of Object.entries(report.skipped)) totals.skipped[kind] = (totals.skipped[kind] ?? 0) + n;
      if (newest) state.highWater[type] = newest;
      pages++;
      totals.pages++;
      totals.resources[type] = (totals.resources[type] ?? 0) + (page.entry?.length ?? 0);
      opts.onProgress?.({ resourceType: type, pages, resources: totals.resources[type] });
      url = nextLink(page, base);
    }
  }
  return { fhirBaseUrl: base, ...totals, ms: (opts.nowMs ?? Date.now)() - started };
}

/** The page's data and the advanced high-water mark: one transaction, so neither is stored without the other. */
function writePage(store: ImportStore, batch: ImportBatch, base: string, stateKey: string, pageState: FhirSyncState): ImportReport {
  return store.writeAtomically(() => {
    const report = writeImportBatch(store, batch, { file: base });
    addMonitoredConditions(store, batch);
    store.putMeta(stateKey, pageState);
    return report;
  });
}

/**
 * A sync reads Conditions in pages after their Patients, so the monitored conditions (diabetes, heart failure)
 * they carry are added to the stored profiles here; the twin picks its models from the profile.
 */
export function addMonitoredConditions(store: ImportStore, batch: ImportBatch): void {
  const byPatient = new Map<string, Set<Condition>>();
  for (const c of batch.conditions) {
    const monitored = monitoredCondition(c.system, c.code);
    if (monitored === undefined || store.getPatient(c.patientRef) === undefined) continue;
    let set = byPatient.get(c.patientRef);
    if (set === undefined) byPatient.set(c.patientRef, (set = new Set()));
    set.add(monitored);
  }
  for (const [patientId, conditions] of byPatient) {
    const profile = store.getPatient(patientId)!.profile;
    const missing = [...conditions].filter((c) => !profile.conditions.includes(c));
    if (missing.length > 0) store.updatePatientProfile(patientId, { ...profile, conditions: [...profile.conditions, ...missing] });
  }
}

/** The `next` link, accepted only on the same server: a page must not send the bearer token elsewhere. */
function nextLink(page: SearchBundle, base: string): string | undefined {
  const next = page.link?.find((l) => l.relation === 'next')?.url;
  if (typeof next !== 'string') return undefined;
  if (new URL(next).origin !== new URL(base).origin) {
    throw new AppError('VALIDATION', 'The FHIR server sent a next-page link to another server; the sync stopped so as not to send the access token there.');
  }
  return next;
}

function normaliseBase(url: string): string {
  return url.replace(/\/+$/, '');
}
