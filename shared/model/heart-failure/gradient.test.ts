// The adjoint gradient of the heart-failure filter's log-likelihood against central differences of the
// filter itself: every observation variance, process variance and initial variance, on a series with a
// dose change, gaps and a weight outlier that the Huber rule catches (whose H then has no effect).
import { describe, expect, it } from 'vitest';
import { createHeartFailureTape, filterHeartFailure } from './filter.js';
import { heartFailureVarianceGradient } from './gradient.js';
import { compileHeartFailureSystem, HF_OBSERVATION, HF_OBSERVATION_DIM, HF_POPULATION_PARAMETERS, HF_STATE_DIM, heartFailureObservations, type HeartFailureSystem } from './model.js';
import { normalCdf } from './normal.js';
import { HF_STREAMS } from './series.js';
import { seededNormal, simulateHeartFailure } from './simulate.js';

const m = HF_STATE_DIM;
const p = HF_OBSERVATION_DIM;

function series(outlier: boolean) {
  const dose = new Float64Array(70).fill(40);
  dose.fill(80, 35);
  const missing = seededNormal(12);
  const { series } = simulateHeartFailure({
    parameters: HF_POPULATION_PARAMETERS,
    dayCount: 70,
    normal: seededNormal(11),
    loopDiureticMgPerDay: dose,
    diureticResponseKgPerMg: 0.02,
    extraFluidKgPerDay: (t) => (t >= 20 && t < 30 ? 0.2 : 0),
    missing: (signal, day) => (signal === 'logNtProBnp' ? day % 30 !== 3 : normalCdf(missing()) < 0.2),
  });
  if (outlier) {
    const weights = series.daily[HF_STREAMS.weight]!;
    weights[50] = weights[49]! + 4;
  }
  return heartFailureObservations(series);
}

/** The system with one variance moved by `delta`: H_i, Q_jj or (P0)_jj. */
function moved(system: HeartFailureSystem, kind: 'H' | 'Q' | 'P0', index: number, delta: number): HeartFailureSystem {
  const observationVariance = Float64Array.from(system.observationVariance);
  const processVariance = Float64Array.from(system.processVariance);
  const initialCovariance = Float64Array.from(system.initialCovariance);
  if (kind === 'H') observationVariance[index] = observationVariance[index]! + delta;
  else if (kind === 'Q') processVariance[index] = processVariance[index]! + delta;
  else initialCovariance[index * m + index] = initialCovariance[index * m + index]! + delta;
  return { ...system, observationVariance, processVariance, initialCovariance };
}

describe('heart-failure likelihood gradient', () => {
  for (const outlier of [false, true]) {
    it(`equals central differences of the filter for every H, Q and P0 variance${outlier ? ', with an outlier' : ''}`, () => {
      const observations = series(outlier);
      const system = compileHeartFailureSystem(HF_POPULATION_PARAMETERS);
      for (const dayLimit of [70, 41]) {
        const tape = createHeartFailureTape(70);
        const value = filterHeartFailure(system, observations, null, dayLimit, tape).logLikelihood;
        expect(value).toBe(filterHeartFailure(system, observations, null, dayLimit).logLikelihood);
        const gradient = heartFailureVarianceGradient(system, observations, tape, dayLimit);
        const check = (kind: 'H' | 'Q' | 'P0', index: number, base: number, analytic: number): void => {
          const h = 1e-5 * Math.max(base, 1e-6);
          const numeric =
            (filterHeartFailure(moved(system, kind, index, h), observations, null, dayLimit).logLikelihood -
              filterHeartFailure(moved(system, kind, index, -h), observations, null, dayLimit).logLikelihood) /
            (2 * h);
          expect(Math.abs(analytic - numeric), `${kind}[${index}]: ${analytic} against ${numeric}`).toBeLessThan(1e-5 * (1 + Math.abs(numeric)));
        };
        for (let i = 0; i < p; i++) check('H', i, system.observationVariance[i]!, gradient.observationVariance[i]!);
        for (let j = 0; j < m; j++) {
          if (system.processVariance[j]! > 0) check('Q', j, system.processVariance[j]!, gradient.processVariance[j]!);
          check('P0', j, system.initialCovariance[j * m + j]!, gradient.initialVariance[j]!);
        }
        // The outlier's own H does not enter: without it, the weight's gradient differs.
        if (outlier && dayLimit === 70) {
          const clean = series(false);
          const cleanTape = createHeartFailureTape(70);
          filterHeartFailure(system, clean, null, 70, cleanTape);
          expect(cleanTape.outlier.subarray(0, cleanTape.count).includes(1)).toBe(false);
          expect(tape.outlier.subarray(0, tape.count).includes(1)).toBe(true);
          const cleanGradient = heartFailureVarianceGradient(system, clean, cleanTape);
          expect(cleanGradient.observationVariance[HF_OBSERVATION.weight]).not.toBeCloseTo(gradient.observationVariance[HF_OBSERVATION.weight]!, 3);
        }
      }
    });
  }
});
