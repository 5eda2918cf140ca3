/**
 * A clinician's interactive login to a FHIR server: SMART App Launch, standalone, with PKCE, through a loopback
 * redirect (RFC 8252): a temporary listener on 127.0.0.1 and a random port receives the authorization code, the
 * system browser shows the EHR's login page. fhirclient runs the protocol (discovery, state, PKCE, code exchange,
 * refresh) against the listener's own request and response objects.
 */
import NodeAdapterModule from 'fhirclient/lib/adapters/NodeAdapter.js';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AppError } from '../../../shared/ipc/errors.js';
import type { AccessTokenSource } from './fhir-http.js';

// fhirclient's Node adapter is CommonJS with a default export: under Node's ESM loader it arrives as `.default`.
const NodeAdapter = (NodeAdapterModule as unknown as { default?: typeof NodeAdapterModule }).default ?? NodeAdapterModule;

/**
 * fhirclient's SMART API on one request/response. `refreshTokenWithClientId`: a public client names itself in
 * the refresh request (RFC 6749 3.2.1); servers such as oidc-provider refuse a refresh without it.
 */
function smart(request: IncomingMessage, response: ServerResponse, storage: Storage) {
  const options = { request, response, storage, refreshTokenWithClientId: true };
  return new NodeAdapter(options as ConstructorParameters<typeof NodeAdapter>[0]).getSmartApi();
}

interface Storage {
  set(key: string, value: unknown): Promise<unknown>;
  get(key: string): Promise<unknown>;
  unset(key: string): Promise<boolean>;
}

type SmartClient = Awaited<ReturnType<ReturnType<typeof smart>['ready']>>;

export interface SmartLaunchOptions {
  readonly fhirBaseUrl: string;
  readonly clientId: string;
  /** Also ask for a patient (`launch/patient`); the token response's `patient` then narrows the sync. */
  readonly patientLaunch?: boolean;
  /** Shows the login page: the CLI opens the system browser; tests drive it with Playwright. */
  readonly openBrowser: (url: string) => void | Promise<void>;
  /** How long the user has to log in */
  readonly timeoutMs?: number;
}

export interface SmartSession extends AccessTokenSource {
  /** The patient chosen at login, for a patient launch */
  readonly patientId: string | undefined;
}

/** Scopes of a clinician's panel sync: read access to the user's patients, and a refresh token. */
export function interactiveScope(patientLaunch: boolean): string {
  return patientLaunch ? 'openid fhirUser offline_access launch/patient patient/*.read' : 'openid fhirUser offline_access user/*.read';
}

export async function smartStandaloneLaunch(opts: SmartLaunchOptions): Promise<SmartSession> {
  // fhirclient keeps the launch state (PKCE verifier, state key) here: one launch, in memory, never on disk.
  const memory = new Map<string, unknown>();
  const storage: Storage = {
    set: async (key: string, value: unknown) => {
      memory.set(key, value);
      return value;
    },
    get: async (key: string) => memory.get(key),
    unset: async (key: string) => memory.delete(key),
  };

  let settle: { resolve: (c: SmartClient) => void; reject: (e: Error) => void } | undefined;
  const done = new Promise<SmartClient>((resolve, reject) => (settle = { resolve, reject }));
  let redirectUri = '';

  const listener = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/launch') {
      smart(req, res, storage)
        .authorize({ iss: opts.fhirBaseUrl, clientId: opts.clientId, scope: interactiveScope(opts.patientLaunch ?? false), redirectUri, pkceMode: 'required' })
        .catch(() => {
          answer(res, 502, 'The FHIR server\'s sign-in could not be started. Close this window and check the FHIR base URL.');
          settle?.reject(new AppError('STORE_UNAVAILABLE', 'The SMART sign-in could not be started: the FHIR server does not publish a usable SMART configuration.'));
        });
      return;
    }
    if (path === '/callback') {
      callback(req, res).catch(() => undefined);
      return;
    }
    answer(res, 404, 'Not found.');
  });

  async function callback(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const params = new URL(req.url ?? '/', redirectUri).searchParams;
    const error = params.get('error');
    if (error) {
      answer(res, 400, 'Sign-in was not completed. You can close this window.');
      settle?.reject(new AppError('FORBIDDEN', `The EHR did not grant access (${error.slice(0, 60)}). Sign in again and allow access.`));
      return;
    }
    try {
      const client = await smart(req, res, storage).ready();
      answer(res, 200, 'Signed in to the EHR. You can close this window and return to CareTwin.');
      settle?.resolve(client);
    } catch {
      answer(res, 400, 'Sign-in could not be completed. Close this window and start the sync again.');
      settle?.reject(new AppError('FORBIDDEN', 'The authorization code could not be exchanged for a token. Start the sync again and sign in.'));
    }
  }

  await new Promise<void>((resolve, reject) => {
    listener.once('error', reject);
    listener.listen(0, '127.0.0.1', () => resolve());
  });
  const origin = `http://127.0.0.1:${(listener.address() as AddressInfo).port}`;
  redirectUri = `${origin}/callback`;
  const timer = setTimeout(
    () => settle?.reject(new AppError('FORBIDDEN', 'Nobody signed in to the EHR in time. Start the sync again when ready to sign in.')),
    opts.timeoutMs ?? 300_000,
  );
  let client: SmartClient;
  try {
    await opts.openBrowser(`${origin}/launch`);
    client = await done;
  } finally {
    clearTimeout(timer);
    listener.closeAllConnections();
    listener.close();
  }

  const tokenResponse = () => client.state.tokenResponse ?? {};
  const accessToken = async (): Promise<string> => {
    const token = tokenResponse().access_token;
    if (typeof token !== 'string') throw new AppError('FORBIDDEN', 'The EHR gave no access token. Sign in again.');
    return token;
  };
  return {
    patientId: typeof tokenResponse().patient === 'string' ? (tokenResponse().patient as string) : undefined,
    accessToken,
    async renew() {
      if (typeof tokenResponse().refresh_token !== 'string') {
        throw new AppError('FORBIDDEN', 'The access token expired and the EHR gave no refresh token. Run the sync again and sign in.');
      }
      try {
        await client.refresh();
      } catch {
        throw new AppError('FORBIDDEN', 'The EHR refused to renew the access token. Run the sync again and sign in.');
      }
      return accessToken();
    },
  };
}

function answer(res: ServerResponse, status: number, text: string): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(`<!doctype html><html><head><title>CareTwin sign-in</title></head><body><p id="status">${text}</p></body></html>`);
}
