import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Medication, PatientProfile } from '../../../shared/domain/patient.js';
import { MS_PER_DAY, type Sample, type SeriesBatch } from '../../../shared/domain/sample.js';
import { STREAM } from '../../../shared/domain/streams.js';
import type { StoreWriter, WriteReport } from '../store/api.js';
import { DEMO_SOURCE, generateDemoPanel, planDemoPatient, type DemoReport } from './panel.js';
import type { DemoTruth, PatientTruth } from './truth.js';
import { ZoneClock, type DemoZone } from './zone-clock.js';

const FIVE_MIN = 300_000;
const HOUR = 3_600_000;
/** Mid-April: the 90-day window crosses both the US (9 March) and UK (30 March) clock changes. */
const END_MS = Date.UTC(2025, 3, 15, 14, 7, 31);

interface RecordedPatient {
  readonly id: string;
  readonly profile: PatientProfile;
  readonly demo: boolean;
  readonly series: Map<string, { tMs: Float64Array; values: Float64Array; source: string }>;
  medications: readonly Medication[];
}

/** Keeps what the generator writes, as the real store would receive it. */
class RecordingStore implements StoreWriter {
  readonly patients: RecordedPatient[] = [];
  readonly meta = new Map<string, unknown>();
  writeCalls = 0;

  createPatient(profile: PatientProfile, opts?: { demo?: boolean }): string {
    const id = `patient-${this.patients.length}`;
    this.patients.push({ id, profile, demo: opts?.demo === true, series: new Map(), medications: [] });
    return id;
  }

  writeSeries(batches: readonly SeriesBatch[]): WriteReport {
    this.writeCalls++;
    let added = 0;
    for (const batch of batches) {
      const patient = this.patient(batch.patientId);
      if (patient.series.has(batch.stream)) throw new Error(`stream ${batch.stream} written twice`);
      patient.series.set(batch.stream, { tMs: Float64Array.from(batch.tMs), values: Float64Array.from(batch.values), source: batch.source });
      added += batch.tMs.length;
    }
    return { added, duplicates: 0, chunks: 0 };
  }

  writeSamples(_samples: readonly Sample[]): WriteReport {
    throw new Error('the demo generator writes columnar batches only');
  }

  putMedications(patientId: string, medications: readonly Medication[]): void {
    this.patient(patientId).medications = medications;
  }

  putMeta(key: string, value: unknown): void {
    this.meta.set(key, structuredClone(value));
  }

  private patient(id: string): RecordedPatient {
    const patient = this.patients.find((p) => p.id === id);
    if (!patient) throw new Error(`unknown patient ${id}`);
    return patient;
  }
}

type SeriesColumns = { readonly tMs: Float64Array; readonly values: Float64Array };

function hashSeries(hash: ReturnType<typeof createHash>, stream: string, s: SeriesColumns): void {
  hash.update(stream);
  hash.update(new Uint8Array(s.tMs.buffer, s.tMs.byteOffset, s.tMs.byteLength));
  hash.update(new Uint8Array(s.values.buffer, s.values.byteOffset, s.values.byteLength));
}

function hashPatient(patient: RecordedPatient): string {
  const hash = createHash('sha256');
  hash.update(JSON.stringify(patient.profile));
  hash.update(JSON.stringify(patient.medications));
  for (const [stream, s] of [...patient.series].sort(([a], [b]) => a.localeCompare(b))) hashSeries(hash, stream, s);
  return hash.digest('hex');
}

function hashPanel(store: RecordingStore): string {
  const hash = createHash('sha256');
  for (const patient of store.patients) hash.update(hashPatient(patient));
  hash.update(JSON.stringify(store.meta.get('demo.truth')));
  return hash.digest('hex');
}

async function generate(opts: { patients: number; days: number; seed: number; endMs?: number }): Promise<{ store: RecordingStore; report: DemoReport }> {
  const store = new RecordingStore();
  const report = await generateDemoPanel(store, { endMs: END_MS, ...opts });
  return { store, report };
}

interface PanelPatient {
  readonly record: RecordedPatient;
  readonly truth: PatientTruth;
  series(stream: string): { tMs: Float64Array; values: Float64Array };
  has(stream: string): boolean;
}

