/**
 * The fast glucose layer (MODEL-NOTES §1.9): log glucose z = ln(mg/dL) on the readings' own irregular
 * times. State [μ, d, s] = [slow level, mean-reverting deviation, damped rate]:
 *
 *   dμ = √q_μ dW_μ,   dd = (−d/τ_d + s) dt + √q_d dW_d,   ds = −s/τ_s dt + √q_s dW_s,
 *   CGM:         z = μ + d + ε,   ε ~ Student-t_ν(0, R_t), R_t = R inflated after a sensor change,
 *   fingerstick: z = μ + d + ε_fs, ε_fs ~ N(0, R_fs),
 *
 * the damped CGM model of ../kernels/damped3.ts on irregular times, each step discretised exactly by
 * ../discretise.ts. The Student-t noise enters by variational reweighting of R per reading
 * (MODEL-NOTES §1.6), so one artefact moves the state little; with the reweighting off, no fingersticks
 * and no sensor change this filter is the damped3 kernel (fast-layer.test.ts checks it). Time is in
 * minutes throughout.
 */
import { type DampedCgmRates, discretiseDampedCgm } from '../discretise.js';
import { type DampedCgmSystem } from '../kernels/damped3.js';
import { LOG_2PI, LOG_PRODUCT_MAX, LOG_PRODUCT_MIN } from '../kernels/likelihood.js';

export const MINUTES_PER_DAY = 1440;

/** What a reading is: CGM (interstitial, sensor noise) or fingerstick (capillary blood, meter error). */
export const ReadingKind = { Cgm: 0, Fingerstick: 1 } as const;

/** A reading at the sensor's limit says only that glucose is at most (low) or at least (high) that value. */
export const Censoring = { None: 0, Low: 1, High: 2 } as const;

/** One subject's readings on the model's axis, in time order (ties allowed: a fingerstick at a CGM time). */
export interface GlucoseReadings {
  /** minutes from an origin of the caller's choice (non-decreasing) */
  readonly timeMin: Float64Array;
  /** ln(glucose in mg/dL) */
  readonly logGlucose: Float64Array;
  /** ReadingKind per reading */
  readonly kind: Uint8Array;
  /** Censoring per reading */
  readonly censoring: Uint8Array;
}

/** CGM readings only (no fingersticks), as a CGM file gives them. */
export function cgmReadings(timeMin: Float64Array, glucoseMgDl: Float64Array, censoring: Uint8Array): GlucoseReadings {
  return { timeMin, logGlucose: glucoseMgDl.map(Math.log), kind: new Uint8Array(timeMin.length).fill(ReadingKind.Cgm), censoring };
}

/** The hyperparameters in the units a clinician or a prior can speak about. */
export interface FastLayerParameters {
  /** τ_d: how long a meal or correction excursion takes to fade (min) */
  readonly deviationTimeConstantMin: number;
  /** τ_s: memory of the rate of change (min) */
  readonly rateTimeConstantMin: number;
  /** stationary SD of d from the smooth, rate-driven part (log units) */
  readonly rateDrivenDeviationSd: number;
  /** stationary SD of d from its own white noise: rough, unpredictable moves (log units) */
  readonly directDeviationSd: number;
  /** SD of the slow level's change over one day (log units) */
  readonly levelDriftSdPerDay: number;
  /** scale of the CGM's white Student-t noise (log units; its SD is √(ν/(ν−2)) = √2 times this) */
  readonly sensorNoiseScale: number;
  /** R multiplier right after a sensor change, fading linearly to 1 over SENSOR_WARMUP_MIN */
  readonly insertionNoiseFactor: number;
}

/** Student-t degrees of freedom of the CGM noise: ν = 4, heavy enough for artefacts, finite variance. */
export const SENSOR_NOISE_DEGREES_OF_FREEDOM = 4;
/** A CGM silence at least this long is read as a sensor change (a Dexcom warm-up alone is 2 h). */
export const SENSOR_CHANGE_GAP_MIN = 120;
/** How long a new sensor's extra noise lasts (MODEL-NOTES §1.6: about 24 h). */
export const SENSOR_WARMUP_MIN = 24 * 60;
/**
 * SD of a fingerstick in log units: ISO 15197:2013 asks 95 % of meter readings within ±15 %, about
 * 7.5 % SD. Not estimated: the files CareTwin reads carry too few fingersticks to learn it.
 */
