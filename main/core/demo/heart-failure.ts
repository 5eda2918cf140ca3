/**
 * Daily home monitoring of a demo patient with heart failure: morning weight, blood pressure, SpO2,
 * resting heart rate from a wearable, and steps per day.
 *
 * Stable stretches drift slowly (dry weight random walk, mean-reverting day-to-day wander). In 35-45 %
 * of patients, 1-2 decompensation episodes: fluid builds up over 7-21 days (1.5-4 kg, gently enough in
 * some that the "3 lb in a day or 5 lb in 3 days" rule misses it), pulling heart rate up, steps and SpO2
 * down and blood pressure one way or the other, until an admission or a diuretic rescue; the fluid then
 * comes off over days and the higher diuretic dose keeps weight lower. Non-heart-failure confounders
 * (a salty weekend, a viral illness, a weight typed in pounds, one weighed in shoes) are planted so an
 * alert's false-alarm rate can be measured. Days go missing in runs, more for some patients than others.
 */
import { MS_PER_DAY } from '../../../shared/domain/sample.js';
import { STREAM } from '../../../shared/domain/streams.js';
import type { PatientCalendar } from './calendar.js';
import { effectAt, type MedicationEffect } from './medication-effects.js';
import type { SeededRandom } from './random.js';
import { SeriesBuilder, type DemoSeries } from './series-builder.js';
import type { ConfounderKind, ConfounderTruth } from './truth.js';

export interface HfEpisodePlan {
  readonly onsetMs: number;
  /** When the gain would end in an event; may lie after the window (the episode is then ongoing). */
  readonly plannedEventMs: number;
  readonly eventKind: 'hospitalisation' | 'diuretic-rescue';
  /** Fluid gained from onset to the planned event, kg. */
  readonly gainKg: number;
  /** Exponent of the gain curve: 1 = steady, 2 = accelerating towards the event. */
  readonly rampShape: number;
  /** Time constant of fluid removal after the event (intravenous in hospital is faster). */
  readonly resolveTauDays: number;
  /** Discharge after an admission, or the event itself for a rescue at home: the new diuretic dose starts. */
  readonly responseMs: number;
}

interface PlannedConfounder {
  readonly kind: ConfounderKind;
  readonly startMs: number;
  readonly endMs: number;
  /** Window day of a single-reading confounder. */
  readonly day: number;
  /** kg for weight confounders, bpm heart-rate rise for an illness. */
  readonly size: number;
}

export interface HeartFailureCourse {
  readonly episodes: readonly HfEpisodePlan[];
  readonly confounders: readonly PlannedConfounder[];
}

const EPISODE_CHANCE = 0.4;
/** The twin needs a baseline before the first episode. */
const BASELINE_DAYS = 10;
/** Events are not placed in the last days of the window, unless the episode is still ongoing at its end. */
const QUIET_END_DAYS = 5;

