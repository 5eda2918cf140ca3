/**
 * The test EHR: a FHIR R4 server (@medplum/fhir-router over a MemoryRepository, loaded from Synthea transaction
 * Bundles) and a SMART / OAuth 2 authorization server (oidc-provider) on one 127.0.0.1 port. FHIR endpoints live
 * under /fhir and require a valid access token; everything else is the authorization server.
 *
 * `startTestEhr` is what integration tests call (port 0); `npm run test-ehr` runs main.ts.
 */
import type { Bundle, OperationOutcome, Resource } from './fhir-types.js';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAuthorizationServer, type AuthorizationServer, type BackendClient } from './authorization-server.js';
import { BulkExports, DEFAULT_EXPORT_TYPES } from './bulk-export.js';
import { FaultInjector, type FaultKind } from './faults.js';
import { bundleFilesIn, TestFhirRepository } from './fhir-repository.js';

export { TEST_CLINICIAN } from './authorization-server.js';
export type { BackendClient } from './authorization-server.js';
export type { FaultKind } from './faults.js';

export interface TestEhrOptions {
  /** Directory of FHIR transaction Bundles (*.json), or the files themselves */
  readonly bundles: string | readonly string[];
  /** 0 (default) picks a free port */
  readonly port?: number;
  /** Every Nth FHIR request fails (429, 500, 401, dropped connection in turn); 0 = never */
  readonly failEvery?: number;
  readonly faultKinds?: readonly FaultKind[];
  /** Delay before each FHIR response */
  readonly latencyMs?: number;
  /** Retry-After of injected 429s and of $export status polls */
  readonly retryAfterSeconds?: number;
  /** Clients registered for SMART Backend Services (their public JWKS) */
  readonly backendClients?: readonly BackendClient[];
  /** Public client a clinician logs in with (authorization code + PKCE); default `caretwin-desktop` */
  readonly interactiveClientId?: string;
  readonly accessTokenTtlSeconds?: number;
  /** Largest page a search returns, whatever `_count` asks */
  readonly maxPageSize?: number;
  /** Status polls an $export job answers with 202 before its manifest */
  readonly exportPolls?: number;
}

export interface TestEhr {
  readonly fhirBaseUrl: string;
  readonly issuer: string;
  readonly interactiveClientId: string;
  /** FHIR requests served and faults injected so far */
  stats(): { requests: number; faults: Readonly<Record<FaultKind, number>> };
  /** Logical ids of the loaded Patients */
  patientIds(): Promise<string[]>;
  close(): Promise<void>;
}

const FHIR_JSON = 'application/fhir+json; charset=utf-8';

