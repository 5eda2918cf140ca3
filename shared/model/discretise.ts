/**
 * Exact discretisation of continuous-time linear state models dx = A x dt + dW, E[dW dW'] = Q_c dt,
 * for a step of length Δ: x_{t+Δ} = T(Δ) x_t + η, η ~ N(0, Q(Δ)). Closed forms for the building
 * blocks, Van Loan's matrix-exponential construction for anything else. Rates and Δ share one time unit.
 */
import { type DampedCgmSystem } from './kernels/damped3.js';
import { matrixExponential, matrixMultiply, matrixOneNorm, matrixTranspose, symmetrise } from './linalg.js';
import { type DiscreteStep } from './ssm.js';

/**
 * Van Loan (1978): expm([[−A, Q_c], [0, A']] h) = [[·, E12], [0, E22]] gives T(h) = E22' and Q(h) = T E12.
 * `drift` is A and `diffusion` is Q_c (already L Q_c L' if the noise enters through a loading L), both m×m.
 * Over a long step the block e^{−Ah} grows like e^{βh} for a decay rate β while T shrinks like e^{−βh}, and
 * their product loses about βh/ln 10 digits; so the exponential is taken over h = Δ/2^k with ‖A‖₁h <= 1
 * and the step is doubled k times: T(2h) = T(h)², Q(2h) = T(h) Q(h) T(h)' + Q(h).
 */
export function discretiseVanLoan(drift: Float64Array, diffusion: Float64Array, m: number, dt: number): DiscreteStep {
  const doublings = Math.max(0, Math.ceil(Math.log2(matrixOneNorm(drift, m) * dt)));
  const h = dt / 2 ** doublings;
  const size = 2 * m;
  const block = new Float64Array(size * size);
  for (let r = 0; r < m; r++) {
    for (let c = 0; c < m; c++) {
      block[r * size + c] = -drift[r * m + c]! * h;
      block[r * size + m + c] = diffusion[r * m + c]! * h;
      block[(m + r) * size + m + c] = drift[c * m + r]! * h;
    }
  }
  const exponential = matrixExponential(block, size);
  let transition: Float64Array = new Float64Array(m * m);
  const upperRight = new Float64Array(m * m);
  for (let r = 0; r < m; r++) {
    for (let c = 0; c < m; c++) {
      transition[r * m + c] = exponential[(m + c) * size + m + r]!;
      upperRight[r * m + c] = exponential[r * size + m + c]!;
    }
  }
  let stateCovariance: Float64Array = matrixMultiply(transition, upperRight, m, m, m);
  symmetrise(stateCovariance, m);
  for (let k = 0; k < doublings; k++) {
    const transitionTimesQ = matrixMultiply(transition, stateCovariance, m, m, m);
    const carried = matrixMultiply(transitionTimesQ, matrixTranspose(transition, m, m), m, m, m);
    stateCovariance = carried.map((value, i) => value + stateCovariance[i]!);
    symmetrise(stateCovariance, m);
    transition = matrixMultiply(transition, transition, m, m, m);
  }
  return { transition, stateCovariance };
}

/**
 * Continuous-time local linear trend [level, slope]: the level is Brownian with diffusion `levelDiffusion`
 * plus the integral of a Brownian slope with diffusion `slopeDiffusion` (an integrated random walk).
 *   T = [[1, Δ], [0, 1]],  Q = q_l Δ e₁e₁' + q_s [[Δ³/3, Δ²/2], [Δ²/2, Δ]]
 */
export function discretiseIntegratedRandomWalk(
  dt: number,
  levelDiffusion: number,
  slopeDiffusion: number,
): DiscreteStep {
  const dt2 = dt * dt;
  return {
    transition: Float64Array.of(1, dt, 0, 1),
    stateCovariance: Float64Array.of(
      levelDiffusion * dt + (slopeDiffusion * dt2 * dt) / 3,
      (slopeDiffusion * dt2) / 2,
      (slopeDiffusion * dt2) / 2,
      slopeDiffusion * dt,
    ),
  };
}

/** dx = −θ x dt + σ dW (x measured from its mean): decay e^{−θΔ}, variance σ²(1 − e^{−2θΔ})/(2θ). */
export function discretiseOrnsteinUhlenbeck(
  dt: number,
  decayRate: number,
  diffusion: number,
): { readonly decay: number; readonly variance: number } {
  return { decay: Math.exp(-decayRate * dt), variance: diffusion * decayIntegral(2 * decayRate, dt) };
}

