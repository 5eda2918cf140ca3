/**
 * Gross-error screen for home weights, run before any detector sees them (MODEL-NOTES §1.6: unit
 * mix-ups are the commonest gross error). A weight typed in pounds on a kilogram scale is 2.2046 times
 * the patient's weight: far outside anything fluid can do, and obvious once divided back. Only earlier
 * readings are consulted, so screening day t never looks past day t.
 */

export const POUNDS_PER_KG = 2.20462;

/** How many earlier readings form the reference (their median). */
const REFERENCE_READINGS = 7;
/** A reading this far above the reference cannot be fluid; 60 % would be 50 kg on an 85-kg patient. */
const IMPLAUSIBLE_RATIO = 1.6;
/** Converted back, it must land this close to the reference to count as a unit error, kg. */
const CONVERTED_TOLERANCE_KG = 6;

export interface WeightScreen {
  /** The weights with unit errors converted to kg (NaN stays NaN). */
  readonly weightKg: Float64Array;
  /** Day indices whose reading was converted from pounds. */
  readonly poundsCorrectedDays: readonly number[];
}

export function screenWeightUnitErrors(weightKg: Float64Array): WeightScreen {
  const cleaned = Float64Array.from(weightKg);
  const corrected: number[] = [];
  const recent: number[] = [];
  for (let d = 0; d < cleaned.length; d++) {
    const value = cleaned[d]!;
    if (Number.isNaN(value)) continue;
    if (recent.length > 0) {
      const reference = median(recent);
      const converted = value / POUNDS_PER_KG;
      if (value > IMPLAUSIBLE_RATIO * reference && Math.abs(converted - reference) <= CONVERTED_TOLERANCE_KG) {
        cleaned[d] = converted;
        corrected.push(d);
      }
    }
    recent.push(cleaned[d]!);
    if (recent.length > REFERENCE_READINGS) recent.shift();
  }
  return { weightKg: cleaned, poundsCorrectedDays: corrected };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : 0.5 * (sorted[mid - 1]! + sorted[mid]!);
}
