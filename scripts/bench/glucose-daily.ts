/**
 * Calibration and accuracy of the daily glucose layer on the demo generator's diabetic patients.
 *
 * Population priors are tuned on one demo panel (seed 2) and scored on another (seed 1): for every
 * diabetic patient and several projection origins, the model sees only data up to the origin and
 * projects 14 and 30 days ahead; the projections are scored against what the generator produced later
 * (its true blood glucose, replayed from the same seeds, and its later HbA1c draws). Three scenarios:
 * CGM wearers with all their data, the same patients with CGM removed for the 60 days before the origin
 * (HbA1c results only), and patients who never wore a CGM.
 */
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { PatientCalendar } from '../../main/core/demo/calendar.js';
import { planCohortMember } from '../../main/core/demo/cohort.js';
import { dailyMeanGlucose, planGlucosePhysiology, simulateBloodGlucose, summariseGlucose } from '../../main/core/demo/glucose.js';
import { planHeartFailureCourse } from '../../main/core/demo/heart-failure.js';
import { planMedications } from '../../main/core/demo/medications.js';
import { planDemoPatient, type DemoPatientPlan } from '../../main/core/demo/panel.js';
import { deriveSeed, RANDOM_STREAM, SeededRandom } from '../../main/core/demo/random.js';
import { demoWindow, CGM_INTERVAL_MS } from '../../main/core/demo/window.js';
import { ZoneClock, type DemoZone } from '../../main/core/demo/zone-clock.js';
import { STREAM } from '../../shared/domain/streams.js';
import { aggregateCgmDaily } from '../../shared/model/glucose-daily/aggregate.js';
import { ADAG_INTERCEPT_MG_DL, ADAG_SLOPE_MG_DL_PER_PCT, HBA1C_KERNEL_TAU_DAYS } from '../../shared/model/glucose-daily/formulas.js';
import { DEFAULT_POPULATION_PRIOR, type PopulationPrior } from '../../shared/model/glucose-daily/hyperparameters.js';
import { doseResponsePrior } from '../../shared/model/glucose-daily/medications.js';
import { fitPopulationPrior } from '../../shared/model/glucose-daily/population.js';
import { projectDailyGlucose } from '../../shared/model/glucose-daily/project.js';
import {
  type Band,
  type BandSeries,
  type DailyGlucoseInput,
  type DailyGlucoseProjection,
  type DoseHistory,
  type PatientHyperparameters,
  type WindowProjection,
  WITHIN_DAY_PROBABILITIES,
} from '../../shared/model/glucose-daily/types.js';

const MS_PER_DAY = 86_400_000;
const PATIENTS = 120;
const WINDOW_DAYS = 180;
const END_MS = Date.UTC(2026, 10, 1);
const TUNING_SEED = 2;
const EVALUATION_SEED = 1;
/** Origins as days into the window; the HbA1c-only scenario needs 30 days of CGM before its 60-day gap. */
const ORIGINS = [60, 75, 90, 105, 120, 135, 150];
const HBA1C_ONLY_FIRST_ORIGIN = 90;
const CGM_REMOVED_DAYS = 60;
const HORIZONS = [14, 30];
const SAMPLE_PATHS = 1000;
/** Local time of the morning draw the true HbA1c of a day is read at (the demo draws 08:00–11:30). */
const HBA1C_DRAW_MINUTE = 540;
/** A local day of 23 h (daylight-saving start) has 276 five-minute points. */
const FULL_DAY_POINTS = 276;

/** One demo patient with diabetes: the model's input over the whole window, and the truth behind it. */
interface DemoDiabeticPatient {
  readonly index: number;
  readonly wearsCgm: boolean;
  readonly diabetes: 't1d' | 't2d';
  readonly input: DailyGlucoseInput;
  /** Local day number of window day 0. */
  readonly firstDay: number;
  readonly truth: DailyTruth;
  /** Lab HbA1c results as drawn (local day, %). */
  readonly labs: readonly { readonly day: number; readonly percent: number }[];
}

