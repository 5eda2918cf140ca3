/**
 * HTTP to a FHIR server for the sync: bearer tokens with renewal on 401, retries with exponential backoff for
 * throttling (429/503, honouring Retry-After), server errors and dropped connections, and errors that show the
 * server's OperationOutcome text, never a resource's content.
 */
import { AppError } from '../../../shared/ipc/errors.js';

/** Where access tokens come from: a SMART launch (refresh) or Backend Services (a new client assertion). */
export interface AccessTokenSource {
  /** The current access token (obtaining one if there is none yet). */
  accessToken(): Promise<string>;
  /** Called after a 401: a new token, by refresh or re-assertion. */
  renew(): Promise<string>;
}

export interface RetryPolicy {
  /** Tries per request, the first included */
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  /** Longest wait between tries; a Retry-After longer than this fails the request instead of stalling the sync. */
  readonly maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 6, baseDelayMs: 250, maxDelayMs: 30_000 };

export interface FhirHttpOptions {
  readonly retry?: RetryPolicy;
  /** Told about each retry (what happened and how long we wait), for the CLI's progress lines. */
  readonly onRetry?: (notice: string) => void;
  readonly fetch?: typeof fetch;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly signal?: AbortSignal;
  /** How messages name the server, e.g. `FHIR server` (default), `Nightscout site` */
  readonly serverLabel?: string;
}

export interface FhirHttpResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
}

/** A FHIR request that failed for good: status and the server's OperationOutcome text (no PHI). */
export class FhirRequestError extends AppError {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(status === 401 || status === 403 ? 'FORBIDDEN' : 'STORE_UNAVAILABLE', message);
  }
}

const RETRY_STATUSES = new Set([429, 500, 502, 503, 504]);

export class FhirHttpClient {
  private readonly retry: RetryPolicy;
  private readonly fetchFn: typeof fetch;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    readonly baseUrl: string,
    private readonly tokens: AccessTokenSource | null,
    private readonly opts: FhirHttpOptions = {},
  ) {
    this.retry = opts.retry ?? DEFAULT_RETRY;
    this.fetchFn = opts.fetch ?? fetch;
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  private get label(): string {
    return this.opts.serverLabel ?? 'FHIR server';
  }

  /** GET a FHIR JSON resource (a Bundle page, a manifest) by absolute URL or path relative to the base. */
  async getJson<T = unknown>(url: string): Promise<T> {
    const res = await this.request(url, { accept: 'application/fhir+json' });
    if (res.status !== 200) throw new FhirRequestError(res.status, `The ${this.label} answered ${res.status} where data was expected.`);
    try {
      return JSON.parse(res.text) as T;
    } catch {
      throw new FhirRequestError(res.status, `The ${this.label} sent a response that is not JSON. Try again later, or ask its administrator.`);
    }
  }

  /**
   * One request with retries. Returns 2xx responses (the body read completely); throws FhirRequestError for
   * other statuses once retries are used up.
   */
  async request(url: string, init: { accept?: string; method?: string; prefer?: string } = {}): Promise<FhirHttpResponse> {
    const target = this.resolve(url);
    let renewed = false;
    let lastProblem = '';
    for (let attempt = 1; ; attempt++) {
      this.opts.signal?.throwIfAborted();
      const headers: Record<string, string> = { accept: init.accept ?? 'application/fhir+json' };
      if (init.prefer) headers.prefer = init.prefer;
      if (this.tokens) headers.authorization = `Bearer ${await this.tokens.accessToken()}`;
      let res: Response;
      let text: string;
      try {
        res = await this.fetchFn(target, { method: init.method ?? 'GET', headers, ...(this.opts.signal ? { signal: this.opts.signal } : {}) });
        // A connection dropped mid-body fails here, not in fetch(): both are retried alike.
        text = await res.text();
      } catch (err) {
        if (this.opts.signal?.aborted) throw err;
        lastProblem = 'the connection was lost';
        if (attempt >= this.retry.maxAttempts) break;
        await this.wait(attempt, undefined, lastProblem);
        continue;
      }
      if (res.status >= 200 && res.status < 300) return { status: res.status, headers: res.headers, text };
      if (res.status === 401 && this.tokens && !renewed) {
        // One renewal per request: a second 401 with a fresh token means the client is not allowed, not expired.
        renewed = true;
        this.opts.onRetry?.('The access token expired; obtaining a new one.');
        await this.tokens.renew();
        attempt--;
        continue;
      }
      lastProblem = `${res.status}${outcomeText(text)}`;
      if (!RETRY_STATUSES.has(res.status) || attempt >= this.retry.maxAttempts) {
        throw new FhirRequestError(res.status, requestFailedMessage(this.label, res.status, text));
      }
      await this.wait(attempt, retryAfterMs(res.headers.get('retry-after')), `the server answered ${lastProblem}`);
    }
    throw new FhirRequestError(0, `The ${this.label} could not be reached after ${this.retry.maxAttempts} tries (${lastProblem}). Check the network and run the sync again; it resumes where it stopped.`);
  }

  resolve(url: string): string {
    if (/^https?:\/\//.test(url)) return url;
    return `${this.baseUrl.replace(/\/$/, '')}/${url.replace(/^\//, '')}`;
  }

  private async wait(attempt: number, retryAfter: number | undefined, why: string): Promise<void> {
    const backoff = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** (attempt - 1));
    if (retryAfter !== undefined && retryAfter > this.retry.maxDelayMs) {
      throw new FhirRequestError(429, `The ${this.label} asked to wait ${Math.ceil(retryAfter / 1000)} s before the next request. Run the sync again later; it resumes where it stopped.`);
    }
    const ms = Math.max(backoff, retryAfter ?? 0);
    this.opts.onRetry?.(`Retrying in ${(ms / 1000).toFixed(1)} s: ${why.replace(/\.$/, '')}.`);
    await this.sleep(ms);
  }
}

/** Retry-After as seconds or an HTTP date, in ms from now. */
export function retryAfterMs(value: string | null, nowMs = Date.now()): number | undefined {
  if (value === null) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const t = Date.parse(value);
  return Number.isFinite(t) ? Math.max(0, t - nowMs) : undefined;
}

/**
 * The text of an OperationOutcome (its issues' diagnostics or details), shortened; servers put explanations
 * there, not patient data, and length is capped all the same.
 */
export function outcomeText(body: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return '';
  }
  const oo = parsed as { resourceType?: unknown; issue?: unknown };
  if (oo.resourceType !== 'OperationOutcome' || !Array.isArray(oo.issue)) return '';
  const texts = oo.issue
    .map((i: { diagnostics?: unknown; details?: { text?: unknown }; code?: unknown }) =>
      typeof i.diagnostics === 'string' ? i.diagnostics : typeof i.details?.text === 'string' ? i.details.text : typeof i.code === 'string' ? i.code : '',
    )
    .filter(Boolean);
  return texts.length ? `: ${texts.join('; ').slice(0, 300)}` : '';
}

function requestFailedMessage(label: string, status: number, body: string): string {
  const said = outcomeText(body);
  if (status === 401) return `The ${label} refused the access token (401${said}). Sign in again or check the client's registration.`;
  if (status === 403) return `The ${label} does not allow this client to read these data (403${said}). Ask its administrator for the scopes.`;
  if (status === 404) return `The ${label} has no such endpoint (404${said}). Check its URL.`;
  return `The ${label} answered ${status}${said}. Run the sync again later; it resumes where it stopped.`;
}
