import { describe, expect, it } from 'vitest';
import { estimatedAverageGlucoseMgDl } from './formulas.js';
import { DEFAULT_POPULATION_PRIOR } from './hyperparameters.js';
import { dailyMeanDistribution, projectDailyGlucose, windowMeanMoments } from './project.js';
import { DailyGlucoseInputError } from './series.js';
import { simulateDailyGlucose } from './simulate.js';
import { type Band, type DailyGlucoseInput, type DailyGlucoseProjection, WITHIN_DAY_PROBABILITIES } from './types.js';

const FIRST_DAY = 20_000;
const QUICK = { samplePaths: 300 } as const;

/** A type 2 patient over 200 days with a metformin titration, CGM gaps and three HbA1c results. */
function patient(): DailyGlucoseInput {
  return simulateDailyGlucose({
    firstDay: FIRST_DAY,
    dayCount: 200,
    population: DEFAULT_POPULATION_PRIOR,
    hyperparameters: { logDayCv: Math.log(0.07), logLevelDriftCv: Math.log(0.003) },
    scales: { referenceMgDl: 160, withinDaySdLog: 0.15, group: 'type2' },
    seed: 42,
    wearFraction: (t) => (t >= 70 && t < 80 ? 0 : t % 9 === 4 ? 0.5 : 0.93),
    hba1cDays: [8, 95, 185],
    doses: [
      {
        drug: 'Metformin',
        unit: 'mg/d',
        steps: [
          { day: FIRST_DAY - 500, dose: 1000 },
          { day: FIRST_DAY + 50, dose: 1500 },
          { day: FIRST_DAY + 140, dose: 2000 },
        ],
      },
    ],
    withinDaySdLog: 0.15,
    diabetesType: 't2d',
  }).input;
}

/** The input as it was known at the end of `day`: no later CGM day, HbA1c result or prescription. */
function truncatedAt(input: DailyGlucoseInput, day: number): DailyGlucoseInput {
  const rows = input.days.findIndex((d) => d > day);
  const n = rows < 0 ? input.days.length : rows;
  const width = WITHIN_DAY_PROBABILITIES.length;
  return {
    days: input.days.slice(0, n),
    meanMgDl: input.meanMgDl.slice(0, n),
    sdLogMgDl: input.sdLogMgDl.slice(0, n),
    wearFraction: input.wearFraction.slice(0, n),
    ...(input.residualQuantilesLog ? { residualQuantilesLog: input.residualQuantilesLog.slice(0, n * width) } : {}),
    hba1c: input.hba1c.filter((result) => result.day <= day),
    doses: input.doses.map((history) => ({ ...history, steps: history.steps.filter((step) => step.day <= day) })),
    ...(input.diabetesType ? { diabetesType: input.diabetesType } : {}),
  };
}

function withoutCgm(input: DailyGlucoseInput, fromDay: number, toDay: number): DailyGlucoseInput {
  const inGap = (i: number): boolean => input.days[i]! >= fromDay && input.days[i]! <= toDay;
  return {
    ...input,
    meanMgDl: input.meanMgDl.map((v, i) => (inGap(i) ? Number.NaN : v)),
    sdLogMgDl: input.sdLogMgDl.map((v, i) => (inGap(i) ? Number.NaN : v)),
    wearFraction: input.wearFraction.map((v, i) => (inGap(i) ? 0 : v)),
  };
}

function width95(band: Band): number {
  return band.upper95 - band.lower95;
}

function window30(projection: DailyGlucoseProjection): DailyGlucoseProjection['windows'][number] {
  const window = projection.windows.find((w) => w.lengthDays === 30);
  if (!window) throw new Error('no 30-day window');
  return window;
}

/** Every number (and typed-array entry) reachable from `value` is finite. */
function expectAllFinite(value: unknown, path = 'projection'): void {
  if (typeof value === 'number') {
    expect(Number.isFinite(value), path).toBe(true);
  } else if (ArrayBuffer.isView(value)) {
    for (const entry of Array.from(value as unknown as ArrayLike<number>)) expect(Number.isFinite(entry), path).toBe(true);
  } else if (Array.isArray(value)) {
    value.forEach((entry, i) => expectAllFinite(entry, `${path}[${i}]`));
  } else if (value !== null && typeof value === 'object') {
    for (const [key, entry] of Object.entries(value)) expectAllFinite(entry, `${path}.${key}`);
  }
}

