/**
 * The fast layer's robust log-likelihood (./fast-layer.ts's filterFastLayer, Student-t reweighting on)
 * with a shorter dependency chain, for the hyperparameter fit of the panel refit, where it runs a few
 * hundred times per patient. The filter's speed limit is the serial chain P → S → 1/F → P from step to
 * step (MODEL-NOTES §5.2); filterFastLayer has three divisions in it (1/(S + R), the weight, 1/(wS + R)).
 * Here the same 1/F is one division:
 *
 *   w = (ν+1)/(ν + q),  q = (v²R/A + S)/A,  A = S + R,  1/F = w/(wS + R)
 *   ⇒ 1/F = (ν+1)A² / (A(A((ν+1)S + νR) + RS) + R²v²)
 *         = (ν+1)A² / (S²((ν+1)S + 3(ν+1)R) + R²((3ν+2)S + νR + v²)),
 *
 * the last form (expanded in S) leaving fewer dependent operations between S and the division;
 * and the likelihood terms, which nothing downstream waits for, are computed as filterFastLayer does.
 * The result differs from filterFastLayer's by rounding only (patient-refit.test.ts checks it).
 */
import { LOG_2PI, LOG_PRODUCT_MAX, LOG_PRODUCT_MIN } from '../kernels/likelihood.js';
import {
  Censoring,
  FINGERSTICK_LOG_SD,
  type GlucoseReadings,
  filterStartValues,
  type ReadingTimeline,
  ReadingKind,
  SENSOR_NOISE_DEGREES_OF_FREEDOM,
  START,
  type StepSystems,
} from './fast-layer.js';

const NU = SENSOR_NOISE_DEGREES_OF_FREEDOM;
const NU1 = NU + 1;
const INV_NU = 1 / NU;
/** The r²S coefficient of the robust 1/F's denominator: 2ν + (ν+1) + 1 (14 for ν = 4). */
const DENOMINATOR_RS = 3 * NU + 2;
const STUDENT_T_LOG_CONSTANT = Math.log(0.75 * Math.sqrt(Math.PI)) - 0.5 * Math.log(NU * Math.PI);
const STEP_STRIDE = 7;

/** filterFastLayer(readings, timeline, systems, count, null).logLikelihood, robust, to rounding. */
export function robustFastLayerLogLikelihood(
  readings: GlucoseReadings,
  timeline: ReadingTimeline,
  systems: StepSystems,
  count: number,
): number {
  const { logGlucose, kind, censoring } = readings;
  const { stepIndex, warmupShare } = timeline;
  const table = systems.table;
  const fingerstickR = FINGERSTICK_LOG_SD * FINGERSTICK_LOG_SD;
  // From a Float64Array, so that the loop's state stays unboxed (see filterStartValues).
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
  let logTerms = 0;
  let termProduct = 1;
  let constantTerms = 0;
  let quadraticTerms = 0;
  for (let t = 0; t < count; t++) {
    if (t > 0) {
      const o = STEP_STRIDE * stepIndex[t]!;
      const phiD = table[o]!;
      const c = table[o + 1]!;
      const phiS = table[o + 2]!;
      a1 = phiD * a1 + c * a2;
      a2 = phiS * a2;
      p00 += table[o + 3]!;
      // Summed in pairs rather than left to right: a shorter chain from P to P (the same sums to rounding).
      const nextP11 = phiD * phiD * p11 + 2 * phiD * c * p12 + (c * c * p22 + table[o + 4]!);
      p12 = phiD * phiS * p12 + phiS * c * p22 + table[o + 5]!;
      p22 = phiS * phiS * p22 + table[o + 6]!;
      p11 = nextP11;
      p01 = phiD * p01 + c * p02;
      p02 = phiS * p02;
    }
    const y = logGlucose[t]!;
    const predicted = a0 + a1;
    const limit = censoring[t]!;
    if ((limit === Censoring.High && predicted >= y) || (limit === Censoring.Low && predicted <= y)) continue;
    const m0 = p00 + p01;
    const m1 = p01 + p11;
    const m2 = p02 + p12;
    const signalVariance = m0 + m1;
    const v = y - predicted;
    const v2 = v * v;
    let fInv: number;
    if (kind[t] !== ReadingKind.Cgm) {
      const f = signalVariance + fingerstickR;
      fInv = 1 / f;
      if (limit === Censoring.None) {
        termProduct *= f;
        quadraticTerms += v2 * fInv;
        constantTerms -= 0.5 * LOG_2PI;
      }
    } else {
      const r = sensorR + insertionExcessR * warmupShare[t]!;
      const a = signalVariance + r;
      // The denominator expanded in S (ν = 4): 5S³ + 15rS² + 14r²S + 4r³ + r²v², as S²(5S + 15r) + r²(14S + 4r + v²).
      const r2 = r * r;
      fInv = (NU1 * a * a) / (signalVariance * signalVariance * (NU1 * signalVariance + 3 * NU1 * r) + r2 * (DENOMINATOR_RS * signalVariance + (NU * r + v2)));
      if (limit === Censoring.None) {
        const tail = 1 + (v2 / a) * INV_NU;
        const tail2 = tail * tail;
        termProduct *= a * (tail2 * tail2 * tail);
        constantTerms += STUDENT_T_LOG_CONSTANT;
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
  logTerms += Math.log(termProduct);
  return constantTerms - 0.5 * (logTerms + quadraticTerms);
}
