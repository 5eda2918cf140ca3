import { describe, expect, it } from 'vitest';
import { utcDay } from '../../../shared/domain/sample.js';
import { HF_STREAMS } from '../../../shared/model/heart-failure/series.js';
import { planCohortMember } from '../demo/cohort.js';
import { planDemoPatient } from '../demo/panel.js';
import { demoWindow } from '../demo/window.js';
import { alertHeartFailurePatient, evaluateHfEpisodes, heartFailureSeriesFromPlan, HF_EVALUATION_END_MS, scoreDetector, type PatientAlerts } from './hf-episodes.js';

describe('scoreDetector', () => {
  const patients: PatientAlerts[] = [
    {
      index: 0,
      firstDay: 100,
      lastDay: 189,
      episodes: [
        { onsetDay: 120, eventDay: 130 },
        { onsetDay: 170, eventDay: null },
      ],
      confounders: [{ kind: 'weekend-weight-bump', startDay: 150, endDay: 155 }],
      alertDays: {
        // 110 before any onset; 125 detects the first episode 5 days ahead; 128 and 144 belong to it
        // (144 = event + 14); 145 is one day too late; 157 falls 2 days after a confounder; 175 detects
        // the episode still building at the end.
        twin: [110, 125, 128, 144, 145, 157, 175],
        'rule-of-thumb': [130],
      },
    },
    {
      index: 1,
      firstDay: 100,
      lastDay: 189,
      episodes: [{ onsetDay: 140, eventDay: 150 }],
      confounders: [{ kind: 'viral-illness', startDay: 110, endDay: 114 }],
      alertDays: { twin: [], 'rule-of-thumb': [139, 151, 170] },
    },
  ];

  it('counts detections, lead times and unexplained alerts as the report defines them', () => {
    const twin = scoreDetector('twin', patients, 90);
    expect(twin).toMatchObject({
      episodes: 3,
      detected: 2,
      completedEpisodes: 2,
      completedDetected: 1,
      ongoingEpisodes: 1,
      ongoingDetected: 1,
      leadTimesDays: [5],
      medianLeadTimeDays: 5,
      alerts: 7,
      unexplainedAlerts: 3,
      unexplainedDuringConfounders: { 'weekend-weight-bump': 1 },
    });
    expect(twin.sensitivity).toBeCloseTo(2 / 3, 12);
    expect(twin.unexplainedPerPatientYear).toBeCloseTo(3 / ((2 * 90) / 365.25), 12);
  });

  it('counts an alert on the event day as detection with zero lead, and one a day before onset as unexplained', () => {
    const rule = scoreDetector('rule-of-thumb', patients, 90);
    expect(rule).toMatchObject({ episodes: 3, detected: 1, leadTimesDays: [0], medianLeadTimeDays: 0, alerts: 4, unexplainedAlerts: 2 });
  });
});

describe('demo panel to twin input', () => {
  const window = demoWindow(90, HF_EVALUATION_END_MS);
  const heartFailureWithEvent = (): ReturnType<typeof planDemoPatient> => {
    for (let index = 0; ; index++) {
      if (!planCohortMember(index, 1, window.endMs).conditions.includes('hf')) continue;
      const plan = planDemoPatient(index, { seed: 1, days: 90, endMs: window.endMs });
      if (plan.truth.hfEpisodes.some((e) => e.eventMs !== null) && plan.medications.some((m) => m.name === 'Furosemide')) return plan;
    }
  };

  it('puts the readings on UTC days and the furosemide dose, raised after the event, beside them', () => {
    const plan = heartFailureWithEvent();
    const series = heartFailureSeriesFromPlan(plan, window.startMs, window.endMs);
    expect(series.firstDay).toBe(utcDay(window.startMs));
    expect(series.firstDay + series.dayCount - 1).toBe(utcDay(window.endMs));
    const weights = series.daily[HF_STREAMS.weight]!;
    const weighed = weights.filter((w) => !Number.isNaN(w)).length;
    const recorded = plan.series.find((s) => s.stream === HF_STREAMS.weight)!.tMs.length;
    expect(weighed).toBe(recorded);
    const episode = plan.truth.hfEpisodes.find((e) => e.eventMs !== null)!;
    const eventIndex = utcDay(episode.eventMs!) - series.firstDay;
    const doseBefore = series.loopDiureticMgPerDay[Math.max(0, eventIndex - 1)]!;
    const doseAtEnd = series.loopDiureticMgPerDay[series.dayCount - 1]!;
    const furosemide = plan.medications.find((m) => m.name === 'Furosemide')!;
    expect(doseBefore).toBe(furosemide.doses.filter((d) => d.startMs <= episode.eventMs!).at(-1)!.dose);
    expect(doseAtEnd).toBe(furosemide.doses.at(-1)!.dose);
  });

  it('runs both detectors on a patient and reports the planted truth in UTC days', () => {
    const plan = heartFailureWithEvent();
    const alerts = alertHeartFailurePatient(plan, window.startMs, window.endMs);
    expect(alerts.episodes).toEqual(plan.truth.hfEpisodes.map((e) => ({ onsetDay: utcDay(e.onsetMs), eventDay: e.eventMs === null ? null : utcDay(e.eventMs) })));
    for (const day of [...alerts.alertDays.twin, ...alerts.alertDays['rule-of-thumb']]) {
      expect(day).toBeGreaterThanOrEqual(alerts.firstDay);
      expect(day).toBeLessThanOrEqual(alerts.lastDay);
    }
  });
});

describe('evaluateHfEpisodes', () => {
  it('scores only the heart-failure patients of a small panel, the same way every run', () => {
    const options = { patients: 20, days: 60, seed: 7 };
    const report = evaluateHfEpisodes(options);
    const window = demoWindow(60, HF_EVALUATION_END_MS);
    const heartFailure = Array.from({ length: 20 }, (_, i) => i).filter((i) => planCohortMember(i, 7, window.endMs).conditions.includes('hf'));
    expect(report.heartFailurePatients).toBe(heartFailure.length);
    const planted = heartFailure.flatMap((i) => planDemoPatient(i, { seed: 7, days: 60, endMs: window.endMs }).truth.hfEpisodes);
    expect(report.episodes.total).toBe(planted.length);
    expect(report.episodes.ongoing).toBe(planted.filter((e) => e.eventMs === null).length);
    expect(report.twin.episodes).toBe(planted.length);
    expect(report.patientYears).toBeCloseTo((heartFailure.length * 60) / 365.25, 12);
    expect(report.definitions.join(' ')).toContain('Synthetic episodes');
    const again = evaluateHfEpisodes(options);
    expect({ ...again.twin }).toEqual({ ...report.twin });
    expect({ ...again.ruleOfThumb }).toEqual({ ...report.ruleOfThumb });
  });
});
