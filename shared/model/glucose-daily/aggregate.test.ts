import { describe, expect, it } from 'vitest';
import { aggregateCgmDaily, sortLogs } from './aggregate.js';
import { projectDailyGlucose } from './project.js';
import { type DailyGlucoseInput, WITHIN_DAY_PROBABILITIES } from './types.js';

const MS_PER_DAY = 86_400_000;
const FIVE_MIN_MS = 300_000;
const DAY = 20_000; // a UTC day number (2024-10-04)

function readings(startMs: number, count: number, value: (k: number) => number): { tMs: number[]; mgDl: number[] } {
  const tMs: number[] = [];
  const mgDl: number[] = [];
  for (let k = 0; k < count; k++) {
    tMs.push(startMs + k * FIVE_MIN_MS);
    mgDl.push(value(k));
  }
  return { tMs, mgDl };
}

describe('sortLogs', () => {
  it('sorts as Float64Array.sort does: whole mg/dL counted, anything else sorted, and no count left behind', () => {
    let state = 7;
    const uniform = (): number => {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
      return state / 2 ** 32;
    };
    const cases: number[][] = [
      Array.from({ length: 288 }, () => 40 + Math.floor(uniform() * 360)),
      [120, 120, 120, 39, 401, 1023, 1, 120],
      [100, 150.5, 80, 100], // a fraction part way: sorted, and the counts made so far are cleared
      Array.from({ length: 100 }, () => 40 + Math.floor(uniform() * 70)), // covers the 100 above
      [2000, 100, 100, 5000], // beyond the counted range
      [55],
    ];
    for (const values of cases) {
      const logs = Float64Array.from(values, Math.log);
      const expected = Float64Array.from(logs).sort();
      expect(sortLogs(values, logs)).toEqual(expected);
    }
  });
});

describe('aggregateCgmDaily', () => {
  it('summarises zone-less readings per UTC day: mean, wear, SD of ln glucose, residual quantiles', () => {
    const full = readings(DAY * MS_PER_DAY, 288, (k) => (k % 2 === 0 ? 100 : 200));
    const half = readings((DAY + 1) * MS_PER_DAY, 144, () => 150);
    const summary = aggregateCgmDaily(Float64Array.from([...full.tMs, ...half.tMs]), Float64Array.from([...full.mgDl, ...half.mgDl]));
    expect(Array.from(summary.days)).toEqual([DAY, DAY + 1]);
    expect(summary.meanMgDl[0]).toBe(150);
    expect(summary.wearFraction[0]).toBe(1);
    expect(summary.sdLogMgDl[0]).toBeCloseTo(0.5 * Math.log(2), 12);
    expect(summary.readingCount[1]).toBe(144);
    expect(summary.wearFraction[1]).toBe(0.5);
    expect(summary.sdLogMgDl[1]).toBeCloseTo(0, 12);
    const width = WITHIN_DAY_PROBABILITIES.length;
    expect(summary.residualQuantilesLog[0]).toBeCloseTo(Math.log(100 / 150), 12);
    expect(summary.residualQuantilesLog[width - 1]).toBeCloseTo(Math.log(200 / 150), 12);
    expect(summary.residualQuantilesLog[width + 12]).toBeCloseTo(0, 12);
  });

  it('counts a repeated timestamp once (the first given), drops non-positive and non-finite values, ignores order', () => {
    const base = readings(DAY * MS_PER_DAY, 10, (k) => 100 + k);
    const tMs = [...[...base.tMs].reverse(), base.tMs[3]!, base.tMs[0]! + 1, base.tMs[0]! + 2, base.tMs[0]! + 3];
    const mgDl = [...[...base.mgDl].reverse(), 999, Number.NaN, 0, -5];
    const summary = aggregateCgmDaily(Float64Array.from(tMs), Float64Array.from(mgDl));
    expect(summary.readingCount[0]).toBe(10);
    expect(summary.meanMgDl[0]).toBeCloseTo(104.5, 12);
  });

  it('uses the patient zone: local days, and 276 expected readings on a 23-hour spring-forward day', () => {
    // A zone at UTC−5 that moves to UTC−4 at 07:00 UTC on day DAY (02:00 local).
    const switchMs = DAY * MS_PER_DAY + 7 * 3_600_000;
    const zoneOffsetMs = (utcMs: number): number => (utcMs < switchMs ? -5 : -4) * 3_600_000;
    const localMidnightUtcMs = DAY * MS_PER_DAY + 5 * 3_600_000;
    const day = readings(localMidnightUtcMs, 276, () => 120);
    const summary = aggregateCgmDaily(Float64Array.from(day.tMs), Float64Array.from(day.mgDl), { zoneOffsetMs });
    expect(Array.from(summary.days)).toEqual([DAY]);
    expect(summary.readingCount[0]).toBe(276);
    expect(summary.wearFraction[0]).toBe(1);
    // The same readings on UTC days straddle two days.
    expect(aggregateCgmDaily(Float64Array.from(day.tMs), Float64Array.from(day.mgDl)).days).toHaveLength(2);
  });

  it('extends the grid with empty days (NaN mean, wear 0) and handles no readings at all', () => {
    const day = readings(DAY * MS_PER_DAY, 288, () => 130);
    const summary = aggregateCgmDaily(Float64Array.from(day.tMs), Float64Array.from(day.mgDl), { firstDay: DAY - 1, lastDay: DAY + 1 });
    expect(Array.from(summary.days)).toEqual([DAY - 1, DAY, DAY + 1]);
    expect(Number.isNaN(summary.meanMgDl[0]!)).toBe(true);
    expect(summary.wearFraction[2]).toBe(0);
    expect(Number.isNaN(summary.residualQuantilesLog[2 * WITHIN_DAY_PROBABILITIES.length]!)).toBe(true);
    expect(aggregateCgmDaily(new Float64Array(0), new Float64Array(0)).days).toHaveLength(0);
    expect(() => aggregateCgmDaily(new Float64Array(2), new Float64Array(1))).toThrow(/2 times but 1 values/);
  });

  it('feeds the projection directly: the summary plus HbA1c results and doses is a DailyGlucoseInput', () => {
    const tMs: number[] = [];
    const mgDl: number[] = [];
    for (let d = 0; d < 21; d++) {
      // Three meals a day on a 130 mg/dL base; day 10 is half worn.
      const count = d === 10 ? 144 : 288;
      const day = readings((DAY + d) * MS_PER_DAY, count, (k) => 130 + 60 * Math.max(0, Math.sin((2 * Math.PI * k) / 96)));
      tMs.push(...day.tMs);
      mgDl.push(...day.mgDl);
    }
    const input: DailyGlucoseInput = {
      ...aggregateCgmDaily(Float64Array.from(tMs), Float64Array.from(mgDl)),
      hba1c: [{ day: DAY + 3, percent: 7.1 }],
      doses: [],
      diabetesType: 't2d',
    };
    const projection = projectDailyGlucose(input, { samplePaths: 200 });
    expect(projection.originDay).toBe(DAY + 20);
    expect(projection.provenance.cgmDays).toBe(21);
    expect(projection.provenance.partialCgmDays).toBe(1);
    expect(projection.provenance.withinDayShape).toBe('patient-quantiles');
    const window = projection.windows[0]!;
    expect(window.meanGlucoseMgDl.mean).toBeGreaterThan(140);
    expect(window.meanGlucoseMgDl.mean).toBeLessThan(175);
    expect(window.timeInRange.mean).toBeGreaterThan(0.6);
  });
});
