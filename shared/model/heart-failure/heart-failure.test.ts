// The heart-failure model on data drawn from its own equations: the sparse kernel against the generic
// filter, calibrated projection bands, the fluid rate's response to a ramp, gaps widening the bands, the
// diuretic input, the MAP fit and the no-future-leak property of the whole twin.
import { describe, expect, it } from 'vitest';
import { forecastFromFilter, runKalmanFilter } from '../kalman.js';
import { createHeartFailureTrack, filterHeartFailure } from './filter.js';
import { fitHeartFailureMap, fitHeartFailurePopulation, getHfParameter, HF_POPULATION, withHfParameters } from './fit.js';
import { minimiseNelderMead } from '../mle.js';
import {
  compileHeartFailureSystem,
  HF_OBSERVATION,
  HF_OBSERVATION_DIM,
  HF_POPULATION_PARAMETERS,
  HF_STATE,
  HF_STATE_DIM,
  heartFailureObservations,
  heartFailureStateSpaceModel,
} from './model.js';
import { normalCdf, probabilityAbove } from './normal.js';
import { projectHeartFailure } from './projection.js';
import { HF_STREAMS, truncateHeartFailureSeries, type HeartFailureSeries } from './series.js';
import { seededNormal, simulateHeartFailure, type SimulationSpec } from './simulate.js';
import { heartFailureRefitDays, runHeartFailureTwin } from './twin.js';

const PARAMETERS = HF_POPULATION_PARAMETERS;
const m = HF_STATE_DIM;
const p = HF_OBSERVATION_DIM;

function simulate(seed: number, dayCount: number, extra: Partial<SimulationSpec> = {}): ReturnType<typeof simulateHeartFailure> {
  return simulateHeartFailure({ parameters: PARAMETERS, dayCount, normal: seededNormal(seed), ...extra });
}

/** Readings missing at random at the given rate, per signal and day (NT-proBNP: one lab a month). */
function missingAtRandom(seed: number, rate: number): NonNullable<SimulationSpec['missing']> {
  const normal = seededNormal(seed);
  return (signal, day) => (signal === 'logNtProBnp' ? day % 30 !== 3 : normalCdf(normal()) < rate);
}

