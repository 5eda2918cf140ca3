/**
 * `caretwin twin forecast|evaluate`: the glucose twin's fast layer on a CGM file, with no store.
 *
 *   twin forecast --cgm FILE [--horizons 30,60] --out OUT.csv
 *     one row per (subject, origin reading, horizon) for every reading after the subject's burn-in:
 *     id,origin,horizon_min,mean,q025,q10,q50,q90,q975 (origin as written in the file, glucose in mg/dL)
 *   twin evaluate --cgm FILE [--drop-random F | --drop-gaps F [--gap-hours A-B]] [--seed S] [--json]
 *   twin evaluate --cgm FILE (--drop-random F | --drop-gaps F [--gap-hours A-B]) --seeds A-B [--json]
 *     the same removal drawn with every seed from A to B: each score's mean and its standard error
 *   twin evaluate --cgm FILE --degradation-curve [--seed S] [--json]
 *     scores of the twin and the baselines on the same origins (shared/model/glucose/evaluation.ts)
 *
 * Both take --burn-in-hours (default 24) and --refit-hours (default 24). The file is an iglu-style CSV,
 * a Dexcom Clarity export or a simglucose result, detected from its header.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { cgmSubjects, type CgmSubject } from '../../../shared/model/glucose/cgm-subjects.js';
import { applyRemoval, DEFAULT_GAP_RANGE_MIN, type RemovalPlan } from '../../../shared/model/glucose/degradation.js';
import { type DegradationPoint, degradationCurve, GAP_HORIZONS_MIN } from '../../../shared/model/glucose/degradation-curve.js';
import { evaluateGlucoseForecasts, type ForecastMethod, type GlucoseEvaluation } from '../../../shared/model/glucose/evaluation.js';
import { cgmReadings } from '../../../shared/model/glucose/fast-layer.js';
import { DEFAULT_PROTOCOL, type ForecastProtocol } from '../../../shared/model/glucose/protocol.js';
import { evaluateOverSeeds, type RepeatedEvaluationSummary, type ScoreSpread } from '../../../shared/model/glucose/repeated-removal.js';
import { forecastWithTwin } from '../../../shared/model/glucose/twin-forecaster.js';
import { AppError } from '../../../shared/ipc/errors.js';
import {
  type CgmCsvContent,
  detectCgmCsv,
  isSimglucoseCsv,
  readDexcomClarityCsv,
  readIgluCsv,
  readSimglucoseCsv,
} from '../../core/ingest/formats/cgm-csv.js';
import { intOption } from './options.js';
import { runTwinRefit } from './twin-refit.js';
import type { Command, CommandIo } from './index.js';

const SUBCOMMANDS = 'forecast, evaluate or refit';
const MAX_HORIZON_MIN = 24 * 60;
/** Quantiles written per forecast, in column order. */
const OUTPUT_QUANTILES = [0.025, 0.1, 0.5, 0.9, 0.975] as const;

export const METHOD_LABEL: Record<ForecastMethod, string> = {
  twin: 'twin (MAP, recalibrated)',
  'last-value': 'last value carried forward',
  'linear-30min': 'linear, last 30 min',
  'nightscout-ar2': 'Nightscout AR2',
};

