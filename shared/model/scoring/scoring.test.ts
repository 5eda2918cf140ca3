/** The scores against references: Python's erfc, numeric integration of the CRPS, hand-computed windows. */
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../glucose/degradation.js';
import { normalSampler } from '../glucose/simulation.js';
import { crpsEmpirical, crpsLogNormal, crpsLogNormalScaleMixture, crpsNormal } from './crps.js';
import { LogNormalScaleMixture, RatioSample, ScaledEmpiricalDistribution } from './distributions.js';
import { HorizonScoreAccumulator, intervalScore } from './forecast-scores.js';
import { GlucoBenchAccumulator, median } from './glucobench.js';
import { erf, erfc, standardNormalCdf, standardNormalQuantile } from './normal.js';

/** ∫ f over [a, b] by composite Simpson with n (even) intervals. */
function simpson(f: (x: number) => number, a: number, b: number, n = 20_000): number {
  const h = (b - a) / n;
  let sum = f(a) + f(b);
  for (let i = 1; i < n; i++) sum += (i % 2 === 1 ? 4 : 2) * f(a + i * h);
  return (sum * h) / 3;
}

/** CRPS = ∫ (F(x) − 1{x ≥ y})² dx, split at y so that each piece is smooth, over [low, high]. */
function crpsByIntegration(cdf: (x: number) => number, y: number, low: number, high: number, intervals = 20_000): number {
  return simpson((x) => cdf(x) ** 2, low, y, intervals) + simpson((x) => (1 - cdf(x)) ** 2, y, high, intervals);
}

describe('normal distribution', () => {
  it('erfc matches Python math.erfc to a few ulp in both tails', () => {
    const reference: [number, number][] = [
      [0.1, 0.8875370839817152],
      [0.5, 0.4795001221869535],
      [1, 0.15729920705028513],
      [1.5, 0.033894853524689274],
      [3, 2.2090496998585438e-5],
      [6, 2.1519736712498916e-17],
      [10, 2.088487583762545e-45],
      [26, 5.663192408856143e-296],
      [-0.3, 1.3286267594591274],
      [-1, 1.842700792949715],
      [-2.5, 1.999593047982555],
    ];
    for (const [x, value] of reference) expect(Math.abs(erfc(x) - value) / value).toBeLessThan(1e-14);
    expect(erf(0.2) + erfc(0.2)).toBeCloseTo(1, 15);
  });

  it('Φ and Φ⁻¹ match Python statistics.NormalDist and invert each other', () => {
    const quantiles: [number, number][] = [
      [1e-10, -6.361340902404056],
      [0.001, -3.090232306167813],
      [0.025, -1.9599639845400538],
      [0.1, -1.2815515655446008],
      [0.5, 0],
      [0.975, 1.9599639845400536],
      [0.999999, 4.753424308817089],
    ];
    for (const [p, z] of quantiles) expect(standardNormalQuantile(p)).toBeCloseTo(z, 13);
    expect(standardNormalCdf(-8) / 6.220960574271819e-16).toBeCloseTo(1, 13);
    expect(standardNormalCdf(0.3)).toBeCloseTo(0.6179114221889526, 15);
    for (const p of [1e-6, 0.01, 0.3, 0.7, 0.99]) expect(standardNormalCdf(standardNormalQuantile(p))).toBeCloseTo(p, 14);
  });
});

describe('CRPS', () => {
  it('of a Gaussian: the closed form equals scoringRules and numeric integration', () => {
    // R scoringRules' own test value, crps_norm(-3, 0, 1).
    expect(crpsNormal(-3, 0, 1)).toBeCloseTo(2.43657473, 8);
    for (const [y, mean, sd] of [
      [150, 140, 12],
      [80, 140, 30],
      [141, 140, 0.5],
    ] as const) {
      const numeric = crpsByIntegration((x) => standardNormalCdf((x - mean) / sd), y, mean - 12 * sd, mean + 12 * sd);
      expect(crpsNormal(y, mean, sd)).toBeCloseTo(numeric, 9);
    }
  });

  it('of a log-normal and of a log-normal scale mixture: closed forms equal numeric integration', () => {
    const location = Math.log(140);
    for (const y of [60, 139, 140, 260]) {
      const logNormalCdf = (x: number) => standardNormalCdf((Math.log(x) - location) / 0.2);
      expect(crpsLogNormal(y, location, 0.2)).toBeCloseTo(crpsByIntegration(logNormalCdf, y, 1e-9, 140 * Math.exp(12 * 0.2), 200_000), 7);
      const mixture = new LogNormalScaleMixture(location, 0.15, Float64Array.of(0.8, 0.2), Float64Array.of(0.9, 2.5));
      const numeric = crpsByIntegration((x) => mixture.cdf(x), y, 1e-9, 140 * Math.exp(12 * 0.15 * 2.5), 400_000);
      expect(mixture.crps(y)).toBeCloseTo(numeric, 6);
    }
    // One component is the plain log-normal.
    expect(crpsLogNormalScaleMixture(95, 5, 0.3, [1], [1])).toBeCloseTo(crpsLogNormal(95, 5, 0.3), 12);
  });

  it('of an empirical distribution: the O(log n) scaled form equals the direct sum over pairs', () => {
    const ratios = [0.8, 0.95, 1, 1, 1.02, 1.3];
    const sample = new RatioSample(ratios);
    const forecast = new ScaledEmpiricalDistribution(150, sample);
    const members = ratios.map((r) => 150 * r).sort((a, b) => a - b);
    for (const y of [100, 150, 153, 250]) {
      let pairs = 0;
      let absolute = 0;
      for (const a of members) {
        absolute += Math.abs(a - y);
        for (const b of members) pairs += Math.abs(a - b);
      }
      const direct = absolute / members.length - pairs / (2 * members.length ** 2);
      expect(forecast.crps(y)).toBeCloseTo(direct, 10);
      expect(crpsEmpirical(y, members)).toBeCloseTo(direct, 10);
    }
    expect(forecast.quantile(0.5)).toBe(150);
    expect(forecast.cdf(150)).toBeCloseTo(4 / 6, 15);
    expect(forecast.pit(150)).toBeCloseTo(3 / 6, 15);
  });
});

