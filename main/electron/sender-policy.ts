/**
 * Who may talk to the core over IPC: only the top frame of our one window, showing our own origin.
 * A subframe, a page of another origin (should one ever load), another webContents (a devtools page,
 * a future window) or a message whose frame has already gone is refused before the router sees it.
 * Pure: the Electron side gathers the facts, this decides.
 */
import { isAppOriginUrl } from './app-url.js';

export interface IpcSenderFacts {
  /** The sending frame, or null when it has navigated away or been destroyed since it sent. */
  readonly frame: { readonly url: string; readonly isTopFrame: boolean } | null;
  /** `event.sender.id`: the webContents the message came from. */
  readonly senderId: number;
  /** The id of our window's webContents, or null when there is no window. */
  readonly expectedSenderId: number | null;
}

export type IpcSenderRefusal = 'no-window' | 'foreign-webcontents' | 'no-frame' | 'subframe' | 'foreign-origin';

export type IpcSenderVerdict = { readonly ok: true } | { readonly ok: false; readonly reason: IpcSenderRefusal };

export function checkIpcSender(facts: IpcSenderFacts): IpcSenderVerdict {
  if (facts.expectedSenderId === null) return { ok: false, reason: 'no-window' };
  if (facts.senderId !== facts.expectedSenderId) return { ok: false, reason: 'foreign-webcontents' };
  if (facts.frame === null) return { ok: false, reason: 'no-frame' };
  if (!facts.frame.isTopFrame) return { ok: false, reason: 'subframe' };
  if (!isAppOriginUrl(facts.frame.url)) return { ok: false, reason: 'foreign-origin' };
  return { ok: true };
}