export const twinCommand: Command = {
  positionals: true,
  options: {
    cgm: { type: 'string' },
    horizons: { type: 'string' },
    out: { type: 'string' },
    'burn-in-hours': { type: 'string' },
    'refit-hours': { type: 'string' },
    'drop-random': { type: 'string' },
    'drop-gaps': { type: 'string' },
    'gap-hours': { type: 'string' },
    seed: { type: 'string' },
    seeds: { type: 'string' },
    'degradation-curve': { type: 'boolean' },
    json: { type: 'boolean' },
    patient: { type: 'string' },
  },
  async run(ctx) {
    const { values, io, positionals } = ctx;
    const [subcommand, ...extra] = positionals ?? [];
    // The living twin's refit over the store (./twin-refit.ts).
    if (subcommand === 'refit') {
      if (extra.length > 0) throw invalidUsage('twin refit takes no arguments besides its options.');
      return runTwinRefit(ctx);
    }
    if (subcommand !== 'forecast' && subcommand !== 'evaluate') {
      throw invalidUsage(`say what to do: twin ${SUBCOMMANDS} (e.g. caretwin twin forecast --cgm FILE --out OUT.csv).`);
    }
    if (extra.length > 0) throw invalidUsage(`twin ${subcommand} takes its file with --cgm, not as an argument.`);
    if (typeof values.cgm !== 'string') throw invalidUsage(`twin ${subcommand} needs --cgm FILE.`);
    const protocol = protocolFrom(values);
    if (subcommand === 'forecast') {
      if (typeof values.out !== 'string') throw invalidUsage('twin forecast needs --out OUT.csv.');
      const horizonsMin = horizonsFrom(values.horizons);
      return runForecast(loadSubjects(values.cgm, io), { ...protocol, horizonsMin }, values.out, io);
    }
    return runEvaluate(values.cgm, protocol, values, io);
  },
};

type Values = Readonly<Record<string, string | boolean | undefined>>;

/** A wrong or missing option, said the way the other commands say it (VALIDATION: exit code 1). */
function invalidUsage(message: string): AppError {
  return new AppError('VALIDATION', message);
}

/** Reads and groups the file; reports rejected rows by reason (counts and line numbers, never content). */
export function loadSubjects(file: string, io: CommandIo): CgmSubject[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new AppError('VALIDATION', code === 'ENOENT' ? 'The --cgm file does not exist.' : `The --cgm file cannot be read (${code ?? 'unknown error'}).`);
  }
  const content = readCgmText(text);
  reportRejected(content, io);
  if (content.readings.length === 0) throw new AppError('VALIDATION', 'The file holds no usable CGM readings.');
  const subjects = cgmSubjects(content.readings);
  if (subjects.every((s) => s.timeMin.length < 2)) {
    throw new AppError('VALIDATION', 'The file holds a single reading per subject: forecasting needs a series.');
  }
  return subjects;
}

function readCgmText(text: string): CgmCsvContent {
  if (text.replace(/^\uFEFF/, '').trim() === '') throw new AppError('VALIDATION', 'The --cgm file is empty.');
  const format = detectCgmCsv(text);
  if (format === 'iglu') return readIgluCsv(text);
  if (format === 'dexcom-clarity') return readDexcomClarityCsv(text);
  if (isSimglucoseCsv(text)) return readSimglucoseCsv(text);
  throw new AppError(
    'VALIDATION',
    'The --cgm file is not a CGM CSV CareTwin reads: expected an iglu-style CSV (id,time,gl), a Dexcom Clarity export or a simglucose result (Time,BG,CGM).',
  );
}

function reportRejected(content: CgmCsvContent, io: CommandIo): void {
  if (content.rejected.length === 0) return;
  const byReason = new Map<string, number[]>();
  for (const row of content.rejected) byReason.set(row.reason, [...(byReason.get(row.reason) ?? []), row.line]);
  io.stderr(`${content.rejected.length} row(s) skipped:`);
  for (const [reason, lines] of byReason) {
    const shown = lines.slice(0, 10).join(', ') + (lines.length > 10 ? `, … (${lines.length - 10} more)` : '');
    io.stderr(`  ${reason}: line ${shown}`);
  }
}

function protocolFrom(values: Values): ForecastProtocol {
  return {
    ...DEFAULT_PROTOCOL,
    burnInMin: 60 * intOption(values['burn-in-hours'], 'burn-in-hours', DEFAULT_PROTOCOL.burnInMin / 60, 0, 24 * 30),
    refitIntervalMin: 60 * intOption(values['refit-hours'], 'refit-hours', DEFAULT_PROTOCOL.refitIntervalMin / 60, 1, 24 * 30),
  };
}

function horizonsFrom(value: string | boolean | undefined): number[] {
  if (value === undefined) return [...DEFAULT_PROTOCOL.horizonsMin];
  const parts = typeof value === 'string' ? value.split(',').map((p) => p.trim()) : [];
  const horizons = parts.map((p) => (/^\d+$/.test(p) ? Number(p) : Number.NaN));
  if (horizons.length === 0 || horizons.some((h) => !(h >= 1 && h <= MAX_HORIZON_MIN))) {
    throw invalidUsage(`--horizons takes whole minutes from 1 to ${MAX_HORIZON_MIN}, separated by commas (e.g. 30,60).`);
  }
  return [...new Set(horizons)];
}

