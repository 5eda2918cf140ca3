/**
 * What a Dexcom-like CGM makes of the true glucose: the readings a care team actually receives.
 *
 * - Sensors last 10 days; the next one goes in right away or hours later, and each starts with a
 *   2-hour warm-up without readings and a noisier, biased first day.
 * - Interstitial glucose lags blood glucose by a few minutes; each sensor has its own calibration bias
 *   and drift; noise is autocorrelated plus a little white noise.
 * - Single readings drop out (2-4 %); signal loss blanks 2-8 hours a few times a month; some patients
 *   take the sensor off for days.
 * - Compression lows: lying on the sensor at night reads a false sharp drop for 20-60 minutes.
 * - Readings are whole mg/dL, clamped to 40..400 as the device reports LOW/HIGH.
 */
import type { PatientCalendar } from './calendar.js';
import type { SeededRandom } from './random.js';
import type { CgmGapTruth, ConfounderTruth } from './truth.js';
import { CGM_INTERVAL_MS, CGM_POINTS_PER_DAY, gridIndexAtOrAfter, gridTimeMs } from './window.js';

const SESSION_POINTS = 10 * CGM_POINTS_PER_DAY;
const WARM_UP_POINTS = 24;
const GAP_MARGIN_POINTS = 6;
export const CGM_MIN_MG_DL = 40;
export const CGM_MAX_MG_DL = 400;

type SensorGapKind = 'sensor-change' | 'not-worn';

interface SensorSession {
  readonly insertion: number;
  /** First grid index with readings (after the warm-up). */
  readonly readFrom: number;
  /** Grid index after the last reading. */
  readonly readTo: number;
  /** Why there were no readings before this sensor's: the previous one expired, or was off for days. */
  readonly gapBefore: SensorGapKind;
  readonly biasFraction: number;
  readonly driftFraction: number;
  readonly firstDayBiasFraction: number;
}

interface SensorPlan {
  readonly sessions: readonly SensorSession[];
  /** Why readings are missing after the last sensor's, up to the end of the window. */
  readonly gapAfter: SensorGapKind;
}

export interface CgmRecording {
  readonly tMs: Float64Array;
  readonly values: Float64Array;
  readonly sensorChangesMs: number[];
  readonly gaps: CgmGapTruth[];
  readonly compressionLows: ConfounderTruth[];
}

interface WearBreak {
  readonly from: number;
  readonly to: number;
}

/** Grid points between a sensor's expiry and the next insertion: mostly at once, sometimes hours. */
function changeDelayPoints(rng: SeededRandom): number {
  const u = rng.next();
  if (u < 0.6) return rng.int(0, 4);
  if (u < 0.9) return rng.int(12, 120);
  return rng.int(120, 432);
}

function planWearBreaks(rng: SeededRandom, points: number): WearBreak[] {
  const breaks: WearBreak[] = [];
  const count = (rng.chance(0.3) ? 1 : 0) + (points > 120 * CGM_POINTS_PER_DAY && rng.chance(0.3) ? 1 : 0);
  for (let b = 0; b < count; b++) {
    const from = rng.int(0, points - 1);
    breaks.push({ from, to: from + rng.int(2 * CGM_POINTS_PER_DAY, 6 * CGM_POINTS_PER_DAY) });
  }
  return breaks.sort((a, b) => a.from - b.from);
}

function planSessions(rng: SeededRandom, points: number): SensorPlan {
  const breaks = planWearBreaks(rng, points);
  const sessions: SensorSession[] = [];
  // The sensor worn when the window opens went in up to 10 days earlier.
  let insertion = -rng.int(0, SESSION_POINTS - 1);
  let gapKind: SensorGapKind = 'sensor-change';
  let nextBreak = 0;
  while (insertion < points) {
    const readFrom = insertion + WARM_UP_POINTS;
    const expiry = insertion + SESSION_POINTS;
    const wearBreak = breaks[nextBreak];
    if (wearBreak && wearBreak.from < expiry) {
      nextBreak++;
      if (wearBreak.from > readFrom) sessions.push(sessionOf(rng, insertion, readFrom, wearBreak.from, gapKind));
      // A break that starts before the sensor delivered anything simply delays the next one.
      insertion = Math.max(insertion, wearBreak.to);
      gapKind = 'not-worn';
      continue;
    }
    sessions.push(sessionOf(rng, insertion, readFrom, expiry, gapKind));
    insertion = expiry + changeDelayPoints(rng);
    gapKind = 'sensor-change';
  }
  return { sessions, gapAfter: gapKind };
}

