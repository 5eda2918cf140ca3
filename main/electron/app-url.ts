/**
 * Where the app page lives and which URLs the shell lets the renderer reach. Pure (no electron import)
 * so the navigation and request policies are unit-tested without the Electron binary.
 *
 * Node's URL parser gives non-special schemes an opaque origin ("null"), so origins are compared by
 * protocol and host, never by `URL.origin`.
 */
export const APP_SCHEME = 'app';
export const APP_HOST = 'caretwin';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_ENTRY_PATH = '/index.html';
export const APP_ENTRY_URL = `${APP_ORIGIN}${APP_ENTRY_PATH}`;

function parseUrl(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

function hasAppOrigin(u: URL): boolean {
  // `host` includes the port, so app://caretwin:1/ is refused too.
  return u.protocol === `${APP_SCHEME}:` && u.host === APP_HOST && u.username === '' && u.password === '';
}

/** True when the URL belongs to the app's own origin, app://caretwin. */
export function isAppOriginUrl(url: string): boolean {
  const u = parseUrl(url);
  return u !== null && hasAppOrigin(u);
}

/**
 * The navigation policy: a window may only ever show the app page itself. A fragment is allowed
 * (it does not change the document); a query, another path, another host or scheme is not.
 */
export function isAllowedNavigation(url: string): boolean {
  const u = parseUrl(url);
  return u !== null && hasAppOrigin(u) && u.pathname === APP_ENTRY_PATH && u.search === '';
}

/**
 * The request policy for the session: the renderer may load its own files and inline data, nothing
 * from the network or the file system. This holds even if a compromised renderer ignores its CSP,
 * because the session's request filter runs in the main process.
 */
export function isAllowedRequestUrl(url: string, opts: { allowDevTools: boolean }): boolean {
  const u = parseUrl(url);
  if (u === null) return false;
  if (hasAppOrigin(u)) return true;
  if (u.protocol === 'data:' || u.protocol === 'blob:') return true;
  return opts.allowDevTools && u.protocol === 'devtools:';
}