function noOrigins(protocol: ForecastProtocol): AppError {
  return new AppError(
    'VALIDATION',
    `No subject has readings after its ${protocol.burnInMin / 60} h burn-in, so there is nothing to forecast from; a shorter --burn-in-hours allows it.`,
  );
}

function runForecast(subjects: readonly CgmSubject[], protocol: ForecastProtocol, outFile: string, io: CommandIo): number {
  const lines = ['id,origin,horizon_min,mean,q025,q10,q50,q90,q975'];
  let withForecasts = 0;
  for (const subject of subjects) {
    const readings = cgmReadings(subject.timeMin, subject.glucoseMgDl, subject.censoring);
    const before = lines.length;
    for (const origin of forecastWithTwin(readings, protocol)) {
      const prefix = `${csvField(subject.id)},${csvField(subject.timeText[origin.index]!)}`;
      protocol.horizonsMin.forEach((horizonMin, h) => {
        const forecast = origin.forecasts[h]!;
        const numbers = [forecast.squaredErrorPoint, ...OUTPUT_QUANTILES.map((p) => forecast.quantile(p))];
        if (!numbers.every(Number.isFinite)) throw new Error('twin forecast produced a non-finite value');
        lines.push(`${prefix},${horizonMin},${numbers.map((x) => x.toFixed(3)).join(',')}`);
      });
    }
    if (lines.length > before) withForecasts++;
  }
  if (withForecasts === 0) throw noOrigins(protocol);
  try {
    writeFileSync(outFile, lines.join('\n') + '\n');
  } catch (error) {
    throw new AppError('VALIDATION', `The --out file cannot be written (${(error as NodeJS.ErrnoException).code ?? 'unknown error'}).`);
  }
  const skipped = subjects.length - withForecasts;
  io.stdout(
    `Wrote ${lines.length - 1} forecasts for ${withForecasts} subject(s) at ${protocol.horizonsMin.join(', ')} min` +
      (skipped > 0 ? `; ${skipped} subject(s) had no reading after the ${protocol.burnInMin / 60} h burn-in.` : '.'),
  );
  return 0;
}

function runEvaluate(file: string, protocol: ForecastProtocol, values: Values, io: CommandIo): number {
  const seed = intOption(values.seed, 'seed', 1, 0, 2 ** 31 - 1);
  if (values.seeds !== undefined) return runEvaluateOverSeeds(file, protocol, values, io);
  if (values['degradation-curve']) {
    if (values['drop-random'] !== undefined || values['drop-gaps'] !== undefined) {
      throw invalidUsage('--degradation-curve removes 20, 40 and 60 % itself; leave out --drop-random and --drop-gaps.');
    }
    const gapRangeMin = gapRangeFrom(values['gap-hours']);
    const subjects = loadSubjects(file, io);
    const started = performance.now();
    const points = degradationCurve(subjects, {
      evaluation: { protocol },
      seed,
      gapRangeMin,
      onPoint: (point) => {
        if (!values.json) io.stderr(`  ${point.kind === 'none' ? 'no removal' : `${Math.round(point.fraction * 100)} % ${point.kind}`}: done`);
      },
    });
    if (points[0]!.evaluation.origins === 0) throw noOrigins(protocol);
    const seconds = (performance.now() - started) / 1000;
    if (values.json) io.stdout(JSON.stringify({ protocol, seed, gapRangeMin, seconds, points }, null, 2));
    else for (const line of formatDegradationCurve(points, seconds)) io.stdout(line);
    return 0;
  }
  const plan = removalPlanFrom(values, seed);
  const subjects = loadSubjects(file, io);
  const started = performance.now();
  const evaluation = evaluateGlucoseForecasts(plan === null ? subjects : applyRemoval(subjects, plan), {
    protocol,
    gapHorizonsMin: plan?.kind === 'gaps' ? GAP_HORIZONS_MIN : [],
  });
  if (evaluation.origins === 0) throw noOrigins(protocol);
  const seconds = (performance.now() - started) / 1000;
  if (values.json) io.stdout(JSON.stringify({ protocol, removal: plan, seconds, evaluation }, null, 2));
  else for (const line of formatEvaluation(evaluation, protocol, plan, seconds)) io.stdout(line);
  return 0;
}

