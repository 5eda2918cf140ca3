/**
 * The fast glucose layer's filter as a resumable state: the living twin filters a new day of CGM forward
 * from the state it stored after the previous update instead of refiltering 90 days.
 *
 * The recursion is ./../../../shared/model/glucose/fast-layer.ts's `filterFastLayer` (robust Student-t
 * reweighting, CGM readings, no censoring: the store keeps values, not censoring flags) step for step, with
 * the same discretisation per step length and the same sensor-change rule (a >= 2 h CGM silence starts a
 * new sensor, whose first day is noisier), in the arithmetic of the refit's filter
 * (../../../shared/model/glucose/fast-layer-smoother.ts's `filterFastLayerTrack`: the robust 1/F with one
 * division, P_dd's prediction summed in pairs), so that the state after a refit's last reading is this
 * filter's over the same readings, bit for bit (`glucoseStateFromRefit`). Filtering readings 0…n in one call
 * or in pieces gives the same numbers bit for bit, since each step reads only the carried state;
 * pipeline.test.ts checks both, and the state against filterFastLayer's own moments.
 */
import { discretiseDampedCgm } from '../../../shared/model/discretise.js';
import type { DampedCgmSystem } from '../../../shared/model/kernels/damped3.js';
import {
  type FastLayerParameters,
  fastLayerRates,
  FILTERED_STRIDE,
  forecastFromFiltered,
  LEVEL_PRIOR_MEAN,
  LEVEL_PRIOR_SD,
  SENSOR_CHANGE_GAP_MIN,
  SENSOR_WARMUP_MIN,
  stationaryDeviationCovariance,
  StepSystems,
} from '../../../shared/model/glucose/fast-layer.js';
import { robustInverseInnovationVariance } from '../../../shared/model/glucose/fast-layer-smoother.js';
import type { PatientRefit } from '../../../shared/model/glucose/patient-refit.js';
import type { ScaleMixture } from '../../../shared/model/glucose/recalibration.js';
import { TwinForecast } from '../../../shared/model/glucose/twin-forecaster.js';


/** The filtered state after a patient's last reading, JSON-safe (null for −∞/NaN). */
export interface GlucoseFilterState {
  /** [a_μ, a_d, a_s, P_μμ, P_μd, P_μs, P_dd, P_ds, P_ss] */
  readonly moments: readonly number[];
  /** readings filtered so far */
  readonly readings: number;
  /** time of the last reading filtered (minutes since 1970), null before any */
  readonly lastMin: number | null;
  /** when the current sensor started (end of the last >= 2 h silence), null = before the first change */
  readonly sensorStartMin: number | null;
}

export function initialGlucoseState(parameters: FastLayerParameters): GlucoseFilterState {
  const [varD, covDS, varS] = stationaryDeviationCovariance(parameters);
  return {
    moments: [LEVEL_PRIOR_MEAN, 0, 0, LEVEL_PRIOR_SD * LEVEL_PRIOR_SD, 0, 0, varD, covDS, varS],
    readings: 0,
    lastMin: null,
    sensorStartMin: null,
  };
}

/**
 * Filters readings [from, to) of (timeMin, mgDl) forward from `state` at `parameters`. The readings must
 * come after the state's last one, in order. `steps` caches discretisations per step length (pass the same
 * map for the same parameters, or none).
 */
export function filterGlucoseForward(
  state: GlucoseFilterState,
  parameters: FastLayerParameters,
  timeMin: ArrayLike<number>,
  mgDl: ArrayLike<number>,
  from = 0,
  to = timeMin.length,
  steps: Map<number, DampedCgmSystem> = new Map(),
): GlucoseFilterState {
  const rates = fastLayerRates(parameters);
  const sensorR = rates.observationVariance;
  const insertionExcessR = sensorR * (parameters.insertionNoiseFactor - 1);
  let [a0, a1, a2, p00, p01, p02, p11, p12, p22] = state.moments as [number, number, number, number, number, number, number, number, number];
  let count = state.readings;
  let lastMin = state.lastMin ?? Number.NaN;
  let sensorStart = state.sensorStartMin ?? Number.NEGATIVE_INFINITY;
  for (let t = from; t < to; t++) {
    const time = timeMin[t]!;
    if (count > 0) {
      const dt = time - lastMin;
      if (!(dt >= 0)) throw new RangeError('filterGlucoseForward: readings are not after the state, in order');
      let step = steps.get(dt);
      if (step === undefined) {
        step = discretiseDampedCgm(dt, rates);
        steps.set(dt, step);
      }
      const phiD = step.deviationDecay;
      const c = step.rateToDeviation;
      const phiS = step.rateDecay;
      a1 = phiD * a1 + c * a2;
      a2 = phiS * a2;
      p00 += step.levelVariance;
      const nextP11 = phiD * phiD * p11 + 2 * phiD * c * p12 + (c * c * p22 + step.deviationVariance);
      p12 = phiD * phiS * p12 + phiS * c * p22 + step.deviationRateCovariance;
      p22 = phiS * phiS * p22 + step.rateVariance;
      p11 = nextP11;
      p01 = phiD * p01 + c * p02;
      p02 = phiS * p02;
    }
    // buildReadingTimeline's rule: NaN before the first reading, so the first one starts no sensor.
    if (time - lastMin >= SENSOR_CHANGE_GAP_MIN) sensorStart = time;
    lastMin = time;
    const age = time - sensorStart;
    const warmupShare = age < SENSOR_WARMUP_MIN ? 1 - age / SENSOR_WARMUP_MIN : 0;
    const y = Math.log(mgDl[t]!);
    const predicted = a0 + a1;
    const m0 = p00 + p01;
    const m1 = p01 + p11;
    const m2 = p02 + p12;
    const signalVariance = m0 + m1;
    const v = y - predicted;
    const v2 = v * v;
    const r = sensorR + insertionExcessR * warmupShare;
    const fInv = robustInverseInnovationVariance(signalVariance, r, v2);
    const vScaled = v * fInv;
    a0 += m0 * vScaled;
    a1 += m1 * vScaled;
    a2 += m2 * vScaled;
    p00 -= m0 * m0 * fInv;
    p01 -= m0 * m1 * fInv;
    p02 -= m0 * m2 * fInv;
    p11 -= m1 * m1 * fInv;
    p12 -= m1 * m2 * fInv;
    p22 -= m2 * m2 * fInv;
    count++;
  }
  return {
    moments: [a0, a1, a2, p00, p01, p02, p11, p12, p22],
    readings: count,
    lastMin: count > 0 ? lastMin : null,
    sensorStartMin: Number.isFinite(sensorStart) ? sensorStart : null,
  };
}

