/**
 * Sends one chosen or dropped file to the core through the host's bridge, the same way in Electron and the web
 * host: import.begin, the bytes in order as base64 parts (import.chunk), import.finish. Progress and the report
 * arrive on import.progress, which is watched from before the first byte is sent.
 */
import type { Subscription } from 'rxjs';
import type { ImportStatus } from '../../../shared/ipc/contract.js';
import { asIpcError, type CareTwinClient, type IpcError } from '../ipc/client.js';

export interface FileImportHandle {
  /** Stops sending, and asks the core to drop what it received (or to stop before it stores anything). */
  cancel(): void;
}

export interface FileImportCallbacks {
  onStatus(status: ImportStatus): void;
  /** A refusal of the request itself (file too big, unknown zone, store locked, connection lost). */
  onError(error: IpcError): void;
  /** The import ended (done, failed, cancelled, or refused). */
  onEnd(): void;
}

/** Base64 of bytes without a per-byte string (String.fromCharCode over slices). */
export function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let at = 0; at < bytes.length; at += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(at, at + 0x8000));
  }
  return btoa(binary);
}

export function sendFile(
  client: CareTwinClient,
  patientId: string,
  file: File,
  zone: string | undefined,
  callbacks: FileImportCallbacks,
): FileImportHandle {
  let cancelled = false;
  let importId: string | undefined;
  let watch: Subscription | undefined;
  let ended = false;
  const end = (): void => {
    if (ended) return;
    ended = true;
    callbacks.onEnd();
  };

  void (async () => {
    try {
      const begun = await client.call('import.begin', { patientId, fileName: file.name, size: file.size, ...(zone ? { zone } : {}) });
      importId = begun.importId;
      watch = client.stream('import.progress', { importId }).subscribe({
        next: (status) => callbacks.onStatus(status),
        error: (error: unknown) => {
          callbacks.onError(asIpcError(error));
          end();
        },
        complete: end,
      });
      if (cancelled) {
        await client.call('import.cancel', { importId });
        return;
      }
      for (let at = 0, seq = 0; at < file.size; at += begun.chunkBytes, seq++) {
        const bytes = new Uint8Array(await file.slice(at, at + begun.chunkBytes).arrayBuffer());
        if (cancelled) return;
        await client.call('import.chunk', { importId, seq, data: toBase64(bytes) });
      }
      if (!cancelled) await client.call('import.finish', { importId });
    } catch (error) {
      if (cancelled) return;
      watch?.unsubscribe();
      if (importId !== undefined) void client.call('import.cancel', { importId }).catch(() => undefined);
      callbacks.onError(asIpcError(error));
      end();
    }
  })();

  return {
    cancel() {
      if (cancelled || ended) return;
      cancelled = true;
      if (importId !== undefined) {
        client.call('import.cancel', { importId }).catch((error: unknown) => {
          callbacks.onError(asIpcError(error));
          end();
        });
      } else {
        // Not begun yet: nothing reached the core.
        end();
      }
    },
  };
}