describe('projection from data up to day t only', () => {
  const input = patient();

  it('is unchanged when everything after t is cut off (fit, filter and sampling included)', () => {
    for (const originOffset of [49, 120, 160]) {
      const originDay = FIRST_DAY + originOffset;
      const full = projectDailyGlucose(input, { originDay, ...QUICK });
      const truncated = projectDailyGlucose(truncatedAt(input, originDay), { originDay, ...QUICK });
      expect(truncated).toEqual(full);
      expect(full.fit.method).toBe('map');
    }
  });

  it('is deterministic: the same input and seed give the same bands', () => {
    const a = projectDailyGlucose(input, { originDay: FIRST_DAY + 150, ...QUICK });
    const b = projectDailyGlucose(input, { originDay: FIRST_DAY + 150, ...QUICK });
    expect(a).toEqual(b);
    expectAllFinite(a);
  });

  it('reports what it used: days, partial days, last samples, the drug it modelled', () => {
    const projection = projectDailyGlucose(input, { originDay: FIRST_DAY + 150, ...QUICK });
    expect(projection.days[0]).toBe(FIRST_DAY + 151);
    expect(projection.provenance.lastHba1cDay).toBe(FIRST_DAY + 95);
    expect(projection.provenance.hba1cCount).toBe(2);
    expect(projection.provenance.cgmDays).toBe(151 - 10);
    expect(projection.provenance.partialCgmDays).toBeGreaterThan(10);
    expect(projection.provenance.populationGroup).toBe('type2');
    expect(projection.current.doseResponses.map((d) => [d.drug, d.referenceDose, d.doseAtOrigin])).toEqual([['Metformin', 1000, 2000]]);
  });
});

describe('missing data widens the bands', () => {
  const input = patient();
  const originDay = FIRST_DAY + 130;

  it('30 days without CGM before the origin widen mean glucose, time in range and HbA1c bands', () => {
    const full = projectDailyGlucose(input, { originDay, ...QUICK });
    const gap = projectDailyGlucose(withoutCgm(input, originDay - 29, originDay), { originDay, warmStart: full.hyperparameters, ...QUICK });
    expect(gap.provenance.lastCgmDay).toBe(originDay - 30);
    expect(full.provenance.longestCgmGapDays).toBe(10);
    expect(gap.provenance.longestCgmGapDays).toBe(30);
    expect(width95(window30(gap).meanGlucoseMgDl)).toBeGreaterThan(width95(window30(full).meanGlucoseMgDl));
    expect(width95(window30(gap).timeInRange)).toBeGreaterThan(width95(window30(full).timeInRange));
    expect(width95(window30(gap).hba1cPct)).toBeGreaterThan(width95(window30(full).hba1cPct));
    expect(width95(gap.current.levelMgDl)).toBeGreaterThan(1.2 * width95(full.current.levelMgDl));
  });

  it('bands grow with the horizon', () => {
    const projection = projectDailyGlucose(input, { originDay, ...QUICK });
    const daily = projection.hba1cPct;
    expect(daily.upper95[29]! - daily.lower95[29]!).toBeGreaterThan(daily.upper95[0]! - daily.lower95[0]!);
    const windows = projection.windows;
    expect(windows.map((w) => w.lengthDays)).toEqual([14, 30]);
  });
});

describe('HbA1c without CGM', () => {
  function labsOnly(results: { day: number; percent: number }[]): DailyGlucoseInput {
    return { days: new Int32Array(0), meanMgDl: new Float64Array(0), sdLogMgDl: new Float64Array(0), wearFraction: new Float64Array(0), hba1c: results, doses: [] };
  }

  it('moves the mean-glucose projection through ADAG, and a second result narrows it', () => {
    const low = projectDailyGlucose(labsOnly([{ day: FIRST_DAY, percent: 6 }]), QUICK);
    const high = projectDailyGlucose(labsOnly([{ day: FIRST_DAY, percent: 9.5 }]), QUICK);
    expectAllFinite(low);
    expect(low.fit.method).toBe('population-prior');
    expect(low.provenance.withinDayShape).toBe('population');
    // The level is pulled most of the way from the population mean to the eAG of the result.
    expect(Math.abs(low.current.levelMgDl.mean - estimatedAverageGlucoseMgDl(6))).toBeLessThan(20);
    expect(Math.abs(high.current.levelMgDl.mean - estimatedAverageGlucoseMgDl(9.5))).toBeLessThan(25);
    expect(window30(high).timeInRange.mean).toBeLessThan(window30(low).timeInRange.mean);
    const twice = projectDailyGlucose(
      labsOnly([
        { day: FIRST_DAY, percent: 9.5 },
        { day: FIRST_DAY + 90, percent: 9.4 },
      ]),
      QUICK,
    );
    expect(width95(twice.current.levelMgDl)).toBeLessThan(width95(high.current.levelMgDl));
    expect(width95(twice.current.glycationOffsetPct)).toBeLessThan(width95(high.current.glycationOffsetPct));
  });
});

