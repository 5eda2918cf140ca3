/**
 * Alerts: what a rule or the twin found about a patient, and what the care team did about it.
 *
 * A producer (the model-free checks in main/core/alerts, later the twin pipeline) hands in candidates: the
 * conditions that hold now, each with a kind, a key (what it is about within the kind, e.g. a stream code), a
 * reason in words and in structure, and the data it used. The alert store turns them into alerts with a
 * lifecycle: open -> acknowledged (who, when) -> resolved (who, when, note). Nothing is silently dropped: a
 * condition that stops holding marks its alert "condition cleared" and it stays until someone resolves it; a
 * candidate matching an alert that is not resolved (same patient, source, kind and key) is merged into it; a
 * resolved alert whose condition goes on holding is not raised again until the condition has cleared.
 */
import { z } from 'zod';

/** Who produces a set of candidates; reconciling one source never touches another source's alerts. */
export const ALERT_SOURCES = ['data-gaps', 'cgm-wear', 'heart-failure', 'diabetes'] as const;
export type AlertSource = (typeof ALERT_SOURCES)[number];

export const ALERT_SEVERITIES = ['info', 'warning', 'urgent'] as const;
export type AlertSeverity = (typeof ALERT_SEVERITIES)[number];

export const ALERT_STATES = ['open', 'acknowledged', 'resolved'] as const;
export type AlertState = (typeof ALERT_STATES)[number];

const Code = z.string().min(1).max(80);

/** One measured quantity behind a reason: a signal that moved, a wear fraction, a gap length. */
export const AlertSignalSchema = z.object({
  /** Stream code, where the quantity belongs to one stream. */
  stream: z.string().max(32).nullable(),
  label: z.string().max(200),
  value: z.number(),
  unit: z.string().max(40),
  /** The limit the value was compared with, where there is one. */
  threshold: z.number().nullable(),
});
export type AlertSignal = z.infer<typeof AlertSignalSchema>;

/** A reason in structure: the signals, and the span of time (UTC ms, whole days where it says days) it covers. */
export const AlertReasonSchema = z.object({
  signals: z.array(AlertSignalSchema).max(50),
  fromMs: z.number().nullable(),
  toMs: z.number().nullable(),
  days: z.number().nullable(),
  /** Producer-specific structure (e.g. the heart-failure twin's posterior summaries), JSON only. */
  detail: z.record(z.string(), z.unknown()).optional(),
});
export type AlertReason = z.infer<typeof AlertReasonSchema>;

/** The data an alert rests on: per stream, how many samples over which span; and the model, where one was used. */
export const AlertDataUsedSchema = z.object({
  fromMs: z.number().nullable(),
  toMs: z.number().nullable(),
  streams: z.array(
    z.object({ stream: z.string().max(32), count: z.number().int().nonnegative(), firstMs: z.number().nullable(), lastMs: z.number().nullable() }),
  ),
  modelVersion: z.string().max(80).nullable(),
});
export type AlertDataUsed = z.infer<typeof AlertDataUsedSchema>;

export const AlertCandidateSchema = z.object({
  kind: Code,
  key: z.string().max(120),
  severity: z.enum(ALERT_SEVERITIES),
  /** The reason in words, for people (no names: the patient is shown beside it). */
  text: z.string().min(1).max(2000),
  reason: AlertReasonSchema,
  dataUsed: AlertDataUsedSchema,
});
export type AlertCandidate = z.infer<typeof AlertCandidateSchema>;

export const AlertIdSchema = z.string().regex(/^[0-9a-f]{16}$/, 'an alert id is 16 hex characters');

export const ALERT_NOTE_MAX = 2000;

export const AlertSchema = AlertCandidateSchema.extend({
  id: AlertIdSchema,
  patientId: z.string(),
  source: z.enum(ALERT_SOURCES),
  state: z.enum(ALERT_STATES),
  firstSeenMs: z.number(),
  lastSeenMs: z.number(),
  /** How many reconcile passes reported the condition (1 when raised; merged duplicates add one each). */
  seenCount: z.number().int().positive(),
  /** When the condition was last found no longer holding; null while it holds (or held again since). */
  conditionClearedMs: z.number().nullable(),
  acknowledged: z.object({ by: z.string(), atMs: z.number() }).nullable(),
  resolved: z.object({ by: z.string(), atMs: z.number(), note: z.string().min(1).max(ALERT_NOTE_MAX) }).nullable(),
});
export type Alert = z.infer<typeof AlertSchema>;