describe('heart-failure kernel', () => {
  it('matches the generic filter on the same model, with a dose change, gaps and an outlier', () => {
    const dose = new Float64Array(70).fill(40);
    dose.fill(80, 35);
    const { series } = simulate(11, 70, {
      loopDiureticMgPerDay: dose,
      diureticResponseKgPerMg: 0.02,
      extraFluidKgPerDay: (t) => (t >= 20 && t < 30 ? 0.2 : 0),
      missing: missingAtRandom(12, 0.2),
    });
    const weights = series.daily[HF_STREAMS.weight]!;
    weights[50] = weights[49]! + 4; // a reading in boots, far beyond the outlier threshold
    const observations = heartFailureObservations(series);
    const system = compileHeartFailureSystem(PARAMETERS);
    const track = createHeartFailureTrack(70);
    const summary = filterHeartFailure(system, observations, track);
    expect(track.effectiveObservationVariance[50 * p + HF_OBSERVATION.weight]).toBeGreaterThan(system.observationVariance[HF_OBSERVATION.weight]! * 10);

    const generic = runKalmanFilter(
      heartFailureStateSpaceModel(system, observations.doseChangeMgPerDay, { observationVariance: track.effectiveObservationVariance }),
      observations.values,
    );
    expect(Math.abs(summary.logLikelihood - generic.logLikelihood)).toBeLessThan(1e-8);
    expect(summary.observedCount).toBe(generic.observedCount);
    for (let i = 0; i < 70 * m; i++) {
      expect(Math.abs(track.filteredState[i]! - generic.filteredState[i]!)).toBeLessThan(1e-8 * (1 + Math.abs(generic.filteredState[i]!)));
    }
    for (let i = 0; i < 70 * m * m; i++) {
      expect(Math.abs(track.filteredCovariance[i]! - generic.filteredCovariance[i]!)).toBeLessThan(1e-8 * (1 + Math.abs(generic.filteredCovariance[i]!)));
    }
    for (let i = 0; i < 70 * p; i++) {
      const expected = generic.standardisedInnovation[i]!;
      if (Number.isNaN(expected)) expect(track.standardisedInnovation[i]).toBeNaN();
      else expect(track.standardisedInnovation[i]).toBeCloseTo(expected, 9);
    }

    // The projection (filtered by the sparse kernel) equals the generic filter's forecast, with the outlier's
    // effective variance and a planned dose change.
    const futureDose = 30;
    const projected = projectHeartFailure(
      { system, observations, effectiveObservationVariance: track.effectiveObservationVariance, firstDay: 0, referenceLoopDiureticMgPerDay: 40, currentLoopDiureticMgPerDay: 40 },
      { plannedLoopDiureticMgPerDay: 40 + futureDose },
    );
    const projectionModel = heartFailureStateSpaceModel(system, observations.doseChangeMgPerDay, {
      observationVariance: track.effectiveObservationVariance,
      futureDoseChangeMgPerDay: futureDose,
    });
    const forecast = forecastFromFilter(projectionModel, runKalmanFilter(projectionModel, observations.values), 14);
    projected.days.forEach((day, k) => {
      const mean = forecast.observationMean[k * p + HF_OBSERVATION.weight]!;
      const sd = Math.sqrt(forecast.observationVariance[k * p + HF_OBSERVATION.weight]!);
      expect(Math.abs(day.weightKg.mean - mean)).toBeLessThan(1e-9 * Math.abs(mean));
      expect(Math.abs(day.weightKg.upper95 - day.weightKg.mean - 1.959963984540054 * sd)).toBeLessThan(1e-9 * sd);
      const fluid = forecast.state[k * m + HF_STATE.fluidExcess]!;
      expect(Math.abs(day.fluidExcessKg.mean - fluid)).toBeLessThan(1e-9 * (1 + Math.abs(fluid)));
    });
  });

  it('gives i.i.d. N(0,1) congestion scores on data from the model', () => {
    const scores: number[] = [];
    for (let seed = 0; seed < 40; seed++) {
      const { series } = simulate(100 + seed, 90, { missing: missingAtRandom(200 + seed, 0.15) });
      const track = createHeartFailureTrack(90);
      filterHeartFailure(compileHeartFailureSystem(PARAMETERS), heartFailureObservations(series), track);
      for (let t = 5; t < 90; t++) if (!Number.isNaN(track.congestionScore[t]!)) scores.push(track.congestionScore[t]!);
    }
    const mean = scores.reduce((s, z) => s + z, 0) / scores.length;
    const variance = scores.reduce((s, z) => s + (z - mean) ** 2, 0) / scores.length;
    expect(Math.abs(mean)).toBeLessThan(0.05);
    expect(Math.abs(variance - 1)).toBeLessThan(0.08);
  });
});

