/**
 * The standard normal distribution function, for turning a Gaussian posterior into the probability an
 * alert is stated in (P(fluid rate > 0.1 kg/day) = 1 − Φ((0.1 − mean)/sd)) and bands into quantiles.
 */

/** z of the central 80 % and 95 % intervals. */
export const Z_80 = 1.2815515655446004;
export const Z_95 = 1.959963984540054;

/**
 * Φ(x) by Hart's algorithm 5666 in West's form ("Better approximations to cumulative normal functions",
 * Wilmott 2005). The tail is computed directly, never as 1 − Φ, so its error stays relative: about 1e-14
 * absolute near the centre, 1e-10 relative out to 7 SD and 1e-8 beyond.
 */
export function normalCdf(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  const z = Math.abs(x);
  let tail: number;
  if (z > 37) {
    tail = 0;
  } else {
    const gauss = Math.exp(-0.5 * z * z);
    if (z < 7.07106781186547) {
      let numerator = 3.52624965998911e-2 * z + 0.700383064443688;
      numerator = numerator * z + 6.37396220353165;
      numerator = numerator * z + 33.912866078383;
      numerator = numerator * z + 112.079291497871;
      numerator = numerator * z + 221.213596169931;
      numerator = numerator * z + 220.206867912376;
      let denominator = 8.83883476483184e-2 * z + 1.75566716318264;
      denominator = denominator * z + 16.064177579207;
      denominator = denominator * z + 86.7807322029461;
      denominator = denominator * z + 296.564248779674;
      denominator = denominator * z + 637.333633378831;
      denominator = denominator * z + 793.826512519948;
      denominator = denominator * z + 440.413735824752;
      tail = (gauss * numerator) / denominator;
    } else {
      let fraction = z + 0.65;
      fraction = z + 4 / fraction;
      fraction = z + 3 / fraction;
      fraction = z + 2 / fraction;
      fraction = z + 1 / fraction;
      tail = gauss / fraction / 2.506628274631;
    }
  }
  return x > 0 ? 1 - tail : tail;
}

/** P(X > threshold) for X ~ N(mean, sd²); a point mass (sd = 0) gives 0 or 1. */
export function probabilityAbove(mean: number, sd: number, threshold: number): number {
  if (!(sd > 0)) return mean > threshold ? 1 : 0;
  return normalCdf((mean - threshold) / sd);
}
