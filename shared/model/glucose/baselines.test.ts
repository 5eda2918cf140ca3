/**
 * The baselines by hand (Nightscout's AR2 coefficients exactly), their bands from the past only, the
 * protocol's blocks and outcome matching, the removal masks and the band recalibration.
 */
import { describe, expect, it } from 'vitest';
import {
  AR2_COEFFICIENTS,
  AR2_REFERENCE_MG_DL,
  type CgmSeries,
  forecastWithBaseline,
  lastValueForecast,
  linearExtrapolationForecast,
  nightscoutAr2Forecast,
} from './baselines.js';
import { keepAfterGapRemoval, keepAfterRandomRemoval, seededRandom } from './degradation.js';
import { normalSampler } from './simulation.js';
import { DEFAULT_PROTOCOL, nearestReading, refitBlocks } from './protocol.js';
import { fitScaleMixture, IDENTITY_SCALE_MIXTURE } from './recalibration.js';

function series(times: number[], values: number[]): CgmSeries {
  return { timeMin: Float64Array.from(times), glucoseMgDl: Float64Array.from(values) };
}

describe('baselines', () => {
  it("uses Nightscout's AR2 coefficients on ln(BG/140) in 5-min steps", () => {
    expect(AR2_COEFFICIENTS).toEqual([-0.723, 1.716]);
    expect(AR2_REFERENCE_MG_DL).toBe(140);
    const data = series([0, 5, 10], [150, 160, 170]);
    // By hand: y_{k+1} = −0.723 y_{k−1} + 1.716 y_k from y(5) = ln(160/140), y(10) = ln(170/140).
    let older = Math.log(160 / 140);
    let newer = Math.log(170 / 140);
    for (let step = 0; step < 6; step++) [older, newer] = [newer, -0.723 * older + 1.716 * newer];
    expect(nightscoutAr2Forecast(data, 2, 30)).toBeCloseTo(140 * Math.exp(newer), 10);
    // Three steps more for 45 min, and half-way between steps for 7.5 min.
    const oneStep = -0.723 * Math.log(160 / 140) + 1.716 * Math.log(170 / 140);
    const twoSteps = -0.723 * Math.log(170 / 140) + 1.716 * oneStep;
    expect(nightscoutAr2Forecast(data, 2, 7.5)).toBeCloseTo(140 * Math.exp(0.5 * (oneStep + twoSteps)), 10);
  });

  it('AR2 interpolates the value 5 min before the origin, and starts flat without a recent one', () => {
    // Readings 3 min apart: the value at 10 − 5 = 5 min lies between 3 and 6 min.
    const threeMinute = series([0, 3, 6, 9, 10], [100, 103, 109, 112, 115]);
    const y3 = Math.log(103 / 140);
    const y6 = Math.log(109 / 140);
    const previous = y3 + ((y6 - y3) * 2) / 3;
    const current = Math.log(115 / 140);
    expect(nightscoutAr2Forecast(threeMinute, 4, 5)).toBeCloseTo(140 * Math.exp(-0.723 * previous + 1.716 * current), 10);
    const afterGap = series([0, 60], [100, 180]);
    const flat = Math.log(180 / 140);
    expect(nightscoutAr2Forecast(afterGap, 1, 5)).toBeCloseTo(140 * Math.exp((1.716 - 0.723) * flat), 10);
  });

  it('last value and the 30-min least-squares slope, by hand', () => {
    const data = series([0, 20, 25, 30, 35, 40, 45, 50], [300, 100, 104, 110, 114, 120, 124, 130]);
    expect(lastValueForecast(data, 7)).toBe(130);
    // Readings at 20…50 min (the 0-min one is outside the 30-min window): slope by least squares.
    const t = [20, 25, 30, 35, 40, 45, 50];
    const y = [100, 104, 110, 114, 120, 124, 130];
    const meanT = t.reduce((a, b) => a + b) / 7;
    const meanY = y.reduce((a, b) => a + b) / 7;
    const slope = t.reduce((a, ti, i) => a + (ti - meanT) * (y[i]! - meanY), 0) / t.reduce((a, ti) => a + (ti - meanT) ** 2, 0);
    expect(linearExtrapolationForecast(data, 7, 30)).toBeCloseTo(130 + 30 * slope, 10);
    expect(linearExtrapolationForecast(series([0, 60], [100, 200]), 1, 30)).toBe(200);
    expect(linearExtrapolationForecast(series([0, 5], [100, 300]), 1, 60)).toBe(400);
  });

  it('bands come from outcomes observed before the block only', () => {
    const n = 600;
    const times = Array.from({ length: n }, (_, i) => 5 * i);
    const values = times.map((t) => 140 + 40 * Math.sin(t / 90));
    const data = series(times, values);
    const protocol = { ...DEFAULT_PROTOCOL, horizonsMin: [30] };
    const first = forecastWithBaseline('last-value', data, protocol).next().value!;
    expect(first.index).toBe(288);
    // Changing everything from the first origin on leaves the first block's band unchanged.
    const changed = series(times, values.map((v, i) => (i >= 288 ? v * 1.5 : v)));
    const other = forecastWithBaseline('last-value', changed, protocol).next().value!;
    const ratio = values[288]! / changed.glucoseMgDl[288]!;
    for (const p of [0.025, 0.1, 0.5, 0.9, 0.975]) expect(other.forecasts[0]!.quantile(p) * ratio).toBeCloseTo(first.forecasts[0]!.quantile(p), 9);
  });
});

