// Data simulated from the daily layer itself: there the bands must be calibrated (up to Monte Carlo
// and sampling error), the dose responses must be recovered, and the MAP fit must find the day-to-day
// variation it was given. Seeds are fixed, so these tests are deterministic.
import { describe, expect, it } from 'vitest';
import { dailyLogLikelihood, DEFAULT_POPULATION_PRIOR, fitPatientHyperparameters, logPriorDensity, type PopulationPrior } from './hyperparameters.js';
import { minimiseNelderMead } from '../mle.js';
import { fitPopulationPrior } from './population.js';
import { patientScales, projectDailyGlucose } from './project.js';
import { prepareSeries } from './series.js';
import { simulateDailyGlucose } from './simulate.js';
import { type Band, type DoseHistory, type PatientHyperparameters } from './types.js';

const FIRST_DAY = 20_000;

/**
 * The default population with a tight level prior (so the projection's reference glucose, the median of
 * the simulated CGM means, is the simulation's) and no population lows (the simulated days are
 * log-normal, with no separate hypoglycaemic events to learn).
 */
const TEST_POPULATION: PopulationPrior = {
  ...DEFAULT_POPULATION_PRIOR,
  groups: {
    ...DEFAULT_POPULATION_PRIOR.groups,
    unspecified: {
      ...DEFAULT_POPULATION_PRIOR.groups.unspecified,
      levelMeanMgDl: 160,
      levelSdMgDl: 6,
      lowDayShare: { alpha: 1e-3, beta: 1e3 },
    },
  },
};
const TEST_SCALES = { referenceMgDl: 160, withinDaySdLog: 0.25, group: 'unspecified' } as const;
const TEST_HYPERPARAMETERS: PatientHyperparameters = { logDayCv: Math.log(0.1), logLevelDriftCv: Math.log(0.004) };

function inside(band: Band, truth: number, level: 80 | 95): boolean {
  return level === 80 ? truth >= band.lower80 && truth <= band.upper80 : truth >= band.lower95 && truth <= band.upper95;
}

function mean(values: readonly number[]): number {
  return values.reduce((s, v) => s + v, 0) / values.length;
}

describe('calibration on data simulated from the model', () => {
  it('80 % and 95 % bands cover 30-day-ahead truths at their nominal rates (200 patients)', () => {
    const patients = 200;
    const days = 150;
    const origin = 119;
    const hits = { meanGlucose: [0, 0], dailyMean: [0, 0], hba1c: [0, 0], timeInRange: [0, 0] };
    const record = (key: keyof typeof hits, band: Band, truth: number): void => {
      if (inside(band, truth, 80)) hits[key][0]!++;
      if (inside(band, truth, 95)) hits[key][1]!++;
    };
    for (let p = 0; p < patients; p++) {
      const simulated = simulateDailyGlucose({
        firstDay: FIRST_DAY,
        dayCount: days,
        population: TEST_POPULATION,
        hyperparameters: TEST_HYPERPARAMETERS,
        scales: TEST_SCALES,
        seed: 1000 + p,
        // Mostly worn, a partial day every week, and a week off in the middle.
        wearFraction: (t) => (t >= 60 && t < 67 ? 0 : t % 7 === 3 ? 0.4 : 0.95),
        hba1cDays: [10, 100],
        withinDaySdLog: 0.25,
      });
      const projection = projectDailyGlucose(simulated.input, {
        originDay: FIRST_DAY + origin,
        population: TEST_POPULATION,
        hyperparameters: TEST_HYPERPARAMETERS,
        samplePaths: 300,
        seed: p,
      });
      const window = projection.windows.find((w) => w.lengthDays === 30)!;
      const ahead = simulated.truth.meanMgDl.slice(origin + 1, origin + 31);
      record('meanGlucose', window.meanGlucoseMgDl, mean(Array.from(ahead)));
      record('timeInRange', window.timeInRange, mean(Array.from(simulated.truth.timeInRange.slice(origin + 1, origin + 31))));
      record('hba1c', window.hba1cPct, simulated.truth.hba1cPct[origin + 30]!);
      const daily = projection.meanGlucoseMgDl;
      record(
        'dailyMean',
        { mean: daily.mean[29]!, lower80: daily.lower80[29]!, upper80: daily.upper80[29]!, lower95: daily.lower95[29]!, upper95: daily.upper95[29]! },
        simulated.truth.meanMgDl[origin + 30]!,
      );
    }
    // Binomial SD with n = 200: 2.8 points at 80 %, 1.5 at 95 %; the bounds are about 2.3 SD.
    for (const [quantity, [hits80, hits95]] of Object.entries(hits)) {
      const coverage80 = (100 * hits80!) / patients;
      const coverage95 = (100 * hits95!) / patients;
      expect(coverage80, `${quantity} 80 %`).toBeGreaterThan(73.5);
      expect(coverage80, `${quantity} 80 %`).toBeLessThan(86.5);
      expect(coverage95, `${quantity} 95 %`).toBeGreaterThan(91.5);
      expect(coverage95, `${quantity} 95 %`).toBeLessThanOrEqual(98.5);
    }
  });
});

