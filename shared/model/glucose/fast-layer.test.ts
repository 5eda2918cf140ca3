/**
 * The fast layer: the same numbers as the damped3 kernel and the generic filter where the models coincide,
 * robustness to an artefact, fingersticks, sensor changes and censoring, then MAP recovery and
 * calibration on data drawn from the model itself, and no use of the future.
 */
import { describe, expect, it } from 'vitest';
import { discretiseDampedCgm } from '../discretise.js';
import { runKalmanFilter } from '../kalman.js';
import { createDampedCgmTrack, filterDampedCgm } from '../kernels/damped3.js';
import { HorizonScoreAccumulator } from '../scoring/forecast-scores.js';
import { irregularTimeModel } from '../ssm.js';
import { seededRandom } from './degradation.js';
import {
  buildReadingTimeline,
  Censoring,
  type FastLayerParameters,
  fastLayerRates,
  FILTERED_STRIDE,
  filterFastLayer,
  forecastFromFiltered,
  type GlucoseReadings,
  LEVEL_PRIOR_MEAN,
  LEVEL_PRIOR_SD,
  ReadingKind,
  SENSOR_WARMUP_MIN,
  stationaryDeviationCovariance,
  StepSystems,
} from './fast-layer.js';
import { fitFastLayer } from './hyperparameters.js';
import { DEFAULT_PROTOCOL, nearestReading } from './protocol.js';
import { simulateFastLayer } from './simulation.js';
import { forecastWithTwin } from './twin-forecaster.js';

const TRUTH: FastLayerParameters = {
  deviationTimeConstantMin: 90,
  rateTimeConstantMin: 25,
  rateDrivenDeviationSd: 0.25,
  directDeviationSd: 0.02,
  levelDriftSdPerDay: 0.1,
  sensorNoiseScale: 0.02,
  insertionNoiseFactor: 2,
};

function regularTimes(count: number, stepMin = 5): Float64Array {
  return Float64Array.from({ length: count }, (_, i) => i * stepMin);
}

function priorCovariance(parameters: FastLayerParameters): number[] {
  const [varD, covDS, varS] = stationaryDeviationCovariance(parameters);
  return [LEVEL_PRIOR_SD ** 2, 0, 0, 0, varD, covDS, 0, covDS, varS];
}

