/** The web host refuses other origins, other hosts (DNS rebinding) and connections without the launch token. */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { WEB_TOKEN_PROTOCOL_PREFIX } from '../shared/ipc/bridge.js';
import { removeDataDir, startServe, type RunningHost } from './support/web-host.js';

function get(host: RunningHost, headers: Record<string, string>, pathname = '/'): Promise<{ status: number; headers: Record<string, unknown> }> {
  const url = new URL(pathname, host.origin);
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: url.port, path: url.pathname, headers }, (res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0, headers: res.headers });
    });
    req.on('error', reject);
    req.end();
  });
}

function connect(host: RunningHost, origin: string, token: string): Promise<{ opened: boolean; status?: number; ws?: WebSocket }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${new URL(host.origin).port}/ipc`, [WEB_TOKEN_PROTOCOL_PREFIX + token], { origin });
    ws.on('open', () => resolve({ opened: true, ws }));
    ws.on('unexpected-response', (_req, res) => resolve({ opened: false, status: res.statusCode }));
    ws.on('error', () => resolve({ opened: false }));
  });
}

describe('web host request checks', () => {
  let host: RunningHost;
  beforeAll(async () => {
    host = await startServe([]);
  });
  afterAll(async () => {
    await host?.stop();
    if (host) removeDataDir(host.dataDir);
  });

  it('listens on 127.0.0.1 and serves the app with a strict CSP', async () => {
    expect(host.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const res = await get(host, { Host: new URL(host.origin).host });
    expect(res.status).toBe(200);
    expect(String(res.headers['content-security-policy'])).toContain("script-src 'self'");
    expect(String(res.headers['content-security-policy'])).toContain("default-src 'none'");
  });

  it('refuses a foreign Origin and a foreign Host header', async () => {
    const hostHeader = new URL(host.origin).host;
    expect((await get(host, { Host: hostHeader, Origin: 'http://evil.example' })).status).toBe(403);
    expect((await get(host, { Host: `evil.example:${new URL(host.origin).port}` })).status).toBe(403);
    expect((await get(host, { Host: `localhost:${new URL(host.origin).port}` })).status).toBe(403);
  });

  it('refuses path traversal', async () => {
    const res = await get(host, { Host: new URL(host.origin).host }, '/%2e%2e/%2e%2e/package.json');
    expect(res.status).toBe(404);
  });

  it('refuses WebSocket upgrades without our Origin or the launch token', async () => {
    expect((await connect(host, 'http://evil.example', host.token)).status).toBe(403);
    expect((await connect(host, host.origin, 'wrong-token')).status).toBe(403);
    const ok = await connect(host, host.origin, host.token);
    expect(ok.opened).toBe(true);
    const reply = await new Promise<unknown>((resolve) => {
      ok.ws!.once('message', (d) => resolve(JSON.parse(String(d))));
      ok.ws!.send(JSON.stringify({ type: 'invoke', id: 1, name: 'panel.list', args: {} }));
    });
    // Connected but not unlocked: PHI is refused with LOCKED, not served.
    expect(reply).toMatchObject({ type: 'result', id: 1, result: { ok: false, error: { code: 'LOCKED' } } });
    ok.ws!.close();
  });
});
