/**
 * SMART Backend Services: unattended access with client_credentials and a private_key_jwt client assertion
 * (RS384 or ES384) signed with jose. The server holds the client's public JWKS; a 401 is answered with a new
 * assertion (there is no refresh token in this flow).
 */
import { importJWK, importPKCS8, SignJWT, type CryptoKey, type JWK } from 'jose';
import { randomUUID } from 'node:crypto';
import { AppError } from '../../../shared/ipc/errors.js';
import type { AccessTokenSource } from './fhir-http.js';
import { discoverSmartConfiguration } from './smart-configuration.js';

export type AssertionAlg = 'RS384' | 'ES384';

export interface BackendServicesKey {
  readonly key: CryptoKey | Uint8Array;
  readonly alg: AssertionAlg;
  /** Key id the server finds the public key under in the client's JWKS */
  readonly kid?: string;
}

export interface BackendServicesOptions {
  readonly fhirBaseUrl: string;
  readonly clientId: string;
  readonly signingKey: BackendServicesKey;
  readonly scope?: string;
  readonly fetch?: typeof fetch;
}

export const DEFAULT_SYSTEM_SCOPE = 'system/*.read';

/** Reads a private key file: a JWK (JSON, with `alg` or a key type that implies one) or PKCS#8 PEM. */
export async function loadSigningKey(fileText: string, algHint?: AssertionAlg): Promise<BackendServicesKey> {
  const text = fileText.trim();
  if (text.startsWith('{')) {
    let jwk: JWK;
    try {
      jwk = JSON.parse(text) as JWK;
    } catch {
      throw new AppError('VALIDATION', 'The key file is not valid JSON. Give a private JWK or a PKCS#8 PEM file.');
    }
    if (jwk.d === undefined) throw new AppError('VALIDATION', 'The key file holds a public key; the sync needs the private key.');
    const alg = (jwk.alg as AssertionAlg | undefined) ?? algHint ?? (jwk.kty === 'EC' ? 'ES384' : 'RS384');
    checkAlg(alg);
    return { key: (await importJWK(jwk, alg)) as CryptoKey, alg, ...(jwk.kid ? { kid: jwk.kid } : {}) };
  }
  if (!text.includes('BEGIN PRIVATE KEY')) {
    throw new AppError('VALIDATION', 'The key file is neither a JWK nor a PKCS#8 PEM private key ("BEGIN PRIVATE KEY").');
  }
  for (const alg of algHint ? [algHint] : (['RS384', 'ES384'] as const)) {
    try {
      return { key: await importPKCS8(text, alg), alg };
    } catch {
      // The other algorithm's key type: try the next.
    }
  }
  throw new AppError('VALIDATION', 'The PEM key is neither an RSA nor a P-384 EC private key. Backend Services needs RS384 or ES384.');
}

function checkAlg(alg: string): asserts alg is AssertionAlg {
  if (alg !== 'RS384' && alg !== 'ES384') {
    throw new AppError('VALIDATION', `SMART Backend Services signs with RS384 or ES384; the key says ${alg.slice(0, 10)}.`);
  }
}

export class BackendServicesTokens implements AccessTokenSource {
  private current: Promise<string> | undefined;
  private tokenEndpoint: string | undefined;

  constructor(private readonly opts: BackendServicesOptions) {}

  accessToken(): Promise<string> {
    this.current ??= this.obtain();
    return this.current;
  }

  renew(): Promise<string> {
    this.current = this.obtain();
    return this.current;
  }

  private async obtain(): Promise<string> {
    const fetchFn = this.opts.fetch ?? fetch;
    try {
      this.tokenEndpoint ??= (await discoverSmartConfiguration(this.opts.fhirBaseUrl, fetchFn)).token_endpoint;
      const { key, alg, kid } = this.opts.signingKey;
      const assertion = await new SignJWT({})
        .setProtectedHeader({ alg, typ: 'JWT', ...(kid ? { kid } : {}) })
        .setIssuer(this.opts.clientId)
        .setSubject(this.opts.clientId)
        .setAudience(this.tokenEndpoint)
        .setJti(randomUUID())
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(key);
      const body = new URLSearchParams({
        grant_type: 'client_credentials',
        scope: this.opts.scope ?? DEFAULT_SYSTEM_SCOPE,
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: assertion,
      });
      let res: Response;
      try {
        res = await fetchFn(this.tokenEndpoint, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }, body });
      } catch {
        throw new AppError('STORE_UNAVAILABLE', 'The authorization server could not be reached for an access token. Check the network and try again.');
      }
      const json = (await res.json().catch(() => ({}))) as { access_token?: unknown; error?: unknown; error_description?: unknown };
      if (!res.ok || typeof json.access_token !== 'string') {
        const said = [json.error, json.error_description].filter((s) => typeof s === 'string').join(': ').slice(0, 200);
        throw new AppError(
          'FORBIDDEN',
          `The authorization server refused the client credentials (${res.status}${said ? `, ${said}` : ''}). ` +
            'Check the client id, that its public key (JWKS) is registered with the server, and the key file.',
        );
      }
      return json.access_token;
    } catch (err) {
      // A failed attempt must not be cached: the next request tries again.
      this.current = undefined;
      throw err;
    }
  }
}