describe('tiny and invalid inputs', () => {
  const empty: DailyGlucoseInput = {
    days: new Int32Array(0),
    meanMgDl: new Float64Array(0),
    sdLogMgDl: new Float64Array(0),
    wearFraction: new Float64Array(0),
    hba1c: [],
    doses: [],
  };
  const oneDay: DailyGlucoseInput = {
    days: Int32Array.of(FIRST_DAY),
    meanMgDl: Float64Array.of(145),
    sdLogMgDl: Float64Array.of(0.2),
    wearFraction: Float64Array.of(0.3),
    hba1c: [],
    doses: [],
  };

  it('projects from a single partial CGM day without NaN', () => {
    const projection = projectDailyGlucose(oneDay, QUICK);
    expectAllFinite(projection);
    expect(projection.originDay).toBe(FIRST_DAY);
    expect(projection.provenance.partialCgmDays).toBe(1);
    expect(projection.timeInRange.lower95[0]).toBeGreaterThanOrEqual(0);
    expect(projection.timeInRange.upper95[0]).toBeLessThanOrEqual(1);
  });

  it('refuses inputs with nothing to project from, or that are malformed, with a message that says why', () => {
    const fails = (input: DailyGlucoseInput, message: RegExp, options = {}): void => {
      expect(() => projectDailyGlucose(input, options)).toThrow(DailyGlucoseInputError);
      expect(() => projectDailyGlucose(input, options)).toThrow(message);
    };
    fails(empty, /no CGM day and no HbA1c result/);
    fails({ ...oneDay, meanMgDl: Float64Array.of(Number.NaN), wearFraction: Float64Array.of(0) }, /nothing to project from/);
    fails(oneDay, /nothing to project from/, { originDay: FIRST_DAY - 1 });
    fails({ ...oneDay, sdLogMgDl: new Float64Array(2) }, /sdLogMgDl has 2 entries for 1 days/);
    fails({ ...oneDay, wearFraction: Float64Array.of(1.5) }, /wearFraction on day 20000 is 1.5/);
    fails({ ...oneDay, meanMgDl: Float64Array.of(-3) }, /meanMgDl on day 20000 is -3/);
    fails({ ...oneDay, days: Int32Array.of(FIRST_DAY, FIRST_DAY), meanMgDl: Float64Array.of(1, 2), sdLogMgDl: new Float64Array(2), wearFraction: Float64Array.of(1, 1) }, /days must increase/);
    fails({ ...oneDay, hba1c: [{ day: FIRST_DAY, percent: 53 }] }, /HbA1c 53 on day 20000 is outside 3–20 %/);
    fails({ ...oneDay, doses: [{ drug: 'Metformin', unit: 'mg/d', steps: [{ day: 5, dose: 500 }, { day: 2, dose: 1000 }] }] }, /Metformin: dose steps/);
    fails(oneDay, /horizonDays must be a positive integer/, { horizonDays: 0 });
    fails(oneDay, /window of 30 days does not fit a 20-day horizon/, { horizonDays: 20, windowDays: [30] });
    fails(oneDay, /samplePaths must be an integer/, { samplePaths: 10 });
    fails({ ...oneDay, residualQuantilesLog: new Float64Array(3) }, /residualQuantilesLog has 3 entries/);
  });
});

describe('the sampled daily means', () => {
  it('have the joint distribution of the model: each day the forecast, each window the running-sum moments', () => {
    // A 3-state model with a random walk, a damped deviation and a static offset; loading on all three.
    const m = 3;
    const T = Float64Array.of(1, 0.5, 0, 0, 0.6, 0, 0, 0, 1);
    const Q = Float64Array.of(4, 0, 0, 0, 100, 0, 0, 0, 0);
    const a0 = Float64Array.of(150, 10, -5);
    const P0 = Float64Array.of(50, 5, 0, 5, 80, 0, 0, 0, 9);
    const loading = Float64Array.of(1, 1, 1);
    const horizon = 12;
    const { mean, covariance } = dailyMeanDistribution(a0, P0, T, Q, m, loading, horizon);
    const windows = windowMeanMoments(a0, P0, T, Q, m, horizon, loading);
    for (let h = 1; h <= horizon; h++) {
      let windowMean = 0;
      let windowVariance = 0;
      for (let i = 0; i < h; i++) {
        windowMean += mean[i]!;
        for (let j = 0; j < h; j++) windowVariance += covariance[i * horizon + j]!;
      }
      expect(windowMean / h).toBeCloseTo(windows[h - 1]!.mean, 9);
      expect(windowVariance / (h * h)).toBeCloseTo(windows[h - 1]!.variance, 9);
    }
    // Day 1 by hand: a1 = T a0, Var = c'(T P0 T' + Q)c.
    expect(mean[0]).toBeCloseTo(150 + 5 + 6 - 5, 12);
    // c'T = (1, 1.1, 1): c'T P0 T'c = [1 1.1 1] P0 [1 1.1 1]' = 50 + 2*1.1*5 + 1.21*80 + 9, plus c'Qc = 104.
    expect(covariance[0]).toBeCloseTo(50 + 11 + 96.8 + 9 + 104, 9);
    // Cov(g_1, g_2) = c'T P_1 c with P_1 = T P0 T' + Q, by hand; and symmetric.
    const P1 = [
      [50 + 2 * 0.5 * 5 + 0.25 * 80 + 4, 0.6 * (5 + 0.5 * 80), 0],
      [0.6 * (5 + 0.5 * 80), 0.36 * 80 + 100, 0],
      [0, 0, 9],
    ];
    const cT = [1, 1.1, 1];
    let crossCovariance = 0;
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) crossCovariance += cT[i]! * P1[i]![j]!;
    expect(covariance[1]).toBeCloseTo(crossCovariance, 9);
    expect(covariance[1]).toBe(covariance[horizon]);
  });
});