/** True blood glucose per local day (index = day − firstDay). */
interface DailyTruth {
  readonly points: Int32Array;
  readonly sumMgDl: Float64Array;
  readonly inRange: Int32Array;
  readonly below70: Int32Array;
  readonly below54: Int32Array;
  /** True HbA1c a morning draw on each day would measure without assay error. */
  readonly hba1cPct: Float64Array;
}

/**
 * Replays the generator's blood glucose for patient `index` from the same seeded streams as
 * planDemoPatient, and checks it against the summary the plan stored: the scoring truth must be the
 * generator's own, not a look-alike.
 */
function replayBloodGlucose(index: number, seed: number, plan: DemoPatientPlan): { blood: Float64Array; calendar: PatientCalendar } {
  const window = demoWindow(WINDOW_DAYS, END_MS);
  const random = (stream: number): SeededRandom => new SeededRandom(deriveSeed(seed, index, stream));
  const member = planCohortMember(index, seed, window.endMs);
  const calendar = new PatientCalendar(window, new ZoneClock(member.zone));
  const diabetes = member.conditions.includes('t1d') ? 't1d' : 't2d';
  const glucoseRandom = random(RANDOM_STREAM.glucose);
  const physiology = planGlucosePhysiology(glucoseRandom, diabetes);
  const course = member.conditions.includes('hf') ? planHeartFailureCourse(random(RANDOM_STREAM.heartFailureCourse), calendar) : null;
  const { effects } = planMedications(random(RANDOM_STREAM.medications), calendar, member.conditions, physiology, course);
  const blood = simulateBloodGlucose(glucoseRandom, physiology, calendar, effects);
  const summary = summariseGlucose(blood);
  const planted = plan.truth.glucose;
  if (!planted || summary.meanMgDl !== planted.meanMgDl || summary.timeInRange !== planted.timeInRange) {
    throw new Error(`demo patient ${index}: replayed glucose does not match the generator's; update the bench's replay`);
  }
  return { blood, calendar };
}

function dailyTruth(blood: Float64Array, calendar: PatientCalendar, glycationOffsetPct: number): DailyTruth {
  const window = calendar.window;
  const days = calendar.dayCount;
  const truth: DailyTruth = {
    points: new Int32Array(days),
    sumMgDl: new Float64Array(days),
    inRange: new Int32Array(days),
    below70: new Int32Array(days),
    below54: new Int32Array(days),
    hba1cPct: new Float64Array(days + 1),
  };
  for (let k = 0; k < blood.length; k++) {
    const d = calendar.dayIndexOf(window.startMs + k * CGM_INTERVAL_MS);
    const value = blood[k]!;
    truth.points[d]!++;
    truth.sumMgDl[d]! += value;
    if (value < 54) truth.below54[d]!++;
    if (value < 70) truth.below70[d]!++;
    else if (value <= 180) truth.inRange[d]!++;
  }
  // The generator's HbA1c kernel exactly as labs.ts computes it: over grid days (288 points from the
  // window's first grid time), steady at the first week's mean before the window; a draw at 09:00 local
  // time on day d reads the kernel of the grid days completed by then.
  const gridMeans = dailyMeanGlucose(blood);
  const decay = Math.exp(-1 / HBA1C_KERNEL_TAU_DAYS);
  const warmDays = Math.min(7, gridMeans.length);
  let kernel = 0;
  for (let d = 0; d < warmDays; d++) kernel += gridMeans[d]! / warmDays;
  const kernelByGridDay = new Float64Array(gridMeans.length + 1);
  kernelByGridDay[0] = kernel;
  for (let d = 0; d < gridMeans.length; d++) {
    kernel = decay * kernel + (1 - decay) * gridMeans[d]!;
    kernelByGridDay[d + 1] = kernel;
  }
  for (let d = 0; d <= days; d++) {
    const drawMs = calendar.utcAt(d, HBA1C_DRAW_MINUTE);
    const gridDay = Math.min(gridMeans.length, Math.max(0, Math.floor((drawMs - window.startMs) / MS_PER_DAY)));
    truth.hba1cPct[d] = (kernelByGridDay[gridDay]! - ADAG_INTERCEPT_MG_DL) / ADAG_SLOPE_MG_DL_PER_PCT + glycationOffsetPct;
  }
  return truth;
}

