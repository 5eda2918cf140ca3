import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AGP_BINS, computeAgp, gmiPct, percentileSorted } from './agp.js';

const MIN = 60_000;
const DAY = 86_400_000;

describe('percentiles (type 7)', () => {
  it('matches hand-computed values', () => {
    const sorted = [40, 60, 100, 120, 150, 180, 200, 250, 260, 300];
    // h = (n - 1) p: 0.45 -> 40 + 0.45 x 20; 2.25 -> 100 + 0.25 x 20; 4.5 -> midway 150..180; 8.55 -> 260 + 0.55 x 40
    expect(percentileSorted(sorted, 5)).toBeCloseTo(49, 10);
    expect(percentileSorted(sorted, 25)).toBeCloseTo(105, 10);
    expect(percentileSorted(sorted, 50)).toBeCloseTo(165, 10);
    expect(percentileSorted(sorted, 95)).toBeCloseTo(282, 10);
    expect(percentileSorted([7], 95)).toBe(7);
  });
});

describe('computeAgp on hand-computed readings', () => {
  const start = Date.UTC(2024, 0, 15, 8, 0);
  const values = [40, 60, 100, 150, 180, 200, 250, 260, 300, 120];
  const tMs = values.map((_, i) => start + i * 5 * MIN);

  it('time in ranges, mean, SD, CV, GMI', () => {
    const agp = computeAgp({ tMs, valuesMgDl: values, zone: 'UTC' });
    expect(agp.readings).toBe(10);
    expect(agp.ranges).toEqual({ veryLowPct: 10, lowPct: 10, inRangePct: 40, highPct: 20, veryHighPct: 20 });
    expect(agp.meanMgDl).toBeCloseTo(166, 10);
    // sum of squared deviations 69,040 over n - 1 = 9
    expect(agp.sdMgDl).toBeCloseTo(Math.sqrt(69040 / 9), 10);
    expect(agp.cvPct).toBeCloseTo((100 * 87.58487) / 166, 3);
    expect(agp.gmiPct).toBeCloseTo(7.28072, 10);
    expect(gmiPct(154)).toBeCloseTo(6.99368, 10);
    expect(agp.intervalMinutes).toBe(5);
    expect(agp.wearPct).toBe(100);
    expect(agp.daysWithData).toBe(1);
    expect(agp.calendarDays).toBe(1);
  });

  it('gives the same AGP for readings in any order', () => {
    const order = [3, 9, 0, 7, 1, 8, 2, 6, 4, 5];
    const shuffled = computeAgp({ tMs: order.map((i) => tMs[i]!), valuesMgDl: order.map((i) => values[i]!), zone: 'UTC' });
    expect(shuffled).toEqual(computeAgp({ tMs, valuesMgDl: values, zone: 'UTC' }));
  });

  it('range bounds: 54 is low, 70 and 180 in range, 250 high', () => {
    const agp = computeAgp({ tMs: [0, 1, 2, 3, 4, 5].map((i) => i * 5 * MIN), valuesMgDl: [53.9, 54, 69.9, 70, 180, 250], zone: 'UTC' });
    const r = agp.ranges!;
    expect([r.veryLowPct, r.lowPct, r.inRangePct, r.highPct, r.veryHighPct].map((x) => Math.round(x * 6 / 100))).toEqual([1, 2, 2, 1, 0]);
  });

  it('wear is the share of expected slots holding a reading, over the period asked for', () => {
    const agp = computeAgp({ tMs, valuesMgDl: values, zone: 'UTC', fromMs: start, toMs: start + 100 * MIN });
    expect(agp.wearPct).toBe(50);
    // A duplicated reading fills no extra slot.
    const dup = computeAgp({ tMs: [...tMs, tMs[3]! + 1000], valuesMgDl: [...values, 150], zone: 'UTC', fromMs: start, toMs: start + 100 * MIN });
    expect(dup.wearPct).toBe(50);
  });

  it('insufficient data says why; 14 days at >= 70 % wear is sufficient', () => {
    const short = computeAgp({ tMs, valuesMgDl: values, zone: 'UTC', fromMs: start, toMs: start + 100 * MIN });
    expect(short.sufficiency.sufficient).toBe(false);
    expect(short.sufficiency.days).toBe(false);
    expect(short.sufficiency.wear).toBe(false);
    expect(short.sufficiency.reasons).toHaveLength(2);

    // 14 days of 5-min readings with every fourth missing: 75 % wear.
    const t: number[] = [];
    const v: number[] = [];
    for (let i = 0; i < 14 * 288; i++) {
      if (i % 4 === 3) continue;
      t.push(start + i * 5 * MIN);
      v.push(120 + 40 * Math.sin(i / 20));
    }
    const full = computeAgp({ tMs: t, valuesMgDl: v, zone: 'Europe/Berlin', fromMs: start, toMs: start + 14 * DAY, intervalMs: 5 * MIN });
    expect(full.wearPct).toBeCloseTo(75, 10);
    expect(full.sufficiency).toEqual({ sufficient: true, days: true, wear: true, reasons: [] });
    expect(full.periodDays).toBe(14);
    // 14 x 24 h from 08:00 UTC (09:00 in Berlin) touch 15 Berlin calendar days, each with readings.
    expect(full.calendarDays).toBe(15);
    expect(full.daysWithData).toBe(15);
  });

  it('rejects a period that ends before it starts and an unknown zone', () => {
    expect(() => computeAgp({ tMs, valuesMgDl: values, zone: 'UTC', fromMs: start, toMs: start - 1 })).toThrow(/end after/);
    expect(() => computeAgp({ tMs, valuesMgDl: values, zone: 'Mars/Olympus' })).toThrow(/IANA/);
    expect(() => computeAgp({ tMs, valuesMgDl: [1], zone: 'UTC' })).toThrow(/length/);
  });

  it('no readings: nulls, not zeros', () => {
    const agp = computeAgp({ tMs: [], valuesMgDl: [], zone: 'UTC', fromMs: start, toMs: start + 14 * DAY });
    expect(agp.meanMgDl).toBeNull();
    expect(agp.ranges).toBeNull();
    expect(agp.gmiPct).toBeNull();
    expect(agp.wearPct).toBe(0);
    expect(agp.bins.every((b) => b.p50 === null && b.n === 0)).toBe(true);
  });
});

