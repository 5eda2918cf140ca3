/**
 * What a host gives the renderer: exactly `invoke` and `subscribe`. The Electron preload exposes it
 * through contextBridge as `window.caretwin`; the web host's same-origin bridge script does the same
 * over a WebSocket. Results are plain JSON; errors are `{code, message}`.
 */
export const BRIDGE_GLOBAL = 'caretwin';

/** The web host's WebSocket carries its launch token as a subprotocol with this prefix (never in a URL). */
export const WEB_TOKEN_PROTOCOL_PREFIX = 'caretwin.token.';

/** Electron IPC channel names (the preload refuses anything else). */
export const IPC_CHANNEL = {
  invoke: 'caretwin:invoke',
  subscribe: 'caretwin:subscribe',
  unsubscribe: 'caretwin:unsubscribe',
  frame: 'caretwin:frame',
} as const;

export type InvokeResult = { ok: true; value: unknown } | { ok: false; error: { code: string; message: string } };

/** A frame of a subscription: a value, an error that ends it, or its completion. */
export type StreamFrame =
  | { type: 'next'; value: unknown }
  | { type: 'error'; error: { code: string; message: string } }
  | { type: 'complete' };

export interface CareTwinBridge {
  invoke(name: string, args: unknown): Promise<InvokeResult>;
  /** Returns a function that ends the subscription. */
  subscribe(name: string, args: unknown, onFrame: (frame: StreamFrame) => void): () => void;
}

/** Web host wire messages (WebSocket, JSON). */
export type WireRequest =
  | { type: 'invoke'; id: number; name: string; args: unknown }
  | { type: 'subscribe'; id: number; name: string; args: unknown }
  | { type: 'unsubscribe'; id: number };

export type WireResponse =
  | { type: 'result'; id: number; result: InvokeResult }
  | { type: 'frame'; id: number; frame: StreamFrame };
