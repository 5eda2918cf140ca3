/** Runs readings or samples through the alignment operators and collects what comes out (tests only). */
import { from, lastValueFrom, toArray } from 'rxjs';
import type { Sample } from '../domain/sample.js';
import { deviceTimesToUtc, type DeviceClock, type DeviceReading } from './device-time.js';
import { alignByEventTime, type EventTimeOptions } from './event-time.js';
import { toFrames, type Frame, type FrameEvent, type FrameSpec } from './frames.js';

export interface Aligned {
  readonly frames: Frame[];
  /** Everything that is not a frame: late, duplicate and rejected events. */
  readonly events: Exclude<FrameEvent, { kind: 'frame' }>[];
}

export async function alignSamples(samples: Iterable<Sample>, options: EventTimeOptions, spec: FrameSpec): Promise<Aligned> {
  const out = await lastValueFrom(from(samples).pipe(alignByEventTime(options), toFrames(spec), toArray()));
  return split(out);
}

export async function alignReadings(
  readings: Iterable<DeviceReading>,
  clock: DeviceClock,
  options: EventTimeOptions,
  spec: FrameSpec,
): Promise<Aligned> {
  const out = await lastValueFrom(
    from(readings).pipe(
      deviceTimesToUtc(() => clock),
      alignByEventTime(options),
      toFrames(spec),
      toArray(),
    ),
  );
  return split(out);
}

function split(out: FrameEvent[]): Aligned {
  const frames: Frame[] = [];
  const events: Exclude<FrameEvent, { kind: 'frame' }>[] = [];
  for (const e of out) {
    if (e.kind === 'frame') frames.push(e.frame);
    else events.push(e);
  }
  return { frames, events };
}
