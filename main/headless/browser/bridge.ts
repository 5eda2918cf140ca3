/**
 * The web host's bridge, served as /bridge.js and run as a classic script before the renderer's module:
 * it gives the page the same `window.caretwin` {invoke, subscribe} that Electron's preload gives, over a
 * WebSocket to the host that served it. The launch token comes from the URL fragment (#token=...), is
 * kept in sessionStorage for reloads of this tab, and is removed from the address bar at once.
 */
import { BRIDGE_GLOBAL, WEB_TOKEN_PROTOCOL_PREFIX, type CareTwinBridge, type InvokeResult, type StreamFrame, type WireRequest, type WireResponse } from '../../../shared/ipc/bridge.js';

const TOKEN_KEY = 'caretwin.token';

function takeToken(): string | null {
  const match = /(?:^#|&)token=([A-Za-z0-9_-]+)/.exec(location.hash);
  if (match?.[1]) {
    sessionStorage.setItem(TOKEN_KEY, match[1]);
    history.replaceState(null, '', location.pathname + location.search);
    return match[1];
  }
  return sessionStorage.getItem(TOKEN_KEY);
}

const token = takeToken();
const lost = { code: 'STORE_UNAVAILABLE', message: 'Lost the connection to the CareTwin web host. Check that it is still running, then reload.' };
const noToken = { code: 'FORBIDDEN', message: 'This page was opened without its access token. Open the address that "caretwin serve" printed.' };

let socket: WebSocket | null = null;
let nextId = 1;
const pendingCalls = new Map<number, (result: InvokeResult) => void>();
const streams = new Map<number, (frame: StreamFrame) => void>();
const outbox: string[] = [];

function connect(): WebSocket {
  if (socket && socket.readyState <= WebSocket.OPEN) return socket;
  const ws = new WebSocket(`ws://${location.host}/ipc`, [WEB_TOKEN_PROTOCOL_PREFIX + (token ?? '')]);
  ws.addEventListener('open', () => {
    for (const m of outbox.splice(0)) ws.send(m);
  });
  ws.addEventListener('message', (event) => {
    const msg = JSON.parse(String(event.data)) as WireResponse;
    if (msg.type === 'result') {
      pendingCalls.get(msg.id)?.(msg.result);
      pendingCalls.delete(msg.id);
    } else if (msg.type === 'frame') {
      streams.get(msg.id)?.(msg.frame);
      if (msg.frame.type !== 'next') streams.delete(msg.id);
    }
  });
  ws.addEventListener('close', () => {
    socket = null;
    outbox.length = 0;
    for (const resolve of pendingCalls.values()) resolve({ ok: false, error: lost });
    pendingCalls.clear();
    for (const onFrame of streams.values()) onFrame({ type: 'error', error: lost });
    streams.clear();
  });
  socket = ws;
  return ws;
}

function post(msg: WireRequest): void {
  const ws = connect();
  const text = JSON.stringify(msg);
  if (ws.readyState === WebSocket.OPEN) ws.send(text);
  else outbox.push(text);
}

const bridge: CareTwinBridge = Object.freeze({
  invoke(name: string, args: unknown): Promise<InvokeResult> {
    if (!token) return Promise.resolve({ ok: false, error: noToken } as InvokeResult);
    const id = nextId++;
    return new Promise<InvokeResult>((resolve) => {
      pendingCalls.set(id, resolve);
      post({ type: 'invoke', id, name: String(name), args });
    });
  },
  subscribe(name: string, args: unknown, onFrame: (frame: StreamFrame) => void): () => void {
    if (!token) {
      onFrame({ type: 'error', error: noToken });
      return () => undefined;
    }
    const id = nextId++;
    streams.set(id, onFrame);
    post({ type: 'subscribe', id, name: String(name), args });
    return () => {
      if (streams.delete(id) && socket?.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ type: 'unsubscribe', id }));
    };
  },
});

Object.defineProperty(window, BRIDGE_GLOBAL, { value: bridge, writable: false, configurable: false, enumerable: false });
