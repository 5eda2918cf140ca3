/**
 * Frames on the model's grid from event-time-ordered samples (the output of `alignByEventTime`).
 *
 * Bins are left-closed and left-labelled, as pandas' `resample` for minute and day rules: the frame labelled
 * 10:05 (`startMs`) holds 10:05:00 <= t < 10:10:00 (`endMs`). A patient's frames run without a hole from the bin of
 * their first sample (of any of the frame's streams) on; a bin is emitted once the watermark has passed its end, and
 * at completion up to the bin of the last sample. A stream with no sample in a bin has an explicit empty cell: count
 * 0 and mean, min and max null, never a zero or a carried-forward value. Means are Kahan sums over the count, summed
 * in release order, which is what pandas' groupby mean computes.
 */
import { Observable, type OperatorFunction } from 'rxjs';
import type { Sample } from '../domain/sample.js';
import type { AlignedEvent } from './event-time.js';
import { ZoneClock } from './zone-clock.js';

const MS_PER_DAY = 86_400_000;

export type Grid =
  /**
   * Bins of `stepMs` from `originMs` (default the UTC epoch, which for 1- and 5-min bins is also local midnight in
   * every zone in use today: their offsets are whole quarter hours).
   */
  | { readonly kind: 'fixed'; readonly stepMs: number; readonly originMs?: number }
  /** The patient's local calendar days: 23, 24 or 25 hours long. */
  | { readonly kind: 'local-day'; readonly zoneOf: (patientId: string) => string };

/** The glucose model's grid: 5-min bins. */
export const CGM_GRID: Grid = { kind: 'fixed', stepMs: 5 * 60_000 };

/** The heart-failure model's grid: the patient's local days. */
export function localDayGrid(zoneOf: (patientId: string) => string): Grid {
  return { kind: 'local-day', zoneOf };
}

export interface FrameSpec {
  readonly grid: Grid;
  /** The streams a frame holds a cell for; samples of other streams are left out. */
  readonly streams: readonly string[];
}

export interface FrameCell {
  readonly count: number;
  /** null when count is 0 */
  readonly mean: number | null;
  readonly min: number | null;
  readonly max: number | null;
  /** Provenance: samples per source. */
  readonly sources: Readonly<Record<string, number>>;
}

export interface Frame {
  readonly patientId: string;
  /** The bin's label: its start, UTC epoch ms (inclusive). */
  readonly startMs: number;
  /** Its end (exclusive). */
  readonly endMs: number;
  /** `YYYY-MM-DD`, on local-day grids. */
  readonly localDate?: string;
  /** One cell per stream of the spec, in the spec's order. */
  readonly cells: Readonly<Record<string, FrameCell>>;
}

export type FrameEvent =
  | { readonly kind: 'frame'; readonly frame: Frame }
  /** A sample too late for its frame, which was already emitted without it (`frameStartMs`, null if not framed). */
  | { readonly kind: 'late'; readonly sample: Sample; readonly watermarkMs: number; readonly frameStartMs: number | null }
  | Extract<AlignedEvent, { kind: 'duplicate' | 'rejected' }>;

/** Aligned events to frames (and the late, duplicate and rejected events passed on, so nothing is lost). */
export function toFrames(spec: FrameSpec): OperatorFunction<AlignedEvent, FrameEvent> {
  checkGrid(spec.grid);
  const framed = new Map(spec.streams.map((stream, i) => [stream, i]));
  return (events) =>
    new Observable<FrameEvent>((subscriber) => {
      const patients = new Map<string, PatientFrames>();
      const patient = (id: string): PatientFrames => {
        let p = patients.get(id);
        if (p === undefined) {
          p = new PatientFrames(id, binsFor(spec.grid, id), spec.streams, framed);
          patients.set(id, p);
        }
        return p;
      };
      const emit = (frame: Frame): void => subscriber.next({ kind: 'frame', frame });
      return events.subscribe({
        // A throw in here (an unknown zone for a patient) must end the stream as its error, not escape unhandled.
        next(e) {
          try {
            switch (e.kind) {
              case 'sample':
                if (framed.has(e.sample.stream)) patient(e.sample.patientId).add(e.sample);
                break;
              case 'watermark':
                patients.get(e.patientId)?.closeBefore(e.tMs, emit);
                break;
              case 'late': {
                const frameStartMs = framed.has(e.sample.stream) ? patient(e.sample.patientId).binStart(e.sample.tMs) : null;
                subscriber.next({ ...e, frameStartMs });
                break;
              }
              default:
                subscriber.next(e);
            }
          } catch (err) {
            subscriber.error(err);
          }
        },
        error(err: unknown) {
          subscriber.error(err);
        },
        complete() {
          try {
            for (const p of patients.values()) p.closeAll(emit);
            subscriber.complete();
          } catch (err) {
            subscriber.error(err);
          }
        },
      });
    });
}

