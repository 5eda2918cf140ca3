/**
 * The weight rule of thumb that heart-failure self-care leaflets give: call when weight goes up by
 * 3 lb (1.36 kg) in a day or 5 lb (2.27 kg) in 3 days. It is the baseline the twin is compared against
 * (Gyllensten et al. 2016 found rules like it detect about 20 % of events).
 */
import { screenWeightUnitErrors } from './weight-screen.js';

export const RULE_OF_THUMB_ONE_DAY_GAIN_KG = 1.36;
export const RULE_OF_THUMB_THREE_DAY_GAIN_KG = 2.27;

export interface RuleOfThumbTrigger {
  /** Day index. */
  readonly index: number;
  readonly rule: 'one-day' | 'three-day';
  /** Today's weight minus the reference weight, kg. */
  readonly gainKg: number;
  /** Day index of the reference weight. */
  readonly fromIndex: number;
}

/**
 * Days on which the rule is met. One day: against yesterday's weight (no reading yesterday, no check).
 * Three days: against the lowest weight of the previous three days, i.e. any rise of 2.27 kg within
 * three days. Weights typed in pounds are converted first, as a nurse would before calling anyone.
 */
export function ruleOfThumbTriggers(weightKg: Float64Array): RuleOfThumbTrigger[] {
  const weights = screenWeightUnitErrors(weightKg).weightKg;
  const triggers: RuleOfThumbTrigger[] = [];
  for (let t = 1; t < weights.length; t++) {
    const today = weights[t]!;
    if (Number.isNaN(today)) continue;
    const yesterday = weights[t - 1]!;
    if (!Number.isNaN(yesterday) && today - yesterday >= RULE_OF_THUMB_ONE_DAY_GAIN_KG) {
      triggers.push({ index: t, rule: 'one-day', gainKg: today - yesterday, fromIndex: t - 1 });
      continue;
    }
    let lowest = Number.POSITIVE_INFINITY;
    let lowestIndex = -1;
    for (let d = Math.max(0, t - 3); d < t; d++) {
      const w = weights[d]!;
      if (!Number.isNaN(w) && w < lowest) {
        lowest = w;
        lowestIndex = d;
      }
    }
    if (lowestIndex >= 0 && today - lowest >= RULE_OF_THUMB_THREE_DAY_GAIN_KG) {
      triggers.push({ index: t, rule: 'three-day', gainKg: today - lowest, fromIndex: lowestIndex });
    }
  }
  return triggers;
}
