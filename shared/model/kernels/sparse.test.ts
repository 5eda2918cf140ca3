// The sparse likelihood kernel against the generic filter on the model it was written for (the daily glucose
// layer: dose changes that switch the transition, partial and missing days, HbA1c results) and on a dense
// model, where it must be the generic filter's number too.
import { describe, expect, it } from 'vitest';
import { runKalmanFilter } from '../kalman.js';
import { timeInvariantModel } from '../ssm.js';
import { dailyLogLikelihood, DEFAULT_POPULATION_PRIOR, resolveParameters } from '../glucose-daily/hyperparameters.js';
import { buildGlucoseDailyModel, glucoseDailyCovariances } from '../glucose-daily/model.js';
import { patientScales } from '../glucose-daily/project.js';
import { prepareSeries } from '../glucose-daily/series.js';
import { simulateDailyGlucose } from '../glucose-daily/simulate.js';
import type { DoseHistory } from '../glucose-daily/types.js';
import { compileSparseModel, sparseLogLikelihood } from './sparse.js';

const FIRST_DAY = 20_000;
const DOSES: DoseHistory[] = [
  { drug: 'Metformin', unit: 'mg/d', steps: [{ day: FIRST_DAY - 400, dose: 1000 }, { day: FIRST_DAY + 30, dose: 1500 }, { day: FIRST_DAY + 70, dose: 2000 }] },
  { drug: 'Insulin glargine', unit: 'U/d', steps: [{ day: FIRST_DAY - 10, dose: 20 }, { day: FIRST_DAY + 50, dose: 26 }] },
];