export const FINGERSTICK_LOG_SD = 0.075;
/** Population prior of the level at the first reading: ln 150 mg/dL, SD 0.4 (about 100–225 mg/dL). */
export const LEVEL_PRIOR_MEAN = Math.log(150);
export const LEVEL_PRIOR_SD = 0.4;

const NU = SENSOR_NOISE_DEGREES_OF_FREEDOM;
const INV_NU = 1 / NU;
/** log Γ((ν+1)/2) − log Γ(ν/2) − ½ log(νπ) for ν = 4: Γ(5/2) = ¾√π, Γ(2) = 1. */
const STUDENT_T_LOG_CONSTANT = Math.log(0.75 * Math.sqrt(Math.PI)) - 0.5 * Math.log(NU * Math.PI);
/**
 * Fixed-point iterations of the variational Student-t weight. MODEL-NOTES §1.6 suggests 1–3; a second
 * iteration changed no Broll score in the third digit and costs a third of the filter's time.
 */
const REWEIGHTING_ITERATIONS = 1;

/** Continuous-time rates of the [μ, d, s] block for ../discretise.ts. */
export function fastLayerRates(parameters: FastLayerParameters): DampedCgmRates {
  const alpha = 1 / parameters.deviationTimeConstantMin;
  const beta = 1 / parameters.rateTimeConstantMin;
  return {
    levelDiffusion: parameters.levelDriftSdPerDay ** 2 / MINUTES_PER_DAY,
    deviationDecayRate: alpha,
    // Stationary Var(d) of the OU part is q_d/(2α); of the rate-driven part q_s/(2αβ(α+β)).
    deviationDiffusion: 2 * alpha * parameters.directDeviationSd ** 2,
    rateDecayRate: beta,
    rateDiffusion: 2 * alpha * beta * (alpha + beta) * parameters.rateDrivenDeviationSd ** 2,
    observationVariance: parameters.sensorNoiseScale ** 2,
  };
}

/** Stationary covariance of (d, s): [Var d, Cov(d, s), Var s]. */
export function stationaryDeviationCovariance(parameters: FastLayerParameters): [number, number, number] {
  const rates = fastLayerRates(parameters);
  const alpha = rates.deviationDecayRate;
  const beta = rates.rateDecayRate;
  const varS = rates.rateDiffusion / (2 * beta);
  const covDS = varS / (alpha + beta);
  const varD = rates.deviationDiffusion / (2 * alpha) + rates.rateDiffusion / (2 * alpha * beta * (alpha + beta));
  return [varD, covDS, varS];
}

/** Indices into `filterStartValues`. */
export const START = { level: 0, levelVariance: 1, deviationVariance: 2, deviationRateCovariance: 3, rateVariance: 4, sensorVariance: 5, insertionExcessVariance: 6 } as const;

/**
 * The filters' starting values and noise variances in one Float64Array (indices in START): the prior
 * level and its variance, the stationary covariance of (d, s), the sensor's R and a new sensor's extra R.
 * Read from a typed array they are plain doubles to the optimising compiler. Taken from an array
 * destructure or an object's property they are tagged numbers, and then the loop variables they start
 * (the state and its covariance) were kept boxed: one heap number allocated per update, and
 * robustFastLayerLogLikelihood ran 6× slower (148 against 23 ms for 1,000 evaluations of 864 readings).
 */
export function filterStartValues(systems: StepSystems): Float64Array {
  const [varD, covDS, varS] = stationaryDeviationCovariance(systems.parameters);
  const sensorR = systems.rates.observationVariance;
  return Float64Array.of(
    LEVEL_PRIOR_MEAN,
    LEVEL_PRIOR_SD * LEVEL_PRIOR_SD,
    varD,
    covDS,
    varS,
    sensorR,
    sensorR * (systems.parameters.insertionNoiseFactor - 1),
  );
}

/**
 * What the filter needs about the time axis, independent of the parameters: the distinct step lengths
 * (one discretisation each per parameter vector), and for every reading its sensor's age.
 */
export interface ReadingTimeline {
  /** distinct Δ between consecutive readings (min) */
  readonly stepLengths: Float64Array;
  /** per reading t >= 1: index into stepLengths of times[t] − times[t−1]; −1 for reading 0 */
  readonly stepIndex: Int32Array;
  /** per reading: when the current sensor's warm-up began (the end of the last >= 2 h CGM silence), or −∞ */
  readonly sensorStartMin: Float64Array;
  /** per reading: 1 − age/24 h during the current sensor's first day, else 0 (see sensorNoiseMultiplier) */
  readonly warmupShare: Float64Array;
}

