// CUSUM, the alert state, alert reasons on a hand-made series, and the weight rule of thumb.
import { describe, expect, it } from 'vitest';
import { alertStateEntries } from './alerts.js';
import { runCusum } from './cusum.js';
import { ruleOfThumbTriggers } from './rule-of-thumb.js';
import { HF_STREAMS, type HeartFailureSeries } from './series.js';
import { seededNormal } from './simulate.js';
import { runHeartFailureTwin } from './twin.js';
import { screenWeightUnitErrors } from './weight-screen.js';

describe('CUSUM', () => {
  it('stays at zero on in-control scores and fires on a sustained 1-SD shift', () => {
    const normal = seededNormal(5);
    const scores = Float64Array.from({ length: 200 }, (_, t) => 0.3 * normal() + (t >= 100 ? 1 : 0));
    const cusum = runCusum(scores, 0.5, 5);
    for (let t = 0; t < 100; t++) expect(cusum.alarm[t]).toBe(0);
    const first = cusum.alarm.indexOf(1);
    // A 1-SD shift gains about 0.5 a day over k = 0.5: h = 5 is crossed after about 10 days.
    expect(first).toBeGreaterThanOrEqual(106);
    expect(first).toBeLessThanOrEqual(116);
    expect(cusum.peak[first]).toBeGreaterThan(5);
    expect(cusum.runStart[first]).toBeGreaterThanOrEqual(99);
    expect(cusum.runStart[first]).toBeLessThanOrEqual(101);
  });

  it('resets after an alarm, so a persisting shift alarms again only after accumulating anew', () => {
    const scores = new Float64Array(40).fill(2);
    const cusum = runCusum(scores, 0.5, 5);
    // +1.5 a day: S = 1.5, 3, 4.5, 6 → alarm on day 3, back to 0, again on day 7, 11, …
    expect(Array.from(cusum.alarm.slice(0, 12))).toEqual([0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1]);
    expect(cusum.statistic[3]).toBe(0);
    expect(cusum.peak[3]).toBe(6);
    expect(cusum.runStart[3]).toBe(0);
    expect(cusum.runStart[4]).toBe(4);
  });

  it('skips days without a score and drains on negative ones', () => {
    const cusum = runCusum([3, Number.NaN, Number.NaN, -4, 1], 0.5, 5);
    expect(Array.from(cusum.statistic)).toEqual([2.5, 2.5, 2.5, 0, 0.5]);
    expect(Array.from(cusum.runStart)).toEqual([0, 0, 0, -1, 4]);
  });
});

describe('alert state', () => {
  it('raises one alert per stretch of met criteria and re-arms after the clear days', () => {
    const met = [0, 1, 1, 0, 1, 0, 0, 0, 1, 0, 0, 1];
    const { entries, active } = alertStateEntries(met, 3);
    expect(entries).toEqual([1, 8]);
    expect(Array.from(active)).toEqual([0, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1]);
  });

  it('keeps the alert open while the posterior is still elevated (hysteresis)', () => {
    const met = [1, 0, 0, 0, 0, 0, 0, 0, 1];
    const elevated = [1, 1, 1, 1, 0, 0, 0, 0, 0];
    const { entries, active } = alertStateEntries(met, 3, elevated);
    expect(entries).toEqual([0, 8]);
    expect(Array.from(active)).toEqual([1, 1, 1, 1, 1, 1, 0, 0, 1]);
  });
});

/** A hand-made patient: flat for 40 days, then weight and heart rate climb for 10 days. */
function climbingPatient(): HeartFailureSeries {
  const n = 52;
  const normal = seededNormal(42);
  const weight = new Float64Array(n);
  const heartRate = new Float64Array(n);
  const systolic = new Float64Array(n);
  const spo2 = new Float64Array(n);
  const steps = new Float64Array(n);
  for (let t = 0; t < n; t++) {
    const climbDays = Math.max(0, Math.min(10, t - 40));
    weight[t] = 84 + 0.25 * climbDays + 0.15 * normal();
    heartRate[t] = 68 + 0.8 * climbDays + 1 * normal();
    systolic[t] = 124 + 3 * normal();
    spo2[t] = 96 + 0.4 * normal();
    steps[t] = 4000 * Math.exp(0.08 * normal());
  }
  weight[20] = Number.NaN;
  steps[45] = Number.NaN;
  return {
    firstDay: 20_000,
    dayCount: n,
    daily: {
      [HF_STREAMS.weight]: weight,
      [HF_STREAMS.restingHeartRate]: heartRate,
      [HF_STREAMS.systolic]: systolic,
      [HF_STREAMS.spo2]: spo2,
      [HF_STREAMS.steps]: steps,
    },
    loopDiureticMgPerDay: new Float64Array(n).fill(40),
  };
}