describe('the time-of-day profile', () => {
  it('reads the local clock (DST included) and pools a one-hour window that wraps round midnight', () => {
    // 18:10 local in New York: 23:10Z in winter (EST), 22:10Z in summer (EDT); 00:05 local on the same days.
    const t = [
      Date.UTC(2024, 0, 15, 23, 10),
      Date.UTC(2024, 0, 16, 23, 10),
      Date.UTC(2024, 6, 15, 22, 10),
      Date.UTC(2024, 6, 16, 22, 10),
      Date.UTC(2024, 6, 17, 22, 10),
      Date.UTC(2024, 0, 16, 5, 5),
      Date.UTC(2024, 6, 16, 4, 5),
    ];
    const v = [100, 110, 120, 130, 140, 200, 210];
    const agp = computeAgp({ tMs: t, valuesMgDl: v, zone: 'America/New_York', minReadingsPerBin: 1, intervalMs: 5 * MIN });
    expect(agp.bins).toHaveLength(AGP_BINS);
    const bin1810 = (18 * 60) / 15;
    expect(agp.bins[bin1810]!.n).toBe(5);
    expect(agp.bins[bin1810]!.p50).toBe(120);
    expect(agp.bins[bin1810 + 2]!.n).toBe(5);
    expect(agp.bins[bin1810 + 3]!.n).toBe(0);
    expect(agp.bins[bin1810 + 3]!.p50).toBeNull();
    expect(agp.bins[bin1810 - 3]!.n).toBe(0);
    // 00:05 is bin 0; bins 94 and 95 (23:30, 23:45) pool it.
    expect(agp.bins[0]!.n).toBe(2);
    expect(agp.bins[95]!.n).toBe(2);
    expect(agp.bins[94]!.p50).toBe(205);
    expect(agp.bins[93]!.n).toBe(0);
    // Local days: Jan 15, 16 (18:10 and 00:05 on the 16th), Jul 15, 16, 17.
    expect(agp.daysWithData).toBe(5);
  });
});

