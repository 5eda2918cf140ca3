/**
 * The series behind the clinician's twin view (contract `twin.series`): for one patient and a time window,
 * the observed signals and the model's state over the history with 80 % and 95 % bands, decimated on the
 * server to a fixed number of time buckets so that 90 days of 5-min CGM (26,000 readings) reach the window
 * as a few thousand points.
 *
 * Glucose: the fast layer's filter and fixed-interval smoother (shared/model/glucose/fast-layer-smoother.ts)
 * over every stored CGM reading at the hyperparameters of the stored twin (its last fit). Gaps stay gaps:
 * the observed line gets a null between readings further apart than the gap threshold, and inside each gap
 * the smoother is evaluated on a grid of *missing* readings (skipped by the filter, missing to the smoother),
 * so the band there is the model's own uncertainty without data: it widens towards the middle of the gap.
 * The smoothed mean is not drawn inside a gap (null), so nothing is interpolated across it.
 *
 * Heart failure: the daily heart-failure twin (shared/model/heart-failure/twin.ts) re-run on the same inputs
 * the pipeline stored the twin from (a deterministic function of them): filtered dry weight and fluid excess
 * per day with their bands; days without a weighing keep their (wider) posterior, the observed weight is null.
 * The projection ahead is the stored twin's.
 *
 * Decimation keeps each bucket's extremes: for observed readings the lowest and highest reading (in time
 * order), for the smoothed state the points with the lowest and highest mean, each carrying the bucket's
 * band envelope (the lowest lower and highest upper bound), so a band is never drawn narrower than it was.
 */
import { MS_PER_DAY } from '../../../shared/domain/sample.js';
import { STREAM, STREAMS } from '../../../shared/domain/streams.js';
import type { DataClass } from '../../../shared/domain/consent.js';
import { createFastLayerTrack, filterFastLayerTrack, smoothFastLayer } from '../../../shared/model/glucose/fast-layer-smoother.js';
import {
  Censoring,
  type FastLayerParameters,
  type GlucoseReadings,
  type ReadingTimeline,
  SENSOR_CHANGE_GAP_MIN,
  SENSOR_WARMUP_MIN,
  StepSystems,
} from '../../../shared/model/glucose/fast-layer.js';
import { Z_80, Z_95 } from '../../../shared/model/heart-failure/normal.js';
import { buildHeartFailureSeries, HF_STREAMS, type StreamReadings } from '../../../shared/model/heart-failure/series.js';
import { runHeartFailureTwin } from '../../../shared/model/heart-failure/twin.js';
import type { StoredTwin, TwinInputs, SeriesInput } from './twin-compute.js';
import { readTwinInputs } from './pipeline.js';

const MINUTE_MS = 60_000;
/** A CGM silence longer than this many typical steps (and at least 15 min) is a gap. */
const GAP_STEPS = 3;
const MIN_GAP_MS = 15 * MINUTE_MS;
/** Missing-reading grid inside a gap: the typical step, but at most this many points per gap. */
const MAX_GRID_PER_GAP = 96;
export const DEFAULT_BUCKETS = 1000;

export type Num = number | null;
export interface BandArrays {
  readonly mean: Num[];
  readonly lower80: Num[];
  readonly upper80: Num[];
  readonly lower95: Num[];
  readonly upper95: Num[];
}

export interface TwinSeriesOut {
  readonly patientId: string;
  /** when the stored twin was computed; null = no twin computed yet (observed data only) */
  readonly computedMs: number | null;
  readonly window: { readonly fromMs: number; readonly toMs: number; readonly bucketMs: number; readonly decimated: boolean };
  readonly glucose: {
    readonly unit: 'mg/dL';
    /** readings stored in the window, and overall */
    readonly readingsInWindow: number;
    readonly readings: number;
    readonly firstMs: number;
    readonly lastMs: number;
    readonly gapThresholdMs: number;
    /** silences longer than the threshold that overlap the window (at most 500, longest first kept) */
    readonly gaps: { readonly fromMs: number; readonly toMs: number }[];
    readonly observed: { readonly tMs: number[]; readonly mgDl: Num[] };
    /** the smoother at the stored twin's hyperparameters; null without a stored glucose twin */
    readonly smoothed: ({ readonly tMs: number[]; readonly fitThroughMs: number; readonly modelVersion: string } & BandArrays) | null;
  } | null;
  readonly hf: {
    readonly firstDay: number;
    readonly lastDay: number;
    readonly observedWeightKg: { readonly tMs: number[]; readonly kg: Num[] };
    /** per day (tMs = UTC noon of the day), from the model; null without a stored heart-failure twin */
    readonly model: {
      readonly tMs: number[];
      readonly dryWeightKg: BandArrays;
      readonly fluidExcessKg: BandArrays;
      /** dry weight + fluid excess: the weight the model explains */
      readonly modelWeightKg: Num[];
      readonly modelVersion: string;
    } | null;
    readonly projection: { readonly tMs: number[]; readonly weightKg: BandArrays; readonly fluidExcessKg: BandArrays; readonly loopDiureticMgPerDay: Num } | null;
  } | null;
}

