/**
 * The Content-Security-Policy of the app:// protocol: the one policy of main/core/renderer-bundle.ts,
 * with no extra connect origin (the desktop app talks to its core over IPC, not the network).
 */
import { contentSecurityPolicy as bundleCsp } from '../core/renderer-bundle.js';

export function contentSecurityPolicy(): string {
  return bundleCsp();
}
