import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../../shared/ipc/errors.js';
import { cryptoReady, ENVELOPE_HEADER_BYTES, ENVELOPE_OVERHEAD, envelopeKeyId, open, seal } from './envelope.js';

beforeAll(() => cryptoReady());

/** The associated data as the format defines it: the binding's UTF-8, a zero byte, the version, the key id (uint32 BE). */
function formatAssociatedData(binding: string, keyId: number): Uint8Array {
  const text = new TextEncoder().encode(binding);
  return Uint8Array.from([...text, 0, 1, keyId >>> 24, (keyId >>> 16) & 0xff, (keyId >>> 8) & 0xff, keyId & 0xff]);
}

const key = { keyId: 7, key: new Uint8Array(32).map((_, i) => i * 3 + 1) };
const otherKey = { keyId: 7, key: new Uint8Array(32).map((_, i) => 255 - i) };
const binding = 'chunks|0123456789abcdef0123456789abcdef|99504-3|20513|288';
const plaintext = new TextEncoder().encode('glucose 123 mg/dL at 08:00');

function expectTampered(fn: () => unknown, kind = 'chunks'): void {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(AppError);
  expect((caught as AppError).code).toBe('TAMPERED');
  expect((caught as AppError).message).toContain(`(${kind})`);
  // Only the kind of row: never the patient id or any other part of the binding.
  expect((caught as AppError).message).not.toContain('0123456789abcdef');
  expect((caught as AppError).message).not.toContain('99504-3');
}

describe('envelope', () => {
  it('is XChaCha20-Poly1305 as another implementation (@noble/ciphers) makes it: blobs open both ways', () => {
    for (const message of [plaintext, new Uint8Array(0), new Uint8Array(3000).map((_, i) => (i * 7) & 0xff)]) {
      const ad = formatAssociatedData(binding, key.keyId);
      const ours = seal(key, message, binding);
      const theirs = xchacha20poly1305(key.key, ours.subarray(5, ENVELOPE_HEADER_BYTES), ad).decrypt(ours.subarray(ENVELOPE_HEADER_BYTES));
      expect(Buffer.from(theirs)).toEqual(Buffer.from(message));
      const nonce = new Uint8Array(24).map((_, i) => 200 - i);
      const nobleBlob = Uint8Array.from([1, 0, 0, 0, 7, ...nonce, ...xchacha20poly1305(key.key, nonce, ad).encrypt(message)]);
      expect(Buffer.from(open(key, nobleBlob, binding))).toEqual(Buffer.from(message));
      expectTampered(() => open(key, nobleBlob, binding.replace('20513', '20514')));
    }
  });

  it('round-trips, with the version, key id and a fresh random nonce in the header', () => {
    const a = seal(key, plaintext, binding);
    const b = seal(key, plaintext, binding);
    expect(a.length).toBe(plaintext.length + ENVELOPE_OVERHEAD);
    expect(a[0]).toBe(1);
    expect(envelopeKeyId(a)).toBe(7);
    expect(Buffer.from(a.subarray(5, ENVELOPE_HEADER_BYTES))).not.toEqual(Buffer.from(b.subarray(5, ENVELOPE_HEADER_BYTES)));
    expect(Buffer.from(a)).not.toEqual(Buffer.from(b));
    expect(Buffer.from(open(key, a, binding))).toEqual(Buffer.from(plaintext));
    expect(Buffer.from(open(key, b, binding))).toEqual(Buffer.from(plaintext));
  });

  it('opens into a caller buffer and handles empty plaintext', () => {
    const out = new Uint8Array(64);
    const view = open(key, seal(key, plaintext, binding), binding, out);
    expect(view.buffer).toBe(out.buffer);
    expect(Buffer.from(view)).toEqual(Buffer.from(plaintext));
    expect(open(key, seal(key, new Uint8Array(0), binding), binding).length).toBe(0);
  });

  it('refuses every single flipped bit anywhere in the blob', () => {
    const blob = seal(key, plaintext, binding);
    for (let i = 0; i < blob.length; i++) {
      for (const bit of [0x01, 0x80]) {
        const bad = blob.slice();
        bad[i]! ^= bit;
        expectTampered(() => open(key, bad, binding));
      }
    }
  });

  it('refuses a blob opened for another row, under another key, truncated or extended', () => {
    const blob = seal(key, plaintext, binding);
    expectTampered(() => open(key, blob, binding.replace('20513', '20514')));
    expectTampered(() => open(key, blob, 'chunks|fedcba9876543210fedcba9876543210|99504-3|20513|288'));
    expectTampered(() => open(otherKey, blob, binding));
    expectTampered(() => open({ keyId: 8, key: key.key }, blob, binding));
    expectTampered(() => open(key, blob.subarray(0, blob.length - 1), binding));
    expectTampered(() => open(key, new Uint8Array([...blob, 0]), binding));
    expectTampered(() => open(key, blob.subarray(0, 10), binding));
  });

  it('binds the key id: a header rewritten to name another key id does not open under that id', () => {
    const blob = seal(key, plaintext, binding);
    const relabelled = blob.slice();
    relabelled[4] = 9;
    expectTampered(() => open({ keyId: 9, key: key.key }, relabelled, binding));
  });

  it('names only the table in the error', () => {
    const blob = seal(key, plaintext, 'patients|abc|1|5');
    expectTampered(() => open(key, blob, 'patients|abd|1|5'), 'patients');
  });
});
