/**
 * Draws CGM series from the fast layer itself (./fast-layer.ts), exactly: the same discretisation the
 * filter uses, Gaussian state noise, Student-t sensor noise. What the layer's tests fit and score
 * against: with data from the model, MAP must find the parameters again and the bands must be calibrated.
 */
import { discretiseDampedCgm } from '../discretise.js';
import {
  type FastLayerParameters,
  fastLayerRates,
  type GlucoseReadings,
  LEVEL_PRIOR_MEAN,
  SENSOR_NOISE_DEGREES_OF_FREEDOM,
  stationaryDeviationCovariance,
} from './fast-layer.js';

/** Standard normal draws from a uniform generator (Box–Muller, both values used). */
export function normalSampler(random: () => number): () => number {
  let spare = Number.NaN;
  return () => {
    if (!Number.isNaN(spare)) {
      const value = spare;
      spare = Number.NaN;
      return value;
    }
    const radius = Math.sqrt(-2 * Math.log(1 - random()));
    const angle = 2 * Math.PI * random();
    spare = radius * Math.sin(angle);
    return radius * Math.cos(angle);
  };
}

/**
 * A CGM series at `timeMin` (sorted), starting at the level ln(150 mg/dL) with (d, s) drawn from their
 * stationary law. No sensor changes: the noise is never inflated.
 */
export function simulateFastLayer(parameters: FastLayerParameters, timeMin: Float64Array, random: () => number): GlucoseReadings {
  const n = timeMin.length;
  const normal = normalSampler(random);
  const rates = fastLayerRates(parameters);
  const [varD, covDS, varS] = stationaryDeviationCovariance(parameters);
  let level = LEVEL_PRIOR_MEAN;
  // (d, s) ~ N(0, [[varD, covDS], [covDS, varS]]) through its Cholesky factor.
  let rate = Math.sqrt(varS) * normal();
  let deviation = (covDS / varS) * rate + Math.sqrt(Math.max(0, varD - (covDS * covDS) / varS)) * normal();
  const logGlucose = new Float64Array(n);
  const noiseScale = parameters.sensorNoiseScale;
  const nu = SENSOR_NOISE_DEGREES_OF_FREEDOM;
  for (let t = 0; t < n; t++) {
    if (t > 0) {
      const step = discretiseDampedCgm(timeMin[t]! - timeMin[t - 1]!, rates);
      const rateNoise = Math.sqrt(step.rateVariance) * normal();
      const conditionalDeviationVariance = step.deviationVariance - step.deviationRateCovariance ** 2 / step.rateVariance;
      const deviationNoise =
        (step.deviationRateCovariance / step.rateVariance) * rateNoise + Math.sqrt(Math.max(0, conditionalDeviationVariance)) * normal();
      level += Math.sqrt(step.levelVariance) * normal();
      deviation = step.deviationDecay * deviation + step.rateToDeviation * rate + deviationNoise;
      rate = step.rateDecay * rate + rateNoise;
    }
    let chiSquare = 0;
    for (let k = 0; k < nu; k++) chiSquare += normal() ** 2;
    logGlucose[t] = level + deviation + noiseScale * normal() * Math.sqrt(nu / chiSquare);
  }
  return { timeMin, logGlucose, kind: new Uint8Array(n), censoring: new Uint8Array(n) };
}
