/**
 * The panel refit (issue 3 part 8; issue 5's panel refit): a synthetic panel of 1,000 patients x 90 days
 * of 5-min CGM drawn from the fast layer itself (each patient with their own hyperparameters, readings
 * missing at random and in dropouts, values beyond the sensor's 40–400 mg/dL censored), then
 * - filter + smoother at fixed hyperparameters over every reading, on this thread and on the worker pool
 *   (fastest of 3 runs each);
 * - the full refit (hyperparameters, filter + smoother, forecasts with recalibrated bands) on the pool,
 *   cold (from the population priors) and warm (from the previous refit);
 * - what the refit's shortcut costs in forecast quality on Broll (./refit-quality.ts).
 * The series live in SharedArrayBuffers, so every run reads the same memory without copying it.
 */
import os from 'node:os';
import path from 'node:path';
import { loadSubjects } from '../../main/cli/commands/twin.js';
import { defaultRefitPoolSize, type PanelPatient, TwinRefitPool } from '../../main/core/twin/refit-pool.js';
import { discretiseDampedCgm } from '../../shared/model/discretise.js';
import { createFastLayerTrack } from '../../shared/model/glucose/fast-layer-smoother.js';
import {
  Censoring,
  type FastLayerParameters,
  fastLayerRates,
  LEVEL_PRIOR_MEAN,
  stationaryDeviationCovariance,
} from '../../shared/model/glucose/fast-layer.js';
import { POPULATION_PRIORS } from '../../shared/model/glucose/hyperparameters.js';
import { filterSmoothPatient, type PatientCgmSeries, type PatientRefit, warmUpPatientRefit } from '../../shared/model/glucose/patient-refit.js';
import { compareRefitQuality } from './refit-quality.js';
import { median } from './stats.js';

const POINTS_PER_DAY = 288;
const STEP_MIN = 5;
const CGM_MIN_MG_DL = 40;
const CGM_MAX_MG_DL = 400;
const BROLL = path.resolve('../shared/data/cgm/broll-5-subjects.csv');

interface SyntheticPatient {
  readonly series: PatientCgmSeries;
  readonly truth: FastLayerParameters;
}

