import { describe, expect, it } from 'vitest';
import type { FastLayerParameters } from '../../../shared/model/glucose/fast-layer.js';
import { glucoseTrack, decimateObserved, computeTwinViewCache, twinSeriesView } from './twin-view.js';
import type { StoredTwin } from './twin-compute.js';

const MIN = 60_000;
const P: FastLayerParameters = {
  deviationTimeConstantMin: 120,
  rateTimeConstantMin: 20,
  rateDrivenDeviationSd: 0.2,
  directDeviationSd: 0.02,
  levelDriftSdPerDay: 0.1,
  sensorNoiseScale: 0.02,
  insertionNoiseFactor: 2,
};

/** `days` of 5-min CGM (a daily sine around 140 mg/dL) with a silence of `gapHours` starting at day 1 noon. */
function cgm(days: number, gapHours: number): { tMs: Float64Array; values: Float64Array } {
  const t0 = Date.UTC(2026, 0, 1);
  const gapFrom = t0 + 36 * 60 * MIN;
  const gapTo = gapFrom + gapHours * 60 * MIN;
  const tMs: number[] = [];
  const values: number[] = [];
  for (let t = t0; t < t0 + days * 1440 * MIN; t += 5 * MIN) {
    if (t > gapFrom && t < gapTo) continue;
    tMs.push(t);
    values.push(140 + 50 * Math.sin((2 * Math.PI * (t - t0)) / (1440 * MIN)) + 8 * Math.sin(t / (37 * MIN)));
  }
  return { tMs: Float64Array.from(tMs), values: Float64Array.from(values) };
}

const stored = (computedMs: number): StoredTwin =>
  ({
    version: 1,
    modelVersion: 'living-twin-1',
    computedMs,
    glucose: { modelVersion: 'glucose-fast-1', fit: { parameters: P, fitThroughMs: computedMs }, lastReadingMs: 0 },
    daily: null,
    hf: null,
    provenance: { streams: [], modelVersions: {}, medications: 0 },
  }) as unknown as StoredTwin;

