/**
 * The desktop app's quick re-unlock: Electron's safeStorage and a file in the user data folder, given to the core's
 * QuickUnlock (main/core/session/quick-unlock.ts says what is kept and what it opens). Created once per app run,
 * after `ready` (safeStorage needs it); the file an earlier run left is deleted then, and again at quit.
 */
import fs from 'node:fs';
import path from 'node:path';
import { app, safeStorage } from 'electron';
import { QuickUnlock, type SafeStorageLike, type TokenFile } from '../core/session/quick-unlock.js';

export const QUICK_UNLOCK_FILE = 'quick-unlock.bin';

/** A file written with mode 0600 through a temporary name, so a crash never leaves half a token. */
export function tokenFile(filePath: string): TokenFile {
  return {
    read() {
      try {
        return new Uint8Array(fs.readFileSync(filePath));
      } catch {
        return undefined;
      }
    },
    write(bytes) {
      const temp = `${filePath}.tmp`;
      fs.writeFileSync(temp, bytes, { mode: 0o600 });
      fs.renameSync(temp, filePath);
    },
    remove() {
      fs.rmSync(filePath, { force: true });
      fs.rmSync(`${filePath}.tmp`, { force: true });
    },
  };
}

function electronSafeStorage(): SafeStorageLike {
  return {
    isEncryptionAvailable: () => safeStorage.isEncryptionAvailable(),
    // Only defined on Linux; elsewhere the OS store (Keychain, DPAPI) is always a real one.
    getSelectedStorageBackend: () => (process.platform === 'linux' ? safeStorage.getSelectedStorageBackend() : 'os'),
    encryptString: (plainText) => new Uint8Array(safeStorage.encryptString(plainText)),
    decryptString: (encrypted) => safeStorage.decryptString(Buffer.from(encrypted)),
  };
}

/** Call after `app.whenReady()`. */
export function createElectronQuickUnlock(): QuickUnlock {
  const quick = new QuickUnlock(electronSafeStorage(), tokenFile(path.join(app.getPath('userData'), QUICK_UNLOCK_FILE)), process.platform);
  // The passcode is needed once per app start: what this run remembered goes with it.
  app.on('will-quit', () => quick.forget());
  return quick;
}
