/**
 * Model alerts as alert candidates, for the twin pipeline to hand to `reconcileAlerts(store, patientId, source,
 * candidates, now)` (or `AlertService.reconcile`) after each refit. Each call gets the full set of conditions the
 * source finds now; an episode that ends is marked "condition cleared" and stays until resolved.
 *
 * Heart failure (source `heart-failure`): one candidate per alert state the twin is in (HeartFailureAlert is
 * raised on entry to the state), kind `hf-<criterion>`, key = the day it fired (YYYY-MM-DD), so one
 * decompensation is one alert however many refits see it.
 *
 * Diabetes (source `diabetes`), against the international consensus targets (Battelino et al. 2019): projected
 * time in range 70-180 mg/dL < 70 %, time below 70 > 4 %, time below 54 > 1 %, and a predicted glucose
 * < 70 mg/dL within the next hour.
 */
import type { AlertCandidate, AlertDataUsed } from '../../../shared/domain/alerts.js';
import type { HeartFailureAlert } from '../../../shared/model/heart-failure/alerts.js';
import { STREAM } from '../../../shared/domain/streams.js';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

export function heartFailureCandidate(alert: HeartFailureAlert): AlertCandidate {
  const used = alert.dataUsed;
  const fromMs = used.fromDay * DAY_MS;
  const toMs = (used.toDay + 1) * DAY_MS;
  return {
    kind: `hf-${alert.kind}`,
    key: new Date(alert.firedOnDay * DAY_MS).toISOString().slice(0, 10),
    severity: 'urgent',
    text: alert.text,
    reason: {
      signals: alert.signals.map((s) => ({ stream: s.stream, label: s.label, value: s.change, unit: s.unit, threshold: null })),
      fromMs,
      toMs,
      days: used.toDay - used.fromDay + 1,
      detail: {
        criteria: [...alert.criteria],
        probability: alert.probability,
        cusumStatistic: alert.cusumStatistic,
        fluidExcessKg: { ...alert.fluidExcessKg },
        fluidRateKgPerDay: { ...alert.fluidRateKgPerDay },
        signals: alert.signals.map((s) => ({ ...s })),
        unchanged: [...alert.unchanged],
        poundsCorrectedDays: [...used.poundsCorrectedDays],
        downWeightedWeightDays: [...used.downWeightedWeightDays],
        parametersFittedThroughDay: used.parametersFittedThroughDay,
      },
    },
    dataUsed: {
      fromMs,
      toMs,
      // The twin counts days with a reading, not samples: `count` is reading days here.
      streams: used.streams.map((s) => ({ stream: s.stream, count: s.readingDays, firstMs: null, lastMs: s.lastDay === null ? null : s.lastDay * DAY_MS })),
      modelVersion: used.modelVersion,
    },
  };
}

/** What the glucose twin projects for a patient (fractions 0-1 of the projected window's time). */
export interface GlucoseProjectionSummary {
  readonly fromMs: number;
  readonly toMs: number;
  readonly timeInRange: number;
  readonly timeBelow70: number;
  readonly timeBelow54: number;
  /** The first projected time with glucose < 70 mg/dL (its predicted value and the band's probability), if any. */
  readonly predictedLow: { readonly atMs: number; readonly mgdl: number; readonly probability: number } | null;
  readonly dataUsed: AlertDataUsed;
}

export const DIABETES_TARGETS = { timeInRange: 0.7, timeBelow70: 0.04, timeBelow54: 0.01, lowWithinMs: HOUR_MS } as const;

export function diabetesCandidates(p: GlucoseProjectionSummary, nowMs: number): AlertCandidate[] {
  const out: AlertCandidate[] = [];
  const days = Math.round(((p.toMs - p.fromMs) / DAY_MS) * 10) / 10;
  const pct = (x: number) => Math.round(x * 1000) / 10;
  const base = (label: string, value: number, threshold: number) => ({
    signals: [{ stream: STREAM.cgm, label, value: pct(value), unit: '%', threshold: threshold * 100 }],
    fromMs: p.fromMs,
    toMs: p.toMs,
    days,
  });
  if (p.timeInRange < DIABETES_TARGETS.timeInRange) {
    out.push({
      kind: 'dm-tir-low',
      key: 'tir',
      severity: 'warning',
      text: `Projected time in range 70-180 mg/dL ${pct(p.timeInRange)}% over the next ${days === 1 ? 'day' : `${days} days`} (target above 70%).`,
      reason: base('projected time in range', p.timeInRange, DIABETES_TARGETS.timeInRange),
      dataUsed: p.dataUsed,
    });
  }
  if (p.timeBelow70 > DIABETES_TARGETS.timeBelow70) {
    out.push({
      kind: 'dm-below70-high',
      key: 'tbr70',
      severity: 'warning',
      text: `Projected time below 70 mg/dL ${pct(p.timeBelow70)}% over the next ${days === 1 ? 'day' : `${days} days`} (target under 4%).`,
      reason: base('projected time below 70 mg/dL', p.timeBelow70, DIABETES_TARGETS.timeBelow70),
      dataUsed: p.dataUsed,
    });
  }
  if (p.timeBelow54 > DIABETES_TARGETS.timeBelow54) {
    out.push({
      kind: 'dm-below54-high',
      key: 'tbr54',
      severity: 'urgent',
      text: `Projected time below 54 mg/dL ${pct(p.timeBelow54)}% over the next ${days === 1 ? 'day' : `${days} days`} (target under 1%).`,
      reason: base('projected time below 54 mg/dL', p.timeBelow54, DIABETES_TARGETS.timeBelow54),
      dataUsed: p.dataUsed,
    });
  }
  const low = p.predictedLow;
  if (low !== null && low.atMs >= nowMs && low.atMs - nowMs <= DIABETES_TARGETS.lowWithinMs) {
    const minutes = Math.round((low.atMs - nowMs) / 60_000);
    out.push({
      kind: 'dm-low-within-hour',
      key: 'low',
      severity: 'urgent',
      text: `Glucose predicted below 70 mg/dL in ${minutes} minutes (${Math.round(low.mgdl)} mg/dL, probability ${Math.round(low.probability * 100)}%).`,
      reason: {
        signals: [{ stream: STREAM.cgm, label: 'predicted glucose', value: Math.round(low.mgdl), unit: 'mg/dL', threshold: 70 }],
        fromMs: nowMs,
        toMs: low.atMs,
        days: null,
        detail: { minutesAhead: minutes, probability: low.probability },
      },
      dataUsed: p.dataUsed,
    });
  }
  return out;
}
