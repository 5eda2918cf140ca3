// oidc-provider ships no types; the ambient declaration of the parts used here is a .d.ts an import cannot name.
// eslint-disable-next-line @typescript-eslint/triple-slash-reference
/// <reference path="./oidc-provider.d.ts" />
/**
 * The test EHR's OAuth 2 / SMART authorization server, built on oidc-provider: authorization code + PKCE for a
 * clinician's standalone launch (a login page that also asks for the patient when `launch/patient` is requested;
 * the chosen patient comes back as the `patient` token response parameter) and client_credentials with a
 * private_key_jwt client assertion for SMART Backend Services. Access tokens are opaque; the FHIR endpoints check
 * them through the provider's own token store.
 */
import { generateKeyPair, exportJWK, type JWK } from 'jose';
import type { IncomingMessage, ServerResponse } from 'node:http';
import Provider, { type StoredToken } from 'oidc-provider';

/** A clinician who can log in on the test login page. */
export const TEST_CLINICIAN = { username: 'clinician', password: 'caretwin-test' } as const;

export const SMART_SCOPES = [
  'launch/patient',
  'fhirUser',
  'patient/*.read',
  'patient/*.rs',
  'user/*.read',
  'system/*.read',
  'system/*.rs',
] as const;

export interface BackendClient {
  readonly clientId: string;
  /** Public keys of the client (its JWKS), registered with the server */
  readonly jwks: { keys: JWK[] };
}

export interface AuthorizationServerOptions {
  readonly issuer: string;
  readonly backendClients: readonly BackendClient[];
  /** Client id of the public (PKCE) client a clinician logs in with */
  readonly interactiveClientId: string;
  /** Logical ids of the Patients the login page offers for `launch/patient` */
  readonly patients: () => readonly { id: string; label: string }[];
  readonly accessTokenTtlSeconds: number;
}

export interface AuthorizationServer {
  /** Handles every OAuth request (anything outside /fhir). */
  handle(req: IncomingMessage, res: ServerResponse): void;
  /** The stored token for a bearer value, or undefined when unknown, revoked or expired. */
  findToken(bearer: string): Promise<StoredToken | undefined>;
  readonly smartConfiguration: Record<string, unknown>;
}

