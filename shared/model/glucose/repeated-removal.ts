/**
 * The same removal repeated with many seeds (`caretwin twin evaluate --seeds A-B`): one removal draw is a
 * noisy measurement of graceful degradation. On the simglucose day with 40 % removed at random, the twin's
 * 60-min 80 % coverage has a seed-to-seed SD of about 4 points, so the mean of 8 seeds is only known to
 * ±1.4 points — more than the distance to the 3-point target it was judged against. Each score is reported
 * as its mean over the seeds and the standard error of that mean (seed-to-seed SD / √n). That error is the
 * removal draw's only: the data's own sampling error (which origins, which days) is not in it.
 */
import { applyRemoval, type RemovalPlan } from './degradation.js';
import { type EvaluationOptions, type EvaluationSubject, evaluateGlucoseForecasts, type ForecastMethod, type GlucoseEvaluation } from './evaluation.js';

export const SUMMARISED_SCORES = ['rmse', 'mae', 'bias', 'coverage80', 'coverage95', 'crps', 'intervalScore80', 'intervalScore95', 'meanWidth95'] as const;
export type SummarisedScore = (typeof SUMMARISED_SCORES)[number];

export interface ScoreSpread {
  readonly mean: number;
  /** seed-to-seed SD / √draws; null with a single draw */
  readonly standardError: number | null;
}

export interface RepeatedHorizonSummary {
  readonly horizonMin: number;
  /** draws with at least one outcome at this horizon: only they are averaged (a draw with none has no score) */
  readonly draws: number;
  /** outcomes scored per draw, averaged over all draws */
  readonly meanCount: number;
  /** null when no draw had an outcome at this horizon */
  readonly scores: Readonly<Record<SummarisedScore, ScoreSpread>> | null;
}

export interface RepeatedEvaluationSummary {
  readonly runs: number;
  /** forecast origins per run, averaged (every visible reading after the burn-in is one, so removal changes them) */
  readonly meanOrigins: number;
  readonly methods: readonly { readonly method: ForecastMethod; readonly byHorizon: readonly RepeatedHorizonSummary[] }[];
}

/** Mean and standard error of each score over evaluations of the same methods and horizons (at least two). */
export function summariseEvaluations(evaluations: readonly GlucoseEvaluation[]): RepeatedEvaluationSummary {
  const runs = evaluations.length;
  if (runs < 2) throw new Error('summariseEvaluations: needs at least two evaluations');
  const first = evaluations[0]!;
  const methods = first.methods.map((method, m) => ({
    method: method.method,
    byHorizon: method.byHorizon.map((entry, h): RepeatedHorizonSummary => {
      const all = evaluations.map((evaluation) => {
        const other = evaluation.methods[m]?.byHorizon[h];
        if (evaluation.methods[m]?.method !== method.method || other?.horizonMin !== entry.horizonMin) {
          throw new Error('summariseEvaluations: the evaluations differ in methods or horizons');
        }
        return other.scores;
      });
      const scored = all.filter((scores) => scores.count > 0);
      const meanCount = all.reduce((sum, scores) => sum + scores.count, 0) / runs;
      if (scored.length === 0) return { horizonMin: entry.horizonMin, draws: 0, meanCount, scores: null };
      const scores = {} as Record<SummarisedScore, ScoreSpread>;
      for (const name of SUMMARISED_SCORES) scores[name] = spread(scored.map((s) => s[name]));
      return { horizonMin: entry.horizonMin, draws: scored.length, meanCount, scores };
    }),
  }));
  return { runs, meanOrigins: evaluations.reduce((sum, e) => sum + e.origins, 0) / runs, methods };
}

function spread(values: readonly number[]): ScoreSpread {
  const n = values.length;
  const mean = values.reduce((sum, x) => sum + x, 0) / n;
  if (n < 2) return { mean, standardError: null };
  const variance = values.reduce((sum, x) => sum + (x - mean) ** 2, 0) / (n - 1);
  return { mean, standardError: Math.sqrt(variance / n) };
}

export interface RepeatedRemovalOptions {
  readonly evaluation: EvaluationOptions;
  /** the removal, its seed replaced by each of `firstSeed`..`lastSeed` in turn */
  readonly plan: Omit<RemovalPlan, 'seed'>;
  readonly firstSeed: number;
  readonly lastSeed: number;
  /** called after each seed's evaluation, e.g. for progress */
  readonly onSeed?: (seed: number, done: number, total: number) => void;
}

/** Evaluates `subjects` once per seed of the range, each time with the plan's removal drawn from that seed. */
export function evaluateOverSeeds(subjects: readonly EvaluationSubject[], options: RepeatedRemovalOptions): RepeatedEvaluationSummary {
  const total = options.lastSeed - options.firstSeed + 1;
  const evaluations: GlucoseEvaluation[] = [];
  for (let seed = options.firstSeed; seed <= options.lastSeed; seed++) {
    evaluations.push(evaluateGlucoseForecasts(applyRemoval(subjects, { ...options.plan, seed }), options.evaluation));
    options.onSeed?.(seed, evaluations.length, total);
  }
  return summariseEvaluations(evaluations);
}
