/**
 * The renderer's typed client for the core, built from the IPC contract: `call` for queries and
 * commands, `stream` for subscriptions as RxJS Observables. It talks only to the host's bridge
 * (`window.caretwin`: Electron's preload or the web host's bridge script), which it is given.
 */
import { Observable } from 'rxjs';
import { BRIDGE_GLOBAL, type CareTwinBridge, type InvokeResult, type StreamFrame } from '../../../shared/ipc/bridge.js';
import type { InputOf, OutputOf, QueryOrCommandName, StreamName } from '../../../shared/ipc/contract.js';
import { isIpcErrorPayload, type ErrorCode } from '../../../shared/ipc/errors.js';

/** An error answered by the core (or by the bridge on its behalf); `message` is written for people. */
export class IpcError extends Error {
  override readonly name = 'IpcError';
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface CareTwinClient {
  call<K extends QueryOrCommandName>(name: K, input: InputOf<K>): Promise<OutputOf<K>>;
  stream<K extends StreamName>(name: K, input: InputOf<K>): Observable<OutputOf<K>>;
}

const CONNECTION_LOST = "Lost the connection to CareTwin's core. Check that CareTwin is still running, then reload.";
const NOT_UNDERSTOOD = "CareTwin's core gave an answer this window does not understand. Reload; report it if it keeps happening.";

/** Any failure as an IpcError, so screens show one kind of error; a non-IpcError is a bug here, shown without details. */
export function asIpcError(error: unknown): IpcError {
  if (error instanceof IpcError) return error;
  return new IpcError('INTERNAL', 'Something went wrong in this window. Reload; report it if it keeps happening.');
}

function toIpcError(payload: unknown): IpcError {
  if (isIpcErrorPayload(payload)) return new IpcError(payload.code, payload.message);
  return new IpcError('INTERNAL', NOT_UNDERSTOOD);
}

/** The bridge the host put on the page, or undefined when this page was not opened by a CareTwin host. */
export function findBridge(scope: object = globalThis): CareTwinBridge | undefined {
  const candidate = (scope as Record<string, unknown>)[BRIDGE_GLOBAL] as Partial<CareTwinBridge> | undefined;
  if (candidate && typeof candidate.invoke === 'function' && typeof candidate.subscribe === 'function') {
    return candidate as CareTwinBridge;
  }
  return undefined;
}

export function createClient(bridge: CareTwinBridge): CareTwinClient {
  return {
    async call<K extends QueryOrCommandName>(name: K, input: InputOf<K>): Promise<OutputOf<K>> {
      let result: InvokeResult;
      try {
        result = await bridge.invoke(name, input);
      } catch {
        throw new IpcError('STORE_UNAVAILABLE', CONNECTION_LOST);
      }
      if (typeof result !== 'object' || result === null) throw new IpcError('INTERNAL', NOT_UNDERSTOOD);
      if (result.ok) return result.value as OutputOf<K>;
      throw toIpcError(result.error);
    },

    stream<K extends StreamName>(name: K, input: InputOf<K>): Observable<OutputOf<K>> {
      return new Observable<OutputOf<K>>((subscriber) => {
        let stop: (() => void) | undefined;
        let stopped = false;
        const end = (): void => {
          if (stopped || !stop) return;
          stopped = true;
          stop();
        };
        const onFrame = (frame: StreamFrame): void => {
          if (frame.type === 'next') subscriber.next(frame.value as OutputOf<K>);
          else if (frame.type === 'error') subscriber.error(toIpcError(frame.error));
          else if (frame.type === 'complete') subscriber.complete();
        };
        try {
          stop = bridge.subscribe(name, input, onFrame);
        } catch {
          subscriber.error(new IpcError('STORE_UNAVAILABLE', CONNECTION_LOST));
        }
        // Runs on unsubscribe, and right away when the host ended the stream while subscribing.
        return end;
      });
    },
  };
}