/** At most this many seeds in one `--seeds` range: 200 draws take about 7 s on the simglucose day, 9 min on the Broll file. */
const MAX_SEEDS = 200;

function runEvaluateOverSeeds(file: string, protocol: ForecastProtocol, values: Values, io: CommandIo): number {
  if (values.seed !== undefined) throw invalidUsage('use --seed or --seeds, not both.');
  if (values['degradation-curve']) throw invalidUsage('--seeds repeats one removal; it does not go with --degradation-curve.');
  const match = typeof values.seeds === 'string' ? /^(\d+)-(\d+)$/.exec(values.seeds) : null;
  const firstSeed = match ? Number(match[1]) : Number.NaN;
  const lastSeed = match ? Number(match[2]) : Number.NaN;
  if (!(lastSeed > firstSeed && lastSeed - firstSeed < MAX_SEEDS && lastSeed < 2 ** 31)) {
    throw invalidUsage(`--seeds takes a range of 2 to ${MAX_SEEDS} seeds such as 1-56.`);
  }
  const plan = removalPlanFrom(values, firstSeed);
  if (plan === null) throw invalidUsage('--seeds repeats a removal: give --drop-random F or --drop-gaps F too.');
  const subjects = loadSubjects(file, io);
  const started = performance.now();
  const summary = evaluateOverSeeds(subjects, {
    evaluation: { protocol },
    plan,
    firstSeed,
    lastSeed,
    onSeed: (seed, done, total) => {
      if (!values.json) io.stderr(`  seed ${seed} (${done}/${total}): done`);
    },
  });
  if (summary.meanOrigins === 0) throw noOrigins(protocol);
  const seconds = (performance.now() - started) / 1000;
  const removal = { kind: plan.kind, fraction: plan.fraction, gapRangeMin: plan.gapRangeMin, seeds: [firstSeed, lastSeed] };
  if (values.json) io.stdout(JSON.stringify({ protocol, removal, seconds, summary }, null, 2));
  else for (const line of formatRepeatedEvaluation(summary, plan, lastSeed, seconds)) io.stdout(line);
  return 0;
}

function fractionOption(value: string | boolean | undefined, name: string): number {
  const fraction = typeof value === 'string' && /^(0(\.\d+)?|\.\d+)$/.test(value) ? Number(value) : Number.NaN;
  if (!(fraction >= 0 && fraction <= 0.9)) throw invalidUsage(`--${name} takes a share of readings from 0 to 0.9 (e.g. 0.4).`);
  return fraction;
}

function gapRangeFrom(value: string | boolean | undefined): readonly [number, number] {
  if (value === undefined) return DEFAULT_GAP_RANGE_MIN;
  const match = typeof value === 'string' ? /^(\d+(?:\.\d+)?)-(\d+(?:\.\d+)?)$/.exec(value) : null;
  const low = match ? Number(match[1]) : Number.NaN;
  const high = match ? Number(match[2]) : Number.NaN;
  if (!(low > 0 && high >= low && high <= 48)) throw invalidUsage('--gap-hours takes a range of hours such as 2-6 (at most 48).');
  return [low * 60, high * 60];
}

function removalPlanFrom(values: Values, seed: number): RemovalPlan | null {
  const random = values['drop-random'];
  const gaps = values['drop-gaps'];
  if (random !== undefined && gaps !== undefined) throw invalidUsage('use --drop-random or --drop-gaps, not both.');
  if (values['gap-hours'] !== undefined && gaps === undefined) throw invalidUsage('--gap-hours goes with --drop-gaps.');
  if (random !== undefined) return { kind: 'random', fraction: fractionOption(random, 'drop-random'), seed };
  if (gaps !== undefined) return { kind: 'gaps', fraction: fractionOption(gaps, 'drop-gaps'), gapRangeMin: gapRangeFrom(values['gap-hours']), seed };
  return null;
}