export function buildReadingTimeline(readings: GlucoseReadings): ReadingTimeline {
  const n = readings.timeMin.length;
  const stepIndex = new Int32Array(n).fill(-1);
  const sensorStartMin = new Float64Array(n).fill(Number.NEGATIVE_INFINITY);
  const warmupShare = new Float64Array(n);
  const indexByLength = new Map<number, number>();
  const lengths: number[] = [];
  let lastCgmMin = Number.NaN;
  let sensorStart = Number.NEGATIVE_INFINITY;
  for (let t = 0; t < n; t++) {
    const time = readings.timeMin[t]!;
    if (t > 0) {
      const dt = time - readings.timeMin[t - 1]!;
      let index = indexByLength.get(dt);
      if (index === undefined) {
        index = lengths.length;
        lengths.push(dt);
        indexByLength.set(dt, index);
      }
      stepIndex[t] = index;
    }
    if (readings.kind[t] === ReadingKind.Cgm) {
      if (time - lastCgmMin >= SENSOR_CHANGE_GAP_MIN) sensorStart = time;
      lastCgmMin = time;
    }
    sensorStartMin[t] = sensorStart;
    warmupShare[t] = warmupShareAt(sensorStart, time);
  }
  return { stepLengths: Float64Array.from(lengths), stepIndex, sensorStartMin, warmupShare };
}

function warmupShareAt(sensorStartMin: number, timeMin: number): number {
  const age = timeMin - sensorStartMin;
  return age < SENSOR_WARMUP_MIN ? 1 - age / SENSOR_WARMUP_MIN : 0;
}

/** 1 + (k − 1)·(1 − age/24 h) during a new sensor's first day, 1 after it. */
export function sensorNoiseMultiplier(insertionNoiseFactor: number, sensorStartMin: number, timeMin: number): number {
  return 1 + (insertionNoiseFactor - 1) * warmupShareAt(sensorStartMin, timeMin);
}

/** Entries per step in StepSystems.table: φ_d, c, φ_s, Q_μμ, Q_dd, Q_ds, Q_ss. */
const STEP_STRIDE = 7;

/**
 * The discretised steps for one parameter vector: every distinct step length of the timeline (a few
 * dozen on real CGM files, whose clocks jitter by a second or two), flat for the filter's inner loop, and
 * forecast horizons on demand.
 */
export class StepSystems {
  readonly rates: DampedCgmRates;
  /** STEP_STRIDE entries per timeline.stepLengths entry */
  readonly table: Float64Array;
  private readonly byHorizon = new Map<number, DampedCgmSystem>();

  constructor(
    readonly parameters: FastLayerParameters,
    timeline: ReadingTimeline,
  ) {
    this.rates = fastLayerRates(parameters);
    const lengths = timeline.stepLengths;
    this.table = new Float64Array(STEP_STRIDE * lengths.length);
    const table = this.table;
    // Built once per parameter vector: hundreds of times per patient in the hyperparameter fit, so written
    // entry by entry rather than through a temporary array per step length.
    for (let k = 0; k < lengths.length; k++) {
      const step = discretiseDampedCgm(lengths[k]!, this.rates);
      const o = STEP_STRIDE * k;
      table[o] = step.deviationDecay;
      table[o + 1] = step.rateToDeviation;
      table[o + 2] = step.rateDecay;
      table[o + 3] = step.levelVariance;
      table[o + 4] = step.deviationVariance;
      table[o + 5] = step.deviationRateCovariance;
      table[o + 6] = step.rateVariance;
    }
  }

  forHorizon(horizonMin: number): DampedCgmSystem {
    let step = this.byHorizon.get(horizonMin);
    if (step === undefined) {
      step = discretiseDampedCgm(horizonMin, this.rates);
      this.byHorizon.set(horizonMin, step);
    }
    return step;
  }
}

/** Filtered moments per reading: [a_μ, a_d, a_s, P_μμ, P_μd, P_μs, P_dd, P_ds, P_ss]. */
export const FILTERED_STRIDE = 9;

