import { describe, expect, it } from 'vitest';
import { erfc, normalCdf, quantileOfSorted, SeededGenerator, sortTails, Z_CENTRAL_80, Z_CENTRAL_95 } from './distributions.js';
import {
  estimatedAverageGlucoseMgDl,
  glucoseManagementIndicatorPct,
  HBA1C_KERNEL_TAU_DAYS,
  hba1cFromMeanGlucosePct,
  hba1cKernelDecayPerDay,
} from './formulas.js';

describe('ADAG and GMI', () => {
  it('ADAG: eAG = 28.7 × HbA1c − 46.7 (the ADAG table: 6 % → 126, 7 % → 154, 8 % → 183, 10 % → 240 mg/dL)', () => {
    expect(estimatedAverageGlucoseMgDl(7)).toBeCloseTo(154.2, 10);
    for (const [hba1c, eag] of [
      [6, 126],
      [7, 154],
      [8, 183],
      [10, 240],
    ] as const) {
      // The published table rounds to whole mg/dL.
      expect(Math.abs(estimatedAverageGlucoseMgDl(hba1c) - eag)).toBeLessThanOrEqual(0.5 + 1e-9);
    }
  });

  it('inverts ADAG exactly', () => {
    for (const hba1c of [4.5, 6.5, 9.25, 14]) expect(hba1cFromMeanGlucosePct(estimatedAverageGlucoseMgDl(hba1c))).toBeCloseTo(hba1c, 12);
    expect(hba1cFromMeanGlucosePct(154.2)).toBeCloseTo(7, 12);
  });

  it('GMI % = 3.31 + 0.02392 × mean glucose', () => {
    expect(glucoseManagementIndicatorPct(100)).toBeCloseTo(5.702, 12);
    expect(glucoseManagementIndicatorPct(154)).toBeCloseTo(6.99368, 12);
    // Bergenstal 2018, table 1: 150 mg/dL → GMI 6.9 %.
    expect(glucoseManagementIndicatorPct(150)).toBeCloseTo(6.9, 1);
  });

  it('the HbA1c kernel (τ = 43 d) weights the last 30 days about 50 % and days 30–60 about 25 %', () => {
    const decay = hba1cKernelDecayPerDay();
    expect(HBA1C_KERNEL_TAU_DAYS).toBe(43);
    expect(1 - decay ** 30).toBeCloseTo(0.5, 2);
    expect(decay ** 30 - decay ** 60).toBeCloseTo(0.25, 2);
  });
});

describe('normal distribution helpers', () => {
  it('erfc matches reference values (Python math.erfc) to 1e-14 relative', () => {
    const reference: [number, number][] = [
      [-3, 1.9999779095030015],
      [-0.3, 1.3286267594591274],
      [0, 1],
      [0.2, 0.7772974107895215],
      [0.5, 0.4795001221869535],
      [1, 0.15729920705028513],
      [2, 0.004677734981047265],
      [3, 2.2090496998585438e-5],
      [5, 1.5374597944280351e-12],
      [8, 1.1224297172982928e-29],
    ];
    for (const [x, value] of reference) expect(Math.abs(erfc(x) - value) / value).toBeLessThan(1e-14);
  });

  it('Φ at the central-interval z values gives 0.9 and 0.975', () => {
    expect(normalCdf(Z_CENTRAL_80)).toBeCloseTo(0.9, 14);
    expect(normalCdf(Z_CENTRAL_95)).toBeCloseTo(0.975, 14);
    expect(normalCdf(-Z_CENTRAL_95)).toBeCloseTo(0.025, 14);
  });

  it('quantiles interpolate between order statistics', () => {
    const sorted = Float64Array.of(1, 2, 3, 4, 5);
    expect(quantileOfSorted(sorted, 0)).toBe(1);
    expect(quantileOfSorted(sorted, 0.5)).toBe(3);
    expect(quantileOfSorted(sorted, 0.9)).toBeCloseTo(4.6, 12);
    expect(() => quantileOfSorted(new Float64Array(0), 0.5)).toThrow(/no values/);
  });

  it('the seeded generator is deterministic and its gamma and beta draws have the right means', () => {
    const a = new SeededGenerator(7);
    const b = new SeededGenerator(7);
    for (let i = 0; i < 10; i++) expect(a.normal()).toBe(b.normal());
    const random = new SeededGenerator(11);
    const n = 20_000;
    let gammaSum = 0;
    let smallGammaSum = 0;
    let betaSum = 0;
    for (let i = 0; i < n; i++) {
      gammaSum += random.gamma(3.5);
      smallGammaSum += random.gamma(0.4);
      betaSum += random.beta(2, 6);
    }
    expect(gammaSum / n).toBeCloseTo(3.5, 1);
    expect(smallGammaSum / n).toBeCloseTo(0.4, 1);
    expect(betaSum / n).toBeCloseTo(0.25, 2);
  });
});

describe('sortTails', () => {
  it('gives the band edges a full sort gives, bit for bit (ties, zeros, every length)', () => {
    const random = new SeededGenerator(7);
    const probabilities = [0.025, 0.1, 0.9, 0.975];
    for (const n of [1, 2, 63, 64, 65, 100, 101, 300, 499, 500, 501, 2000]) {
      for (const kind of ['continuous', 'ties', 'mostly-zero', 'sorted', 'reversed'] as const) {
        const values = Float64Array.from({ length: n }, (_, i) =>
          kind === 'continuous' ? random.normal()
          : kind === 'ties' ? Math.floor(random.uniform() * 5) / 4
          : kind === 'mostly-zero' ? (random.uniform() < 0.9 ? 0 : random.uniform() * 0.05)
          : kind === 'sorted' ? i
          : n - i,
        );
        const sorted = Float64Array.from(values).sort();
        const tails = Float64Array.from(values);
        sortTails(tails, 0.1, 0.9);
        for (const p of probabilities) expect(quantileOfSorted(tails, p), `${kind} n=${n} p=${p}`).toBe(quantileOfSorted(sorted, p));
        // Nothing lost or invented: the same multiset.
        expect(Float64Array.from(tails).sort()).toEqual(sorted);
      }
    }
  });
});
