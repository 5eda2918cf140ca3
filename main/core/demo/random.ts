/**
 * Seeded pseudo-random numbers for the synthetic demo panel.
 *
 * Hand-written rather than a library so that a seed gives the same panel on every machine and in every
 * future version of the dependencies: the generator is mulberry32 (32-bit integer arithmetic through
 * Math.imul, identical everywhere), normals come from Marsaglia's polar method (only Math.log and
 * Math.sqrt; sqrt is exact under IEEE 754 and V8 computes log with the same fdlibm port on every platform).
 */

const TWO_POW_32 = 4_294_967_296;

/** 32-bit finaliser of MurmurHash3: spreads every input bit over the whole word. */
function mix32(x: number): number {
  let h = x | 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * A seed for one independent random stream, derived from integer parts (panel seed, patient index, a
 * tag for what the stream drives). Separate streams per patient and per signal keep patient 7 the same
 * whatever the panel size, and let one signal's model change without reshuffling every other signal.
 */
export function deriveSeed(...parts: readonly number[]): number {
  let h = 0x9e3779b9;
  for (const part of parts) {
    // Integers beyond 32 bits (seeds up to 2^53, negative seeds) contribute both halves.
    const low = part >>> 0;
    const high = Math.floor(part / TWO_POW_32) >>> 0;
    h = mix32(h ^ mix32(low + 0x7f4a7c15));
    h = mix32(h ^ mix32(high + 0x165667b1));
  }
  return h;
}

/** Tags that give each kind of draw its own random stream (see deriveSeed). */
export const RANDOM_STREAM = {
  cohortBlock: 1,
  profile: 2,
  nameKey: 3,
  glucose: 4,
  cgmSensor: 5,
  fingersticks: 6,
  heartFailureCourse: 7,
  heartFailureVitals: 8,
  medications: 9,
  labs: 10,
} as const;

export class SeededRandom {
  private state: number;
  /** The polar method yields normals in pairs; the second one waits here. */
  private spareNormal = Number.NaN;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform on [0, 1), 32 random bits (mulberry32). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / TWO_POW_32;
  }

  /** Uniform on [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** Uniform integer in [lo, hi], both inclusive. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick needs at least one item');
    return items[Math.floor(this.next() * items.length)] as T;
  }

  /** Normal with the given mean and standard deviation (Marsaglia polar method). */
  normal(mean = 0, sd = 1): number {
    if (!Number.isNaN(this.spareNormal)) {
      const z = this.spareNormal;
      this.spareNormal = Number.NaN;
      return mean + sd * z;
    }
    let u: number;
    let v: number;
    let s: number;
    do {
      u = 2 * this.next() - 1;
      v = 2 * this.next() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const scale = Math.sqrt((-2 * Math.log(s)) / s);
    this.spareNormal = v * scale;
    return mean + sd * u * scale;
  }

  /** Log-normal whose median is `median` and whose log has standard deviation `sdLog`. */
  logNormal(median: number, sdLog: number): number {
    return median * Math.exp(this.normal(0, sdLog));
  }

  /** Exponential waiting time with the given mean. */
  exponential(mean: number): number {
    return -mean * Math.log(1 - this.next());
  }

  /** Poisson count: Knuth's product of uniforms for small means, a rounded normal for large ones. */
  poisson(mean: number): number {
    if (mean <= 0) return 0;
    if (mean > 30) return Math.max(0, Math.round(this.normal(mean, Math.sqrt(mean))));
    const limit = Math.exp(-mean);
    let count = 0;
    let product = this.next();
    while (product > limit) {
      count++;
      product *= this.next();
    }
    return count;
  }

  /** Fisher-Yates shuffle in place. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      const held = items[i] as T;
      items[i] = items[j] as T;
      items[j] = held;
    }
    return items;
  }
}
