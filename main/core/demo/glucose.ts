/**
 * True (blood) glucose of a demo patient with diabetes on the window's 5-minute grid, in mg/dL: what a
 * perfect sensor would read. CGM readings, fingersticks and HbA1c are all observations of this.
 *
 * Built from what shapes a real day: a between-meal level (moved by medication changes), a dawn rise,
 * meals and snacks at jittered local times with a rise and fall peaking after 45-90 min (in type 1, a
 * later dip where the bolus outlasts the meal), slow and fast random wandering on the log scale, and
 * lows (type 1 mostly at night, some below 54). A per-patient "control" from poor to at-target sets
 * level, excursions, variability and lows, so time in range spans the panel from under 30 % to over 90 %.
 */
import { MS_PER_DAY } from '../../../shared/domain/sample.js';
import type { PatientCalendar } from './calendar.js';
import { effectAt, hasEffect, type MedicationEffect } from './medication-effects.js';
import type { SeededRandom } from './random.js';
import { CGM_INTERVAL_MS, CGM_POINTS_PER_DAY, gridIndexAtOrAfter } from './window.js';

export interface GlucosePhysiology {
  readonly diabetes: 't1d' | 't2d';
  /** 0 = poorly controlled .. 1 = meets targets. */
  readonly control: number;
  /** Between-meal level before any in-window medication change. */
  readonly baseLevelMgDl: number;
  /** Typical peak rise after a main meal. */
  readonly mealRiseMgDl: number;
  /** Typical time from the start of a meal to its glucose peak. */
  readonly timeToPeakMin: number;
  /** Type 1: share of a meal's rise that mismatched bolus insulin turns into a later dip. */
  readonly bolusOvershoot: number;
  readonly dawnRiseMgDl: number;
  /** Standard deviation of the slow (hours) log-scale wandering. */
  readonly slowSdLog: number;
  /** Standard deviation of the fast (tens of minutes) log-scale wandering. */
  readonly fastSdLog: number;
  readonly nightLowChance: number;
  readonly dayLowChance: number;
  readonly snacksPerDay: number;
  readonly breakfastSkipChance: number;
  /** Habitual local meal times, minutes after midnight. */
  readonly breakfastMin: number;
  readonly lunchMin: number;
  readonly dinnerMin: number;
  /** HbA1c above (or below) what ADAG predicts from mean glucose: glycation and red-cell lifespan differ. */
  readonly glycationOffsetPct: number;
}

export function planGlucosePhysiology(rng: SeededRandom, diabetes: 't1d' | 't2d'): GlucosePhysiology {
  const control = rng.next();
  const poor = 1 - control;
  const shared = {
    diabetes,
    control,
    timeToPeakMin: rng.uniform(50, 80),
    snacksPerDay: rng.uniform(0.2, 1.3),
    breakfastSkipChance: rng.uniform(0.03, 0.2),
    breakfastMin: rng.uniform(390, 525),
    lunchMin: rng.uniform(705, 810),
    dinnerMin: rng.uniform(1065, 1200),
    glycationOffsetPct: rng.normal(0, 0.3),
  };
  if (diabetes === 't1d') {
    return {
      ...shared,
      baseLevelMgDl: 105 + 85 * poor + rng.normal(0, 8),
      mealRiseMgDl: rng.logNormal(65 + 65 * poor, 0.15),
      bolusOvershoot: rng.uniform(0.2, 0.6),
      dawnRiseMgDl: rng.uniform(5, 35),
      slowSdLog: 0.2 + 0.1 * poor,
      fastSdLog: rng.uniform(0.04, 0.06),
      // Tight control in type 1 comes with more lows, not fewer.
      nightLowChance: 0.15 + 0.35 * control,
      dayLowChance: 0.08 + 0.2 * control,
    };
  }
  return {
    ...shared,
    baseLevelMgDl: 102 + 80 * poor + rng.normal(0, 8),
    mealRiseMgDl: rng.logNormal(40 + 40 * poor, 0.15),
    bolusOvershoot: 0,
    dawnRiseMgDl: rng.uniform(10, 35),
    slowSdLog: 0.06 + 0.06 * poor,
    fastSdLog: rng.uniform(0.02, 0.035),
    nightLowChance: rng.uniform(0.003, 0.02),
    dayLowChance: 0.003,
  };
}

/** Peak-normalised meal response: (x^2) e^(2(1-x)) with x = elapsed / time to peak; 1 at the peak. */
function mealShape(elapsedMin: number, peakMin: number): number {
  const x = elapsedMin / peakMin;
  return x * x * Math.exp(2 * (1 - x));
}

/** The response is negligible (< 1 %) after 4.5 times its time to peak. */
const MEAL_TAIL_FACTOR = 4.5;