describe('alert reasons', () => {
  it('name the signals that moved, by how much and over which days', () => {
    const series = climbingPatient();
    const twin = runHeartFailureTwin(series);
    expect(twin.alerts).toHaveLength(1);
    const alert = twin.alerts[0]!;
    const firedIndex = alert.firedOnDay - series.firstDay;
    expect(firedIndex).toBeGreaterThan(40);
    expect(firedIndex).toBeLessThanOrEqual(46);
    expect(alert.dataUsed.toDay).toBe(alert.firedOnDay);
    expect(alert.dataUsed.fromDay).toBeGreaterThanOrEqual(series.firstDay + 38);
    expect(alert.dataUsed.fromDay).toBeLessThanOrEqual(series.firstDay + 41);

    const moved = alert.signals.filter((s) => s.towardsCongestion).map((s) => s.stream);
    expect(new Set(moved)).toEqual(new Set([HF_STREAMS.weight, HF_STREAMS.restingHeartRate]));
    expect(alert.unchanged).toEqual(expect.arrayContaining([HF_STREAMS.systolic, HF_STREAMS.spo2, HF_STREAMS.steps]));

    // The true change: mean of the recent three days minus mean of the seven days to fromDay.
    const climbDays = (t: number): number => Math.max(0, Math.min(10, t - 40));
    const fromIndex = alert.dataUsed.fromDay - series.firstDay;
    const meanClimb = (from: number, to: number): number => {
      let sum = 0;
      for (let t = from; t <= to; t++) sum += climbDays(t);
      return sum / (to - from + 1);
    };
    const trueClimbDays = meanClimb(Math.max(fromIndex + 1, firedIndex - 2), firedIndex) - meanClimb(fromIndex - 6, fromIndex);
    const weight = alert.signals.find((s) => s.stream === HF_STREAMS.weight)!;
    expect(weight.unit).toBe('kg');
    // Three days of 0.15-kg noise against seven: about 0.1 kg SD.
    expect(Math.abs(weight.change - 0.25 * trueClimbDays)).toBeLessThan(0.25);
    expect(weight.fromDay).toBe(alert.dataUsed.fromDay);
    expect(weight.toDay).toBe(alert.firedOnDay);
    const heartRate = alert.signals.find((s) => s.stream === HF_STREAMS.restingHeartRate)!;
    expect(heartRate.unit).toBe('/min');
    expect(Math.abs(heartRate.change - 0.8 * trueClimbDays)).toBeLessThan(1.5);

    expect(alert.text).toMatch(/weight \+\d\.\d kg/);
    expect(alert.text).toMatch(/resting heart rate \+\d+ bpm/);
    expect(alert.text).toContain('No readings: NT-proBNP.');
    expect(alert.dataUsed.streams.find((s) => s.stream === HF_STREAMS.ntProBnp)).toEqual({
      stream: HF_STREAMS.ntProBnp,
      readingDays: 0,
      lastDay: null,
      lastValue: null,
    });
  });

  it('raises nothing on the same patient without the climb', () => {
    const series = climbingPatient();
    const flat = { ...series, daily: { ...series.daily } };
    flat.daily[HF_STREAMS.weight] = series.daily[HF_STREAMS.weight]!.map((w, t) => w - 0.25 * Math.max(0, Math.min(10, t - 40)));
    flat.daily[HF_STREAMS.restingHeartRate] = series.daily[HF_STREAMS.restingHeartRate]!.map((h, t) => h - 0.8 * Math.max(0, Math.min(10, t - 40)));
    expect(runHeartFailureTwin(flat).alerts).toEqual([]);
  });
});

describe('weight rule of thumb', () => {
  it('fires on 1.36 kg in a day or 2.27 kg in three days, and not on slower gains or unit errors', () => {
    const nan = Number.NaN;
    const weights = Float64Array.of(
      80.0, 80.2, 81.6, // day 2: +1.4 on yesterday
      81.5, 81.4, 82.0, 82.8, 83.7, // day 7: +2.3 on the lowest of days 4–6 (81.4)
      83.6, nan, 84.9, // day 10: +1.3 on day 8, yesterday missing: no one-day check, three-day below 2.27
      84.8, 84.7 * 2.20462, 84.9, // day 12: typed in pounds, screened
      84.0, 83.2, 82.5, 81.8, 81.1, 80.6, // a slow fall
      80.8, 81.2, 81.7, 82.1, 82.6, 83.0, // 0.4–0.5 kg a day: gains 2.0 kg in 4 days, never 2.27 in 3
    );
    const triggers = ruleOfThumbTriggers(weights);
    expect(triggers.map((t) => [t.index, t.rule])).toEqual([
      [2, 'one-day'],
      [7, 'three-day'],
    ]);
    expect(triggers[0]!.gainKg).toBeCloseTo(1.4, 9);
    expect(triggers[0]!.fromIndex).toBe(1);
    expect(triggers[1]!.gainKg).toBeCloseTo(2.3, 9);
    expect(triggers[1]!.fromIndex).toBe(4);
  });

  it('converts a weight typed in pounds back to kg using earlier readings only', () => {
    const screen = screenWeightUnitErrors(Float64Array.of(90.1, Number.NaN, 90.4, 90.2 * 2.20462, 90.0, 200));
    // 200 on a 90-kg patient is 200 lb = 90.7 kg: a unit error too.
    expect(screen.poundsCorrectedDays).toEqual([3, 5]);
    expect(screen.weightKg[3]).toBeCloseTo(90.2, 9);
    expect(screen.weightKg[5]).toBeCloseTo(200 / 2.20462, 9);
    expect(screen.weightKg[1]).toBeNaN();
    // 150 kg is implausible for a 90-kg patient but is not 90 kg in pounds (68 kg): left for the outlier handling.
    expect(screenWeightUnitErrors(Float64Array.of(90, 90, 150)).poundsCorrectedDays).toEqual([]);
    // The first reading has nothing to be checked against.
    expect(screenWeightUnitErrors(Float64Array.of(198.4, 90, 90)).poundsCorrectedDays).toEqual([]);
  });
});
