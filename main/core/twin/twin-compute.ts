/**
 * One patient's living twin from plain inputs (what ./pipeline.ts reads from the store): the fast glucose
 * layer's state and 30/60-min forecasts, the daily glucose layer's projections (mean glucose, GMI, time in
 * range, time below 70/54, HbA1c with 80/95 % bands), the heart-failure twin, alert candidates with their
 * reasons and data used, and the provenance of it all. Pure (no store, no clock but `nowMs`), so it runs on
 * the main thread for one patient and in ./living-twin-worker.ts for a panel.
 *
 * Determinism (what makes a late sample land exactly as if it had come in order): the twin is a function of
 * the stored data and of the glucose hyperparameter fit in force, which is itself a function of the data
 * before its `fitThroughMs` and of its stored warm start. See `updateGlucose`.
 */
import { MS_PER_DAY, utcDay } from '../../../shared/domain/sample.js';
import { STREAM } from '../../../shared/domain/streams.js';
import type { AlertCandidate } from '../../../shared/domain/alerts.js';
import type { Medication } from '../../../shared/domain/patient.js';
import { ZoneClock } from '../../../shared/align/zone-clock.js';
import type { FastLayerParameters } from '../../../shared/model/glucose/fast-layer.js';
import { type PatientRefit, refitPatientTwin } from '../../../shared/model/glucose/patient-refit.js';
import { ensureFastLayerTrack, type FastLayerTrack } from '../../../shared/model/glucose/fast-layer-smoother.js';
import { aggregateCgmDaily } from '../../../shared/model/glucose-daily/aggregate.js';
import { GLUCOSE_DAILY_MODEL_VERSION, projectDailyGlucose } from '../../../shared/model/glucose-daily/project.js';
import type { DailyGlucoseInput, DoseHistory, PatientHyperparameters, ProjectionProvenance, WindowProjection, Band } from '../../../shared/model/glucose-daily/types.js';
import { buildHeartFailureSeries, HF_STREAMS, type StreamReadings } from '../../../shared/model/heart-failure/series.js';
import { HF_MODEL_VERSION, runHeartFailureTwin, type HeartFailureFitRecord, type HeartFailureStreamProvenance } from '../../../shared/model/heart-failure/twin.js';
import type { HeartFailureProjection } from '../../../shared/model/heart-failure/projection.js';
import type { HeartFailureAlert, PosteriorSummary } from '../../../shared/model/heart-failure/alerts.js';
import {
  filterGlucoseForward,
  forecastFromState,
  type GlucoseFilterState,
  glucoseStateFromRefit,
  type GlucoseForecastSummary,
  initialGlucoseState,
  type StoredBand,
  scaleMixture,
  storedBand,
} from './glucose-state.js';

/** -2: band EM accelerated and run to convergence; -3: the window MAP by BFGS instead of Nelder–Mead. */
export const GLUCOSE_FAST_MODEL_VERSION = 'glucose-fast-3';
export const LIVING_TWIN_VERSION = 'living-twin-1';
export const TWIN_RECORD = 'derived.twin';
const MINUTE_MS = 60_000;
/** A CGM silence this long is a gap in the provenance (a sensor change or a failed upload). */
const CGM_GAP_MS = 2 * 3_600_000;
/** For daily-or-rarer streams. */
const DAILY_GAP_MS = 2 * MS_PER_DAY;
/** "Predicted low within the hour" is only said from a reading at most this old. */
const LOW_FORECAST_MAX_AGE_MS = 60 * MINUTE_MS;

export interface SeriesInput {
  readonly tMs: Float64Array;
  readonly values: Float64Array;
}

/** What the pipeline reads for one patient; a class the patient's consent does not permit is absent. */
export interface TwinInputs {
  readonly conditions: readonly string[];
  readonly zone: string | null;
  /** Series by stream code (only those the twin reads; sorted by time, as the store returns them). */
  readonly series: Readonly<Record<string, SeriesInput>>;
  readonly medications: readonly Medication[];
}