describe('heart-failure projections', () => {
  it('gives calibrated 80 % and 95 % bands for 14-day weight and fluid projections', () => {
    const horizon = 14;
    const history = 60;
    let weightIn80 = 0;
    let weightIn95 = 0;
    let fluidIn80 = 0;
    let fluidIn95 = 0;
    let count = 0;
    const system = compileHeartFailureSystem(PARAMETERS);
    for (let seed = 0; seed < 250; seed++) {
      // Gaps in the history only: every projected day has its reading to score against.
      const gaps = missingAtRandom(5000 + seed, 0.15);
      const { series, states } = simulate(1000 + seed, history + horizon, { missing: (signal, t) => t < history && gaps(signal, t) });
      const full = heartFailureObservations(series);
      const past = heartFailureObservations(truncateHeartFailureSeries(series, history - 1));
      const projection = projectHeartFailure({
        system,
        observations: past,
        firstDay: series.firstDay,
        referenceLoopDiureticMgPerDay: 40,
        currentLoopDiureticMgPerDay: 40,
      });
      projection.days.forEach((day, k) => {
        const t = history + k;
        expect(day.day).toBe(series.firstDay + t);
        const truth = full.values[t * p + HF_OBSERVATION.weight]!;
        const fluid = states[t * m + HF_STATE.fluidExcess]!;
        if (truth >= day.weightKg.lower80 && truth <= day.weightKg.upper80) weightIn80++;
        if (truth >= day.weightKg.lower95 && truth <= day.weightKg.upper95) weightIn95++;
        if (fluid >= day.fluidExcessKg.lower80 && fluid <= day.fluidExcessKg.upper80) fluidIn80++;
        if (fluid >= day.fluidExcessKg.lower95 && fluid <= day.fluidExcessKg.upper95) fluidIn95++;
        count++;
      });
    }
    expect(count).toBe(250 * horizon);
    expect(Math.abs(weightIn80 / count - 0.8)).toBeLessThan(0.03);
    expect(Math.abs(weightIn95 / count - 0.95)).toBeLessThan(0.02);
    expect(Math.abs(fluidIn80 / count - 0.8)).toBeLessThan(0.04);
    expect(Math.abs(fluidIn95 / count - 0.95)).toBeLessThan(0.025);
  });

  it('widens the bands over missing days and narrows them when readings return', () => {
    const { series } = simulate(21, 60);
    const gappy = { ...series, daily: { ...series.daily } };
    for (const code of Object.values(HF_STREAMS)) {
      const values = series.daily[code];
      if (values) gappy.daily[code] = values.map((v, t) => (t >= 30 && t < 45 ? Number.NaN : v));
    }
    const system = compileHeartFailureSystem(PARAMETERS);
    const weightSd = (s: HeartFailureSeries, t: number): number => {
      const track = createHeartFailureTrack(60);
      filterHeartFailure(system, heartFailureObservations(s), track);
      const P = track.filteredCovariance.subarray(t * m * m, (t + 1) * m * m);
      const idx = [HF_STATE.dryWeight, HF_STATE.fluidExcess, HF_STATE.fluidWander];
      let variance = 0;
      for (const i of idx) for (const j of idx) variance += P[i * m + j]!;
      return Math.sqrt(variance);
    };
    const sdsInGap = [30, 35, 40, 44].map((t) => weightSd(gappy, t));
    for (let k = 1; k < sdsInGap.length; k++) expect(sdsInGap[k]).toBeGreaterThan(sdsInGap[k - 1]!);
    expect(weightSd(gappy, 44)).toBeGreaterThan(2 * weightSd(series, 44));
    expect(weightSd(gappy, 50)).toBeLessThan(0.6 * weightSd(gappy, 44));

    const projectFrom = (s: HeartFailureSeries) =>
      projectHeartFailure({
        system,
        observations: heartFailureObservations(truncateHeartFailureSeries(s, 44)),
        firstDay: s.firstDay,
        referenceLoopDiureticMgPerDay: 40,
        currentLoopDiureticMgPerDay: 40,
      }).days[13]!.weightKg;
    const complete = projectFrom(series);
    const afterGap = projectFrom(gappy);
    expect(afterGap.upper95 - afterGap.lower95).toBeGreaterThan(complete.upper95 - complete.lower95);
  });

  it('lowers the projected fluid by the dose response when the diuretic goes up', () => {
    const { series } = simulate(31, 40);
    const system = compileHeartFailureSystem(PARAMETERS);
    const input = {
      system,
      observations: heartFailureObservations(series),
      firstDay: series.firstDay,
      referenceLoopDiureticMgPerDay: 40,
      currentLoopDiureticMgPerDay: 40,
    };
    const unchanged = projectHeartFailure(input);
    const raised = projectHeartFailure(input, { plannedLoopDiureticMgPerDay: 80 });
    expect(raised.loopDiureticMgPerDay).toBe(80);
    const track = createHeartFailureTrack(40);
    filterHeartFailure(system, input.observations, track);
    const kappa = track.filteredState[39 * m + HF_STATE.diureticResponse]!;
    const fluidDecay = system.decay[HF_STATE.fluidExcess]!;
    raised.days.forEach((day, k) => {
      const h = k + 1;
      // The new dose acts from the first projected day on: f falls by κ·Δdose·(1 − φ_f^{h−1}).
      const expected = -kappa * 40 * (1 - fluidDecay ** (h - 1));
      expect(day.fluidExcessKg.mean - unchanged.days[k]!.fluidExcessKg.mean).toBeCloseTo(expected, 9);
      expect(day.weightKg.mean - unchanged.days[k]!.weightKg.mean).toBeCloseTo(expected, 9);
    });
    // κ is uncertain, so a planned change widens the fluid band.
    expect(raised.days[13]!.fluidExcessKg.upper95 - raised.days[13]!.fluidExcessKg.lower95).toBeGreaterThan(
      unchanged.days[13]!.fluidExcessKg.upper95 - unchanged.days[13]!.fluidExcessKg.lower95,
    );
  });

  it('attributes a weight fall after a dose increase to the diuretic and learns its size', () => {
    const runs = 20;
    const learned = (trueResponse: number): { fluidDrop: number; response: number } => {
      let fluidDrop = 0;
      let response = 0;
      for (let seed = 0; seed < runs; seed++) {
        const dose = new Float64Array(90).fill(40);
        dose.fill(120, 45);
        const { series } = simulate(300 + seed, 90, { loopDiureticMgPerDay: dose, diureticResponseKgPerMg: trueResponse });
        const track = createHeartFailureTrack(90);
        filterHeartFailure(compileHeartFailureSystem(PARAMETERS), heartFailureObservations(series), track);
        fluidDrop += (track.filteredState[44 * m + HF_STATE.fluidExcess]! - track.filteredState[89 * m + HF_STATE.fluidExcess]!) / runs;
        response += track.filteredState[89 * m + HF_STATE.diureticResponse]! / runs;
      }
      return { fluidDrop, response };
    };
    const strong = learned(0.02);
    const none = learned(0);
    // 80 mg/day more at 0.02 kg per mg/day approaches 1.6 kg with τ_f = 30 days: 1.24 kg after 45 days.
    const expectedDrop = 0.02 * 80 * (1 - Math.exp(-45 / PARAMETERS.fluidTimeConstantDays));
    expect(Math.abs(strong.fluidDrop - expectedDrop)).toBeLessThan(0.2 * expectedDrop);
    expect(Math.abs(none.fluidDrop)).toBeLessThan(0.3);
    // One dose change moves κ from its prior (0.01 ± 0.01) part of the way to the truth, in the right direction.
    expect(strong.response).toBeGreaterThan(PARAMETERS.diureticResponseMeanKgPerMg + 0.002);
    expect(none.response).toBeLessThan(PARAMETERS.diureticResponseMeanKgPerMg - 0.001);
  });
});

