/**
 * Graceful-degradation curves (MODEL-NOTES §4.2): the same evaluation with 0, 20, 40 and 60 % of the
 * readings removed, at random and in gaps, refitting on what is left every time.
 */
import { applyRemoval, DEFAULT_GAP_RANGE_MIN, type RemovalKind } from './degradation.js';
import { type EvaluationOptions, type EvaluationSubject, evaluateGlucoseForecasts, type GlucoseEvaluation } from './evaluation.js';

export const DEGRADATION_LEVELS = [0, 0.2, 0.4, 0.6] as const;
/** Horizons scored from the last reading before each gap, to show forecasts into a gap stay bounded. */
export const GAP_HORIZONS_MIN = [30, 60, 120, 240] as const;

export interface DegradationPoint {
  readonly kind: RemovalKind | 'none';
  readonly fraction: number;
  readonly evaluation: GlucoseEvaluation;
}

export interface DegradationCurveOptions {
  readonly evaluation: EvaluationOptions;
  readonly seed: number;
  readonly gapRangeMin?: readonly [number, number];
  /** called after each point, e.g. for progress */
  readonly onPoint?: (point: DegradationPoint) => void;
}

/** One point at 0 %, then each other level for both kinds of removal. */
export function degradationCurve(subjects: readonly EvaluationSubject[], options: DegradationCurveOptions): DegradationPoint[] {
  const points: DegradationPoint[] = [];
  const add = (point: DegradationPoint): void => {
    points.push(point);
    options.onPoint?.(point);
  };
  add({ kind: 'none', fraction: 0, evaluation: evaluateGlucoseForecasts(subjects, options.evaluation) });
  for (const kind of ['random', 'gaps'] as const) {
    for (const fraction of DEGRADATION_LEVELS) {
      if (fraction === 0) continue;
      const degraded = applyRemoval(subjects, { kind, fraction, seed: options.seed, gapRangeMin: options.gapRangeMin ?? DEFAULT_GAP_RANGE_MIN });
      const evaluation = evaluateGlucoseForecasts(degraded, { ...options.evaluation, gapHorizonsMin: kind === 'gaps' ? GAP_HORIZONS_MIN : [] });
      add({ kind, fraction, evaluation });
    }
  }
  return points;
}