describe('fast layer filter', () => {
  it('is the damped3 kernel on a regular grid with Gaussian noise', () => {
    const readings = simulateFastLayer(TRUTH, regularTimes(600), seededRandom(3));
    const timeline = buildReadingTimeline(readings);
    const systems = new StepSystems(TRUTH, timeline);
    const filtered = new Float64Array(FILTERED_STRIDE * 600);
    const ours = filterFastLayer(readings, timeline, systems, 600, filtered, { robust: false });
    const track = createDampedCgmTrack(600);
    const kernel = filterDampedCgm(
      readings.logGlucose,
      discretiseDampedCgm(5, fastLayerRates(TRUTH)),
      { state: [LEVEL_PRIOR_MEAN, 0, 0], covariance: priorCovariance(TRUTH) },
      track,
    );
    expect(Math.abs(ours.logLikelihood - kernel.logLikelihood)).toBeLessThan(1e-9);
    for (const t of [0, 1, 299, 599]) {
      for (let k = 0; k < 3; k++) expect(filtered[FILTERED_STRIDE * t + k]).toBeCloseTo(track.filteredState[3 * t + k]!, 12);
      for (let k = 0; k < 6; k++) expect(filtered[FILTERED_STRIDE * t + 3 + k]).toBeCloseTo(track.filteredCovariance[6 * t + k]!, 14);
    }
  });

  it('is the generic filter (../kalman.ts) on irregular times, gaps included', () => {
    const random = seededRandom(4);
    const times: number[] = [0];
    for (let i = 1; i < 300; i++) times.push(times[i - 1]! + (random() < 0.1 ? 40 + 200 * random() : 4 + 2 * random()));
    const readings = simulateFastLayer(TRUTH, Float64Array.from(times), random);
    const timeline = buildReadingTimeline(readings);
    // The generic model has one R: switch off the extra noise of a new sensor, which the >= 2 h gaps trigger.
    const parameters = { ...TRUTH, insertionNoiseFactor: 1 };
    const ours = filterFastLayer(readings, timeline, new StepSystems(parameters, timeline), 300, null, { robust: false });
    const rates = fastLayerRates(parameters);
    const generic = runKalmanFilter(
      irregularTimeModel({
        stateDim: 3,
        observationDim: 1,
        times,
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
        initialCovariance: priorCovariance(parameters),
      }),
      readings.logGlucose,
    );
    expect(timeline.warmupShare.some((share) => share > 0)).toBe(true);
    expect(Math.abs(ours.logLikelihood - generic.logLikelihood)).toBeLessThan(1e-9);
  });

  it('lets one sensor artefact move the state far less with Student-t reweighting', () => {
    const readings = simulateFastLayer(TRUTH, regularTimes(200), seededRandom(5));
    const glitched: GlucoseReadings = { ...readings, logGlucose: readings.logGlucose.slice() };
    glitched.logGlucose[150] = glitched.logGlucose[150]! - 0.6; // a 45 % compression drop for one reading
    const timeline = buildReadingTimeline(readings);
    const systems = new StepSystems(TRUTH, timeline);
    const signalAt = (data: GlucoseReadings, robust: boolean): number => {
      const filtered = new Float64Array(FILTERED_STRIDE * 200);
      filterFastLayer(data, timeline, systems, 151, filtered, { robust });
      return filtered[FILTERED_STRIDE * 150]! + filtered[FILTERED_STRIDE * 150 + 1]!;
    };
    const gaussianShift = Math.abs(signalAt(glitched, false) - signalAt(readings, false));
    const robustShift = Math.abs(signalAt(glitched, true) - signalAt(readings, true));
    expect(gaussianShift).toBeGreaterThan(0.1);
    expect(robustShift).toBeLessThan(0.25 * gaussianShift);
  });

  it('takes a fingerstick at the time of a CGM reading and narrows the state', () => {
    const cgm = simulateFastLayer(TRUTH, regularTimes(100), seededRandom(6));
    const withFingerstick: GlucoseReadings = {
      timeMin: Float64Array.from([...cgm.timeMin.slice(0, 60), 295, ...cgm.timeMin.slice(60)]),
      logGlucose: Float64Array.from([...cgm.logGlucose.slice(0, 60), cgm.logGlucose[59]!, ...cgm.logGlucose.slice(60)]),
      kind: Uint8Array.from({ length: 101 }, (_, i) => (i === 60 ? ReadingKind.Fingerstick : ReadingKind.Cgm)),
      censoring: new Uint8Array(101),
    };
    const levelVariance = (readings: GlucoseReadings, index: number): number => {
      const timeline = buildReadingTimeline(readings);
      const filtered = new Float64Array(FILTERED_STRIDE * readings.timeMin.length);
      filterFastLayer(readings, timeline, new StepSystems(TRUTH, timeline), readings.timeMin.length, filtered);
      const o = FILTERED_STRIDE * index;
      return filtered[o + 3]! + 2 * filtered[o + 4]! + filtered[o + 6]!;
    };
    expect(levelVariance(withFingerstick, 60)).toBeLessThan(levelVariance(cgm, 59));
    const result = filterFastLayer(withFingerstick, buildReadingTimeline(withFingerstick), new StepSystems(TRUTH, buildReadingTimeline(withFingerstick)), 101, null);
    expect(result.observedCount).toBe(101);
    expect(Number.isFinite(result.logLikelihood)).toBe(true);
  });

  it('marks a >= 2 h silence as a sensor change whose extra noise fades over a day', () => {
    // Three readings, a silence from 10 to 200 min, then a day of 5-min readings.
    const times = Float64Array.from([0, 5, 10, ...Array.from({ length: 289 }, (_, k) => 200 + 5 * k)]);
    const n = times.length;
    const readings: GlucoseReadings = { timeMin: times, logGlucose: new Float64Array(n).fill(5), kind: new Uint8Array(n), censoring: new Uint8Array(n) };
    const timeline = buildReadingTimeline(readings);
    const expected: [number, number][] = [
      [2, 0],
      [3, 1],
      [4, 1 - 5 / SENSOR_WARMUP_MIN],
      [3 + 144, 0.5],
      [3 + 288, 0],
    ];
    for (const [index, share] of expected) expect(timeline.warmupShare[index]).toBeCloseTo(share, 14);
    expect(timeline.sensorStartMin[n - 1]).toBe(200);
  });

  it('does not pull the state down to a "High" reading that it already exceeds', () => {
    const readings: GlucoseReadings = {
      timeMin: regularTimes(3),
      logGlucose: Float64Array.of(Math.log(420), Math.log(430), Math.log(400)),
      kind: new Uint8Array(3),
      censoring: Uint8Array.of(Censoring.None, Censoring.None, Censoring.High),
    };
    const timeline = buildReadingTimeline(readings);
    const systems = new StepSystems(TRUTH, timeline);
    const filtered = new Float64Array(FILTERED_STRIDE * 3);
    const result = filterFastLayer(readings, timeline, systems, 3, filtered);
    expect(result.observedCount).toBe(2);
    const predictedAtHigh = forecastFromFiltered(filtered, 1, systems, timeline, 5, 5).logMean;
    expect(filtered[FILTERED_STRIDE * 2]! + filtered[FILTERED_STRIDE * 2 + 1]!).toBeCloseTo(predictedAtHigh, 12);
  });
});

