import { describe, expect, it } from 'vitest';
import { type HorizonScores } from '../scoring/forecast-scores.js';
import { type GlucoseEvaluation } from './evaluation.js';
import { summariseEvaluations } from './repeated-removal.js';

function scores(rmse: number, coverage80: number, count = 10): HorizonScores {
  return { count, rmse, mae: 1, bias: 0, coverage80, coverage95: 0.95, meanWidth80: 1, meanWidth95: 2, intervalScore80: 3, intervalScore95: 4, crps: 5, pitHistogram: [] };
}

function evaluation(rmse: number, coverage80: number, horizonMin = 30, origins = 100, count = 10): GlucoseEvaluation {
  const byHorizon = [{ horizonMin, scores: scores(rmse, coverage80, count) }];
  return {
    subjects: 1,
    readings: 120,
    visibleReadings: 120,
    origins,
    methods: [{ method: 'twin', byHorizon, glucoBench: { windows: 0, rmse: 0, medianMae: 0, calibrationError: 0 }, intoGaps: [] }],
    fits: [],
  } as unknown as GlucoseEvaluation;
}

describe('summariseEvaluations', () => {
  it('gives each score its mean and the standard error of the mean (sample SD / √n)', () => {
    const summary = summariseEvaluations([evaluation(10, 0.7, 30, 90), evaluation(14, 0.8, 30, 100), evaluation(12, 0.9, 30, 110)]);
    expect(summary.runs).toBe(3);
    expect(summary.meanOrigins).toBe(100);
    const twin = summary.methods[0]!.byHorizon[0]!;
    expect(twin).toMatchObject({ horizonMin: 30, draws: 3, meanCount: 10 });
    expect(twin.scores!.rmse.mean).toBeCloseTo(12, 12);
    // sample SD of 10, 14, 12 is 2; over √3
    expect(twin.scores!.rmse.standardError).toBeCloseTo(2 / Math.sqrt(3), 12);
    expect(twin.scores!.coverage80.mean).toBeCloseTo(0.8, 12);
    expect(twin.scores!.crps).toEqual({ mean: 5, standardError: 0 });
  });

  it('averages only the draws with an outcome at the horizon, and says when none had one (no NaN, no zeros)', () => {
    const some = summariseEvaluations([evaluation(10, 0.7), evaluation(0, 0, 30, 100, 0), evaluation(14, 0.9)]).methods[0]!.byHorizon[0]!;
    expect(some.draws).toBe(2);
    expect(some.meanCount).toBeCloseTo(20 / 3, 12);
    expect(some.scores!.coverage80.mean).toBeCloseTo(0.8, 12);
    const one = summariseEvaluations([evaluation(10, 0.7), evaluation(0, 0, 30, 100, 0)]).methods[0]!.byHorizon[0]!;
    expect(one.scores!.rmse).toEqual({ mean: 10, standardError: null });
    const none = summariseEvaluations([evaluation(0, 0, 30, 100, 0), evaluation(0, 0, 30, 100, 0)]).methods[0]!.byHorizon[0]!;
    expect(none).toEqual({ horizonMin: 30, draws: 0, meanCount: 0, scores: null });
  });

  it('refuses one evaluation, and evaluations of different horizons', () => {
    expect(() => summariseEvaluations([evaluation(10, 0.8)])).toThrow(/at least two/);
    expect(() => summariseEvaluations([evaluation(10, 0.8, 30), evaluation(10, 0.8, 60)])).toThrow(/differ/);
  });
});