function addMeal(
  glucose: Float64Array,
  calendar: PatientCalendar,
  startMs: number,
  riseMgDl: number,
  peakMin: number,
  overshoot: number,
): void {
  const window = calendar.window;
  const insulinPeakMin = peakMin + 40;
  const spanMin = MEAL_TAIL_FACTOR * (overshoot > 0 ? insulinPeakMin : peakMin);
  const first = Math.max(0, gridIndexAtOrAfter(window, startMs));
  const last = Math.min(window.points - 1, gridIndexAtOrAfter(window, startMs + spanMin * 60_000));
  for (let k = first; k <= last; k++) {
    const elapsedMin = (window.startMs + k * CGM_INTERVAL_MS - startMs) / 60_000;
    let rise = riseMgDl * mealShape(elapsedMin, peakMin);
    if (overshoot > 0) rise -= riseMgDl * overshoot * mealShape(elapsedMin, insulinPeakMin);
    glucose[k]! += rise;
  }
}

function addMeals(glucose: Float64Array, rng: SeededRandom, physiology: GlucosePhysiology, calendar: PatientCalendar): void {
  // Start a day early: yesterday evening's dinner still shapes the window's first hours.
  for (let day = -1; day < calendar.dayCount; day++) {
    const weekend = calendar.weekday(day) === 0 || calendar.weekday(day) === 6;
    const meals: { minute: number; size: number }[] = [];
    if (!rng.chance(physiology.breakfastSkipChance)) {
      meals.push({ minute: physiology.breakfastMin + (weekend ? 60 : 0) + rng.normal(0, 25), size: 1 });
    }
    if (!rng.chance(0.05)) meals.push({ minute: physiology.lunchMin + rng.normal(0, 30), size: 0.85 });
    if (!rng.chance(0.02)) meals.push({ minute: physiology.dinnerMin + rng.normal(0, 30), size: 1.1 });
    const snacks = rng.poisson(physiology.snacksPerDay);
    for (let s = 0; s < snacks; s++) meals.push({ minute: rng.uniform(600, 1350), size: rng.uniform(0.25, 0.5) });
    for (const meal of meals) {
      const startMs = calendar.utcAt(day, meal.minute);
      if (startMs > calendar.window.endMs) continue;
      const peakMin = Math.min(90, Math.max(45, physiology.timeToPeakMin + rng.normal(0, 10)));
      const overshoot =
        physiology.bolusOvershoot > 0 ? Math.min(1, Math.max(0, physiology.bolusOvershoot + rng.normal(0, 0.2))) : 0;
      addMeal(glucose, calendar, startMs, physiology.mealRiseMgDl * meal.size * rng.logNormal(1, 0.3), peakMin, overshoot);
    }
  }
}

/** Smooth 0 -> 1 ramp. */
function smoothStep(x: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  return x * x * (3 - 2 * x);
}

/**
 * Pulls glucose down to `nadirMgDl` at grid point `nadirIndex` and back: a slow descent, a short
 * bottom, then a faster recovery (carbohydrates or counter-regulation). Multiplicative, so the
 * ordinary wandering continues underneath.
 */
function addLow(glucose: Float64Array, nadirIndex: number, nadirMgDl: number, descentPoints: number, holdPoints: number, recoveryPoints: number): void {
  const before = glucose[nadirIndex]!;
  if (before <= nadirMgDl) return;
  const depth = 1 - nadirMgDl / before;
  const first = Math.max(0, nadirIndex - descentPoints);
  const last = Math.min(glucose.length - 1, nadirIndex + holdPoints + recoveryPoints);
  for (let k = first; k <= last; k++) {
    let weight: number;
    if (k <= nadirIndex) weight = smoothStep((k - (nadirIndex - descentPoints)) / descentPoints);
    else if (k <= nadirIndex + holdPoints) weight = 1;
    else weight = 1 - smoothStep((k - nadirIndex - holdPoints) / recoveryPoints);
    glucose[k]! *= 1 - depth * weight;
  }
}

function addLows(
  glucose: Float64Array,
  rng: SeededRandom,
  physiology: GlucosePhysiology,
  calendar: PatientCalendar,
  effects: readonly MedicationEffect[],
): void {
  const window = calendar.window;
  const type1 = physiology.diabetes === 't1d';
  for (let day = 0; day < calendar.dayCount; day++) {
    const nightMs = calendar.utcAt(day, 180);
    const nightChance = physiology.nightLowChance * Math.max(0, 1 + effectAt(effects, 'night-lows', nightMs));
    if (rng.chance(nightChance)) {
      const nadir = calendar.utcAt(day, rng.uniform(30, 330));
      // About a quarter of type 1 night lows go below 54 mg/dL (level 2).
      const nadirMgDl = type1 ? (rng.chance(0.25) ? rng.uniform(42, 54) : rng.uniform(54, 68)) : rng.uniform(58, 69);
      const index = gridIndexAtOrAfter(window, nadir);
      if (index >= 0 && index < window.points) addLow(glucose, index, nadirMgDl, rng.int(9, 24), rng.int(4, 12), rng.int(4, 10));
    }
    if (rng.chance(physiology.dayLowChance)) {
      const nadir = calendar.utcAt(day, rng.uniform(600, 1080));
      const index = gridIndexAtOrAfter(window, nadir);
      if (index >= 0 && index < window.points) {
        addLow(glucose, index, type1 ? rng.uniform(48, 68) : rng.uniform(60, 69), rng.int(6, 15), rng.int(1, 4), rng.int(3, 6));
      }
    }
  }
}