/** The model's input from a plan, as the store-side pipeline would build it: local days of the patient's zone. */
function dailyInputFromPlan(
  plan: DemoPatientPlan,
  calendar: PatientCalendar,
): { input: DailyGlucoseInput; labs: { day: number; percent: number }[] } {
  const clock = new ZoneClock(plan.profile.zone as DemoZone);
  const firstDay = calendar.firstLocalDay;
  const lastDay = firstDay + calendar.dayCount - 1;
  const cgm = plan.series.find((s) => s.stream === STREAM.cgm);
  const summary = aggregateCgmDaily(cgm?.tMs ?? new Float64Array(0), cgm?.values ?? new Float64Array(0), {
    zoneOffsetMs: (utcMs) => clock.offsetMs(utcMs),
    firstDay,
    lastDay,
  });
  const hba1c = plan.series.find((s) => s.stream === STREAM.hba1c);
  const labs = hba1c ? Array.from(hba1c.tMs, (tMs, i) => ({ day: clock.localDay(tMs), percent: hba1c.values[i]! })) : [];
  const doses: DoseHistory[] = plan.medications.map((medication) => ({
    drug: medication.name,
    unit: medication.unit,
    steps: medication.doses.map((dose) => ({ day: clock.localDay(dose.startMs), dose: dose.dose })),
  }));
  return {
    input: {
      days: summary.days,
      meanMgDl: summary.meanMgDl,
      sdLogMgDl: summary.sdLogMgDl,
      wearFraction: summary.wearFraction,
      residualQuantilesLog: summary.residualQuantilesLog,
      hba1c: labs,
      doses,
      diabetesType: plan.profile.conditions.includes('t1d') ? 't1d' : 't2d',
    },
    labs,
  };
}

async function demoDiabeticPatients(seed: number): Promise<DemoDiabeticPatient[]> {
  const patients: DemoDiabeticPatient[] = [];
  for (let index = 0; index < PATIENTS; index++) {
    const plan = planDemoPatient(index, { seed, days: WINDOW_DAYS, endMs: END_MS });
    const glucose = plan.truth.glucose;
    if (!glucose) continue;
    const { blood, calendar } = replayBloodGlucose(index, seed, plan);
    const { input, labs } = dailyInputFromPlan(plan, calendar);
    patients.push({
      index,
      wearsCgm: plan.truth.wearsCgm,
      diabetes: plan.truth.conditions.includes('t1d') ? 't1d' : 't2d',
      input,
      firstDay: calendar.firstLocalDay,
      truth: dailyTruth(blood, calendar, glucose.glycationOffsetPct),
      labs,
    });
    await yieldToEventLoop();
  }
  return patients;
}

/** The input with CGM blanked on days [fromDay, toDay]: as if the sensor had not been worn. */
function withoutCgm(input: DailyGlucoseInput, fromDay: number, toDay: number): DailyGlucoseInput {
  const meanMgDl = Float64Array.from(input.meanMgDl);
  const sdLogMgDl = Float64Array.from(input.sdLogMgDl);
  const wearFraction = Float64Array.from(input.wearFraction);
  const residualQuantilesLog = input.residualQuantilesLog ? Float64Array.from(input.residualQuantilesLog) : undefined;
  const width = WITHIN_DAY_PROBABILITIES.length;
  for (let i = 0; i < input.days.length; i++) {
    const day = input.days[i]!;
    if (day < fromDay || day > toDay) continue;
    meanMgDl[i] = Number.NaN;
    sdLogMgDl[i] = Number.NaN;
    wearFraction[i] = 0;
    residualQuantilesLog?.fill(Number.NaN, i * width, (i + 1) * width);
  }
  return { ...input, meanMgDl, sdLogMgDl, wearFraction, ...(residualQuantilesLog ? { residualQuantilesLog } : {}) };
}

