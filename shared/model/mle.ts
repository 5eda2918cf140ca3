/**
 * Maximum-likelihood estimation of hyperparameters: a small Nelder–Mead minimiser and the fit of the
 * local linear trend's three variances on their logarithms (positivity for free, and the likelihood is
 * closer to quadratic in log-variances).
 */
import { createLinearTrendTrack, filterLinearTrend, type LinearTrendModel } from './kernels/llt.js';

export interface NelderMeadOptions {
  /** Edge length of the initial simplex along each axis (default 0.5). */
  readonly initialStep?: number;
  /** Stop when the simplex's values differ by at most this much (default 1e-10) … */
  readonly valueTolerance?: number;
  /** … and its vertices by at most this much in every coordinate (default 1e-8). */
  readonly pointTolerance?: number;
  /** Hard limit on objective evaluations (default 5000). */
  readonly maxEvaluations?: number;
}

export interface MinimisationResult {
  readonly point: Float64Array;
  readonly value: number;
  readonly evaluations: number;
  /** False when maxEvaluations ran out before both tolerances were met. */
  readonly converged: boolean;
}

/** The minimisers' view of an objective: a NaN value counts as +∞ (an invalid region is rejected), and calls are counted. */
class CountedObjective {
  evaluations = 0;

  constructor(private readonly objective: (point: Float64Array) => number) {}

  evaluate(point: Float64Array): number {
    this.evaluations++;
    const value = this.objective(point);
    return Number.isNaN(value) ? Number.POSITIVE_INFINITY : value;
  }
}

/**
 * Nelder–Mead with the standard coefficients (reflection 1, expansion 2, contraction ½, shrink ½).
 * A NaN objective value counts as +∞, so an invalid parameter region is simply rejected.
 */
export function minimiseNelderMead(
  objective: (point: Float64Array) => number,
  start: ArrayLike<number>,
  options: NelderMeadOptions = {},
): MinimisationResult {
  const dim = start.length;
  const initialStep = options.initialStep ?? 0.5;
  const valueTolerance = options.valueTolerance ?? 1e-10;
  const pointTolerance = options.pointTolerance ?? 1e-8;
  const maxEvaluations = options.maxEvaluations ?? 5000;
  const counted = new CountedObjective(objective);
  const evaluate = (point: Float64Array): number => counted.evaluate(point);

  const vertices: Float64Array[] = [];
  const values: number[] = [];
  for (let k = 0; k <= dim; k++) {
    const vertex = Float64Array.from(start);
    if (k > 0) vertex[k - 1] = vertex[k - 1]! + initialStep;
    vertices.push(vertex);
    values.push(evaluate(vertex));
  }
  const order = Array.from({ length: dim + 1 }, (_, k) => k);
  const centroid = new Float64Array(dim);
  const reflected = new Float64Array(dim);
  const trial = new Float64Array(dim);

  let converged = false;
  while (counted.evaluations < maxEvaluations) {
    order.sort((i, j) => values[i]! - values[j]!);
    const best = order[0]!;
    const worst = order[dim]!;
    const secondWorst = order[dim - 1]!;
    if (simplexIsSmall(vertices, values, best, valueTolerance, pointTolerance)) {
      converged = true;
      break;
    }
    centroid.fill(0);
    for (let k = 0; k < dim; k++) {
      const vertex = vertices[order[k]!]!;
      for (let i = 0; i < dim; i++) centroid[i] = centroid[i]! + vertex[i]! / dim;
    }
    const worstVertex = vertices[worst]!;
    for (let i = 0; i < dim; i++) reflected[i] = 2 * centroid[i]! - worstVertex[i]!;
    const reflectedValue = evaluate(reflected);
    if (reflectedValue < values[best]!) {
      for (let i = 0; i < dim; i++) trial[i] = 3 * centroid[i]! - 2 * worstVertex[i]!;
      const expandedValue = evaluate(trial);
      if (expandedValue < reflectedValue) replaceVertex(vertices, values, worst, trial, expandedValue);
      else replaceVertex(vertices, values, worst, reflected, reflectedValue);
      continue;
    }
    if (reflectedValue < values[secondWorst]!) {
      replaceVertex(vertices, values, worst, reflected, reflectedValue);
      continue;
    }
    // Contract towards the better of the reflected and the worst point.
    const outside = reflectedValue < values[worst]!;
    const towards = outside ? reflected : worstVertex;
    for (let i = 0; i < dim; i++) trial[i] = 0.5 * (centroid[i]! + towards[i]!);
    const contractedValue = evaluate(trial);
    if (contractedValue < (outside ? reflectedValue : values[worst]!)) {
      replaceVertex(vertices, values, worst, trial, contractedValue);
      continue;
    }
    const bestVertex = vertices[best]!;
    for (const k of order.slice(1)) {
      const vertex = vertices[k]!;
      for (let i = 0; i < dim; i++) vertex[i] = 0.5 * (bestVertex[i]! + vertex[i]!);
      values[k] = evaluate(vertex);
    }
  }
  let bestIndex = 0;
  for (let k = 1; k <= dim; k++) if (values[k]! < values[bestIndex]!) bestIndex = k;
  return { point: Float64Array.from(vertices[bestIndex]!), value: values[bestIndex]!, evaluations: counted.evaluations, converged };
}

