/**
 * The one ciphertext format of the store: `version (1) | keyId (uint32 BE) | nonce (24) | XChaCha20-Poly1305
 * ciphertext + tag (16)`. Every blob names the key that sealed it, and its associated data binds it to the row
 * it was written for, so a blob copied onto another row, or changed by one bit, fails to open.
 *
 * The AEAD is libsodium's (`crypto_aead_xchacha20poly1305_ietf_*`, the reference implementation of the
 * construction, compiled to WebAssembly by libsodium.js): it opens a store's typical blob (a day of a daily
 * stream, a few dozen bytes) in about 1 µs against 7 µs for @noble/ciphers, whose per-call checks and copies
 * were most of a panel refit's reading time (main/core/twin/README.md). The format is unchanged: envelope.test.ts
 * opens blobs sealed by @noble/ciphers and the other way round. libsodium loads asynchronously, so
 * `cryptoReady()` must have resolved before the first seal or open; `deriveKek` (./keys.ts), which every way
 * into a store goes through, awaits it.
 */
import { randomFillSync } from 'node:crypto';
import sodium from 'libsodium-wrappers';
import { AppError } from '../../../shared/ipc/errors.js';

let sodiumLoaded = false;
const sodiumReady: Promise<void> = sodium.ready.then(() => {
  sodiumLoaded = true;
});

/** Resolves once the AEAD can run (at once after the first time). */
export function cryptoReady(): Promise<void> {
  return sodiumReady;
}

function requireSodium(): void {
  if (!sodiumLoaded) throw new Error('The store cipher is not loaded yet: await cryptoReady() before sealing or opening a blob.');
}

export const ENVELOPE_VERSION = 1;
export const KEY_BYTES = 32;
export const NONCE_BYTES = 24;
export const TAG_BYTES = 16;
export const ENVELOPE_HEADER_BYTES = 1 + 4 + NONCE_BYTES;
/** Bytes an envelope adds to its plaintext. */
export const ENVELOPE_OVERHEAD = ENVELOPE_HEADER_BYTES + TAG_BYTES;

/** A 32-byte key and the id written into the header of every blob it seals. */
export interface EnvelopeKey {
  readonly keyId: number;
  readonly key: Uint8Array;
}

const utf8 = new TextEncoder();

// The binding is rebuilt for every blob on the hot write and read paths; encoding it into a reused buffer keeps
// those paths free of per-blob garbage. Bindings hold row keys (random ids, codes, numbers), never PHI.
let adScratch = new Uint8Array(256);

function associatedData(binding: string, version: number, keyId: number): Uint8Array {
  const need = binding.length * 3 + 6;
  if (adScratch.length < need) adScratch = new Uint8Array(need * 2);
  const { written } = utf8.encodeInto(binding, adScratch);
  // A fixed-length suffix after a separator: the AD parses unambiguously from its end whatever the binding holds.
  adScratch[written] = 0;
  adScratch[written + 1] = version;
  writeUint32BE(adScratch, written + 2, keyId);
  return adScratch.subarray(0, written + 6);
}

// Nonces are drawn from the CSPRNG in blocks: one system call per few hundred blobs instead of one per blob.
// Each nonce is handed out once and wiped from the pool as it is taken.
const NONCE_POOL_BYTES = NONCE_BYTES * 512;
const noncePool = new Uint8Array(NONCE_POOL_BYTES);
let noncePos = NONCE_POOL_BYTES;

function takeNonce(into: Uint8Array, at: number): void {
  if (noncePos === NONCE_POOL_BYTES) {
    randomFillSync(noncePool);
    noncePos = 0;
  }
  into.set(noncePool.subarray(noncePos, noncePos + NONCE_BYTES), at);
  noncePool.fill(0, noncePos, noncePos + NONCE_BYTES);
  noncePos += NONCE_BYTES;
}

/** Encrypts `plaintext` under `key`, bound to `binding` (e.g. `chunks|<patientId>|<stream>|<day>|<n>`). */
export function seal(key: EnvelopeKey, plaintext: Uint8Array, binding: string): Uint8Array {
  checkKey(key);
  requireSodium();
  const sealedLength = plaintext.length + TAG_BYTES;
  const blob = new Uint8Array(ENVELOPE_HEADER_BYTES + sealedLength);
  blob[0] = ENVELOPE_VERSION;
  writeUint32BE(blob, 1, key.keyId);
  takeNonce(blob, 5);
  const nonce = blob.subarray(5, ENVELOPE_HEADER_BYTES);
  const sealed = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(plaintext, associatedData(binding, ENVELOPE_VERSION, key.keyId), null, nonce, key.key);
  if (sealed.length !== sealedLength) throw new Error('seal: the cipher returned an unexpected length');
  blob.set(sealed, ENVELOPE_HEADER_BYTES);
  return blob;
}

/**
 * Decrypts a blob written by `seal` for the same binding. With `out` (at least `plaintextLength(blob)` bytes)
 * the plaintext is written there and a view of it returned (the cipher's own copy is wiped); the caller owns
 * wiping it. Any failure to authenticate throws TAMPERED, naming only the kind of row (the binding's first field).
 */
export function open(key: EnvelopeKey, blob: Uint8Array, binding: string, out?: Uint8Array): Uint8Array {
  checkKey(key);
  requireSodium();
  if (blob.length < ENVELOPE_OVERHEAD || blob[0] !== ENVELOPE_VERSION || envelopeKeyId(blob) !== key.keyId) {
    throw tampered(binding);
  }
  if (out !== undefined && out.length < blob.length - ENVELOPE_OVERHEAD) throw new RangeError('open: the output buffer is too short');
  let plain: Uint8Array;
  try {
    plain = sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(
      null,
      blob.subarray(ENVELOPE_HEADER_BYTES),
      associatedData(binding, ENVELOPE_VERSION, key.keyId),
      blob.subarray(5, ENVELOPE_HEADER_BYTES),
      key.key,
    );
  } catch {
    throw tampered(binding);
  }
  if (out === undefined) return plain;
  const target = out.subarray(0, plain.length);
  target.set(plain);
  plain.fill(0);
  return target;
}

/** The id of the key that sealed `blob` (read from its header; authenticated only once the blob opens). */
export function envelopeKeyId(blob: Uint8Array): number {
  if (blob.length < 5) return -1;
  return ((blob[1]! << 24) | (blob[2]! << 16) | (blob[3]! << 8) | blob[4]!) >>> 0;
}

export function plaintextLength(blob: Uint8Array): number {
  return Math.max(0, blob.length - ENVELOPE_OVERHEAD);
}

export function tampered(binding: string): AppError {
  const sep = binding.indexOf('|');
  const kind = sep < 0 ? binding : binding.slice(0, sep);
  return new AppError(
    'TAMPERED',
    `Stored data failed its integrity check (${kind}). It was not shown. The data file may have been changed ` +
      'outside CareTwin or damaged; restore caretwin.db from a backup.',
  );
}

function checkKey(key: EnvelopeKey): void {
  if (key.key.length !== KEY_BYTES || !Number.isInteger(key.keyId) || key.keyId < 0 || key.keyId > 0xffffffff) {
    throw new RangeError('An envelope key must be 32 bytes with a uint32 id');
  }
}

function writeUint32BE(buf: Uint8Array, at: number, v: number): void {
  buf[at] = v >>> 24;
  buf[at + 1] = (v >>> 16) & 0xff;
  buf[at + 2] = (v >>> 8) & 0xff;
  buf[at + 3] = v & 0xff;
}
