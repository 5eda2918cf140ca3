/**
 * The sandboxed preload: gives the page `window.caretwin = { invoke, subscribe }` and nothing else.
 * Neither ipcRenderer nor any IPC event object reaches the page; the page's callbacks receive plain
 * frames. Bundled to one CommonJS file (dist/electron/preload.cjs) because a sandboxed preload cannot
 * load modules.
 */
import { contextBridge, ipcRenderer } from 'electron';
import { BRIDGE_GLOBAL, IPC_CHANNEL, type CareTwinBridge, type InvokeResult, type StreamFrame } from '../../shared/ipc/bridge.js';

/** Method names are short identifiers; anything longer is not one and is not sent. */
const MAX_METHOD_NAME_LENGTH = 128;

type ErrorPayload = { code: string; message: string };

const NOT_A_METHOD: ErrorPayload = { code: 'UNKNOWN_METHOD', message: 'That request is not part of CareTwin.' };
const NOT_SENDABLE: ErrorPayload = {
  code: 'VALIDATION',
  message: 'The request could not be sent to CareTwin: its arguments must be plain data (no functions or DOM objects).',
};

function isMethodName(name: unknown): name is string {
  return typeof name === 'string' && name.length > 0 && name.length <= MAX_METHOD_NAME_LENGTH;
}

function isStreamFrame(frame: unknown): frame is StreamFrame {
  if (typeof frame !== 'object' || frame === null) return false;
  const type = (frame as { type?: unknown }).type;
  return type === 'next' || type === 'error' || type === 'complete';
}

/** Live subscriptions of this document, by the id sent with each frame. */
const frameHandlers = new Map<number, (frame: StreamFrame) => void>();
let lastSubscriptionId = 0;

// One listener for all subscriptions; the IPC event itself is never passed on.
ipcRenderer.on(IPC_CHANNEL.frame, (_event, id: unknown, frame: unknown) => {
  if (typeof id !== 'number' || !isStreamFrame(frame)) return;
  const handler = frameHandlers.get(id);
  if (handler === undefined) return;
  if (frame.type !== 'next') frameHandlers.delete(id);
  handler(frame);
});

const bridge: CareTwinBridge = {
  async invoke(name: unknown, args: unknown): Promise<InvokeResult> {
    if (!isMethodName(name)) return { ok: false, error: NOT_A_METHOD };
    try {
      return (await ipcRenderer.invoke(IPC_CHANNEL.invoke, name, args)) as InvokeResult;
    } catch {
      // The main side never throws (errors come back as results): this is a structured-clone failure.
      return { ok: false, error: NOT_SENDABLE };
    }
  },

  subscribe(name: unknown, args: unknown, onFrame: unknown): () => void {
    if (typeof onFrame !== 'function') throw new TypeError('subscribe(name, args, onFrame) needs a function for onFrame.');
    const deliver = onFrame as (frame: StreamFrame) => void;
    const fail = (error: ErrorPayload): (() => void) => {
      // Asynchronously, as a frame from the main side would arrive.
      queueMicrotask(() => deliver({ type: 'error', error }));
      return () => undefined;
    };
    if (!isMethodName(name)) return fail(NOT_A_METHOD);

    lastSubscriptionId += 1;
    const id = lastSubscriptionId;
    frameHandlers.set(id, deliver);
    try {
      ipcRenderer.send(IPC_CHANNEL.subscribe, id, name, args);
    } catch {
      frameHandlers.delete(id);
      return fail(NOT_SENDABLE);
    }
    return () => {
      // After an error or completion the main side has already let the subscription go.
      if (frameHandlers.delete(id)) ipcRenderer.send(IPC_CHANNEL.unsubscribe, id);
    };
  },
};

contextBridge.exposeInMainWorld(BRIDGE_GLOBAL, bridge);
