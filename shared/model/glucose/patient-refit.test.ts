/**
 * The panel refit's pieces: the one-division likelihood and the track filter are filterFastLayer to
 * rounding, the smoother is the generic Durbin–Koopman smoother (../kalman.ts) on irregular times, and a
 * patient's refit finds the parameters it was simulated with and issues ordered bands.
 */
import { describe, expect, it } from 'vitest';
import { discretiseDampedCgm } from '../discretise.js';
import { runKalmanFilter, runStateSmoother } from '../kalman.js';
import { irregularTimeModel } from '../ssm.js';
import { seededRandom } from './degradation.js';
import { createFastLayerTrack, filteredMomentsAt, filterFastLayerTrack, smoothFastLayer } from './fast-layer-smoother.js';
import {
  buildReadingTimeline,
  Censoring,
  cgmReadings,
  type FastLayerParameters,
  fastLayerRates,
  FILTERED_STRIDE,
  filterFastLayer,
  type GlucoseReadings,
  LEVEL_PRIOR_MEAN,
  LEVEL_PRIOR_SD,
  stationaryDeviationCovariance,
  StepSystems,
} from './fast-layer.js';
import { robustFastLayerLogLikelihood } from './fit-likelihood.js';
import {
  filterSmoothPatient,
  fitRecentWindow,
  loadSeries,
  negativeLogPosteriorOn,
  type PatientCgmSeries,
  refitPatientTwin,
  validatePatientSeries,
  warmUpPatientRefit,
} from './patient-refit.js';
import { POPULATION_PRIORS } from './hyperparameters.js';
import { minimiseNelderMead } from '../mle.js';
import { simulateFastLayer } from './simulation.js';

const TRUTH: FastLayerParameters = {
  deviationTimeConstantMin: 90,
  rateTimeConstantMin: 25,
  rateDrivenDeviationSd: 0.25,
  directDeviationSd: 0.02,
  levelDriftSdPerDay: 0.05,
  sensorNoiseScale: 0.02,
  insertionNoiseFactor: 2,
};

/** ~5-min readings with jitter and a few 1–4 h gaps (each one a sensor change for the layer). */
function irregularTimes(count: number, random: () => number): Float64Array {
  const times = new Float64Array(count);
  for (let i = 1; i < count; i++) times[i] = times[i - 1]! + (random() < 0.01 ? 60 + 180 * random() : 4.9 + 0.2 * random());
  return times;
}

function censoredCopy(readings: GlucoseReadings): GlucoseReadings {
  const censoring = new Uint8Array(readings.timeMin.length);
  const logGlucose = readings.logGlucose.slice();
  for (let i = 0; i < logGlucose.length; i++) {
    if (logGlucose[i]! > Math.log(230)) {
      logGlucose[i] = Math.log(230);
      censoring[i] = Censoring.High;
    }
  }
  return { ...readings, logGlucose, censoring };
}

