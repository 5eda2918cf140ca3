// The twin's daily input from Samples and medications, and the normal distribution behind its probabilities.
import { describe, expect, it } from 'vitest';
import { MS_PER_DAY } from '../../domain/sample.js';
import { HF_OBSERVATION, HF_OBSERVATION_DIM, heartFailureObservations } from './model.js';
import { normalCdf, probabilityAbove, Z_80, Z_95 } from './normal.js';
import { buildHeartFailureSeries, furosemideEquivalentPerMg, HF_STREAMS, isoDateOfDay, truncateHeartFailureSeries } from './series.js';

const DAY0 = 20_000;
const at = (day: number, hour: number): number => (DAY0 + day) * MS_PER_DAY + hour * 3_600_000;

describe('buildHeartFailureSeries', () => {
  const series = buildHeartFailureSeries({
    firstDay: DAY0,
    dayCount: 4,
    readings: [
      // Morning weight counts; the evening one after dinner does not. Day 2 has none.
      { stream: HF_STREAMS.weight, tMs: [at(0, 19), at(0, 7), at(1, 8), at(3, 7), at(5, 7)], values: [82.4, 81.6, 81.8, 82.0, 90] },
      { stream: HF_STREAMS.systolic, tMs: [at(0, 7), at(0, 20), at(2, 7)], values: [120, 130, 118] },
      { stream: HF_STREAMS.steps, tMs: [at(1, 12), at(1, 12)], values: [3200, 4100] },
      { stream: HF_STREAMS.ntProBnp, tMs: [at(3, 10)], values: [1450] },
      { stream: HF_STREAMS.weight, tMs: [at(-1, 7)], values: [81] },
      { stream: '99504-3', tMs: [at(0, 1)], values: [140] },
    ],
    medications: [
      {
        name: 'Furosemide',
        rxnorm: '4603',
        unit: 'mg/d',
        doses: [
          { startMs: at(-300, 9), dose: 40 },
          { startMs: at(1, 15), dose: 80 },
        ],
      },
      { name: 'Bumetanide', unit: 'mg/d', doses: [{ startMs: at(3, 8), dose: 1 }] },
      { name: 'Metoprolol succinate', unit: 'mg/d', doses: [{ startMs: at(-300, 9), dose: 50 }] },
    ],
  });

  it('keeps one value per UTC day and stream, NaN where there was none', () => {
    expect(Array.from(series.daily[HF_STREAMS.weight]!)).toEqual([81.6, 81.8, Number.NaN, 82.0]);
    expect(Array.from(series.daily[HF_STREAMS.systolic]!)).toEqual([125, Number.NaN, 118, Number.NaN]);
    expect(Array.from(series.daily[HF_STREAMS.steps]!)).toEqual([Number.NaN, 4100, Number.NaN, Number.NaN]);
    expect(series.daily[HF_STREAMS.restingHeartRate]).toBeUndefined();
    expect(Object.keys(series.daily)).not.toContain('99504-3');
  });

  it('gives the loop-diuretic dose in force at the end of each day, in furosemide equivalents', () => {
    // 80 mg from the afternoon of day 1; bumetanide 1 mg = furosemide 40 mg from day 3.
    expect(Array.from(series.loopDiureticMgPerDay)).toEqual([40, 80, 80, 120]);
    expect(furosemideEquivalentPerMg({ name: 'Torsemide 20 mg tablet', unit: 'mg/d' })).toBe(2);
    expect(furosemideEquivalentPerMg({ name: 'Furosemide', unit: 'mg' })).toBeNull();
    expect(furosemideEquivalentPerMg({ name: 'Spironolactone', unit: 'mg/d' })).toBeNull();
  });

  it('feeds the model on its scales (log steps and NT-proBNP) with the dose change from day 0', () => {
    const observations = heartFailureObservations(series);
    const p = HF_OBSERVATION_DIM;
    expect(observations.values[1 * p + HF_OBSERVATION.logSteps]).toBeCloseTo(Math.log(4100), 12);
    expect(observations.values[3 * p + HF_OBSERVATION.logNtProBnp]).toBeCloseTo(Math.log(1450), 12);
    expect(observations.values[2 * p + HF_OBSERVATION.weight]).toBeNaN();
    expect(Array.from(observations.doseChangeMgPerDay)).toEqual([0, 40, 40, 80]);
  });

  it('truncates to what was known on a day', () => {
    const cut = truncateHeartFailureSeries(series, 1);
    expect(cut.dayCount).toBe(2);
    expect(Array.from(cut.daily[HF_STREAMS.weight]!)).toEqual([81.6, 81.8]);
    expect(Array.from(cut.loopDiureticMgPerDay)).toEqual([40, 80]);
    expect(isoDateOfDay(DAY0)).toBe('2024-10-04');
  });
});

describe('normal distribution', () => {
  it('matches reference values (mpmath), with a small relative error in the tails', () => {
    expect(normalCdf(0)).toBe(0.5);
    expect(normalCdf(Z_95)).toBeCloseTo(0.975, 14);
    expect(normalCdf(-Z_80)).toBeCloseTo(0.1, 14);
    expect(normalCdf(-3)).toBeCloseTo(0.0013498980316301, 15);
    // In the tails the error is relative: about 1e-10 to 7 SD, 1e-8 beyond (ample for an alert).
    expect(normalCdf(-5) / 2.866515718791939e-7).toBeCloseTo(1, 9);
    expect(normalCdf(-8) / 6.220960574271784e-16).toBeCloseTo(1, 7);
    expect(normalCdf(1) + normalCdf(-1)).toBeCloseTo(1, 15);
  });

  it('turns a posterior into an exceedance probability', () => {
    expect(probabilityAbove(0.2, 0.1, 0.1)).toBeCloseTo(normalCdf(1), 15);
    expect(probabilityAbove(0.2, 0, 0.1)).toBe(1);
  });
});
