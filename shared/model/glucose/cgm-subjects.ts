/**
 * Groups CGM readings (any reader's, as long as it says subject, wall-clock time and mg/dL) into one
 * sorted series per subject on the model's minute axis, remembering where each point came from so that
 * outputs can quote the input's own time text.
 */
import { Censoring } from './fast-layer.js';
import { type EvaluationSubject } from './evaluation.js';

export interface WallClockReading {
  readonly subject: string | null;
  readonly timeText: string;
  readonly wallClockMs: number;
  readonly glucoseMgDl: number;
  readonly censored?: 'low' | 'high';
}

export interface CgmSubject extends EvaluationSubject {
  /** the time of each reading as the file wrote it */
  readonly timeText: readonly string[];
}

const MS_PER_MINUTE = 60_000;

/**
 * One subject per distinct `subject` (null, a single-patient file, becomes id ""), in order of first
 * appearance; within a subject sorted by time. Minutes count from the subject's first reading.
 */
export function cgmSubjects(readings: readonly WallClockReading[]): CgmSubject[] {
  const bySubject = new Map<string, WallClockReading[]>();
  for (const reading of readings) {
    const id = reading.subject ?? '';
    let list = bySubject.get(id);
    if (list === undefined) {
      list = [];
      bySubject.set(id, list);
    }
    list.push(reading);
  }
  return [...bySubject].map(([id, list]) => {
    const sorted = [...list].sort((a, b) => a.wallClockMs - b.wallClockMs);
    const firstMs = sorted[0]!.wallClockMs;
    return {
      id,
      timeMin: Float64Array.from(sorted, (r) => (r.wallClockMs - firstMs) / MS_PER_MINUTE),
      glucoseMgDl: Float64Array.from(sorted, (r) => r.glucoseMgDl),
      censoring: Uint8Array.from(sorted, (r) => (r.censored === 'low' ? Censoring.Low : r.censored === 'high' ? Censoring.High : Censoring.None)),
      timeText: sorted.map((r) => r.timeText),
    };
  });
}