function planEpisodes(rng: SeededRandom, calendar: PatientCalendar): HfEpisodePlan[] {
  const { startMs, endMs } = calendar.window;
  const episodes: HfEpisodePlan[] = [];
  if (!rng.chance(EPISODE_CHANCE)) return episodes;
  // 1-2 in a 90-day window; longer windows leave room for more.
  const wanted = (rng.chance(0.3) ? 2 : 1) + rng.poisson((0.5 * Math.max(0, calendar.window.days - 90)) / 90);
  let earliestOnsetMs = startMs + BASELINE_DAYS * MS_PER_DAY;
  for (let e = 0; e < wanted; e++) {
    const latestOnsetMs = endMs - 4 * MS_PER_DAY;
    if (latestOnsetMs <= earliestOnsetMs) break;
    let planned: HfEpisodePlan | null = null;
    for (let attempt = 0; attempt < 12 && !planned; attempt++) {
      // Half rapid (about a week, steep at the end: the crude weight rule tends to fire), half gradual
      // (two to three weeks, steady: the crude rule tends to miss it).
      const rapid = rng.chance(0.5);
      const rampDays = rapid ? rng.uniform(7, 10) : rng.uniform(12, 21);
      const onsetMs = Math.round(rng.uniform(earliestOnsetMs, latestOnsetMs) / 60_000) * 60_000;
      const eventMs = onsetMs + Math.round((rampDays * MS_PER_DAY) / 60_000) * 60_000;
      if (eventMs > endMs - QUIET_END_DAYS * MS_PER_DAY && eventMs <= endMs) continue;
      // An episode still building at the end has come far enough to be visible.
      if (eventMs > endMs && endMs - onsetMs < Math.max(4, 0.4 * rampDays) * MS_PER_DAY) continue;
      const hospital = rng.chance(0.6);
      planned = {
        onsetMs,
        plannedEventMs: eventMs,
        eventKind: hospital ? 'hospitalisation' : 'diuretic-rescue',
        gainKg: rapid ? rng.uniform(3, 4) : rng.uniform(1.5, 3),
        rampShape: rapid ? rng.uniform(2, 3) : rng.uniform(1, 1.5),
        resolveTauDays: hospital ? rng.uniform(0.8, 1.6) : rng.uniform(1.8, 3.5),
        responseMs: eventMs + (hospital ? Math.round(rng.uniform(3, 7) * 24) * 3_600_000 : 0),
      };
    }
    if (!planned) break;
    episodes.push(planned);
    if (planned.plannedEventMs > endMs) break;
    earliestOnsetMs = planned.responseMs + 21 * MS_PER_DAY;
  }
  return episodes;
}

/** Fluid above dry weight due to decompensation episodes at `tMs`, kg. */
export function episodeFluidKg(course: HeartFailureCourse, tMs: number): number {
  let fluid = 0;
  for (const episode of course.episodes) {
    if (tMs <= episode.onsetMs) continue;
    if (tMs < episode.plannedEventMs) {
      const progress = (tMs - episode.onsetMs) / (episode.plannedEventMs - episode.onsetMs);
      fluid += episode.gainKg * progress ** episode.rampShape;
    } else {
      fluid += episode.gainKg * Math.exp(-(tMs - episode.plannedEventMs) / (episode.resolveTauDays * MS_PER_DAY));
    }
  }
  return fluid;
}

function overlaps(aFrom: number, aTo: number, bFrom: number, bTo: number): boolean {
  return aFrom < bTo && bFrom < aTo;
}

function planConfounders(rng: SeededRandom, calendar: PatientCalendar, episodes: readonly HfEpisodePlan[]): PlannedConfounder[] {
  const { endMs } = calendar.window;
  // Keep confounders clear of episodes so each planted change has exactly one explanation.
  const blocked = episodes.map((e) => ({
    from: e.onsetMs - 5 * MS_PER_DAY,
    to: Math.min(endMs, e.responseMs) + 10 * MS_PER_DAY,
  }));
  const planned: PlannedConfounder[] = [];
  const place = (kind: ConfounderKind, lengthDays: number, size: number, startWeekday: number | null): void => {
    for (let attempt = 0; attempt < 20; attempt++) {
      const day = rng.int(1, calendar.dayCount - 2 - lengthDays);
      if (day < 1) return;
      if (startWeekday !== null && calendar.weekday(day) !== startWeekday) continue;
      const startMs = calendar.utcAt(day, 0);
      const spanEndMs = calendar.utcAt(day + lengthDays, 0);
      if (spanEndMs > endMs) continue;
      if (blocked.some((b) => overlaps(startMs, spanEndMs, b.from, b.to))) continue;
      if (planned.some((p) => overlaps(startMs, spanEndMs, p.startMs, p.endMs))) continue;
      planned.push({ kind, startMs, endMs: spanEndMs, day, size });
      return;
    }
  };
  // Saturday to Thursday: up over the weekend, gone by midweek.
  if (rng.chance(0.3)) place('weekend-weight-bump', 5, rng.uniform(0.8, 1.2), 6);
  if (rng.chance(0.15)) place('viral-illness', rng.int(3, 7), rng.uniform(8, 14), null);
  if (rng.chance(0.06)) place('weight-in-pounds', 1, 0, null);
  if (rng.chance(0.1)) place('weight-outlier', 1, rng.uniform(1.5, 2.5), null);
  return planned.sort((a, b) => a.startMs - b.startMs);
}

