/**
 * The app:// protocol's file server, without Electron: maps a request URL to a file under the renderer
 * build (dist/renderer) and builds the response. Nothing outside that folder is ever read: the decoded
 * path must not be absolute, must not contain a `..` segment, and must still lie inside the root once
 * resolved. Every response, errors included, carries the CSP and nosniff headers.
 */
import { readFile, stat } from 'node:fs/promises';
import { mimeTypeFor, resolveBundlePath, securityHeaders as bundleSecurityHeaders } from '../core/renderer-bundle.js';
import { isAppOriginUrl } from './app-url.js';
import { contentSecurityPolicy } from './csp.js';

export { mimeTypeFor };

export type AppPathResolution =
  | { readonly kind: 'file'; readonly filePath: string }
  | { readonly kind: 'forbidden' };

/** Maps an app:// URL to a path inside rootDir, or refuses it. Whether the file exists is not checked here. */
export function resolveAppPath(rootDir: string, requestUrl: string): AppPathResolution {
  if (!isAppOriginUrl(requestUrl)) return { kind: 'forbidden' };
  const filePath = resolveBundlePath(rootDir, new URL(requestUrl).pathname);
  return filePath === null ? { kind: 'forbidden' } : { kind: 'file', filePath };
}

export interface AppResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  /** null for HEAD and for responses without content */
  readonly body: Uint8Array | null;
}

export function securityHeaders(): Record<string, string> {
  return bundleSecurityHeaders(contentSecurityPolicy());
}

function textResponse(status: number, text: string, extra: Record<string, string> = {}): AppResponse {
  return {
    status,
    headers: { ...securityHeaders(), 'Content-Type': 'text/plain; charset=utf-8', ...extra },
    body: new TextEncoder().encode(text),
  };
}

async function readRegularFile(filePath: string): Promise<Uint8Array | null> {
  try {
    if (!(await stat(filePath)).isFile()) return null;
    return await readFile(filePath);
  } catch {
    return null;
  }
}

/** Serves one request of the app:// protocol from rootDir. */
export async function serveAppRequest(rootDir: string, request: { readonly url: string; readonly method: string }): Promise<AppResponse> {
  const method = request.method.toUpperCase();
  if (method !== 'GET' && method !== 'HEAD') return textResponse(405, 'Method not allowed', { Allow: 'GET, HEAD' });

  const resolved = resolveAppPath(rootDir, request.url);
  if (resolved.kind === 'forbidden') return textResponse(403, 'Forbidden');

  const content = await readRegularFile(resolved.filePath);
  if (content === null) return textResponse(404, 'Not found');

  return {
    status: 200,
    headers: { ...securityHeaders(), 'Content-Type': mimeTypeFor(resolved.filePath), 'Content-Length': String(content.byteLength) },
    body: method === 'HEAD' ? null : content,
  };
}
