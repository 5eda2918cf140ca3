/**
 * The synthetic demo panel: patients with type 1 or type 2 diabetes and/or heart failure, their CGM,
 * fingersticks, home vitals, labs and medications over a window of days, and the truth planted in them
 * (decompensation episodes, confounders, sensor changes and gaps) for the model tests to score against.
 *
 * Deterministic: the same seed, panel size, days and end time give byte-identical data. Patient `i`
 * depends only on (seed, i, days, end), so it is the same in a panel of 6 and of 1,000. Patients are
 * planned and written one at a time, so a large panel never sits in memory.
 */
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { performance } from 'node:perf_hooks';
import type { Medication, PatientProfile } from '../../../shared/domain/patient.js';
import type { SeriesBatch } from '../../../shared/domain/sample.js';
import { STREAM } from '../../../shared/domain/streams.js';
import type { StoreWriter } from '../store/api.js';
import { PatientCalendar } from './calendar.js';
import { recordCgm, recordFingersticks } from './cgm-sensor.js';
import { planCohortMember } from './cohort.js';
import { dailyMeanGlucose, planGlucosePhysiology, simulateBloodGlucose, summariseGlucose } from './glucose.js';
import { planHeartFailureCourse, recordHeartFailureVitals, type HfEpisodePlan } from './heart-failure.js';
import { recordLabs } from './labs.js';
import { planMedications } from './medications.js';
import { deriveSeed, RANDOM_STREAM, SeededRandom } from './random.js';
import type { DemoSeries } from './series-builder.js';
import { DEMO_TRUTH_META_KEY, type ConfounderTruth, type DemoTruth, type HfEpisodeTruth, type PatientTruth } from './truth.js';
import { demoWindow } from './window.js';
import { ZoneClock } from './zone-clock.js';

/** Source of every generated sample. */
export const DEMO_SOURCE = 'demo';

export const DEMO_DEFAULTS = { patients: 120, days: 90, seed: 1 } as const;

export interface DemoPlanOptions {
  readonly seed: number;
  readonly days: number;
  /** The window's end: the generator's only clock input. */
  readonly endMs: number;
}

export interface DemoPatientPlan {
  readonly profile: PatientProfile;
  /** Non-empty series, each sorted by time, in the streams' canonical units. */
  readonly series: readonly DemoSeries[];
  readonly medications: readonly Medication[];
  /** The planted truth; the patient id is the store's and is added when the patient is written. */
  readonly truth: Omit<PatientTruth, 'patientId'>;
}

export interface DemoPanelOptions {
  readonly patients?: number;
  readonly days?: number;
  readonly seed?: number;
  /** Default: now. */
  readonly endMs?: number;
  readonly onProgress?: (done: number, total: number) => void;
}

export interface DemoReport {
  readonly patients: number;
  /** Samples handed to the store. */
  readonly samples: number;
  /** Wall time of generation and writing. */
  readonly ms: number;
  readonly truth: DemoTruth;
}

function episodeTruth(episode: HfEpisodePlan, endMs: number): HfEpisodeTruth {
  const happened = episode.plannedEventMs <= endMs;
  const reachedMs = happened ? episode.plannedEventMs : endMs;
  const progress = (reachedMs - episode.onsetMs) / (episode.plannedEventMs - episode.onsetMs);
  return {
    onsetMs: episode.onsetMs,
    eventMs: happened ? episode.plannedEventMs : null,
    eventKind: happened ? episode.eventKind : null,
    fluidGainKg: Math.round(episode.gainKg * progress ** episode.rampShape * 100) / 100,
  };
}

