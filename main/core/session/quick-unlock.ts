/**
 * Quick re-unlock for the desktop app: after someone unlocked CareTwin with their passcode, they may ask the app to
 * remember that unlock, so that after a lock (Lock, or the auto-lock) in the same run of the app they open it again
 * without typing the passcode. The web host never offers it (it is given no QuickUnlock).
 *
 * What is kept, and what it opens:
 * - A random 32-byte unlock token T, made fresh for each "remember". On disk (the app's user data folder) lies only
 *   T encrypted with the OS's secret store through Electron's safeStorage (Keychain, DPAPI, libsecret/kwallet).
 * - In this process's memory only: the account id and passcode sealed under T (ChaCha20-Poly1305, random nonce).
 *   The passcode itself is never written anywhere, and T alone opens nothing: the sealed blob it opens dies with the
 *   process. So quick re-unlock is refused at the first unlock after every app start (there is nothing to open), and
 *   a copied data folder or user data folder, even with T decrypted, opens nothing.
 * - Quick re-unlock decrypts T, opens the sealed passcode and runs the ordinary unlock (Argon2id, the account's key
 *   slot, the disabled check, the `account.unlock` audit entry): the key hierarchy is unchanged and no new path to
 *   a key exists. A lock keeps the remembered unlock; a failed quick unlock, "forget", and quitting the app destroy
 *   it (memory zeroed, file deleted); a new app start deletes a file an earlier run left behind.
 * - Offered only when safeStorage can encrypt and, on Linux, its backend is not `basic_text` (a fixed, hard-coded
 *   key: T would then be as good as plaintext on disk).
 * What it does not protect against: code running as the same user while the app runs can read the process memory
 * and ask the OS secret store for T; the threat model already excludes such malware (it could read the keys of an
 * unlocked store, or the passcode as it is typed).
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { AppError } from '../../../shared/ipc/errors.js';

/** The part of Electron's `safeStorage` this needs (a fake one in tests: Electron cannot run there). */
export interface SafeStorageLike {
  isEncryptionAvailable(): boolean;
  /** Linux only in Electron: 'basic_text', 'gnome_libsecret', 'kwallet', ... */
  getSelectedStorageBackend?(): string;
  encryptString(plainText: string): Uint8Array;
  decryptString(encrypted: Uint8Array): string;
}

/** Where the encrypted token lies (a file in the user data folder). */
export interface TokenFile {
  read(): Uint8Array | undefined;
  write(bytes: Uint8Array): void;
  remove(): void;
}

export interface QuickUnlockSupport {
  readonly available: boolean;
  /** Why not, for people (never names a person). */
  readonly reason: string | null;
}

/** Whether this machine's secret store is good enough to keep the token (decided once at app start and on each use). */
export function quickUnlockSupport(safe: SafeStorageLike, platform: string): QuickUnlockSupport {
  let encrypts = false;
  try {
    encrypts = safe.isEncryptionAvailable();
  } catch {
    encrypts = false;
  }
  if (!encrypts) return { available: false, reason: 'This computer offers no secret store for CareTwin to use.' };
  if (platform === 'linux') {
    let backend: string | undefined;
    try {
      backend = safe.getSelectedStorageBackend?.();
    } catch {
      backend = undefined;
    }
    if (backend === undefined || backend === 'basic_text' || backend === 'unknown') {
      return { available: false, reason: 'No keyring (GNOME Keyring or KWallet) is running, so the unlock could not be kept safely.' };
    }
  }
  return { available: true, reason: null };
}

export interface RememberedUnlock {
  readonly passcode: string;
  /** undefined: the store's own passcode (the owner). */
  readonly account: string | undefined;
}