/** RFC 4180: quote a field that holds a comma, a quote or a line break. */
function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

const pct = (share: number): string => (100 * share).toFixed(1);
const num = (value: number, digits = 2): string => value.toFixed(digits);

function describeRemoval(plan: RemovalPlan | null): string {
  if (plan === null) return 'none';
  const range = plan.gapRangeMin ?? DEFAULT_GAP_RANGE_MIN;
  return plan.kind === 'random'
    ? `${pct(plan.fraction)} % of readings at random (seed ${plan.seed})`
    : `${pct(plan.fraction)} % of readings in ${range[0] / 60}-${range[1] / 60} h gaps (seed ${plan.seed})`;
}

export function formatEvaluation(evaluation: GlucoseEvaluation, protocol: ForecastProtocol, plan: RemovalPlan | null, seconds: number): string[] {
  const lines = [
    `Glucose twin vs. baselines: ${evaluation.subjects} subject(s), ${evaluation.readings} readings, ${evaluation.visibleReadings} visible to the forecasters, ${evaluation.origins} forecast origins`,
    `Protocol: ${protocol.burnInMin / 60} h burn-in per subject; hyperparameters and bands refitted every ${protocol.refitIntervalMin / 60} h on earlier readings only; outcome = reading within ±${protocol.targetToleranceMin} min of origin + horizon`,
    `Removed: ${describeRemoval(plan)}. Glucose in mg/dL; coverage in %.`,
  ];
  const header = ['method', 'n', 'RMSE', 'MAE', 'bias', 'cov80', 'cov95', 'CRPS', 'IS80', 'IS95', 'width95'];
  evaluation.methods[0]!.byHorizon.forEach((entry, h) => {
    lines.push('', `Horizon ${entry.horizonMin} min`);
    lines.push(
      ...table(
        header,
        evaluation.methods.map((m) => {
          const s = m.byHorizon[h]!.scores;
          return [METHOD_LABEL[m.method], String(s.count), num(s.rmse), num(s.mae), num(s.bias), pct(s.coverage80), pct(s.coverage95), num(s.crps, 3), num(s.intervalScore80, 1), num(s.intervalScore95, 1), num(s.meanWidth95, 1)];
        }),
      ),
    );
    const twin = evaluation.methods.find((m) => m.method === 'twin')!.byHorizon[h]!.scores;
    lines.push(`PIT histogram of the twin (10 bins, % of outcomes): ${twin.pitHistogram.map((share) => (100 * share).toFixed(1)).join(' ')}`);
  });
  lines.push('', 'GlucoBench metrics (12 steps of 5 min; every origin whose 12 outcomes were all observed; their test windows differ from ours)');
  lines.push(
    ...table(
      ['method', 'windows', 'RMSE (sqrt median MSE)', 'median MAE', 'calibration error'],
      evaluation.methods.map((m) => [METHOD_LABEL[m.method], String(m.glucoBench.windows), num(m.glucoBench.rmse), num(m.glucoBench.medianMae), num(m.glucoBench.calibrationError, 4)]),
    ),
  );
  if (evaluation.methods[0]!.intoGaps.length > 0) {
    lines.push('', 'Forecasts into a gap: origins followed by >= 2 h without a visible reading, outcomes from the removed readings');
    lines.push(
      ...table(
        ['method', 'horizon', 'n', 'RMSE', 'max |error|', 'cov95', 'max q97.5'],
        evaluation.methods.flatMap((m) =>
          m.intoGaps.map((g) => [METHOD_LABEL[m.method], `${g.horizonMin} min`, String(g.scores.count), num(g.scores.rmse, 1), num(g.maxAbsoluteError, 0), pct(g.scores.coverage95), num(g.maxUpper975, 0)]),
        ),
      ),
    );
  }
  lines.push('', `Fit: ${evaluation.fits.reduce((n, f) => n + f.refits, 0)} MAP refits, ${evaluation.fits.reduce((n, f) => n + f.likelihoodEvaluations, 0)} likelihood evaluations; ${seconds.toFixed(1)} s in all.`);
  return lines;
}