function sessionOf(rng: SeededRandom, insertion: number, readFrom: number, readTo: number, gapBefore: SensorGapKind): SensorSession {
  return {
    insertion,
    readFrom,
    readTo,
    gapBefore,
    biasFraction: rng.normal(0, 0.04),
    driftFraction: rng.normal(0, 0.03),
    firstDayBiasFraction: rng.normal(-0.05, 0.05),
  };
}

function gapTimes(calendar: PatientCalendar, from: number, to: number): { startMs: number; endMs: number } {
  const window = calendar.window;
  return {
    startMs: gridTimeMs(window, Math.max(0, from)),
    endMs: to >= window.points ? window.endMs : gridTimeMs(window, to),
  };
}

/** Readings-free stretches between sensors: expiry through the next warm-up, or days off. */
function sessionGaps(calendar: PatientCalendar, plan: SensorPlan): CgmGapTruth[] {
  const points = calendar.window.points;
  const gaps: CgmGapTruth[] = [];
  let previousTo = 0;
  for (const session of plan.sessions) {
    const from = Math.max(0, previousTo);
    const to = Math.min(points, session.readFrom);
    if (to > from) gaps.push({ ...gapTimes(calendar, from, to), kind: session.gapBefore });
    previousTo = session.readTo;
  }
  if (previousTo < points) gaps.push({ ...gapTimes(calendar, Math.max(0, previousTo), points), kind: plan.gapAfter });
  return gaps;
}

function allWorn(worn: Uint8Array, from: number, to: number): boolean {
  if (from < 0 || to > worn.length) return false;
  for (let k = from; k < to; k++) if (worn[k] === 0) return false;
  return true;
}

/** Signal loss (receiver out of range, Bluetooth trouble): 2-8 hours, a few times a month. */
function addSignalLosses(rng: SeededRandom, calendar: PatientCalendar, worn: Uint8Array): CgmGapTruth[] {
  const perMonth = rng.uniform(1, 4);
  const count = rng.poisson((perMonth * calendar.window.days) / 30);
  const gaps: CgmGapTruth[] = [];
  for (let g = 0; g < count; g++) {
    const length = rng.int(24, 96);
    for (let attempt = 0; attempt < 12; attempt++) {
      const from = rng.int(0, worn.length - 1);
      if (!allWorn(worn, from - GAP_MARGIN_POINTS, from + length + GAP_MARGIN_POINTS)) continue;
      worn.fill(0, from, from + length);
      gaps.push({ ...gapTimes(calendar, from, from + length), kind: 'signal-loss' });
      break;
    }
  }
  return gaps;
}

/**
 * False drops while the patient lies on the sensor: the mg/dL to subtract from each reading (null when
 * there are none), recorded as confounders.
 */
function planCompressionLows(
  rng: SeededRandom,
  calendar: PatientCalendar,
  worn: Uint8Array,
): { lows: ConfounderTruth[]; artefactMgDl: Float64Array | null } {
  const lows: ConfounderTruth[] = [];
  if (rng.chance(0.45)) return { lows, artefactMgDl: null };
  const count = rng.poisson((rng.uniform(0.5, 3) * calendar.window.days) / 90);
  const artefactMgDl = new Float64Array(worn.length);
  for (let c = 0; c < count; c++) {
    for (let attempt = 0; attempt < 8; attempt++) {
      const from = gridIndexAtOrAfter(calendar.window, calendar.utcAt(rng.int(0, calendar.dayCount - 1), rng.uniform(0, 330)));
      const length = rng.int(4, 12);
      if (!allWorn(worn, from, from + length)) continue;
      const depthMgDl = rng.uniform(30, 60);
      for (let i = 0; i < length; i++) {
        // Drops within 10 minutes, recovers within 10 minutes once the pressure is off.
        const edge = Math.min(i + 1, length - i, 2) / 2;
        artefactMgDl[from + i] = depthMgDl * edge;
      }
      const window = calendar.window;
      lows.push({ kind: 'compression-low', startMs: gridTimeMs(window, from), endMs: gridTimeMs(window, from + length - 1) });
      break;
    }
  }
  return { lows, artefactMgDl: lows.length > 0 ? artefactMgDl : null };
}