export function planHeartFailureCourse(rng: SeededRandom, calendar: PatientCalendar): HeartFailureCourse {
  const episodes = planEpisodes(rng, calendar);
  return { episodes, confounders: planConfounders(rng, calendar, episodes) };
}

/** The extra weight of a salty weekend: rises from Saturday to Monday morning, then drains in a day or two. */
function weekendBumpKg(confounder: PlannedConfounder, tMs: number): number {
  const days = (tMs - confounder.startMs) / MS_PER_DAY;
  if (days <= 0 || tMs >= confounder.endMs) return 0;
  const peakDay = 2.3;
  return days < peakDay ? (confounder.size * days) / peakDay : confounder.size * Math.exp(-(days - peakDay));
}

/** 0..1 through an illness: a day to come on, a plateau, a day to wear off. */
function illnessIntensity(confounder: PlannedConfounder, tMs: number): number {
  if (tMs <= confounder.startMs || tMs >= confounder.endMs) return 0;
  const fromStart = (tMs - confounder.startMs) / MS_PER_DAY;
  const toEnd = (confounder.endMs - tMs) / MS_PER_DAY;
  return Math.min(1, fromStart, toEnd);
}

/** Missed days in runs: a two-state Markov chain with a given share of missed days and mean run length. */
class MissedDays {
  private missing: boolean;
  private readonly startChance: number;
  private readonly stopChance: number;

  constructor(
    private readonly rng: SeededRandom,
    share: number,
    meanRunDays: number,
  ) {
    this.stopChance = 1 / meanRunDays;
    this.startChance = Math.min(1, (share * this.stopChance) / (1 - share));
    this.missing = rng.chance(share);
  }

  next(): boolean {
    this.missing = this.rng.chance(this.missing ? 1 - this.stopChance : this.startChance);
    return this.missing;
  }
}

/** Mean-reverting day-to-day wander (discrete Ornstein-Uhlenbeck). */
class DailyWander {
  private value: number;
  private readonly phi: number;
  private readonly step: number;

  constructor(
    private readonly rng: SeededRandom,
    sd: number,
    tauDays: number,
  ) {
    this.phi = Math.exp(-1 / tauDays);
    this.step = sd * Math.sqrt(1 - this.phi * this.phi);
    this.value = rng.normal(0, sd);
  }

  next(): number {
    this.value = this.phi * this.value + this.step * this.rng.normal();
    return this.value;
  }
}

export interface HeartFailureRecording {
  readonly series: DemoSeries[];
  readonly confounders: ConfounderTruth[];
}

const POUNDS_PER_KG = 2.20462;

function roundTo(value: number, decimals: number): number {
  const scale = 10 ** decimals;
  return Math.round(value * scale) / scale;
}