export async function startTestEhr(options: TestEhrOptions): Promise<TestEhr> {
  const files = typeof options.bundles === 'string' ? bundleFilesIn(options.bundles) : [...options.bundles];
  if (files.length === 0) throw new Error('No FHIR Bundles (*.json) to load: pass --bundles DIR with transaction Bundles.');
  const repo = await TestFhirRepository.fromBundles(files);
  const patients = (await repo.all('Patient')).map((p) => ({ id: p.id!, label: patientLabel(p) }));
  const faults = new FaultInjector({ failEvery: options.failEvery ?? 0, ...(options.faultKinds ? { kinds: options.faultKinds } : {}) });
  const exports = new BulkExports(repo, options.exportPolls ?? 2);
  const retryAfter = String(options.retryAfterSeconds ?? 1);
  const maxPage = options.maxPageSize ?? 500;
  const interactiveClientId = options.interactiveClientId ?? 'caretwin-desktop';

  // The authorization server needs its issuer URL, so the port, so it is created once the server listens.
  const late: { auth?: AuthorizationServer } = {};
  let origin = '';
  const server = http.createServer((req, res) => {
    if (late.auth === undefined) {
      res.writeHead(503).end();
      return;
    }
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (path === '/fhir' || path.startsWith('/fhir/')) {
      void serveFhir(req, res, late.auth).catch(() => {
        if (!res.headersSent) sendOutcome(res, 500, 'exception', 'The test EHR failed to answer this request.');
        else res.destroy();
      });
      return;
    }
    late.auth.handle(req, res);
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const fhirBase = `${origin}/fhir`;
  const auth = await createAuthorizationServer({
    issuer: origin,
    backendClients: options.backendClients ?? [],
    interactiveClientId,
    patients: () => patients,
    accessTokenTtlSeconds: options.accessTokenTtlSeconds ?? 300,
  });
  late.auth = auth;

  async function serveFhir(req: IncomingMessage, res: ServerResponse, auth: AuthorizationServer): Promise<void> {
    const url = new URL(req.url ?? '/', origin);
    const rel = url.pathname.slice('/fhir'.length).replace(/^\//, '');
    if (req.method === 'GET' && rel === '.well-known/smart-configuration') {
      sendJson(res, 200, auth.smartConfiguration, 'application/json');
      return;
    }
    if (req.method === 'GET' && rel === 'metadata') {
      sendJson(res, 200, capabilityStatement(origin));
      return;
    }
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const token = bearer === undefined ? undefined : await auth.findToken(bearer);
    if (token === undefined) {
      res.setHeader('www-authenticate', 'Bearer error="invalid_token"');
      sendOutcome(res, 401, 'login', 'The access token is missing, expired or revoked. Obtain a new access token.');
      return;
    }
    if (options.latencyMs) await new Promise((r) => setTimeout(r, options.latencyMs));
    const fault = faults.next();
    if (fault === 'throttle') {
      res.setHeader('retry-after', retryAfter);
      sendOutcome(res, 429, 'throttled', `Too many requests. Retry after ${retryAfter} s.`);
      return;
    }
    if (fault === 'server-error') {
      sendOutcome(res, 500, 'exception', 'The test EHR had an injected internal error.');
      return;
    }
    if (fault === 'expired-token') {
      await token.destroy();
      res.setHeader('www-authenticate', 'Bearer error="invalid_token", error_description="The access token expired"');
      sendOutcome(res, 401, 'expired', 'The access token expired. Obtain a new access token.');
      return;
    }
    const body = await answerFhir(req, url, rel);
    if (body === undefined) return void sendOutcome(res, 404, 'not-found', 'No such FHIR endpoint on the test EHR.');
    if ('status' in body) {
      for (const [k, v] of Object.entries(body.headers ?? {})) res.setHeader(k, v);
      if (body.text === undefined) {
        res.writeHead(body.status).end();
      } else {
        res.writeHead(body.status, { 'content-type': body.contentType ?? FHIR_JSON, 'content-length': Buffer.byteLength(body.text) });
        res.end(body.text);
      }
      return;
    }
    const text = JSON.stringify(body.json);
    if (fault === 'drop-connection') {
      // Headers promise the whole page; half of it arrives and then the connection is gone.
      res.writeHead(200, { 'content-type': FHIR_JSON, 'content-length': Buffer.byteLength(text) });
      res.write(text.slice(0, Math.floor(text.length / 2)));
      setTimeout(() => res.socket?.destroy(), 10);
      return;
    }
    sendJson(res, body.httpStatus ?? 200, body.json);
  }

  type Answer =
    | { json: unknown; httpStatus?: number }
    | { status: number; text?: string; contentType?: string; headers?: Record<string, string> };

  async function answerFhir(req: IncomingMessage, url: URL, rel: string): Promise<Answer | undefined> {
    const exportKickOff = /^(?:Patient\/|Group\/[^/]+\/)?\$export$/.exec(rel);
    if (exportKickOff && req.method === 'GET') {
      if (!/respond-async/.test(String(req.headers.prefer ?? ''))) {
        return { status: 400, text: JSON.stringify(outcome('invalid', 'Bulk export needs the header Prefer: respond-async.')) };
      }
      const types = url.searchParams.get('_type')?.split(',').filter(Boolean) ?? DEFAULT_EXPORT_TYPES;
      const id = await exports.kickOff(url.href, types, url.searchParams.get('_since') ?? undefined);
      return { status: 202, headers: { 'content-location': `${fhirBase}/$export-status/${id}` } };
    }
    const status = /^\$export-status\/([0-9a-f]+)$/.exec(rel);
    if (status?.[1] !== undefined) {
      if (req.method === 'DELETE') return { status: exports.cancel(status[1]) ? 202 : 404 };
      const polled = exports.poll(status[1], (job, type) => `${fhirBase}/$export-file/${job}/${type}.ndjson`);
      if (polled === undefined) return { status: 404, text: JSON.stringify(outcome('not-found', 'No such export job.')) };
      if ('progress' in polled) return { status: 202, headers: { 'x-progress': polled.progress, 'retry-after': retryAfter } };
      return { json: polled.manifest };
    }
    const file = /^\$export-file\/([0-9a-f]+)\/([A-Za-z]+)\.ndjson$/.exec(rel);
    if (file?.[1] !== undefined && file[2] !== undefined) {
      const text = exports.file(file[1], file[2]);
      return text === undefined ? undefined : { status: 200, text, contentType: 'application/fhir+ndjson' };
    }
    if (req.method !== 'GET' || !/^[A-Z][A-Za-z]+(\/[A-Za-z0-9\-.]{1,64})?$/.test(rel)) return undefined;
    if (rel.includes('/')) {
      const [outcomeRead, resource] = await repo.request('GET', rel);
      return resource ? { json: resource } : { json: outcomeRead, httpStatus: 404 };
    }
    return { json: await searchPage(rel, url.searchParams) };
  }

  /** One page of a search, with `self` and `next` links that carry `_count` and `_offset`. */
  async function searchPage(resourceType: string, params: URLSearchParams): Promise<Bundle | OperationOutcome> {
    const count = Math.min(Math.max(Number(params.get('_count') ?? 50) || 50, 1), maxPage);
    const offset = Math.max(Number(params.get('_offset') ?? 0) || 0, 0);
    const query = new URLSearchParams(params);
    query.set('_count', String(count));
    query.set('_offset', String(offset));
    const [oo, result] = await repo.request('GET', `${resourceType}?${repositoryQuery(query).toString()}`);
    if (!result) return oo;
    const bundle = result as Bundle;
    const link = [{ relation: 'self', url: `${fhirBase}/${resourceType}?${query.toString()}` }];
    if (bundle.total !== undefined && offset + count < bundle.total) {
      const next = new URLSearchParams(query);
      next.set('_offset', String(offset + count));
      link.push({ relation: 'next', url: `${fhirBase}/${resourceType}?${next.toString()}` });
    }
    return {
      ...bundle,
      meta: { lastUpdated: new Date().toISOString() },
      link,
      entry: (bundle.entry ?? []).map((e) => ({ fullUrl: `${fhirBase}/${resourceType}/${e.resource!.id}`, resource: e.resource, search: { mode: 'match' } })),
    };
  }

  return {
    fhirBaseUrl: fhirBase,
    issuer: origin,
    interactiveClientId,
    stats: () => ({ requests: faults.requestCount, faults: { ...faults.injected } }),
    patientIds: async () => patients.map((p) => p.id),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * The same search in the form the MemoryRepository answers fast. Its `patient` parameter evaluates
 * `subject.where(resolve() is Patient)` per resource (seconds per page); for these resources the subject is the
 * patient, so `subject` selects the same. `_sort=_lastUpdated` is the repository's own order: nothing is written
 * after loading, so insertion order is lastUpdated order, and sorting by FHIRPath per comparison is slow.
 */
function repositoryQuery(query: URLSearchParams): URLSearchParams {
  const out = new URLSearchParams(query);
  const patient = out.get('patient');
  if (patient !== null) {
    out.delete('patient');
    out.set('subject', patient.includes('/') ? patient : `Patient/${patient}`);
  }
  if (out.get('_sort') === '_lastUpdated') out.delete('_sort');
  return out;
}

function patientLabel(p: Resource): string {
  const name = (p as { name?: { given?: string[]; family?: string }[] }).name?.[0];
  return [...(name?.given ?? []), name?.family ?? ''].join(' ').trim() || (p.id ?? 'patient');
}

function outcome(code: string, diagnostics: string): OperationOutcome {
  return { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: code as 'invalid', diagnostics }] };
}

function sendOutcome(res: ServerResponse, status: number, code: string, diagnostics: string): void {
  sendJson(res, status, outcome(code, diagnostics));
}

function sendJson(res: ServerResponse, status: number, body: unknown, contentType = FHIR_JSON): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  res.end(text);
}

function capabilityStatement(origin: string): Record<string, unknown> {
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    kind: 'instance',
    fhirVersion: '4.0.1',
    format: ['json'],
    rest: [
      {
        mode: 'server',
        security: {
          service: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/restful-security-service', code: 'SMART-on-FHIR' }] }],
          extension: [
            {
              url: 'http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris',
              extension: [
                { url: 'authorize', valueUri: `${origin}/auth` },
                { url: 'token', valueUri: `${origin}/token` },
              ],
            },
          ],
        },
      },
    ],
  };
}