describe('twin view series', () => {
  it('keeps a CGM gap as a gap: the band widens inside it and no mean is drawn across it', () => {
    const series = cgm(3, 8);
    const track = glucoseTrack(series, P);
    expect(track.readings).toBe(series.tMs.length);
    const gridIndices = [...track.real.keys()].filter((i) => track.real[i] === 0);
    expect(gridIndices.length).toBeGreaterThan(10);
    const middle = gridIndices[Math.floor(gridIndices.length / 2)]!;
    const atReading = track.real.indexOf(1, 300);
    // At a reading the smoothed SD is a few %; 4 h from any reading it is several times that.
    expect(track.logSd[middle]!).toBeGreaterThan(3 * track.logSd[atReading]!);

    const view = twinSeriesView('a'.repeat(32), computeTwinViewCache('k', { conditions: ['t1d'], zone: null, series: { '99504-3': series }, medications: [] }, stored(1)), stored(1), new Set(['cgm', 'derived']), {});
    const g = view.glucose!;
    expect(g.gaps).toHaveLength(1);
    expect(g.gaps[0]!.toMs - g.gaps[0]!.fromMs).toBeGreaterThan(7 * 60 * MIN);
    // The observed line breaks in the gap: a null between the readings either side.
    const nullAt = g.observed.mgDl.indexOf(null);
    expect(nullAt).toBeGreaterThan(0);
    expect(g.observed.tMs[nullAt]!).toBeGreaterThan(g.gaps[0]!.fromMs);
    expect(g.observed.tMs[nullAt]!).toBeLessThan(g.gaps[0]!.toMs);
    const s = g.smoothed!;
    const inGap = s.tMs.map((t, i) => (t > g.gaps[0]!.fromMs && t < g.gaps[0]!.toMs ? i : -1)).filter((i) => i >= 0);
    expect(inGap.length).toBeGreaterThan(0);
    for (const i of inGap) {
      expect(s.mean[i]).toBeNull();
      expect(s.upper95[i]).not.toBeNull();
    }
    const widthInGap = Math.max(...inGap.map((i) => s.upper95[i]! - s.lower95[i]!));
    const widthOutside = s.upper95[10]! - s.lower95[10]!;
    expect(widthInGap).toBeGreaterThan(3 * widthOutside);
  });

  it('decimates 90 days of 5-min CGM to the buckets asked for, keeping every extreme', () => {
    const series = cgm(90, 0);
    expect(series.tMs.length).toBeGreaterThan(25_000);
    const cache = computeTwinViewCache('k', { conditions: ['t2d'], zone: null, series: { '99504-3': series }, medications: [] }, stored(1));
    const view = twinSeriesView('a'.repeat(32), cache, stored(1), new Set(['cgm', 'derived']), { buckets: 800 });
    const g = view.glucose!;
    expect(view.window.decimated).toBe(true);
    expect(g.observed.tMs.length).toBeLessThanOrEqual(2 * 801);
    expect(g.smoothed!.tMs.length).toBeLessThanOrEqual(2 * 801);
    const values = g.observed.mgDl.filter((v): v is number => v !== null);
    expect(Math.max(...values)).toBe(Math.max(...series.values));
    expect(Math.min(...values)).toBe(Math.min(...series.values));
    // A window of one day is sent at full resolution.
    const day = twinSeriesView('a'.repeat(32), cache, stored(1), new Set(['cgm', 'derived']), { fromMs: series.tMs[0]!, toMs: series.tMs[0]! + 1440 * MIN - 1 });
    expect(day.window.decimated).toBe(false);
    expect(day.glucose!.observed.tMs).toHaveLength(288);
  });

  it('shows observed data without a band when no twin is computed, and nothing of a class the caller may not see', () => {
    const series = cgm(2, 0);
    const cache = computeTwinViewCache('k', { conditions: ['t1d'], zone: null, series: { '99504-3': series }, medications: [] }, undefined);
    const view = twinSeriesView('a'.repeat(32), cache, undefined, new Set(['cgm', 'derived']), {});
    expect(view.computedMs).toBeNull();
    expect(view.glucose!.smoothed).toBeNull();
    expect(view.glucose!.observed.tMs.length).toBe(series.tMs.length);
    expect(twinSeriesView('a'.repeat(32), cache, undefined, new Set(['derived']), {}).glucose).toBeNull();
  });

  it('breaks a daily series where a day has no reading', () => {
    const day = 86_400_000;
    const out = decimateObserved([0, day, 2 * day, 6 * day], [70, 71, 72, 73], () => true, 0, 7 * day, 0, 2 * day);
    expect(out.values).toEqual([70, 71, 72, null, 73]);
  });
});

describe('twin view series, heart failure', () => {
  it('keeps the daily posterior through days without a weighing, with a wider band there, and the weight line broken', () => {
    const day = 86_400_000;
    const firstDay = 20_400;
    const tMs: number[] = [];
    const values: number[] = [];
    for (let d = 0; d < 60; d++) {
      if (d >= 30 && d < 40) continue; // ten days without the scale
      tMs.push((firstDay + d) * day + 7 * 3_600_000);
      values.push(80 + 0.3 * Math.sin(d / 3));
    }
    const inputs = { conditions: ['hf'], zone: null, series: { '29463-7': { tMs: Float64Array.from(tMs), values: Float64Array.from(values) } }, medications: [] };
    const hfStored = { ...stored(1), glucose: null, hf: { projection: { fromDay: firstDay + 59, horizonDays: 1, loopDiureticMgPerDay: 0, days: [] } } } as unknown as StoredTwin;
    const cache = computeTwinViewCache('k', inputs, hfStored);
    const view = twinSeriesView('a'.repeat(32), cache, hfStored, new Set(['vitals', 'derived']), {});
    const hf = view.hf!;
    const model = hf.model!;
    expect(model.tMs).toHaveLength(60);
    const width = (i: number): number => model.dryWeightKg.upper95[i]! + model.fluidExcessKg.upper95[i]! - model.fluidExcessKg.lower95[i]! - model.dryWeightKg.lower95[i]!;
    expect(width(38)).toBeGreaterThan(width(28));
    expect(hf.observedWeightKg.kg.filter((v) => v === null)).toHaveLength(1);
    // Without a stored heart-failure twin the weighings are shown without the model.
    const none = twinSeriesView('a'.repeat(32), computeTwinViewCache('k2', inputs, undefined), undefined, new Set(['vitals', 'derived']), {});
    expect(none.hf!.model).toBeNull();
    expect(none.hf!.observedWeightKg.kg.filter((v) => v !== null)).toHaveLength(50);
  });
});
