/**
 * Demo patients' medications with their dose histories, and the effects of in-window dose changes on
 * the signals (see medication-effects.ts): metformin, basal insulin titration and SGLT2 inhibitors in
 * type 2; basal and mealtime insulin in type 1; loop diuretic, beta-blocker, ARNI, MRA and SGLT2
 * inhibitor in heart failure, with the diuretic raised after every decompensation event.
 * Doses are mg/d unless the unit says otherwise (insulin in U/d; sacubitril/valsartan as the daily sum
 * of the tablet strengths, so 97/103 mg twice daily is 400 mg/d).
 */
import type { Condition, Medication } from '../../../shared/domain/patient.js';
import type { PatientCalendar } from './calendar.js';
import type { GlucosePhysiology } from './glucose.js';
import type { HeartFailureCourse } from './heart-failure.js';
import type { MedicationEffect } from './medication-effects.js';
import type { SeededRandom } from './random.js';

export interface MedicationPlan {
  readonly medications: Medication[];
  readonly effects: MedicationEffect[];
}

type Dose = Medication['doses'][number];

/** Weight lost per extra mg/d of furosemide at steady state (about 0.5 kg for 40 mg/d). */
const FLUID_KG_PER_FUROSEMIDE_MG = 0.012;

class MedicationPlanner {
  readonly medications: Medication[] = [];
  readonly effects: MedicationEffect[] = [];

  constructor(
    private readonly rng: SeededRandom,
    private readonly calendar: PatientCalendar,
  ) {}

  /** The last window day on which a dose can change: any time that day is before the window ends. */
  lastChangeDay(): number {
    return this.calendar.dayCount - 2;
  }

  /** A day in the window at least `fromDay` in and `beforeEndDays` before its end, or null if none fits. */
  changeDay(fromDay: number, beforeEndDays: number): number | null {
    const lastDay = Math.min(this.lastChangeDay(), this.calendar.dayCount - 1 - beforeEndDays);
    return lastDay >= fromDay ? this.rng.int(fromDay, lastDay) : null;
  }

  /** During clinic hours on window day `day`; every such day ends before the window does. */
  clinicMs(day: number): number {
    return this.calendar.utcAt(day, this.rng.uniform(510, 990));
  }

  /** A start long before the window: a dose the patient has been on for months or years. */
  establishedMs(): number {
    return this.calendar.utcAt(-this.rng.int(60, 1500), 540);
  }

  add(name: string, rxnorm: string, unit: string, doses: Dose[]): void {
    this.medications.push({ name, rxnorm, unit, doses });
  }

  effect(target: MedicationEffect['target'], startMs: number, delta: number, tauDays: number): void {
    this.effects.push({ target, startMs, delta, tauDays });
  }
}

