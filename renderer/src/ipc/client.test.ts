import { describe, expect, it, vi } from 'vitest';
import { firstValueFrom, toArray } from 'rxjs';
import type { CareTwinBridge, InvokeResult, StreamFrame } from '../../../shared/ipc/bridge.js';
import { asIpcError, createClient, findBridge, IpcError } from './client.js';

const status = { state: 'locked', demo: false, patientCount: null, dataDir: '/data', host: 'web' } as const;

function fakeBridge(overrides: Partial<CareTwinBridge> = {}): CareTwinBridge {
  return {
    invoke: vi.fn(async (): Promise<InvokeResult> => ({ ok: true, value: status })),
    subscribe: vi.fn(() => () => undefined),
    ...overrides,
  };
}

/** A bridge whose stream frames the test pushes by hand. */
function pushBridge() {
  let push: ((frame: StreamFrame) => void) | undefined;
  const stop = vi.fn();
  const bridge = fakeBridge({
    subscribe: vi.fn((_name: string, _args: unknown, onFrame: (frame: StreamFrame) => void) => {
      push = onFrame;
      return stop;
    }),
  });
  return { bridge, stop, push: (frame: StreamFrame) => push?.(frame) };
}

describe('call', () => {
  it('passes the name and input to the bridge and returns the value', async () => {
    const bridge = fakeBridge();
    const value = await createClient(bridge).call('session.status', {});
    expect(value).toEqual(status);
    expect(bridge.invoke).toHaveBeenCalledWith('session.status', {});
  });

  it('throws an IpcError with the code and message of an {ok:false} answer', async () => {
    const bridge = fakeBridge({
      invoke: async () => ({ ok: false, error: { code: 'BAD_PASSCODE', message: 'The passcode is not right.' } }),
    });
    const error = await createClient(bridge)
      .call('session.unlock', { passcode: 'wrong one' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IpcError);
    expect(error).toMatchObject({ code: 'BAD_PASSCODE', message: 'The passcode is not right.' });
  });

  it('turns an unknown error code into INTERNAL rather than trusting it', async () => {
    const bridge = fakeBridge({ invoke: async () => ({ ok: false, error: { code: 'WHATEVER', message: 'x' } }) });
    await expect(createClient(bridge).call('panel.list', {})).rejects.toMatchObject({ code: 'INTERNAL' });
  });

  it('turns a rejected invoke (transport failure) into STORE_UNAVAILABLE', async () => {
    const bridge = fakeBridge({ invoke: async () => Promise.reject(new Error('socket closed')) });
    await expect(createClient(bridge).call('panel.list', {})).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
  });
});

describe('stream', () => {
  it('does not subscribe until the Observable is subscribed', () => {
    const { bridge } = pushBridge();
    createClient(bridge).stream('store.events', {});
    expect(bridge.subscribe).not.toHaveBeenCalled();
  });

  it('emits next frames, completes on a complete frame, and releases the bridge subscription once', async () => {
    const { bridge, stop, push } = pushBridge();
    const all = firstValueFrom(createClient(bridge).stream('store.events', {}).pipe(toArray()));
    expect(bridge.subscribe).toHaveBeenCalledWith('store.events', {}, expect.any(Function));
    push({ type: 'next', value: { kind: 'patients-changed', atMs: 1 } });
    push({ type: 'next', value: { kind: 'locked', atMs: 2 } });
    push({ type: 'complete' });
    push({ type: 'next', value: { kind: 'unlocked', atMs: 3 } });
    expect(await all).toEqual([
      { kind: 'patients-changed', atMs: 1 },
      { kind: 'locked', atMs: 2 },
    ]);
    expect(stop).toHaveBeenCalledTimes(1);
  });

  it('turns an error frame into an Observable error carrying the IpcError', async () => {
    const { bridge, push } = pushBridge();
    const result = firstValueFrom(createClient(bridge).stream('store.events', {})).catch((e: unknown) => e);
    push({ type: 'error', error: { code: 'LOCKED', message: 'CareTwin is locked.' } });
    const error = await result;
    expect(error).toBeInstanceOf(IpcError);
    expect(error).toMatchObject({ code: 'LOCKED', message: 'CareTwin is locked.' });
  });

  it('calls the function the bridge returned when the subscriber unsubscribes', () => {
    const { bridge, stop, push } = pushBridge();
    const seen: unknown[] = [];
    const subscription = createClient(bridge)
      .stream('store.events', {})
      .subscribe((v) => seen.push(v));
    push({ type: 'next', value: { kind: 'unlocked', atMs: 1 } });
    subscription.unsubscribe();
    subscription.unsubscribe();
    push({ type: 'next', value: { kind: 'locked', atMs: 2 } });
    expect(stop).toHaveBeenCalledTimes(1);
    expect(seen).toEqual([{ kind: 'unlocked', atMs: 1 }]);
  });

  it('handles an error frame sent while the bridge is still subscribing, and still releases it', () => {
    const stop = vi.fn();
    const bridge = fakeBridge({
      subscribe: (_name, _args, onFrame) => {
        onFrame({ type: 'error', error: { code: 'FORBIDDEN', message: 'No token.' } });
        return stop;
      },
    });
    const errors: unknown[] = [];
    createClient(bridge)
      .stream('store.events', {})
      .subscribe({ error: (e: unknown) => errors.push(e) });
    expect(errors).toEqual([expect.objectContaining({ code: 'FORBIDDEN' })]);
    expect(stop).toHaveBeenCalledTimes(1);
  });

  it('reports a bridge that throws on subscribe as STORE_UNAVAILABLE', () => {
    const bridge = fakeBridge({
      subscribe: () => {
        throw new Error('gone');
      },
    });
    const errors: unknown[] = [];
    createClient(bridge)
      .stream('store.events', {})
      .subscribe({ error: (e: unknown) => errors.push(e) });
    expect(errors).toEqual([expect.objectContaining({ code: 'STORE_UNAVAILABLE' })]);
  });
});

describe('findBridge', () => {
  it('finds a bridge with invoke and subscribe on the given scope', () => {
    const bridge = fakeBridge();
    expect(findBridge({ caretwin: bridge })).toBe(bridge);
  });

  it('returns undefined when the host gave no bridge or something else', () => {
    expect(findBridge({})).toBeUndefined();
    expect(findBridge({ caretwin: { invoke: () => undefined } })).toBeUndefined();
    expect(findBridge()).toBeUndefined();
  });
});

describe('asIpcError', () => {
  it('keeps an IpcError and hides the details of anything else', () => {
    const known = new IpcError('LOCKED', 'Locked.');
    expect(asIpcError(known)).toBe(known);
    const other = asIpcError(new TypeError('x is undefined at /secret/path'));
    expect(other).toMatchObject({ code: 'INTERNAL' });
    expect(other.message).not.toContain('secret');
  });
});