/** Coverage, error and width of one projected quantity over all scored projections. */
class Score {
  count = 0;
  hits80 = 0;
  hits95 = 0;
  above95 = 0;
  below95 = 0;
  absoluteError = 0;
  signedError = 0;
  width95 = 0;

  add(band: Band, truth: number): void {
    this.count++;
    if (truth >= band.lower80 && truth <= band.upper80) this.hits80++;
    if (truth >= band.lower95 && truth <= band.upper95) this.hits95++;
    if (truth > band.upper95) this.above95++;
    if (truth < band.lower95) this.below95++;
    this.absoluteError += Math.abs(band.mean - truth);
    this.signedError += truth - band.mean;
    this.width95 += band.upper95 - band.lower95;
  }

  summary(scale = 1): Record<string, number> {
    const round = (value: number, digits: number): number => Number(value.toFixed(digits));
    return {
      n: this.count,
      coverage80: round((100 * this.hits80) / this.count, 1),
      coverage95: round((100 * this.hits95) / this.count, 1),
      // Which side the 95 % misses fall on: bias shows as an imbalance.
      missAbove95: round((100 * this.above95) / this.count, 1),
      missBelow95: round((100 * this.below95) / this.count, 1),
      mae: round((scale * this.absoluteError) / this.count, 3),
      // Truth minus projection, averaged: positive when the projections run low.
      bias: round((scale * this.signedError) / this.count, 3),
      meanWidth95: round((scale * this.width95) / this.count, 3),
    };
  }
}

type Scenario = 'cgm' | 'cgm-no-dose-change-ahead' | 'hba1c-only-last-60-days' | 'never-cgm';
type Quantity = 'meanGlucoseMgDl' | 'dailyMeanGlucoseMgDl' | 'timeInRangePct' | 'timeBelow70Pct' | 'hba1cTruePct' | 'hba1cLabPct';

class ScoreBoard {
  private readonly scores = new Map<string, Score>();

  score(scenario: Scenario, quantity: Quantity, horizon: number): Score {
    const key = `${scenario}|${quantity}|${horizon}`;
    let score = this.scores.get(key);
    if (!score) {
      score = new Score();
      this.scores.set(key, score);
    }
    return score;
  }

  /**
   * One entry per headline figure (what the issue asks to see: 14- and 30-day windows, HbA1c at their
   * end), keyed "scenario, horizon, quantity", each a short line a person can read.
   */
  headlines(): Record<string, string> {
    const headlines: Record<string, string> = {};
    const labels: [Quantity, string, string][] = [
      ['meanGlucoseMgDl', 'mean glucose', 'mg/dL'],
      ['timeInRangePct', 'time in range', 'pp'],
      ['timeBelow70Pct', 'time below 70', 'pp'],
      ['hba1cTruePct', 'HbA1c', '%'],
    ];
    for (const scenario of ['cgm', 'hba1c-only-last-60-days', 'never-cgm'] as const) {
      for (const horizon of HORIZONS) {
        for (const [quantity, label, unit] of labels) {
          const score = this.scores.get(`${scenario}|${quantity}|${horizon}`);
          if (!score) continue;
          const s = score.summary(unit === 'pp' ? 100 : 1);
          headlines[`${scenario}, ${horizon} d, ${label}`] =
            `coverage 80 % band ${s.coverage80!.toFixed(1)}, 95 % band ${s.coverage95!.toFixed(1)}, ` +
            `MAE ${s.mae!.toFixed(unit === '%' ? 3 : 2)} ${unit} (n ${s.n})`;
        }
      }
    }
    return headlines;
  }

  rows(): Record<string, unknown>[] {
    return [...this.scores.entries()].map(([key, score]) => {
      const [scenario, quantity, horizon] = key.split('|');
      // Shares of time are scored and reported in percentage points.
      const scale = quantity === 'timeInRangePct' || quantity === 'timeBelow70Pct' ? 100 : 1;
      return { scenario, quantity, horizonDays: Number(horizon), ...score.summary(scale) };
    });
  }
}