describe('heart-failure fluid rate', () => {
  it('responds to a ramp of fluid within a week, and settles after it', () => {
    const runs = 30;
    const meanProbability = new Float64Array(60);
    for (let seed = 0; seed < runs; seed++) {
      const { series } = simulate(400 + seed, 60, {
        extraFluidKgPerDay: (t) => (t >= 40 && t < 50 ? 0.3 : 0),
        missing: missingAtRandom(700 + seed, 0.1),
      });
      const track = createHeartFailureTrack(60);
      filterHeartFailure(compileHeartFailureSystem(PARAMETERS), heartFailureObservations(series), track);
      for (let t = 0; t < 60; t++) {
        const mean = track.filteredState[t * m + HF_STATE.fluidRate]!;
        const sd = Math.sqrt(track.filteredCovariance[t * m * m + HF_STATE.fluidRate * (m + 1)]!);
        meanProbability[t] = meanProbability[t]! + probabilityAbove(mean, sd, 0.1) / runs;
      }
    }
    // 0.3 kg/day is four SDs of the rate's usual range, so the posterior needs some days to believe it.
    expect(meanProbability[39]).toBeLessThan(0.15);
    for (let t = 41; t <= 49; t++) expect(meanProbability[t]).toBeGreaterThan(meanProbability[t - 1]!);
    expect(meanProbability[45]).toBeGreaterThan(3 * meanProbability[39]!);
    expect(meanProbability[48]).toBeGreaterThan(0.5);
    expect(meanProbability[50]).toBeGreaterThan(0.6);
    expect(meanProbability[59]).toBeLessThan(0.5 * meanProbability[50]!);
  });
});