function planType2(p: MedicationPlanner, rng: SeededRandom, physiology: GlucosePhysiology, withHeartFailure: boolean): void {
  const poor = 1 - physiology.control;
  if (rng.chance(0.85)) {
    const dose = rng.pick([1000, 1500, 2000, 2000]);
    const doses: Dose[] = [{ startMs: p.establishedMs(), dose }];
    const day = dose < 2000 && poor > 0.4 && rng.chance(0.35) ? p.changeDay(5, 10) : null;
    if (day !== null) {
      const startMs = p.clinicMs(day);
      doses.push({ startMs, dose: dose + 500, note: 'Titrated up: above glycaemic target' });
      p.effect('glucose-level', startMs, -0.035, 10);
    }
    p.add('Metformin', '6809', 'mg/d', doses);
  }

  const onBasal = rng.chance(0.2 + 0.35 * poor);
  const startsBasal = !onBasal && poor > 0.6 && rng.chance(0.4);
  if (onBasal || startsBasal) {
    const doses: Dose[] = [];
    let dose = 10;
    let day: number | null = null;
    if (onBasal) {
      dose = Math.round(rng.uniform(10, 50));
      doses.push({ startMs: p.establishedMs(), dose });
      if (poor > 0.4 && rng.chance(0.6)) day = p.changeDay(3, 20);
    } else {
      day = p.changeDay(3, 20);
      if (day !== null) {
        const startMs = p.clinicMs(day);
        doses.push({ startMs, dose, note: 'Basal insulin started' });
        p.effect('glucose-level', startMs, -0.05, 5);
        day += rng.int(3, 7);
      }
    }
    // Self-titration: +2 U every few days while fasting glucose stays above target.
    const steps = rng.int(3, 8);
    for (let s = 0; s < steps && day !== null && day <= p.lastChangeDay(); s++) {
      const startMs = p.clinicMs(day);
      dose += 2;
      doses.push({ startMs, dose, note: 'Titration +2 U' });
      p.effect('glucose-level', startMs, -0.02, 5);
      p.effect('night-lows', startMs, 0.08, 3);
      day += rng.int(3, 7);
    }
    if (doses.length > 0) p.add('Insulin glargine', '274783', 'U/d', doses);
  }

  // With heart failure the SGLT2 inhibitor is planned with the heart-failure drugs.
  if (withHeartFailure) return;
  if (rng.chance(0.3)) {
    p.add('Empagliflozin', '1545653', 'mg/d', [{ startMs: p.establishedMs(), dose: 10 }]);
  } else if (rng.chance(0.15)) {
    const day = p.changeDay(5, 15);
    if (day !== null) {
      const startMs = p.clinicMs(day);
      p.add('Empagliflozin', '1545653', 'mg/d', [{ startMs, dose: 10, note: 'Started' }]);
      p.effect('glucose-level', startMs, -0.05, 14);
    }
  }
}

function planType1(p: MedicationPlanner, rng: SeededRandom, physiology: GlucosePhysiology): void {
  const basal = Math.round(rng.uniform(10, 32));
  const doses: Dose[] = [{ startMs: p.establishedMs(), dose: basal }];
  const day = rng.chance(0.45) ? p.changeDay(15, 15) : null;
  if (day !== null) {
    const startMs = p.clinicMs(day);
    if (physiology.nightLowChance > 0.14) {
      const cut = rng.int(2, 3);
      doses.push({ startMs, dose: basal - cut, note: 'Reduced after nocturnal lows' });
      p.effect('night-lows', startMs, -0.45, 3);
      p.effect('glucose-level', startMs, 0.03, 5);
    } else {
      doses.push({ startMs, dose: basal + 2, note: 'Increased: fasting glucose above target' });
      p.effect('night-lows', startMs, 0.15, 3);
      p.effect('glucose-level', startMs, -0.03, 5);
    }
  }
  p.add('Insulin glargine', '274783', 'U/d', doses);
  // Mealtime insulin as the average total daily bolus.
  p.add('Insulin lispro', '86009', 'U/d', [{ startMs: p.establishedMs(), dose: Math.round(rng.uniform(12, 40)) }]);
}