describe('protocol', () => {
  it('cuts refit blocks after the burn-in and skips blocks without readings', () => {
    const times = [0, 100, 1440, 1500, 2900, 2950, 8000];
    const blocks = refitBlocks(times, DEFAULT_PROTOCOL);
    expect(blocks).toEqual([
      { startMin: 1440, firstIndex: 2, endIndex: 4 },
      { startMin: 2880, firstIndex: 4, endIndex: 6 },
      { startMin: 7200, firstIndex: 6, endIndex: 7 },
    ]);
    expect(refitBlocks([0, 5, 10], DEFAULT_PROTOCOL)).toEqual([]);
  });

  it('matches an outcome to the nearest reading within the tolerance', () => {
    const times = [0, 5.1, 9.9, 20];
    expect(nearestReading(times, 10, 2.5)).toBe(2);
    expect(nearestReading(times, 15, 2.5)).toBe(-1);
    expect(nearestReading(times, 7.5, 2.5)).toBe(1);
  });
});

describe('removal masks', () => {
  it('remove exactly the share asked at random, reproducibly', () => {
    const a = keepAfterRandomRemoval(1000, 0.4, seededRandom(7));
    const b = keepAfterRandomRemoval(1000, 0.4, seededRandom(7));
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(a.reduce((sum, k) => sum + k, 0)).toBe(600);
  });

  it('remove stretches of 2–6 h until at least the share asked is gone', () => {
    const times = Float64Array.from({ length: 4000 }, (_, i) => 5 * i);
    const keep = keepAfterGapRemoval(times, 0.4, 120, 360, seededRandom(8));
    const removed = keep.length - keep.reduce((sum, k) => sum + k, 0);
    expect(removed).toBeGreaterThanOrEqual(1600);
    expect(removed).toBeLessThan(1600 + 72);
    // Every removed stretch lasts at least about 2 h (merged gaps only last longer).
    let run = 0;
    const runs: number[] = [];
    for (let i = 0; i <= keep.length; i++) {
      if (i < keep.length && keep[i] === 0) run++;
      else if (run > 0) {
        runs.push(run);
        run = 0;
      }
    }
    const interior = runs.slice(1, -1);
    expect(Math.min(...interior) * 5).toBeGreaterThanOrEqual(115);
  });
});

describe('band recalibration', () => {
  it('finds a heavy-tailed scale mixture, and leaves few errors alone', () => {
    const normal = normalSampler(seededRandom(9));
    const random = seededRandom(10);
    const errors = Float64Array.from({ length: 5000 }, () => (random() < 0.8 ? 1.2 : 3) * normal());
    const mixture = fitScaleMixture(errors);
    const [narrow, wide] = [...mixture.scaleFactors].sort((a, b) => a - b);
    expect(narrow).toBeGreaterThan(1.05);
    expect(narrow).toBeLessThan(1.35);
    expect(wide).toBeGreaterThan(2.6);
    expect(wide).toBeLessThan(3.4);
    expect(fitScaleMixture(errors.slice(0, 5))).toBe(IDENTITY_SCALE_MIXTURE);
    expect(fitScaleMixture(errors.slice(0, 50)).scaleFactors).toHaveLength(1);
  });
});