export interface QuasiNewtonOptions {
  /** Inverse Hessian to start from (n×n, row-major), e.g. a previous fit's; default `initialScale` × I. */
  readonly inverseHessian?: ArrayLike<number>;
  /** Diagonal of the default starting inverse Hessian (default 1). */
  readonly initialScale?: number;
  /** Forward-difference step of the gradient (default 1e-4). */
  readonly gradientStep?: number;
  /** Stop when the next quasi-Newton step would lower the objective by at most this much, ½ g'Hg (default 1e-8). */
  readonly decreaseTolerance?: number;
  /** Longest step in any coordinate (default 1): a poor curvature estimate cannot jump far. */
  readonly maxStep?: number;
  /** Hard limit on objective evaluations (default 5000). */
  readonly maxEvaluations?: number;
  /**
   * The exact gradient at `point`, whose objective value is `value` (always the point evaluated last), into
   * `out`; default forward differences. Its calls are not objective evaluations.
   */
  readonly gradient?: (point: Float64Array, value: number, out: Float64Array) => void;
}

export interface QuasiNewtonResult extends MinimisationResult {
  /** The final BFGS inverse Hessian (n×n, row-major): the next warm start's curvature. */
  readonly inverseHessian: Float64Array;
  /** Gradients taken (by `gradient`, or by differences whose evaluations `evaluations` counts). */
  readonly gradients: number;
}

/**
 * BFGS with forward-difference (or given exact) gradients and a backtracking (Armijo) line search, for smooth objectives
 * of a few parameters. Against Nelder–Mead it uses the curvature it learns, and it can start from a
 * previous fit's: on the heart-failure MAP fits it reaches the optimum in about half the evaluations
 * (heart-failure/README.md). A NaN objective value counts as +∞, as there; a gradient at the edge of the
 * finite region takes a backward difference. Converged means the predicted
 * decrease fell below `decreaseTolerance`; a line search that finds no decrease, or the budget running
 * out, ends it unconverged at the best point found.
 */
export function minimiseBfgs(
  objective: (point: Float64Array) => number,
  start: ArrayLike<number>,
  options: QuasiNewtonOptions = {},
): QuasiNewtonResult {
  const n = start.length;
  const h = options.gradientStep ?? 1e-4;
  const decreaseTolerance = options.decreaseTolerance ?? 1e-8;
  const maxStep = options.maxStep ?? 1;
  const maxEvaluations = options.maxEvaluations ?? 5000;
  const counted = new CountedObjective(objective);
  const evaluate = (point: Float64Array): number => counted.evaluate(point);
  const H = new Float64Array(n * n);
  if (options.inverseHessian && options.inverseHessian.length === n * n) H.set(options.inverseHessian);
  else for (let i = 0; i < n; i++) H[i * n + i] = options.initialScale ?? 1;

  const x = Float64Array.from(start);
  let value = evaluate(x);
  // Forward differences; at an edge of the valid region (+∞ a step ahead) a backward one instead.
  const exactGradient = options.gradient;
  const gradientCost = exactGradient ? 0 : n;
  let gradients = 0;
  const gradientAt = (point: Float64Array, atValue: number, out: Float64Array): void => {
    gradients++;
    if (exactGradient) {
      exactGradient(point, atValue, out);
      return;
    }
    for (let i = 0; i < n; i++) {
      const xi = point[i]!;
      point[i] = xi + h;
      let ahead = evaluate(point);
      if (Number.isFinite(ahead) || counted.evaluations >= maxEvaluations) out[i] = Number.isFinite(ahead) ? (ahead - atValue) / h : 0;
      else {
        point[i] = xi - h;
        ahead = evaluate(point);
        out[i] = (atValue - ahead) / h;
      }
      point[i] = xi;
    }
  };
  let g = new Float64Array(n);
  let gNext = new Float64Array(n);
  const direction = new Float64Array(n);
  const trial = new Float64Array(n);
  const s = new Float64Array(n);
  const y = new Float64Array(n);
  const Hy = new Float64Array(n);
  if (Number.isFinite(value)) gradientAt(x, value, g);
  let converged = false;
  while (Number.isFinite(value) && counted.evaluations + gradientCost + 1 <= maxEvaluations) {
    let slope = 0;
    let longest = 0;
    for (let i = 0; i < n; i++) {
      let sum = 0;
      for (let j = 0; j < n; j++) sum -= H[i * n + j]! * g[j]!;
      direction[i] = sum;
      slope += g[i]! * sum;
      longest = Math.max(longest, Math.abs(sum));
    }
    if (!(slope < 0) || -0.5 * slope <= decreaseTolerance) {
      converged = -0.5 * slope <= decreaseTolerance;
      break;
    }
    let t = longest > maxStep ? maxStep / longest : 1;
    let trialValue = Number.POSITIVE_INFINITY;
    let accepted = false;
    while (counted.evaluations + gradientCost < maxEvaluations) {
      for (let i = 0; i < n; i++) trial[i] = x[i]! + t * direction[i]!;
      trialValue = evaluate(trial);
      if (trialValue <= value + 1e-4 * t * slope) {
        accepted = true;
        break;
      }
      t *= 0.5;
      if (t * longest < 1e-10) break;
    }
    if (!accepted) break;
    gradientAt(trial, trialValue, gNext);
    let sy = 0;
    for (let i = 0; i < n; i++) {
      s[i] = trial[i]! - x[i]!;
      y[i] = gNext[i]! - g[i]!;
      sy += s[i]! * y[i]!;
    }
    x.set(trial);
    value = trialValue;
    [g, gNext] = [gNext, g];
    // Curvature condition: skip the update where the objective is not locally convex along s.
    if (sy > 1e-12) {
      let yHy = 0;
      for (let i = 0; i < n; i++) {
        let sum = 0;
        for (let j = 0; j < n; j++) sum += H[i * n + j]! * y[j]!;
        Hy[i] = sum;
        yHy += y[i]! * sum;
      }
      const scale = (sy + yHy) / (sy * sy);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) H[i * n + j] = H[i * n + j]! + scale * s[i]! * s[j]! - (Hy[i]! * s[j]! + s[i]! * Hy[j]!) / sy;
      }
    }
  }
  return { point: x, value, evaluations: counted.evaluations, converged, inverseHessian: H, gradients };
}