export interface FastLayerFilterResult {
  /**
   * Σ log p(z_t | z_<t) with the CGM terms taken as Student-t_ν with scale² S_t + R_t (S_t the predicted
   * variance of μ + d): the usual pseudo-likelihood of a reweighted filter. Censored readings add nothing.
   */
  readonly logLikelihood: number;
  readonly observedCount: number;
}

export interface FilterOptions {
  /** Student-t reweighting of CGM readings (default true); off, the noise is Gaussian with variance R */
  readonly robust?: boolean;
}

/**
 * Filters the first `count` readings. With `filtered` (length >= FILTERED_STRIDE·count), stores each
 * reading's filtered moments there. The prior at reading 0: level N(LEVEL_PRIOR_MEAN, LEVEL_PRIOR_SD²),
 * (d, s) stationary.
 */
export function filterFastLayer(
  readings: GlucoseReadings,
  timeline: ReadingTimeline,
  systems: StepSystems,
  count: number,
  filtered: Float64Array | null,
  options: FilterOptions = {},
): FastLayerFilterResult {
  const { logGlucose, kind, censoring } = readings;
  const { stepIndex, warmupShare } = timeline;
  const table = systems.table;
  const robust = options.robust ?? true;
  const fingerstickR = FINGERSTICK_LOG_SD * FINGERSTICK_LOG_SD;
  const start = filterStartValues(systems);
  const sensorR = start[START.sensorVariance]!;
  const insertionExcessR = start[START.insertionExcessVariance]!;
  let a0 = start[START.level]!;
  let a1 = 0;
  let a2 = 0;
  let p00 = start[START.levelVariance]!;
  let p01 = 0;
  let p02 = 0;
  let p11 = start[START.deviationVariance]!;
  let p12 = start[START.deviationRateCovariance]!;
  let p22 = start[START.rateVariance]!;
  // Σ log of the per-reading scale terms, accumulated as a product and logged when it leaves its range.
  let logTerms = 0;
  let termProduct = 1;
  let constantTerms = 0;
  let quadraticTerms = 0;
  let observedCount = 0;
  for (let t = 0; t < count; t++) {
    if (t > 0) {
      const o = STEP_STRIDE * stepIndex[t]!;
      const phiD = table[o]!;
      const c = table[o + 1]!;
      const phiS = table[o + 2]!;
      a1 = phiD * a1 + c * a2;
      a2 = phiS * a2;
      p00 += table[o + 3]!;
      const nextP11 = phiD * phiD * p11 + 2 * phiD * c * p12 + c * c * p22 + table[o + 4]!;
      p12 = phiD * phiS * p12 + phiS * c * p22 + table[o + 5]!;
      p22 = phiS * phiS * p22 + table[o + 6]!;
      p11 = nextP11;
      p01 = phiD * p01 + c * p02;
      p02 = phiS * p02;
    }
    const y = logGlucose[t]!;
    const isCgm = kind[t] === ReadingKind.Cgm;
    const predicted = a0 + a1;
    const limit = censoring[t]!;
    // A censored reading beyond which the prediction already lies says nothing new; otherwise it pulls the
    // state to the limit like an ordinary reading, without a likelihood term.
    const skip = (limit === Censoring.High && predicted >= y) || (limit === Censoring.Low && predicted <= y);
    if (!skip) {
      // M = P z with z = [1, 1, 0]; the update is P ← P − M M'/F.
      const m0 = p00 + p01;
      const m1 = p01 + p11;
      const m2 = p02 + p12;
      const signalVariance = m0 + m1;
      const v = y - predicted;
      const v2 = v * v;
      let fInv: number;
      if (!isCgm) {
        const f = signalVariance + fingerstickR;
        fInv = 1 / f;
        if (limit === Censoring.None) {
          termProduct *= f;
          quadraticTerms += v2 * fInv;
          constantTerms -= 0.5 * LOG_2PI;
          observedCount++;
        }
      } else if (robust) {
        const r = sensorR + insertionExcessR * warmupShare[t]!;
        // Variational Student-t (MODEL-NOTES §1.6): w = (ν+1)/(ν + E[(z − prediction)²]/R) under the
        // posterior that R/w gives. With g = 1/(wS + R) that expectation over R is (v² R g + S) g, so an
        // iteration costs two divisions (the filter's speed limit is its chain of divisions).
        const gPrior = 1 / (signalVariance + r);
        let weight = 1;
        let g = gPrior;
        for (let k = 0; k < REWEIGHTING_ITERATIONS; k++) {
          weight = (NU + 1) / (NU + (v2 * r * g + signalVariance) * g);
          g = 1 / (weight * signalVariance + r);
        }
        // F = S + R/w, so 1/F = w g.
        fInv = weight * g;
        if (limit === Censoring.None) {
          // Student-t with scale² S + R: −½ log(S + R) − (ν+1)/2 · log(1 + v²/(ν(S + R))), logged in bulk.
          const tail = 1 + v2 * gPrior * INV_NU;
          const tail2 = tail * tail;
          termProduct *= (signalVariance + r) * (tail2 * tail2 * tail);
          constantTerms += STUDENT_T_LOG_CONSTANT;
          observedCount++;
        }
      } else {
        const f = signalVariance + sensorR + insertionExcessR * warmupShare[t]!;
        fInv = 1 / f;
        if (limit === Censoring.None) {
          termProduct *= f;
          quadraticTerms += v2 * fInv;
          constantTerms -= 0.5 * LOG_2PI;
          observedCount++;
        }
      }
      if (termProduct > LOG_PRODUCT_MAX || termProduct < LOG_PRODUCT_MIN) {
        logTerms += Math.log(termProduct);
        termProduct = 1;
      }
      const vScaled = v * fInv;
      a0 += m0 * vScaled;
      a1 += m1 * vScaled;
      a2 += m2 * vScaled;
      p00 -= m0 * m0 * fInv;
      p01 -= m0 * m1 * fInv;
      p02 -= m0 * m2 * fInv;
      p11 -= m1 * m1 * fInv;
      p12 -= m1 * m2 * fInv;
      p22 -= m2 * m2 * fInv;
    }
    if (filtered !== null) {
      const o = FILTERED_STRIDE * t;
      filtered[o] = a0;
      filtered[o + 1] = a1;
      filtered[o + 2] = a2;
      filtered[o + 3] = p00;
      filtered[o + 4] = p01;
      filtered[o + 5] = p02;
      filtered[o + 6] = p11;
      filtered[o + 7] = p12;
      filtered[o + 8] = p22;
    }
  }
  logTerms += Math.log(termProduct);
  return { logLikelihood: constantTerms - 0.5 * (logTerms + quadraticTerms), observedCount };
}

