/**
 * Device times to UTC: zone-less wall-clock readings resolved in the device's IANA zone (DST gaps moved forward,
 * repeats resolved by the reading sequence, see zone-clock.ts), after taking out the device's own clock error.
 */
import { defer, map, type OperatorFunction } from 'rxjs';
import type { Sample } from '../domain/sample.js';
import { ZoneClock, type ResolvedLocalTime } from './zone-clock.js';

/** A reading as a device wrote it: the time its clock showed, with no zone. */
export interface DeviceReading {
  readonly patientId: string;
  readonly stream: string;
  /** The time the device's clock showed, read as if it were UTC (`Date.UTC(y, m - 1, d, h, min, s)`). */
  readonly wallClockMs: number;
  readonly value: number;
  readonly source: string;
  readonly sourceId?: string;
}

/** How to read one device's clock. */
export interface DeviceClock {
  /** The IANA zone the device's clock is meant to show, e.g. `America/Chicago`. */
  readonly zone: string;
  /**
   * How far the device's clock runs ahead of true local time: a CGM receiver set an hour ahead is `3_600_000`,
   * one left on winter time through the summer is `-3_600_000`. Taken out before the zone is applied.
   */
  readonly clockOffsetMs?: number;
}

/** One device time resolved to UTC, with what the zone rules had to do to it. */
export function resolveDeviceTime(
  clock: ZoneClock,
  wallClockMs: number,
  clockOffsetMs = 0,
  series = '',
): ResolvedLocalTime {
  return clock.toUtc(wallClockMs - clockOffsetMs, series);
}

/**
 * Readings to Samples in UTC. `clockOf` names each reading's device clock (usually by `source`). A repeated local
 * hour (fall back) is resolved per patient, stream and source in arrival order, which for a file is file order.
 */
export function deviceTimesToUtc(clockOf: (reading: DeviceReading) => DeviceClock): OperatorFunction<DeviceReading, Sample> {
  return (readings) =>
    defer(() => {
      const clocks = new Map<string, ZoneClock>();
      return readings.pipe(
        map((r): Sample => {
          const { zone, clockOffsetMs = 0 } = clockOf(r);
          let clock = clocks.get(zone);
          if (clock === undefined) {
            clock = new ZoneClock(zone);
            clocks.set(zone, clock);
          }
          const series = `${r.patientId}\u0000${r.stream}\u0000${r.source}`;
          const { tMs } = resolveDeviceTime(clock, r.wallClockMs, clockOffsetMs, series);
          const sample = { patientId: r.patientId, stream: r.stream, tMs, value: r.value, source: r.source };
          return r.sourceId === undefined ? sample : { ...sample, sourceId: r.sourceId };
        }),
      );
    });
}

/**
 * Samples already in UTC from a device whose clock was off (a receiver that reports UTC computed from a wrong
 * local clock): `offsetOf` says by how much each sample's device ran ahead.
 */
export function correctClockOffsets(offsetOf: (sample: Sample) => number): OperatorFunction<Sample, Sample> {
  return map((s) => {
    const offset = offsetOf(s);
    return offset === 0 ? s : { ...s, tMs: s.tMs - offset };
  });
}
