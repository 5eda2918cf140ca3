import { describe, expect, it } from 'vitest';
import { benchStore } from './bench.js';

describe('store benchmark', () => {
  it('runs end to end at a small size and reports consistent figures', async () => {
    const r = await benchStore({ patients: 2, days: 3, reads: 3 });
    expect(r.samples).toBe(2 * 3 * 288);
    expect(r.encryptedSamplesPerSec).toBeGreaterThan(0);
    expect(r.plainRowSamplesPerSec).toBeGreaterThan(0);
    expect(r.ratio).toBeCloseTo(r.encryptedSamplesPerSec / r.plainRowSamplesPerSec);
    expect(Number.isFinite(r.readBack90dMs) && r.readBack90dMs >= 0).toBe(true);
  });
});
