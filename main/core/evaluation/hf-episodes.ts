/**
 * How well the heart-failure twin's alerts catch the decompensation episodes planted in the synthetic
 * demo panel, next to the weight rule of thumb (3 lb in a day or 5 lb in 3 days) on the same data.
 * Endpoints as in MultiSENSE (MODEL-NOTES §4.1): sensitivity per episode, unexplained alerts per
 * patient-year, median lead time. Patients are planned in memory with `planDemoPatient`; nothing is
 * written. These are synthetic episodes from the demo generator, not patients: the figures say the model
 * finds what the generator planted, not how it will do in a clinic.
 */
import { performance } from 'node:perf_hooks';
import { alertStateEntries, HF_ALERT_POLICY } from '../../../shared/model/heart-failure/alerts.js';
import { ruleOfThumbTriggers } from '../../../shared/model/heart-failure/rule-of-thumb.js';
import { buildHeartFailureSeries, HF_STREAMS, type HeartFailureSeries } from '../../../shared/model/heart-failure/series.js';
import { runHeartFailureTwin, type HeartFailureTwinOptions } from '../../../shared/model/heart-failure/twin.js';
import { utcDay } from '../../../shared/domain/sample.js';
import { planCohortMember } from '../demo/cohort.js';
import { planDemoPatient, type DemoPatientPlan } from '../demo/panel.js';
import type { ConfounderKind } from '../demo/truth.js';
import { demoWindow } from '../demo/window.js';

/** A fixed end, so that the same seed gives the same panel on every run and every machine. */
export const HF_EVALUATION_END_MS = Date.UTC(2026, 0, 15);
export const HF_EVALUATION_DEFAULTS = { patients: 400, days: 90, seed: 1 } as const;
/** The panel seed the alert thresholds and population values were chosen on; figures on it are in-sample. */
export const HF_TUNING_SEED = 2;

/** After an event, alerts while the fluid comes off and the new dose settles belong to the episode. */
export const POST_EVENT_EXPLAINED_DAYS = 14;
/** An unexplained alert this close after a confounder ended is attributed to it in the breakdown. */
const CONFOUNDER_ATTRIBUTION_DAYS = 3;

export type HfDetector = 'twin' | 'rule-of-thumb';

/** One planted episode, in UTC day numbers. */
export interface EpisodeDays {
  readonly onsetDay: number;
  /** Null while the episode is still building at the window's end. */
  readonly eventDay: number | null;
}

export interface ConfounderDays {
  readonly kind: ConfounderKind;
  readonly startDay: number;
  readonly endDay: number;
}

/** One heart-failure patient's truth and the days each detector raised an alert (UTC day numbers). */
export interface PatientAlerts {
  readonly index: number;
  readonly firstDay: number;
  readonly lastDay: number;
  readonly episodes: readonly EpisodeDays[];
  readonly confounders: readonly ConfounderDays[];
  readonly alertDays: Readonly<Record<HfDetector, readonly number[]>>;
}

export interface DetectorScore {
  readonly detector: HfDetector;
  readonly episodes: number;
  readonly detected: number;
  /** detected / episodes */
  readonly sensitivity: number;
  readonly completedEpisodes: number;
  readonly completedDetected: number;
  readonly ongoingEpisodes: number;
  readonly ongoingDetected: number;
  /** Event day minus the first alert day in [onset, event], per detected completed episode. */
  readonly leadTimesDays: readonly number[];
  readonly medianLeadTimeDays: number | null;
  readonly alerts: number;
  readonly unexplainedAlerts: number;
  readonly unexplainedPerPatientYear: number;
  /** Unexplained alerts falling on or just after a planted confounder, by kind (they stay unexplained). */
  readonly unexplainedDuringConfounders: Readonly<Partial<Record<ConfounderKind, number>>>;
}