function panelPatients(store: RecordingStore, truth: DemoTruth): PanelPatient[] {
  return store.patients.map((record, i) => ({
    record,
    truth: truth.perPatient[i]!,
    series: (stream: string) => record.series.get(stream) ?? { tMs: new Float64Array(0), values: new Float64Array(0) },
    has: (stream: string) => record.series.has(stream),
  }));
}

const clocks = new Map<string, ZoneClock>();

function localMinute(zone: string, tMs: number): number {
  let clock = clocks.get(zone);
  if (!clock) clocks.set(zone, (clock = new ZoneClock(zone as DemoZone)));
  const localMs = clock.localMs(tMs);
  return ((localMs % MS_PER_DAY) + MS_PER_DAY) % MS_PER_DAY / 60_000;
}

function mean(values: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i]!;
  return sum / values.length;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function timeInRange(values: Float64Array): number {
  let inRange = 0;
  for (const v of values) if (v >= 70 && v <= 180) inRange++;
  return inRange / values.length;
}

function coefficientOfVariation(values: Float64Array): number {
  const m = mean(values);
  let sumSq = 0;
  for (const v of values) sumSq += (v - m) ** 2;
  return Math.sqrt(sumSq / values.length) / m;
}

/** Values of a series inside [fromMs, toMs). */
function valuesBetween(s: { tMs: Float64Array; values: Float64Array }, fromMs: number, toMs: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < s.tMs.length; i++) if (s.tMs[i]! >= fromMs && s.tMs[i]! < toMs) out.push(s.values[i]!);
  return out;
}

const HF_DAILY_STREAMS = [STREAM.weight, STREAM.systolic, STREAM.diastolic, STREAM.restingHeartRate, STREAM.spo2, STREAM.stepsPerDay];