/**
 * True when a glucose-lowering drug's dose changes after the origin and by its day + `days`: the
 * projection holds doses at the origin's (it cannot know later prescriptions), so such windows are
 * also reported apart.
 */
function doseChangesAhead(input: DailyGlucoseInput, originDay: number, days: number): boolean {
  return input.doses.some(
    (history) =>
      doseResponsePrior(history.drug, history.unit) !== null &&
      history.steps.some((step, k) => step.day > originDay && step.day <= originDay + days && step.dose !== history.steps[k - 1]?.dose),
  );
}

function scoreProjection(board: ScoreBoard, scenario: Scenario, patient: DemoDiabeticPatient, projection: DailyGlucoseProjection): void {
  for (const window of projection.windows) {
    const h = window.lengthDays;
    if (scenario === 'cgm' && !doseChangesAhead(patient.input, projection.originDay, h)) {
      scoreWindow(board, 'cgm-no-dose-change-ahead', patient, projection, window);
    }
    scoreWindow(board, scenario, patient, projection, window);
  }
  // Lab HbA1c drawn after the origin, within the longest window: the generator's later results.
  const longest = Math.max(...projection.windows.map((w) => w.lengthDays));
  for (const lab of patient.labs) {
    const ahead = lab.day - projection.originDay;
    if (ahead < 1 || ahead > longest) continue;
    board.score(scenario, 'hba1cLabPct', longest).add(bandOf(projection.hba1cLabPct, ahead - 1), lab.percent);
  }
}

function bandOf(series: BandSeries, index: number): Band {
  return {
    mean: series.mean[index]!,
    lower80: series.lower80[index]!,
    upper80: series.upper80[index]!,
    lower95: series.lower95[index]!,
    upper95: series.upper95[index]!,
  };
}

/** Scores one window against the truth of days origin+1 … origin+h (time shares over all its 5-min points). */
function scoreWindow(
  board: ScoreBoard,
  scenario: Scenario,
  patient: DemoDiabeticPatient,
  projection: DailyGlucoseProjection,
  window: WindowProjection,
): void {
  const truth = patient.truth;
  const origin = projection.originDay - patient.firstDay;
  const h = window.lengthDays;
  let points = 0;
  let sum = 0;
  let inRange = 0;
  let below70 = 0;
  for (let d = origin + 1; d <= origin + h; d++) {
    points += truth.points[d]!;
    sum += truth.sumMgDl[d]!;
    inRange += truth.inRange[d]!;
    below70 += truth.below70[d]!;
  }
  board.score(scenario, 'meanGlucoseMgDl', h).add(window.meanGlucoseMgDl, sum / points);
  board.score(scenario, 'timeInRangePct', h).add(window.timeInRange, inRange / points);
  board.score(scenario, 'timeBelow70Pct', h).add(window.timeBelow70, below70 / points);
  board.score(scenario, 'hba1cTruePct', h).add(window.hba1cPct, truth.hba1cPct[origin + h]!);
  // The daily mean of the window's last day; a day the demo window cuts short has none to compare.
  const day = origin + h;
  if (truth.points[day]! >= FULL_DAY_POINTS) {
    board.score(scenario, 'dailyMeanGlucoseMgDl', h).add(bandOf(projection.meanGlucoseMgDl, h - 1), truth.sumMgDl[day]! / truth.points[day]!);
  }
}

export interface GlucoseDailyBenchOptions {
  /** Re-derive the population prior from the seed-2 panel (default); false: use `population` as given. */
  readonly tune?: boolean;
  readonly population?: PopulationPrior;
  /** Score only the first this many diabetic patients of the seed-1 panel (default: all). */
  readonly scoredPatients?: number;
}

