import { describe, expect, it } from 'vitest';
import { deriveSeed, SeededRandom } from './random.js';

describe('SeededRandom', () => {
  it('repeats its sequence for a seed and differs between seeds', () => {
    const a = new SeededRandom(42);
    const b = new SeededRandom(42);
    const c = new SeededRandom(43);
    const first = Array.from({ length: 50 }, () => a.next());
    expect(Array.from({ length: 50 }, () => b.next())).toEqual(first);
    expect(Array.from({ length: 50 }, () => c.next())).not.toEqual(first);
  });

  it('is mulberry32: the first outputs match the reference implementation', () => {
    const rng = new SeededRandom(1);
    const values = [rng.next(), rng.next(), rng.next()].map((v) => Math.round(v * 1e9));
    expect(values).toEqual([627073941, 2735721, 527447040]);
  });

  it('draws uniforms in [0, 1) and integers within inclusive bounds', () => {
    const rng = new SeededRandom(7);
    let min = 1;
    let max = 0;
    const ints = new Set<number>();
    for (let i = 0; i < 20_000; i++) {
      const u = rng.next();
      min = Math.min(min, u);
      max = Math.max(max, u);
      ints.add(rng.int(3, 6));
    }
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThan(1);
    expect([...ints].sort()).toEqual([3, 4, 5, 6]);
  });

  it('draws normals and Poisson counts with the right mean and spread', () => {
    const rng = new SeededRandom(11);
    const n = 40_000;
    let sum = 0;
    let sumSq = 0;
    let poissonSum = 0;
    for (let i = 0; i < n; i++) {
      const z = rng.normal(5, 2);
      sum += z;
      sumSq += z * z;
      poissonSum += rng.poisson(3.5);
    }
    const mean = sum / n;
    expect(mean).toBeCloseTo(5, 1);
    expect(Math.sqrt(sumSq / n - mean * mean)).toBeCloseTo(2, 1);
    expect(poissonSum / n).toBeCloseTo(3.5, 1);
  });

  it('derives distinct seeds from the parts, including seeds beyond 32 bits and negative ones', () => {
    const seeds = new Set<number>();
    for (let patient = 0; patient < 200; patient++) for (let stream = 1; stream <= 10; stream++) seeds.add(deriveSeed(1, patient, stream));
    expect(seeds.size).toBe(2000);
    expect(deriveSeed(2 ** 40 + 1, 0)).not.toBe(deriveSeed(1, 0));
    expect(deriveSeed(-1, 0)).not.toBe(deriveSeed(2 ** 32 - 1, 0));
  });
});
