/** `caretwin twin forecast|evaluate` in-process, on the real CGM files (read in place) and broken ones. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededRandom } from '../../../shared/model/glucose/degradation.js';
import { type GlucoseEvaluation } from '../../../shared/model/glucose/evaluation.js';
import { type ForecastProtocol } from '../../../shared/model/glucose/protocol.js';
import { runCli } from '../run.js';
import { formatEvaluation } from './twin.js';

const BROLL = path.resolve('../shared/data/cgm/broll-5-subjects.csv');
const CLARITY = path.resolve('../shared/data/cgm/dexcom-clarity-export.csv');
const SIMGLUCOSE = path.resolve('../shared/data/cgm/simglucose-adult001-truth-and-cgm.csv');

async function cli(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, { env: {}, stdout: (l) => out.push(l), stderr: (l) => err.push(l) });
  return { code, out: out.join('\n'), err };
}

describe('caretwin twin', () => {
  let dir: string;
  /** One Broll subject (5.8 days) as its own iglu file: the whole protocol in well under a second. */
  let subjectFile: string;
  let subjectLines: string[];
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'caretwin-twin-'));
    const [header, ...rows] = readFileSync(BROLL, 'utf8').trimEnd().split('\n');
    subjectLines = [header!, ...rows.filter((row) => row.startsWith('"Subject 3"'))];
    subjectFile = path.join(dir, 'subject3.csv');
    writeFileSync(subjectFile, subjectLines.join('\n') + '\n');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('forecast writes one row per origin after the 24 h burn-in and horizon, finite and ordered', async () => {
    const out = path.join(dir, 'forecast.csv');
    const r = await cli(['twin', 'forecast', '--cgm', subjectFile, '--horizons', '30,60', '--out', out]);
    expect(r.code).toBe(0);
    const [header, ...rows] = readFileSync(out, 'utf8').trimEnd().split('\n');
    expect(header).toBe('id,origin,horizon_min,mean,q025,q10,q50,q90,q975');
    const times = subjectLines.slice(1).map((line) => line.split(',')[1]!);
    const firstMs = Date.parse(times[0]!.replace(' ', 'T') + 'Z');
    const origins = times.filter((t) => Date.parse(t.replace(' ', 'T') + 'Z') - firstMs >= 24 * 3_600_000);
    expect(rows).toHaveLength(2 * origins.length);
    expect(r.out).toMatch(new RegExp(`Wrote ${rows.length} forecasts for 1 subject`));
    rows.forEach((row, i) => {
      const [id, origin, horizon, ...numbers] = row.split(',');
      expect(id).toBe('Subject 3');
      expect(origin).toBe(origins[i >> 1]);
      expect(horizon).toBe(i % 2 === 0 ? '30' : '60');
      const [mean, q025, q10, q50, q90, q975] = numbers.map(Number) as [number, number, number, number, number, number];
      expect([mean, q025, q10, q50, q90, q975].every(Number.isFinite)).toBe(true);
      expect(q025 <= q10 && q10 <= q50 && q50 <= q90 && q90 <= q975 && q025 > 0).toBe(true);
      expect(mean).toBeGreaterThan(q10);
      expect(mean).toBeLessThan(q90);
    });
  });

  it('forecast does not change when the readings after the origin are removed (bit for bit)', async () => {
    const fullOut = path.join(dir, 'full.csv');
    const cutOut = path.join(dir, 'cut.csv');
    expect((await cli(['twin', 'forecast', '--cgm', subjectFile, '--out', fullOut])).code).toBe(0);
    // A random origin after the burn-in (about reading 288 of 1,533), the file cut just after it.
    const keep = 300 + Math.floor(seededRandom(2024)() * (subjectLines.length - 400));
    const cutFile = path.join(dir, 'cut-input.csv');
    writeFileSync(cutFile, subjectLines.slice(0, keep + 1).join('\n') + '\n');
    expect((await cli(['twin', 'forecast', '--cgm', cutFile, '--out', cutOut])).code).toBe(0);
    const full = readFileSync(fullOut, 'utf8').trimEnd().split('\n');
    const cut = readFileSync(cutOut, 'utf8').trimEnd().split('\n');
    const lastOrigin = subjectLines[keep]!.split(',')[1]!;
    expect(cut[cut.length - 1]!.split(',')[1]).toBe(lastOrigin);
    expect(cut.length).toBeGreaterThan(100);
    expect(cut).toEqual(full.slice(0, cut.length));
  });

  it('evaluate scores the twin and the three baselines at 30 and 60 min; the twin wins on the Clarity file', async () => {
    const json = await cli(['twin', 'evaluate', '--cgm', CLARITY, '--json']);
    expect(json.code).toBe(0);
    const { evaluation, protocol } = JSON.parse(json.out) as { evaluation: GlucoseEvaluation; protocol: ForecastProtocol };
    const table = formatEvaluation(evaluation, protocol, null, 1).join('\n');
    for (const label of ['twin (MAP, recalibrated)', 'last value carried forward', 'linear, last 30 min', 'Nightscout AR2', 'Horizon 30 min', 'Horizon 60 min', 'GlucoBench']) {
      expect(table).toContain(label);
    }
    expect(table).not.toMatch(/NaN/);
    const twin = evaluation.methods.find((m) => m.method === 'twin')!;
    expect(twin.byHorizon.map((entry) => entry.horizonMin)).toEqual([30, 60]);
    for (const [h, entry] of twin.byHorizon.entries()) {
      for (const baseline of evaluation.methods.filter((m) => m.method !== 'twin')) {
        expect(entry.scores.rmse).toBeLessThan(baseline.byHorizon[h]!.scores.rmse);
        expect(entry.scores.crps).toBeLessThan(baseline.byHorizon[h]!.scores.crps);
      }
    }
  });

  it('evaluate with readings removed is deterministic for a seed', async () => {
    const run = async () => {
      const r = await cli(['twin', 'evaluate', '--cgm', subjectFile, '--drop-gaps', '0.4', '--gap-hours', '2-6', '--seed', '5', '--json']);
      expect(r.code).toBe(0);
      const { evaluation, removal } = JSON.parse(r.out) as { evaluation: unknown; removal: unknown };
      return JSON.stringify({ evaluation, removal });
    };
    const first = await run();
    expect(first).toContain('"intoGaps"');
    expect(await run()).toBe(first);
  });

  it('evaluate --seeds gives the mean and standard error of each score over the single-seed evaluations', async () => {
    const args = ['twin', 'evaluate', '--cgm', subjectFile, '--drop-random', '0.4', '--json'];
    const repeated = await cli([...args, '--seeds', '7-9']);
    expect(repeated.code).toBe(0);
    const { summary, removal } = JSON.parse(repeated.out) as {
      summary: { runs: number; methods: { method: string; byHorizon: { horizonMin: number; draws: number; scores: Record<string, { mean: number; standardError: number }> | null }[] }[] };
      removal: { kind: string; fraction: number; seeds: number[] };
    };
    expect(summary.runs).toBe(3);
    expect(removal).toMatchObject({ kind: 'random', fraction: 0.4, seeds: [7, 9] });
    const single: GlucoseEvaluation[] = [];
    for (const seed of ['7', '8', '9']) single.push((JSON.parse((await cli([...args, '--seed', seed])).out) as { evaluation: GlucoseEvaluation }).evaluation);
    expect(summary.methods.map((m) => m.method)).toEqual(single[0]!.methods.map((m) => m.method));
    summary.methods.forEach((method, m) =>
      method.byHorizon.forEach((entry, h) => {
        for (const name of ['rmse', 'coverage80', 'crps'] as const) {
          const values = single.map((e) => e.methods[m]!.byHorizon[h]!.scores[name]);
          const mean = (values[0]! + values[1]! + values[2]!) / 3;
          const sd = Math.sqrt(values.reduce((sum, x) => sum + (x - mean) ** 2, 0) / 2);
          expect(entry.scores![name]!.mean).toBeCloseTo(mean, 12);
          expect(entry.scores![name]!.standardError).toBeCloseTo(sd / Math.sqrt(3), 12);
        }
      }),
    );
    // Different draws do differ: a zero standard error would mean the seed was not used.
    expect(summary.methods[0]!.byHorizon[0]!.draws).toBe(3);
    expect(summary.methods[0]!.byHorizon[0]!.scores!.rmse!.standardError).toBeGreaterThan(0);
    const text = await cli(['twin', 'evaluate', '--cgm', subjectFile, '--drop-gaps', '0.4', '--seeds', '1-2']);
    expect(text.code).toBe(0);
    expect(text.out).toMatch(/over 2 removal draws: 40\.0 % of readings in 2-6 h gaps \(seeds 1-2\)/);
    expect(text.out).toMatch(/twin \(MAP, recalibrated\) +2 +\d+ +\d+\.\d\d ± \d+\.\d\d/);
    // A burn-in that leaves only the last reading as an origin: no outcome at either horizon, said so.
    const none = await cli(['twin', 'evaluate', '--cgm', SIMGLUCOSE, '--burn-in-hours', '24', '--drop-random', '0.2', '--seeds', '1-2']);
    expect(none.code).toBe(0);
    expect(none.out).toMatch(/twin \(MAP, recalibrated\) +0 +0 +no outcome/);
    expect(none.out).not.toMatch(/NaN/);
    expect(text.err.join('\n')).toMatch(/seed 2 \(2\/2\): done/);
  });

  it('reads a simglucose result as one subject when given a shorter burn-in', async () => {
    const out = path.join(dir, 'sim.csv');
    const r = await cli(['twin', 'forecast', '--cgm', SIMGLUCOSE, '--burn-in-hours', '6', '--refit-hours', '2', '--out', out]);
    expect(r.code).toBe(0);
    // 481 readings 3 min apart: those at 6 h and later are origins.
    expect(readFileSync(out, 'utf8').trimEnd().split('\n')).toHaveLength(1 + 2 * 361);
    // With the default 24 h burn-in only the very last reading (at 24:00) would be an origin; with 48 h none.
    const short = await cli(['twin', 'forecast', '--cgm', SIMGLUCOSE, '--burn-in-hours', '48', '--out', out]);
    expect(short.code).toBe(1);
    expect(short.err.join('\n')).toMatch(/burn-in/);
  });

  it('refuses bad input with one clear line and no content', async () => {
    const write = (name: string, text: string): string => {
      const file = path.join(dir, name);
      writeFileSync(file, text);
      return file;
    };
    const cases: [string[], number, RegExp][] = [
      [['twin'], 1, /forecast, evaluate or refit/],
      [['twin', 'predict', '--cgm', subjectFile], 1, /forecast, evaluate or refit/],
      [['twin', 'forecast', '--out', 'x.csv'], 1, /needs --cgm/],
      [['twin', 'forecast', '--cgm', subjectFile], 1, /needs --out/],
      [['twin', 'forecast', '--cgm', path.join(dir, 'missing.csv'), '--out', 'x.csv'], 1, /does not exist/],
      [['twin', 'forecast', '--cgm', write('empty.csv', ''), '--out', 'x.csv'], 1, /empty/],
      [['twin', 'forecast', '--cgm', write('other.csv', 'name,when,value\nJoe Bloggs,2020-01-01,5\n'), '--out', 'x.csv'], 1, /not a CGM CSV/],
      [['twin', 'forecast', '--cgm', write('one.csv', 'id,time,gl\nA,2020-01-01 00:00:00,100\n'), '--out', 'x.csv'], 1, /single reading/],
      [['twin', 'forecast', '--cgm', write('bad.csv', 'id,time,gl\nA,2020-01-01 00:00:00,abc\n'), '--out', 'x.csv'], 1, /no usable CGM readings/],
      [['twin', 'forecast', '--cgm', subjectFile, '--out', 'x.csv', '--horizons', '30,soon'], 1, /--horizons/],
      [['twin', 'evaluate', '--cgm', subjectFile, '--drop-random', '0.4', '--drop-gaps', '0.4'], 1, /not both/],
      [['twin', 'evaluate', '--cgm', subjectFile, '--drop-random', '1.5'], 1, /--drop-random/],
      [['twin', 'evaluate', '--cgm', subjectFile, '--drop-gaps', '0.4', '--gap-hours', '6-2'], 1, /--gap-hours/],
      [['twin', 'evaluate', '--cgm', subjectFile, '--seeds', '1-8'], 1, /--seeds repeats a removal/],
      [['twin', 'evaluate', '--cgm', subjectFile, '--drop-random', '0.4', '--seeds', '8-1'], 1, /--seeds takes a range/],
      [['twin', 'evaluate', '--cgm', subjectFile, '--drop-random', '0.4', '--seeds', '1-500'], 1, /--seeds takes a range/],
      [['twin', 'evaluate', '--cgm', subjectFile, '--drop-random', '0.4', '--seeds', '1-8', '--seed', '2'], 1, /--seed or --seeds/],
      [['twin', 'evaluate', '--cgm', subjectFile, '--degradation-curve', '--seeds', '1-8'], 1, /--degradation-curve/],
    ];
    for (const [args, code, message] of cases) {
      const r = await cli(args);
      expect(r.code, args.join(' ')).toBe(code);
      expect(r.err.join('\n'), args.join(' ')).toMatch(message);
      expect(r.err.join('\n')).not.toMatch(/Joe Bloggs|NaN/);
    }
    const skipped = await cli(['twin', 'forecast', '--cgm', write('bad.csv', 'id,time,gl\nA,2020-01-01 00:00:00,abc\nA,2020-01-01 00:05:00,100\nA,2020-01-01 00:10:00,100\n'), '--out', path.join(dir, 'y.csv')]);
    expect(skipped.err.join('\n')).toMatch(/1 row\(s\) skipped:\n {2}the glucose value is not a number: line 2/);
  });
});