export interface TwinSeriesRequest {
  readonly fromMs?: number | undefined;
  readonly toMs?: number | undefined;
  readonly buckets?: number | undefined;
}

/** The smoother's output for a patient's CGM, at readings and at the missing-reading grid in gaps. */
export interface GlucoseTrack {
  readonly tMs: Float64Array;
  /** 1 = a stored reading, 0 = a grid point inside a gap */
  readonly real: Uint8Array;
  readonly observedMgDl: Float64Array;
  /** smoothed ln glucose mean and sd; empty without parameters */
  readonly logMean: Float64Array;
  readonly logSd: Float64Array;
  readonly gapThresholdMs: number;
  readonly readings: number;
}

function medianStepMs(tMs: ArrayLike<number>): number {
  const n = tMs.length;
  if (n < 2) return 5 * MINUTE_MS;
  const stride = Math.max(1, Math.floor((n - 1) / 2000));
  const steps: number[] = [];
  for (let i = 1; i < n; i += stride) steps.push(tMs[i]! - tMs[i - 1]!);
  steps.sort((a, b) => a - b);
  return Math.max(MINUTE_MS, steps[Math.floor(steps.length / 2)]!);
}

export function gapThresholdOf(tMs: ArrayLike<number>): number {
  return Math.max(MIN_GAP_MS, GAP_STEPS * medianStepMs(tMs));
}

/**
 * Filter + smoother over the readings and a grid of missing readings inside each gap. Without parameters
 * (no stored glucose twin) only the times and observed values are returned.
 */
export function glucoseTrack(cgm: SeriesInput, parameters: FastLayerParameters | null): GlucoseTrack {
  const n = cgm.tMs.length;
  const gapMs = gapThresholdOf(cgm.tMs);
  const stepMs = medianStepMs(cgm.tMs);
  const times: number[] = [];
  const real: number[] = [];
  const values: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = cgm.tMs[i]!;
    if (i > 0) {
      const previous = cgm.tMs[i - 1]!;
      const gap = t - previous;
      if (gap > gapMs) {
        const spacing = Math.max(stepMs, gap / MAX_GRID_PER_GAP);
        for (let g = previous + spacing; g < t - spacing / 2; g += spacing) {
          times.push(Math.round(g));
          real.push(0);
          values.push(Number.NaN);
        }
      }
    }
    times.push(t);
    real.push(1);
    values.push(cgm.values[i]!);
  }
  const m = times.length;
  const out: GlucoseTrack = {
    tMs: Float64Array.from(times),
    real: Uint8Array.from(real),
    observedMgDl: Float64Array.from(values),
    logMean: new Float64Array(parameters === null ? 0 : m),
    logSd: new Float64Array(parameters === null ? 0 : m),
    gapThresholdMs: gapMs,
    readings: n,
  };
  if (parameters === null || m === 0) return out;

  // The timeline as ./../../../shared/model/glucose/patient-refit.ts's loadSeries builds it, except that the
  // sensor-change rule (a >= 2 h silence starts a new sensor) reads the stored readings only: a grid point
  // inside a gap is not a reading.
  const timeMin = new Float64Array(m);
  const logGlucose = new Float64Array(m);
  const censoring = new Uint8Array(m);
  const stepIndex = new Int32Array(m);
  const sensorStartMin = new Float64Array(m);
  const warmupShare = new Float64Array(m);
  const lengths: number[] = [];
  const indexByLength = new Map<number, number>();
  let lastRealMin = Number.NaN;
  let sensorStart = Number.NEGATIVE_INFINITY;
  for (let t = 0; t < m; t++) {
    const time = out.tMs[t]! / MINUTE_MS;
    timeMin[t] = time;
    if (t > 0) {
      const dt = time - timeMin[t - 1]!;
      let index = indexByLength.get(dt);
      if (index === undefined) {
        index = lengths.length;
        lengths.push(dt);
        indexByLength.set(dt, index);
      }
      stepIndex[t] = index;
    } else {
      stepIndex[t] = -1;
    }
    if (out.real[t] === 1) {
      if (time - lastRealMin >= SENSOR_CHANGE_GAP_MIN) sensorStart = time;
      lastRealMin = time;
      logGlucose[t] = Math.log(out.observedMgDl[t]!);
      censoring[t] = Censoring.None;
    } else {
      // A reading "censored above −∞" is always skipped by the filter: a missing reading.
      logGlucose[t] = Number.NEGATIVE_INFINITY;
      censoring[t] = Censoring.High;
    }
    sensorStartMin[t] = sensorStart;
    const age = time - sensorStart;
    warmupShare[t] = age < SENSOR_WARMUP_MIN ? 1 - age / SENSOR_WARMUP_MIN : 0;
  }
  const readings: GlucoseReadings = { timeMin, logGlucose, kind: new Uint8Array(m), censoring };
  const timeline: ReadingTimeline = { stepLengths: Float64Array.from(lengths), stepIndex, sensorStartMin, warmupShare };
  const systems = new StepSystems(parameters, timeline);
  const track = createFastLayerTrack(m);
  filterFastLayerTrack(readings, timeline, systems, m, track);
  smoothFastLayer(timeline, systems, track, m);
  for (let t = 0; t < m; t++) {
    out.logMean[t] = track.smoothedState[3 * t]! + track.smoothedState[3 * t + 1]!;
    out.logSd[t] = Math.sqrt(Math.max(0, track.smoothedSignalVariance[t]!));
  }
  return out;
}

