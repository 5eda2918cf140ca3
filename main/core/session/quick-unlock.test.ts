/** Quick re-unlock's decisions and sealing, with a fake safeStorage (the real Electron cannot run here). */
import { describe, expect, it } from 'vitest';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { AppError } from '../../../shared/ipc/errors.js';
import { QuickUnlock, quickUnlockSupport, type SafeStorageLike, type TokenFile } from './quick-unlock.js';

/** A fake OS secret store: AES-GCM under a key that lives only in this object (as the OS keyring's would). */
function fakeSafeStorage(opts: { available?: boolean; backend?: string } = {}): SafeStorageLike & { key: Buffer; calls: string[] } {
  const key = randomBytes(32);
  const calls: string[] = [];
  return {
    key,
    calls,
    isEncryptionAvailable: () => opts.available ?? true,
    getSelectedStorageBackend: () => opts.backend ?? 'gnome_libsecret',
    encryptString(plain) {
      calls.push('encrypt');
      const iv = randomBytes(12);
      const c = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
      return new Uint8Array(Buffer.concat([iv, c.getAuthTag(), body]));
    },
    decryptString(enc) {
      calls.push('decrypt');
      const b = Buffer.from(enc);
      const d = createDecipheriv('aes-256-gcm', key, b.subarray(0, 12));
      d.setAuthTag(b.subarray(12, 28));
      return Buffer.concat([d.update(b.subarray(28)), d.final()]).toString('utf8');
    },
  };
}

function memoryFile(initial?: Uint8Array): TokenFile & { bytes: Uint8Array | undefined } {
  const file = {
    bytes: initial,
    read: () => file.bytes,
    write: (b: Uint8Array) => {
      file.bytes = new Uint8Array(b);
    },
    remove: () => {
      file.bytes = undefined;
    },
  };
  return file;
}

const PASSCODE = 'the nurse passcode 1';

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return error instanceof AppError ? error.code : 'other';
  }
  return undefined;
}

describe('quick unlock support', () => {
  it('is offered only with a real OS secret store', () => {
    expect(quickUnlockSupport(fakeSafeStorage(), 'linux').available).toBe(true);
    expect(quickUnlockSupport(fakeSafeStorage({ backend: 'kwallet6' }), 'linux').available).toBe(true);
    expect(quickUnlockSupport(fakeSafeStorage({ backend: 'basic_text' }), 'linux')).toMatchObject({ available: false, reason: expect.stringMatching(/keyring/) as unknown });
    expect(quickUnlockSupport(fakeSafeStorage({ backend: 'unknown' }), 'linux').available).toBe(false);
    expect(quickUnlockSupport(fakeSafeStorage({ available: false }), 'darwin').available).toBe(false);
    // The backend question is Linux's only; elsewhere encryption availability decides.
    expect(quickUnlockSupport(fakeSafeStorage({ backend: 'basic_text' }), 'win32').available).toBe(true);
    const throwing: SafeStorageLike = { ...fakeSafeStorage(), isEncryptionAvailable: () => { throw new Error('not ready'); } };
    expect(quickUnlockSupport(throwing, 'linux').available).toBe(false);
  });
});