/** Mulberry32, so that every run measures the same panel. */
function seededUniform(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let x = state;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * One patient: parameters drawn around the population medians (half the prior's log-SD, a slower level
 * drift so that 90 days stay within the sensor's range mostly), the exact 5-min discretisation of the fast
 * layer, Student-t(4) sensor noise, 3 % of readings missing at random and 1–4 h dropouts about every 2 days.
 */
export function syntheticPatient(index: number, days: number): SyntheticPatient {
  const uniform = seededUniform(0x5eed + 7919 * index);
  const normal = normalPairs(uniform);
  const around = (median: number, logSd: number): number => median * Math.exp(0.5 * logSd * normal());
  const p = POPULATION_PRIORS;
  const truth: FastLayerParameters = {
    deviationTimeConstantMin: around(p.deviationTimeConstantMin.median, p.deviationTimeConstantMin.logSd),
    rateTimeConstantMin: around(p.rateTimeConstantMin.median, p.rateTimeConstantMin.logSd),
    rateDrivenDeviationSd: around(p.rateDrivenDeviationSd.median, p.rateDrivenDeviationSd.logSd),
    directDeviationSd: around(p.directDeviationSd.median, p.directDeviationSd.logSd),
    levelDriftSdPerDay: around(0.03, 0.3),
    sensorNoiseScale: around(p.sensorNoiseScale.median, p.sensorNoiseScale.logSd),
    insertionNoiseFactor: 1 + around(p.insertionNoiseExcess.median, p.insertionNoiseExcess.logSd),
  };
  const n = days * POINTS_PER_DAY;
  const step = discretiseDampedCgm(STEP_MIN, fastLayerRates(truth));
  const [varD, covDS, varS] = stationaryDeviationCovariance(truth);
  const rateSd = Math.sqrt(step.rateVariance);
  const deviationOnRate = step.deviationRateCovariance / step.rateVariance;
  const deviationSd = Math.sqrt(Math.max(0, step.deviationVariance - step.deviationRateCovariance ** 2 / step.rateVariance));
  const levelSd = Math.sqrt(step.levelVariance);
  const keep = new Uint8Array(n).fill(1);
  for (let t = 0; t < n; t++) if (uniform() < 0.03) keep[t] = 0;
  for (let start = Math.floor(uniform() * 2 * POINTS_PER_DAY); start < n; start += Math.floor((1 + 2 * uniform()) * POINTS_PER_DAY)) {
    const length = 12 + Math.floor(uniform() * 36);
    keep.fill(0, start, Math.min(n, start + length));
  }
  let count = 0;
  for (let t = 0; t < n; t++) count += keep[t]!;
  const timeMin = new Float64Array(new SharedArrayBuffer(8 * count));
  const glucoseMgDl = new Float64Array(new SharedArrayBuffer(8 * count));
  const censoring = new Uint8Array(new SharedArrayBuffer(count));
  let level = LEVEL_PRIOR_MEAN + 0.2 * normal();
  let rate = Math.sqrt(varS) * normal();
  let deviation = (covDS / varS) * rate + Math.sqrt(Math.max(0, varD - (covDS * covDS) / varS)) * normal();
  for (let t = 0, k = 0; t < n; t++) {
    if (t > 0) {
      const rateNoise = rateSd * normal();
      level += levelSd * normal();
      deviation = step.deviationDecay * deviation + step.rateToDeviation * rate + deviationOnRate * rateNoise + deviationSd * normal();
      rate = step.rateDecay * rate + rateNoise;
    }
    if (keep[t] === 0) continue;
    // Student-t(4): a normal over √(χ²₄/4), χ²₄ = −2 ln(U₁U₂).
    const chiSquare = -2 * Math.log((1 - uniform()) * (1 - uniform()));
    const glucose = Math.exp(level + deviation + truth.sensorNoiseScale * normal() * Math.sqrt(4 / chiSquare));
    timeMin[k] = t * STEP_MIN;
    glucoseMgDl[k] = Math.min(CGM_MAX_MG_DL, Math.max(CGM_MIN_MG_DL, glucose));
    censoring[k] = glucose < CGM_MIN_MG_DL ? Censoring.Low : glucose > CGM_MAX_MG_DL ? Censoring.High : Censoring.None;
    k++;
  }
  return { series: { timeMin, glucoseMgDl, censoring }, truth };
}

/** Standard normals by Box–Muller, both values of each pair used. */
function normalPairs(uniform: () => number): () => number {
  let spare = Number.NaN;
  return () => {
    if (spare === spare) {
      const value = spare;
      spare = Number.NaN;
      return value;
    }
    const radius = Math.sqrt(-2 * Math.log(1 - uniform()));
    const angle = 2 * Math.PI * uniform();
    spare = radius * Math.sin(angle);
    return radius * Math.cos(angle);
  };
}

/**
 * Wall time, and the CPU time of the whole process (every thread, workers included): on a machine shared
 * with other work, wall ≫ CPU / threads says how much of the wall time was spent waiting for a core.
 */
async function timedAsync<T>(work: () => Promise<T>): Promise<{ value: T; seconds: number; cpuSeconds: number }> {
  const cpu = process.cpuUsage();
  const start = performance.now();
  const value = await work();
  const used = process.cpuUsage(cpu);
  return { value, seconds: (performance.now() - start) / 1000, cpuSeconds: (used.user + used.system) / 1e6 };
}

/** The fastest of `runs` timed runs (the least disturbed by other work on the machine). */
async function fastestOf<T>(runs: number, work: () => Promise<T>): Promise<{ value: T; seconds: number; cpuSeconds: number }> {
  let best = await timedAsync(work);
  for (let k = 1; k < runs; k++) {
    const next = await timedAsync(work);
    if (next.seconds < best.seconds) best = next;
  }
  return best;
}

const FILTER_SMOOTHER_RUNS = 3;

export interface RefitBenchFigures {
  patients: number;
  days: number;
  readings: number;
  missingShare: number;
  generationSeconds: number;
  workers: number;
  /** fastest of 3 runs; CPU seconds of the whole process during that run */
  filterSmootherOneThreadMPointsPerSec: number;
  filterSmootherOneThreadSeconds: number;
  filterSmootherOneThreadCpuSeconds: number;
  filterSmootherWorkersMPointsPerSec: number;
  filterSmootherWorkersSeconds: number;
  filterSmootherWorkersCpuSeconds: number;
  /** CPU seconds of the whole process per million points: what the figures above cost, however busy the machine */
  filterSmootherOneThreadCpuSecondsPerMPoints: number;
  filterSmootherWorkersCpuSecondsPerMPoints: number;
  /** 1-minute load average when the section started and when it ended (the machine may be shared) */
  loadAverageAtStart: number;
  loadAverageAtEnd: number;
  refitColdSeconds: number;
  refitColdCpuSeconds: number;
  refitColdMeanEvaluations: number;
  refitWarmSeconds: number;
  refitWarmCpuSeconds: number;
  refitWarmMeanEvaluations: number;
  /** median over patients of |ln(fitted/true)| for τ_d and the sensor noise scale: does the fast fit find them? */
  refitMedianAbsLogErrorDeviationTimeConstant: number;
  refitMedianAbsLogErrorSensorNoise: number;
  brollQuality: ReturnType<typeof compareRefitQuality>;
}

export async function benchRefit(patients = 1000, days = 90): Promise<RefitBenchFigures> {
  const loadAverageAtStart = os.loadavg()[0]!;
  const generationStart = performance.now();
  const panel = Array.from({ length: patients }, (_, k) => syntheticPatient(k, days));
  const generationSeconds = (performance.now() - generationStart) / 1000;
  const readings = panel.reduce((sum, p) => sum + p.series.timeMin.length, 0);

  // This thread: one scratch track for every patient, as a worker has. Untimed warm-up first, as a worker's.
  warmUpPatientRefit();
  const track = createFastLayerTrack(days * POINTS_PER_DAY);
  for (const p of panel.slice(0, 10)) filterSmoothPatient(p.series, p.truth, track);
  const oneThread = await fastestOf(FILTER_SMOOTHER_RUNS, () => {
    let checksum = 0;
    for (const p of panel) checksum += filterSmoothPatient(p.series, p.truth, track).logLikelihood;
    if (!Number.isFinite(checksum)) throw new Error('benchRefit: the filter diverged on the synthetic panel');
    return Promise.resolve(checksum);
  });

  const pool = new TwinRefitPool({ size: defaultRefitPoolSize() });
  try {
    // Untimed warm-up: start the workers and let V8 optimise their kernels.
    const warmUp = panel.slice(0, 20);
    await pool.filterSmoothPanel(warmUp.map((p, k) => ({ id: String(k), series: p.series, parameters: p.truth })));
    await pool.refitPanel(warmUp.map((p, k) => ({ id: String(k), series: p.series })));

    const fixed = await fastestOf(FILTER_SMOOTHER_RUNS, () =>
      pool.filterSmoothPanel(panel.map((p, k) => ({ id: String(k), series: p.series, parameters: p.truth }))),
    );
    const cold = await timedAsync(() => pool.refitPanel(panel.map((p, k): PanelPatient => ({ id: String(k), series: p.series }))));
    const coldFits = cold.value.map((r) => r.refit);
    const warm = await timedAsync(() =>
      pool.refitPanel(
        panel.map((p, k): PanelPatient => ({
          id: String(k),
          series: p.series,
          previous: coldFits[k]!.parameters,
          previousBands: coldFits[k]!.forecasts.map((f) => f.fittedBand),
        })),
      ),
    );
    const meanEvaluations = (fits: readonly PatientRefit[]): number => fits.reduce((sum, f) => sum + f.fitEvaluations, 0) / fits.length;
    const absLogError = (pick: (p: FastLayerParameters) => number): number =>
      median(coldFits.map((fit, k) => Math.abs(Math.log(pick(fit.parameters) / pick(panel[k]!.truth)))));

    const quietIo = { env: {}, stdout: () => undefined, stderr: () => undefined };
    const brollQuality = compareRefitQuality(loadSubjects(BROLL, quietIo));

    return {
      patients,
      days,
      readings,
      missingShare: 1 - readings / (patients * days * POINTS_PER_DAY),
      generationSeconds,
      workers: pool.size,
      filterSmootherOneThreadMPointsPerSec: readings / oneThread.seconds / 1e6,
      filterSmootherOneThreadSeconds: oneThread.seconds,
      filterSmootherOneThreadCpuSeconds: oneThread.cpuSeconds,
      filterSmootherWorkersMPointsPerSec: readings / fixed.seconds / 1e6,
      filterSmootherWorkersSeconds: fixed.seconds,
      filterSmootherWorkersCpuSeconds: fixed.cpuSeconds,
      filterSmootherOneThreadCpuSecondsPerMPoints: oneThread.cpuSeconds / (readings / 1e6),
      filterSmootherWorkersCpuSecondsPerMPoints: fixed.cpuSeconds / (readings / 1e6),
      loadAverageAtStart,
      loadAverageAtEnd: os.loadavg()[0]!,
      refitColdSeconds: cold.seconds,
      refitColdCpuSeconds: cold.cpuSeconds,
      refitColdMeanEvaluations: meanEvaluations(coldFits),
      refitWarmSeconds: warm.seconds,
      refitWarmCpuSeconds: warm.cpuSeconds,
      refitWarmMeanEvaluations: meanEvaluations(warm.value.map((r) => r.refit)),
      refitMedianAbsLogErrorDeviationTimeConstant: absLogError((p) => p.deviationTimeConstantMin),
      refitMedianAbsLogErrorSensorNoise: absLogError((p) => p.sensorNoiseScale),
      brollQuality,
    };
  } finally {
    await pool.close();
  }
}
