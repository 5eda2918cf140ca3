/**
 * Alerts that need no model, computed from what is stored, on an injectable clock:
 *
 * - "no data for N days" (source `data-gaps`, kind `no-data`, key = stream code), for every device stream the
 *   patient has ever sent (CGM, vitals, activity classes; lab results come from the EHR at no set cadence and
 *   are left out, as are streams never seen: we cannot know which devices a patient is meant to have).
 *   N is per stream: CGM glucose 1 day (a sensor sends every 5-15 minutes, so a day without readings means
 *   a failed or removed sensor or a broken upload); every other device stream (weight, blood pressure, heart
 *   rate, SpO2, fingersticks, steps, sleep: readings once or a few times a day) 3 days. Fingersticks are
 *   left alone while a CGM is sending (they only confirm or calibrate it then).
 * - CGM wear below 70 % over the last 14 days (source `cgm-wear`, kind `cgm-wear-low`, key `cgm`), the
 *   international consensus target (Battelino et al., Diabetes Care 2019: >= 70 % of data from 14 days). Wear
 *   is iglu's `active_percent`: the readings' own interval (the most common gap between consecutive readings,
 *   in whole minutes, 1-15: 5 for Dexcom, 15 for Libre's history) cuts the window into slots, and wear is the
 *   share of slots holding a reading. A CGM started less than 14 days ago is judged over the time since its
 *   first reading, and not before it has a day of history.
 */
import type { AlertCandidate, AlertSource } from '../../../shared/domain/alerts.js';
import { STREAM, STREAMS } from '../../../shared/domain/streams.js';
import type { StoreReader } from '../store/api.js';
import { reconcileAlerts, type AlertStoreBackend, type ReconcileReport } from './alert-store.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const MINUTE_MS = 60_000;

export interface ModelFreePolicy {
  /** Hours without a sample after which a stream gets a no-data alert. */
  readonly noDataHours: (stream: string) => number;
  readonly cgmWearWindowDays: number;
  /** Share of expected readings below which wear is low (0-1). */
  readonly cgmWearTarget: number;
  /** No wear judgement before the CGM has this much history in the window. */
  readonly cgmWearMinimumHours: number;
}

export const DEFAULT_NO_DATA_HOURS = { cgm: 24, otherDevice: 72 } as const;

export const MODEL_FREE_POLICY: ModelFreePolicy = {
  noDataHours: (stream) => (stream === STREAM.cgm ? DEFAULT_NO_DATA_HOURS.cgm : DEFAULT_NO_DATA_HOURS.otherDevice),
  cgmWearWindowDays: 14,
  cgmWearTarget: 0.7,
  cgmWearMinimumHours: 24,
};

/** Streams sent by devices (not lab results): the ones no-data alerts and RPM day counts consider. */
export function isDeviceStream(stream: string): boolean {
  const dataClass = STREAMS.get(stream)?.dataClass;
  return dataClass === 'cgm' || dataClass === 'vitals' || dataClass === 'activity';
}

export type ModelFreeCandidates = Readonly<Record<Extract<AlertSource, 'data-gaps' | 'cgm-wear'>, AlertCandidate[]>>;

type Reader = Pick<StoreReader, 'streamSummaries' | 'readSeries'>;

export function modelFreeCandidates(
  store: Reader,
  patientId: string,
  nowMs: number,
  policy: ModelFreePolicy = MODEL_FREE_POLICY,
): ModelFreeCandidates {
  const gaps: AlertCandidate[] = [];
  const wear: AlertCandidate[] = [];
  const summaries = store.streamSummaries(patientId);
  const cgm = summaries.find((s) => s.stream === STREAM.cgm);
  const cgmSending = cgm !== undefined && nowMs - cgm.lastMs <= policy.noDataHours(STREAM.cgm) * HOUR_MS;
  for (const s of summaries) {
    if (!isDeviceStream(s.stream)) continue;
    if (s.stream === STREAM.fingerstick && cgmSending) continue;
    const label = STREAMS.get(s.stream)!.label;
    const limitHours = policy.noDataHours(s.stream);
    const gapMs = nowMs - s.lastMs;
    if (gapMs > limitHours * HOUR_MS) {
      const gapDays = round1(gapMs / DAY_MS);
      gaps.push({
        kind: 'no-data',
        key: s.stream,
        severity: 'warning',
        text:
          `No ${label} data for ${gapDays} day${gapDays === 1 ? '' : 's'} (last reading ${isoMinute(s.lastMs)} UTC); ` +
          `the limit for this stream is ${describeHours(limitHours)}.`,
        reason: {
          signals: [{ stream: s.stream, label: 'days without data', value: gapDays, unit: 'd', threshold: round1(limitHours / 24) }],
          fromMs: s.lastMs,
          toMs: nowMs,
          days: gapDays,
        },
        dataUsed: {
          fromMs: s.firstMs,
          toMs: s.lastMs,
          streams: [{ stream: s.stream, count: s.count, firstMs: s.firstMs, lastMs: s.lastMs }],
          modelVersion: null,
        },
      });
    }
    if (s.stream === STREAM.cgm) {
      const w = cgmWear(store, patientId, nowMs, s.firstMs, policy);
      if (w !== null && w.wear < policy.cgmWearTarget) {
        const pct = Math.round(w.wear * 1000) / 10;
        const spanDays = round1((nowMs - w.fromMs) / DAY_MS);
        const span = w.fromMs > nowMs - policy.cgmWearWindowDays * DAY_MS ? `the ${spanDays} days since the first reading` : `the last ${policy.cgmWearWindowDays} days`;
        wear.push({
          kind: 'cgm-wear-low',
          key: 'cgm',
          severity: 'warning',
          text:
            `CGM worn ${pct}% of ${span} (target at least ${Math.round(policy.cgmWearTarget * 100)}%): ` +
            `${w.observedSlots} of ${w.expectedSlots} expected ${w.intervalMinutes}-minute readings.`,
          reason: {
            signals: [{ stream: s.stream, label: 'CGM wear', value: pct, unit: '%', threshold: policy.cgmWearTarget * 100 }],
            fromMs: w.fromMs,
            toMs: nowMs,
            days: spanDays,
            detail: { observedSlots: w.observedSlots, expectedSlots: w.expectedSlots, intervalMinutes: w.intervalMinutes },
          },
          dataUsed: {
            fromMs: w.fromMs,
            toMs: nowMs,
            streams: [{ stream: s.stream, count: w.readings, firstMs: w.firstReadingMs, lastMs: w.lastReadingMs }],
            modelVersion: null,
          },
        });
      }
    }
  }
  return { 'data-gaps': gaps, 'cgm-wear': wear };
}