function lowerBound(values: ArrayLike<number>, x: number): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (values[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const finite = (x: number): Num => (Number.isFinite(x) ? x : null);
/** Model output is sent to a tenth of a mg/dL and a hundredth of a kg: far below what is shown, a third of the bytes. */
const tenth = (x: number): Num => (Number.isFinite(x) ? Math.round(x * 10) / 10 : null);
const hundredth = (x: number): Num => (Number.isFinite(x) ? Math.round(x * 100) / 100 : null);

/**
 * Observed readings in [from, to] at most two per bucket (the lowest and the highest, in time order), with
 * a null wherever consecutive readings are further apart than `gapMs`.
 */
export function decimateObserved(
  tMs: ArrayLike<number>,
  values: ArrayLike<number>,
  include: (i: number) => boolean,
  fromMs: number,
  toMs: number,
  bucketMs: number,
  gapMs: number,
): { tMs: number[]; values: Num[] } {
  const outT: number[] = [];
  const outV: Num[] = [];
  let bucket = -1;
  let lo = -1;
  let hi = -1;
  let lastT = Number.NaN;
  const flush = (): void => {
    if (lo < 0) return;
    const first = Math.min(lo, hi);
    const second = Math.max(lo, hi);
    outT.push(tMs[first]!);
    outV.push(values[first]!);
    if (second !== first) {
      outT.push(tMs[second]!);
      outV.push(values[second]!);
    }
    lo = -1;
    hi = -1;
  };
  const start = lowerBound(tMs, fromMs);
  for (let i = start; i < tMs.length; i++) {
    const t = tMs[i]!;
    if (t > toMs) break;
    if (!include(i)) continue;
    const b = bucketMs > 0 ? Math.floor((t - fromMs) / bucketMs) : i;
    if (t - lastT > gapMs) {
      flush();
      outT.push(Math.round((t + lastT) / 2));
      outV.push(null);
    } else if (b !== bucket) {
      flush();
    }
    bucket = b;
    lastT = t;
    const v = values[i]!;
    if (lo < 0) {
      lo = i;
      hi = i;
    } else {
      if (v < values[lo]!) lo = i;
      if (v > values[hi]!) hi = i;
    }
  }
  flush();
  return { tMs: outT, values: outV };
}

/**
 * The smoothed glucose in [from, to] per bucket and run (a run: stored readings, or the grid inside one gap):
 * the points with the lowest and highest mean (inside a gap: the widest band), each with the run's band
 * envelope in the bucket; the mean is null inside a gap.
 */
function decimateSmoothed(track: GlucoseTrack, fromMs: number, toMs: number, bucketMs: number): { tMs: number[] } & BandArrays {
  const out = { tMs: [] as number[], mean: [] as Num[], lower80: [] as Num[], upper80: [] as Num[], lower95: [] as Num[], upper95: [] as Num[] };
  let bucket = -1;
  let kind = -1;
  let lo = -1;
  let hi = -1;
  let minLog80 = Infinity;
  let maxLog80 = -Infinity;
  let minLog95 = Infinity;
  let maxLog95 = -Infinity;
  const { tMs, logMean, logSd, real } = track;
  const push = (i: number): void => {
    out.tMs.push(tMs[i]!);
    out.mean.push(real[i] === 1 ? tenth(Math.exp(logMean[i]!)) : null);
    out.lower80.push(tenth(Math.exp(minLog80)));
    out.upper80.push(tenth(Math.exp(maxLog80)));
    out.lower95.push(tenth(Math.exp(minLog95)));
    out.upper95.push(tenth(Math.exp(maxLog95)));
  };
  const flush = (): void => {
    if (lo < 0) return;
    const first = Math.min(lo, hi);
    const second = Math.max(lo, hi);
    push(first);
    if (second !== first) push(second);
    lo = -1;
    hi = -1;
    minLog80 = Infinity;
    maxLog80 = -Infinity;
    minLog95 = Infinity;
    maxLog95 = -Infinity;
  };
  // Inside a gap the "primary" value is the band's width (its widest point is kept), else the mean.
  const primary = (i: number): number => (real[i] === 1 ? logMean[i]! : logSd[i]!);
  const start = lowerBound(tMs, fromMs);
  for (let i = start; i < tMs.length; i++) {
    const t = tMs[i]!;
    if (t > toMs) break;
    const b = bucketMs > 0 ? Math.floor((t - fromMs) / bucketMs) : i;
    const k = real[i]!;
    if (b !== bucket || k !== kind) flush();
    bucket = b;
    kind = k;
    const mean = logMean[i]!;
    const sd = logSd[i]!;
    minLog80 = Math.min(minLog80, mean - Z_80 * sd);
    maxLog80 = Math.max(maxLog80, mean + Z_80 * sd);
    minLog95 = Math.min(minLog95, mean - Z_95 * sd);
    maxLog95 = Math.max(maxLog95, mean + Z_95 * sd);
    if (lo < 0) {
      lo = i;
      hi = i;
    } else {
      const p = primary(i);
      if (k === 1 && p < primary(lo)) lo = i;
      if (p > primary(hi)) hi = i;
      if (k === 0) lo = hi;
    }
  }
  flush();
  return out;
}

function bandArrays(rows: readonly { mean: number; sd: number }[]): BandArrays {
  return {
    mean: rows.map((r) => hundredth(r.mean)),
    lower80: rows.map((r) => hundredth(r.mean - Z_80 * r.sd)),
    upper80: rows.map((r) => hundredth(r.mean + Z_80 * r.sd)),
    lower95: rows.map((r) => hundredth(r.mean - Z_95 * r.sd)),
    upper95: rows.map((r) => hundredth(r.mean + Z_95 * r.sd)),
  };
}

interface BandLike {
  readonly mean: number | null;
  readonly lower80: number | null;
  readonly upper80: number | null;
  readonly lower95: number | null;
  readonly upper95: number | null;
}
function storedBands(rows: readonly BandLike[]): BandArrays {
  const f = (x: number | null): Num => (x === null ? null : finite(x));
  return {
    mean: rows.map((r) => f(r.mean)),
    lower80: rows.map((r) => f(r.lower80)),
    upper80: rows.map((r) => f(r.upper80)),
    lower95: rows.map((r) => f(r.lower95)),
    upper95: rows.map((r) => f(r.upper95)),
  };
}

const noonOf = (day: number): number => day * MS_PER_DAY + MS_PER_DAY / 2;

export interface HfHistory {
  readonly firstDay: number;
  readonly lastDay: number;
  readonly observedWeightTMs: number[];
  readonly observedWeightKg: number[];
  readonly model: NonNullable<NonNullable<TwinSeriesOut['hf']>['model']> | null;
}

/** The heart-failure twin's daily history (the filtered posterior per day), from the pipeline's inputs. */
export function heartFailureHistory(inputs: TwinInputs, withModel: boolean): HfHistory | null {
  const readings: StreamReadings[] = [];
  let firstMs = Number.POSITIVE_INFINITY;
  let lastMs = Number.NEGATIVE_INFINITY;
  for (const code of Object.values(HF_STREAMS)) {
    const series = inputs.series[code];
    if (series === undefined || series.tMs.length === 0) continue;
    readings.push({ stream: code, tMs: series.tMs, values: series.values });
    firstMs = Math.min(firstMs, series.tMs[0]!);
    lastMs = Math.max(lastMs, series.tMs[series.tMs.length - 1]!);
  }
  if (readings.length === 0) return null;
  const firstDay = Math.floor(firstMs / MS_PER_DAY);
  const lastDay = Math.floor(lastMs / MS_PER_DAY);
  const weight = inputs.series[HF_STREAMS.weight];
  const history: HfHistory = {
    firstDay,
    lastDay,
    observedWeightTMs: weight ? Array.from(weight.tMs) : [],
    observedWeightKg: weight ? Array.from(weight.values) : [],
    model: null,
  };
  if (!withModel) return history;
  const series = buildHeartFailureSeries({ firstDay, dayCount: lastDay - firstDay + 1, readings, medications: inputs.medications });
  const twin = runHeartFailureTwin(series);
  return {
    ...history,
    model: {
      tMs: twin.days.map((d) => noonOf(d.day)),
      dryWeightKg: bandArrays(twin.days.map((d) => d.dryWeightKg)),
      fluidExcessKg: bandArrays(twin.days.map((d) => d.fluidExcessKg)),
      modelWeightKg: twin.days.map((d) => hundredth(d.dryWeightKg.mean + d.fluidExcessKg.mean)),
      modelVersion: twin.modelVersion,
    },
  };
}

export interface TwinViewCache {
  readonly key: string;
  readonly glucose: GlucoseTrack | null;
  readonly hf: HfHistory | null;
}

/** What the view computes once per stored twin (or per data read when none is stored). */
export function computeTwinViewCache(key: string, inputs: TwinInputs, stored: StoredTwin | undefined): TwinViewCache {
  const cgm = inputs.series[STREAM.cgm];
  const glucose = cgm !== undefined && cgm.tMs.length > 0 ? glucoseTrack(cgm, stored?.glucose?.fit.parameters ?? null) : null;
  const hf = inputs.conditions.includes('hf') ? heartFailureHistory(inputs, (stored?.hf ?? null) !== null) : null;
  return { key, glucose, hf };
}

/** The window's series from the cached model output; `visible` are the classes the caller may read. */
export function twinSeriesView(
  patientId: string,
  cache: TwinViewCache,
  stored: StoredTwin | undefined,
  visible: ReadonlySet<DataClass>,
  request: TwinSeriesRequest,
): TwinSeriesOut {
  const glucoseTrackData = visible.has('cgm') ? cache.glucose : null;
  const hfData = visible.has('vitals') ? cache.hf : null;
  let dataFrom = Number.POSITIVE_INFINITY;
  let dataTo = Number.NEGATIVE_INFINITY;
  if (glucoseTrackData && glucoseTrackData.tMs.length > 0) {
    dataFrom = Math.min(dataFrom, glucoseTrackData.tMs[0]!);
    dataTo = Math.max(dataTo, glucoseTrackData.tMs[glucoseTrackData.tMs.length - 1]!);
  }
  if (hfData) {
    dataFrom = Math.min(dataFrom, hfData.firstDay * MS_PER_DAY);
    dataTo = Math.max(dataTo, (hfData.lastDay + 1) * MS_PER_DAY);
  }
  if (!Number.isFinite(dataFrom)) {
    dataFrom = request.fromMs ?? 0;
    dataTo = request.toMs ?? dataFrom;
  }
  const fromMs = request.fromMs ?? dataFrom;
  const toMs = Math.max(fromMs, request.toMs ?? dataTo);
  const buckets = request.buckets ?? DEFAULT_BUCKETS;
  const bucketMs = (toMs - fromMs) / buckets;

  let glucose: TwinSeriesOut['glucose'] = null;
  let decimated = false;
  if (glucoseTrackData) {
    const g = glucoseTrackData;
    const start = lowerBound(g.tMs, fromMs);
    let inWindow = 0;
    let lastReal = Number.NaN;
    const gaps: { fromMs: number; toMs: number }[] = [];
    let firstReal = Number.NaN;
    let lastRealAll = Number.NaN;
    for (let i = 0; i < g.tMs.length; i++) {
      if (g.real[i] !== 1) continue;
      const t = g.tMs[i]!;
      if (Number.isNaN(firstReal)) firstReal = t;
      lastRealAll = t;
      if (t - lastReal > g.gapThresholdMs && t >= fromMs && lastReal <= toMs) gaps.push({ fromMs: lastReal, toMs: t });
      lastReal = t;
    }
    for (let i = start; i < g.tMs.length && g.tMs[i]! <= toMs; i++) if (g.real[i] === 1) inWindow++;
    // Few enough readings: every one is sent (two per bucket is what decimation would send anyway).
    const decimate = inWindow > 2 * buckets;
    decimated = decimate;
    const effectiveBucket = decimate ? bucketMs : 0;
    const observed = decimateObserved(g.tMs, g.observedMgDl, (i) => g.real[i] === 1, fromMs, toMs, effectiveBucket, g.gapThresholdMs);
    const model = stored?.glucose ?? null;
    glucose = {
      unit: 'mg/dL',
      readingsInWindow: inWindow,
      readings: g.readings,
      firstMs: firstReal,
      lastMs: lastRealAll,
      gapThresholdMs: g.gapThresholdMs,
      gaps: gaps.length > 500 ? [...gaps].sort((a, b) => b.toMs - b.fromMs - (a.toMs - a.fromMs)).slice(0, 500).sort((a, b) => a.fromMs - b.fromMs) : gaps,
      observed: { tMs: observed.tMs, mgDl: observed.values },
      smoothed:
        model !== null && g.logMean.length > 0
          ? { ...decimateSmoothed(g, fromMs, toMs, effectiveBucket), fitThroughMs: model.fit.fitThroughMs, modelVersion: model.modelVersion }
          : null,
    };
  }

  let hf: TwinSeriesOut['hf'] = null;
  if (hfData) {
    const weightGap = 2 * MS_PER_DAY;
    const observed = decimateObserved(hfData.observedWeightTMs, hfData.observedWeightKg, () => true, fromMs, toMs, 0, weightGap);
    const projection = stored?.hf?.projection;
    hf = {
      firstDay: hfData.firstDay,
      lastDay: hfData.lastDay,
      observedWeightKg: { tMs: observed.tMs, kg: observed.values },
      model: hfData.model,
      projection: projection
        ? {
            tMs: projection.days.map((d) => noonOf(d.day)),
            weightKg: storedBands(projection.days.map((d) => d.weightKg)),
            fluidExcessKg: storedBands(projection.days.map((d) => d.fluidExcessKg)),
            loopDiureticMgPerDay: projection.loopDiureticMgPerDay,
          }
        : null,
    };
  }

  return { patientId, computedMs: stored?.computedMs ?? null, window: { fromMs, toMs, bucketMs, decimated }, glucose, hf };
}

/** What `twin.series` needs of the store (a subset of the pipeline's). */
export type TwinViewStore = Parameters<typeof readTwinInputs>[0];

/**
 * `twin.series` for the services: the model output is computed once per stored twin (keyed by the patient
 * and the twin's computedMs, a few patients kept) and cut to the requested window per call.
 */
export class TwinSeriesSource {
  private readonly cache = new Map<string, TwinViewCache>();

  constructor(private readonly keep = 6) {}

  series(store: TwinViewStore, patientId: string, stored: StoredTwin | undefined, visible: ReadonlySet<DataClass>, request: TwinSeriesRequest): TwinSeriesOut {
    const key = stored === undefined ? null : `${patientId}:${stored.computedMs}`;
    let cache = key === null ? undefined : this.cache.get(key);
    if (cache === undefined) {
      const inputs = readTwinInputs(store, patientId) ?? readObservedInputs(store, patientId);
      cache = computeTwinViewCache(key ?? `${patientId}:none`, inputs, stored);
      if (key !== null) {
        for (const k of this.cache.keys()) if (k.startsWith(`${patientId}:`)) this.cache.delete(k);
        this.cache.set(key, cache);
        while (this.cache.size > this.keep) this.cache.delete(this.cache.keys().next().value!);
      }
    } else {
      // Most recently used last.
      this.cache.delete(key!);
      this.cache.set(key!, cache);
    }
    return twinSeriesView(patientId, cache, stored, visible, request);
  }
}

/** Without derived data (consent) there is no twin: the observed series only. */
function readObservedInputs(store: TwinViewStore, patientId: string): TwinInputs {
  const patient = store.getPatient(patientId);
  const series: Record<string, SeriesInput> = {};
  for (const stream of [STREAM.cgm, HF_STREAMS.weight]) {
    const dataClass = STREAMS.get(stream)!.dataClass;
    if (!store.classInUse(patientId, dataClass)) continue;
    const read = store.readSeries(patientId, stream);
    if (read.tMs.length > 0) series[stream] = { tMs: read.tMs, values: read.values };
  }
  return { conditions: [...(patient?.profile.conditions ?? [])], zone: patient?.profile.zone ?? null, series, medications: [] };
}
