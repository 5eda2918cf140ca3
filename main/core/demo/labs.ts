/**
 * Laboratory results of a demo patient, drawn in clinic hours:
 * - HbA1c about every 90 days for diabetes, consistent with the patient's own true glucose: an
 *   exponentially weighted mean glucose (tau 43 days, as in the twin's HbA1c state) turned into A1c
 *   through ADAG (eAG = 28.7 A1c - 46.7), plus the patient's glycation offset and assay noise.
 * - NT-proBNP for heart failure at baseline and around decompensation events, higher with congestion.
 * - eGFR and potassium every 1-3 months (and on admission), moved by diuretic and ARNI changes.
 */
import type { Condition } from '../../../shared/domain/patient.js';
import { MS_PER_DAY } from '../../../shared/domain/sample.js';
import { STREAM } from '../../../shared/domain/streams.js';
import type { PatientCalendar } from './calendar.js';
import { episodeFluidKg, type HeartFailureCourse } from './heart-failure.js';
import { effectAt, type MedicationEffect } from './medication-effects.js';
import type { SeededRandom } from './random.js';
import { seriesFromSamples, type DemoSeries } from './series-builder.js';

export interface LabInputs {
  readonly conditions: readonly Condition[];
  /** Mean true glucose of each window day (diabetes only). */
  readonly dailyMeanGlucoseMgDl: Float64Array | null;
  readonly glycationOffsetPct: number;
  readonly course: HeartFailureCourse | null;
  readonly effects: readonly MedicationEffect[];
}

interface LabSample {
  readonly tMs: number;
  readonly value: number;
}

/** Weight decay per day of the HbA1c glucose kernel (tau 43 days: half the weight in the last 30 days). */
const A1C_KERNEL_DECAY = Math.exp(-1 / 43);

class LabCalendar {
  constructor(
    private readonly rng: SeededRandom,
    private readonly calendar: PatientCalendar,
  ) {}

  /** A draw in clinic hours on window day `day`, or null when that falls outside the window. */
  drawMs(day: number): number | null {
    const tMs = this.calendar.utcAt(day, this.rng.uniform(480, 690));
    return this.calendar.contains(tMs) ? tMs : null;
  }

  /** A first draw on a day up to `latestDay`; at least one always lands in the window. */
  firstDrawMs(latestDay: number): number {
    const chosen = this.drawMs(this.rng.int(0, Math.max(0, Math.min(latestDay, this.calendar.dayCount - 1))));
    if (chosen !== null) return chosen;
    for (let day = 0; day < this.calendar.dayCount; day++) {
      const tMs = this.drawMs(day);
      if (tMs !== null) return tMs;
    }
    const { startMs, endMs } = this.calendar.window;
    return Math.floor((startMs + endMs) / 2 / 60_000) * 60_000;
  }

  /** Draws from `firstMs` on, every `minDays`..`maxDays` days, while inside the window. */
  repeatedDraws(firstMs: number, minDays: number, maxDays: number): number[] {
    const draws = [firstMs];
    let day = this.calendar.dayIndexOf(firstMs);
    for (;;) {
      day += this.rng.int(minDays, maxDays);
      if (day >= this.calendar.dayCount) return draws;
      const tMs = this.drawMs(day);
      if (tMs === null) return draws;
      draws.push(tMs);
    }
  }
}

function hba1cSamples(rng: SeededRandom, labs: LabCalendar, calendar: PatientCalendar, inputs: LabInputs): LabSample[] {
  const means = inputs.dailyMeanGlucoseMgDl;
  if (!means || means.length === 0) return [];
  // Before the window glucose is taken as steady at the first week's mean.
  const warmDays = Math.min(7, means.length);
  let kernel = 0;
  for (let d = 0; d < warmDays; d++) kernel += means[d]! / warmDays;
  const kernelByDay = new Float64Array(means.length + 1);
  kernelByDay[0] = kernel;
  for (let d = 0; d < means.length; d++) {
    kernel = A1C_KERNEL_DECAY * kernel + (1 - A1C_KERNEL_DECAY) * means[d]!;
    kernelByDay[d + 1] = kernel;
  }
  return labs.repeatedDraws(labs.firstDrawMs(14), 80, 95).map((tMs) => {
    const gridDay = Math.min(means.length, Math.max(0, Math.floor((tMs - calendar.window.startMs) / MS_PER_DAY)));
    const a1c = (kernelByDay[gridDay]! + 46.7) / 28.7 + inputs.glycationOffsetPct + rng.normal(0, 0.1);
    return { tMs, value: Math.round(a1c * 10) / 10 };
  });
}