/** What the application services ask of quick re-unlock (main/core/services.ts). */
export interface QuickUnlockProvider {
  /** Whether it may be offered at all on this machine. */
  available(): boolean;
  /** Whether a quick re-unlock can be tried now (something was remembered in this run). */
  ready(): boolean;
  remember(unlock: RememberedUnlock): void;
  /** The remembered unlock, or an AppError (nothing remembered in this run, token missing or unreadable). */
  recall(): RememberedUnlock;
  forget(): void;
}

const TOKEN_BYTES = 32;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const CIPHER = 'chacha20-poly1305';
const AAD = Buffer.from('caretwin quick unlock v1');

interface Sealed {
  readonly nonce: Buffer;
  readonly box: Buffer;
  readonly tag: Buffer;
}

function seal(token: Buffer, plain: Buffer): Sealed {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv(CIPHER, token, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(AAD, { plaintextLength: plain.length });
  const box = Buffer.concat([cipher.update(plain), cipher.final()]);
  return { nonce, box, tag: cipher.getAuthTag() };
}

function unseal(token: Buffer, sealed: Sealed): Buffer {
  const decipher = createDecipheriv(CIPHER, token, sealed.nonce, { authTagLength: TAG_BYTES });
  decipher.setAAD(AAD, { plaintextLength: sealed.box.length });
  decipher.setAuthTag(sealed.tag);
  return Buffer.concat([decipher.update(sealed.box), decipher.final()]);
}

function refused(message: string): AppError {
  return new AppError('FORBIDDEN', message);
}

/**
 * One per app run. Construct it at start-up: it deletes any token an earlier run left behind (that token opens
 * nothing now, but it should not linger either).
 */
export class QuickUnlock implements QuickUnlockProvider {
  private sealed: Sealed | undefined;

  constructor(
    private readonly safe: SafeStorageLike,
    private readonly file: TokenFile,
    private readonly platform: string,
  ) {
    this.file.remove();
  }

  available(): boolean {
    return quickUnlockSupport(this.safe, this.platform).available;
  }

  ready(): boolean {
    return this.sealed !== undefined && this.available();
  }

  remember(unlock: RememberedUnlock): void {
    const support = quickUnlockSupport(this.safe, this.platform);
    if (!support.available) throw refused(support.reason ?? 'Quick unlock is not available here.');
    this.forget();
    const token = randomBytes(TOKEN_BYTES);
    const plain = Buffer.from(JSON.stringify({ a: unlock.account ?? null, p: unlock.passcode }), 'utf8');
    try {
      const sealed = seal(token, plain);
      this.file.write(this.safe.encryptString(token.toString('base64')));
      this.sealed = sealed;
    } finally {
      token.fill(0);
      plain.fill(0);
    }
  }

  recall(): RememberedUnlock {
    if (this.sealed === undefined) {
      throw refused('Quick unlock works only after you have unlocked with your passcode since CareTwin started. Enter your passcode.');
    }
    const support = quickUnlockSupport(this.safe, this.platform);
    if (!support.available) {
      this.forget();
      throw refused(support.reason ?? 'Quick unlock is not available here. Enter your passcode.');
    }
    const stored = this.file.read();
    if (stored === undefined) {
      this.forget();
      throw refused('The remembered unlock is gone. Enter your passcode.');
    }
    let token: Buffer | undefined;
    let plain: Buffer | undefined;
    try {
      token = Buffer.from(this.safe.decryptString(stored), 'base64');
      if (token.length !== TOKEN_BYTES) throw new Error('token length');
      plain = unseal(token, this.sealed);
      const parsed = JSON.parse(plain.toString('utf8')) as { a: string | null; p: string };
      return { passcode: parsed.p, account: parsed.a ?? undefined };
    } catch {
      this.forget();
      throw refused('The remembered unlock could not be opened. Enter your passcode.');
    } finally {
      token?.fill(0);
      plain?.fill(0);
    }
  }

  forget(): void {
    if (this.sealed !== undefined) {
      this.sealed.box.fill(0);
      this.sealed.tag.fill(0);
      this.sealed = undefined;
    }
    this.file.remove();
  }
}
