/**
 * Continuous ranked probability scores, CRPS(F, y) = ∫ (F(x) − 1{x ≥ y})² dx = E|X − y| − ½ E|X − X'|,
 * in the unit of y (mg/dL for glucose). Closed forms only: no sampling, no quadrature, so scores are
 * exact to rounding and identical from run to run.
 */
import { standardNormalCdf, standardNormalDensity } from './normal.js';

const INV_SQRT_PI = 1 / Math.sqrt(Math.PI);

/** CRPS of N(mean, sd²) at y: σ[z(2Φ(z) − 1) + 2φ(z) − 1/√π], z = (y − μ)/σ (Gneiting & Raftery 2007). */
export function crpsNormal(observed: number, mean: number, sd: number): number {
  if (sd === 0) return Math.abs(observed - mean);
  const z = (observed - mean) / sd;
  return sd * (z * (2 * standardNormalCdf(z) - 1) + 2 * standardNormalDensity(z) - INV_SQRT_PI);
}

/**
 * CRPS of the log-normal LN(μ, σ²) at y > 0 (Baran & Lerch 2015):
 *   y[2Φ(w) − 1] − 2 e^{μ+σ²/2} [Φ(w − σ) + Φ(σ/√2) − 1],  w = (ln y − μ)/σ.
 */
export function crpsLogNormal(observed: number, logMean: number, logSd: number): number {
  if (!(observed > 0)) return crpsLogNormalAtNonPositive(observed, logMean, logSd);
  if (logSd === 0) return Math.abs(observed - Math.exp(logMean));
  const w = (Math.log(observed) - logMean) / logSd;
  const mean = Math.exp(logMean + 0.5 * logSd * logSd);
  return (
    observed * (2 * standardNormalCdf(w) - 1) -
    2 * mean * (standardNormalCdf(w - logSd) - standardNormalCdf(-logSd * Math.SQRT1_2))
  );
}

/** Below the support every outcome of X exceeds y: CRPS = E|X − y| − ½E|X − X'| with E|X − y| = EX − y. */
function crpsLogNormalAtNonPositive(observed: number, logMean: number, logSd: number): number {
  const mean = Math.exp(logMean + 0.5 * logSd * logSd);
  return mean - observed - mean * (2 * standardNormalCdf(logSd * Math.SQRT1_2) - 1);
}

/**
 * CRPS of a mixture of log-normals with a common location, Σ_c w_c LN(μ, (σ s_c)²), at y, in closed form:
 *   E|X − y| = Σ_c w_c (E X_c − y + 2[y Φ(w_c) − E X_c Φ(w_c − σ_c)]),  w_c = (ln y − μ)/σ_c,
 *   E|X_i − X_j| = E X_i + E X_j − 2 E min(X_i, X_j),
 *   E[X_i 1{X_i < X_j}] = E X_i Φ((μ_j − μ_i − σ_i²)/√(σ_i² + σ_j²))  (exponential tilting of X_i),
 * so every term is a normal CDF. With one component it reduces to `crpsLogNormal`.
 */
export function crpsLogNormalScaleMixture(
  observed: number,
  logLocation: number,
  logScale: number,
  weights: ArrayLike<number>,
  scaleFactors: ArrayLike<number>,
): number {
  const k = weights.length;
  const logY = observed > 0 ? Math.log(observed) : Number.NEGATIVE_INFINITY;
  let expectedAbsoluteError = 0;
  for (let c = 0; c < k; c++) {
    const sigma = logScale * scaleFactors[c]!;
    const mean = Math.exp(logLocation + 0.5 * sigma * sigma);
    let term: number;
    if (sigma === 0) term = Math.abs(mean - observed);
    else {
      const w = (logY - logLocation) / sigma;
      term = mean - observed + 2 * (observed * standardNormalCdf(w) - mean * standardNormalCdf(w - sigma));
    }
    expectedAbsoluteError += weights[c]! * term;
  }
  let spread = 0;
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      const sdI = logScale * scaleFactors[i]!;
      const sdJ = logScale * scaleFactors[j]!;
      spread += weights[i]! * weights[j]! * expectedAbsoluteDifference(logLocation, sdI, logLocation, sdJ);
    }
  }
  return expectedAbsoluteError - 0.5 * spread;
}

/** E|X_i − X_j| for independent X_i ~ LN(μ_i, σ_i²), X_j ~ LN(μ_j, σ_j²). */
function expectedAbsoluteDifference(muI: number, sdI: number, muJ: number, sdJ: number): number {
  const meanI = Math.exp(muI + 0.5 * sdI * sdI);
  const meanJ = Math.exp(muJ + 0.5 * sdJ * sdJ);
  const s = Math.sqrt(sdI * sdI + sdJ * sdJ);
  if (s === 0) return Math.abs(meanI - meanJ);
  const expectedMin =
    meanI * standardNormalCdf((muJ - muI - sdI * sdI) / s) + meanJ * standardNormalCdf((muI - muJ - sdJ * sdJ) / s);
  return meanI + meanJ - 2 * expectedMin;
}

/**
 * CRPS of the empirical distribution of `sortedMembers` (ascending, n >= 1) at y, exact:
 *   E|X − y| = (1/n) Σ |x_i − y|,  ½E|X − X'| = (1/n²) Σ_i (2i − n − 1) x_(i)  (i from 1).
 * O(n); for many scores against one scaled sample use `ScaledEmpiricalDistribution` (./distributions.ts).
 */
export function crpsEmpirical(observed: number, sortedMembers: ArrayLike<number>): number {
  const n = sortedMembers.length;
  let absoluteSum = 0;
  let spreadSum = 0;
  for (let i = 0; i < n; i++) {
    const x = sortedMembers[i]!;
    absoluteSum += Math.abs(x - observed);
    spreadSum += (2 * (i + 1) - n - 1) * x;
  }
  return absoluteSum / n - spreadSum / (n * n);
}