describe('panel refit kernels', () => {
  const random = seededRandom(11);
  const readings = censoredCopy(simulateFastLayer(TRUTH, irregularTimes(3000, random), random));
  const n = readings.timeMin.length;
  const timeline = buildReadingTimeline(readings);
  const systems = new StepSystems(TRUTH, timeline);

  it('has censored readings and sensor changes in its test series', () => {
    expect(readings.censoring.some((c) => c === Censoring.High)).toBe(true);
    expect(timeline.warmupShare.some((share) => share > 0)).toBe(true);
  });

  it('loads a series into the track as buildReadingTimeline and cgmReadings would', () => {
    const track = createFastLayerTrack(n + 10);
    const glucoseMgDl = readings.logGlucose.map(Math.exp);
    const loaded = loadSeries({ timeMin: readings.timeMin, glucoseMgDl, censoring: readings.censoring }, track);
    expect(loaded.timeline.stepLengths).toEqual(timeline.stepLengths);
    expect(loaded.timeline.stepIndex).toEqual(timeline.stepIndex);
    expect(loaded.timeline.sensorStartMin).toEqual(timeline.sensorStartMin);
    expect(loaded.timeline.warmupShare).toEqual(timeline.warmupShare);
    expect(loaded.readings.logGlucose).toEqual(glucoseMgDl.map(Math.log));
    expect(loaded.readings.kind).toEqual(new Uint8Array(n));
    expect(loaded.readings.censoring).toEqual(readings.censoring);
  });

  it('computes the robust log-likelihood of filterFastLayer to rounding', () => {
    const reference = filterFastLayer(readings, timeline, systems, n, null).logLikelihood;
    const ours = robustFastLayerLogLikelihood(readings, timeline, systems, n);
    expect(Math.abs(ours - reference)).toBeLessThan(1e-10 * Math.abs(reference));
    expect(Math.abs(robustFastLayerLogLikelihood(readings, timeline, systems, 500) - filterFastLayer(readings, timeline, systems, 500, null).logLikelihood)).toBeLessThan(1e-8);
  });

  it('filters as filterFastLayer does (likelihood and filtered moments)', () => {
    const filtered = new Float64Array(FILTERED_STRIDE * n);
    const reference = filterFastLayer(readings, timeline, systems, n, filtered);
    const track = createFastLayerTrack(n);
    const ours = filterFastLayerTrack(readings, timeline, systems, n, track);
    expect(ours.observedCount).toBe(reference.observedCount);
    expect(Math.abs(ours.logLikelihood - reference.logLikelihood)).toBeLessThan(1e-10 * Math.abs(reference.logLikelihood));
    const moments = new Float64Array(FILTERED_STRIDE);
    for (const t of [0, 1, 777, n - 1]) {
      filteredMomentsAt(track, t, moments, 0);
      for (let k = 0; k < FILTERED_STRIDE; k++) {
        expect(Math.abs(moments[k]! - filtered[FILTERED_STRIDE * t + k]!)).toBeLessThan(1e-11 * Math.max(1, Math.abs(filtered[FILTERED_STRIDE * t + k]!)));
      }
    }
  });

  it('smooths as the generic smoother on irregular times, gaps included (Gaussian noise)', () => {
    const parameters = { ...TRUTH, insertionNoiseFactor: 1 };
    const plain: GlucoseReadings = { ...readings, censoring: new Uint8Array(n) };
    const gaussianSystems = new StepSystems(parameters, timeline);
    const track = createFastLayerTrack(n);
    const ours = filterFastLayerTrack(plain, timeline, gaussianSystems, n, track, { robust: false });
    smoothFastLayer(timeline, gaussianSystems, track, n);
    const rates = fastLayerRates(parameters);
    const [varD, covDS, varS] = stationaryDeviationCovariance(parameters);
    const model = irregularTimeModel({
      stateDim: 3,
      observationDim: 1,
      times: plain.timeMin,
      discretise: (dt) => {
        const s = discretiseDampedCgm(dt, rates);
        return {
          transition: Float64Array.of(1, 0, 0, 0, s.deviationDecay, s.rateToDeviation, 0, 0, s.rateDecay),
          stateCovariance: Float64Array.of(s.levelVariance, 0, 0, 0, s.deviationVariance, s.deviationRateCovariance, 0, s.deviationRateCovariance, s.rateVariance),
        };
      },
      forecastStep: 5,
      design: [1, 1, 0],
      observationVariance: [rates.observationVariance],
      initialState: [LEVEL_PRIOR_MEAN, 0, 0],
      initialCovariance: [LEVEL_PRIOR_SD ** 2, 0, 0, 0, varD, covDS, 0, covDS, varS],
    });
    const filtered = runKalmanFilter(model, plain.logGlucose);
    const smoothed = runStateSmoother(model, filtered);
    expect(Math.abs(ours.logLikelihood - filtered.logLikelihood)).toBeLessThan(1e-8);
    for (const t of [0, 1, 1500, n - 2, n - 1]) {
      for (let k = 0; k < 3; k++) expect(track.smoothedState[3 * t + k]).toBeCloseTo(smoothed.smoothedState[3 * t + k]!, 10);
      const c = smoothed.smoothedCovariance;
      const signalVariance = c[9 * t]! + 2 * c[9 * t + 1]! + c[9 * t + 4]!;
      expect(Math.abs(track.smoothedSignalVariance[t]! - signalVariance)).toBeLessThan(1e-12 + 1e-8 * signalVariance);
    }
  });
});