export async function benchGlucoseDaily(options: GlucoseDailyBenchOptions = {}): Promise<Record<string, unknown>> {
  const started = performance.now();
  let population = options.population ?? DEFAULT_POPULATION_PRIOR;
  let tuning: Record<string, unknown> = { seed: TUNING_SEED, tuned: false, prior: population };
  if (options.tune ?? true) {
    const tuneStart = performance.now();
    const tuningPanel = await demoDiabeticPatients(TUNING_SEED);
    const fit = fitPopulationPrior(tuningPanel.map((patient) => patient.input), population);
    population = fit.prior;
    tuning = {
      seed: TUNING_SEED,
      tuned: true,
      patients: fit.patients,
      cgmPatients: fit.cgmPatients,
      evaluations: fit.evaluations,
      seconds: Number(((performance.now() - tuneStart) / 1000).toFixed(1)),
      prior: population,
    };
  }

  const generationStart = performance.now();
  const panel = (await demoDiabeticPatients(EVALUATION_SEED)).slice(0, options.scoredPatients ?? PATIENTS);
  const generationSeconds = (performance.now() - generationStart) / 1000;
  const board = new ScoreBoard();
  let projections = 0;
  let projectionMs = 0;
  let fitEvaluations = 0;
  for (const patient of panel) {
    const scenarios: { scenario: Scenario; firstOrigin: number }[] = patient.wearsCgm
      ? [
          { scenario: 'cgm', firstOrigin: ORIGINS[0]! },
          { scenario: 'hba1c-only-last-60-days', firstOrigin: HBA1C_ONLY_FIRST_ORIGIN },
        ]
      : [{ scenario: 'never-cgm', firstOrigin: ORIGINS[0]! }];
    for (const { scenario, firstOrigin } of scenarios) {
      let warmStart: PatientHyperparameters | undefined;
      for (const originOffset of ORIGINS) {
        if (originOffset < firstOrigin) continue;
        const originDay = patient.firstDay + originOffset;
        const input = scenario === 'hba1c-only-last-60-days' ? withoutCgm(patient.input, originDay - CGM_REMOVED_DAYS + 1, originDay) : patient.input;
        const t0 = performance.now();
        const projection = projectDailyGlucose(input, {
          originDay,
          horizonDays: Math.max(...HORIZONS),
          windowDays: HORIZONS,
          population,
          samplePaths: SAMPLE_PATHS,
          ...(warmStart ? { warmStart } : {}),
        });
        projectionMs += performance.now() - t0;
        projections++;
        fitEvaluations += projection.fit.evaluations;
        // The next origin's fit starts from this one's, as a nightly refit starts from yesterday's.
        warmStart = projection.hyperparameters;
        scoreProjection(board, scenario, patient, projection);
      }
    }
    await yieldToEventLoop();
  }

  const cgmWearers = panel.filter((p) => p.wearsCgm).length;
  const details = {
    config: {
      patients: PATIENTS,
      windowDays: WINDOW_DAYS,
      endMs: END_MS,
      tuningSeed: TUNING_SEED,
      evaluationSeed: EVALUATION_SEED,
      originsDaysIntoWindow: ORIGINS,
      horizonsDays: HORIZONS,
      samplePaths: SAMPLE_PATHS,
    },
    tuning,
    evaluation: {
      seed: EVALUATION_SEED,
      diabeticPatients: panel.length,
      cgmWearers,
      type1: panel.filter((p) => p.diabetes === 't1d').length,
      projections,
      generationSeconds: Number(generationSeconds.toFixed(1)),
      msPerProjection: Number((projectionMs / projections).toFixed(1)),
      fitEvaluationsPerProjection: Number((fitEvaluations / projections).toFixed(1)),
      scores: board.rows(),
    },
  };
  return {
    tuning: tuning.tuned
      ? `population prior re-fitted on demo seed ${TUNING_SEED} (${String(tuning.patients)} diabetic patients) in ${String(tuning.seconds)} s`
      : 'population prior as given (not re-fitted)',
    evaluation:
      `demo seed ${EVALUATION_SEED}: ${panel.length} diabetic patients (${cgmWearers} with CGM), ${projections} projections ` +
      `from origins at days ${ORIGINS.join('/')} of ${WINDOW_DAYS}, ${(projectionMs / projections).toFixed(1)} ms each`,
    ...board.headlines(),
    seconds: Number(((performance.now() - started) / 1000).toFixed(1)),
    details,
  };
}