export interface LogGlucoseForecast {
  /** E[ln glucose] of the CGM reading at the target time */
  readonly logMean: number;
  /** its variance: the signal's (μ + d) plus the sensor noise's */
  readonly logVariance: number;
}

/**
 * Forecast of the CGM reading `horizonMin` after reading `index`, from its filtered moments: one exact
 * transition of length h, plus the sensor noise expected at the target time (still inflated if the target
 * falls within the current sensor's first day).
 */
export function forecastFromFiltered(
  filtered: Float64Array,
  index: number,
  systems: StepSystems,
  timeline: ReadingTimeline,
  originTimeMin: number,
  horizonMin: number,
): LogGlucoseForecast {
  const o = FILTERED_STRIDE * index;
  const step = systems.forHorizon(horizonMin);
  const phiD = step.deviationDecay;
  const c = step.rateToDeviation;
  const a0 = filtered[o]!;
  const a1 = filtered[o + 1]!;
  const a2 = filtered[o + 2]!;
  const p00 = filtered[o + 3]!;
  const p01 = filtered[o + 4]!;
  const p02 = filtered[o + 5]!;
  const p11 = filtered[o + 6]!;
  const p12 = filtered[o + 7]!;
  const p22 = filtered[o + 8]!;
  // Var(μ' + d') with μ' = μ + η_μ, d' = φ_d d + c s + η_d.
  const deviationVariance = phiD * phiD * p11 + 2 * phiD * c * p12 + c * c * p22 + step.deviationVariance;
  const signalVariance = p00 + step.levelVariance + deviationVariance + 2 * (phiD * p01 + c * p02);
  const noiseMultiplier = sensorNoiseMultiplier(
    systems.parameters.insertionNoiseFactor,
    timeline.sensorStartMin[index]!,
    originTimeMin + horizonMin,
  );
  const noiseVariance = ((systems.rates.observationVariance * NU) / (NU - 2)) * noiseMultiplier;
  return { logMean: a0 + phiD * a1 + c * a2, logVariance: signalVariance + noiseVariance };
}
