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
/** EM steps at most (SQUAREM's extrapolations not counted: each is followed by a step). */
const EM_ITERATIONS = 60;
/** Stop when weights and variances (relative) move less than this in one EM step. */
const EM_TOLERANCE = 1e-6;
/** A component may not get less weight than this, nor a scale below this fraction of the pooled SD. */
const MIN_WEIGHT = 0.02;
const MIN_SCALE_SHARE = 0.05;
const MIN_SCALE = 0.1;

export const IDENTITY_SCALE_MIXTURE: ScaleMixture = { weights: Float64Array.of(1), scaleFactors: Float64Array.of(1) };

/**
 * Maximum-likelihood two-component scale mixture of `standardisedErrors`, by EM accelerated with SQUAREM
 * (plain EM crawls here: from the usual start it was still moving after its 60 iterations, on a cold living-
 * twin refit a sixth of the fast layer's time). `start` (the previous refit's mixture) shortens it further. `effectiveErrors`, when known, is how
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
  const squares = new Float64Array(n);
  let sumSquares = 0;
  for (let i = 0; i < n; i++) {
    squares[i] = standardisedErrors[i]! ** 2;
    sumSquares += squares[i]!;
  }
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
  const [w0, var0, var1] = squaremScaleMixture(squares, [warm ? start.weights[0]! : 0.7, warm ? start.scaleFactors[0]! ** 2 : 0.5 * pooledVariance, warm ? start.scaleFactors[1]! ** 2 : 2.2 * pooledVariance], floor);
  return { weights: Float64Array.of(w0, 1 - w0), scaleFactors: Float64Array.of(Math.sqrt(var0), Math.sqrt(var1)) };
}

type Mixture3 = [w0: number, var0: number, var1: number];

/** One EM step of the two-component scale mixture on squared errors `u2`, weights and variances kept in bounds. */
function emStep(u2: Float64Array, [w0, var0, var1]: Mixture3, floor: number): Mixture3 {
  const n = u2.length;
  let r0Sum = 0;
  let r0Squares = 0;
  let r1Squares = 0;
  const ratio = ((1 - w0) * Math.sqrt(var0)) / (w0 * Math.sqrt(var1));
  const exponentPerSquare = 0.5 * (1 / var0 - 1 / var1);
  for (let i = 0; i < n; i++) {
    const square = u2[i]!;
    // r0 = 1/(1 + (w1 σ0)/(w0 σ1) · exp(½u²(1/σ0² − 1/σ1²))): one exp per point, and an overflow to
    // Infinity correctly hands a far-tail point to the wider component.
    const r0 = 1 / (1 + ratio * Math.exp(exponentPerSquare * square));
    r0Sum += r0;
    r0Squares += r0 * square;
    r1Squares += (1 - r0) * square;
  }
  return [
    Math.min(1 - MIN_WEIGHT, Math.max(MIN_WEIGHT, r0Sum / n)),
    Math.max(floor, r0Sum > 0 ? r0Squares / r0Sum : var0),
    Math.max(floor, n - r0Sum > 0 ? r1Squares / (n - r0Sum) : var1),
  ];
}

function emChange(a: Mixture3, b: Mixture3): number {
  return Math.abs(b[0] - a[0]) + Math.abs(b[1] - a[1]) / a[1] + Math.abs(b[2] - a[2]) / a[2];
}

/**
 * EM accelerated by SQUAREM (Varadhan & Roland 2008, SqS3) in (logit w, log σ0², log σ1²): two EM steps, an
 * extrapolation along them, one EM step from there (the plain second step if the extrapolation leaves the
 * parameter space); until an EM step moves less than EM_TOLERANCE or EM_ITERATIONS steps have run.
 */
function squaremScaleMixture(u2: Float64Array, start: Mixture3, floor: number): Mixture3 {
  let theta = start;
  let steps = 0;
  const toX = ([w, a, b]: Mixture3): Mixture3 => [Math.log(w / (1 - w)), Math.log(a), Math.log(b)];
  while (steps < EM_ITERATIONS) {
    const theta1 = emStep(u2, theta, floor);
    steps++;
    if (emChange(theta, theta1) < EM_TOLERANCE || steps >= EM_ITERATIONS) return theta1;
    const theta2 = emStep(u2, theta1, floor);
    steps++;
    if (emChange(theta1, theta2) < EM_TOLERANCE || steps >= EM_ITERATIONS) return theta2;
    const x0 = toX(theta);
    const x1 = toX(theta1);
    const x2 = toX(theta2);
    let rr = 0;
    let vv = 0;
    const r: number[] = [];
    const v: number[] = [];
    for (let k = 0; k < 3; k++) {
      r.push(x1[k]! - x0[k]!);
      v.push(x2[k]! - 2 * x1[k]! + x0[k]!);
      rr += r[k]! ** 2;
      vv += v[k]! ** 2;
    }
    const alpha = vv > 0 ? Math.min(-1, -Math.sqrt(rr / vv)) : -1;
    const x = [0, 1, 2].map((k) => x0[k]! - 2 * alpha * r[k]! + alpha * alpha * v[k]!);
    const w = 1 / (1 + Math.exp(-x[0]!));
    const extrapolated: Mixture3 = [w, Math.exp(x[1]!), Math.exp(x[2]!)];
    const usable = w >= MIN_WEIGHT && w <= 1 - MIN_WEIGHT && extrapolated[1] >= floor && extrapolated[2] >= floor && extrapolated.every(Number.isFinite);
    const from = usable ? extrapolated : theta2;
    const next = emStep(u2, from, floor);
    steps++;
    if (emChange(from, next) < EM_TOLERANCE) return next;
    theta = next;
  }
  return theta;
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

