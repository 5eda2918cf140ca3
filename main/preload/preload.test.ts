// The preload runs against a stand-in for 'electron' (the binary is not needed): what reaches the page,
// and what goes over IPC.
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { BRIDGE_GLOBAL, IPC_CHANNEL, type StreamFrame } from '../../shared/ipc/bridge.js';

type Listener = (event: unknown, ...args: unknown[]) => void;

const fake = vi.hoisted(() => {
  const state = {
    exposed: new Map<string, unknown>(),
    listeners: new Map<string, Listener[]>(),
    sent: [] as Array<{ channel: string; args: unknown[] }>,
    invoked: [] as Array<{ channel: string; args: unknown[] }>,
    invokeReply: (): Promise<unknown> => Promise.resolve({ ok: true, value: 'pong' }),
  };
  const electron = {
    contextBridge: { exposeInMainWorld: (key: string, api: unknown) => void state.exposed.set(key, api) },
    ipcRenderer: {
      on(channel: string, listener: Listener) {
        state.listeners.set(channel, [...(state.listeners.get(channel) ?? []), listener]);
      },
      send(channel: string, ...args: unknown[]) {
        state.sent.push({ channel, args });
      },
      invoke(channel: string, ...args: unknown[]) {
        state.invoked.push({ channel, args });
        return state.invokeReply();
      },
    },
  };
  return { state, electron };
});

vi.mock('electron', () => fake.electron);

interface ExposedBridge {
  invoke(name: unknown, args: unknown): Promise<unknown>;
  subscribe(name: unknown, args: unknown, onFrame: unknown): () => void;
}

let bridge: ExposedBridge;
const IPC_EVENT = { sender: 'the ipcRenderer', ports: [] };

function emitFrame(id: unknown, frame: unknown): void {
  for (const listener of fake.state.listeners.get(IPC_CHANNEL.frame) ?? []) listener(IPC_EVENT, id, frame);
}

beforeAll(async () => {
  await import('./preload.js');
  bridge = fake.state.exposed.get(BRIDGE_GLOBAL) as ExposedBridge;
});

beforeEach(() => {
  fake.state.sent.length = 0;
  fake.state.invoked.length = 0;
  fake.state.invokeReply = () => Promise.resolve({ ok: true, value: 'pong' });
});

describe('window.caretwin', () => {
  it('is exactly invoke and subscribe, both functions', () => {
    expect([...fake.state.exposed.keys()]).toEqual([BRIDGE_GLOBAL]);
    expect(Object.keys(bridge).sort()).toEqual(['invoke', 'subscribe']);
    expect(typeof bridge.invoke).toBe('function');
    expect(typeof bridge.subscribe).toBe('function');
  });
});

describe('invoke', () => {
  it('sends the name and arguments and returns the result', async () => {
    await expect(bridge.invoke('session.status', { a: 1 })).resolves.toEqual({ ok: true, value: 'pong' });
    expect(fake.state.invoked).toEqual([{ channel: IPC_CHANNEL.invoke, args: ['session.status', { a: 1 }] }]);
  });

  it('does not send a name that is not a short string', async () => {
    for (const name of [undefined, 42, { toString: () => 'x' }, '', 'x'.repeat(129)]) {
      await expect(bridge.invoke(name, {})).resolves.toMatchObject({ ok: false, error: { code: 'UNKNOWN_METHOD' } });
    }
    expect(fake.state.invoked).toEqual([]);
  });

  it('turns arguments that cannot be sent into a VALIDATION result', async () => {
    fake.state.invokeReply = () => Promise.reject(new Error('An object could not be cloned.'));
    await expect(bridge.invoke('patient.get', { f: () => 1 })).resolves.toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
  });
});

describe('subscribe', () => {
  it('delivers only its own frames, and only the frame', () => {
    const a: unknown[][] = [];
    const b: unknown[][] = [];
    const stopA = bridge.subscribe('store.events', {}, (...args: unknown[]) => a.push(args));
    bridge.subscribe('store.events', { x: 1 }, (...args: unknown[]) => b.push(args));
    const [subA, subB] = fake.state.sent;
    expect(subA?.channel).toBe(IPC_CHANNEL.subscribe);
    expect(subA?.args.slice(1)).toEqual(['store.events', {}]);
    expect(subB?.args.slice(1)).toEqual(['store.events', { x: 1 }]);
    const idA = subA?.args[0];
    const idB = subB?.args[0];
    expect(idA).not.toBe(idB);

    const frame: StreamFrame = { type: 'next', value: 1 };
    emitFrame(idA, frame);
    emitFrame(idB, { type: 'next', value: 2 });
    emitFrame(999_999, { type: 'next', value: 3 });
    emitFrame(idA, { type: 'bogus' });
    expect(a).toEqual([[frame]]);
    expect(b).toEqual([[{ type: 'next', value: 2 }]]);

    stopA();
    expect(fake.state.sent.at(-1)).toEqual({ channel: IPC_CHANNEL.unsubscribe, args: [idA] });
    emitFrame(idA, { type: 'next', value: 4 });
    expect(a).toHaveLength(1);
    const sentBefore = fake.state.sent.length;
    stopA();
    expect(fake.state.sent).toHaveLength(sentBefore);
  });

  it('ends on an error or completion without asking the main side again', () => {
    const frames: unknown[] = [];
    const stop = bridge.subscribe('store.events', {}, (f: unknown) => frames.push(f));
    const id = fake.state.sent[0]?.args[0];
    emitFrame(id, { type: 'complete' });
    emitFrame(id, { type: 'next', value: 1 });
    expect(frames).toEqual([{ type: 'complete' }]);
    stop();
    expect(fake.state.sent).toHaveLength(1);
  });

  it('answers a bad name with an error frame and sends nothing', async () => {
    const frames: unknown[] = [];
    bridge.subscribe(7, {}, (f: unknown) => frames.push(f));
    await Promise.resolve();
    expect(frames).toEqual([{ type: 'error', error: expect.objectContaining({ code: 'UNKNOWN_METHOD' }) }]);
    expect(fake.state.sent).toEqual([]);
  });

  it('needs a callback', () => {
    expect(() => bridge.subscribe('store.events', {}, 'not a function')).toThrow(TypeError);
  });
});
