/**
 * Nightscout client: reads new CGM entries of one patient from a Nightscout site (REST API v1
 * `GET /api/v1/entries.json?find[date][$gt]=...&count=...`) since the last sync, and maps them with the Nightscout
 * entries importer itself, so a synced entry and an imported file entry become the same Sample.
 *
 * Nightscout answers newest first and at most `count` entries, so a sync pages backwards (`$lte` the oldest date
 * seen) until a page is short, and advances its mark to the newest date only when every page is stored.
 */
import { createHash } from 'node:crypto';
import { AppError } from '../../../shared/ipc/errors.js';
import { nightscoutEntries } from '../ingest/formats/nightscout.js';
import type { ImportReport, RejectedRow } from '../ingest/importer.js';
import { writeImportBatch, type ImportStore } from '../ingest/write-batch.js';
import { FhirHttpClient, FhirRequestError, type RetryPolicy } from './fhir-http.js';

export type NightscoutAuth = { readonly apiSecret: string } | { readonly token: string };

export interface NightscoutSyncOptions {
  readonly store: ImportStore;
  /** Site URL, e.g. https://my-cgm.example.org */
  readonly siteUrl: string;
  /** The stored patient whose CGM this site holds */
  readonly patientId: string;
  readonly auth: NightscoutAuth;
  readonly pageSize?: number;
  readonly retry?: RetryPolicy;
  readonly nowMs?: () => number;
  readonly fetch?: typeof fetch;
}

export interface NightscoutSyncReport {
  readonly pages: number;
  readonly entries: number;
  readonly added: number;
  readonly duplicates: number;
  readonly rejected: readonly RejectedRow[];
  readonly skipped: Readonly<Record<string, number>>;
  /** Newest entry time now stored (epoch ms), or null when the site had none */
  readonly lastEntryMs: number | null;
}

interface NightscoutState {
  readonly version: 1;
  readonly lastEntryMs: number;
}

export function nightscoutStateKey(siteUrl: string, patientId: string): string {
  return `sync.nightscout.${createHash('sha256').update(`${siteUrl.replace(/\/+$/, '')}\n${patientId}`).digest('hex').slice(0, 32)}`;
}

export async function syncNightscout(opts: NightscoutSyncOptions): Promise<NightscoutSyncReport> {
  if (opts.store.getPatient(opts.patientId) === undefined) {
    throw new AppError('NOT_FOUND', 'That patient is not in this store. Name the patient with --patient ID (see "caretwin patients").');
  }
  const site = opts.siteUrl.replace(/\/+$/, '');
  const stateKey = nightscoutStateKey(site, opts.patientId);
  const since = opts.store.getMeta<NightscoutState>(stateKey)?.lastEntryMs ?? 0;
  const count = opts.pageSize ?? 1000;
  // The API secret travels as its SHA-1 hex digest (Nightscout's `api-secret` header), never in plain text.
  const headers: Record<string, string> = 'apiSecret' in opts.auth ? { 'api-secret': createHash('sha1').update(opts.auth.apiSecret).digest('hex') } : {};
  const http = new FhirHttpClient(site, null, {
    serverLabel: 'Nightscout site',
    ...(opts.retry ? { retry: opts.retry } : {}),
    fetch: (input, init) => (opts.fetch ?? fetch)(input, { ...init, headers: { ...(init?.headers as Record<string, string>), ...headers } }),
  });

  let upTo: number | undefined;
  let newest: number | null = since > 0 ? since : null;
  const totals = { pages: 0, entries: 0, added: 0, duplicates: 0, rejected: [] as RejectedRow[], skipped: {} as Record<string, number> };
  for (;;) {
    const params = new URLSearchParams({ 'find[date][$gt]': String(since), count: String(count) });
    if (upTo !== undefined) params.set('find[date][$lte]', String(upTo));
    if ('token' in opts.auth) params.set('token', opts.auth.token);
    const res = await http.request(`${site}/api/v1/entries.json?${params.toString()}`, { accept: 'application/json' }).catch((err: unknown) => {
      if (err instanceof FhirRequestError && err.status === 401) {
        throw new AppError('FORBIDDEN', 'The Nightscout site refused the API secret or token. Check it (the token needs the readable role).');
      }
      throw err;
    });
    let entries: unknown;
    try {
      entries = JSON.parse(res.text);
    } catch {
      throw new AppError('VALIDATION', 'The Nightscout site sent entries that are not JSON. Check the site URL.');
    }
    if (!Array.isArray(entries)) throw new AppError('VALIDATION', 'The Nightscout site did not answer with a list of entries. Check the site URL.');
    totals.pages++;
    totals.entries += entries.length;
    const dates = entries.map((e: { date?: unknown }) => Number(e?.date)).filter(Number.isFinite);
    const report = await storePage(opts, res.text, site);
    totals.added += report.added;
    totals.duplicates += report.duplicates;
    totals.rejected.push(...report.rejected);
    for (const [k, n] of Object.entries(report.skipped)) totals.skipped[k] = (totals.skipped[k] ?? 0) + n;
    if (dates.length > 0) newest = Math.max(newest ?? 0, ...dates);
    if (entries.length < count || dates.length === 0) break;
    const oldest = Math.min(...dates);
    // More than a page of entries at one instant cannot be paged by date: take the rest strictly older.
    upTo = upTo === oldest ? oldest - 1 : oldest;
  }
  if (newest !== null && newest > since) opts.store.putMeta(stateKey, { version: 1, lastEntryMs: newest } satisfies NightscoutState);
  return { ...totals, lastEntryMs: newest };
}

async function storePage(opts: NightscoutSyncOptions, text: string, site: string): Promise<ImportReport> {
  const bytes = new TextEncoder().encode(text);
  const batch = await nightscoutEntries.read(
    {
      fileName: `${site}/api/v1/entries.json`,
      sizeBytes: bytes.byteLength,
      async *open() {
        yield bytes;
      },
    },
    { patientId: opts.patientId, zone: null, nowMs: (opts.nowMs ?? Date.now)(), onProgress: () => undefined },
  );
  return writeImportBatch(opts.store, batch, { file: site });
}
