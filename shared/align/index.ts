/** Time alignment: device times to UTC, event-time merge with a bounded lateness and dedupe, frames on a grid. */
export { correctClockOffsets, deviceTimesToUtc, resolveDeviceTime, type DeviceClock, type DeviceReading } from './device-time.js';
export {
  alignByEventTime,
  defaultDuplicateTolerance,
  type AlignedEvent,
  type DuplicateTolerance,
  type EventTimeOptions,
} from './event-time.js';
export { CGM_GRID, localDayGrid, toFrames, type Frame, type FrameCell, type FrameEvent, type FrameSpec, type Grid } from './frames.js';
export { compareSamples } from './sample-heap.js';
export { framesOfSeries, type SeriesFrames } from './series-frames.js';
export { checkZone, ZoneClock, type ResolvedLocalTime } from './zone-clock.js';
