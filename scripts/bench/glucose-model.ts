/**
 * The glucose twin's fast layer on the real CGM files: its scores next to the baselines' on Broll
 * (5 subjects, default protocol: 24 h burn-in, daily refits) and on the simglucose day (one simulated
 * T1D adult, 24 h of 3-min readings, so a 6 h burn-in and 2 h refits: MODEL-NOTES §1.7's 6-h tuning
 * window), the degradation curves on Broll (0/20/40/60 % removed at random and in 2–6 h gaps), the
 * published GlucoBench numbers for Broll beside ours, and the runtime of fit + forecasts.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { formatDegradationCurve, formatEvaluation, loadSubjects, METHOD_LABEL } from '../../main/cli/commands/twin.js';
import { type CgmSubject } from '../../shared/model/glucose/cgm-subjects.js';
import { degradationCurve } from '../../shared/model/glucose/degradation-curve.js';
import { evaluateGlucoseForecasts, type GlucoseEvaluation } from '../../shared/model/glucose/evaluation.js';
import { cgmReadings } from '../../shared/model/glucose/fast-layer.js';
import { DEFAULT_PROTOCOL, type ForecastProtocol } from '../../shared/model/glucose/protocol.js';
import { forecastWithTwin } from '../../shared/model/glucose/twin-forecaster.js';

const DATA = path.resolve('../shared/data');
const BROLL = path.join(DATA, 'cgm/broll-5-subjects.csv');
const SIMGLUCOSE = path.join(DATA, 'cgm/simglucose-adult001-truth-and-cgm.csv');
const GLUCOBENCH = path.join(DATA, 'benchmarks/glucobench-results.csv');
const SIMGLUCOSE_PROTOCOL: ForecastProtocol = { ...DEFAULT_PROTOCOL, burnInMin: 6 * 60, refitIntervalMin: 2 * 60 };
const DEGRADATION_SEED = 1;

const quietIo = { env: {}, stdout: () => undefined, stderr: () => undefined };

interface Timed<T> {
  readonly value: T;
  readonly wallSeconds: number;
  readonly cpuSeconds: number;
}

function timed<T>(work: () => T): Timed<T> {
  const cpu = process.cpuUsage();
  const start = performance.now();
  const value = work();
  const used = process.cpuUsage(cpu);
  return { value, wallSeconds: (performance.now() - start) / 1000, cpuSeconds: (used.user + used.system) / 1e6 };
}

/** The twin alone, as `caretwin twin forecast` runs it: MAP refits and the 30/60-min forecasts with quantiles. */
function twinForecastRun(subjects: readonly CgmSubject[]): { origins: number; refits: number; likelihoodEvaluations: number } {
  let origins = 0;
  let refits = 0;
  let likelihoodEvaluations = 0;
  let checksum = 0;
  for (const subject of subjects) {
    const run = forecastWithTwin(cgmReadings(subject.timeMin, subject.glucoseMgDl, subject.censoring), DEFAULT_PROTOCOL, {
      onBlock: (block) => {
        refits++;
        likelihoodEvaluations += block.fit.evaluations;
      },
    });
    for (const origin of run) {
      origins++;
      for (const forecast of origin.forecasts) for (const p of [0.025, 0.1, 0.5, 0.9, 0.975]) checksum += forecast.quantile(p);
    }
  }
  if (!Number.isFinite(checksum)) throw new Error('non-finite forecast');
  return { origins, refits, likelihoodEvaluations };
}

/** The numbers the issue quotes, per method and horizon. */
function scoreSummary(evaluation: GlucoseEvaluation) {
  return Object.fromEntries(
    evaluation.methods.map((m) => [
      m.method,
      {
        byHorizon: Object.fromEntries(
          m.byHorizon.map(({ horizonMin, scores: s }) => [
            `${horizonMin} min`,
            { n: s.count, rmse: s.rmse, mae: s.mae, coverage80: s.coverage80, coverage95: s.coverage95, crps: s.crps, intervalScore80: s.intervalScore80, intervalScore95: s.intervalScore95, pitHistogram: s.pitHistogram },
          ]),
        ),
        glucoBench: m.glucoBench,
        intoGaps: m.intoGaps,
      },
    ]),
  );
}

/** GlucoBench's published Broll ("iglu") rows, in-distribution and out-of-distribution test splits. */
function publishedGlucoBench(): { model: string; covariates: string; split: string; rmse: number; medianMae: number; calibrationError: number | null }[] {
  const rows = parse(readFileSync(GLUCOBENCH, 'utf8'), { columns: true }) as Record<string, string>[];
  return rows
    .filter((row) => row.dataset === 'iglu')
    .map((row) => ({
      model: row.model!,
      covariates: row.covariates!,
      split: row.split!,
      rmse: Number(row['sqrt_median_MSE(=RMSE col in paper T1)']),
      medianMae: Number(row.median_MAE),
      calibrationError: row.mean_calib_err_12steps === '' ? null : Number(row.mean_calib_err_12steps),
    }));
}

