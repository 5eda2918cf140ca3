/**
 * Removing readings on purpose, to measure graceful degradation (MODEL-NOTES §4.2): missing completely at
 * random, or in contiguous gaps of random length. Deterministic for a seed.
 */

/**
 * mulberry32: a small, fast, well-mixed 32-bit generator; enough for masking, not for cryptography. The
 * seed goes through murmur3's finaliser first: mulberry32 streams from adjacent raw seeds are correlated.
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  state = Math.imul(state ^ (state >>> 16), 0x85ebca6b);
  state = Math.imul(state ^ (state >>> 13), 0xc2b2ae35);
  state = (state ^ (state >>> 16)) >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Keeps all but round(fraction·n) readings, the removed ones drawn uniformly without replacement. */
export function keepAfterRandomRemoval(count: number, fraction: number, random: () => number): Uint8Array {
  const keep = new Uint8Array(count).fill(1);
  const order = Array.from({ length: count }, (_, i) => i);
  const toRemove = Math.round(fraction * count);
  // Partial Fisher–Yates: the first toRemove entries become a uniform random subset.
  for (let k = 0; k < toRemove; k++) {
    const j = k + Math.floor(random() * (count - k));
    const picked = order[j]!;
    order[j] = order[k]!;
    order[k] = picked;
    keep[picked] = 0;
  }
  return keep;
}

/**
 * Removes whole stretches [start, start + length) with start uniform over the series and length uniform
 * in [minGapMin, maxGapMin], until at least round(fraction·n) readings are gone (the last gap may
 * overshoot by part of a gap; gaps may merge into longer ones).
 */
export function keepAfterGapRemoval(
  sortedTimeMin: Float64Array,
  fraction: number,
  minGapMin: number,
  maxGapMin: number,
  random: () => number,
): Uint8Array {
  const n = sortedTimeMin.length;
  const keep = new Uint8Array(n).fill(1);
  if (n === 0) return keep;
  const target = Math.round(fraction * n);
  const first = sortedTimeMin[0]!;
  const span = sortedTimeMin[n - 1]! - first;
  let removed = 0;
  // Each draw removes something with positive probability; the bound only guards a degenerate series.
  for (let attempt = 0; removed < target && attempt < 100 * n; attempt++) {
    const length = minGapMin + random() * (maxGapMin - minGapMin);
    const start = first - length + random() * (span + length);
    for (let i = 0; i < n; i++) {
      const t = sortedTimeMin[i]!;
      if (t >= start && t < start + length && keep[i] === 1) {
        keep[i] = 0;
        removed++;
      }
    }
  }
  return keep;
}

export type RemovalKind = 'random' | 'gaps';

export interface RemovalPlan {
  readonly kind: RemovalKind;
  /** share of readings to remove, 0–1 */
  readonly fraction: number;
  /** for gaps: the range of gap lengths (min) */
  readonly gapRangeMin?: readonly [number, number];
  readonly seed: number;
}

/** The default gap lengths of the degradation protocol: 2–6 h. */
export const DEFAULT_GAP_RANGE_MIN: readonly [number, number] = [120, 360];

/** Each subject's keep mask under `plan`; subject k draws from seed + k, so subjects do not share draws. */
export function applyRemoval<S extends { readonly timeMin: Float64Array }>(subjects: readonly S[], plan: RemovalPlan): (S & { keep: Uint8Array })[] {
  return subjects.map((subject, k) => {
    const random = seededRandom(plan.seed + k);
    const [minGap, maxGap] = plan.gapRangeMin ?? DEFAULT_GAP_RANGE_MIN;
    const keep =
      plan.kind === 'random'
        ? keepAfterRandomRemoval(subject.timeMin.length, plan.fraction, random)
        : keepAfterGapRemoval(subject.timeMin, plan.fraction, minGap, maxGap, random);
    return { ...subject, keep };
  });
}