/** Draw times around decompensation: on admission or at the rescue visit, then 1-2 weeks later. */
function eventDraws(rng: SeededRandom, labs: LabCalendar, calendar: PatientCalendar, course: HeartFailureCourse): { admissions: number[]; followUps: number[] } {
  const admissions: number[] = [];
  const followUps: number[] = [];
  const { endMs } = calendar.window;
  for (const episode of course.episodes) {
    if (episode.plannedEventMs > endMs) {
      // Still building: some clinicians order one because the weight is creeping up.
      if (rng.chance(0.5)) {
        const day = calendar.dayIndexOf(episode.onsetMs + 0.7 * (endMs - episode.onsetMs));
        const tMs = labs.drawMs(day);
        if (tMs !== null) followUps.push(tMs);
      }
      continue;
    }
    const admissionMs = episode.plannedEventMs + rng.int(1, 3) * 3_600_000;
    if (admissionMs <= endMs) admissions.push(admissionMs);
    const followUpMs = labs.drawMs(calendar.dayIndexOf(episode.responseMs) + rng.int(7, 14));
    if (followUpMs !== null) followUps.push(followUpMs);
  }
  return { admissions, followUps };
}

export function recordLabs(rng: SeededRandom, calendar: PatientCalendar, inputs: LabInputs): DemoSeries[] {
  const labs = new LabCalendar(rng, calendar);
  const series: DemoSeries[] = [];
  const heartFailure = inputs.conditions.includes('hf');

  if (inputs.dailyMeanGlucoseMgDl) series.push(seriesFromSamples(STREAM.hba1c, hba1cSamples(rng, labs, calendar, inputs)));

  const course = inputs.course;
  const congestionKg = (tMs: number): number => (course ? episodeFluidKg(course, tMs) : 0);
  const events = heartFailure && course ? eventDraws(rng, labs, calendar, course) : { admissions: [], followUps: [] };

  if (heartFailure) {
    const baselinePgMl = Math.min(8000, Math.max(150, rng.logNormal(900, 0.7)));
    const draws = [labs.firstDrawMs(7), ...events.admissions, ...events.followUps];
    if (events.admissions.length === 0 && events.followUps.length === 0 && rng.chance(0.6)) {
      const routine = labs.drawMs(rng.int(40, 80));
      if (routine !== null) draws.push(routine);
    }
    series.push(
      seriesFromSamples(
        STREAM.ntProBnp,
        draws.map((tMs) => ({ tMs, value: Math.round(baselinePgMl * Math.exp(0.4 * congestionKg(tMs) + rng.normal(0, 0.2))) })),
      ),
    );
  }

  const egfrBaseline = heartFailure ? rng.uniform(30, 75) : inputs.conditions.includes('t2d') ? rng.uniform(45, 95) : rng.uniform(70, 115);
  const potassiumBaseline = rng.uniform(3.8, 4.7);
  const kidneyDraws = [...labs.repeatedDraws(labs.firstDrawMs(30), 30, 90), ...events.admissions];
  const egfr: LabSample[] = [];
  const potassium: LabSample[] = [];
  for (const tMs of kidneyDraws) {
    // Venous congestion lowers filtration (cardiorenal); diuretic and ARNI changes act through the effects.
    const gfr = egfrBaseline * (1 - 0.04 * congestionKg(tMs)) + effectAt(inputs.effects, 'egfr', tMs) + rng.normal(0, 3);
    egfr.push({ tMs, value: Math.min(140, Math.max(5, Math.round(gfr))) });
    const k = potassiumBaseline + effectAt(inputs.effects, 'potassium', tMs) + rng.normal(0, 0.18);
    potassium.push({ tMs, value: Math.min(6.5, Math.max(2.8, Math.round(k * 10) / 10)) });
  }
  series.push(seriesFromSamples(STREAM.egfr, egfr), seriesFromSamples(STREAM.potassium, potassium));
  return series;
}