/** The glucose hyperparameters in force: fitted on readings before `fitThroughMs`. */
export interface GlucoseFit {
  readonly parameters: FastLayerParameters;
  /** per horizon: the band shown (with its estimation uncertainty) and the band as fitted (the next warm start) */
  readonly bands: readonly { readonly horizonMin: number; readonly band: StoredBand; readonly fittedBand: StoredBand }[];
  readonly fitThroughMs: number;
  /** readings before fitThroughMs when fitted: a different count later means late data inside the fit */
  readonly fitReadingCount: number;
  /** what the fit started from, so that it can be re-run on the same data */
  readonly warmStart: { readonly parameters: FastLayerParameters; readonly fittedBands: readonly StoredBand[] } | null;
}

export interface GlucoseTwin {
  readonly modelVersion: string;
  readonly fit: GlucoseFit;
  readonly state: GlucoseFilterState;
  readonly forecasts: readonly GlucoseForecastSummary[];
  readonly lastReadingMs: number;
  /** how the last update got its state */
  readonly update: 'full-filter' | 'filter-forward' | 'refit';
}

export interface DailyTwin {
  readonly modelVersion: string;
  readonly originDay: number;
  readonly hyperparameters: PatientHyperparameters;
  readonly fitMethod: string;
  readonly windows: readonly WindowProjection[];
  readonly current: { readonly levelMgDl: Band; readonly hba1cPct: Band };
  /** daily mean glucose and time in range over the horizon (day after the origin first) */
  readonly daily: { readonly days: readonly number[]; readonly meanGlucoseMgDl: readonly BandRow[]; readonly timeInRange: readonly BandRow[] };
  readonly provenance: ProjectionProvenance;
}
type BandRow = [mean: number, lower80: number, upper80: number, lower95: number, upper95: number];

export interface HfTwin {
  readonly modelVersion: string;
  readonly firstDay: number;
  readonly lastDay: number;
  readonly alertActive: boolean;
  readonly fluidExcessKg: PosteriorSummary;
  readonly fluidRateKgPerDay: PosteriorSummary;
  readonly parametersFittedThroughDay: number | null;
  /** every alert the twin raised over the series (entries into the alert state) */
  readonly alertHistory: readonly { readonly firedOnDay: number; readonly kind: string; readonly probability: number | null }[];
  readonly latestAlert: HeartFailureAlert | null;
  readonly projection: HeartFailureProjection;
  readonly streams: readonly HeartFailureStreamProvenance[];
  /** the per-patient parameter fits with their data fingerprints: reused by the next run where the data is unchanged */
  readonly fits?: readonly HeartFailureFitRecord[];
}

export interface StreamProvenance {
  readonly stream: string;
  readonly count: number;
  readonly firstMs: number | null;
  readonly lastMs: number | null;
  /** silences longer than `gapThresholdMs` between consecutive samples */
  readonly gaps: number;
  readonly longestGapMs: number;
  readonly gapThresholdMs: number;
}

export interface StoredTwin {
  readonly version: 1;
  readonly modelVersion: string;
  readonly computedMs: number;
  readonly glucose: GlucoseTwin | null;
  readonly daily: DailyTwin | null;
  readonly hf: HfTwin | null;
  readonly provenance: {
    /** data used, per stream read */
    readonly streams: readonly StreamProvenance[];
    readonly modelVersions: Readonly<Record<string, string>>;
    readonly medications: number;
  };
}

export interface ComputeOptions {
  readonly nowMs: number;
  /** 'full': refit glucose and daily hyperparameters (warm from the previous); 'incremental': keep them */
  readonly mode: 'full' | 'incremental';
  /** a glucose refit done elsewhere (the panel refit's worker pool) on all readings */
  readonly givenRefit?: PatientRefit;
  /** refresh the glucose hyperparameters when the newest reading is this many UTC days past the fit (default 1) */
  readonly refreshDays?: number;
  /**
   * sampled paths behind the daily layer's time-in-range bands (default 500: Monte Carlo error of a 95 % band
   * edge about 1 pp of TIR, against 0.5 pp at the model's default 2,000, for a quarter of its cost)
   */
  readonly dailySamplePaths?: number;
}

export const DEFAULT_DAILY_SAMPLE_PATHS = 500;

export const TWIN_CGM_STREAM = STREAM.cgm;
/** Streams the twin reads. */
export const TWIN_STREAMS: readonly string[] = [STREAM.cgm, STREAM.hba1c, ...Object.values(HF_STREAMS)];

