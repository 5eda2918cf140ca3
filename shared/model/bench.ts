/**
 * Throughput of the fast CGM layer at panel scale: the unrolled 3-state filter plus state smoother over
 * synthetic 5-min CGM series (default 1,000 patients × 90 days = 25.9 M points, ~20 % missing), on the
 * calling thread. The target for filter + smoother over the panel is >= 20 M points/s.
 */
import { discretiseDampedCgm, type DampedCgmRates } from './discretise.js';
import { createDampedCgmTrack, filterDampedCgm, smoothDampedCgm, type DampedCgmPrior } from './kernels/damped3.js';

const POINTS_PER_DAY = 288;
const STEP_MIN = 5;
/** Distinct synthetic series cycled through the panel: generating 25.9 M points is not what is measured. */
const SERIES_POOL = 8;

/** Log-glucose rates per minute: τ_d = 90 min, τ_s = 20 min, CGM noise SD ≈ 5 %. */
const BENCH_RATES: DampedCgmRates = {
  levelDiffusion: 1e-7,
  deviationDecayRate: 1 / 90,
  deviationDiffusion: 2e-5,
  rateDecayRate: 1 / 20,
  rateDiffusion: 2e-7,
  observationVariance: 0.0025,
};

/**
 * `nowMs` is the clock: wall time by default; a Node caller on a busy machine can pass process CPU time
 * (`() => process.cpuUsage().user / 1000`) so that time spent descheduled is not counted.
 */
export function benchFilterSmoother(
  patients = 1000,
  days = 90,
  nowMs: () => number = Date.now,
): { pointsPerSec: number; seconds: number } {
  const n = days * POINTS_PER_DAY;
  const system = discretiseDampedCgm(STEP_MIN, BENCH_RATES);
  const prior: DampedCgmPrior = { state: [Math.log(140), 0, 0], covariance: [0.25, 0, 0, 0, 0.04, 0, 0, 0, 1e-4] };
  const pool = Array.from({ length: Math.min(SERIES_POOL, patients) }, (_, k) =>
    syntheticLogGlucose(n, 0x9e3779b9 + k),
  );
  const track = createDampedCgmTrack(n);
  let logLikelihoodSum = 0;
  // Untimed warm-up: the first calls run before V8 has optimised the kernels.
  for (const series of pool) {
    filterDampedCgm(series, system, prior, track);
    smoothDampedCgm(system, track, n);
  }
  const startMs = nowMs();
  for (let patient = 0; patient < patients; patient++) {
    const series = pool[patient % pool.length]!;
    logLikelihoodSum += filterDampedCgm(series, system, prior, track).logLikelihood;
    smoothDampedCgm(system, track, n);
  }
  const seconds = (nowMs() - startMs) / 1000;
  if (!Number.isFinite(logLikelihoodSum)) throw new Error('benchFilterSmoother: the filter diverged on synthetic data');
  return { pointsPerSec: (patients * n) / seconds, seconds };
}

/**
 * Log glucose on a 5-min grid: a base level, three meal responses a day, AR(1) noise and sensor noise,
 * with 10 % of points missing at random and dropouts of 1–3 h: about 20 % missing in all.
 */
function syntheticLogGlucose(n: number, seed: number): Float64Array {
  const random = seededUniform(seed);
  const normal = (): number => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const series = new Float64Array(n);
  let deviation = 0;
  for (let t = 0; t < n; t++) {
    const hourOfDay = ((t % POINTS_PER_DAY) * STEP_MIN) / 60;
    let meal = 0;
    for (const mealHour of [7.5, 12.5, 19]) {
      const sinceMeal = hourOfDay - mealHour;
      if (sinceMeal > 0) meal += 0.4 * sinceMeal * Math.exp(1 - 2 * sinceMeal);
    }
    deviation = 0.97 * deviation + 0.02 * normal();
    series[t] = Math.log(120) + meal + deviation + 0.05 * normal();
  }
  for (let t = 0; t < n; t++) if (random() < 0.1) series[t] = Number.NaN;
  const dropoutPoints = 0.12 * n;
  for (let removed = 0; removed < dropoutPoints; ) {
    const start = Math.floor(random() * n);
    const length = 12 + Math.floor(random() * 25);
    for (let t = start; t < Math.min(n, start + length); t++) series[t] = Number.NaN;
    removed += length;
  }
  return series;
}

/** Mulberry32: a small deterministic generator, so every run measures the same panel. */
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