describe('interval score, coverage and PIT', () => {
  it('interval score by hand', () => {
    expect(intervalScore(100, 140, 120, 0.2)).toBe(40);
    expect(intervalScore(100, 140, 90, 0.2)).toBe(40 + 10 * 10);
    expect(intervalScore(100, 140, 150, 0.05)).toBe(40 + 40 * 10);
  });

  it('a well-specified forecast has uniform PIT and nominal coverage', () => {
    const normal = normalSampler(seededRandom(11));
    const random = seededRandom(12);
    const accumulator = new HorizonScoreAccumulator();
    const weights = Float64Array.of(0.7, 0.3);
    const factors = Float64Array.of(0.8, 1.9);
    for (let i = 0; i < 20_000; i++) {
      const location = Math.log(100 + 100 * random());
      const scale = 0.05 + 0.2 * random();
      const component = random() < weights[0]! ? 0 : 1;
      const y = Math.exp(location + scale * factors[component]! * normal());
      accumulator.add(new LogNormalScaleMixture(location, scale, weights, factors), y);
    }
    const scores = accumulator.summary();
    expect(scores.coverage80).toBeGreaterThan(0.79);
    expect(scores.coverage80).toBeLessThan(0.81);
    expect(scores.coverage95).toBeGreaterThan(0.945);
    expect(scores.coverage95).toBeLessThan(0.955);
    for (const share of scores.pitHistogram) expect(Math.abs(share - 0.1)).toBeLessThan(0.008);
  });

  it('the mixture quantile inverts its CDF, and its mean is the mixture of log-normal means', () => {
    const mixture = new LogNormalScaleMixture(Math.log(120), 0.1, Float64Array.of(0.6, 0.4), Float64Array.of(1, 3));
    for (const p of [0.025, 0.1, 0.5, 0.9, 0.975]) expect(mixture.cdf(mixture.quantile(p))).toBeCloseTo(p, 12);
    expect(mixture.absoluteErrorPoint).toBeCloseTo(120, 12);
    expect(mixture.squaredErrorPoint).toBeCloseTo(0.6 * 120 * Math.exp(0.005) + 0.4 * 120 * Math.exp(0.045), 10);
  });
});

describe('GlucoBench metrics', () => {
  it('√(median of window MSE) and the calibration error, by hand', () => {
    // Three windows of 12 steps; every forecast is a point mass near 100 (a tiny log-normal), so F(y) is 0
    // below 100 and 1 above it.
    const forecast = new LogNormalScaleMixture(Math.log(100), 1e-9, Float64Array.of(1), Float64Array.of(1));
    const forecasts = Array.from({ length: 12 }, () => forecast);
    const accumulator = new GlucoBenchAccumulator();
    accumulator.addWindow(forecasts, new Array<number>(12).fill(101)); // MSE 1, all above
    accumulator.addWindow(forecasts, new Array<number>(12).fill(97)); // MSE 9, all below
    accumulator.addWindow(forecasts, new Array<number>(12).fill(110)); // MSE 100, all above
    const scores = accumulator.summary();
    expect(scores.windows).toBe(3);
    expect(scores.medianMse).toBeCloseTo(9, 9);
    expect(scores.rmse).toBeCloseTo(3, 9);
    expect(scores.medianMae).toBeCloseTo(3, 9);
    // At each step, one outcome in three has F(y) = 0 (< p for every p > 0), two have F(y) = 1 (< p never):
    // share(p) = 0 at p = 0 and 1/3 for p = 0.1 … 1. Σ (share − p)² is the same at every step.
    let expected = 0;
    for (let k = 0; k <= 10; k++) expected += ((k === 0 ? 0 : 1 / 3) - k / 10) ** 2;
    expect(scores.calibrationError).toBeCloseTo(expected, 12);
  });

  it('median of an even count is the mean of the middle two', () => {
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([5])).toBe(5);
  });
});
