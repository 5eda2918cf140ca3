// The IPC bridge against a stand-in for 'electron' (the binary is not needed): the sender check comes
// first, and subscriptions end with the document that made them.
import { EventEmitter } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { IPC_CHANNEL, type InvokeResult, type StreamFrame } from '../../shared/ipc/bridge.js';

type Handler = (event: unknown, ...args: unknown[]) => unknown;

const fake = vi.hoisted(() => {
  const handlers = new Map<string, Handler>();
  const listeners = new Map<string, Handler>();
  const ipcMain = {
    handle: (channel: string, h: Handler) => void handlers.set(channel, h),
    on: (channel: string, h: Handler) => void listeners.set(channel, h),
    removeHandler: (channel: string) => void handlers.delete(channel),
    removeListener: (channel: string) => void listeners.delete(channel),
  };
  return { handlers, listeners, electron: { ipcMain } };
});

vi.mock('electron', () => fake.electron);

const { installIpcBridge } = await import('./ipc-bridge.js');
type Bridge = ReturnType<typeof installIpcBridge>;

class FakeContents extends EventEmitter {
  readonly mainFrame = { frameTreeNodeId: 1 };
  readonly sent: Array<[string, ...unknown[]]> = [];
  destroyed = false;
  constructor(readonly id: number) {
    super();
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  send(channel: string, ...args: unknown[]): void {
    this.sent.push([channel, ...args]);
  }
}

interface FakeFrame {
  url: string;
  parent: object | null;
  frameTreeNodeId: number;
  detached: boolean;
}

const topFrame = (url = 'app://caretwin/index.html'): FakeFrame => ({ url, parent: null, frameTreeNodeId: 1, detached: false });
const eventFrom = (sender: FakeContents, senderFrame: FakeFrame | null = topFrame()) => ({ sender, senderFrame });

function fakeRouter() {
  const calls: Array<{ kind: string; ctx: unknown; name: unknown; args: unknown }> = [];
  const streams: Array<{ onFrame: (f: StreamFrame) => void; stopped: number }> = [];
  return {
    calls,
    streams,
    router: {
      async invoke(ctx: unknown, name: unknown, args: unknown): Promise<InvokeResult> {
        calls.push({ kind: 'invoke', ctx, name, args });
        return { ok: true, value: name };
      },
      subscribe(ctx: unknown, name: unknown, args: unknown, onFrame: (f: StreamFrame) => void) {
        calls.push({ kind: 'subscribe', ctx, name, args });
        const stream = { onFrame, stopped: 0 };
        streams.push(stream);
        if (name === 'ends.at.once') onFrame({ type: 'error', error: { code: 'VALIDATION', message: 'no' } });
        return () => {
          stream.stopped += 1;
        };
      },
    },
  };
}

const invoke = (event: unknown, name: string, args: unknown = {}) => fake.handlers.get(IPC_CHANNEL.invoke)?.(event, name, args) as Promise<InvokeResult>;
const subscribe = (event: unknown, id: unknown, name = 'store.events') => fake.listeners.get(IPC_CHANNEL.subscribe)?.(event, id, name, {});
const unsubscribe = (event: unknown, id: unknown) => fake.listeners.get(IPC_CHANNEL.unsubscribe)?.(event, id);

let window: FakeContents;
let routerFake: ReturnType<typeof fakeRouter>;
let bridge: Bridge;

beforeEach(() => {
  window = new FakeContents(1);
  routerFake = fakeRouter();
  bridge = installIpcBridge({ router: routerFake.router as never, trustedContents: () => window as never });
  vi.spyOn(process.stderr, 'write').mockReturnValue(true);
});

afterEach(() => {
  bridge.dispose();
  vi.restoreAllMocks();
});

describe('invoke', () => {
  it('passes a message from our window to the router with an electron context', async () => {
    await expect(invoke(eventFrom(window), 'session.status')).resolves.toEqual({ ok: true, value: 'session.status' });
    expect(routerFake.calls[0]?.ctx).toEqual({ host: 'electron', connectionId: expect.stringMatching(/^electron-1-\d+$/) });
  });

  it('refuses other senders with FORBIDDEN and never reaches the router', async () => {
    const other = new FakeContents(2);
    const refused = [
      eventFrom(other, { ...topFrame(), frameTreeNodeId: 1 }),
      eventFrom(window, { ...topFrame(), parent: {}, frameTreeNodeId: 5 }),
      eventFrom(window, topFrame('https://evil.example/')),
      eventFrom(window, null),
      eventFrom(window, { ...topFrame(), detached: true }),
    ];
    for (const event of refused) {
      await expect(invoke(event, 'session.status')).resolves.toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    }
    expect(routerFake.calls).toEqual([]);
  });
});

describe('subscriptions', () => {
  it('send frames tagged with their id and stop on unsubscribe', () => {
    subscribe(eventFrom(window), 4);
    routerFake.streams[0]?.onFrame({ type: 'next', value: 1 });
    expect(window.sent).toEqual([[IPC_CHANNEL.frame, 4, { type: 'next', value: 1 }]]);
    unsubscribe(eventFrom(window), 4);
    expect(routerFake.streams[0]?.stopped).toBe(1);
    unsubscribe(eventFrom(window), 4);
    expect(routerFake.streams[0]?.stopped).toBe(1);
  });

  it('refuse forged senders, bad ids and reused ids', () => {
    subscribe(eventFrom(new FakeContents(2)), 1);
    subscribe(eventFrom(window, topFrame('app://other/index.html')), 1);
    for (const id of [0, -1, 1.5, '1', null]) subscribe(eventFrom(window), id);
    expect(routerFake.calls).toEqual([]);
    subscribe(eventFrom(window), 1);
    subscribe(eventFrom(window), 1);
    expect(routerFake.calls).toHaveLength(1);
    // A forged unsubscribe does not end ours.
    unsubscribe(eventFrom(window, { ...topFrame(), parent: {} }), 1);
    expect(routerFake.streams[0]?.stopped).toBe(0);
  });

  it('end when the document navigates, reloads, crashes or is destroyed', () => {
    const firstCtx = () => routerFake.calls.at(-1)?.ctx;
    subscribe(eventFrom(window), 1);
    const before = firstCtx();
    window.emit('did-start-navigation', { isMainFrame: true, isSameDocument: true });
    expect(routerFake.streams[0]?.stopped).toBe(0);
    window.emit('did-start-navigation', { isMainFrame: false, isSameDocument: false });
    expect(routerFake.streams[0]?.stopped).toBe(0);
    window.emit('did-start-navigation', { isMainFrame: true, isSameDocument: false });
    expect(routerFake.streams[0]?.stopped).toBe(1);
    // A late frame of the old document's stream is not written into the new one.
    routerFake.streams[0]?.onFrame({ type: 'next', value: 'late' });
    expect(window.sent).toEqual([]);

    subscribe(eventFrom(window), 1);
    expect(firstCtx()).not.toEqual(before);
    window.emit('render-process-gone', {}, { reason: 'crashed' });
    expect(routerFake.streams[1]?.stopped).toBe(1);

    subscribe(eventFrom(window), 2);
    window.emit('destroyed');
    expect(routerFake.streams[2]?.stopped).toBe(1);
  });

  it('forget a stream that ended before subscribe returned', () => {
    subscribe(eventFrom(window), 3, 'ends.at.once');
    expect(window.sent).toEqual([[IPC_CHANNEL.frame, 3, { type: 'error', error: { code: 'VALIDATION', message: 'no' } }]]);
    expect(routerFake.streams[0]?.stopped).toBe(1);
    unsubscribe(eventFrom(window), 3);
    expect(routerFake.streams[0]?.stopped).toBe(1);
  });

  it('all end, and the handlers go, on dispose', () => {
    subscribe(eventFrom(window), 1);
    subscribe(eventFrom(window), 2);
    bridge.dispose();
    expect(routerFake.streams.map((s) => s.stopped)).toEqual([1, 1]);
    expect(fake.handlers.size + fake.listeners.size).toBe(0);
  });
});
