/**
 * How a dose change inside the window moves the signals: each change shifts one target by `delta`,
 * approached exponentially with time constant `tauDays` (a first-order response, the same shape the
 * twin's medication-effect state assumes). Doses already in place when the window opens are part of
 * the patient's baseline and carry no effect here.
 */
import { MS_PER_DAY } from '../../../shared/domain/sample.js';

export type EffectTarget =
  /** Fractional change of the between-meal glucose level (-0.04 = 4 % lower). */
  | 'glucose-level'
  /** Fractional change of the chance of a nocturnal low. */
  | 'night-lows'
  /** Body fluid, kg (diuretics). */
  | 'fluid-kg'
  | 'resting-hr'
  | 'systolic'
  | 'diastolic'
  /** mmol/L */
  | 'potassium'
  /** mL/min/1.73 m2 */
  | 'egfr';

export interface MedicationEffect {
  readonly target: EffectTarget;
  readonly startMs: number;
  readonly delta: number;
  readonly tauDays: number;
}

/** Summed effect of all dose changes on `target` at `tMs`. */
export function effectAt(effects: readonly MedicationEffect[], target: EffectTarget, tMs: number): number {
  let total = 0;
  for (const effect of effects) {
    if (effect.target !== target || tMs <= effect.startMs) continue;
    total += effect.delta * (1 - Math.exp(-(tMs - effect.startMs) / (effect.tauDays * MS_PER_DAY)));
  }
  return total;
}

export function hasEffect(effects: readonly MedicationEffect[], target: EffectTarget): boolean {
  return effects.some((effect) => effect.target === target);
}