/**
 * The state after a refit's last reading (`readings` readings filtered): what filterGlucoseForward over the
 * same readings from `initialGlucoseState` gives, bit for bit, at the refit's parameters.
 */
export function glucoseStateFromRefit(refit: Pick<PatientRefit, 'lastFiltered' | 'lastSensorStartMin' | 'lastReadingMin' | 'readingCount'>): GlucoseFilterState {
  if (refit.lastFiltered.length !== FILTERED_STRIDE) throw new RangeError('a refit has the wrong number of filtered moments');
  return {
    moments: Array.from(refit.lastFiltered),
    readings: refit.readingCount,
    lastMin: refit.lastReadingMin,
    sensorStartMin: Number.isFinite(refit.lastSensorStartMin) ? refit.lastSensorStartMin : null,
  };
}

/** A band (./recalibration.ts's ScaleMixture) as JSON. */
export interface StoredBand {
  readonly weights: readonly number[];
  readonly scaleFactors: readonly number[];
}

export function storedBand(band: ScaleMixture): StoredBand {
  return { weights: Array.from(band.weights), scaleFactors: Array.from(band.scaleFactors) };
}

export function scaleMixture(band: StoredBand): ScaleMixture {
  return { weights: Float64Array.from(band.weights), scaleFactors: Float64Array.from(band.scaleFactors) };
}

export interface GlucoseForecastSummary {
  readonly horizonMin: number;
  /** UTC ms the forecast is for */
  readonly atMs: number;
  readonly meanMgDl: number;
  readonly medianMgDl: number;
  readonly lower80MgDl: number;
  readonly upper80MgDl: number;
  readonly lower95MgDl: number;
  readonly upper95MgDl: number;
  /** P(reading < 70 mg/dL) at that time */
  readonly probabilityBelow70: number;
}

/** Forecasts from the state's last reading with the recalibrated band of each horizon. */
export function forecastFromState(
  state: GlucoseFilterState,
  parameters: FastLayerParameters,
  horizons: readonly { readonly horizonMin: number; readonly band: StoredBand }[],
): GlucoseForecastSummary[] {
  if (state.readings === 0 || state.lastMin === null) return [];
  // A one-reading timeline: the forecast needs only the last reading's sensor start.
  const timeline = {
    stepLengths: new Float64Array(0),
    stepIndex: Int32Array.of(-1),
    sensorStartMin: Float64Array.of(state.sensorStartMin ?? Number.NEGATIVE_INFINITY),
    warmupShare: new Float64Array(1),
  };
  const systems = new StepSystems(parameters, timeline);
  const filtered = Float64Array.from(state.moments);
  if (filtered.length !== FILTERED_STRIDE) throw new RangeError('a stored glucose state has the wrong number of moments');
  return horizons.map(({ horizonMin, band }) => {
    const forecast = forecastFromFiltered(filtered, 0, systems, timeline, state.lastMin!, horizonMin);
    const distribution = new TwinForecast(forecast, scaleMixture(band));
    return {
      horizonMin,
      atMs: (state.lastMin! + horizonMin) * 60_000,
      meanMgDl: distribution.squaredErrorPoint,
      medianMgDl: distribution.quantile(0.5),
      lower80MgDl: distribution.quantile(0.1),
      upper80MgDl: distribution.quantile(0.9),
      lower95MgDl: distribution.quantile(0.025),
      upper95MgDl: distribution.quantile(0.975),
      probabilityBelow70: distribution.cdf(70),
    };
  });
}