export function recordHeartFailureVitals(
  rng: SeededRandom,
  calendar: PatientCalendar,
  course: HeartFailureCourse,
  effects: readonly MedicationEffect[],
  sex: 'female' | 'male',
): HeartFailureRecording {
  const { startMs, endMs } = calendar.window;
  const dryWeightStartKg = Math.min(150, Math.max(45, rng.normal(sex === 'male' ? 88 : 75, 14)));
  const dryWeightTrendKgPerDay = rng.uniform(-0.01, 0.01);
  const weightNoiseKg = rng.uniform(0.2, 0.45);
  const mondayExtraKg = rng.chance(0.4) ? rng.uniform(0.1, 0.4) : 0;
  const restingHr = rng.uniform(58, 82);
  const hrPerKg = rng.uniform(2, 4);
  const systolic = rng.uniform(100, 145);
  const diastolic = systolic * rng.uniform(0.55, 0.65);
  // Congestion raises pressure in some patients and lowers it in those with poor cardiac output.
  const systolicPerKg = rng.chance(0.6) ? rng.uniform(1.5, 4) : -rng.uniform(1, 3);
  const spo2 = rng.uniform(93, 98);
  const stepsMedian = Math.min(9000, Math.max(500, rng.logNormal(3500, 0.4)));
  const weekendStepsLog = rng.normal(0, 0.15);
  const morningMin = rng.uniform(360, 540);

  const adherent = rng.chance(0.65);
  const session = new MissedDays(rng, adherent ? rng.uniform(0.06, 0.14) : rng.uniform(0.15, 0.25), adherent ? rng.uniform(1.2, 2) : rng.uniform(2, 4));
  const wearable = new MissedDays(rng, rng.uniform(0.05, 0.2), rng.uniform(1.5, 4));
  const fluidWander = new DailyWander(rng, 0.25, 7);
  const hrWander = new DailyWander(rng, 2, 5);
  const systolicWander = new DailyWander(rng, 5, 6);
  const stepsWander = new DailyWander(rng, 0.15, 4);

  const weight = new SeriesBuilder(STREAM.weight);
  const systolicSeries = new SeriesBuilder(STREAM.systolic);
  const diastolicSeries = new SeriesBuilder(STREAM.diastolic);
  const restingHrSeries = new SeriesBuilder(STREAM.restingHeartRate);
  const spo2Series = new SeriesBuilder(STREAM.spo2);
  const stepsSeries = new SeriesBuilder(STREAM.stepsPerDay);
  const confounders: ConfounderTruth[] = [];
  const stays = course.episodes
    .filter((e) => e.eventKind === 'hospitalisation')
    .map((e) => ({ from: e.plannedEventMs, to: e.responseMs }));
  const discharges = course.episodes.filter((e) => e.eventKind === 'hospitalisation').map((e) => e.responseMs);

  let dryWeightKg = dryWeightStartKg;
  for (let day = 0; day < calendar.dayCount; day++) {
    dryWeightKg += dryWeightTrendKgPerDay + rng.normal(0, 0.03);
    const fluidNoiseKg = fluidWander.next();
    const hrNoise = hrWander.next();
    const systolicNoise = systolicWander.next();
    const stepsNoise = stepsWander.next();
    const sessionMissed = session.next();
    const wearableMissed = wearable.next();
    const weekday = calendar.weekday(day);

    const tMs = calendar.utcAt(day, Math.min(690, Math.max(300, morningMin + rng.normal(0, 25))));
    const inHospital = stays.some((s) => tMs >= s.from && tMs < s.to);
    const congestionKg = episodeFluidKg(course, tMs);
    let extraWeightKg = weekday === 1 ? mondayExtraKg : 0;
    // Illness: intensity 0..1, and the heart-rate rise it brings at full intensity.
    let illness = 0;
    let illnessHrRise = 0;
    let singleReading: PlannedConfounder | null = null;
    for (const c of course.confounders) {
      if (c.kind === 'weekend-weight-bump') {
        extraWeightKg += weekendBumpKg(c, tMs);
      } else if (c.kind === 'viral-illness') {
        if (illnessIntensity(c, tMs) > illness) {
          illness = illnessIntensity(c, tMs);
          illnessHrRise = c.size;
        }
      } else if (c.day === day) {
        singleReading = c;
      }
    }
    // A planted single-reading confounder is always recorded, or there would be nothing to score.
    const weighed = singleReading !== null || (!sessionMissed && !rng.chance(0.03));
    const cuffUsed = !sessionMissed && !rng.chance(0.04);
    const oximeterUsed = !sessionMissed && !rng.chance(0.07);
    if (!inHospital && calendar.contains(tMs)) {
      if (weighed) {
        let kg =
          dryWeightKg +
          fluidNoiseKg +
          congestionKg +
          effectAt(effects, 'fluid-kg', tMs) +
          extraWeightKg -
          0.5 * illness +
          rng.normal(0, weightNoiseKg);
        if (singleReading?.kind === 'weight-outlier') kg += singleReading.size;
        if (singleReading?.kind === 'weight-in-pounds') kg *= POUNDS_PER_KG;
        weight.push(tMs, roundTo(kg, 1));
        if (singleReading) confounders.push({ kind: singleReading.kind, startMs: tMs, endMs: tMs });
      }
      if (cuffUsed) {
        const bpTMs = tMs + rng.int(2, 10) * 60_000;
        const sbp = systolic + systolicPerKg * congestionKg + systolicNoise + effectAt(effects, 'systolic', bpTMs) + rng.normal(0, 7);
        const dbp = diastolic + 0.5 * systolicPerKg * congestionKg + 0.5 * systolicNoise + effectAt(effects, 'diastolic', bpTMs) + rng.normal(0, 5);
        if (bpTMs <= endMs) {
          systolicSeries.push(bpTMs, Math.round(sbp));
          diastolicSeries.push(bpTMs, Math.round(Math.min(dbp, sbp - 15)));
        }
        if (oximeterUsed && bpTMs + 60_000 <= endMs) {
          const saturation = spo2 - 0.5 * congestionKg - 1.5 * illness + rng.normal(0, 0.8);
          spo2Series.push(bpTMs + 60_000, Math.min(100, Math.max(82, Math.round(saturation))));
        }
      }
    }

    // Resting heart rate: the wearable's overnight value, reported on waking.
    const wakeTMs = tMs - 20 * 60_000;
    if (!wearableMissed && !inHospital && calendar.contains(wakeTMs)) {
      const hr = restingHr + hrPerKg * congestionKg + hrNoise + illness * illnessHrRise + effectAt(effects, 'resting-hr', wakeTMs) + rng.normal(0, 1.8);
      restingHrSeries.push(wakeTMs, Math.round(hr));
    }

    // Steps: a whole day's count, stamped at local noon (its middle, on the same UTC day in every demo
    // zone), and only for days that are over.
    const dayStartMs = calendar.utcAt(day, 0);
    const dayEndMs = calendar.utcAt(day + 1, 0);
    const noonMs = calendar.utcAt(day, 720);
    const dayInHospital = stays.some((s) => overlaps(dayStartMs, dayEndMs, s.from, s.to));
    if (!wearableMissed && !dayInHospital && noonMs >= startMs && dayEndMs <= endMs) {
      let logSteps = Math.log(stepsMedian) - 0.18 * congestionKg + stepsNoise + rng.normal(0, 0.25);
      if (weekday === 0 || weekday === 6) logSteps += weekendStepsLog;
      if (illness > 0) logSteps += Math.log(1 - 0.5 * illness);
      // Deconditioned after a hospital stay, recovering over a couple of weeks.
      for (const dischargeMs of discharges) {
        if (noonMs > dischargeMs) logSteps += Math.log(1 - 0.35 * Math.exp(-(noonMs - dischargeMs) / (7 * MS_PER_DAY)));
      }
      stepsSeries.push(noonMs, Math.round(Math.exp(logSteps)));
    }
  }

  const series = [weight, systolicSeries, diastolicSeries, restingHrSeries, spo2Series, stepsSeries].map((b) => b.build());
  for (const c of course.confounders) {
    if (c.kind === 'weekend-weight-bump' || c.kind === 'viral-illness') {
      confounders.push({ kind: c.kind, startMs: c.startMs, endMs: c.endMs });
    }
  }
  confounders.sort((a, b) => a.startMs - b.startMs);
  return { series, confounders };
}