export function checkGrid(grid: Grid): void {
  if (grid.kind === 'fixed' && !(grid.stepMs > 0 && Number.isInteger(grid.stepMs))) {
    throw new RangeError('a fixed grid needs a whole positive number of milliseconds per step');
  }
}

/** Bin numbering of a grid for one patient. */
export interface Bins {
  indexOf(tMs: number): number;
  startOf(index: number): number;
  localDate?(index: number): string;
}

export function binsFor(grid: Grid, patientId: string): Bins {
  if (grid.kind === 'fixed') {
    const { stepMs, originMs = 0 } = grid;
    return {
      indexOf: (tMs) => Math.floor((tMs - originMs) / stepMs),
      startOf: (index) => originMs + index * stepMs,
    };
  }
  const clock = new ZoneClock(grid.zoneOf(patientId));
  const starts = new Map<number, number>();
  return {
    indexOf: (tMs) => clock.localDay(tMs),
    startOf(index) {
      let start = starts.get(index);
      if (start === undefined) {
        start = clock.localDayStartMs(index);
        starts.set(index, start);
      }
      return start;
    },
    localDate: (index) => new Date(index * MS_PER_DAY).toISOString().slice(0, 10),
  };
}

class PatientFrames {
  /** The next bin to emit; undefined until the first sample. */
  private next: number | undefined;
  private lastWithData = -Infinity;
  /** Open bins by index: one sum per stream of the spec, in the spec's order. */
  private readonly open = new Map<number, (CellSum | undefined)[]>();

  constructor(
    private readonly patientId: string,
    private readonly bins: Bins,
    private readonly streams: readonly string[],
    private readonly streamIndex: ReadonlyMap<string, number>,
  ) {}

  binStart(tMs: number): number {
    return this.bins.startOf(this.bins.indexOf(tMs));
  }

  add(sample: Sample): void {
    const index = this.bins.indexOf(sample.tMs);
    // Samples come in event-time order: none is older than a bin already emitted.
    this.next ??= index;
    if (index > this.lastWithData) this.lastWithData = index;
    let sums = this.open.get(index);
    if (sums === undefined) {
      sums = new Array<CellSum | undefined>(this.streams.length);
      this.open.set(index, sums);
    }
    const at = this.streamIndex.get(sample.stream)!;
    (sums[at] ??= new CellSum()).add(sample.value, sample.source);
  }

  /** Emits every bin that ends at or before the watermark: no sample still to come in order can fall into it. */
  closeBefore(watermarkMs: number, emit: (f: Frame) => void): void {
    if (this.next === undefined) return;
    while (this.bins.startOf(this.next + 1) <= watermarkMs) this.emitNext(emit);
  }

  closeAll(emit: (f: Frame) => void): void {
    if (this.next === undefined) return;
    while (this.next <= this.lastWithData) this.emitNext(emit);
  }

  private emitNext(emit: (f: Frame) => void): void {
    const index = this.next!;
    const sums = this.open.get(index);
    this.open.delete(index);
    const cells: Record<string, FrameCell> = {};
    for (let i = 0; i < this.streams.length; i++) cells[this.streams[i]!] = sums?.[i]?.cell() ?? EMPTY_CELL;
    const startMs = this.bins.startOf(index);
    const endMs = this.bins.startOf(index + 1);
    const localDate = this.bins.localDate?.(index);
    emit({ patientId: this.patientId, startMs, endMs, ...(localDate === undefined ? {} : { localDate }), cells });
    this.next = index + 1;
  }
}

const EMPTY_CELL: FrameCell = Object.freeze({ count: 0, mean: null, min: null, max: null, sources: Object.freeze({}) });

/** Count, Kahan-compensated sum (pandas' groupby mean does the same), min, max and samples per source. */
class CellSum {
  private count = 0;
  private sum = 0;
  private compensation = 0;
  private min = Infinity;
  private max = -Infinity;
  /** Nearly every cell has one source: counted without a map until a second one turns up. */
  private firstSource = '';
  private firstSourceCount = 0;
  private otherSources: Map<string, number> | undefined;

  add(value: number, source: string): void {
    this.count += 1;
    const y = value - this.compensation;
    const t = this.sum + y;
    this.compensation = t - this.sum - y;
    this.sum = t;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    if (this.firstSourceCount === 0 || source === this.firstSource) {
      this.firstSource = source;
      this.firstSourceCount += 1;
    } else {
      this.otherSources ??= new Map();
      this.otherSources.set(source, (this.otherSources.get(source) ?? 0) + 1);
    }
  }

  cell(): FrameCell {
    const sources: Record<string, number> = { [this.firstSource]: this.firstSourceCount };
    if (this.otherSources !== undefined) for (const [source, n] of this.otherSources) sources[source] = n;
    return { count: this.count, mean: this.sum / this.count, min: this.min, max: this.max, sources };
  }
}
