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
 *
 * The mixture is itself an estimate, from errors that overlap (errors h minutes ahead from origins less
 * than h apart share most of their path): early on, with a few hours of errors, its scale is uncertain, so
 * the bands carry that uncertainty too (withScaleUncertainty, Student-t-like) and narrow to the fitted
 * mixture as errors accumulate. The mixture is fitted to the size of the errors, not their sign, so it
 * sets the band, not the point forecast (./twin-forecaster.ts: TwinForecast).
 */

export interface ScaleMixture {
  readonly weights: Float64Array;
  /** multipliers of the model's SD, one per component */
  readonly scaleFactors: Float64Array;
}

/** Below this many errors a mixture is not identifiable; use one scale (or none). */
const MIN_ERRORS_FOR_MIXTURE = 200;
/**
 * Nor below this many independent errors: the wide component holds a few per cent of them, so with fewer
 * it would rest on one or two errors (overlapping 30–60 min errors from 3–5-min origins are far from
 * independent: a few hours of them are a dozen independent ones, not hundreds).
 */
export const MIN_EFFECTIVE_ERRORS_FOR_MIXTURE = 50;
/** Without the count of independent errors, fewer errors than this leave the model's own variance alone. */
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
 * mixture) makes EM converge in a few iterations instead of tens. `effectiveErrors`, when known, is how
 * many independent errors they amount to (see MIN_EFFECTIVE_ERRORS_FOR_MIXTURE); absent, every error
 * counts as one, and fewer than MIN_ERRORS_FOR_SCALE errors return the identity.
 *
 * With `effectiveErrors` known, few errors (even none) still give one scale, for withScaleUncertainty to
 * widen: below SCALE_UNCERTAINTY_MIN_ERRORS independent errors the model's own variance (scale 1) stands
 * in for the missing ones (a scaled-inverse-χ² prior worth 3 − ν errors at scale 1, so the predictive
 * has the 3 degrees of freedom it is computed with). Returning the identity there instead gave the
 * model's own variance with no uncertainty at all, the narrowest band of the day exactly where the least
 * was known: on the simglucose day with 40 % removed in 2–6 h gaps the first block after the burn-in often
 * has few or no past errors whose outcome was seen (seeds 4, 5, 7: its 30-min forecasts covered 50–80 % at 95 %).
 */
export function fitScaleMixture(standardisedErrors: ArrayLike<number>, start?: ScaleMixture, effectiveErrors?: number): ScaleMixture {
  const n = standardisedErrors.length;
  const tooFewForMixture = n < MIN_ERRORS_FOR_MIXTURE || (effectiveErrors ?? n) < MIN_EFFECTIVE_ERRORS_FOR_MIXTURE;
  if (effectiveErrors === undefined ? n < MIN_ERRORS_FOR_SCALE : !(effectiveErrors >= 0)) return IDENTITY_SCALE_MIXTURE;
  let sumSquares = 0;
  for (let i = 0; i < n; i++) sumSquares += standardisedErrors[i]! ** 2;
  const errorVariance = n > 0 ? sumSquares / n : 1;
  const nu = effectiveErrors ?? n;
  const priorErrors = Math.max(0, SCALE_UNCERTAINTY_MIN_ERRORS - nu);
  // A scale below MIN_SCALE would claim the past errors were far smaller than the model's own variance,
  // which only a degenerate series (say, a flat line) produces.
  const posteriorVariance = priorErrors > 0 ? (priorErrors + nu * errorVariance) / (priorErrors + nu) : errorVariance;
  const pooledVariance = Math.max(MIN_SCALE * MIN_SCALE, posteriorVariance);
  if (!Number.isFinite(pooledVariance)) return IDENTITY_SCALE_MIXTURE;
  if (tooFewForMixture) return { weights: Float64Array.of(1), scaleFactors: Float64Array.of(Math.sqrt(pooledVariance)) };
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

/**
 * Above this many effectively independent errors the scale is known well enough (a t-quantile with this
 * many degrees of freedom is within 0.6 % of the normal one at 97.5 %): the mixture is used as fitted.
 */
export const SCALE_UNCERTAINTY_MAX_ERRORS = 200;
/**
 * Fewer effective errors than this are counted as this many (the approximation below needs ν >= 3);
 * fitScaleMixture makes up the difference with errors at the model's own scale.
 */
export const SCALE_UNCERTAINTY_MIN_ERRORS = 3;
/**
 * Gauss–Hermite nodes and weights for a standard normal: 3 points (0, ±√3; exact for polynomials to
 * degree 5). They give Student-t's 90 % quantile within 0.03 % and its 97.5 % quantile within 1 % from
 * ν = 6 on (2.5 % wider at ν = 4, 8 % at ν = 3, where 5 points are 1 % and 3 % wider), but 5 points put
 * 1.1 % of the weight on a component 7× (ν = 4) to 17× (ν = 3) the fitted scale: on the log scale that is
 * a band whose mg/dL mean and CRPS explode. Forecasts
 * into gaps (120–240 min, whose past errors amount to a few independent ones) showed it: on the simglucose
 * day with 40 % removed in 2–6 h gaps (seeds 1–8) the mean CRPS at 240 min was 1339 mg/dL with 5 points,
 * 54 with 3; with 60 % removed, at 120 min, 1.1e7 against 33. With 3 points the widest component stays
 * within 3.3× the fitted scale (ν = 3).
 */
const HERMITE_NODES = [0, Math.sqrt(3), -Math.sqrt(3)];
const HERMITE_WEIGHTS = [2 / 3, 1 / 6, 1 / 6];

/**
 * The predictive of a new standardised error when the mixture's scale was estimated from `effectiveErrors`
 * independent errors: every component's variance is multiplied by g = ν/χ²_ν (the posterior of the
 * variance ratio under a flat prior on log σ; for one component this is Student-t_ν). g is integrated
 * out with 3-point Gauss–Hermite quadrature on the Wilson–Hilferty normal approximation
 * χ²_ν ≈ ν(1 − 2/(9ν) + z√(2/(9ν)))³, so the result is again a scale mixture (3 components per component).
 * The identity mixture (no recalibration) and well-estimated mixtures are returned unchanged.
 */
export function withScaleUncertainty(mixture: ScaleMixture, effectiveErrors: number): ScaleMixture {
  if (mixture === IDENTITY_SCALE_MIXTURE || !(effectiveErrors < SCALE_UNCERTAINTY_MAX_ERRORS)) return mixture;
  const nu = Math.max(SCALE_UNCERTAINTY_MIN_ERRORS, effectiveErrors);
  const a = 2 / (9 * nu);
  const k = HERMITE_NODES.length;
  const weights = new Float64Array(mixture.weights.length * k);
  const scaleFactors = new Float64Array(mixture.weights.length * k);
  for (let c = 0; c < mixture.weights.length; c++) {
    for (let j = 0; j < k; j++) {
      // For ν >= 3 the cube's base stays above 0.45 at the outermost node.
      const chiSquareShare = (1 - a + HERMITE_NODES[j]! * Math.sqrt(a)) ** 3;
      weights[c * k + j] = mixture.weights[c]! * HERMITE_WEIGHTS[j]!;
      scaleFactors[c * k + j] = mixture.scaleFactors[c]! / Math.sqrt(chiSquareShare);
    }
  }
  return { weights, scaleFactors };
}