/**
 * Level factor (1 + medication effect) at each window-day boundary; the per-point factor is a linear
 * interpolation, which follows the effects' day-scale time constants closely and costs no exp per point.
 */
function dailyLevelFactors(calendar: PatientCalendar, effects: readonly MedicationEffect[]): Float64Array | null {
  if (!hasEffect(effects, 'glucose-level')) return null;
  const window = calendar.window;
  const factors = new Float64Array(window.days + 2);
  for (let d = 0; d < factors.length; d++) {
    factors[d] = 1 + effectAt(effects, 'glucose-level', window.startMs + d * MS_PER_DAY);
  }
  return factors;
}

/** The true blood glucose at every grid point of the window, mg/dL. */
export function simulateBloodGlucose(
  rng: SeededRandom,
  physiology: GlucosePhysiology,
  calendar: PatientCalendar,
  effects: readonly MedicationEffect[],
): Float64Array {
  const window = calendar.window;
  const glucose = new Float64Array(window.points);
  addMeals(glucose, rng, physiology, calendar);

  const levelFactors = dailyLevelFactors(calendar, effects);
  const clock = calendar.clock;
  const slowPhi = Math.exp(-5 / (8 * 60));
  const fastPhi = Math.exp(-5 / 40);
  const slowStep = physiology.slowSdLog * Math.sqrt(1 - slowPhi * slowPhi);
  const fastStep = physiology.fastSdLog * Math.sqrt(1 - fastPhi * fastPhi);
  let slow = rng.normal(0, physiology.slowSdLog);
  let fast = rng.normal(0, physiology.fastSdLog);
  for (let k = 0; k < window.points; k++) {
    const tMs = window.startMs + k * CGM_INTERVAL_MS;
    let level = physiology.baseLevelMgDl;
    if (levelFactors) {
      const dayPosition = k / CGM_POINTS_PER_DAY;
      const day = Math.floor(dayPosition);
      const within = dayPosition - day;
      level *= levelFactors[day]! * (1 - within) + levelFactors[day + 1]! * within;
    }
    // Local minute of the day, inlined from the calendar: this loop runs for every 5-minute point.
    const minute = ((tMs + clock.offsetMs(tMs)) % MS_PER_DAY) / 60_000;
    // Dawn phenomenon: counter-regulatory hormones lift glucose from about 03:00, peaking near 07:00.
    const dawn = minute >= 180 && minute < 660 ? physiology.dawnRiseMgDl * Math.sin((Math.PI * (minute - 180)) / 480) ** 2 : 0;
    slow = slowPhi * slow + slowStep * rng.normal();
    fast = fastPhi * fast + fastStep * rng.normal();
    glucose[k] = (level + dawn + glucose[k]!) * Math.exp(slow + fast);
  }

  addLows(glucose, rng, physiology, calendar, effects);
  for (let k = 0; k < glucose.length; k++) glucose[k] = Math.min(600, Math.max(30, glucose[k]!));
  return glucose;
}

/** Mean true glucose of each whole window day (grid days of 288 points). */
export function dailyMeanGlucose(glucose: Float64Array): Float64Array {
  const days = Math.floor(glucose.length / CGM_POINTS_PER_DAY);
  const means = new Float64Array(days);
  for (let d = 0; d < days; d++) {
    let sum = 0;
    for (let k = d * CGM_POINTS_PER_DAY; k < (d + 1) * CGM_POINTS_PER_DAY; k++) sum += glucose[k]!;
    means[d] = sum / CGM_POINTS_PER_DAY;
  }
  return means;
}

export interface GlucoseSummary {
  readonly meanMgDl: number;
  readonly timeInRange: number;
  readonly timeBelow70: number;
}

export function summariseGlucose(glucose: Float64Array): GlucoseSummary {
  let sum = 0;
  let inRange = 0;
  let below70 = 0;
  for (let k = 0; k < glucose.length; k++) {
    const value = glucose[k]!;
    sum += value;
    if (value < 70) below70++;
    else if (value <= 180) inRange++;
  }
  const n = glucose.length;
  return { meanMgDl: sum / n, timeInRange: inRange / n, timeBelow70: below70 / n };
}
