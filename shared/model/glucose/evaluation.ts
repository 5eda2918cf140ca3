/**
 * Scores the twin and the baselines on the same origins (./protocol.ts) against the full data: with
 * readings removed (./degradation.ts) the forecasters see only the kept readings, and the removed ones
 * stay as held-out outcomes. Pure: the CLI and the benchmark time it and print it.
 */
import { type PredictiveDistribution } from '../scoring/distributions.js';
import { HorizonScoreAccumulator, type HorizonScores } from '../scoring/forecast-scores.js';
import { GLUCOBENCH_STEP_MIN, GLUCOBENCH_STEPS, GlucoBenchAccumulator, type GlucoBenchScores } from '../scoring/glucobench.js';
import { BASELINE_METHODS, type BaselineMethod, forecastWithBaseline } from './baselines.js';
import { cgmReadings, type FastLayerParameters, type GlucoseReadings, SENSOR_CHANGE_GAP_MIN } from './fast-layer.js';
import { type ForecastProtocol, nearestReading } from './protocol.js';
import { forecastWithTwin } from './twin-forecaster.js';

export type ForecastMethod = 'twin' | BaselineMethod;
export const FORECAST_METHODS: readonly ForecastMethod[] = ['twin', ...BASELINE_METHODS];

/** One subject's CGM readings (sorted by time) and which of them the forecasters may use. */
export interface EvaluationSubject {
  readonly id: string;
  readonly timeMin: Float64Array;
  readonly glucoseMgDl: Float64Array;
  /** Censoring per reading (see ./fast-layer.ts) */
  readonly censoring: Uint8Array;
  /** 1 = visible to the forecasters; all visible when absent */
  readonly keep?: Uint8Array;
}

export interface EvaluationOptions {
  /** its horizons are the ones reported; the GlucoBench steps are added internally */
  readonly protocol: ForecastProtocol;
  /**
   * Extra horizons scored only from origins followed by a >= 2 h silence in the visible data, to show
   * whether forecasts into a gap stay bounded.
   */
  readonly gapHorizonsMin?: readonly number[];
}

export interface GapHorizonScores {
  readonly horizonMin: number;
  readonly scores: HorizonScores;
  /** largest |outcome − point forecast| (mg/dL) */
  readonly maxAbsoluteError: number;
  /** largest upper 97.5 % bound issued (mg/dL) */
  readonly maxUpper975: number;
}

export interface MethodEvaluation {
  readonly method: ForecastMethod;
  readonly byHorizon: readonly { readonly horizonMin: number; readonly scores: HorizonScores }[];
  readonly glucoBench: GlucoBenchScores;
  readonly intoGaps: readonly GapHorizonScores[];
}

export interface SubjectFitSummary {
  readonly id: string;
  readonly refits: number;
  readonly likelihoodEvaluations: number;
  /** the last block's parameters, null when the subject had no forecast origin */
  readonly finalParameters: FastLayerParameters | null;
}

export interface GlucoseEvaluation {
  readonly subjects: number;
  readonly readings: number;
  readonly visibleReadings: number;
  /** forecast origins (the same for every method) */
  readonly origins: number;
  readonly methods: readonly MethodEvaluation[];
  readonly fits: readonly SubjectFitSummary[];
}

const GLUCOBENCH_HORIZONS = Array.from({ length: GLUCOBENCH_STEPS }, (_, k) => (k + 1) * GLUCOBENCH_STEP_MIN);

interface MethodAccumulators {
  readonly byHorizon: HorizonScoreAccumulator[];
  readonly glucoBench: GlucoBenchAccumulator;
  readonly intoGaps: { scores: HorizonScoreAccumulator; maxAbsoluteError: number; maxUpper975: number }[];
}