describe('QuickUnlock', () => {
  it('refuses at the first unlock after app start, even when an earlier run left its token file', () => {
    const safe = fakeSafeStorage();
    const earlier = new QuickUnlock(safe, memoryFile(), 'linux');
    const file = memoryFile();
    const first = new QuickUnlock(safe, file, 'linux');
    first.remember({ passcode: PASSCODE, account: 'nurse-0a0b0c0d' });
    expect(earlier.ready()).toBe(false);

    // A new run of the app finds the file: it deletes it, and has nothing the token could open.
    const stale = file.bytes;
    expect(stale).toBeDefined();
    const restarted = new QuickUnlock(safe, file, 'linux');
    expect(file.bytes).toBeUndefined();
    expect(restarted.ready()).toBe(false);
    expect(code(() => restarted.recall())).toBe('FORBIDDEN');
    // Putting the old file back does not help either: the sealed passcode was in the old process's memory.
    file.bytes = stale;
    expect(code(() => restarted.recall())).toBe('FORBIDDEN');
  });

  it('after a passcode unlock, gives back the account and passcode; the file holds neither', () => {
    const safe = fakeSafeStorage();
    const file = memoryFile();
    const quick = new QuickUnlock(safe, file, 'linux');
    quick.remember({ passcode: PASSCODE, account: 'nurse-0a0b0c0d' });
    expect(quick.ready()).toBe(true);
    const onDisk = Buffer.from(file.bytes!).toString('latin1');
    expect(onDisk).not.toContain(PASSCODE);
    expect(onDisk).not.toContain('nurse-0a0b0c0d');
    // What the OS store decrypts is a random 32-byte token, not the passcode.
    const token = Buffer.from(safe.decryptString(file.bytes!), 'base64');
    expect(token.length).toBe(32);
    expect(quick.recall()).toEqual({ passcode: PASSCODE, account: 'nurse-0a0b0c0d' });
    // The owner (no account) too, and again: recall does not use it up.
    quick.remember({ passcode: PASSCODE, account: undefined });
    expect(quick.recall()).toEqual({ passcode: PASSCODE, account: undefined });
    expect(quick.recall()).toEqual({ passcode: PASSCODE, account: undefined });
  });

  it('each remember makes a new token; an old token file does not open the new unlock', () => {
    const safe = fakeSafeStorage();
    const file = memoryFile();
    const quick = new QuickUnlock(safe, file, 'linux');
    quick.remember({ passcode: PASSCODE, account: undefined });
    const old = file.bytes!;
    quick.remember({ passcode: PASSCODE, account: undefined });
    expect(Buffer.from(file.bytes!).equals(Buffer.from(old))).toBe(false);
    file.bytes = old;
    expect(code(() => quick.recall())).toBe('FORBIDDEN');
    // A failed recall forgets: nothing is left to try again with.
    expect(quick.ready()).toBe(false);
    expect(file.bytes).toBeUndefined();
  });

  it('refuses to remember without a good secret store, and forgets when the store goes away', () => {
    const file = memoryFile();
    const basic = new QuickUnlock(fakeSafeStorage({ backend: 'basic_text' }), file, 'linux');
    expect(basic.available()).toBe(false);
    expect(code(() => basic.remember({ passcode: PASSCODE, account: undefined }))).toBe('FORBIDDEN');
    expect(file.bytes).toBeUndefined();

    let available = true;
    const safe = { ...fakeSafeStorage(), isEncryptionAvailable: () => available };
    const quick = new QuickUnlock(safe, file, 'linux');
    quick.remember({ passcode: PASSCODE, account: undefined });
    available = false;
    expect(quick.ready()).toBe(false);
    expect(code(() => quick.recall())).toBe('FORBIDDEN');
    expect(file.bytes).toBeUndefined();
  });

  it('a missing or altered token file, or a token the OS store cannot decrypt, is refused', () => {
    const safe = fakeSafeStorage();
    const file = memoryFile();
    const quick = new QuickUnlock(safe, file, 'linux');
    quick.remember({ passcode: PASSCODE, account: undefined });
    file.bytes = undefined;
    expect(code(() => quick.recall())).toBe('FORBIDDEN');

    quick.remember({ passcode: PASSCODE, account: undefined });
    file.bytes![file.bytes!.length - 1]! ^= 1;
    expect(code(() => quick.recall())).toBe('FORBIDDEN');

    // Another user's (another key's) secret store cannot open it.
    quick.remember({ passcode: PASSCODE, account: undefined });
    safe.key.set(randomBytes(32));
    expect(code(() => quick.recall())).toBe('FORBIDDEN');
  });

  it('forget zeroes what it held and deletes the file', () => {
    const file = memoryFile();
    const quick = new QuickUnlock(fakeSafeStorage(), file, 'linux');
    quick.remember({ passcode: PASSCODE, account: undefined });
    quick.forget();
    expect(quick.ready()).toBe(false);
    expect(file.bytes).toBeUndefined();
    expect(code(() => quick.recall())).toBe('FORBIDDEN');
  });
});
