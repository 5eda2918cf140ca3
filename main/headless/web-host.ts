/**
 * `caretwin serve`: the same services and the unchanged renderer bundle over HTTP + WebSocket on
 * 127.0.0.1 only. A per-launch random token (given once in the READY line's URL fragment, never sent in
 * a request URL) gates the WebSocket; Host and Origin are checked on every request and upgrade so other
 * sites and DNS-rebinding pages cannot reach the API.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { IpcRouter } from '../ipc/router.js';
import { WEB_TOKEN_PROTOCOL_PREFIX as TOKEN_PROTOCOL_PREFIX, type WireRequest, type WireResponse } from '../../shared/ipc/bridge.js';
import { contentSecurityPolicy, mimeTypeFor, resolveBundlePath, securityHeaders } from '../core/renderer-bundle.js';

const MAX_MESSAGE_BYTES = 1 << 20;

export interface WebHostOptions {
  readonly router: IpcRouter;
  /** Folder with the built renderer (index.html, assets/). */
  readonly rendererDir: string;
  /** The built browser bridge script, served as /bridge.js. */
  readonly bridgeScript: string;
  /** 0 or undefined: a random free port. */
  readonly port?: number;
}

export interface WebHost {
  readonly port: number;
  readonly origin: string;
  readonly token: string;
  /** The URL to open: the token travels in the fragment, which browsers never send to servers. */
  readonly url: string;
  close(): Promise<void>;
}

function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export async function startWebHost(options: WebHostOptions): Promise<WebHost> {
  const token = randomBytes(32).toString('base64url');
  const rendererRoot = path.resolve(options.rendererDir);
  const indexHtml = await readFile(path.join(rendererRoot, 'index.html'), 'utf8');
  // The bridge must exist before the app's module runs: a classic script ahead of it in <head>.
  const servedIndex = indexHtml.replace(/<head>/i, '<head>\n    <script src="./bridge.js"></script>');
  let origin = '';
  let hostHeader = '';
  let csp = '';

  const sockets = new Set<WebSocket>();
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });

  function requestAllowed(req: IncomingMessage): boolean {
    if (req.headers.host !== hostHeader) return false;
    const reqOrigin = req.headers.origin;
    if (reqOrigin !== undefined && reqOrigin !== origin) return false;
    const site = req.headers['sec-fetch-site'];
    return site === undefined || site === 'same-origin' || site === 'none';
  }

  function send(res: ServerResponse, status: number, type: string, body: string | Buffer): void {
    res.writeHead(status, { ...securityHeaders(csp), 'Content-Type': type });
    res.end(body);
  }

  const server = createServer((req, res) => {
    void (async () => {
      if (!requestAllowed(req)) return send(res, 403, 'text/plain; charset=utf-8', 'Forbidden');
      if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain; charset=utf-8', 'Method not allowed');
      const url = new URL(req.url ?? '/', origin);
      if (url.pathname === '/' || url.pathname === '/index.html') return send(res, 200, 'text/html; charset=utf-8', servedIndex);
      if (url.pathname === '/bridge.js') return send(res, 200, 'text/javascript; charset=utf-8', options.bridgeScript);
      const file = resolveBundlePath(rendererRoot, url.pathname);
      if (!file) return send(res, 404, 'text/plain; charset=utf-8', 'Not found');
      try {
        send(res, 200, mimeTypeFor(file), await readFile(file));
      } catch {
        send(res, 404, 'text/plain; charset=utf-8', 'Not found');
      }
    })();
  });

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const protocols = String(req.headers['sec-websocket-protocol'] ?? '')
      .split(',')
      .map((p) => p.trim());
    const tokenProtocol = protocols.find((p) => p.startsWith(TOKEN_PROTOCOL_PREFIX));
    const pathOk = new URL(req.url ?? '/', origin).pathname === '/ipc';
    // Unlike plain requests, an upgrade must carry our exact Origin: browsers always send it for WebSockets.
    const ok =
      pathOk &&
      req.headers.host === hostHeader &&
      req.headers.origin === origin &&
      tokenProtocol !== undefined &&
      sameToken(tokenProtocol.slice(TOKEN_PROTOCOL_PREFIX.length), token);
    if (!ok) {
      socket.write('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => serveConnection(ws, tokenProtocol));
  });

  // ws answers the handshake with the first protocol offered unless told otherwise: echo the token one.
  wss.options.handleProtocols = (protocols: Set<string>) => [...protocols].find((p) => p.startsWith(TOKEN_PROTOCOL_PREFIX)) ?? false;

  let nextConnection = 1;
  function serveConnection(ws: WebSocket, _protocol: string): void {
    sockets.add(ws);
    const ctx = { host: 'web' as const, connectionId: `ws-${nextConnection++}` };
    const subscriptions = new Map<number, () => void>();
    const reply = (msg: WireResponse): void => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(msg));
    };
    ws.on('message', (data, isBinary) => {
      if (isBinary) return ws.close(1003, 'text only');
      let msg: WireRequest;
      try {
        msg = JSON.parse(String(data)) as WireRequest;
      } catch {
        return ws.close(1007, 'malformed message');
      }
      if (typeof msg !== 'object' || msg === null || typeof msg.id !== 'number') return ws.close(1007, 'malformed message');
      const id = msg.id;
      if (msg.type === 'invoke') {
        void options.router.invoke(ctx, msg.name, msg.args).then((result) => reply({ type: 'result', id, result }));
      } else if (msg.type === 'subscribe') {
        if (subscriptions.has(id)) return;
        const stop = options.router.subscribe(ctx, msg.name, msg.args, (frame) => {
          reply({ type: 'frame', id, frame });
          if (frame.type !== 'next') subscriptions.delete(id);
        });
        subscriptions.set(id, stop);
      } else if (msg.type === 'unsubscribe') {
        subscriptions.get(id)?.();
        subscriptions.delete(id);
      } else {
        ws.close(1007, 'malformed message');
      }
    });
    ws.on('close', () => {
      for (const stop of subscriptions.values()) stop();
      subscriptions.clear();
      sockets.delete(ws);
    });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('web host: no TCP address');
  const port = address.port;
  origin = `http://127.0.0.1:${port}`;
  hostHeader = `127.0.0.1:${port}`;
  csp = contentSecurityPolicy([`ws://127.0.0.1:${port}`]);

  return {
    port,
    origin,
    token,
    url: `${origin}/#token=${token}`,
    async close() {
      for (const ws of sockets) ws.terminate();
      wss.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
