/**
 * A minimal Nightscout site on 127.0.0.1 for the Nightscout client's tests: `GET /api/v1/entries.json` with
 * `find[date][$gt|$gte|$lt|$lte]` and `count`, newest first as Nightscout answers, and Nightscout's two ways to
 * authenticate: the `api-secret` header (SHA-1 hex of the API secret) or `?token=`.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface NightscoutEntry {
  readonly date: number;
  readonly [key: string]: unknown;
}

export interface NightscoutServerOptions {
  readonly entries: readonly NightscoutEntry[];
  readonly apiSecret: string;
  readonly token: string;
  /** Nightscout's default when `count` is absent */
  readonly defaultCount?: number;
}

export interface NightscoutServer {
  readonly url: string;
  /** Entries arriving later (a sensor keeps uploading) */
  add(entries: readonly NightscoutEntry[]): void;
  /** Requests answered, and how many were refused for authentication */
  stats(): { requests: number; unauthorized: number };
  close(): Promise<void>;
}

export async function startNightscoutServer(opts: NightscoutServerOptions): Promise<NightscoutServer> {
  const entries = [...opts.entries];
  const secretHash = createHash('sha1').update(opts.apiSecret).digest('hex');
  let requests = 0;
  let unauthorized = 0;
  const server = http.createServer((req, res) => {
    requests++;
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const send = (status: number, body: unknown) => {
      const text = JSON.stringify(body);
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    };
    if (req.method !== 'GET' || url.pathname !== '/api/v1/entries.json') return send(404, { status: 404, message: 'Not found' });
    const authorised = req.headers['api-secret'] === secretHash || url.searchParams.get('token') === opts.token;
    if (!authorised) {
      unauthorized++;
      return send(401, { status: 401, message: 'Unauthorized', description: 'Invalid/Missing' });
    }
    const bound = (op: string) => {
      const v = url.searchParams.get(`find[date][${op}]`);
      return v === null ? undefined : Number(v);
    };
    const [gt, gte, lt, lte] = [bound('$gt'), bound('$gte'), bound('$lt'), bound('$lte')];
    const count = Number(url.searchParams.get('count') ?? opts.defaultCount ?? 10);
    const found = entries
      .filter((e) => (gt === undefined || e.date > gt) && (gte === undefined || e.date >= gte) && (lt === undefined || e.date < lt) && (lte === undefined || e.date <= lte))
      .sort((a, b) => b.date - a.date)
      .slice(0, count);
    send(200, found);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    add: (more) => entries.push(...more),
    stats: () => ({ requests, unauthorized }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
