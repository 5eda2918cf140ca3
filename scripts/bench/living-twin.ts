/**
 * The living twin (issue 5 part 3) on the demo panel, in a real encrypted store in a temp directory:
 * - the full panel refit of 1,000 patients x 90 days (`caretwin demo --patients 1000`) on 2 worker threads:
 *   one task per patient on the twin workers (glucose hyperparameters, bands and state, daily glucose layer,
 *   heart-failure twin), the store read on the main thread meanwhile, then storing twins and reconciling alerts; cold (no stored twins) and
 *   warm (from the stored ones); wall and CPU seconds (process-wide, workers included). The cold refit is also
 *   run as the issue has it, in a process of its own (`caretwin demo`, then `caretwin twin refit`): on a copy
 *   of the store made right after the demo, by this bundle started again with `--refit-store DIR`, whose
 *   heap has not just generated 14 million samples;
 * - one patient's new day of CGM: the write, then the update of that twin and its alerts (median of N), with
 *   the daily hyperparameter refresh that a new day brings and without it (filter forward only);
 * - the heart-failure alerts in the stored twins against the panel's planted episodes, next to what
 *   `caretwin hf-evaluate` computes for the same panel (planned in memory, series over the whole window).
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MS_PER_DAY, utcDay } from '../../shared/domain/sample.js';
import { STREAM } from '../../shared/domain/streams.js';
import { generateDemoPanel } from '../../main/core/demo/panel.js';
import { DEMO_TRUTH_META_KEY, type DemoTruth } from '../../main/core/demo/truth.js';
import { evaluateHfEpisodes, HF_EVALUATION_END_MS, scoreDetector, type PatientAlerts } from '../../main/core/evaluation/hf-episodes.js';
import { CareTwinStore } from '../../main/core/store/store.js';
import { TwinPipeline } from '../../main/core/twin/pipeline.js';
import { defaultRefitPoolSize } from '../../main/core/twin/refit-pool.js';

const PATIENTS = 1000;
const DAYS = 90;
const SEED = 1;
const NEW_DAY_RUNS = 11;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : 0.5 * (sorted[mid - 1]! + sorted[mid]!);
}

async function timed<T>(fn: () => Promise<T> | T): Promise<{ value: T; seconds: number; cpuSeconds: number }> {
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  const value = await fn();
  const seconds = (performance.now() - t0) / 1000;
  const used = process.cpuUsage(cpu);
  return { value, seconds, cpuSeconds: (used.user + used.system) / 1e6 };
}

/** The argument that makes the bench bundle run `refitStoreInThisProcess` instead of the benchmarks. */
export const REFIT_STORE_FLAG = '--refit-store';

interface FreshRefit {
  readonly seconds: number;
  readonly cpuSeconds: number;
  readonly ms: Record<string, number>;
}

/**
 * A cold full refit of the store in `dir` in this process, as `caretwin twin refit` runs it; its figures as
 * JSON on stdout.
 */
export async function refitStoreInThisProcess(dir: string): Promise<void> {
  const store = await CareTwinStore.unlock(dir, 'bench passcode');
  const pipeline = new TwinPipeline({ store: () => store, nowMs: () => HF_EVALUATION_END_MS });
  const refit = await timed(() => pipeline.refitPanel());
  await pipeline.close();
  store.close();
  const figures: FreshRefit = { seconds: refit.seconds, cpuSeconds: refit.cpuSeconds, ms: { ...refit.value.ms } };
  process.stdout.write(JSON.stringify(figures));
}