describe('heart-failure MAP fit', () => {
  it('recovers a noisier scale than the population and converges faster from a warm start', () => {
    const noisy = withHfParameters(PARAMETERS, [['weightNoiseKg', 0.5]]);
    const estimates: number[] = [];
    for (let seed = 0; seed < 6; seed++) {
      const { series } = simulateHeartFailure({ parameters: noisy, dayCount: 90, normal: seededNormal(900 + seed) });
      const observations = heartFailureObservations(series);
      const cold = fitHeartFailureMap(observations, 89);
      estimates.push(cold.parameters.weightNoiseKg);
      const warm = fitHeartFailureMap(observations, 89, HF_POPULATION, { warmStart: cold.estimate });
      expect(warm.evaluations).toBeLessThan(cold.evaluations);
      expect(warm.logPosterior).toBeGreaterThanOrEqual(cold.logPosterior - 0.05);
    }
    const mean = estimates.reduce((s, x) => s + x, 0) / estimates.length;
    expect(mean).toBeGreaterThan(0.42);
    expect(mean).toBeLessThan(0.58);
  });

  it('reaches the MAP a tight Nelder–Mead finds, and a warm curvature saves evaluations', () => {
    const paths = HF_POPULATION.patientParameters;
    const centre = Float64Array.from(paths, (path) => Math.log(getHfParameter(HF_POPULATION.parameters, path)));
    const precision = 1 / HF_POPULATION.patientPriorSdLog ** 2;
    let withCurvature = 0;
    let withoutCurvature = 0;
    for (let seed = 0; seed < 4; seed++) {
      const noisy = withHfParameters(PARAMETERS, [
        ['weightNoiseKg', 0.3 + 0.1 * seed],
        ['heartRate.noiseSd', 2 + seed],
      ]);
      const observations = heartFailureObservations(simulateHeartFailure({ parameters: noisy, dayCount: 56, normal: seededNormal(1500 + seed) }).series);
      const negativeLogPosterior = (x: Float64Array): number => {
        let prior = 0;
        for (let i = 0; i < x.length; i++) prior += 0.5 * precision * (x[i]! - centre[i]!) ** 2;
        const system = compileHeartFailureSystem(
          withHfParameters(
            PARAMETERS,
            paths.map((path, i) => [path, Math.exp(x[i]!)] as const),
          ),
        );
        return prior - filterHeartFailure(system, observations, null, 56).logLikelihood;
      };
      let tight = minimiseNelderMead(negativeLogPosterior, centre, { initialStep: 0.4, valueTolerance: 1e-8, pointTolerance: 1e-6 });
      tight = minimiseNelderMead(negativeLogPosterior, tight.point, { initialStep: 0.1, valueTolerance: 1e-8, pointTolerance: 1e-6 });
      const first = fitHeartFailureMap(observations, 27);
      const warm = fitHeartFailureMap(observations, 55, HF_POPULATION, { warmStart: first.estimate, warmCurvature: first });
      const flat = fitHeartFailureMap(observations, 55, HF_POPULATION, { warmStart: first.estimate });
      // Within the fit's tolerance (0.01 per step) of the optimum, and no better than it.
      expect(warm.converged).toBe(true);
      expect(-warm.logPosterior - tight.value).toBeLessThan(0.05);
      expect(-warm.logPosterior - tight.value).toBeGreaterThan(-1e-6);
      // The gradient is exact (gradient.ts): the filter runs once per BFGS step, not seven times.
      expect(warm.evaluations).toBeLessThan(12);
      withCurvature += warm.evaluations;
      withoutCurvature += flat.evaluations;
    }
    expect(withCurvature).toBeLessThan(0.8 * withoutCurvature);
  });

  it('falls back to forward differences when a fitted parameter is not a variance, and reaches the same MAP', () => {
    const observations = heartFailureObservations(simulate(1600, 56).series);
    const withTimeConstant = { ...HF_POPULATION, patientParameters: [...HF_POPULATION.patientParameters, 'fluidWanderTimeConstantDays' as const] };
    const exact = fitHeartFailureMap(observations, 55);
    const differences = fitHeartFailureMap(observations, 55, withTimeConstant);
    expect(exact.converged && differences.converged).toBe(true);
    // One forward-difference gradient alone costs 7 evaluations.
    expect(differences.evaluations).toBeGreaterThan(3 * 7);
    expect(exact.evaluations).toBeLessThan(12);
    // The extra parameter can only raise the posterior's maximum (up to the fits' tolerance).
    expect(differences.logPosterior).toBeGreaterThan(exact.logPosterior - 0.05);
  });

  it('recovers a population value by pooled maximum likelihood over a panel', () => {
    const truth = withHfParameters(PARAMETERS, [['heartRate.noiseSd', 3]]);
    const panel = Array.from({ length: 24 }, (_, k) =>
      heartFailureObservations(simulateHeartFailure({ parameters: truth, dayCount: 60, normal: seededNormal(1200 + k) }).series),
    );
    const fit = fitHeartFailurePopulation(panel, PARAMETERS, ['heartRate.noiseSd', 'heartRate.perKgFluid']);
    expect(fit.converged).toBe(true);
    expect(fit.parameters.heartRate.noiseSd).toBeGreaterThan(2.7);
    expect(fit.parameters.heartRate.noiseSd).toBeLessThan(3.3);
    expect(fit.parameters.weightNoiseKg).toBe(PARAMETERS.weightNoiseKg);
  });

  it('refits on fixed day indices that do not depend on the series length: when the series has doubled, at most the gap apart', () => {
    expect(heartFailureRefitDays(90, 14, 56)).toEqual([13, 27, 55]);
    expect(heartFailureRefitDays(400, 14, 56)).toEqual([13, 27, 55, 111, 167, 223, 279, 335, 391]);
    expect(heartFailureRefitDays(56, 14, 56)).toEqual([13, 27, 55]);
    expect(heartFailureRefitDays(55, 14, 56)).toEqual([13, 27]);
    expect(heartFailureRefitDays(40, 14, 7)).toEqual([13, 20, 27, 34]);
    expect(heartFailureRefitDays(10, 14, 56)).toEqual([]);
    expect(() => heartFailureRefitDays(10, 0, 7)).toThrow(RangeError);
  });
});

