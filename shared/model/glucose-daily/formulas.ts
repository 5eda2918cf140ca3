/**
 * The published relations between mean glucose, HbA1c and GMI, and the consensus CGM thresholds
 * (../../../../shared/MODEL-NOTES.md §1.8–1.9). Everything else in this folder goes through these.
 */

/** ADAG slope (Nathan et al., Diabetes Care 2008): eAG [mg/dL] = 28.7 × HbA1c [%] − 46.7. */
export const ADAG_SLOPE_MG_DL_PER_PCT = 28.7;
export const ADAG_INTERCEPT_MG_DL = -46.7;

/** GMI (Bergenstal et al. 2018): GMI [%] = 3.31 + 0.02392 × mean CGM glucose [mg/dL]. */
export const GMI_INTERCEPT_PCT = 3.31;
export const GMI_SLOPE_PCT_PER_MG_DL = 0.02392;

/** Time-in-range thresholds of the international consensus (Battelino et al. 2019), mg/dL. */
export const RANGE_LOW_MG_DL = 70;
export const RANGE_HIGH_MG_DL = 180;
export const LEVEL2_LOW_MG_DL = 54;

/**
 * HbA1c as an exponentially weighted mean of past glucose with τ = 30/ln 2 ≈ 43 days: half the weight
 * falls in the last 30 days and a quarter in days 30–60, close to the Tahara–Shima weighting.
 */
export const HBA1C_KERNEL_TAU_DAYS = 43;

/** Estimated average glucose (mg/dL) for an HbA1c (%), ADAG. */
export function estimatedAverageGlucoseMgDl(hba1cPct: number): number {
  return ADAG_SLOPE_MG_DL_PER_PCT * hba1cPct + ADAG_INTERCEPT_MG_DL;
}

/** The HbA1c (%) that ADAG associates with a mean glucose (mg/dL): ADAG inverted. */
export function hba1cFromMeanGlucosePct(meanGlucoseMgDl: number): number {
  return (meanGlucoseMgDl - ADAG_INTERCEPT_MG_DL) / ADAG_SLOPE_MG_DL_PER_PCT;
}

/** Glucose management indicator (%) from mean CGM glucose (mg/dL). */
export function glucoseManagementIndicatorPct(meanGlucoseMgDl: number): number {
  return GMI_INTERCEPT_PCT + GMI_SLOPE_PCT_PER_MG_DL * meanGlucoseMgDl;
}

/** Daily decay of the HbA1c kernel: e^{−1/τ}. */
export function hba1cKernelDecayPerDay(tauDays: number = HBA1C_KERNEL_TAU_DAYS): number {
  return Math.exp(-1 / tauDays);
}