/** CGM readings of the true glucose `bloodMgDl` (one value per grid point of the window). */
export function recordCgm(rng: SeededRandom, bloodMgDl: Float64Array, calendar: PatientCalendar): CgmRecording {
  const window = calendar.window;
  const points = window.points;
  const plan = planSessions(rng, points);
  const sessions = plan.sessions;
  const worn = new Uint8Array(points);
  for (const session of sessions) worn.fill(1, Math.max(0, session.readFrom), Math.min(points, session.readTo));

  const gaps = sessionGaps(calendar, plan);
  gaps.push(...addSignalLosses(rng, calendar, worn));
  gaps.sort((a, b) => a.startMs - b.startMs);
  const { lows: compressionLows, artefactMgDl } = planCompressionLows(rng, calendar, worn);

  // Single-reading dropouts, decided first so the readings fit arrays of the exact size.
  const dropoutChance = rng.uniform(0.02, 0.04);
  let count = 0;
  for (let k = 0; k < points; k++) {
    if (worn[k] === 1 && rng.chance(dropoutChance)) worn[k] = 0;
    count += worn[k]!;
  }

  const noiseSd = rng.uniform(0.03, 0.05);
  const noisePhi = Math.exp(-5 / 20);
  const noiseStep = Math.sqrt(1 - noisePhi * noisePhi);
  // Blood-to-interstitium diffusion: a first-order lag of 5-10 minutes.
  const lagAlpha = 1 - Math.exp(-5 / rng.uniform(5, 10));

  const tMs = new Float64Array(count);
  const values = new Float64Array(count);
  let reading = 0;
  let interstitial = bloodMgDl[0] ?? 100;
  let noise = rng.normal();
  let sessionIndex = 0;
  for (let k = 0; k < points; k++) {
    interstitial += lagAlpha * (bloodMgDl[k]! - interstitial);
    noise = noisePhi * noise + noiseStep * rng.normal();
    if (worn[k] === 0) continue;
    while (sessions[sessionIndex]!.readTo <= k) sessionIndex++;
    const session = sessions[sessionIndex]!;
    const agePoints = k - session.insertion;
    // The first day after insertion is both biased and noisier; the twin inflates its noise then too.
    const firstDay = agePoints < CGM_POINTS_PER_DAY;
    const noiseScale = firstDay ? 2 : 1;
    let bias = session.biasFraction + (session.driftFraction * agePoints) / SESSION_POINTS;
    if (firstDay) bias += session.firstDayBiasFraction * Math.exp(-agePoints / 120);
    let mgDl = interstitial * (1 + bias) * (1 + noiseScale * noiseSd * noise) + noiseScale * rng.normal(0, 1.5);
    if (artefactMgDl) mgDl -= artefactMgDl[k]!;
    tMs[reading] = window.startMs + k * CGM_INTERVAL_MS;
    values[reading] = Math.min(CGM_MAX_MG_DL, Math.max(CGM_MIN_MG_DL, Math.round(mgDl)));
    reading++;
  }

  const sensorChangesMs = sessions
    .filter((s) => s.insertion >= 0 && s.insertion < points)
    .map((s) => gridTimeMs(window, s.insertion));
  return { tMs, values, sensorChangesMs, gaps, compressionLows };
}

/**
 * Fingerstick meter readings: once or twice a day for patients without a CGM (fasting, sometimes
 * before dinner), now and then for some CGM wearers (checking a reading, calibrating). On a 1-minute
 * clock, from the true blood glucose with meter error (about 4 % plus 2 mg/dL).
 */
export function recordFingersticks(
  rng: SeededRandom,
  bloodMgDl: Float64Array,
  calendar: PatientCalendar,
  wearsCgm: boolean,
  breakfastMin: number,
): { tMs: Float64Array; values: Float64Array } {
  const window = calendar.window;
  const checksPerDay = wearsCgm ? (rng.chance(0.45) ? rng.uniform(0.1, 0.8) : 0) : 0;
  const fastingAdherence = wearsCgm ? 0 : rng.uniform(0.5, 0.95);
  const dinnerChance = wearsCgm ? 0 : rng.uniform(0.05, 0.4);
  const times: number[] = [];
  for (let day = 0; day < calendar.dayCount; day++) {
    const minutes: number[] = [];
    if (rng.chance(fastingAdherence)) minutes.push(breakfastMin - rng.uniform(5, 30));
    if (rng.chance(dinnerChance)) minutes.push(rng.uniform(1050, 1140));
    const checks = rng.poisson(checksPerDay);
    for (let c = 0; c < checks; c++) minutes.push(rng.uniform(420, 1320));
    minutes.sort((a, b) => a - b);
    let previousMs = -Infinity;
    for (const minute of minutes) {
      const t = calendar.utcAt(day, minute);
      if (t < window.startMs || t > window.lastGridMs || t <= previousMs) continue;
      times.push(t);
      previousMs = t;
    }
  }
  const tMs = new Float64Array(times);
  const values = new Float64Array(times.length);
  for (let i = 0; i < times.length; i++) {
    const position = (times[i]! - window.startMs) / CGM_INTERVAL_MS;
    const k = Math.min(Math.floor(position), window.points - 2);
    const within = position - k;
    const blood = bloodMgDl[k]! * (1 - within) + bloodMgDl[k + 1]! * within;
    values[i] = Math.min(600, Math.max(20, Math.round(blood * (1 + rng.normal(0, 0.04)) + rng.normal(0, 2))));
  }
  return { tMs, values };
}