function planHeartFailure(p: MedicationPlanner, rng: SeededRandom, calendar: PatientCalendar, course: HeartFailureCourse, type2: boolean): void {
  const { endMs } = calendar.window;
  let furosemide = rng.chance(0.85) ? rng.pick([20, 40, 40, 80, 80, 120]) : 0;
  const furosemideDoses: Dose[] = furosemide > 0 ? [{ startMs: p.establishedMs(), dose: furosemide }] : [];
  for (const episode of course.episodes) {
    if (episode.plannedEventMs > endMs || episode.responseMs > endMs) continue;
    const previous = furosemide;
    furosemide = Math.min(240, previous === 0 ? 40 : previous <= 40 ? previous * 2 : previous + 40);
    const note =
      episode.eventKind === 'hospitalisation'
        ? 'Increased at discharge after admission for congestion'
        : 'Diuretic rescue; maintenance dose increased';
    furosemideDoses.push({ startMs: episode.responseMs, dose: furosemide, note });
    const increase = furosemide - previous;
    p.effect('fluid-kg', episode.responseMs, -FLUID_KG_PER_FUROSEMIDE_MG * increase, 2);
    p.effect('potassium', episode.responseMs, -0.15, 5);
    p.effect('egfr', episode.responseMs, -3, 7);
    // Some are stepped back down once dry, a few weeks later.
    const backDay = calendar.dayIndexOf(episode.responseMs) + rng.int(21, 35);
    if (rng.chance(0.25) && backDay <= p.lastChangeDay()) {
      const startMs = p.clinicMs(backDay);
      if (startMs < endMs && !course.episodes.some((e) => e.onsetMs > episode.responseMs && e.onsetMs < startMs)) {
        furosemideDoses.push({ startMs, dose: previous, note: 'Euvolaemic: reduced to previous dose' });
        p.effect('fluid-kg', startMs, FLUID_KG_PER_FUROSEMIDE_MG * increase, 2);
        p.effect('potassium', startMs, 0.15, 5);
        p.effect('egfr', startMs, 3, 7);
        furosemide = previous;
      }
    }
  }
  if (furosemideDoses.length > 0) p.add('Furosemide', '4603', 'mg/d', furosemideDoses);

  if (rng.chance(0.9)) {
    const dose = rng.pick([25, 50, 100, 200]);
    const doses: Dose[] = [{ startMs: p.establishedMs(), dose }];
    const day = dose < 200 && rng.chance(0.3) ? p.changeDay(10, 10) : null;
    if (day !== null) {
      const startMs = p.clinicMs(day);
      doses.push({ startMs, dose: dose * 2, note: 'Up-titrated' });
      p.effect('resting-hr', startMs, -4, 5);
      p.effect('systolic', startMs, -3, 5);
      p.effect('diastolic', startMs, -2, 5);
    }
    p.add('Metoprolol succinate', '6918', 'mg/d', doses);
  }

  if (rng.chance(0.6)) {
    const dose = rng.pick([100, 200, 400]);
    const doses: Dose[] = [{ startMs: p.establishedMs(), dose }];
    const day = dose < 400 && rng.chance(0.25) ? p.changeDay(10, 10) : null;
    if (day !== null) {
      const startMs = p.clinicMs(day);
      doses.push({ startMs, dose: dose * 2, note: 'Up-titrated' });
      p.effect('systolic', startMs, -5, 7);
      p.effect('diastolic', startMs, -3, 7);
      p.effect('potassium', startMs, 0.1, 7);
      p.effect('egfr', startMs, -2, 7);
    }
    p.add('Sacubitril/valsartan', '1656339', 'mg/d', doses);
  }

  if (rng.chance(0.4)) p.add('Spironolactone', '9997', 'mg/d', [{ startMs: p.establishedMs(), dose: 25 }]);

  if (rng.chance(0.45)) {
    p.add('Dapagliflozin', '1488564', 'mg/d', [{ startMs: p.establishedMs(), dose: 10 }]);
  } else if (rng.chance(0.15)) {
    const day = p.changeDay(10, 15);
    if (day !== null) {
      const startMs = p.clinicMs(day);
      p.add('Dapagliflozin', '1488564', 'mg/d', [{ startMs, dose: 10, note: 'Started' }]);
      // A real, non-congestive weight change: the SGLT2 inhibitor's early natriuresis.
      p.effect('fluid-kg', startMs, -0.6, 7);
      p.effect('egfr', startMs, -3, 5);
      if (type2) p.effect('glucose-level', startMs, -0.04, 14);
    }
  }
}

export function planMedications(
  rng: SeededRandom,
  calendar: PatientCalendar,
  conditions: readonly Condition[],
  physiology: GlucosePhysiology | null,
  course: HeartFailureCourse | null,
): MedicationPlan {
  const planner = new MedicationPlanner(rng, calendar);
  const heartFailure = conditions.includes('hf');
  if (physiology?.diabetes === 't1d') planType1(planner, rng, physiology);
  if (physiology?.diabetes === 't2d') planType2(planner, rng, physiology, heartFailure);
  if (heartFailure && course) planHeartFailure(planner, rng, calendar, course, conditions.includes('t2d'));
  for (const medication of planner.medications) medication.doses.sort((a, b) => a.startMs - b.startMs);
  return { medications: planner.medications, effects: planner.effects };
}
