/**
 * A patient's samples from every source merged into event-time order with a bounded lateness, duplicates taken out.
 *
 * Per patient, the watermark is the newest event time seen minus `latenessMs`. A sample is held until the
 * watermark passes it, then released in order of (time, stream, value, source, sourceId); the release is where
 * duplicates are recognised, on that order, so what is kept does not depend on the order samples arrived in, as long
 * as each arrived within the bound. A sample older than the watermark when it arrives is too late to be put in
 * order: it is never dropped silently but emitted as a `late` event (or as a `duplicate` when it repeats a released
 * sample still remembered).
 */
import { Observable, type OperatorFunction } from 'rxjs';
import type { Sample } from '../domain/sample.js';
import { STREAM } from '../domain/streams.js';
import { SampleHeap } from './sample-heap.js';

/** Two samples of one stream at most `withinMs` and `value` apart are one reading delivered twice. */
export interface DuplicateTolerance {
  readonly withinMs: number;
  readonly value: number;
}

const EXACT: DuplicateTolerance = { withinMs: 0, value: 0 };
/**
 * CGM readings come every 5 min, and the same reading reaches us through several paths (a Clarity export and
 * Nightscout, mmol/L rounded and converted back): within a minute and 1 mg/dL it is the same reading. Other streams
 * are sampled too densely (5-s heart rate) for any tolerance to be safe: only exact repeats are duplicates.
 */
const GLUCOSE: DuplicateTolerance = { withinMs: 60_000, value: 1 };

export function defaultDuplicateTolerance(stream: string): DuplicateTolerance {
  return stream === STREAM.cgm || stream === STREAM.fingerstick ? GLUCOSE : EXACT;
}

export interface EventTimeOptions {
  /** How far behind the newest sample an older one may arrive and still land in order. */
  readonly latenessMs: number;
  readonly duplicateTolerance?: (stream: string) => DuplicateTolerance;
  /** How long behind the watermark released samples are remembered, to recognise late repeats; default `latenessMs`. */
  readonly rememberMs?: number;
}

export type AlignedEvent =
  /** In event-time order per patient. */
  | { readonly kind: 'sample'; readonly sample: Sample }
  /** The same reading as `of`, by the source's own id or by time and value within the tolerance. */
  | { readonly kind: 'duplicate'; readonly sample: Sample; readonly of: Sample; readonly by: 'source-id' | 'value' }
  /** Arrived after the watermark had passed its time: not in order, surfaced for whoever must correct for it. */
  | { readonly kind: 'late'; readonly sample: Sample; readonly watermarkMs: number }
  | { readonly kind: 'rejected'; readonly sample: Sample; readonly reason: string }
  /** Every sample of the patient older than `tMs` has been released (later ones older than it will be `late`). */
  | { readonly kind: 'watermark'; readonly patientId: string; readonly tMs: number };

/** Merges samples (of any patients, streams and sources) into per-patient event-time order; see the file comment. */
export function alignByEventTime(options: EventTimeOptions): OperatorFunction<Sample, AlignedEvent> {
  const { latenessMs } = options;
  if (!(latenessMs >= 0) || !Number.isFinite(latenessMs)) {
    throw new RangeError('latenessMs must be a finite number of milliseconds, 0 or more');
  }
  const tolerance = options.duplicateTolerance ?? defaultDuplicateTolerance;
  const rememberMs = options.rememberMs ?? latenessMs;
  return (samples) =>
    new Observable<AlignedEvent>((subscriber) => {
      const timelines = new Map<string, PatientTimeline>();
      const emit = (e: AlignedEvent): void => subscriber.next(e);
      return samples.subscribe({
        // A throw in here (a tolerance function's) must end the stream as its error, not escape as an unhandled one.
        next(sample) {
          try {
            const reason = invalidReason(sample);
            if (reason !== null) {
              emit({ kind: 'rejected', sample, reason });
              return;
            }
            let timeline = timelines.get(sample.patientId);
            if (timeline === undefined) {
              timeline = new PatientTimeline(sample.patientId, latenessMs, rememberMs, tolerance);
              timelines.set(sample.patientId, timeline);
            }
            timeline.accept(sample, emit);
          } catch (err) {
            subscriber.error(err);
          }
        },
        error(err: unknown) {
          subscriber.error(err);
        },
        complete() {
          try {
            for (const timeline of timelines.values()) timeline.releaseAll(emit);
            subscriber.complete();
          } catch (err) {
            subscriber.error(err);
          }
        },
      });
    });
}

function invalidReason(s: Sample): string | null {
  if (Number.isFinite(s.tMs) && Number.isFinite(s.value) && s.patientId !== '' && s.stream !== '') return null;
  if (!Number.isFinite(s.tMs)) return 'the time is not a number';
  if (!Number.isFinite(s.value)) return 'the value is not a number';
  if (s.patientId === '' || s.stream === '') return 'the patient or stream is missing';
  return null;
}