/** Everything about panel patient `index`: a pure function of the index and the options. */
export function planDemoPatient(index: number, opts: DemoPlanOptions): DemoPatientPlan {
  if (!Number.isSafeInteger(index) || index < 0) throw new RangeError(`index must be a non-negative integer, got ${index}`);
  const window = demoWindow(opts.days, opts.endMs);
  const random = (stream: number): SeededRandom => new SeededRandom(deriveSeed(opts.seed, index, stream));
  const member = planCohortMember(index, opts.seed, window.endMs);
  const calendar = new PatientCalendar(window, new ZoneClock(member.zone));
  const { conditions, wearsCgm } = member;

  const diabetes = conditions.includes('t1d') ? 't1d' : conditions.includes('t2d') ? 't2d' : null;
  const glucoseRandom = random(RANDOM_STREAM.glucose);
  const physiology = diabetes ? planGlucosePhysiology(glucoseRandom, diabetes) : null;
  const course = conditions.includes('hf') ? planHeartFailureCourse(random(RANDOM_STREAM.heartFailureCourse), calendar) : null;
  const { medications, effects } = planMedications(random(RANDOM_STREAM.medications), calendar, conditions, physiology, course);

  const series: DemoSeries[] = [];
  const confounders: ConfounderTruth[] = [];
  let sensorChangesMs: number[] = [];
  let cgmGaps: PatientTruth['cgmGaps'] = [];
  let glucose: PatientTruth['glucose'] = null;
  let dailyMeanGlucoseMgDl: Float64Array | null = null;

  if (physiology) {
    const blood = simulateBloodGlucose(glucoseRandom, physiology, calendar, effects);
    if (wearsCgm) {
      const cgm = recordCgm(random(RANDOM_STREAM.cgmSensor), blood, calendar);
      series.push({ stream: STREAM.cgm, tMs: cgm.tMs, values: cgm.values });
      sensorChangesMs = cgm.sensorChangesMs;
      cgmGaps = cgm.gaps;
      confounders.push(...cgm.compressionLows);
    }
    const fingersticks = recordFingersticks(random(RANDOM_STREAM.fingersticks), blood, calendar, wearsCgm, physiology.breakfastMin);
    series.push({ stream: STREAM.fingerstick, ...fingersticks });
    dailyMeanGlucoseMgDl = dailyMeanGlucose(blood);
    glucose = { ...summariseGlucose(blood), glycationOffsetPct: physiology.glycationOffsetPct };
  }

  if (course) {
    const vitals = recordHeartFailureVitals(random(RANDOM_STREAM.heartFailureVitals), calendar, course, effects, member.profile.sex === 'female' ? 'female' : 'male');
    series.push(...vitals.series);
    confounders.push(...vitals.confounders);
  }

  series.push(
    ...recordLabs(random(RANDOM_STREAM.labs), calendar, {
      conditions,
      dailyMeanGlucoseMgDl,
      glycationOffsetPct: physiology?.glycationOffsetPct ?? 0,
      course,
      effects,
    }),
  );

  return {
    profile: member.profile,
    series: series.filter((s) => s.tMs.length > 0),
    medications,
    truth: {
      index,
      conditions: [...conditions],
      wearsCgm,
      hfEpisodes: course ? course.episodes.map((e) => episodeTruth(e, window.endMs)) : [],
      confounders: confounders.sort((a, b) => a.startMs - b.startMs),
      sensorChangesMs,
      cgmGaps,
      glucose,
    },
  };
}

function checkCount(name: string, value: number, min: number): number {
  if (!Number.isSafeInteger(value) || value < min) throw new RangeError(`${name} must be an integer of at least ${min}, got ${value}`);
  return value;
}

/**
 * Generates the demo panel into `store`, patient by patient (each patient's series in one
 * transaction), then stores the planted truth under meta key `demo.truth`. Yields to the event loop
 * between patients so a host stays responsive while a large panel is written.
 */
export async function generateDemoPanel(store: StoreWriter, opts: DemoPanelOptions = {}): Promise<DemoReport> {
  const startedMs = performance.now();
  const patients = checkCount('patients', opts.patients ?? DEMO_DEFAULTS.patients, 0);
  const days = checkCount('days', opts.days ?? DEMO_DEFAULTS.days, 1);
  const seed = opts.seed ?? DEMO_DEFAULTS.seed;
  if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be an integer, got ${seed}`);
  const window = demoWindow(days, opts.endMs ?? Date.now());
  const planOptions: DemoPlanOptions = { seed, days, endMs: window.endMs };

  const perPatient: PatientTruth[] = [];
  let samples = 0;
  for (let index = 0; index < patients; index++) {
    const plan = planDemoPatient(index, planOptions);
    const patientId = store.createPatient(plan.profile, { demo: true });
    const batches: SeriesBatch[] = plan.series.map((s) => ({ patientId, stream: s.stream, source: DEMO_SOURCE, tMs: s.tMs, values: s.values }));
    store.writeSeries(batches);
    if (plan.medications.length > 0) store.putMedications(patientId, plan.medications);
    for (const s of plan.series) samples += s.tMs.length;
    perPatient.push({ patientId, ...plan.truth });
    opts.onProgress?.(index + 1, patients);
    await yieldToEventLoop();
  }

  const truth: DemoTruth = { version: 1, seed, patients, days, startMs: window.startMs, endMs: window.endMs, perPatient };
  store.putMeta(DEMO_TRUTH_META_KEY, truth);
  return { patients, samples, ms: performance.now() - startedMs, truth };
}