export interface HfEvaluationReport {
  readonly seed: number;
  readonly patients: number;
  readonly days: number;
  readonly endMs: number;
  readonly heartFailurePatients: number;
  readonly patientYears: number;
  readonly episodes: { readonly total: number; readonly completed: number; readonly ongoing: number };
  readonly twin: DetectorScore;
  readonly ruleOfThumb: DetectorScore;
  readonly runtime: { readonly totalMs: number; readonly twinMsPerPatient: number };
  /** How every figure is counted, in words, for the report that quotes them. */
  readonly definitions: readonly string[];
}

export interface HfEvaluationOptions {
  readonly patients?: number;
  readonly days?: number;
  readonly seed?: number;
  readonly endMs?: number;
  /** Model and alert settings (tuning runs); the defaults are the shipped ones. */
  readonly twin?: HeartFailureTwinOptions;
  readonly onProgress?: (done: number, total: number) => void;
}

export const HF_EVALUATION_DEFINITIONS: readonly string[] = [
  'Synthetic episodes: decompensations planted by the demo generator (main/core/demo), not real patients.',
  'Only heart-failure patients count; days are UTC days; an alert is an entry into the alert state (one per episode of alerting, not one per day).',
  'Detected: an alert fires on a day from the onset day to the event day (inclusive), or to the window end for an episode still building then.',
  'Lead time: event day minus the first alert day in that range, over detected episodes that reached their event.',
  `Explained: an alert from an onset day to ${POST_EVENT_EXPLAINED_DAYS} days after its event (or the window end); every other alert is unexplained.`,
  'Confounders (salty weekend, viral illness, weight in pounds, weight in shoes) count as unexplained when alerted on; the breakdown shows how many fell on one.',
  'Rule of thumb: weight up 1.36 kg (3 lb) on the previous day or 2.27 kg (5 lb) on the lowest of the previous 3 days, after the same pounds-to-kg screen; same alert-state counting.',
];

/** Scores one detector's alert days against the planted episodes. */
export function scoreDetector(detector: HfDetector, patients: readonly PatientAlerts[], days: number): DetectorScore {
  let episodes = 0;
  let detected = 0;
  let completedEpisodes = 0;
  let completedDetected = 0;
  let ongoingDetected = 0;
  const leadTimes: number[] = [];
  let alerts = 0;
  let unexplained = 0;
  const byConfounder: Partial<Record<ConfounderKind, number>> = {};
  for (const patient of patients) {
    const alertDays = patient.alertDays[detector];
    alerts += alertDays.length;
    for (const episode of patient.episodes) {
      episodes++;
      const lastDetectionDay = episode.eventDay ?? patient.lastDay;
      const first = alertDays.find((d) => d >= episode.onsetDay && d <= lastDetectionDay);
      if (episode.eventDay !== null) completedEpisodes++;
      if (first === undefined) continue;
      detected++;
      if (episode.eventDay === null) {
        ongoingDetected++;
      } else {
        completedDetected++;
        leadTimes.push(episode.eventDay - first);
      }
    }
    for (const day of alertDays) {
      const explained = patient.episodes.some(
        (e) => day >= e.onsetDay && day <= (e.eventDay === null ? patient.lastDay : e.eventDay + POST_EVENT_EXPLAINED_DAYS),
      );
      if (explained) continue;
      unexplained++;
      const confounder = patient.confounders.find((c) => day >= c.startDay && day <= c.endDay + CONFOUNDER_ATTRIBUTION_DAYS);
      if (confounder) byConfounder[confounder.kind] = (byConfounder[confounder.kind] ?? 0) + 1;
    }
  }
  const patientYears = (patients.length * days) / 365.25;
  return {
    detector,
    episodes,
    detected,
    sensitivity: episodes > 0 ? detected / episodes : Number.NaN,
    completedEpisodes,
    completedDetected,
    ongoingEpisodes: episodes - completedEpisodes,
    ongoingDetected,
    leadTimesDays: leadTimes,
    medianLeadTimeDays: median(leadTimes),
    alerts,
    unexplainedAlerts: unexplained,
    unexplainedPerPatientYear: patientYears > 0 ? unexplained / patientYears : Number.NaN,
    unexplainedDuringConfounders: byConfounder,
  };
}

function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : 0.5 * (sorted[mid - 1]! + sorted[mid]!);
}