describe('heart-failure twin', () => {
  it('does not leak the future: the day-t state, parameters and alerts are those of the data cut after day t', () => {
    const { series } = simulate(77, 80, {
      extraFluidKgPerDay: (t) => (t >= 50 && t < 62 ? 0.25 : 0),
      missing: missingAtRandom(78, 0.15),
    });
    const full = runHeartFailureTwin(series);
    expect(full.alerts.length).toBeGreaterThan(0);
    const firstAlertIndex = full.alerts[0]!.firedOnDay - series.firstDay;
    for (const t of [10, 13, 30, firstAlertIndex - 1, firstAlertIndex, firstAlertIndex + 2, 79]) {
      const cut = runHeartFailureTwin(truncateHeartFailureSeries(series, t));
      expect(cut.dayCount).toBe(t + 1);
      expect(cut.days[t]).toEqual(full.days[t]);
      expect(cut.alerts).toEqual(full.alerts.filter((a) => a.firedOnDay <= series.firstDay + t));
      expect(cut.fits.map((f) => f.parameters)).toEqual(full.fits.filter((f) => f.throughIndex <= t).map((f) => f.parameters));
    }
  });

  it('reuses stored fits whose data is unchanged, with the same results, and re-runs those whose data changed', () => {
    const { series } = simulate(91, 70, { extraFluidKgPerDay: (t) => (t >= 40 && t < 52 ? 0.25 : 0), missing: missingAtRandom(92, 0.15) });
    const fresh = runHeartFailureTwin(series);
    const earlier = runHeartFailureTwin(truncateHeartFailureSeries(series, 45));
    const reused = runHeartFailureTwin(series, { previousFits: earlier.fitRecords });
    expect(reused.days).toEqual(fresh.days);
    expect(reused.alerts).toEqual(fresh.alerts);
    expect(reused.fitRecords).toEqual(fresh.fitRecords);
    // A stored fit with its fingerprint is taken as stored (a marked estimate shows it), one without is re-run.
    const marked = earlier.fitRecords.map((f, k) => (k === 1 ? { ...f, estimate: f.estimate.map((x) => x + 0.01) } : f));
    expect(runHeartFailureTwin(series, { previousFits: marked }).fits[1]!.estimate[0]).toBeCloseTo(earlier.fitRecords[1]!.estimate[0]! + 0.01, 12);
    const stale = marked.map((f) => ({ ...f, fingerprint: `${f.fingerprint}x` }));
    expect(runHeartFailureTwin(series, { previousFits: stale }).fitRecords).toEqual(fresh.fitRecords);
    // A reading changed on day 30: fits through days 13 and 27 stay, later ones see new data and run again.
    const weight = Float64Array.from(series.daily[HF_STREAMS.weight]!);
    weight[30] = weight[30]! + 0.8;
    const changed = { ...series, daily: { ...series.daily, [HF_STREAMS.weight]: weight } };
    const changedFresh = runHeartFailureTwin(changed);
    const changedReused = runHeartFailureTwin(changed, { previousFits: fresh.fitRecords });
    expect(changedReused.fitRecords).toEqual(changedFresh.fitRecords);
    expect(changedReused.days).toEqual(changedFresh.days);
    const same = changedFresh.fitRecords.filter((f, k) => f.fingerprint === fresh.fitRecords[k]!.fingerprint).map((f) => f.throughIndex);
    expect(same).toEqual([13, 27]);
  });

  it('carries its provenance: fits, streams, gaps and the model version', () => {
    const { series } = simulate(88, 50, { missing: (signal, t) => signal === 'logNtProBnp' || (signal === 'weight' && t >= 20 && t < 27) });
    const twin = runHeartFailureTwin(series);
    expect(twin.modelVersion).toBe('hf-daily-5');
    expect(twin.fits.map((f) => f.throughIndex)).toEqual([13, 27]);
    expect(twin.days[12]!.parametersFittedThroughDay).toBeNull();
    expect(twin.days[26]!.parametersFittedThroughDay).toBe(series.firstDay + 13);
    expect(twin.days[49]!.parametersFittedThroughDay).toBe(series.firstDay + 27);
    const weight = twin.provenance.streams.find((s) => s.stream === HF_STREAMS.weight)!;
    expect(weight).toEqual({ stream: HF_STREAMS.weight, readingDays: 43, lastDay: series.firstDay + 49, longestGapDays: 7 });
    expect(twin.provenance.streams.find((s) => s.stream === HF_STREAMS.ntProBnp)!.readingDays).toBe(0);
    expect(twin.projection.days).toHaveLength(14);
    expect(twin.projection.fromDay).toBe(series.firstDay + 49);
  });
});
