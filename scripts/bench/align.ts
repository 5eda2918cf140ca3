/**
 * Alignment throughput: synthetic 5-min CGM (one reading per 5 min with a few seconds of jitter, a 2-hour sensor gap
 * a day) through the streaming operators and through the bulk path.
 */
import { from, lastValueFrom, reduce } from 'rxjs';
import { alignByEventTime } from '../../shared/align/event-time.js';
import { CGM_GRID, toFrames } from '../../shared/align/frames.js';
import { framesOfSeries } from '../../shared/align/series-frames.js';
import type { Sample } from '../../shared/domain/sample.js';
import { STREAM } from '../../shared/domain/streams.js';

const DAY_MS = 86_400_000;
const STEP_MS = 300_000;
const T0 = Date.UTC(2026, 7, 1);

function cgmDay(patient: number, day: number): { tMs: number[]; values: number[] } {
  const tMs: number[] = [];
  const values: number[] = [];
  for (let i = 0; i < 288; i++) {
    if (i >= 100 && i < 124) continue;
    tMs.push(T0 + day * DAY_MS + i * STEP_MS + ((patient * 7 + i * 13) % 20) * 1000);
    values.push(80 + ((patient * 31 + i * 17 + day) % 150));
  }
  return { tMs, values };
}

function samplesOf(patients: number, days: number, shuffleWithinMs: number): Sample[] {
  const out: { sample: Sample; at: number }[] = [];
  for (let d = 0; d < days; d++) {
    for (let p = 0; p < patients; p++) {
      const { tMs, values } = cgmDay(p, d);
      for (let i = 0; i < tMs.length; i++) {
        const delay = shuffleWithinMs === 0 ? 0 : ((i * 7919 + p * 104_729) % 1000) / 1000 * shuffleWithinMs;
        out.push({ sample: { patientId: `p${p}`, stream: STREAM.cgm, tMs: tMs[i]!, value: values[i]!, source: 'bench' }, at: tMs[i]! + delay });
      }
    }
  }
  if (shuffleWithinMs > 0) out.sort((a, b) => a.at - b.at);
  return out.map((o) => o.sample);
}

async function streamFrames(samples: Sample[], latenessMs: number): Promise<number> {
  return lastValueFrom(
    from(samples).pipe(
      alignByEventTime({ latenessMs }),
      toFrames({ grid: CGM_GRID, streams: [STREAM.cgm] }),
      reduce((n, e) => (e.kind === 'frame' ? n + 1 : n), 0),
    ),
  );
}

export interface AlignBench {
  readonly streamPatients: number;
  readonly streamDays: number;
  readonly streamSamples: number;
  readonly streamInOrderSamplesPerSec: number;
  readonly streamDelayedSamplesPerSec: number;
  readonly oneNewDayMs: number;
  readonly bulkPatients: number;
  readonly bulkDays: number;
  readonly bulkSamples: number;
  readonly bulkSeconds: number;
  /** CPU time of this process over the bulk run: on a busy machine, nearer what the code costs than wall time. */
  readonly bulkCpuSeconds: number;
  readonly bulkSamplesPerSec: number;
}

export async function benchAlign(): Promise<AlignBench> {
  const streamPatients = 100;
  const days = 90;
  const hour = 3_600_000;

  const inOrder = samplesOf(streamPatients, days, 0);
  let t = performance.now();
  await streamFrames(inOrder, hour);
  const streamInOrderSamplesPerSec = inOrder.length / ((performance.now() - t) / 1000);

  // Every reading delayed by up to 55 min, so arrival order differs from event order within the 1-hour bound.
  const delayed = samplesOf(streamPatients, days, 55 * 60_000);
  t = performance.now();
  await streamFrames(delayed, hour);
  const streamDelayedSamplesPerSec = delayed.length / ((performance.now() - t) / 1000);

  // One patient's new day of CGM through a fresh pipeline (what an incremental update aligns), median of 21 runs.
  const oneDay = samplesOf(1, 1, 0);
  const times: number[] = [];
  for (let r = 0; r < 21; r++) {
    t = performance.now();
    await streamFrames(oneDay, hour);
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);

  const bulkPatients = 1000;
  const series = [];
  for (let p = 0; p < bulkPatients; p++) {
    const tMs: number[] = [];
    const values: number[] = [];
    for (let d = 0; d < days; d++) {
      const day = cgmDay(p, d);
      tMs.push(...day.tMs);
      values.push(...day.values);
    }
    series.push({ tMs: Float64Array.from(tMs), values: Float64Array.from(values) });
  }
  let bulkSamples = 0;
  const cpu0 = process.cpuUsage();
  t = performance.now();
  for (let p = 0; p < bulkPatients; p++) {
    const s = series[p]!;
    framesOfSeries(s.tMs, s.values, CGM_GRID, `p${p}`);
    bulkSamples += s.tMs.length;
  }
  const bulkSeconds = (performance.now() - t) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const bulkCpuSeconds = (cpu.user + cpu.system) / 1e6;

  return {
    streamPatients,
    streamDays: days,
    streamSamples: inOrder.length,
    streamInOrderSamplesPerSec,
    streamDelayedSamplesPerSec,
    oneNewDayMs: times[10]!,
    bulkPatients,
    bulkDays: days,
    bulkSamples,
    bulkSeconds,
    bulkCpuSeconds,
    bulkSamplesPerSec: bulkSamples / bulkSeconds,
  };
}