export function formatRepeatedEvaluation(summary: RepeatedEvaluationSummary, plan: RemovalPlan, lastSeed: number, seconds: number): string[] {
  const lines = [
    `Glucose twin vs. baselines over ${summary.runs} removal draws: ${describeRemoval(plan).replace(/\(seed \d+\)/, `(seeds ${plan.seed}-${lastSeed})`)}`,
    `Each score: its mean over the draws ± the standard error of that mean (seed-to-seed SD / √${summary.runs}); the data's own sampling error is not in it. Glucose in mg/dL; coverage in %.`,
  ];
  const spread = (s: ScoreSpread, scale: number, digits: number): string =>
    `${(scale * s.mean).toFixed(digits)} ± ${s.standardError === null ? '–' : (scale * s.standardError).toFixed(digits)}`;
  summary.methods[0]!.byHorizon.forEach((entry, h) => {
    lines.push('', `Horizon ${entry.horizonMin} min`);
    lines.push(
      ...table(
        ['method', 'draws', 'n per draw', 'RMSE', 'bias', 'cov80', 'cov95', 'CRPS', 'width95'],
        summary.methods.map((m) => {
          const { draws, meanCount, scores: s } = m.byHorizon[h]!;
          const counts = [METHOD_LABEL[m.method], String(draws), meanCount.toFixed(0)];
          if (s === null) return [...counts, 'no outcome', '', '', '', '', ''];
          return [...counts, spread(s.rmse, 1, 2), spread(s.bias, 1, 2), spread(s.coverage80, 100, 1), spread(s.coverage95, 100, 1), spread(s.crps, 1, 3), spread(s.meanWidth95, 1, 1)];
        }),
      ),
    );
  });
  lines.push('', `${seconds.toFixed(1)} s in all.`);
  return lines;
}

export function formatDegradationCurve(points: readonly DegradationPoint[], seconds: number): string[] {
  const lines = ['Graceful degradation: readings removed, hyperparameters refitted on what is left, outcomes from all readings', ''];
  const horizons = points[0]!.evaluation.methods[0]!.byHorizon.map((entry) => entry.horizonMin);
  const header = ['removed', 'visible', ...horizons.flatMap((h) => [`twin RMSE ${h}`, `cov80 ${h}`, `cov95 ${h}`, `CRPS ${h}`, `best baseline RMSE ${h}`])];
  const rows = points.map((point) => {
    const twin = point.evaluation.methods.find((m) => m.method === 'twin')!;
    const baselines = point.evaluation.methods.filter((m) => m.method !== 'twin');
    return [
      point.kind === 'none' ? 'none' : `${Math.round(point.fraction * 100)} % ${point.kind}`,
      String(point.evaluation.visibleReadings),
      ...twin.byHorizon.flatMap((entry, h) => {
        const s = entry.scores;
        const best = Math.min(...baselines.map((m) => m.byHorizon[h]!.scores.rmse));
        return [num(s.rmse), pct(s.coverage80), pct(s.coverage95), num(s.crps, 3), num(best)];
      }),
    ];
  });
  lines.push(...table(header, rows));
  const gapRows = points
    .filter((point) => point.kind === 'gaps')
    .flatMap((point) =>
      point.evaluation.methods.flatMap((m) =>
        m.intoGaps.map((g) => [`${Math.round(point.fraction * 100)} %`, METHOD_LABEL[m.method], `${g.horizonMin} min`, String(g.scores.count), num(g.scores.rmse, 1), num(g.maxAbsoluteError, 0), pct(g.scores.coverage95), num(g.maxUpper975, 0)]),
      ),
    );
  if (gapRows.length > 0) {
    lines.push('', 'Forecasts into a gap (gap removal only)');
    lines.push(...table(['removed', 'method', 'horizon', 'n', 'RMSE', 'max |error|', 'cov95', 'max q97.5'], gapRows));
  }
  lines.push('', `${seconds.toFixed(1)} s in all.`);
  return lines;
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(header), ...rows.map(line)];
}