describe('generateDemoPanel (120 patients x 90 days, recorded)', () => {
  let store: RecordingStore;
  let report: DemoReport;
  let truth: DemoTruth;
  let patients: PanelPatient[];
  const progress: [number, number][] = [];

  beforeAll(async () => {
    store = new RecordingStore();
    report = await generateDemoPanel(store, {
      patients: 120,
      days: 90,
      seed: 1,
      endMs: END_MS,
      onProgress: (done, total) => progress.push([done, total]),
    });
    truth = store.meta.get('demo.truth') as DemoTruth;
    patients = panelPatients(store, truth);
    console.info(`demo panel 120 x 90 with an in-memory recorder: ${report.samples} samples in ${report.ms.toFixed(0)} ms`);
  });

  describe('panel', () => {
    it('writes demo patients, one batch call each, reports progress and stores the truth', () => {
      expect(report.patients).toBe(120);
      expect(store.patients).toHaveLength(120);
      expect(store.patients.every((p) => p.demo)).toBe(true);
      expect(store.writeCalls).toBe(120);
      expect(progress).toHaveLength(120);
      expect(progress.at(-1)).toEqual([120, 120]);
      const written = store.patients.reduce((n, p) => n + [...p.series.values()].reduce((m, s) => m + s.tMs.length, 0), 0);
      expect(report.samples).toBe(written);
      expect(report.samples).toBeGreaterThan(1_000_000);
      expect(report.truth).toEqual(truth);
      expect(truth).toMatchObject({ version: 1, seed: 1, patients: 120, days: 90, endMs: END_MS });
      expect(truth.perPatient.map((p) => p.patientId)).toEqual(store.patients.map((p) => p.id));
      for (const p of store.patients) for (const s of p.series.values()) expect(s.source).toBe(DEMO_SOURCE);
    });

    it('deals the intended mix of conditions: 20 % type 1, 40 % type 2, 30 % heart failure, 10 % both', () => {
      const mix = new Map<string, number>();
      for (const p of store.patients) {
        const key = [...p.profile.conditions].sort().join('+');
        mix.set(key, (mix.get(key) ?? 0) + 1);
      }
      expect(Object.fromEntries(mix)).toEqual({ t1d: 24, t2d: 48, hf: 36, 'hf+t2d': 12 });
      const t2d = patients.filter((p) => p.truth.conditions.includes('t2d'));
      expect(t2d.filter((p) => p.truth.wearsCgm).length / t2d.length).toBeCloseTo(0.8, 5);
      expect(patients.filter((p) => p.truth.conditions.includes('t1d')).every((p) => p.truth.wearsCgm)).toBe(true);
    });

    it('gives unique synthetic names, birth dates, sexes and a mix of zones', () => {
      const names = store.patients.map((p) => p.profile.name);
      expect(new Set(names).size).toBe(names.length);
      const zones = new Set(store.patients.map((p) => p.profile.zone));
      expect(zones.size).toBeGreaterThanOrEqual(4);
      expect(zones).toContain('Europe/London');
      for (const p of store.patients) {
        expect(p.profile.birthDate).toMatch(/^(19|20)\d\d-\d\d-\d\d$/);
        expect(['female', 'male']).toContain(p.profile.sex);
      }
    });

    it('puts nothing after the end: samples, doses and planted events', () => {
      for (const p of patients) {
        for (const s of p.record.series.values()) {
          expect(s.tMs.at(-1)!).toBeLessThanOrEqual(END_MS);
          expect(s.tMs[0]!).toBeGreaterThanOrEqual(truth.startMs);
          let unordered = 0;
          for (let i = 1; i < s.tMs.length; i++) if (!(s.tMs[i]! > s.tMs[i - 1]!)) unordered++;
          expect(unordered).toBe(0);
          expect(s.values.every((v) => Number.isFinite(v))).toBe(true);
        }
        expect(p.record.medications.every((m) => m.doses.every((d) => d.startMs <= END_MS))).toBe(true);
        const t = p.truth;
        const times = [
          ...t.sensorChangesMs,
          ...t.cgmGaps.flatMap((g) => [g.startMs, g.endMs]),
          ...t.confounders.flatMap((c) => [c.startMs, c.endMs]),
          ...t.hfEpisodes.flatMap((e) => [e.onsetMs, e.eventMs ?? e.onsetMs]),
        ];
        expect(times.filter((time) => time > END_MS)).toEqual([]);
      }
    });

    it('is deterministic: the same inputs give byte-identical data, another seed does not', async () => {
      const again = await generate({ patients: 120, days: 90, seed: 1 });
      expect(hashPanel(again.store)).toBe(hashPanel(store));
      const other = await generate({ patients: 120, days: 90, seed: 2 });
      expect(hashPanel(other.store)).not.toBe(hashPanel(store));
    });

    it('plans patient i the same whatever the panel size', async () => {
      const small = await generate({ patients: 8, days: 90, seed: 1 });
      expect(hashPatient(small.store.patients[7]!)).toBe(hashPatient(store.patients[7]!));
      const plan = planDemoPatient(7, { seed: 1, days: 90, endMs: END_MS });
      expect(plan.profile).toEqual(store.patients[7]!.profile);
      const { patientId: _patientId, ...stored } = truth.perPatient[7]!;
      expect(plan.truth).toEqual(stored);
    });
  });

  describe('CGM', () => {
    const wearers = (): PanelPatient[] => patients.filter((p) => p.truth.wearsCgm);

    it('reads every 5 minutes on the grid of the end day, whole mg/dL within 40..400', () => {
      expect(wearers().length).toBe(24 + 60 * 0.8);
      for (const p of wearers()) {
        const cgm = p.series(STREAM.cgm);
        expect(cgm.tMs.length).toBeGreaterThan(0.7 * 90 * 288);
        expect(cgm.tMs.every((t) => t % FIVE_MIN === 0)).toBe(true);
        expect(cgm.values.every((v) => Number.isInteger(v) && v >= 40 && v <= 400)).toBe(true);
      }
      for (const p of patients.filter((p) => !p.truth.wearsCgm)) expect(p.has(STREAM.cgm)).toBe(false);
    });

    it('changes sensors every 10 days, each with a 2-hour warm-up without readings', () => {
      for (const p of wearers()) {
        const changes = p.truth.sensorChangesMs;
        expect(changes.length).toBeGreaterThanOrEqual(6);
        // A sensor lasts its 10 days unless the patient takes it off for a while.
        const offDays = p.truth.cgmGaps.filter((g) => g.kind === 'not-worn');
        const intervalsDays = changes
          .slice(1)
          .map((t, i) => ({ from: changes[i]!, days: (t - changes[i]!) / MS_PER_DAY }))
          .filter(({ from, days }) => !offDays.some((g) => g.startMs > from && g.startMs < from + days * MS_PER_DAY))
          .map(({ days }) => days);
        for (const d of intervalsDays) expect(d).toBeGreaterThanOrEqual(10);
        expect(intervalsDays.filter((d) => d <= 11.5).length).toBeGreaterThanOrEqual(intervalsDays.length - 2);
        const cgm = p.series(STREAM.cgm);
        for (const change of changes) {
          expect(valuesBetween(cgm, change, change + 2 * HOUR)).toEqual([]);
          expect(p.truth.cgmGaps.some((g) => g.startMs <= change && g.endMs >= Math.min(change + 2 * HOUR, END_MS))).toBe(true);
        }
      }
    });

    it('drops single readings (2-4 %) and loses hours of signal a few times a month, never reading inside a gap', () => {
      for (const p of wearers()) {
        const cgm = p.series(STREAM.cgm);
        const present = new Set(Array.from(cgm.tMs));
        let isolated = 0;
        for (const t of cgm.tMs) if (!present.has(t + FIVE_MIN) && present.has(t + 2 * FIVE_MIN)) isolated++;
        const share = isolated / cgm.tMs.length;
        expect(share).toBeGreaterThan(0.012);
        expect(share).toBeLessThan(0.045);
        for (const gap of p.truth.cgmGaps) expect(valuesBetween(cgm, gap.startMs, gap.endMs)).toEqual([]);
        const losses = p.truth.cgmGaps.filter((g) => g.kind === 'signal-loss');
        for (const g of losses) {
          expect(g.endMs - g.startMs).toBeGreaterThanOrEqual(2 * HOUR);
          expect(g.endMs - g.startMs).toBeLessThanOrEqual(8 * HOUR);
        }
      }
      const lossesPerMonth = wearers().reduce((n, p) => n + p.truth.cgmGaps.filter((g) => g.kind === 'signal-loss').length, 0) / wearers().length / 3;
      expect(lossesPerMonth).toBeGreaterThan(1);
      expect(lossesPerMonth).toBeLessThan(5);
      expect(wearers().some((p) => p.truth.cgmGaps.some((g) => g.kind === 'not-worn' && g.endMs - g.startMs >= 2 * MS_PER_DAY))).toBe(true);
    });

    it('plants false compression lows at night in some patients', () => {
      const lows = wearers().flatMap((p) => p.truth.confounders.filter((c) => c.kind === 'compression-low').map((c) => ({ p, c })));
      expect(lows.length).toBeGreaterThan(10);
      for (const { p, c } of lows) {
        expect(c.endMs - c.startMs).toBeGreaterThanOrEqual(15 * 60_000);
        expect(c.endMs - c.startMs).toBeLessThanOrEqual(60 * 60_000);
        expect(localMinute(p.record.profile.zone!, c.startMs)).toBeLessThan(6 * 60 + 5);
      }
    });

    it('gives type 1 overnight lows (some below 54) and more variability; type 2 a higher mean', () => {
      const t1 = wearers().filter((p) => p.truth.conditions.includes('t1d'));
      const t2 = wearers().filter((p) => p.truth.conditions.includes('t2d'));
      let below54 = 0;
      for (const p of t1) {
        const cgm = p.series(STREAM.cgm);
        let nightLows = 0;
        for (let i = 0; i < cgm.tMs.length; i++) {
          if (cgm.values[i]! < 70 && localMinute(p.record.profile.zone!, cgm.tMs[i]!) < 6 * 60) nightLows++;
          if (cgm.values[i]! < 54) below54++;
        }
        expect(nightLows).toBeGreaterThan(0);
      }
      expect(below54).toBeGreaterThan(0);
      const cv = (group: PanelPatient[]): number => mean(group.map((p) => coefficientOfVariation(p.series(STREAM.cgm).values)));
      const meanGlucose = (group: PanelPatient[]): number => mean(group.map((p) => mean(p.series(STREAM.cgm).values)));
      expect(cv(t1)).toBeGreaterThan(cv(t2) + 0.05);
      expect(meanGlucose(t2)).toBeGreaterThan(meanGlucose(t1));
    });

    it('spans time in range across the panel, from poorly controlled to at target', () => {
      const tir = wearers().map((p) => timeInRange(p.series(STREAM.cgm).values));
      expect(Math.min(...tir)).toBeLessThan(0.35);
      expect(Math.max(...tir)).toBeGreaterThan(0.9);
      expect(tir.filter((x) => x >= 0.7).length).toBeGreaterThan(tir.length * 0.25);
      expect(tir.filter((x) => x < 0.7).length).toBeGreaterThan(tir.length * 0.25);
    });

    it('rises after meals, peaking 45-90 minutes after they start', () => {
      // Average daytime glucose by local time of day over the type 2 wearers (smooth meals): the
      // curve rises from its pre-breakfast level and peaks a while after typical breakfast times.
      const byHalfHour = new Float64Array(48);
      const counts = new Float64Array(48);
      for (const p of wearers().filter((w) => w.truth.conditions.includes('t2d'))) {
        const cgm = p.series(STREAM.cgm);
        for (let i = 0; i < cgm.tMs.length; i++) {
          const slot = Math.floor(localMinute(p.record.profile.zone!, cgm.tMs[i]!) / 30);
          byHalfHour[slot]! += cgm.values[i]!;
          counts[slot]!++;
        }
      }
      const curve = Array.from(byHalfHour, (s, i) => s / counts[i]!);
      const preBreakfast = curve[12]!; // 06:00
      const lateMorning = Math.max(...curve.slice(16, 22)); // 08:00-11:00
      expect(lateMorning).toBeGreaterThan(preBreakfast + 15);
    });

    it('has fingersticks for some patients, always for type 2 patients without a CGM', () => {
      const withSticks = patients.filter((p) => p.has(STREAM.fingerstick));
      expect(withSticks.length).toBeGreaterThan(20);
      for (const p of patients.filter((x) => x.truth.conditions.includes('t2d') && !x.truth.wearsCgm)) {
        expect(p.series(STREAM.fingerstick).tMs.length).toBeGreaterThan(30);
      }
      for (const p of withSticks) expect(p.series(STREAM.fingerstick).values.every((v) => Number.isInteger(v))).toBe(true);
    });
  });

  describe('heart failure', () => {
    const hf = (): PanelPatient[] => patients.filter((p) => p.truth.conditions.includes('hf'));

    it('records daily weight (0.1 kg), blood pressure, resting heart rate, SpO2 and steps with missed days', () => {
      const missedShares: number[] = [];
      let longestRun = 0;
      for (const p of hf()) {
        for (const stream of HF_DAILY_STREAMS) {
          const s = p.series(stream);
          expect(s.tMs.length).toBeGreaterThan(40);
          expect(s.tMs.length).toBeLessThanOrEqual(91);
          missedShares.push(1 - s.tMs.length / 90);
          const resolution = stream === STREAM.weight ? 10 : 1;
          expect(s.values.every((v) => Math.abs(v * resolution - Math.round(v * resolution)) < 1e-9)).toBe(true);
          for (let i = 1; i < s.tMs.length; i++) longestRun = Math.max(longestRun, Math.round((s.tMs[i]! - s.tMs[i - 1]!) / MS_PER_DAY) - 1);
        }
        const weightMs = p.series(STREAM.weight).tMs;
        const zone = p.record.profile.zone!;
        const minutes = Array.from(weightMs, (t) => localMinute(zone, t));
        expect(Math.min(...minutes)).toBeGreaterThanOrEqual(5 * 60);
        expect(Math.max(...minutes)).toBeLessThanOrEqual(11 * 60 + 30);
      }
      const overall = mean(missedShares);
      expect(overall).toBeGreaterThan(0.08);
      expect(overall).toBeLessThan(0.3);
      expect(Math.max(...missedShares) - Math.min(...missedShares)).toBeGreaterThan(0.15);
      expect(longestRun).toBeGreaterThanOrEqual(3);
      expect(patients.filter((p) => !p.truth.conditions.includes('hf')).every((p) => !p.has(STREAM.weight))).toBe(true);
    });

    it('plants decompensation episodes in 35-45 % of patients: onset before the event, weight rising over the episode', () => {
      const withEpisodes = hf().filter((p) => p.truth.hfEpisodes.length > 0);
      expect(withEpisodes.length / hf().length).toBeGreaterThanOrEqual(0.3);
      expect(withEpisodes.length / hf().length).toBeLessThanOrEqual(0.5);
      let rising = 0;
      let scored = 0;
      for (const p of withEpisodes) {
        expect(p.truth.hfEpisodes.length).toBeLessThanOrEqual(2);
        const weight = p.series(STREAM.weight);
        for (const e of p.truth.hfEpisodes) {
          expect(e.fluidGainKg).toBeGreaterThan(0);
          expect(e.onsetMs).toBeGreaterThanOrEqual(truth.startMs);
          if (e.eventMs === null) continue;
          expect(e.eventMs).toBeGreaterThan(e.onsetMs);
          const rampDays = (e.eventMs - e.onsetMs) / MS_PER_DAY;
          expect(rampDays).toBeGreaterThanOrEqual(7);
          expect(rampDays).toBeLessThanOrEqual(21);
          expect(e.fluidGainKg).toBeGreaterThanOrEqual(1.5);
          expect(e.fluidGainKg).toBeLessThanOrEqual(4);
          expect(e.eventMs).toBeLessThanOrEqual(END_MS - 3 * MS_PER_DAY);
          const before = valuesBetween(weight, e.onsetMs - 7 * MS_PER_DAY, e.onsetMs);
          const end = valuesBetween(weight, e.eventMs - 3 * MS_PER_DAY, e.eventMs);
          if (before.length < 2 || end.length < 1) continue;
          scored++;
          if (mean(end) - mean(before) > 0.7) rising++;
        }
      }
      expect(scored).toBeGreaterThan(8);
      expect(rising / scored).toBeGreaterThan(0.85);
    });

    it('moves the other signals with congestion: heart rate up, steps down before the event', () => {
      // Daily steps are noisy (a third of the level from day to day), so the effect is judged on the
      // average over episodes, not episode by episode.
      const hrRise: number[] = [];
      const stepsLogChange: number[] = [];
      for (const p of hf()) {
        for (const e of p.truth.hfEpisodes) {
          if (e.eventMs === null || e.fluidGainKg < 2.5) continue;
          const window = (stream: string, from: number, to: number): number[] => valuesBetween(p.series(stream), from, to);
          const hrBefore = window(STREAM.restingHeartRate, e.onsetMs - 10 * MS_PER_DAY, e.onsetMs);
          const hrEnd = window(STREAM.restingHeartRate, e.eventMs - 3 * MS_PER_DAY, e.eventMs);
          if (hrBefore.length >= 3 && hrEnd.length >= 1) hrRise.push(mean(hrEnd) - mean(hrBefore));
          const stepsBefore = window(STREAM.stepsPerDay, e.onsetMs - 10 * MS_PER_DAY, e.onsetMs);
          const stepsEnd = window(STREAM.stepsPerDay, e.eventMs - 4 * MS_PER_DAY, e.eventMs);
          if (stepsBefore.length >= 3 && stepsEnd.length >= 1) stepsLogChange.push(mean(stepsEnd.map(Math.log)) - mean(stepsBefore.map(Math.log)));
        }
      }
      expect(hrRise.length).toBeGreaterThan(5);
      expect(stepsLogChange.length).toBeGreaterThan(5);
      expect(mean(hrRise)).toBeGreaterThan(3);
      expect(hrRise.filter((d) => d > 0).length / hrRise.length).toBeGreaterThan(0.7);
      expect(mean(stepsLogChange)).toBeLessThan(-0.1);
    });

    it('includes episodes the crude weight rule (3 lb in a day or 5 lb in 3 days) misses', () => {
      let missed = 0;
      let caught = 0;
      for (const p of hf()) {
        const weight = p.series(STREAM.weight);
        for (const e of p.truth.hfEpisodes) {
          if (e.eventMs === null) continue;
          let fired = false;
          for (let i = 0; i < weight.tMs.length; i++) {
            const t = weight.tMs[i]!;
            if (t < e.onsetMs || t > e.eventMs) continue;
            for (let j = 0; j < i; j++) {
              const days = Math.round((t - weight.tMs[j]!) / MS_PER_DAY);
              const gain = weight.values[i]! - weight.values[j]!;
              if ((days === 1 && gain >= 1.36) || (days <= 3 && days >= 1 && gain >= 2.27)) fired = true;
            }
          }
          if (fired) caught++;
          else missed++;
        }
      }
      expect(missed).toBeGreaterThan(3);
      expect(caught).toBeGreaterThan(0);
    });

    it('plants non-heart-failure confounders, away from episodes', () => {
      const confounders = hf().flatMap((p) => p.truth.confounders.filter((c) => c.kind !== 'compression-low').map((c) => ({ p, c })));
      const kinds = new Set(confounders.map(({ c }) => c.kind));
      expect(kinds).toContain('weekend-weight-bump');
      expect(confounders.length).toBeGreaterThan(8);
      for (const { p, c } of confounders) {
        for (const e of p.truth.hfEpisodes) {
          const episodeEnd = e.eventMs ?? END_MS;
          expect(c.endMs < e.onsetMs || c.startMs > episodeEnd).toBe(true);
        }
        if (c.kind === 'weight-in-pounds') {
          expect(valuesBetween(p.series(STREAM.weight), c.startMs, c.startMs + 1)[0]!).toBeGreaterThan(90);
        }
      }
      // A salty weekend shows on the scale: Sunday to Tuesday above the week before, on average by most of a kilogram.
      const bumps = confounders
        .filter(({ c }) => c.kind === 'weekend-weight-bump')
        .map(({ p, c }) => {
          const weight = p.series(STREAM.weight);
          const peak = valuesBetween(weight, c.startMs + 1.2 * MS_PER_DAY, c.startMs + 3.8 * MS_PER_DAY);
          const weekBefore = valuesBetween(weight, c.startMs - 7 * MS_PER_DAY, c.startMs);
          // The median keeps a planted pounds entry or outlier in the week before from hiding the bump.
          return peak.length > 0 && weekBefore.length > 2 ? mean(peak) - median(weekBefore) : null;
        })
        .filter((rise): rise is number => rise !== null);
      expect(bumps.length).toBeGreaterThan(3);
      expect(mean(bumps)).toBeGreaterThan(0.5);
    });
  });

  describe('labs and medications', () => {
    it('has an HbA1c for every patient with diabetes, in line with their mean CGM glucose through ADAG', () => {
      const diabetic = patients.filter((p) => p.truth.glucose !== null);
      const errors: number[] = [];
      for (const p of diabetic) {
        const a1c = p.series(STREAM.hba1c);
        expect(a1c.tMs.length).toBeGreaterThanOrEqual(1);
        for (const v of a1c.values) expect(Math.abs(v * 10 - Math.round(v * 10))).toBeLessThan(1e-9);
        if (p.has(STREAM.cgm)) errors.push(a1c.values.at(-1)! - (mean(p.series(STREAM.cgm).values) + 46.7) / 28.7);
      }
      expect(Math.max(...errors.map(Math.abs))).toBeLessThan(1.5);
      expect(Math.abs(mean(errors))).toBeLessThan(0.3);
      expect(patients.filter((p) => p.truth.glucose === null).every((p) => !p.has(STREAM.hba1c))).toBe(true);
    });

    it('has NT-proBNP for heart failure, higher on admission than at baseline', () => {
      let higher = 0;
      let admissions = 0;
      for (const p of patients.filter((x) => x.truth.conditions.includes('hf'))) {
        const bnp = p.series(STREAM.ntProBnp);
        expect(bnp.tMs.length).toBeGreaterThanOrEqual(1);
        for (const e of p.truth.hfEpisodes) {
          if (e.eventMs === null) continue;
          const atEvent = valuesBetween(bnp, e.eventMs, e.eventMs + 4 * HOUR);
          if (atEvent.length === 0) continue;
          admissions++;
          if (atEvent[0]! > bnp.values[0]!) higher++;
        }
      }
      expect(admissions).toBeGreaterThan(5);
      expect(higher / admissions).toBeGreaterThan(0.8);
    });

    it('has eGFR and potassium (0.1 mmol/L) every 1-3 months for everyone', () => {
      for (const p of patients) {
        const egfr = p.series(STREAM.egfr);
        const potassium = p.series(STREAM.potassium);
        expect(egfr.tMs.length).toBeGreaterThanOrEqual(1);
        expect(potassium.tMs.length).toBe(egfr.tMs.length);
        for (const v of potassium.values) {
          expect(v).toBeGreaterThanOrEqual(2.8);
          expect(v).toBeLessThanOrEqual(6.5);
          expect(Math.abs(v * 10 - Math.round(v * 10))).toBeLessThan(1e-9);
        }
      }
      expect(mean(patients.map((p) => p.series(STREAM.egfr).tMs.length))).toBeGreaterThan(1.3);
    });

    it('raises the diuretic after every heart-failure event that has been dealt with', () => {
      let checked = 0;
      for (const p of patients) {
        const furosemide = p.record.medications.find((m) => m.name === 'Furosemide');
        for (const e of p.truth.hfEpisodes) {
          if (e.eventMs === null || e.eventMs > END_MS - 8 * MS_PER_DAY) continue;
          checked++;
          expect(furosemide).toBeDefined();
          const doses = furosemide!.doses;
          const after = doses.find((d) => d.startMs >= e.eventMs! && d.startMs <= e.eventMs! + 8 * MS_PER_DAY);
          const before = [...doses].reverse().find((d) => d.startMs < e.eventMs!);
          expect(after).toBeDefined();
          expect(after!.dose).toBeGreaterThan(before?.dose ?? 0);
        }
      }
      expect(checked).toBeGreaterThan(5);
    });

    it('gives each condition its medications, with dose changes in the window for some', () => {
      const names = (condition: string): Set<string> =>
        new Set(patients.filter((p) => p.truth.conditions.includes(condition as 't1d')).flatMap((p) => p.record.medications.map((m) => m.name)));
      expect(names('t1d')).toEqual(new Set(['Insulin glargine', 'Insulin lispro']));
      expect(names('t2d')).toContain('Metformin');
      expect(names('t2d')).toContain('Insulin glargine');
      expect(names('hf')).toContain('Metoprolol succinate');
      expect(names('hf')).toContain('Sacubitril/valsartan');
      const changed = patients.filter((p) => p.record.medications.some((m) => m.doses.some((d) => d.startMs >= truth.startMs)));
      expect(changed.length).toBeGreaterThan(20);
      for (const p of patients) {
        for (const m of p.record.medications) {
          expect(m.doses.length).toBeGreaterThan(0);
          for (let i = 1; i < m.doses.length; i++) expect(m.doses[i]!.startMs).toBeGreaterThanOrEqual(m.doses[i - 1]!.startMs);
          if (m.name.startsWith('Insulin')) expect(m.unit).toBe('U/d');
        }
      }
    });
  });
});

