/**
 * The standard normal distribution to full double precision: erfc (FreeBSD msun s_erf.c, the SunPro
 * rational approximations, |error| < 1 ulp over the range we use), the CDF built on it so that both tails
 * keep their relative accuracy, and the quantile (Acklam's rational start plus one Halley step on erfc).
 * Scores such as CRPS and PIT are sums of these, so a 1e-7 approximation would show in the 6th digit.
 */

const ERX = 8.45062911510467529297e-1;
const EFX = 1.28379167095512586316e-1;
// erf on [0, 0.84375]
const PP = [1.28379167095512558561e-1, -3.25042107247001499370e-1, -2.84817495755985104766e-2, -5.77027029648944159157e-3, -2.37630166566501626084e-5] as const;
const QQ = [3.97917223959155352819e-1, 6.50222499887672944485e-2, 5.08130628187576562776e-3, 1.32494738004321644526e-4, -3.96022827877536812320e-6] as const;
// erf on [0.84375, 1.25], in s = |x| − 1
const PA = [-2.36211856075265944077e-3, 4.14856118683748331666e-1, -3.72207876035701323847e-1, 3.18346619901161753674e-1, -1.10894694282396677476e-1, 3.54783043256182359371e-2, -2.16637559486879084300e-3] as const;
const QA = [1.06420880400844228286e-1, 5.40397917702171048937e-1, 7.18286544141962662868e-2, 1.26171219808761642112e-1, 1.36370839120290507362e-2, 1.19844998467991074170e-2] as const;
// erfc on [1.25, 1/0.35], in s = 1/x²
const RA = [-9.86494403484714822705e-3, -6.93858572707181764372e-1, -1.05586262253232909814e1, -6.23753324503260060396e1, -1.62396669462573470355e2, -1.84605092906711035994e2, -8.12874355063065934246e1, -9.81432934416914548592] as const;
const SA = [1.96512716674392571292e1, 1.37657754143519042600e2, 4.34565877475229228821e2, 6.45387271733267880336e2, 4.29008140027567833386e2, 1.08635005541779435134e2, 6.57024977031928170135, -6.04244152148580987438e-2] as const;
// erfc on [1/0.35, 28], in s = 1/x²
const RB = [-9.86494292470009928597e-3, -7.99283237680523006574e-1, -1.77579549177547519889e1, -1.60636384855821916062e2, -6.37566443368389627722e2, -1.02509513161107724954e3, -4.83519191608651397019e2] as const;
const SB = [3.03380607434824582924e1, 3.25792512996573918826e2, 1.53672958608443695994e3, 3.19985821950859553908e3, 2.55305040643316442583e3, 4.74528541206955367215e2, -2.24409524465858183362e1] as const;

/** a0 + s(a1 + s(a2 + …)) */
function polynomial(coefficients: readonly number[], s: number): number {
  let value = 0;
  for (let i = coefficients.length - 1; i >= 0; i--) value = value * s + coefficients[i]!;
  return value;
}

/** 1 + s(b1 + s(b2 + …)): the denominators, whose constant term is 1. */
function monicDenominator(coefficients: readonly number[], s: number): number {
  return 1 + s * polynomial(coefficients, s);
}

// x with the low 32 bits of its mantissa cleared, so that x_hi² is exact in exp(−x_hi² − …).
const wordView = new Float64Array(1);
const wordBits = new Uint32Array(wordView.buffer);
const LOW_WORD = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1 ? 0 : 1;
function clearLowWord(x: number): number {
  wordView[0] = x;
  wordBits[LOW_WORD] = 0;
  return wordView[0];
}