describe('fast layer hyperparameters and forecasts on data from the model', () => {
  const days = 7;
  const times = regularTimes(days * 288);
  const series = [11, 12].map((seed) => simulateFastLayer(TRUTH, times, seededRandom(seed)));

  it('MAP finds the parameters again, roughly', () => {
    for (const readings of series) {
      const fit = fitFastLayer(readings, buildReadingTimeline(readings), times.length);
      const p = fit.parameters;
      // τ_d is the least identified: a week holds only a few dozen excursions.
      expect(p.deviationTimeConstantMin / TRUTH.deviationTimeConstantMin).toBeGreaterThan(0.5);
      expect(p.deviationTimeConstantMin / TRUTH.deviationTimeConstantMin).toBeLessThan(2);
      expect(p.rateTimeConstantMin / TRUTH.rateTimeConstantMin).toBeGreaterThan(0.75);
      expect(p.rateTimeConstantMin / TRUTH.rateTimeConstantMin).toBeLessThan(1.33);
      expect(p.rateDrivenDeviationSd / TRUTH.rateDrivenDeviationSd).toBeGreaterThan(0.7);
      expect(p.rateDrivenDeviationSd / TRUTH.rateDrivenDeviationSd).toBeLessThan(1.4);
      expect(p.sensorNoiseScale / TRUTH.sensorNoiseScale).toBeGreaterThan(0.85);
      expect(p.sensorNoiseScale / TRUTH.sensorNoiseScale).toBeLessThan(1.15);
    }
  });

  it('its 30- and 60-min bands are calibrated under the forecasting protocol', () => {
    const scores = DEFAULT_PROTOCOL.horizonsMin.map(() => new HorizonScoreAccumulator());
    for (const readings of series) {
      for (const origin of forecastWithTwin(readings, DEFAULT_PROTOCOL)) {
        DEFAULT_PROTOCOL.horizonsMin.forEach((horizonMin, h) => {
          const target = nearestReading(times, times[origin.index]! + horizonMin, DEFAULT_PROTOCOL.targetToleranceMin);
          if (target >= 0) scores[h]!.add(origin.forecasts[h]!, Math.exp(readings.logGlucose[target]!));
        });
      }
    }
    for (const accumulator of scores) {
      const s = accumulator.summary();
      expect(s.count).toBeGreaterThan(3000);
      expect(Math.abs(s.coverage80 - 0.8)).toBeLessThan(0.04);
      expect(Math.abs(s.coverage95 - 0.95)).toBeLessThan(0.025);
      // Two autocorrelated weeks: the PIT bins scatter by a few points around 10 %.
      for (const share of s.pitHistogram) expect(Math.abs(share - 0.1)).toBeLessThan(0.045);
    }
  });

  it('never uses readings after the origin: a truncated series gives the same forecasts, bit for bit', () => {
    const readings = series[0]!;
    const full = [...forecastWithTwin(readings, DEFAULT_PROTOCOL)];
    const cut = 4 * 288 + 37; // mid-day, mid-block
    const truncated: GlucoseReadings = {
      timeMin: readings.timeMin.slice(0, cut),
      logGlucose: readings.logGlucose.slice(0, cut),
      kind: readings.kind.slice(0, cut),
      censoring: readings.censoring.slice(0, cut),
    };
    const part = [...forecastWithTwin(truncated, DEFAULT_PROTOCOL)];
    expect(part.length).toBe(cut - 288);
    part.forEach((origin, k) => {
      const reference = full[k]!;
      expect(origin.index).toBe(reference.index);
      origin.forecasts.forEach((forecast, h) => {
        const other = reference.forecasts[h]!;
        expect(Object.is(forecast.logLocation, other.logLocation)).toBe(true);
        expect(Object.is(forecast.logScale, other.logScale)).toBe(true);
        expect(Array.from(forecast.scaleFactors)).toEqual(Array.from(other.scaleFactors));
        expect(Array.from(forecast.weights)).toEqual(Array.from(other.weights));
      });
    });
  });
});