describe('generateDemoPanel on short windows and odd inputs', () => {
  it('fills a 6-patient, 14-day panel and a 1-day panel, each diabetic with an HbA1c', async () => {
    for (const days of [14, 1]) {
      for (const endMs of [END_MS, Date.UTC(2025, 10, 2, 3, 0), Date.UTC(2025, 2, 30, 23, 59)]) {
        const { store, report } = await generate({ patients: 6, days, seed: 3, endMs });
        expect(report.patients).toBe(6);
        const startMs = report.truth.startMs;
        expect(report.truth.endMs - startMs).toBeLessThan(days * MS_PER_DAY);
        for (const [i, p] of store.patients.entries()) {
          for (const s of p.series.values()) {
            expect(s.tMs[0]!).toBeGreaterThanOrEqual(startMs);
            expect(s.tMs.at(-1)!).toBeLessThanOrEqual(endMs);
          }
          if (report.truth.perPatient[i]!.glucose) expect(p.series.get(STREAM.hba1c)?.tMs.length ?? 0).toBeGreaterThanOrEqual(1);
        }
      }
    }
  });

  it('writes an empty truth for an empty panel and refuses nonsense counts', async () => {
    const { store, report } = await generate({ patients: 0, days: 90, seed: 1 });
    expect(report.samples).toBe(0);
    expect((store.meta.get('demo.truth') as DemoTruth).perPatient).toEqual([]);
    await expect(generate({ patients: 2, days: 0, seed: 1 })).rejects.toThrow(/days/);
    await expect(generate({ patients: 1.5, days: 9, seed: 1 })).rejects.toThrow(/patients/);
  });

  it('uses the end as its only clock: grid times are 5-minute multiples, and a later end moves the window', async () => {
    const hashPlan = (endMs: number): string => {
      const hash = createHash('sha256');
      for (const s of planDemoPatient(0, { seed: 1, days: 10, endMs }).series) hashSeries(hash, s.stream, s);
      return hash.digest('hex');
    };
    // 14:07:31 and 14:07:32 share the grid (last point 14:05); 14:12:31 moves it by one point.
    expect(hashPlan(END_MS + 1000)).toBe(hashPlan(END_MS));
    expect(hashPlan(END_MS + FIVE_MIN)).not.toBe(hashPlan(END_MS));
    const cgm = planDemoPatient(0, { seed: 1, days: 10, endMs: END_MS }).series.find((s) => s.stream === STREAM.cgm);
    expect(cgm).toBeDefined();
    expect(cgm!.tMs.every((t) => t % FIVE_MIN === 0)).toBe(true);
  });
});