export function hasDiabetes(conditions: readonly string[]): 't1d' | 't2d' | null {
  return conditions.includes('t1d') ? 't1d' : conditions.includes('t2d') ? 't2d' : null;
}

export function computeTwin(inputs: TwinInputs, previous: StoredTwin | undefined, options: ComputeOptions): StoredTwin {
  const cgm = inputs.series[STREAM.cgm];
  const glucose = cgm !== undefined && cgm.tMs.length > 0 ? updateGlucose(cgm, previous?.glucose ?? null, options) : null;
  const diabetesType = hasDiabetes(inputs.conditions);
  const daily = diabetesType !== null ? dailyTwin(inputs, diabetesType, previous?.daily ?? null, options) : null;
  const hf = inputs.conditions.includes('hf') ? hfTwin(inputs, previous?.hf ?? null) : null;
  const streams: StreamProvenance[] = [];
  for (const [stream, series] of Object.entries(inputs.series)) {
    if (series.tMs.length > 0) streams.push(streamProvenance(stream, series));
  }
  streams.sort((a, b) => (a.stream < b.stream ? -1 : a.stream > b.stream ? 1 : 0));
  const modelVersions: Record<string, string> = {};
  if (glucose) modelVersions.glucoseFast = GLUCOSE_FAST_MODEL_VERSION;
  if (daily) modelVersions.glucoseDaily = GLUCOSE_DAILY_MODEL_VERSION;
  if (hf) modelVersions.heartFailure = HF_MODEL_VERSION;
  return {
    version: 1,
    modelVersion: LIVING_TWIN_VERSION,
    computedMs: options.nowMs,
    glucose,
    daily,
    hf,
    provenance: { streams, modelVersions, medications: inputs.medications.length },
  };
}

