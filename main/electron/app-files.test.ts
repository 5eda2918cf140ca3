import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mimeTypeFor, resolveAppPath, serveAppRequest } from './app-files.js';
import { contentSecurityPolicy } from './csp.js';

let sandbox: string;
let root: string;

beforeAll(async () => {
  sandbox = await mkdtemp(path.join(os.tmpdir(), 'caretwin-app-files-'));
  root = path.join(sandbox, 'renderer');
  await mkdir(path.join(root, 'assets'), { recursive: true });
  await writeFile(path.join(root, 'index.html'), '<!doctype html><title>CareTwin</title>');
  await writeFile(path.join(root, 'assets', 'index-abc.js'), 'console.log(1)');
  await writeFile(path.join(root, 'assets', 'index-abc.css'), 'body{}');
  // Outside the root: must never be served.
  await writeFile(path.join(sandbox, 'secret.txt'), 'PHI');
  await writeFile(path.join(sandbox, 'renderer-sibling.txt'), 'PHI');
});

afterAll(async () => {
  await rm(sandbox, { recursive: true, force: true });
});

const get = (url: string) => serveAppRequest(root, { url, method: 'GET' });
const text = (body: Uint8Array | null) => (body === null ? null : new TextDecoder().decode(body));

describe('resolveAppPath', () => {
  it('maps the app page and its assets inside the root', () => {
    expect(resolveAppPath(root, 'app://caretwin/index.html')).toEqual({ kind: 'file', filePath: path.join(root, 'index.html') });
    expect(resolveAppPath(root, 'app://caretwin/')).toEqual({ kind: 'file', filePath: path.join(root, 'index.html') });
    expect(resolveAppPath(root, 'app://caretwin/assets/index-abc.js?v=1#x')).toEqual({ kind: 'file', filePath: path.join(root, 'assets', 'index-abc.js') });
    expect(resolveAppPath(root, 'app://caretwin/assets/a%20b.png')).toEqual({ kind: 'file', filePath: path.join(root, 'assets', 'a b.png') });
  });

  it('refuses traversal, encoded or not', () => {
    for (const url of [
      'app://caretwin/..%2fsecret.txt',
      'app://caretwin/assets/..%2f..%2fsecret.txt',
      'app://caretwin/%2e%2e%2fsecret.txt',
      'app://caretwin/..%5csecret.txt',
      'app://caretwin/assets%2f..%2f..%2fsecret.txt',
    ]) {
      expect(resolveAppPath(root, url), url).toEqual({ kind: 'forbidden' });
    }
  });

  it('refuses absolute paths', () => {
    for (const url of ['app://caretwin//etc/passwd', 'app://caretwin/%2fetc%2fpasswd', 'app://caretwin/C:/Windows/win.ini', 'app://caretwin/%5c%5cserver%5cshare%5cx']) {
      expect(resolveAppPath(root, url), url).toEqual({ kind: 'forbidden' });
    }
  });

  it('refuses other origins, NUL bytes and malformed escapes', () => {
    for (const url of ['app://other/index.html', 'https://caretwin/index.html', 'app://caretwin/index.html%00.js', 'app://caretwin/%E0%A4%A', 'nonsense']) {
      expect(resolveAppPath(root, url), url).toEqual({ kind: 'forbidden' });
    }
  });
});

describe('serveAppRequest', () => {
  it('serves index.html and assets with their MIME types and the CSP', async () => {
    const page = await get('app://caretwin/index.html');
    expect(page.status).toBe(200);
    expect(page.headers['Content-Type']).toBe('text/html; charset=utf-8');
    expect(page.headers['Content-Security-Policy']).toBe(contentSecurityPolicy());
    expect(page.headers['X-Content-Type-Options']).toBe('nosniff');
    expect(text(page.body)).toContain('<title>CareTwin</title>');

    const script = await get('app://caretwin/assets/index-abc.js');
    expect(script.status).toBe(200);
    expect(script.headers['Content-Type']).toBe('text/javascript; charset=utf-8');
    expect((await get('app://caretwin/assets/index-abc.css')).headers['Content-Type']).toBe('text/css; charset=utf-8');
  });

  it('answers 404 for unknown files and folders, with the CSP', async () => {
    for (const url of ['app://caretwin/missing.js', 'app://caretwin/assets/', 'app://caretwin/assets']) {
      const r = await get(url);
      expect(r.status, url).toBe(404);
      expect(r.headers['Content-Security-Policy']).toBe(contentSecurityPolicy());
    }
  });

  it('never returns a file outside the root', async () => {
    for (const url of [
      'app://caretwin/../secret.txt',
      'app://caretwin/%2e%2e/secret.txt',
      'app://caretwin/..%2fsecret.txt',
      'app://caretwin/..%2frenderer-sibling.txt',
      'app://caretwin//' + path.join(sandbox, 'secret.txt').replace(/^\//, ''),
    ]) {
      const r = await get(url);
      expect([403, 404], url).toContain(r.status);
      expect(text(r.body), url).not.toContain('PHI');
      expect(r.headers['Content-Security-Policy']).toBe(contentSecurityPolicy());
    }
  });

  it('answers HEAD without a body and refuses other methods', async () => {
    const head = await serveAppRequest(root, { url: 'app://caretwin/index.html', method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.body).toBeNull();
    const post = await serveAppRequest(root, { url: 'app://caretwin/index.html', method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.Allow).toBe('GET, HEAD');
  });
});

describe('mimeTypeFor', () => {
  it('knows the renderer build types and never guesses the rest', () => {
    expect(mimeTypeFor('a.woff2')).toBe('font/woff2');
    expect(mimeTypeFor('a.SVG')).toBe('image/svg+xml');
    expect(mimeTypeFor('a.wasm')).toBe('application/wasm');
    expect(mimeTypeFor('a.exe')).toBe('application/octet-stream');
    expect(mimeTypeFor('Makefile')).toBe('application/octet-stream');
  });
});
