/**
 * How any host serves the built renderer (dist/renderer): which file a URL path names, its type, the
 * Content-Security-Policy and the security headers. Electron's app:// protocol and the web host both
 * use this, so the two hosts cannot drift apart.
 */
import path from 'node:path';

const MIME_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
};

/** With nosniff, an unknown type is never executed or rendered as markup. */
export function mimeTypeFor(filePath: string): string {
  return MIME_TYPES[path.extname(filePath).toLowerCase()] ?? 'application/octet-stream';
}

/**
 * Maps a URL path ('/assets/x.js', '/' for index.html) to a file inside rootDir, or null. Whether the
 * file exists is not checked. Refused: bad escapes, NUL, absolute or drive paths, any `..` segment
 * (also when spelled %2e%2e or with %2f / %5c separators), dot-files, and anything resolving outside root.
 */
export function resolveBundlePath(rootDir: string, urlPathname: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPathname);
  } catch {
    return null;
  }
  if (decoded.includes('\0')) return null;
  const relative = decoded === '/' ? 'index.html' : decoded.replace(/^\//, '');
  // `//etc/passwd`, `/C:/Windows`, `/\\server\share` arrive with one slash stripped: still absolute.
  if (path.posix.isAbsolute(relative) || path.win32.isAbsolute(relative) || /^[a-zA-Z]:/.test(relative)) return null;
  const segments = relative.split(/[\\/]/);
  if (segments.some((segment) => segment === '..' || segment.startsWith('.'))) return null;
  const root = path.resolve(rootDir);
  const filePath = path.resolve(root, relative);
  return filePath.startsWith(root + path.sep) ? filePath : null;
}

/**
 * Everything the page runs or shows comes from its own origin: no inline script or style, no eval, no
 * plugin, no framing, no form target. `data:` images are allowed for chart exports. `connect` adds the
 * web host's own WebSocket origin.
 */
export function contentSecurityPolicy(connect: readonly string[] = []): string {
  const directives: ReadonlyArray<readonly [string, string]> = [
    ['default-src', "'none'"],
    ['script-src', "'self'"],
    ['style-src', "'self'"],
    ['img-src', "'self' data:"],
    ['font-src', "'self'"],
    ['connect-src', ["'self'", ...connect].join(' ')],
    ['base-uri', "'none'"],
    ['form-action', "'none'"],
    ['frame-ancestors', "'none'"],
    ['object-src', "'none'"],
  ];
  return directives.map(([directive, sources]) => `${directive} ${sources}`).join('; ');
}

export function securityHeaders(csp: string): Record<string, string> {
  return {
    'Content-Security-Policy': csp,
    'X-Content-Type-Options': 'nosniff',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Referrer-Policy': 'no-referrer',
    'X-Frame-Options': 'DENY',
    'Cache-Control': 'no-cache',
  };
}