export interface CgmWear {
  readonly wear: number;
  readonly fromMs: number;
  readonly intervalMinutes: number;
  readonly expectedSlots: number;
  readonly observedSlots: number;
  readonly readings: number;
  readonly firstReadingMs: number | null;
  readonly lastReadingMs: number | null;
}

/** CGM wear over the policy's window ending now (see the module comment); null while there is too little history. */
export function cgmWear(store: Reader, patientId: string, nowMs: number, cgmFirstMs: number, policy: ModelFreePolicy = MODEL_FREE_POLICY): CgmWear | null {
  const fromMs = Math.max(nowMs - policy.cgmWearWindowDays * DAY_MS, cgmFirstMs);
  if (nowMs - fromMs < policy.cgmWearMinimumHours * HOUR_MS) return null;
  const { tMs } = store.readSeries(patientId, STREAM.cgm, fromMs, nowMs);
  const intervalMinutes = typicalIntervalMinutes(tMs);
  const slotMs = intervalMinutes * MINUTE_MS;
  const expectedSlots = Math.max(1, Math.floor((nowMs - fromMs) / slotMs));
  let observedSlots = 0;
  let lastSlot = -1;
  for (let i = 0; i < tMs.length; i++) {
    const slot = Math.floor((tMs[i]! - fromMs) / slotMs);
    if (slot >= expectedSlots) break;
    if (slot !== lastSlot) {
      observedSlots++;
      lastSlot = slot;
    }
  }
  return {
    wear: observedSlots / expectedSlots,
    fromMs,
    intervalMinutes,
    expectedSlots,
    observedSlots,
    readings: tMs.length,
    firstReadingMs: tMs.length > 0 ? tMs[0]! : null,
    lastReadingMs: tMs.length > 0 ? tMs[tMs.length - 1]! : null,
  };
}

/** The most common gap between consecutive readings, whole minutes in 1-15 (5 when it cannot be told). */
export function typicalIntervalMinutes(tMs: Float64Array): number {
  const counts = new Map<number, number>();
  for (let i = 1; i < tMs.length; i++) {
    const m = Math.round((tMs[i]! - tMs[i - 1]!) / MINUTE_MS);
    if (m >= 1 && m <= 15) counts.set(m, (counts.get(m) ?? 0) + 1);
  }
  let best = 5;
  let bestCount = 0;
  for (const [m, n] of counts) {
    if (n > bestCount || (n === bestCount && m < best)) {
      best = m;
      bestCount = n;
    }
  }
  return best;
}

export interface ModelFreeRefresh {
  readonly gaps: ReconcileReport;
  readonly wear: ReconcileReport;
}

/** Recomputes a patient's model-free alerts and reconciles them with the stored ones. */
export function refreshModelFreeAlerts(
  store: Reader & AlertStoreBackend,
  patientId: string,
  nowMs: number,
  policy: ModelFreePolicy = MODEL_FREE_POLICY,
): ModelFreeRefresh {
  const found = modelFreeCandidates(store, patientId, nowMs, policy);
  return {
    gaps: reconcileAlerts(store, patientId, 'data-gaps', found['data-gaps'], nowMs),
    wear: reconcileAlerts(store, patientId, 'cgm-wear', found['cgm-wear'], nowMs),
  };
}

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}

function describeHours(h: number): string {
  return h % 24 === 0 ? `${h / 24} day${h === 24 ? '' : 's'}` : `${h} hours`;
}

function isoMinute(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
}
