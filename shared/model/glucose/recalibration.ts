/**
 * Per-patient, per-horizon recalibration of the twin's forecast bands from its own past errors.
 *
 * The filter's h-step variance is right only if the model is: meals, insulin and compression artefacts
 * make real 30–60 min errors heavier-tailed and differently scaled than the Gaussian state-space variance
 * says (MODEL-NOTES §4.3: 95 % bands cover 90–92 % even with fitted hyperparameters). So the standardised
 * past errors u = (ln y − m)/√v at each horizon are fitted, by maximum likelihood (EM), with a zero-mean
 * mixture of two normals, and the forecast becomes ln y ~ m + √v·U. The model's own variance still sets
 * the width forecast by forecast (bands widen after gaps), the mixture only corrects its scale and tails.
 * Only errors whose outcome was observed before the refit time are used.
 */

export interface ScaleMixture {
  readonly weights: Float64Array;
  /** multipliers of the model's SD, one per component */
  readonly scaleFactors: Float64Array;
}

/** Below this many errors a mixture is not identifiable; use one scale (or none). */
const MIN_ERRORS_FOR_MIXTURE = 200;
const MIN_ERRORS_FOR_SCALE = 20;
const EM_ITERATIONS = 60;
/** Stop when weights and variances (relative) move less than this in one iteration. */
const EM_TOLERANCE = 1e-4;
/** A component may not get less weight than this, nor a scale below this fraction of the pooled SD. */
const MIN_WEIGHT = 0.02;
const MIN_SCALE_SHARE = 0.05;
const MIN_SCALE = 0.1;

export const IDENTITY_SCALE_MIXTURE: ScaleMixture = { weights: Float64Array.of(1), scaleFactors: Float64Array.of(1) };

/**
 * Maximum-likelihood two-component scale mixture of `standardisedErrors`. `start` (the previous refit's
 * mixture) makes EM converge in a few iterations instead of tens.
 */
export function fitScaleMixture(standardisedErrors: ArrayLike<number>, start?: ScaleMixture): ScaleMixture {
  const n = standardisedErrors.length;
  if (n < MIN_ERRORS_FOR_SCALE) return IDENTITY_SCALE_MIXTURE;
  let sumSquares = 0;
  for (let i = 0; i < n; i++) sumSquares += standardisedErrors[i]! ** 2;
  // A scale below MIN_SCALE would claim the past errors were far smaller than the model's own variance,
  // which only a degenerate series (say, a flat line) produces.
  const pooledVariance = Math.max(MIN_SCALE * MIN_SCALE, sumSquares / n);
  if (!Number.isFinite(pooledVariance)) return IDENTITY_SCALE_MIXTURE;
  if (n < MIN_ERRORS_FOR_MIXTURE) return { weights: Float64Array.of(1), scaleFactors: Float64Array.of(Math.sqrt(pooledVariance)) };
  const floor = MIN_SCALE_SHARE * MIN_SCALE_SHARE * pooledVariance;
  const warm = start !== undefined && start.weights.length === 2;
  let w0 = warm ? start.weights[0]! : 0.7;
  let var0 = warm ? start.scaleFactors[0]! ** 2 : 0.5 * pooledVariance;
  let var1 = warm ? start.scaleFactors[1]! ** 2 : 2.2 * pooledVariance;
  for (let iteration = 0; iteration < EM_ITERATIONS; iteration++) {
    let r0Sum = 0;
    let r0Squares = 0;
    let r1Squares = 0;
    // r0 = 1/(1 + (w1 σ0)/(w0 σ1) · exp(½u²(1/σ0² − 1/σ1²))): one exp per point, and an overflow to
    // Infinity correctly hands a far-tail point to the wider component.
    const ratio = ((1 - w0) * Math.sqrt(var0)) / (w0 * Math.sqrt(var1));
    const exponentPerSquare = 0.5 * (1 / var0 - 1 / var1);
    for (let i = 0; i < n; i++) {
      const u2 = standardisedErrors[i]! ** 2;
      const r0 = 1 / (1 + ratio * Math.exp(exponentPerSquare * u2));
      r0Sum += r0;
      r0Squares += r0 * u2;
      r1Squares += (1 - r0) * u2;
    }
    const nextW0 = Math.min(1 - MIN_WEIGHT, Math.max(MIN_WEIGHT, r0Sum / n));
    const nextVar0 = Math.max(floor, r0Sum > 0 ? r0Squares / r0Sum : var0);
    const nextVar1 = Math.max(floor, n - r0Sum > 0 ? r1Squares / (n - r0Sum) : var1);
    const change = Math.abs(nextW0 - w0) + Math.abs(nextVar0 - var0) / var0 + Math.abs(nextVar1 - var1) / var1;
    w0 = nextW0;
    var0 = nextVar0;
    var1 = nextVar1;
    if (change < EM_TOLERANCE) break;
  }
  return { weights: Float64Array.of(w0, 1 - w0), scaleFactors: Float64Array.of(Math.sqrt(var0), Math.sqrt(var1)) };
}