export async function benchGlucoseModel(): Promise<Record<string, unknown>> {
  const broll = loadSubjects(BROLL, quietIo);
  const simglucose = loadSubjects(SIMGLUCOSE, quietIo);
  const twinRun = timed(() => twinForecastRun(broll));
  const brollEvaluation = timed(() => evaluateGlucoseForecasts(broll, { protocol: DEFAULT_PROTOCOL }));
  const simEvaluation = timed(() => evaluateGlucoseForecasts(simglucose, { protocol: SIMGLUCOSE_PROTOCOL }));
  const curve = timed(() => degradationCurve(broll, { evaluation: { protocol: DEFAULT_PROTOCOL }, seed: DEGRADATION_SEED }));
  const published = publishedGlucoBench();
  const ours = brollEvaluation.value.methods.map((m) => ({ method: METHOD_LABEL[m.method], ...m.glucoBench }));
  const lines = [
    '[glucose twin] Broll, 5 subjects (caretwin twin evaluate --cgm ../shared/data/cgm/broll-5-subjects.csv)',
    ...formatEvaluation(brollEvaluation.value, DEFAULT_PROTOCOL, null, brollEvaluation.wallSeconds),
    '',
    '[glucose twin] simglucose adult#001, one simulated day (… --burn-in-hours 6 --refit-hours 2)',
    ...formatEvaluation(simEvaluation.value, SIMGLUCOSE_PROTOCOL, null, simEvaluation.wallSeconds),
    '',
    `[glucose twin] degradation curves on Broll (seed ${DEGRADATION_SEED})`,
    ...formatDegradationCurve(curve.value, curve.wallSeconds),
    '',
    '[glucose twin] GlucoBench published Broll results (their test windows, 1 h = 12 steps) beside ours (every origin with 12 outcomes)',
    ...published.map((row) => `  ${`${row.model}${row.covariates === 'True' ? '+cov' : ''}`.padEnd(16)} ${row.split.padEnd(4)} RMSE ${row.rmse.toFixed(2).padStart(6)}  MAE ${row.medianMae.toFixed(2).padStart(6)}  calibration ${row.calibrationError === null ? '   n/a' : row.calibrationError.toFixed(4)}`),
    ...ours.map((row) => `  ${row.method.padEnd(27)} RMSE ${row.rmse.toFixed(2).padStart(6)}  MAE ${row.medianMae.toFixed(2).padStart(6)}  calibration ${row.calibrationError.toFixed(4)}  (${row.windows} windows)`),
    '',
    `[glucose twin] fit + 30/60-min forecasts for the 5 Broll subjects: ${twinRun.wallSeconds.toFixed(2)} s wall, ${twinRun.cpuSeconds.toFixed(2)} s CPU (${twinRun.value.origins} origins, ${twinRun.value.refits} MAP refits, ${twinRun.value.likelihoodEvaluations} likelihood evaluations)`,
  ];
  return {
    lines,
    runtime: {
      twinFitAndForecastBroll: { ...twinRun.value, wallSeconds: twinRun.wallSeconds, cpuSeconds: twinRun.cpuSeconds },
      evaluateBroll: { wallSeconds: brollEvaluation.wallSeconds, cpuSeconds: brollEvaluation.cpuSeconds },
      evaluateSimglucose: { wallSeconds: simEvaluation.wallSeconds, cpuSeconds: simEvaluation.cpuSeconds },
      degradationCurveBroll: { wallSeconds: curve.wallSeconds, cpuSeconds: curve.cpuSeconds },
    },
    broll: { protocol: DEFAULT_PROTOCOL, origins: brollEvaluation.value.origins, scores: scoreSummary(brollEvaluation.value), fits: brollEvaluation.value.fits },
    simglucose: { protocol: SIMGLUCOSE_PROTOCOL, origins: simEvaluation.value.origins, scores: scoreSummary(simEvaluation.value), fits: simEvaluation.value.fits },
    degradationCurveBroll: curve.value.map((point) => ({
      kind: point.kind,
      fraction: point.fraction,
      visibleReadings: point.evaluation.visibleReadings,
      origins: point.evaluation.origins,
      scores: scoreSummary(point.evaluation),
    })),
    glucoBench: { published, ours, note: 'their test windows and splits differ from our origins; compare in kind, not window for window' },
  };
}