function replaceVertex(
  vertices: Float64Array[],
  values: number[],
  index: number,
  point: Float64Array,
  value: number,
): void {
  vertices[index]!.set(point);
  values[index] = value;
}

function simplexIsSmall(
  vertices: Float64Array[],
  values: number[],
  best: number,
  valueTolerance: number,
  pointTolerance: number,
): boolean {
  const bestVertex = vertices[best]!;
  for (let k = 0; k < vertices.length; k++) {
    if (Math.abs(values[k]! - values[best]!) > valueTolerance) return false;
    const vertex = vertices[k]!;
    for (let i = 0; i < vertex.length; i++) if (Math.abs(vertex[i]! - bestVertex[i]!) > pointTolerance) return false;
  }
  return true;
}

export interface LinearTrendFit {
  readonly observationVariance: number;
  readonly levelVariance: number;
  readonly slopeVariance: number;
  readonly logLikelihood: number;
  readonly evaluations: number;
  readonly converged: boolean;
}

/**
 * Maximum-likelihood σ²_ε, σ²_level, σ²_slope of the discrete local linear trend with a known prior
 * (a proper prior, so every observation counts in the likelihood). `startVariances` in that order.
 */
export function fitLinearTrendVariances(
  observations: Float64Array,
  prior: Pick<LinearTrendModel, 'initialState' | 'initialCovariance'>,
  startVariances: readonly [number, number, number] = [1, 1, 0.1],
  options: NelderMeadOptions = {},
): LinearTrendFit {
  const track = createLinearTrendTrack(observations.length);
  const negativeLogLikelihood = (logVariances: Float64Array): number =>
    -filterLinearTrend(observations, trendModel(logVariances, prior), track).logLikelihood;
  const start = startVariances.map(Math.log);
  const first = minimiseNelderMead(negativeLogLikelihood, start, options);
  // Nelder–Mead can stall on a simplex that collapsed along a valley; restarting from the optimum with a
  // fresh simplex either confirms it or moves on.
  const second = minimiseNelderMead(negativeLogLikelihood, first.point, options);
  const [logEps, logLevel, logSlope] = second.point;
  return {
    observationVariance: Math.exp(logEps!),
    levelVariance: Math.exp(logLevel!),
    slopeVariance: Math.exp(logSlope!),
    logLikelihood: -second.value,
    evaluations: first.evaluations + second.evaluations,
    converged: first.converged && second.converged,
  };
}

function trendModel(
  logVariances: Float64Array,
  prior: Pick<LinearTrendModel, 'initialState' | 'initialCovariance'>,
): LinearTrendModel {
  return {
    observationVariance: Math.exp(logVariances[0]!),
    dynamics: {
      kind: 'discrete',
      levelVariance: Math.exp(logVariances[1]!),
      slopeVariance: Math.exp(logVariances[2]!),
    },
    initialState: prior.initialState,
    initialCovariance: prior.initialCovariance,
  };
}