describe('local time across a DST change', () => {
  it('puts every reading of a week spanning the change in the bin of its local clock time', () => {
    // 5-min readings from 2026-03-05 to 03-12 UTC; New York moves to EDT on 2026-03-08 at 07:00 UTC. The value is
    // the local clock hour computed by Intl for each reading: every bin's median must be its own hour.
    const hour = new Intl.DateTimeFormat('en-US', { timeZone: 'America/New_York', hour: 'numeric', hourCycle: 'h23' });
    const t: number[] = [];
    const v: number[] = [];
    for (let x = Date.UTC(2026, 2, 5); x < Date.UTC(2026, 2, 12); x += 5 * MIN) {
      t.push(x);
      v.push(100 + Number(hour.format(x)));
    }
    const agp = computeAgp({ tMs: t, valuesMgDl: v, zone: 'America/New_York', intervalMs: 5 * MIN });
    // The bin at hh:15 pools hh-1:45 to hh:59: four of its five quarter hours are hour hh, so its median is hh.
    for (let h = 0; h < 24; h++) expect(agp.bins[h * 4 + 1]!.p50).toBe(100 + h);
  });
});

describe('AGP of a real CGM file (Broll et al., iglu example data, Subject 1, read in place)', () => {
  const text = readFileSync(path.resolve('../shared/data/cgm/broll-5-subjects.csv'), 'utf8');
  const tMs: number[] = [];
  const values: number[] = [];
  for (const line of text.split('\n').slice(1)) {
    const m = /^"Subject 1",(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d),(\d+(?:\.\d+)?)/.exec(line);
    if (!m) continue;
    // The file's times are local wall-clock times with no zone: read them on a UTC clock so that the time of day is theirs.
    tMs.push(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!));
    values.push(Number(m[7]));
  }
  const agp = computeAgp({ tMs, valuesMgDl: values, zone: 'UTC' });

  it('agrees with a direct computation over the file', () => {
    expect(tMs.length).toBeGreaterThan(1000);
    expect(agp.readings).toBe(tMs.length);
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    expect(agp.meanMgDl).toBeCloseTo(mean, 9);
    expect(agp.gmiPct).toBeCloseTo(3.31 + 0.02392 * mean, 9);
    const inRange = values.filter((x) => x >= 70 && x <= 180).length;
    expect(agp.ranges!.inRangePct).toBeCloseTo((100 * inRange) / values.length, 9);
    const r = agp.ranges!;
    expect(r.veryLowPct + r.lowPct + r.inRangePct + r.highPct + r.veryHighPct).toBeCloseTo(100, 9);
    expect(agp.intervalMinutes).toBe(5);
    const days = new Set(tMs.map((t) => Math.floor(t / DAY))).size;
    expect(agp.daysWithData).toBe(days);
    expect(agp.wearPct).toBeGreaterThan(50);
    expect(agp.wearPct).toBeLessThanOrEqual(100);
  });

  it("each bin's median is the median of the readings within +-30 minutes of its time of day (computed another way)", () => {
    for (const b of [0, 30, 57, 95]) {
      const window = values
        .filter((_, i) => {
          const d = new Date(tMs[i]!);
          const minute = d.getUTCHours() * 60 + d.getUTCMinutes();
          const bin = Math.floor(minute / 15);
          const dist = Math.min(Math.abs(bin - b), 96 - Math.abs(bin - b));
          return dist <= 2;
        })
        .sort((x, y) => x - y);
      expect(agp.bins[b]!.n).toBe(window.length);
      const mid = (window.length - 1) / 2;
      const median = (window[Math.floor(mid)]! + window[Math.ceil(mid)]!) / 2;
      expect(agp.bins[b]!.p50).toBeCloseTo(median, 1);
    }
  });

  it('percentile curves are ordered in every bin', () => {
    for (const b of agp.bins) {
      if (b.p50 === null) continue;
      expect(b.p5!).toBeLessThanOrEqual(b.p25!);
      expect(b.p25!).toBeLessThanOrEqual(b.p50);
      expect(b.p50).toBeLessThanOrEqual(b.p75!);
      expect(b.p75!).toBeLessThanOrEqual(b.p95!);
    }
  });
});