export function evaluateGlucoseForecasts(subjects: readonly EvaluationSubject[], options: EvaluationOptions): GlucoseEvaluation {
  const reportHorizons = options.protocol.horizonsMin;
  const gapHorizons = options.gapHorizonsMin ?? [];
  const allHorizons = [...new Set([...reportHorizons, ...GLUCOBENCH_HORIZONS, ...gapHorizons])].sort((a, b) => a - b);
  const column = (horizonMin: number): number => allHorizons.indexOf(horizonMin);
  const protocol: ForecastProtocol = { ...options.protocol, horizonsMin: allHorizons };
  const tolerance = protocol.targetToleranceMin;
  const accumulators = new Map<ForecastMethod, MethodAccumulators>(
    FORECAST_METHODS.map((method) => [
      method,
      {
        byHorizon: reportHorizons.map(() => new HorizonScoreAccumulator()),
        glucoBench: new GlucoBenchAccumulator(),
        intoGaps: gapHorizons.map(() => ({ scores: new HorizonScoreAccumulator(), maxAbsoluteError: 0, maxUpper975: 0 })),
      },
    ]),
  );
  let readings = 0;
  let visibleReadings = 0;
  let origins = 0;
  const fits: SubjectFitSummary[] = [];

  for (const subject of subjects) {
    const visible = visibleSeries(subject);
    readings += subject.timeMin.length;
    visibleReadings += visible.timeMin.length;
    const score = (method: ForecastMethod, index: number, forecasts: readonly PredictiveDistribution[]): void => {
      const acc = accumulators.get(method)!;
      const originMin = visible.timeMin[index]!;
      const outcome = (horizonMin: number): number => {
        const target = nearestReading(subject.timeMin, originMin + horizonMin, tolerance);
        return target < 0 ? Number.NaN : subject.glucoseMgDl[target]!;
      };
      reportHorizons.forEach((horizonMin, h) => {
        const y = outcome(horizonMin);
        if (!Number.isNaN(y)) acc.byHorizon[h]!.add(forecasts[column(horizonMin)]!, y);
      });
      const windowOutcomes = GLUCOBENCH_HORIZONS.map(outcome);
      if (windowOutcomes.every((y) => !Number.isNaN(y))) {
        acc.glucoBench.addWindow(GLUCOBENCH_HORIZONS.map((horizonMin) => forecasts[column(horizonMin)]!), windowOutcomes);
      }
      const next = index + 1 < visible.timeMin.length ? visible.timeMin[index + 1]! : Number.POSITIVE_INFINITY;
      if (next - originMin >= SENSOR_CHANGE_GAP_MIN) {
        gapHorizons.forEach((horizonMin, g) => {
          const y = outcome(horizonMin);
          if (Number.isNaN(y)) return;
          const forecast = forecasts[column(horizonMin)]!;
          const gap = acc.intoGaps[g]!;
          gap.scores.add(forecast, y);
          gap.maxAbsoluteError = Math.max(gap.maxAbsoluteError, Math.abs(y - forecast.squaredErrorPoint));
          gap.maxUpper975 = Math.max(gap.maxUpper975, forecast.quantile(0.975));
        });
      }
    };

    let refits = 0;
    let likelihoodEvaluations = 0;
    let finalParameters: FastLayerParameters | null = null;
    for (const origin of forecastWithTwin(visible.readings, protocol, {
      onBlock: (block) => {
        refits++;
        likelihoodEvaluations += block.fit.evaluations;
        finalParameters = block.fit.parameters;
      },
    })) {
      origins++;
      score('twin', origin.index, origin.forecasts);
    }
    fits.push({ id: subject.id, refits, likelihoodEvaluations, finalParameters });
    for (const method of BASELINE_METHODS) {
      for (const origin of forecastWithBaseline(method, visible, protocol)) score(method, origin.index, origin.forecasts);
    }
  }

  return {
    subjects: subjects.length,
    readings,
    visibleReadings,
    origins,
    methods: FORECAST_METHODS.map((method) => {
      const acc = accumulators.get(method)!;
      return {
        method,
        byHorizon: reportHorizons.map((horizonMin, h) => ({ horizonMin, scores: acc.byHorizon[h]!.summary() })),
        glucoBench: acc.glucoBench.summary(),
        intoGaps: gapHorizons.map((horizonMin, g) => {
          const gap = acc.intoGaps[g]!;
          return { horizonMin, scores: gap.scores.summary(), maxAbsoluteError: gap.maxAbsoluteError, maxUpper975: gap.maxUpper975 };
        }),
      };
    }),
    fits,
  };
}

interface VisibleSeries {
  readonly timeMin: Float64Array;
  readonly glucoseMgDl: Float64Array;
  readonly readings: GlucoseReadings;
}

function visibleSeries(subject: EvaluationSubject): VisibleSeries {
  const keep = subject.keep;
  const indices: number[] = [];
  for (let i = 0; i < subject.timeMin.length; i++) if (keep === undefined || keep[i] === 1) indices.push(i);
  const timeMin = Float64Array.from(indices, (i) => subject.timeMin[i]!);
  const glucoseMgDl = Float64Array.from(indices, (i) => subject.glucoseMgDl[i]!);
  const censoring = Uint8Array.from(indices, (i) => subject.censoring[i]!);
  return { timeMin, glucoseMgDl, readings: cgmReadings(timeMin, glucoseMgDl, censoring) };
}
