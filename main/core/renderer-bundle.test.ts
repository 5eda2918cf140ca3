import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { contentSecurityPolicy, mimeTypeFor, resolveBundlePath } from './renderer-bundle.js';

const root = path.resolve('/srv/caretwin/renderer');

describe('resolveBundlePath', () => {
  it('serves files under the renderer folder, / as index.html', () => {
    expect(resolveBundlePath(root, '/assets/index-abc.js')).toBe(path.join(root, 'assets/index-abc.js'));
    expect(resolveBundlePath(root, '/')).toBe(path.join(root, 'index.html'));
  });
  it('refuses to leave the folder, however the path is spelled', () => {
    for (const p of ['/../package.json', '/assets/../../x', '/%2e%2e/%2e%2e/etc/passwd', '/..%2fx', '/%5c..%5cx', '/a%00b', '//etc/passwd', '/C:/Windows']) {
      expect(resolveBundlePath(root, p), p).toBeNull();
    }
  });
  it('refuses dot-files and malformed escapes', () => {
    expect(resolveBundlePath(root, '/.env')).toBeNull();
    expect(resolveBundlePath(root, '/%E0%A4%A')).toBeNull();
  });
});

describe('headers', () => {
  it('names types for what the renderer ships', () => {
    expect(mimeTypeFor('a.js')).toMatch(/javascript/);
    expect(mimeTypeFor('a.CSS')).toMatch(/css/);
    expect(mimeTypeFor('a.exe')).toBe('application/octet-stream');
  });
  it('allows only our own scripts, and the web host its own WebSocket', () => {
    const csp = contentSecurityPolicy(['ws://127.0.0.1:4321']);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self' ws://127.0.0.1:4321");
    expect(csp).not.toMatch(/unsafe-(inline|eval)/);
    expect(contentSecurityPolicy()).toContain("connect-src 'self';");
  });
});
