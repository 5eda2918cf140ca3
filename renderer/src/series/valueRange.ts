/**
 * The y-range a chart should at least show. chart.js fits the axis to the data, so two HbA1c results of
 * 6.0 % and 6.1 % would fill the whole height and look like a steep rise. A stream shows at least ten of
 * its display steps (1 % for HbA1c at one decimal, 10 mg/dL for glucose at none), centred on the data.
 */
export interface SuggestedRange {
  readonly suggestedMin: number;
  readonly suggestedMax: number;
}

export function minimumValueRange(minValue: number, maxValue: number, decimals: number): SuggestedRange | undefined {
  if (!Number.isFinite(minValue) || !Number.isFinite(maxValue) || maxValue < minValue) return undefined;
  const minSpan = 10 * 10 ** -decimals;
  if (maxValue - minValue >= minSpan) return undefined;
  const mid = (minValue + maxValue) / 2;
  let low = mid - minSpan / 2;
  let high = mid + minSpan / 2;
  // Counts and concentrations are never negative: do not invent an axis below zero.
  if (minValue >= 0 && low < 0) {
    high -= low;
    low = 0;
  }
  return { suggestedMin: low, suggestedMax: high };
}