/** Continuous-time rates of the fast CGM layer [μ, d, s] (MODEL-NOTES §1.9), per unit of Δ. */
export interface DampedCgmRates {
  /** q_μ: diffusion of the slow level μ */
  readonly levelDiffusion: number;
  /** α = 1/τ_d: mean reversion of the deviation d */
  readonly deviationDecayRate: number;
  /** q_d: diffusion of d */
  readonly deviationDiffusion: number;
  /** β = 1/τ_s: mean reversion of the rate s, which drives d */
  readonly rateDecayRate: number;
  /** q_s: diffusion of s */
  readonly rateDiffusion: number;
  /** Measurement variance R (not time-dependent) */
  readonly observationVariance: number;
}

/** A = [[0,0,0],[0,−α,1],[0,0,−β]] and Q_c = diag(q_μ, q_d, q_s): the damped CGM model for Van Loan. */
export function dampedCgmGenerator(rates: DampedCgmRates): {
  readonly drift: Float64Array;
  readonly diffusion: Float64Array;
} {
  return {
    drift: Float64Array.of(0, 0, 0, 0, -rates.deviationDecayRate, 1, 0, 0, -rates.rateDecayRate),
    diffusion: Float64Array.of(rates.levelDiffusion, 0, 0, 0, rates.deviationDiffusion, 0, 0, 0, rates.rateDiffusion),
  };
}

/**
 * Below this |α − β|·Δ the closed-form Q loses more than ~1e-12 relative accuracy to cancellation in its
 * divided differences, so the step is taken with Van Loan instead.
 */
const NEAR_EQUAL_RATES = 1e-2;

/**
 * Exact one-step system of the damped CGM model for a step of `dt` (closed form). With g(u) the response
 * of d to a unit rate, g(u) = (e^{−βu} − e^{−αu})/(α − β):
 *   T = [[1,0,0],[0,e^{−αΔ},g(Δ)],[0,0,e^{−βΔ}]],
 *   Q_μμ = q_μ Δ, Q_dd = q_d I(2α) + q_s ∫g², Q_ds = q_s ∫g e^{−βu}, Q_ss = q_s I(2β),
 * with I(k) = ∫₀^Δ e^{−ku} du; the integrals of g are divided differences of I.
 */
export function discretiseDampedCgm(dt: number, rates: DampedCgmRates): DampedCgmSystem {
  const alpha = rates.deviationDecayRate;
  const beta = rates.rateDecayRate;
  const rateGap = alpha - beta;
  if (Math.abs(rateGap) * dt < NEAR_EQUAL_RATES) return dampedCgmSystemFromVanLoan(dt, rates);
  const iAlpha = decayIntegral(2 * alpha, dt);
  const iBeta = decayIntegral(2 * beta, dt);
  const iCross = decayIntegral(alpha + beta, dt);
  const expAlpha = Math.exp(-alpha * dt);
  const expBeta = Math.exp(-beta * dt);
  return {
    deviationDecay: expAlpha,
    rateToDeviation: (expBeta - expAlpha) / rateGap,
    rateDecay: expBeta,
    levelVariance: rates.levelDiffusion * dt,
    deviationVariance:
      rates.deviationDiffusion * iAlpha + (rates.rateDiffusion * (iBeta - 2 * iCross + iAlpha)) / (rateGap * rateGap),
    deviationRateCovariance: (rates.rateDiffusion * (iBeta - iCross)) / rateGap,
    rateVariance: rates.rateDiffusion * iBeta,
    observationVariance: rates.observationVariance,
  };
}

function dampedCgmSystemFromVanLoan(dt: number, rates: DampedCgmRates): DampedCgmSystem {
  const generator = dampedCgmGenerator(rates);
  const step = discretiseVanLoan(generator.drift, generator.diffusion, 3, dt);
  const T = step.transition;
  const Q = step.stateCovariance;
  return {
    deviationDecay: T[4]!,
    rateToDeviation: T[5]!,
    rateDecay: T[8]!,
    levelVariance: Q[0]!,
    deviationVariance: Q[4]!,
    deviationRateCovariance: Q[5]!,
    rateVariance: Q[8]!,
    observationVariance: rates.observationVariance,
  };
}

/** ∫₀^Δ e^{−ku} du, written with expm1 so that small kΔ (slow decay) keeps full precision. */
function decayIntegral(k: number, dt: number): number {
  return k === 0 ? dt : -Math.expm1(-k * dt) / k;
}

/**
 * Memoises a discretisation by step length. On a 5-min grid there is a single Δ, so one matrix
 * exponential serves a whole series; irregular fingersticks add a few more. The cache never evicts: make
 * one per series and parameter vector.
 */
export function cachedDiscretisation<Step>(discretise: (dt: number) => Step): (dt: number) => Step {
  const cache = new Map<number, Step>();
  return (dt) => {
    let step = cache.get(dt);
    if (step === undefined) {
      step = discretise(dt);
      cache.set(dt, step);
    }
    return step;
  };
}
