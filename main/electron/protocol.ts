/**
 * The app:// scheme: registered as privileged before `ready` (standard URLs, a secure context, fetch),
 * then served from the renderer build by app-files.ts. corsEnabled lets Chromium apply its CORS checks
 * to the scheme, which module scripts (vite writes `crossorigin` on them) need in order to load at all;
 * no other privilege is granted: no CSP bypass, no service workers.
 */
import { protocol } from 'electron';
import { APP_SCHEME } from './app-url.js';
import { securityHeaders, serveAppRequest } from './app-files.js';

/** Must run before the app's `ready` event. */
export function registerAppSchemeAsPrivileged(): void {
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: true } }]);
}

/** Serves app://caretwin/<path> from rendererRoot on the default session. Call after `ready`. */
export function serveAppProtocol(rendererRoot: string): void {
  protocol.handle(APP_SCHEME, async (request) => {
    try {
      const { status, headers, body } = await serveAppRequest(rendererRoot, { url: request.url, method: request.method });
      // A copy typed on a plain ArrayBuffer, which is what Response's BodyInit accepts.
      return new Response(body === null ? null : new Uint8Array(body), { status, headers });
    } catch {
      return new Response('Internal error', { status: 500, headers: { ...securityHeaders(), 'Content-Type': 'text/plain; charset=utf-8' } });
    }
  });
}