function lowerBound(values: Float64Array, x: number): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (values[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function toMinutes(tMs: Float64Array, count: number): Float64Array {
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) out[i] = tMs[i]! / MINUTE_MS;
  return out;
}

/**
 * The refit's scratch (filter and smoother storage for a series), kept from patient to patient on this
 * thread as the refit workers keep theirs: a refit's result holds none of it.
 */
let refitTrack: FastLayerTrack | null = null;

/** A fit, and the filter's state after the readings it was fitted on (at its parameters). */
interface FittedGlucose {
  readonly fit: GlucoseFit;
  readonly state: GlucoseFilterState;
}

/**
 * The fast layer's hyperparameters and bands, fitted on readings before `throughMs` (refitPatientTwin, without
 * its smoother: the twin keeps the filter's state, not the smoothed signal).
 */
function fitGlucose(cgm: SeriesInput, throughMs: number, warmStart: GlucoseFit['warmStart']): FittedGlucose {
  const count = lowerBound(cgm.tMs, throughMs);
  refitTrack = ensureFastLayerTrack(refitTrack, count);
  const refit = refitPatientTwin(
    { timeMin: toMinutes(cgm.tMs, count), glucoseMgDl: cgm.values.slice(0, count) },
    warmStart === null ? { smooth: false } : { previous: warmStart.parameters, previousBands: warmStart.fittedBands.map(scaleMixture), smooth: false },
    refitTrack,
  );
  return { fit: fitFromRefit(refit, throughMs, count, warmStart), state: glucoseStateFromRefit(refit) };
}

export function fitFromRefit(refit: PatientRefit, throughMs: number, count: number, warmStart: GlucoseFit['warmStart']): GlucoseFit {
  return {
    parameters: refit.parameters,
    bands: refit.forecasts.map((f) => ({ horizonMin: f.horizonMin, band: storedBand(f.band), fittedBand: storedBand(f.fittedBand) })),
    fitThroughMs: throughMs,
    fitReadingCount: count,
    warmStart,
  };
}

function warmStartOf(fit: GlucoseFit): NonNullable<GlucoseFit['warmStart']> {
  return { parameters: fit.parameters, fittedBands: fit.bands.map((b) => b.fittedBand) };
}

/**
 * The fast layer after new readings:
 * - full mode: a refit on every reading (given by the panel refit, or done here), warm from the previous fit;
 * - incremental, late data inside the fit (fewer or more readings before fitThroughMs than it was fitted on):
 *   the same fit again (same window end, same warm start) on the data as it is now;
 * - incremental, the newest reading `refreshDays` UTC days past the fit: a refresh on the readings before the
 *   newest reading's UTC day, cold from the population medians (hyperparameters change at most daily);
 * - then, with the fit unchanged and every new reading after the stored state's last, the filter runs forward
 *   from the stored state over the new readings only; otherwise it runs over all readings from the prior.
 * Each path gives the state a filter over all readings in time order would give with that fit.
 */
function updateGlucose(cgm: SeriesInput, previous: GlucoseTwin | null, options: ComputeOptions): GlucoseTwin {
  const n = cgm.tMs.length;
  const lastMs = cgm.tMs[n - 1]!;
  let fit: GlucoseFit;
  let update: GlucoseTwin['update'] = 'full-filter';
  // The filter's state after the refit's readings (its first `readings`), when there was a refit.
  let refitState: GlucoseFilterState | null = null;
  const refit = (throughMs: number, warmStart: GlucoseFit['warmStart']): GlucoseFit => {
    const fitted = fitGlucose(cgm, throughMs, warmStart);
    refitState = fitted.state;
    update = 'refit';
    return fitted.fit;
  };
  if (options.mode === 'full' || previous === null) {
    const warm = previous === null ? null : warmStartOf(previous.fit);
    if (options.givenRefit !== undefined) {
      fit = fitFromRefit(options.givenRefit, lastMs + 1, n, warm);
      refitState = glucoseStateFromRefit(options.givenRefit);
      update = 'refit';
    } else {
      fit = refit(lastMs + 1, warm);
    }
  } else {
    fit = previous.fit;
    if (lowerBound(cgm.tMs, fit.fitThroughMs) !== fit.fitReadingCount) fit = refit(fit.fitThroughMs, fit.warmStart);
    const refreshDays = options.refreshDays ?? 1;
    const newestDayStartMs = utcDay(lastMs) * MS_PER_DAY;
    if (utcDay(lastMs) - utcDay(fit.fitThroughMs - 1) >= refreshDays && newestDayStartMs > fit.fitThroughMs && lowerBound(cgm.tMs, newestDayStartMs) > 0) {
      // Cold (from the population medians): a function of the data before the new day alone, so that a late
      // sample inside it re-runs it to the very fit an in-order arrival would have produced.
      fit = refit(newestDayStartMs, null);
    }
  }
  const timeMin = toMinutes(cgm.tMs, n);
  let state: GlucoseFilterState;
  const stored = previous?.state;
  const appendOnly =
    update !== 'refit' &&
    stored !== undefined &&
    stored.lastMin !== null &&
    stored.readings <= n &&
    (stored.readings === 0 || timeMin[stored.readings - 1] === stored.lastMin) &&
    (stored.readings === n || timeMin[stored.readings]! > stored.lastMin);
  if (appendOnly) {
    state = filterGlucoseForward(stored, fit.parameters, timeMin, cgm.values, stored.readings, n);
    update = 'filter-forward';
  } else if (refitState !== null) {
    // The refit filtered its readings at these parameters already: the same state as refiltering them (bit
    // for bit, see ./glucose-state.ts), so only the readings after them are filtered here.
    const from: GlucoseFilterState = refitState;
    state = from.readings === n ? from : filterGlucoseForward(from, fit.parameters, timeMin, cgm.values, from.readings, n);
  } else {
    state = filterGlucoseForward(initialGlucoseState(fit.parameters), fit.parameters, timeMin, cgm.values);
  }
  return {
    modelVersion: GLUCOSE_FAST_MODEL_VERSION,
    fit,
    state,
    forecasts: forecastFromState(state, fit.parameters, fit.bands),
    lastReadingMs: lastMs,
    update,
  };
}

function bandRows(series: { mean: Float64Array; lower80: Float64Array; upper80: Float64Array; lower95: Float64Array; upper95: Float64Array }): BandRow[] {
  return Array.from(series.mean, (mean, i) => [mean, series.lower80[i]!, series.upper80[i]!, series.lower95[i]!, series.upper95[i]!]);
}

/** ZoneClocks by zone, shared by every patient a thread computes: an offset is a function of zone and instant. */
const zoneClocks = new Map<string, ZoneClock>();

/**
 * The zone's offset (local - UTC, ms) at a UTC instant, as ZoneClock.offsetAt gives it, for a run of mostly
 * increasing instants (a CGM series: some 26,000 per 90 days). ZoneClock formats one instant per quarter hour
 * (Intl.DateTimeFormat.formatToParts, about 4 µs each: the 8,640 of 90 days were most of the daily layer's
 * time per patient); here a UTC day whose first and last quarter hours have the same offset is taken as one span of that
 * offset, which holds as long as no zone changes its offset twice within a day (ZoneClock's own transition
 * probe assumes the same). A day with a change is looked up per quarter hour, as before.
 */
function zoneOffsets(zone: string): (tMs: number) => number {
  let clock = zoneClocks.get(zone);
  if (clock === undefined) {
    if (zoneClocks.size >= 64) zoneClocks.clear();
    clock = new ZoneClock(zone);
    zoneClocks.set(zone, clock);
  }
  const zoneClock = clock;
  let spanStart = Number.NaN;
  let spanEnd = Number.NaN;
  let spanOffset = 0;
  return (tMs: number): number => {
    if (tMs >= spanStart && tMs < spanEnd) return spanOffset;
    const start = Math.floor(tMs / MS_PER_DAY) * MS_PER_DAY;
    const first = zoneClock.offsetAt(start);
    if (zoneClock.offsetAt(start + MS_PER_DAY - 1) !== first) return zoneClock.offsetAt(tMs);
    spanStart = start;
    spanEnd = start + MS_PER_DAY;
    spanOffset = first;
    return first;
  };
}

function dailyTwin(inputs: TwinInputs, diabetesType: 't1d' | 't2d', previous: DailyTwin | null, options: ComputeOptions): DailyTwin | null {
  const cgm = inputs.series[STREAM.cgm];
  const hba1c = inputs.series[STREAM.hba1c];
  const hasCgm = cgm !== undefined && cgm.tMs.length > 0;
  const hasHba1c = hba1c !== undefined && hba1c.tMs.length > 0;
  if (!hasCgm && !hasHba1c) return null;
  const offsetAt = inputs.zone !== null ? zoneOffsets(inputs.zone) : null;
  const localDay = (tMs: number): number => (offsetAt === null ? utcDay(tMs) : Math.floor((tMs + offsetAt(tMs)) / MS_PER_DAY));
  const summary = aggregateCgmDaily(cgm?.tMs ?? new Float64Array(0), cgm?.values ?? new Float64Array(0), {
    zoneOffsetMs: (tMs) => (offsetAt === null ? 0 : offsetAt(tMs)),
    ...(hasCgm ? {} : { firstDay: localDay(hba1c!.tMs[0]!), lastDay: localDay(hba1c!.tMs[hba1c!.tMs.length - 1]!) }),
  });
  const doses: DoseHistory[] = inputs.medications.map((m) => ({
    drug: m.name,
    unit: m.unit,
    steps: [...m.doses].sort((a, b) => a.startMs - b.startMs).map((d) => ({ day: localDay(d.startMs), dose: d.dose })),
  }));
  const input: DailyGlucoseInput = {
    days: summary.days,
    meanMgDl: summary.meanMgDl,
    sdLogMgDl: summary.sdLogMgDl,
    wearFraction: summary.wearFraction,
    residualQuantilesLog: summary.residualQuantilesLog,
    hba1c: hasHba1c ? Array.from(hba1c!.tMs, (tMs, i) => ({ day: localDay(tMs), percent: hba1c!.values[i]! })) : [],
    doses,
    diabetesType,
  };
  const keep = options.mode === 'incremental' && previous !== null;
  const samplePaths = options.dailySamplePaths ?? DEFAULT_DAILY_SAMPLE_PATHS;
  const projection = projectDailyGlucose(
    input,
    keep ? { hyperparameters: previous.hyperparameters, samplePaths } : previous !== null ? { warmStart: previous.hyperparameters, samplePaths } : { samplePaths },
  );
  return {
    modelVersion: projection.modelVersion,
    originDay: projection.originDay,
    hyperparameters: projection.hyperparameters,
    fitMethod: keep ? 'kept' : projection.fit.method,
    windows: projection.windows,
    current: { levelMgDl: projection.current.levelMgDl, hba1cPct: projection.current.hba1cPct },
    daily: {
      days: Array.from(projection.days),
      meanGlucoseMgDl: bandRows(projection.meanGlucoseMgDl),
      timeInRange: bandRows(projection.timeInRange),
    },
    provenance: projection.provenance,
  };
}

function hfTwin(inputs: TwinInputs, previous: HfTwin | null): HfTwin | null {
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
  const firstDay = utcDay(firstMs);
  const lastDay = utcDay(lastMs);
  const series = buildHeartFailureSeries({ firstDay, dayCount: lastDay - firstDay + 1, readings, medications: inputs.medications });
  const reuse = previous !== null && previous.firstDay === firstDay && previous.modelVersion === HF_MODEL_VERSION && previous.fits !== undefined;
  const twin = runHeartFailureTwin(series, reuse ? { previousFits: previous.fits! } : {});
  const last = twin.days[twin.days.length - 1]!;
  return {
    modelVersion: twin.modelVersion,
    firstDay,
    lastDay,
    alertActive: last.alertActive,
    fluidExcessKg: last.fluidExcessKg,
    fluidRateKgPerDay: last.fluidRateKgPerDay,
    parametersFittedThroughDay: last.parametersFittedThroughDay,
    alertHistory: twin.alerts.map((a) => ({ firedOnDay: a.firedOnDay, kind: a.kind, probability: a.probability })),
    latestAlert: twin.alerts.at(-1) ?? null,
    projection: twin.projection,
    streams: twin.provenance.streams,
    fits: twin.fitRecords,
  };
}

export function streamProvenance(stream: string, series: SeriesInput): StreamProvenance {
  const gapThresholdMs = stream === STREAM.cgm ? CGM_GAP_MS : DAILY_GAP_MS;
  let gaps = 0;
  let longest = 0;
  for (let i = 1; i < series.tMs.length; i++) {
    const gap = series.tMs[i]! - series.tMs[i - 1]!;
    if (gap > gapThresholdMs) gaps++;
    if (gap > longest) longest = gap;
  }
  const n = series.tMs.length;
  return { stream, count: n, firstMs: n > 0 ? series.tMs[0]! : null, lastMs: n > 0 ? series.tMs[n - 1]! : null, gaps, longestGapMs: longest, gapThresholdMs };
}

// ---- alert candidates -------------------------------------------------------------------------------------

function dataUsedOf(twin: StoredTwin, streams: readonly string[], modelVersion: string): AlertCandidate['dataUsed'] {
  const used = twin.provenance.streams.filter((s) => streams.includes(s.stream));
  const from = used.map((s) => s.firstMs).filter((x): x is number => x !== null);
  const to = used.map((s) => s.lastMs).filter((x): x is number => x !== null);
  return {
    fromMs: from.length > 0 ? Math.min(...from) : null,
    toMs: to.length > 0 ? Math.max(...to) : null,
    streams: used.map((s) => ({ stream: s.stream, count: s.count, firstMs: s.firstMs, lastMs: s.lastMs })),
    modelVersion,
  };
}

const pct = (x: number): string => `${(100 * x).toFixed(1)} %`;

/**
 * Diabetes alerts (consensus targets, Battelino et al. 2019) from the projection of the next 14 days: time in
 * range < 70 %, time below 70 mg/dL > 4 %, below 54 mg/dL > 1 %; and a predicted low (median < 70 mg/dL)
 * within the hour from a recent CGM reading.
 */
export function diabetesCandidates(twin: StoredTwin, nowMs: number): AlertCandidate[] {
  const out: AlertCandidate[] = [];
  const daily = twin.daily;
  const window = daily?.windows.find((w) => w.lengthDays === 14) ?? daily?.windows[0];
  if (daily && window) {
    const fromMs = (daily.originDay + 1) * MS_PER_DAY;
    const toMs = (daily.originDay + 1 + window.lengthDays) * MS_PER_DAY - 1;
    const dataUsed = dataUsedOf(twin, [STREAM.cgm, STREAM.hba1c], daily.modelVersion);
    const rules: [kind: string, band: Band, threshold: number, breached: boolean, what: string, severity: AlertCandidate['severity']][] = [
      ['projected-tir-low', window.timeInRange, 0.7, window.timeInRange.mean < 0.7, 'time in range (70-180 mg/dL)', 'warning'],
      ['projected-tbr70-high', window.timeBelow70, 0.04, window.timeBelow70.mean > 0.04, 'time below 70 mg/dL', 'warning'],
      ['projected-tbr54-high', window.timeBelow54, 0.01, window.timeBelow54.mean > 0.01, 'time below 54 mg/dL', 'urgent'],
    ];
    for (const [kind, band, threshold, breached, what, severity] of rules) {
      if (!breached) continue;
      out.push({
        kind,
        key: `${window.lengthDays}d`,
        severity,
        text:
          `Projected ${what} over the next ${window.lengthDays} days is ${pct(band.mean)} (80 % band ${pct(band.lower80)}-${pct(band.upper80)}); ` +
          `the consensus target is ${kind === 'projected-tir-low' ? 'above' : 'below'} ${pct(threshold)}.`,
        reason: {
          signals: [{ stream: STREAM.cgm, label: `projected ${what}`, value: band.mean, unit: 'fraction', threshold }],
          fromMs,
          toMs,
          days: window.lengthDays,
          detail: { band, originDay: daily.originDay, withinDayShape: daily.provenance.withinDayShape },
        },
        dataUsed,
      });
    }
  }
  const glucose = twin.glucose;
  if (glucose && nowMs - glucose.lastReadingMs <= LOW_FORECAST_MAX_AGE_MS) {
    const low = glucose.forecasts.find((f) => f.medianMgDl < 70);
    if (low) {
      out.push({
        kind: 'predicted-low',
        key: 'within-hour',
        severity: 'urgent',
        text: `Glucose is forecast at ${low.medianMgDl.toFixed(0)} mg/dL (80 % band ${low.lower80MgDl.toFixed(0)}-${low.upper80MgDl.toFixed(0)}) ${low.horizonMin} minutes after the last CGM reading; P(below 70) = ${pct(low.probabilityBelow70)}.`,
        reason: {
          signals: glucose.forecasts.map((f) => ({ stream: STREAM.cgm, label: `${f.horizonMin}-min forecast median`, value: f.medianMgDl, unit: 'mg/dL', threshold: 70 })),
          fromMs: glucose.lastReadingMs,
          toMs: low.atMs,
          days: null,
          detail: { forecasts: glucose.forecasts },
        },
        dataUsed: dataUsedOf(twin, [STREAM.cgm], glucose.modelVersion),
      });
    }
  }
  return out;
}

/** The heart-failure twin's alert while the alert state holds on the last day of data, with its reason. */
export function heartFailureCandidates(twin: StoredTwin): AlertCandidate[] {
  const hf = twin.hf;
  const a = hf?.latestAlert;
  if (!hf || !hf.alertActive || !a) return [];
  const fromMs = a.dataUsed.fromDay * MS_PER_DAY;
  const toMs = (a.dataUsed.toDay + 1) * MS_PER_DAY - 1;
  return [
    {
      kind: 'hf-congestion',
      key: 'fluid',
      severity: a.criteria.includes('fluid-excess') ? 'urgent' : 'warning',
      text: a.text,
      reason: {
        signals: a.signals.slice(0, 50).map((s) => ({ stream: s.stream, label: s.label, value: s.change, unit: s.unit, threshold: null })),
        fromMs,
        toMs,
        days: a.dataUsed.toDay - a.dataUsed.fromDay + 1,
        detail: {
          criteria: a.criteria,
          firedOnDay: a.firedOnDay,
          probability: a.probability,
          cusumStatistic: a.cusumStatistic,
          fluidExcessKg: a.fluidExcessKg,
          fluidRateKgPerDay: a.fluidRateKgPerDay,
          unchanged: a.unchanged,
        },
      },
      dataUsed: {
        fromMs,
        toMs,
        streams: a.dataUsed.streams.map((s) => ({
          stream: s.stream,
          count: s.readingDays,
          firstMs: null,
          lastMs: s.lastDay === null ? null : s.lastDay * MS_PER_DAY,
        })),
        modelVersion: a.dataUsed.modelVersion,
      },
    },
  ];
}