class PatientTimeline {
  private maxSeenMs = -Infinity;
  private watermarkMs = -Infinity;
  private readonly pending = new SampleHeap();
  /** Released (kept) samples in release order, which is event-time order; `head` is the oldest still remembered. */
  private readonly released: Sample[] = [];
  private head = 0;
  private readonly releasedById = new Map<string, Sample>();

  constructor(
    private readonly patientId: string,
    private readonly latenessMs: number,
    private readonly rememberMs: number,
    private readonly tolerance: (stream: string) => DuplicateTolerance,
  ) {}

  accept(sample: Sample, emit: (e: AlignedEvent) => void): void {
    if (sample.tMs < this.watermarkMs) {
      const dup = this.findLateDuplicate(sample);
      emit(dup === null ? { kind: 'late', sample, watermarkMs: this.watermarkMs } : { kind: 'duplicate', sample, ...dup });
      return;
    }
    this.pending.push(sample);
    if (sample.tMs <= this.maxSeenMs) return;
    this.maxSeenMs = sample.tMs;
    const watermarkMs = this.maxSeenMs - this.latenessMs;
    if (watermarkMs <= this.watermarkMs) return;
    this.watermarkMs = watermarkMs;
    this.release(watermarkMs, emit);
    emit({ kind: 'watermark', patientId: this.patientId, tMs: watermarkMs });
  }

  releaseAll(emit: (e: AlignedEvent) => void): void {
    this.release(Infinity, emit);
  }

  private release(beforeMs: number, emit: (e: AlignedEvent) => void): void {
    for (let next = this.pending.peek(); next !== undefined && next.tMs < beforeMs; next = this.pending.peek()) {
      const sample = this.pending.pop()!;
      const dup = this.findDuplicateInOrder(sample);
      if (dup !== null) {
        emit({ kind: 'duplicate', sample, ...dup });
        continue;
      }
      this.released.push(sample);
      const id = idKey(sample);
      if (id !== null) this.releasedById.set(id, sample);
      emit({ kind: 'sample', sample });
    }
    this.forget();
  }

  /**
   * `sample` is not older than anything released: compare with the newest released samples of its stream. A
   * repeat by source id counts back to `rememberMs` (and the stream's tolerance) before the sample's own time, a
   * window of event time: what `forget` has not yet dropped depends on how far the watermark had moved when this
   * batch began, which depends on arrival order (a batch releasing two samples of one id 11 min apart kept one
   * or both by that accident).
   */
  private findDuplicateInOrder(sample: Sample): { of: Sample; by: 'source-id' | 'value' } | null {
    const tol = this.tolerance(sample.stream);
    const byId = this.byId(sample);
    if (byId !== null && byId.of.tMs >= sample.tMs - this.rememberMs - tol.withinMs) return byId;
    for (let i = this.released.length - 1; i >= this.head; i--) {
      const r = this.released[i]!;
      if (r.tMs < sample.tMs - tol.withinMs) break;
      if (r.stream === sample.stream && Math.abs(r.value - sample.value) <= tol.value) return { of: r, by: 'value' };
    }
    return null;
  }

  /** A late sample may repeat one released a while ago: look around its time among those still remembered. */
  private findLateDuplicate(sample: Sample): { of: Sample; by: 'source-id' | 'value' } | null {
    const byId = this.byId(sample);
    if (byId !== null) return byId;
    const tol = this.tolerance(sample.stream);
    for (let i = this.firstAtOrAfter(sample.tMs - tol.withinMs); i < this.released.length; i++) {
      const r = this.released[i]!;
      if (r.tMs > sample.tMs + tol.withinMs) break;
      if (r.stream === sample.stream && Math.abs(r.value - sample.value) <= tol.value) return { of: r, by: 'value' };
    }
    return null;
  }

  private byId(sample: Sample): { of: Sample; by: 'source-id' } | null {
    const id = idKey(sample);
    const of = id === null ? undefined : this.releasedById.get(id);
    return of === undefined ? null : { of, by: 'source-id' };
  }

  private firstAtOrAfter(tMs: number): number {
    let lo = this.head;
    let hi = this.released.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.released[mid]!.tMs < tMs) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Drops what is too old to be repeated by a sample still accepted in order, or remembered for late repeats. */
  private forget(): void {
    const horizonMs = this.watermarkMs - this.rememberMs;
    while (this.head < this.released.length) {
      const oldest = this.released[this.head]!;
      if (oldest.tMs >= horizonMs - this.tolerance(oldest.stream).withinMs) break;
      const id = idKey(oldest);
      if (id !== null && this.releasedById.get(id) === oldest) this.releasedById.delete(id);
      this.head += 1;
    }
    if (this.head > 1024 && this.head * 2 > this.released.length) {
      this.released.splice(0, this.head);
      this.head = 0;
    }
  }
}

function idKey(s: Sample): string | null {
  return s.sourceId === undefined ? null : `${s.stream}\u0000${s.source}\u0000${s.sourceId}`;
}