describe('dose response', () => {
  const doses: DoseHistory[] = [
    {
      drug: 'Metformin',
      unit: 'mg/d',
      steps: [
        { day: FIRST_DAY - 400, dose: 1000 },
        { day: FIRST_DAY + 40, dose: 1500 },
        { day: FIRST_DAY + 80, dose: 2000 },
        { day: FIRST_DAY + 125, dose: 1000 },
      ],
    },
    {
      drug: 'Insulin glargine',
      unit: 'U/d',
      steps: [
        { day: FIRST_DAY - 200, dose: 10 },
        { day: FIRST_DAY + 60, dose: 16 },
        { day: FIRST_DAY + 100, dose: 24 },
      ],
    },
  ];
  const trueResponses = [-0.025, -2.5];
  // Day-to-day variation of a typical person with type 2 diabetes (CV 6 %).
  const type2Hyperparameters: PatientHyperparameters = { logDayCv: Math.log(0.06), logLevelDriftCv: Math.log(0.004) };

  it('recovers per-unit responses of metformin and basal insulin from stepped doses (30 patients)', () => {
    const zScores: number[][] = [[], []];
    let covered = 0;
    let estimates = 0;
    for (let p = 0; p < 30; p++) {
      const simulated = simulateDailyGlucose({
        firstDay: FIRST_DAY,
        dayCount: 160,
        population: TEST_POPULATION,
        hyperparameters: type2Hyperparameters,
        scales: TEST_SCALES,
        seed: 5000 + p,
        wearFraction: () => 0.9,
        hba1cDays: [5, 95],
        doses,
        doseResponses: trueResponses,
        withinDaySdLog: 0.25,
      });
      expect(Array.from(simulated.truth.doseResponses)).toEqual(trueResponses);
      const projection = projectDailyGlucose(simulated.input, {
        population: TEST_POPULATION,
        hyperparameters: type2Hyperparameters,
        samplePaths: 100,
      });
      expect(projection.current.doseResponses.map((d) => d.drugClass)).toEqual(['metformin', 'basal-insulin']);
      projection.current.doseResponses.forEach((response, k) => {
        const band = response.perUnitMgDl;
        const sd = (band.upper95 - band.lower95) / (2 * 1.959963984540054);
        zScores[k]!.push((band.mean - trueResponses[k]!) / sd);
        // The data must teach far more than the prior knew.
        expect(sd).toBeLessThan(response.priorPerUnitMgDl.sd / 2);
        estimates++;
        if (inside(band, trueResponses[k]!, 95)) covered++;
      });
    }
    for (const z of zScores) {
      expect(Math.abs(mean(z))).toBeLessThan(0.6);
      expect(Math.max(...z.map(Math.abs))).toBeLessThan(3.5);
    }
    expect(covered / estimates).toBeGreaterThan(0.85);
  });

  it('projects the rest of the response to a dose step: after an increase glucose keeps falling', () => {
    const simulated = simulateDailyGlucose({
      firstDay: FIRST_DAY,
      dayCount: 121,
      population: TEST_POPULATION,
      hyperparameters: TEST_HYPERPARAMETERS,
      scales: TEST_SCALES,
      seed: 77,
      wearFraction: () => 0.9,
      hba1cDays: [5, 95],
      doses,
      doseResponses: trueResponses,
      withinDaySdLog: 0.25,
    });
    // Day 100's insulin step (16 → 24 U) has a 7-day response time: at day 103 most of it is still to come.
    const early = projectDailyGlucose(simulated.input, { originDay: FIRST_DAY + 103, population: TEST_POPULATION, hyperparameters: TEST_HYPERPARAMETERS, samplePaths: 100 });
    const level = early.current.levelMgDl.mean;
    const thirtyDays = early.windows.find((w) => w.lengthDays === 30)!.meanGlucoseMgDl.mean;
    expect(thirtyDays).toBeLessThan(level - 5);
  });
});