export async function benchLivingTwin(): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'caretwin-bench-living-twin-'));
  try {
    const store = await CareTwinStore.create(path.join(dir, 'store'), 'bench passcode');
    const demo = await timed(() => generateDemoPanel(store, { patients: PATIENTS, days: DAYS, seed: SEED, endMs: HF_EVALUATION_END_MS }));
    // The copy for the fresh process, taken while nothing writes (the store's WAL is part of the directory).
    cpSync(path.join(dir, 'store'), path.join(dir, 'fresh'), { recursive: true });
    const fresh = spawnSync(process.execPath, [process.argv[1]!, REFIT_STORE_FLAG, path.join(dir, 'fresh')], { encoding: 'utf8' });
    if (fresh.status !== 0) throw new Error(`the fresh-process refit failed: ${fresh.stderr.trim().split('\n').at(-1) ?? fresh.status}`);
    const freshCold = JSON.parse(fresh.stdout) as FreshRefit;
    rmSync(path.join(dir, 'fresh'), { recursive: true, force: true });
    const pipeline = new TwinPipeline({ store: () => store, nowMs: () => HF_EVALUATION_END_MS });
    const cold = await timed(() => pipeline.refitPanel());
    const warm = await timed(() => pipeline.refitPanel());

    // One patient's new day: a copy of a CGM-wearing diabetic demo patient, its CGM written up to N days
    // before the end, then one day at a time.
    const truth = store.getMeta<DemoTruth>(DEMO_TRUTH_META_KEY)!;
    const donor = truth.perPatient.find((p) => p.wearsCgm && p.conditions.includes('t2d') && !p.conditions.includes('hf'))!;
    const profile = store.getPatient(donor.patientId)!.profile;
    const lastDay = utcDay(HF_EVALUATION_END_MS);
    const firstNewDay = lastDay - NEW_DAY_RUNS + 1;
    const newDay = async (refreshDays: number): Promise<{ writeMs: number[]; updateMs: number[]; updateCpuMs: number[]; modes: string[] }> => {
      const id = store.createPatient({ ...profile, identifiers: [] }, { demo: true });
      for (const summary of store.streamSummaries(donor.patientId)) {
        const series = store.readSeries(donor.patientId, summary.stream, undefined, summary.stream === STREAM.cgm ? firstNewDay * MS_PER_DAY - 1 : undefined);
        if (series.tMs.length > 0) store.writeSeries([{ patientId: id, stream: summary.stream, source: 'bench', tMs: series.tMs, values: series.values }]);
      }
      const medications = store.getMedications(donor.patientId);
      if (medications.length > 0) store.putMedications(id, medications);
      const one = new TwinPipeline({ store: () => store, nowMs: () => HF_EVALUATION_END_MS, refreshDays });
      one.updatePatient(id, 'full');
      const writeMs: number[] = [];
      const updateMs: number[] = [];
      const updateCpuMs: number[] = [];
      const modes: string[] = [];
      for (let day = firstNewDay; day <= lastDay; day++) {
        const cgm = store.readSeries(donor.patientId, STREAM.cgm, day * MS_PER_DAY, (day + 1) * MS_PER_DAY - 1);
        let t0 = performance.now();
        store.writeSeries([{ patientId: id, stream: STREAM.cgm, source: 'bench', tMs: cgm.tMs, values: cgm.values }]);
        writeMs.push(performance.now() - t0);
        t0 = performance.now();
        const cpu = process.cpuUsage();
        const update = one.updatePatient(id);
        updateMs.push(performance.now() - t0);
        const used = process.cpuUsage(cpu);
        updateCpuMs.push((used.user + used.system) / 1000);
        modes.push(update?.glucose?.update ?? 'none');
      }
      await one.close();
      return { writeMs, updateMs, updateCpuMs, modes };
    };
    const withRefresh = await newDay(1);
    const forwardOnly = await newDay(10_000);

    // Heart-failure alerts of the stored twins against the planted episodes.
    const outcomes: PatientAlerts[] = [];
    const firstDay = utcDay(truth.startMs);
    for (const patient of truth.perPatient) {
      if (!patient.conditions.includes('hf')) continue;
      const twin = pipeline.get(patient.patientId);
      outcomes.push({
        index: patient.index,
        firstDay,
        lastDay: utcDay(truth.endMs),
        episodes: patient.hfEpisodes.map((e) => ({ onsetDay: utcDay(e.onsetMs), eventDay: e.eventMs === null ? null : utcDay(e.eventMs) })),
        confounders: patient.confounders.map((c) => ({ kind: c.kind, startDay: utcDay(c.startMs), endDay: utcDay(c.endMs) })),
        alertDays: { twin: (twin?.hf?.alertHistory ?? []).map((a) => a.firedOnDay), 'rule-of-thumb': [] },
      });
    }
    const stored = scoreDetector('twin', outcomes, DAYS);
    const evaluated = evaluateHfEpisodes({ patients: PATIENTS, days: DAYS, seed: SEED, endMs: HF_EVALUATION_END_MS }).twin;
    await pipeline.close();
    store.close();
    const round = (x: number, digits = 3): number => Number(x.toFixed(digits));
    return {
      panel: `${PATIENTS} patients x ${DAYS} days, seed ${SEED}, ${demo.value.samples} samples (generated and written in ${demo.seconds.toFixed(1)} s)`,
      workers: defaultRefitPoolSize(),
      refitColdSeconds: round(cold.seconds, 2),
      refitColdCpuSeconds: round(cold.cpuSeconds, 2),
      refitColdPhasesSeconds: Object.fromEntries(Object.entries(cold.value.ms).map(([k, v]) => [k, round(v / 1000, 2)])),
      refitColdFreshProcessSeconds: round(freshCold.seconds, 2),
      refitColdFreshProcessCpuSeconds: round(freshCold.cpuSeconds, 2),
      refitColdFreshProcessPhasesSeconds: Object.fromEntries(Object.entries(freshCold.ms).map(([k, v]) => [k, round(v / 1000, 2)])),
      refitWarmSeconds: round(warm.seconds, 2),
      refitWarmCpuSeconds: round(warm.cpuSeconds, 2),
      refitWarmPhasesSeconds: Object.fromEntries(Object.entries(warm.value.ms).map(([k, v]) => [k, round(v / 1000, 2)])),
      refitPatients: cold.value.patients,
      refitGlucosePatients: cold.value.glucoseRefits,
      refitAlertsRaisedCold: cold.value.alerts.raised,
      newDayUpdateMedianMs: round(median(withRefresh.updateMs), 1),
      newDayUpdateCpuMedianMs: round(median(withRefresh.updateCpuMs), 1),
      newDayUpdateMaxMs: round(Math.max(...withRefresh.updateMs), 1),
      newDayUpdatePaths: [...new Set(withRefresh.modes)],
      newDayFilterForwardMedianMs: round(median(forwardOnly.updateMs), 1),
      newDayFilterForwardCpuMedianMs: round(median(forwardOnly.updateCpuMs), 1),
      newDayFilterForwardPaths: [...new Set(forwardOnly.modes)],
      newDayWriteMedianMs: round(median(withRefresh.writeMs), 1),
      newDayRuns: NEW_DAY_RUNS,
      hfStoredTwins: {
        heartFailurePatients: outcomes.length,
        episodes: stored.episodes,
        sensitivity: round(stored.sensitivity),
        unexplainedPerPatientYear: round(stored.unexplainedPerPatientYear),
        medianLeadTimeDays: stored.medianLeadTimeDays,
        alerts: stored.alerts,
      },
      hfEvaluateSamePanel: {
        episodes: evaluated.episodes,
        sensitivity: round(evaluated.sensitivity),
        unexplainedPerPatientYear: round(evaluated.unexplainedPerPatientYear),
        medianLeadTimeDays: evaluated.medianLeadTimeDays,
        alerts: evaluated.alerts,
      },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
