/**
 * Shared by the unrolled kernels' exact log-likelihood, −½ Σ (log 2π + log F_t + v_t²/F_t).
 * Math.log is the slowest operation in a filter step, so the kernels multiply the F_t together and take
 * one log whenever the running product leaves [LOG_PRODUCT_MIN, LOG_PRODUCT_MAX]: the product stays far
 * from overflow for any F_t within 1e±200, and the result differs from the sum of logs by rounding only.
 */
export const LOG_2PI = Math.log(2 * Math.PI);
export const LOG_PRODUCT_MAX = 1e100;
export const LOG_PRODUCT_MIN = 1e-100;

/** What a kernel's filter returns; the per-step moments go to its track. */
export interface FilterSummary {
  /** Exact log-likelihood over the observed points */
  readonly logLikelihood: number;
  readonly observedCount: number;
}