describe('sparseLogLikelihood', () => {
  it('equals the generic filter on the daily glucose model (doses, partial and missing days, HbA1c)', () => {
    for (const [seed, hyperparameters] of [
      [1, { logDayCv: Math.log(0.1), logLevelDriftCv: Math.log(0.004) }],
      [2, { logDayCv: Math.log(0.25), logLevelDriftCv: Math.log(0.02) }],
      [3, { logDayCv: Math.log(0.04), logLevelDriftCv: Math.log(0.001) }],
    ] as const) {
      const simulated = simulateDailyGlucose({
        firstDay: FIRST_DAY,
        dayCount: 120,
        population: DEFAULT_POPULATION_PRIOR,
        hyperparameters,
        scales: { referenceMgDl: 160, withinDaySdLog: 0.25, group: 'type2' },
        seed,
        wearFraction: (t) => (t >= 40 && t < 47 ? 0 : t % 5 === 2 ? 0.3 : 0.9),
        hba1cDays: [5, 60, 110],
        withinDaySdLog: 0.25,
        doses: DOSES,
      });
      const { series, inputRow } = prepareSeries(simulated.input, FIRST_DAY + 119, 365);
      expect(series.doses.drugs.length).toBe(2);
      const scales = patientScales(simulated.input, series, inputRow, DEFAULT_POPULATION_PRIOR);
      const { model, observations } = buildGlucoseDailyModel(series, resolveParameters(DEFAULT_POPULATION_PRIOR, hyperparameters, scales, series));
      const generic = runKalmanFilter(model, observations);
      const sparse = sparseLogLikelihood(model, observations);
      expect(sparse.observedCount).toBe(generic.observedCount);
      expect(Math.abs(sparse.logLikelihood - generic.logLikelihood)).toBeLessThan(1e-9 * Math.abs(generic.logLikelihood));
      // the filtered moments after the last day, what a projection starts from
      const end = compileSparseModel(model, observations).filterToEnd();
      expect(end.logLikelihood).toBe(sparse.logLikelihood);
      const m = model.stateDim;
      const last = generic.stepCount - 1;
      const genericState = generic.filteredState.subarray(last * m, (last + 1) * m);
      const genericCovariance = generic.filteredCovariance.subarray(last * m * m, (last + 1) * m * m);
      const scale = Math.max(...Array.from(genericCovariance, Math.abs));
      end.state.forEach((x, r) => expect(Math.abs(x - genericState[r]!)).toBeLessThan(1e-9 * Math.max(1, Math.abs(genericState[r]!))));
      end.covariance.forEach((x, k) => expect(Math.abs(x - genericCovariance[k]!)).toBeLessThan(1e-9 * scale));
    }
  });

  it("compiled once, with another patient's Q and P0, equals the daily model built again for those hyperparameters", () => {
    const simulated = simulateDailyGlucose({
      firstDay: FIRST_DAY,
      dayCount: 90,
      population: DEFAULT_POPULATION_PRIOR,
      hyperparameters: { logDayCv: Math.log(0.1), logLevelDriftCv: Math.log(0.004) },
      scales: { referenceMgDl: 160, withinDaySdLog: 0.25, group: 'type2' },
      seed: 9,
      wearFraction: (t) => (t % 6 === 1 ? 0.4 : 0.9),
      hba1cDays: [3, 70],
      withinDaySdLog: 0.25,
      doses: DOSES,
    });
    const { series, inputRow } = prepareSeries(simulated.input, FIRST_DAY + 89, 365);
    const scales = patientScales(simulated.input, series, inputRow, DEFAULT_POPULATION_PRIOR);
    const start = { logDayCv: Math.log(0.07), logLevelDriftCv: Math.log(0.003) };
    const { model, observations } = buildGlucoseDailyModel(series, resolveParameters(DEFAULT_POPULATION_PRIOR, start, scales, series));
    const compiled = compileSparseModel(model, observations);
    for (const candidate of [start, { logDayCv: Math.log(0.2), logLevelDriftCv: Math.log(0.01) }, { logDayCv: Math.log(0.03), logLevelDriftCv: Math.log(0.0005) }]) {
      const covariances = glucoseDailyCovariances(resolveParameters(DEFAULT_POPULATION_PRIOR, candidate, scales, series), series.doses.drugs.length);
      const rebuilt = dailyLogLikelihood(series, DEFAULT_POPULATION_PRIOR, candidate, scales);
      expect(Math.abs(compiled.logLikelihood(covariances).logLikelihood - rebuilt)).toBeLessThan(1e-9 * Math.abs(rebuilt));
    }
    // A different candidate gives a different number (the overrides are used at all).
    const other = glucoseDailyCovariances(resolveParameters(DEFAULT_POPULATION_PRIOR, { logDayCv: Math.log(0.2), logLevelDriftCv: Math.log(0.01) }, scales, series), 2);
    expect(compiled.logLikelihood(other).logLikelihood).not.toBeCloseTo(compiled.logLikelihood().logLikelihood, 3);
  });

  it('equals the generic filter on a dense model', () => {
    const model = timeInvariantModel({
      stateDim: 3,
      observationDim: 2,
      design: [1, 0.5, 0, 0, 1, 1],
      observationIntercept: [0.1, -0.2],
      observationVariance: [0.3, 0.5],
      transition: [0.9, 0.1, 0, 0.05, 0.8, 0.1, 0.02, 0, 0.95],
      stateIntercept: [0.01, 0, -0.01],
      stateCovariance: [0.2, 0.05, 0, 0.05, 0.1, 0.02, 0, 0.02, 0.3],
      initialState: [0, 0, 0],
      initialCovariance: [1, 0.2, 0, 0.2, 1, 0, 0, 0, 2],
    });
    const y = new Float64Array(80);
    for (let i = 0; i < y.length; i++) y[i] = i % 7 === 3 ? Number.NaN : Math.sin(i / 5) + 0.1 * Math.cos(i * 1.7);
    const generic = runKalmanFilter(model, y);
    const sparse = sparseLogLikelihood(model, y);
    expect(sparse.observedCount).toBe(generic.observedCount);
    expect(Math.abs(sparse.logLikelihood - generic.logLikelihood)).toBeLessThan(1e-9 * Math.abs(generic.logLikelihood));
  });

  it('refuses an exactly diffuse prior rather than returning a different number', () => {
    const model = timeInvariantModel({
      stateDim: 1, observationDim: 1, design: [1], observationIntercept: [0], observationVariance: [1], transition: [1],
      stateIntercept: [0], stateCovariance: [0.1], initialState: [0], initialCovariance: [0], initialDiffuseCovariance: [1],
    });
    expect(() => sparseLogLikelihood(model, Float64Array.of(1, 2))).toThrow(/diffuse/);
  });
});
