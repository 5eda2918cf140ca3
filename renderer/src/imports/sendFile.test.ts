import { describe, expect, it } from 'vitest';
import { toBase64 } from './sendFile.js';

describe('toBase64', () => {
  it('matches Node for every byte value and for lengths across its 32 KiB slices', () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    expect(toBase64(all)).toBe(Buffer.from(all).toString('base64'));
    for (const n of [0, 1, 2, 3, 0x8000 - 1, 0x8000, 0x8000 + 1, 3 * 0x8000 + 2]) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 7919) & 0xff);
      expect(toBase64(bytes)).toBe(Buffer.from(bytes).toString('base64'));
    }
  });
});