describe('refitPatientTwin', () => {
  const days = 10;
  const times = Float64Array.from({ length: days * 288 }, (_, i) => i * 5);
  const simulated = simulateFastLayer(TRUTH, times, seededRandom(21));
  const series = { timeMin: times, glucoseMgDl: simulated.logGlucose.map(Math.exp) };

  it('finds the simulated time constants and noise, and issues ordered bands', () => {
    const refit = refitPatientTwin(series);
    expect(refit.warmStart).toBe('population');
    expect(refit.readingCount).toBe(times.length);
    expect(refit.parameters.deviationTimeConstantMin / TRUTH.deviationTimeConstantMin).toBeGreaterThan(0.5);
    expect(refit.parameters.deviationTimeConstantMin / TRUTH.deviationTimeConstantMin).toBeLessThan(2);
    expect(refit.parameters.sensorNoiseScale / TRUTH.sensorNoiseScale).toBeGreaterThan(0.7);
    expect(refit.parameters.sensorNoiseScale / TRUTH.sensorNoiseScale).toBeLessThan(1.4);
    expect(refit.forecasts.map((f) => f.horizonMin)).toEqual([30, 60]);
    for (const f of refit.forecasts) {
      expect(f.lower95MgDl).toBeLessThan(f.lower80MgDl);
      expect(f.lower80MgDl).toBeLessThan(f.medianMgDl);
      expect(f.medianMgDl).toBeLessThan(f.upper80MgDl);
      expect(f.upper80MgDl).toBeLessThan(f.upper95MgDl);
    }
    // The 60-min band is wider than the 30-min one (on the log scale).
    expect(Math.log(refit.forecasts[1]!.upper95MgDl / refit.forecasts[1]!.lower95MgDl)).toBeGreaterThan(
      Math.log(refit.forecasts[0]!.upper95MgDl / refit.forecasts[0]!.lower95MgDl),
    );
    expect(refit.smoothedTail.logMean.length).toBe(288);
    expect(Array.from(refit.daily.day)).toEqual(Array.from({ length: days }, (_, d) => d));
    expect(Array.from(refit.daily.readings).every((count) => count === 288)).toBe(true);
    // The smoothed signal tracks the readings: within a few sensor-noise SDs on average.
    const tailReadings = series.glucoseMgDl.subarray(times.length - 288);
    let sumAbs = 0;
    for (let k = 0; k < 288; k++) sumAbs += Math.abs(refit.smoothedTail.logMean[k]! - Math.log(tailReadings[k]!));
    expect(sumAbs / 288).toBeLessThan(3 * TRUTH.sensorNoiseScale);
  });

  it('warm-started from the previous fit, needs fewer evaluations and lands nearby', () => {
    const cold = refitPatientTwin(series);
    const warm = refitPatientTwin(series, { previous: cold.parameters, previousBands: cold.forecasts.map((f) => f.fittedBand) });
    expect(warm.warmStart).toBe('previous');
    expect(warm.fitEvaluations).toBeLessThan(cold.fitEvaluations);
    expect(Math.abs(Math.log(warm.parameters.deviationTimeConstantMin / cold.parameters.deviationTimeConstantMin))).toBeLessThan(0.3);
  });

  it('reaches the window MAP a tight Nelder–Mead finds, in far fewer evaluations', () => {
    const readings = cgmReadings(series.timeMin, series.glucoseMgDl, new Uint8Array(series.timeMin.length));
    const fit = fitRecentWindow(readings);
    const { objective, logMedian } = negativeLogPosteriorOn(readings, series.timeMin[series.timeMin.length - 1]! - 3 * 1440, 1, POPULATION_PRIORS);
    let tight = minimiseNelderMead(objective, logMedian, { initialStep: 0.3, valueTolerance: 1e-7, pointTolerance: 1e-5, maxEvaluations: 6000 });
    tight = minimiseNelderMead(objective, tight.point, { initialStep: 0.1, valueTolerance: 1e-7, pointTolerance: 1e-5, maxEvaluations: 6000 });
    const gap = -fit.logPosterior - tight.value;
    expect(gap).toBeLessThan(0.02);
    expect(gap).toBeGreaterThan(-1e-6);
    // Nelder–Mead took about 300 (150 on the last day, 150 on the window) and still stopped short.
    expect(fit.evaluations).toBeLessThan(150);
  });

  it('runs filter + smoother alone at given parameters, with the refit filter\'s likelihood', () => {
    const refit = refitPatientTwin(series);
    const summary = filterSmoothPatient(series, refit.parameters);
    expect(summary.logLikelihood).toBe(refit.logLikelihood);
    expect(summary.lastSmoothedLogGlucose).toBe(refit.smoothedTail.logMean[287]);
  });

  it('refits a series of one or a few readings from the priors, with finite bands', () => {
    for (const count of [1, 12]) {
      const refit = refitPatientTwin({ timeMin: times.subarray(0, count), glucoseMgDl: series.glucoseMgDl.subarray(0, count) });
      expect(refit.readingCount).toBe(count);
      for (const f of refit.forecasts) {
        expect(Number.isFinite(f.lower95MgDl) && Number.isFinite(f.upper95MgDl)).toBe(true);
        expect(f.lower95MgDl).toBeLessThan(f.upper95MgDl);
      }
    }
  });

  it('warms the kernels up on a series they accept, with the same checksum every time', () => {
    const checksum = warmUpPatientRefit();
    expect(Number.isFinite(checksum)).toBe(true);
    expect(warmUpPatientRefit()).toBe(checksum);
  });

  it('refuses bad series with a reason and no values', () => {
    const unsorted = { timeMin: Float64Array.of(0, 10, 5), glucoseMgDl: Float64Array.of(100, 110, 120) };
    expect(() => validatePatientSeries(unsorted)).toThrow('reading 2: times are not in order');
    expect(() => refitPatientTwin({ timeMin: Float64Array.of(0, 5), glucoseMgDl: Float64Array.of(100, -3) })).toThrow(
      'reading 1: glucose is not a positive finite number',
    );
    expect(() => refitPatientTwin({ timeMin: new Float64Array(0), glucoseMgDl: new Float64Array(0) })).toThrow('no readings');
    expect(() => refitPatientTwin({ timeMin: Float64Array.of(0, 5), glucoseMgDl: Float64Array.of(100) })).toThrow('2 times but 1 glucose values');
    // filter + smoother check as they read the series (one pass), with validatePatientSeries's reasons.
    const bad: [PatientCgmSeries, string][] = [
      [unsorted, 'reading 2: times are not in order'],
      [{ timeMin: Float64Array.of(0, Number.NaN), glucoseMgDl: Float64Array.of(100, 110) }, 'reading 1: time is not a finite number'],
      [{ timeMin: Float64Array.of(0, 5), glucoseMgDl: Float64Array.of(100, Number.POSITIVE_INFINITY) }, 'reading 1: glucose is not a positive finite number'],
      [{ timeMin: Float64Array.of(0, 5), glucoseMgDl: Float64Array.of(100, 110), censoring: Uint8Array.of(0, 3) }, 'reading 1: unknown censoring flag'],
      [{ timeMin: Float64Array.of(0, 5), glucoseMgDl: Float64Array.of(100, 110), censoring: Uint8Array.of(0) }, '2 times but 1 censoring flags'],
    ];
    const parameters = refitPatientTwin(series).parameters;
    for (const [one, reason] of bad) {
      expect(() => validatePatientSeries(one)).toThrow(reason);
      expect(() => filterSmoothPatient(one, parameters)).toThrow(reason);
    }
  });
});
