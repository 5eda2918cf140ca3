/**
 * Electron's transport for the IPC router. Every message is checked first (sender-policy.ts); a refused
 * invoke gets a FORBIDDEN result, a refused subscribe or unsubscribe is dropped. Each document loaded in
 * the window is one connection: its subscriptions end when it reloads, navigates, crashes or is
 * destroyed, and the next document starts a new connection (as a new WebSocket does on the web host).
 */
import { ipcMain, type IpcMainEvent, type IpcMainInvokeEvent, type WebContents } from 'electron';
import { IPC_CHANNEL, type InvokeResult, type StreamFrame } from '../../shared/ipc/bridge.js';
import type { CallerContext, IpcRouter } from '../ipc/router.js';
import { checkIpcSender, type IpcSenderFacts } from './sender-policy.js';

/** More live subscriptions than any screen needs; beyond it a renderer is leaking them. */
const MAX_SUBSCRIPTIONS_PER_CONNECTION = 512;

const FORBIDDEN: InvokeResult = {
  ok: false,
  error: { code: 'FORBIDDEN', message: 'This request did not come from the CareTwin window and was refused.' },
};

interface Connection {
  /** Bumped for every new document in the webContents. */
  generation: number;
  readonly subscriptions: Map<number, () => void>;
}

function isSubscriptionId(id: unknown): id is number {
  return typeof id === 'number' && Number.isSafeInteger(id) && id > 0;
}

function senderFacts(event: IpcMainEvent | IpcMainInvokeEvent, trusted: WebContents | null): IpcSenderFacts {
  let frame: IpcSenderFacts['frame'] = null;
  try {
    const f = event.senderFrame;
    if (f !== null && !f.detached) {
      frame = { url: f.url, isTopFrame: f.parent === null && f.frameTreeNodeId === event.sender.mainFrame.frameTreeNodeId };
    }
  } catch {
    // Reading a frame that was disposed meanwhile throws: treat it as gone.
    frame = null;
  }
  return { frame, senderId: event.sender.id, expectedSenderId: trusted !== null && !trusted.isDestroyed() ? trusted.id : null };
}

export interface IpcBridgeOptions {
  readonly router: IpcRouter;
  /** The webContents of our one window, or null when it is closed. */
  readonly trustedContents: () => WebContents | null;
}

export interface IpcBridge {
  /** Ends every live subscription and removes the IPC handlers. */
  dispose(): void;
}

export function installIpcBridge({ router, trustedContents }: IpcBridgeOptions): IpcBridge {
  const connections = new Map<number, Connection>();

  function endSubscriptions(connection: Connection): void {
    const stops = [...connection.subscriptions.values()];
    connection.subscriptions.clear();
    for (const stop of stops) stop();
  }

  function connectionOf(contents: WebContents): Connection {
    const existing = connections.get(contents.id);
    if (existing) return existing;
    const connection: Connection = { generation: 0, subscriptions: new Map() };
    const contentsId = contents.id;
    connections.set(contentsId, connection);
    const newDocument = (): void => {
      endSubscriptions(connection);
      connection.generation += 1;
    };
    contents.on('did-start-navigation', (details) => {
      if (details.isMainFrame && !details.isSameDocument) newDocument();
    });
    // Also on commit: a message the old document sent after the navigation started must not leave a
    // subscription that writes into the new document.
    contents.on('did-navigate', newDocument);
    contents.on('render-process-gone', newDocument);
    contents.once('destroyed', () => {
      endSubscriptions(connection);
      connections.delete(contentsId);
    });
    return connection;
  }

  /** The caller's connection and context when the sender passes the check, else null. */
  function admit(event: IpcMainEvent | IpcMainInvokeEvent): { connection: Connection; ctx: CallerContext } | null {
    const verdict = checkIpcSender(senderFacts(event, trustedContents()));
    if (!verdict.ok) {
      process.stderr.write(`caretwin: refused an IPC message (${verdict.reason})\n`);
      return null;
    }
    const connection = connectionOf(event.sender);
    return { connection, ctx: { host: 'electron', connectionId: `electron-${event.sender.id}-${connection.generation}` } };
  }

  async function onInvoke(event: IpcMainInvokeEvent, name: unknown, args: unknown): Promise<InvokeResult> {
    const admitted = admit(event);
    if (admitted === null) return FORBIDDEN;
    return router.invoke(admitted.ctx, name, args);
  }

  function onSubscribe(event: IpcMainEvent, id: unknown, name: unknown, args: unknown): void {
    const admitted = admit(event);
    if (admitted === null || !isSubscriptionId(id)) return;
    const { connection, ctx } = admitted;
    // A reused id would make two streams write into one callback: the renderer allocates ids, so drop it.
    if (connection.subscriptions.has(id)) return;
    const target = event.sender;
    const generation = connection.generation;
    const send = (frame: StreamFrame): void => {
      if (!target.isDestroyed() && connection.generation === generation) target.send(IPC_CHANNEL.frame, id, frame);
    };
    if (connection.subscriptions.size >= MAX_SUBSCRIPTIONS_PER_CONNECTION) {
      send({ type: 'error', error: { code: 'CONFLICT', message: 'Too many live views of CareTwin data. Close some and try again.' } });
      return;
    }

    let ended = false;
    const stop = router.subscribe(ctx, name, args, (frame) => {
      send(frame);
      if (frame.type !== 'next') {
        ended = true;
        connection.subscriptions.delete(id);
      }
    });
    // The router may end a subscription before it returns (an invalid name or input).
    if (ended) stop();
    else connection.subscriptions.set(id, stop);
  }

  function onUnsubscribe(event: IpcMainEvent, id: unknown): void {
    const admitted = admit(event);
    if (admitted === null || !isSubscriptionId(id)) return;
    const stop = admitted.connection.subscriptions.get(id);
    if (stop === undefined) return;
    admitted.connection.subscriptions.delete(id);
    stop();
  }

  ipcMain.handle(IPC_CHANNEL.invoke, onInvoke);
  ipcMain.on(IPC_CHANNEL.subscribe, onSubscribe);
  ipcMain.on(IPC_CHANNEL.unsubscribe, onUnsubscribe);

  return {
    dispose() {
      ipcMain.removeHandler(IPC_CHANNEL.invoke);
      ipcMain.removeListener(IPC_CHANNEL.subscribe, onSubscribe);
      ipcMain.removeListener(IPC_CHANNEL.unsubscribe, onUnsubscribe);
      for (const connection of connections.values()) endSubscriptions(connection);
      connections.clear();
    },
  };
}