export async function createAuthorizationServer(opts: AuthorizationServerOptions): Promise<AuthorizationServer> {
  const signingKey = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(signingKey.privateKey)), kid: 'test-ehr-signing', alg: 'RS256', use: 'sig' };
  const launchPatientByGrant = new Map<string, string>();

  const provider = new Provider(opts.issuer, {
    clients: [
      ...opts.backendClients.map((c) => ({
        client_id: c.clientId,
        token_endpoint_auth_method: 'private_key_jwt',
        jwks: c.jwks,
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
        scope: 'system/*.read system/*.rs',
      })),
      {
        client_id: opts.interactiveClientId,
        application_type: 'native',
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        // RFC 8252 7.3: a native client's loopback redirect may use any port; oidc-provider allows that for native clients.
        redirect_uris: ['http://127.0.0.1/callback'],
      },
    ],
    jwks: { keys: [jwk] },
    scopes: ['openid', 'offline_access', ...SMART_SCOPES],
    claims: { openid: ['sub'], fhirUser: ['fhirUser'] },
    features: {
      clientCredentials: { enabled: true },
      introspection: { enabled: true },
      revocation: { enabled: true },
      devInteractions: { enabled: false },
    },
    clientAuthMethods: ['none', 'private_key_jwt'],
    enabledJWA: { clientAuthSigningAlgValues: ['RS384', 'ES384', 'RS256', 'ES256'] },
    pkce: { required: () => true },
    ttl: {
      AccessToken: opts.accessTokenTtlSeconds,
      ClientCredentials: opts.accessTokenTtlSeconds,
      AuthorizationCode: 60,
      Interaction: 600,
      Grant: 3600,
      Session: 3600,
      RefreshToken: 3600,
    },
    // A SMART client asks for `offline_access` without `prompt=consent`; the clinician's login here is the consent.
    issueRefreshToken: (_ctx: unknown, client: { grantTypeAllowed(t: string): boolean }) => client.grantTypeAllowed('refresh_token'),
    cookies: { keys: ['test-ehr-cookie-key-not-secret'] },
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
    findAccount: (_ctx: unknown, sub: string) => ({ accountId: sub, claims: () => ({ sub, fhirUser: `Practitioner/${sub}` }) }),
    renderError: (ctx: { type: string; body: string }, out: { error: string; error_description?: string }) => {
      ctx.type = 'html';
      ctx.body = `<!doctype html><title>Sign-in error</title><p>${escapeHtml(out.error)}: ${escapeHtml(out.error_description ?? '')}</p>`;
    },
  });

  // SMART: the token response carries the launch context (`patient`) the clinician chose at login.
  provider.use(async (ctx, next) => {
    await next();
    if (ctx.path !== '/token' || ctx.method !== 'POST' || ctx.status !== 200) return;
    const grantId = ctx.oidc?.entities.AccessToken?.grantId;
    const patient = grantId === undefined ? undefined : launchPatientByGrant.get(grantId);
    if (patient !== undefined && typeof ctx.body === 'object' && ctx.body !== null) {
      ctx.body = { ...(ctx.body as Record<string, unknown>), patient };
    }
  });

  const callback = provider.callback();

  async function interaction(req: IncomingMessage, res: ServerResponse, uid: string): Promise<void> {
    const details = await provider.interactionDetails(req, res);
    if (details.uid !== uid) throw new Error('interaction mismatch');
    const scopes = String(details.params.scope ?? '').split(' ').filter(Boolean);
    if (req.method === 'GET') {
      const askPatient = scopes.includes('launch/patient');
      const options = opts.patients().map((p) => `<option value="${escapeHtml(p.id)}">${escapeHtml(p.label)}</option>`).join('');
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(`<!doctype html><html><head><title>Test EHR sign-in</title></head><body>
<h1>Test EHR sign-in</h1>
<form method="post" action="/interaction/${escapeHtml(uid)}">
<label>User name <input name="username" autocomplete="username"></label>
<label>Password <input name="password" type="password" autocomplete="current-password"></label>
${askPatient ? `<label>Patient <select name="patient">${options}</select></label>` : ''}
<p>Requested access: ${escapeHtml(scopes.join(' '))}</p>
<button type="submit">Sign in and allow</button>
</form></body></html>`);
      return;
    }
    const form = new URLSearchParams(await readBody(req));
    if (form.get('username') !== TEST_CLINICIAN.username || form.get('password') !== TEST_CLINICIAN.password) {
      res.writeHead(401, { 'content-type': 'text/html; charset=utf-8' });
      res.end('<!doctype html><title>Sign-in failed</title><p>Wrong user name or password. Go back and try again.</p>');
      return;
    }
    const accountId = TEST_CLINICIAN.username;
    const grant = new provider.Grant({ accountId, clientId: String(details.params.client_id) });
    grant.addOIDCScope(scopes.join(' '));
    const grantId = await grant.save();
    const patient = form.get('patient');
    if (scopes.includes('launch/patient') && patient) launchPatientByGrant.set(grantId, patient);
    await provider.interactionFinished(req, res, { login: { accountId }, consent: { grantId } }, { mergeWithLastSubmission: false });
  }

  return {
    handle(req, res) {
      const m = /^\/interaction\/([A-Za-z0-9_-]{1,64})$/.exec((req.url ?? '').split('?')[0] ?? '');
      if (m?.[1] !== undefined) {
        interaction(req, res, m[1]).catch(() => {
          if (!res.headersSent) res.writeHead(400, { 'content-type': 'text/plain' });
          res.end('This sign-in has expired or is not valid. Start the sign-in again from the app.');
        });
        return;
      }
      // SMART treats offline_access as an ordinary scope; OpenID Connect (and so oidc-provider) drops it unless the
      // request says prompt=consent. The login page here is the consent, so a SMART request gets that prompt.
      if (req.method === 'GET' && req.url?.startsWith('/auth?')) {
        const url = new URL(req.url, opts.issuer);
        if (url.searchParams.get('scope')?.split(' ').includes('offline_access') && !url.searchParams.has('prompt')) {
          url.searchParams.set('prompt', 'consent');
          req.url = `${url.pathname}${url.search}`;
        }
      }
      callback(req, res);
    },
    async findToken(bearer) {
      const token = (await provider.AccessToken.find(bearer)) ?? (await provider.ClientCredentials.find(bearer));
      return token === undefined || token.isExpired ? undefined : token;
    },
    smartConfiguration: {
      issuer: opts.issuer,
      jwks_uri: `${opts.issuer}/jwks`,
      authorization_endpoint: `${opts.issuer}/auth`,
      token_endpoint: `${opts.issuer}/token`,
      introspection_endpoint: `${opts.issuer}/token/introspection`,
      revocation_endpoint: `${opts.issuer}/token/revocation`,
      grant_types_supported: ['authorization_code', 'client_credentials', 'refresh_token'],
      token_endpoint_auth_methods_supported: ['private_key_jwt', 'none'],
      token_endpoint_auth_signing_alg_values_supported: ['RS384', 'ES384'],
      scopes_supported: ['openid', 'offline_access', ...SMART_SCOPES],
      response_types_supported: ['code'],
      code_challenge_methods_supported: ['S256'],
      capabilities: [
        'launch-standalone',
        'client-public',
        'client-confidential-asymmetric',
        'context-standalone-patient',
        'permission-offline',
        'permission-patient',
        'permission-v1',
        'permission-v2',
      ],
    },
  };
}

export function readBody(req: IncomingMessage, limitBytes = 1_000_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limitBytes) {
        reject(new Error('request body too large'));
        req.destroy();
        return;
      }
      parts.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
    req.on('error', reject);
  });
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