describe('per-patient MAP hyperparameters', () => {
  it('find the day-to-day variation the data were simulated with, and a warm start needs fewer evaluations', () => {
    for (const dayCv of [0.05, 0.2]) {
      const hyperparameters = { logDayCv: Math.log(dayCv), logLevelDriftCv: Math.log(0.004) };
      const simulated = simulateDailyGlucose({
        firstDay: FIRST_DAY,
        dayCount: 150,
        population: TEST_POPULATION,
        hyperparameters,
        scales: TEST_SCALES,
        seed: Math.round(dayCv * 1000),
        wearFraction: () => 0.95,
        hba1cDays: [20],
        withinDaySdLog: 0.25,
      });
      const { series, inputRow } = prepareSeries(simulated.input, FIRST_DAY + 149, 365);
      const scales = patientScales(simulated.input, series, inputRow, TEST_POPULATION);
      const cold = fitPatientHyperparameters(series, TEST_POPULATION, scales);
      expect(cold.method).toBe('map');
      expect(Math.exp(cold.hyperparameters.logDayCv) / dayCv).toBeGreaterThan(0.8);
      expect(Math.exp(cold.hyperparameters.logDayCv) / dayCv).toBeLessThan(1.25);
      const warm = fitPatientHyperparameters(series, TEST_POPULATION, scales, cold.hyperparameters);
      expect(warm.evaluations).toBeLessThan(cold.evaluations);
      expect(Math.abs(warm.hyperparameters.logDayCv - cold.hyperparameters.logDayCv)).toBeLessThan(0.05);
      // The fit ends within its tolerance of the optimum a tight Nelder–Mead finds, in a dozen or so evaluations.
      const negativeLogPosterior = (h: PatientHyperparameters): number =>
        -dailyLogLikelihood(series, TEST_POPULATION, h, scales) - logPriorDensity(TEST_POPULATION, scales.group, h);
      const tight = minimiseNelderMead((x) => negativeLogPosterior({ logDayCv: x[0]!, logLevelDriftCv: x[1]! }), [Math.log(0.1), Math.log(0.004)], {
        initialStep: 0.5,
        valueTolerance: 1e-9,
        pointTolerance: 1e-6,
      });
      const gap = negativeLogPosterior(cold.hyperparameters) - tight.value;
      expect(gap).toBeLessThan(2e-3);
      expect(gap).toBeGreaterThan(-1e-6);
      expect(cold.evaluations).toBeLessThan(25);
    }
  });
});

describe('population prior', () => {
  it('estimates the day-to-day CV and within-day spread of a group from a panel (8 simulated patients)', () => {
    const inputs = Array.from({ length: 8 }, (_, p) =>
      simulateDailyGlucose({
        firstDay: FIRST_DAY,
        dayCount: 90,
        population: TEST_POPULATION,
        hyperparameters: { logDayCv: Math.log(0.07), logLevelDriftCv: Math.log(0.004) },
        scales: { ...TEST_SCALES, group: 'type2' },
        seed: 900 + p,
        wearFraction: () => 0.9,
        hba1cDays: [10, 80],
        withinDaySdLog: 0.18,
        diabetesType: 't2d',
      }).input,
    );
    const fit = fitPopulationPrior(inputs, TEST_POPULATION, { rounds: 1, maxEvaluations: 40 });
    expect(fit.patients).toBe(8);
    expect(fit.cgmPatients).toBe(8);
    expect(Number.isFinite(fit.logLikelihood)).toBe(true);
    const type2 = fit.prior.groups.type2;
    expect(Math.abs(type2.dayCv.logMean - Math.log(0.07))).toBeLessThan(0.2);
    expect(Math.abs(type2.withinDaySdLog.logMean - Math.log(0.18))).toBeLessThan(0.01);
    expect(fit.prior.labSdPct).toBe(TEST_POPULATION.labSdPct);
  });
});