/** The twin's input from a demo patient's plan: its readings and medications over the window's UTC days. */
export function heartFailureSeriesFromPlan(plan: DemoPatientPlan, startMs: number, endMs: number): HeartFailureSeries {
  const firstDay = utcDay(startMs);
  return buildHeartFailureSeries({
    firstDay,
    dayCount: utcDay(endMs) - firstDay + 1,
    readings: plan.series,
    medications: plan.medications,
  });
}

/** Both detectors on one heart-failure patient. */
export function alertHeartFailurePatient(
  plan: DemoPatientPlan,
  startMs: number,
  endMs: number,
  twinOptions: HeartFailureTwinOptions = {},
): PatientAlerts {
  const series = heartFailureSeriesFromPlan(plan, startMs, endMs);
  const twin = runHeartFailureTwin(series, twinOptions);
  const weights = series.daily[HF_STREAMS.weight] ?? new Float64Array(series.dayCount).fill(Number.NaN);
  const triggered = new Uint8Array(series.dayCount);
  for (const trigger of ruleOfThumbTriggers(weights)) triggered[trigger.index] = 1;
  const clearDays = (twinOptions.policy ?? HF_ALERT_POLICY).clearDays;
  const ruleDays = alertStateEntries(triggered, clearDays).entries.map((t) => series.firstDay + t);
  return {
    index: plan.truth.index,
    firstDay: series.firstDay,
    lastDay: series.firstDay + series.dayCount - 1,
    episodes: plan.truth.hfEpisodes.map((e) => ({ onsetDay: utcDay(e.onsetMs), eventDay: e.eventMs === null ? null : utcDay(e.eventMs) })),
    confounders: plan.truth.confounders.map((c) => ({ kind: c.kind, startDay: utcDay(c.startMs), endDay: utcDay(c.endMs) })),
    alertDays: { twin: twin.alerts.map((a) => a.firedOnDay), 'rule-of-thumb': ruleDays },
  };
}

/** Plans the panel in memory, runs both detectors on every heart-failure patient and scores them. */
export function evaluateHfEpisodes(options: HfEvaluationOptions = {}): HfEvaluationReport {
  const startedMs = performance.now();
  const patients = options.patients ?? HF_EVALUATION_DEFAULTS.patients;
  const days = options.days ?? HF_EVALUATION_DEFAULTS.days;
  const seed = options.seed ?? HF_EVALUATION_DEFAULTS.seed;
  const endMs = options.endMs ?? HF_EVALUATION_END_MS;
  const window = demoWindow(days, endMs);
  const planOptions = { seed, days, endMs: window.endMs };
  const outcomes: PatientAlerts[] = [];
  let twinMs = 0;
  for (let index = 0; index < patients; index++) {
    // The cohort slot alone says whether patient i has heart failure; planning the others (CGM at
    // 5-minute resolution) would cost most of the run for nothing.
    if (planCohortMember(index, seed, window.endMs).conditions.includes('hf')) {
      const plan = planDemoPatient(index, planOptions);
      const t0 = performance.now();
      outcomes.push(alertHeartFailurePatient(plan, window.startMs, window.endMs, options.twin));
      twinMs += performance.now() - t0;
    }
    options.onProgress?.(index + 1, patients);
  }
  const episodes = outcomes.flatMap((o) => o.episodes);
  const completed = episodes.filter((e) => e.eventDay !== null).length;
  return {
    seed,
    patients,
    days,
    endMs: window.endMs,
    heartFailurePatients: outcomes.length,
    patientYears: (outcomes.length * days) / 365.25,
    episodes: { total: episodes.length, completed, ongoing: episodes.length - completed },
    twin: scoreDetector('twin', outcomes, days),
    ruleOfThumb: scoreDetector('rule-of-thumb', outcomes, days),
    runtime: { totalMs: performance.now() - startedMs, twinMsPerPatient: outcomes.length > 0 ? twinMs / outcomes.length : 0 },
    definitions: HF_EVALUATION_DEFINITIONS,
  };
}