/** Complementary error function, erfc(x) = 1 − erf(x), accurate to a few ulp in both tails. */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  const ax = Math.abs(x);
  if (ax < 0.84375) {
    if (ax < 2 ** -56) return 1 - x;
    const z = x * x;
    const y = polynomial(PP, z) / monicDenominator(QQ, z);
    return x < 0.25 ? 1 - (x + x * y) : 0.5 - (x - 0.5 + x * y);
  }
  if (ax < 1.25) {
    const s = ax - 1;
    const p = polynomial(PA, s) / monicDenominator(QA, s);
    return x >= 0 ? 1 - ERX - p : 1 + ERX + p;
  }
  if (ax < 28) {
    const s = 1 / (ax * ax);
    let r: number;
    if (ax < 1 / 0.35) {
      r = polynomial(RA, s) / monicDenominator(SA, s);
    } else {
      if (x < -6) return 2;
      r = polynomial(RB, s) / monicDenominator(SB, s);
    }
    const hi = clearLowWord(ax);
    const tail = (Math.exp(-hi * hi - 0.5625) * Math.exp((hi - ax) * (hi + ax) + r)) / ax;
    return x > 0 ? tail : 2 - tail;
  }
  return x > 0 ? 0 : 2;
}

/** erf(x), through erfc except near 0, where erfc would lose the small value to cancellation. */
export function erf(x: number): number {
  if (Math.abs(x) < 0.84375) {
    if (Math.abs(x) < 2 ** -28) return x + EFX * x;
    const z = x * x;
    return x + x * (polynomial(PP, z) / monicDenominator(QQ, z));
  }
  return 1 - erfc(x);
}

const INV_SQRT_2PI = 0.3989422804014327;

/** φ(z) */
export function standardNormalDensity(z: number): number {
  return INV_SQRT_2PI * Math.exp(-0.5 * z * z);
}

/** Φ(z) = ½ erfc(−z/√2): full relative accuracy in the lower tail, absolute in the upper. */
export function standardNormalCdf(z: number): number {
  return 0.5 * erfc(-z * Math.SQRT1_2);
}

// Acklam's rational approximation of Φ⁻¹ (relative error 1.15e-9), refined below.
const ACKLAM_A = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239] as const;
const ACKLAM_B = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1] as const;
const ACKLAM_C = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783] as const;
const ACKLAM_D = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416] as const;
const ACKLAM_LOW = 0.02425;

/** Φ⁻¹(p) for p in (0, 1); ±Infinity at 0 and 1. One Halley step brings Acklam's start to ~1e-15. */
export function standardNormalQuantile(p: number): number {
  if (!(p >= 0 && p <= 1)) return Number.NaN;
  if (p === 0) return Number.NEGATIVE_INFINITY;
  if (p === 1) return Number.POSITIVE_INFINITY;
  let x: number;
  if (p < ACKLAM_LOW || p > 1 - ACKLAM_LOW) {
    const q = Math.sqrt(-2 * Math.log(p < 0.5 ? p : 1 - p));
    const value =
      (((((ACKLAM_C[0] * q + ACKLAM_C[1]) * q + ACKLAM_C[2]) * q + ACKLAM_C[3]) * q + ACKLAM_C[4]) * q + ACKLAM_C[5]) /
      ((((ACKLAM_D[0] * q + ACKLAM_D[1]) * q + ACKLAM_D[2]) * q + ACKLAM_D[3]) * q + 1);
    x = p < 0.5 ? value : -value;
  } else {
    const q = p - 0.5;
    const r = q * q;
    x =
      ((((((ACKLAM_A[0] * r + ACKLAM_A[1]) * r + ACKLAM_A[2]) * r + ACKLAM_A[3]) * r + ACKLAM_A[4]) * r + ACKLAM_A[5]) * q) /
      (((((ACKLAM_B[0] * r + ACKLAM_B[1]) * r + ACKLAM_B[2]) * r + ACKLAM_B[3]) * r + ACKLAM_B[4]) * r + 1);
  }
  // Halley on Φ(x) − p, with the residual taken from the tail that holds p so it keeps its digits.
  const residual = p < 0.5 ? standardNormalCdf(x) - p : 1 - p - standardNormalCdf(-x);
  const u = residual / standardNormalDensity(x);
  return x - u / (1 + 0.5 * x * u);
}
