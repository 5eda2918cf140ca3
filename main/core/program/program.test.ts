import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AuditActor } from '../../../shared/domain/consent.js';
import { STREAM } from '../../../shared/domain/streams.js';
import { generateDemoPanel } from '../demo/panel.js';
import { CareTwinStore } from '../store/store.js';
import { CHEAP_KDF, profile, withTempDir } from '../store/store-test-fixtures.js';
import { isDeviceStream } from '../alerts/model-free.js';
import { addMinutes, programStatus, startTimer, stopTimer } from './program.js';
import { binomialAtLeast, managementCodes, monthOf, monthPeriod, projectDeviceDays } from './rpm-rules.js';

const NURSE: AuditActor = { actor: 'nurse-0000beef', role: 'nurse' };
const MIN_MS = 60_000;
const HOUR_MS = 60 * MIN_MS;
const DAY_MS = 24 * HOUR_MS;
const LA = 'America/Los_Angeles';

async function withStore<T>(fn: (store: CareTwinStore, dataDir: string) => Promise<T> | T): Promise<T> {
  return withTempDir(async (dir) => {
    const dataDir = path.join(dir, 'store');
    const store = await CareTwinStore.create(dataDir, 'pass', { kdf: CHEAP_KDF });
    try {
      return await fn(store, dataDir);
    } finally {
      store.close();
    }
  });
}

/** The local date of an instant by Intl alone (independent of the ZoneClock the code uses). */
const formats = new Map<string, Intl.DateTimeFormat>();
const dateOfQuarter = new Map<string, string>();
function localDate(tMs: number, zone: string): string {
  // Every zone offset in use is a whole number of quarter hours: one lookup per quarter hour is exact.
  const key = `${zone}|${Math.floor(tMs / (15 * MIN_MS))}`;
  let d = dateOfQuarter.get(key);
  if (d === undefined) {
    let f = formats.get(zone);
    if (f === undefined) formats.set(zone, (f = new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' })));
    dateOfQuarter.set(key, (d = f.format(tMs)));
  }
  return d;
}

describe('RPM codes and projection', () => {
  it('maps logged minutes to 99470 / 99457 / 99458 at 9, 10, 19, 20, 39, 40, 60 minutes', () => {
    const at = (m: number) => managementCodes(m * 60).map((c) => `${c.code}x${c.units}`);
    expect(at(9)).toEqual([]);
    expect(at(10)).toEqual(['99470x1']);
    expect(at(19)).toEqual(['99470x1']);
    expect(at(20)).toEqual(['99457x1']);
    expect(at(39)).toEqual(['99457x1']);
    expect(at(40)).toEqual(['99457x1', '99458x1']);
    expect(at(60)).toEqual(['99457x1', '99458x2']);
    // 9 minutes 59 seconds is not 10 minutes.
    expect(managementCodes(10 * 60 - 1)).toEqual([]);
  });

  it('projects 16 device days with a binomial on the recent daily rate', () => {
    expect(binomialAtLeast(10, 0.5, 5)).toBeCloseTo(638 / 1024, 12);
    expect(binomialAtLeast(3, 0.2, 4)).toBe(0);
    expect(projectDeviceDays(16, 5, 0, 14)).toMatchObject({ needed: 0, probability: 1, outcome: 'reached' });
    expect(projectDeviceDays(5, 10, 14, 14)).toMatchObject({ needed: 11, probability: 0, outcome: 'not-reachable' });
    const p = projectDeviceDays(10, 12, 12, 14);
    expect(p.dailyRate).toBeCloseTo(13 / 16, 12);
    // Brute force over all 2^12 outcomes.
    let want = 0;
    for (let mask = 0; mask < 1 << 12; mask++) {
      let k = 0;
      for (let i = 0; i < 12; i++) if (mask & (1 << i)) k++;
      if (k >= 6) want += p.dailyRate ** k * (1 - p.dailyRate) ** (12 - k);
    }
    expect(p.probability).toBeCloseTo(want, 12);
    expect(p.outcome).toBe('likely');
    expect(projectDeviceDays(0, 30, 0, 0).dailyRate).toBe(0.5);
  });

  it('bounds a month at local midnight in a non-UTC zone, DST included', () => {
    const march = monthPeriod('2026-03', LA);
    expect(new Date(march.startMs).toISOString()).toBe('2026-03-01T08:00:00.000Z');
    // US summer time began on 8 March: April starts at 07:00 UTC.
    expect(new Date(march.endMs).toISOString()).toBe('2026-04-01T07:00:00.000Z');
    expect(march.lastDay - march.firstDay + 1).toBe(31);
    expect(monthOf(Date.parse('2026-04-01T06:59:00Z'), LA)).toBe('2026-03');
    expect(monthOf(Date.parse('2026-04-01T07:00:00Z'), LA)).toBe('2026-04');
    expect(new Date(monthPeriod('2026-01', 'Pacific/Auckland').startMs).toISOString()).toBe('2025-12-31T11:00:00.000Z');
    expect(() => monthPeriod('2026-13', LA)).toThrow(/YYYY-MM/);
    expect(() => monthPeriod('2026-03', 'Mars/Olympus')).toThrow(/IANA zone/);
  });
});

describe('RPM program tracking on the store', () => {
  it('counts device days in the patient zone across month ends; labs do not count; minutes go to the period of their start', () =>
    withStore((store) => {
      const p = store.createPatient(profile('Zone', { zone: LA }));
      const t = (iso: string) => Date.parse(iso);
      store.writeSeries([
        // 23:30 on 31 March in Los Angeles (06:30 UTC on 1 April) and 00:30 on 1 April local.
        { patientId: p, stream: STREAM.weight, source: 't', tMs: [t('2026-03-02T16:00:00Z'), t('2026-04-01T06:30:00Z'), t('2026-04-01T07:30:00Z')], values: [80, 80, 80] },
        // Two readings on the same local day (8 March, either side of the DST change) are one day.
        { patientId: p, stream: STREAM.systolic, source: 't', tMs: [t('2026-03-08T09:30:00Z'), t('2026-03-09T06:00:00Z')], values: [120, 121] },
        // A lab on 10 March counts for nothing.
        { patientId: p, stream: STREAM.hba1c, source: 't', tMs: [t('2026-03-10T18:00:00Z')], values: [7] },
      ]);
      const now = t('2026-04-20T12:00:00Z');
      addMinutes(store, p, NURSE, now, { minutes: 12, note: 'Call about readings', atMs: t('2026-04-01T06:50:00Z') });
      addMinutes(store, p, NURSE, now, { minutes: 5, note: 'Reviewed log', atMs: t('2026-04-01T07:10:00Z') });
      const march = programStatus(store, p, '2026-03', now, 'UTC');
      expect(march).toMatchObject({ zoneFrom: 'patient', phase: 'past' });
      expect(march.deviceDays).toMatchObject({ count: 3, dates: ['2026-03-02', '2026-03-08', '2026-03-31'], code: '99445', elapsedDays: 31, periodDays: 31 });
      expect(march.minutes).toMatchObject({ totalMinutes: 12, codes: [{ code: '99470', units: 1 }] });
      const april = programStatus(store, p, '2026-04', now, 'UTC');
      expect(april.deviceDays).toMatchObject({ count: 1, dates: ['2026-04-01'], code: null, elapsedDays: 20, periodDays: 30 });
      expect(april.minutes.totalMinutes).toBe(5);
      // Read in UTC instead (a patient without a zone, the host's default): the days move.
      const q = store.createPatient(profile('NoZone'));
      store.writeSeries([{ patientId: q, stream: STREAM.weight, source: 't', tMs: [t('2026-04-01T06:30:00Z')], values: [80] }]);
      expect(programStatus(store, q, '2026-03', now, 'UTC').deviceDays.count).toBe(0);
      expect(programStatus(store, q, '2026-03', now, LA)).toMatchObject({ zoneFrom: 'default', deviceDays: { count: 1 } });
    }));

  it("projects a new patient's wear from their first local day, read exactly where the UTC day leaves it open", () =>
    withStore((store) => {
      const t = (iso: string) => Date.parse(iso);
      // Auckland is UTC+12 in May: 05:00 UTC on 14 May is 17:00 on 14 May there, and the rest of that UTC day
      // falls on 15 May. The first reading's local day (14 May) starts the recent window, not 15 May.
      const p = store.createPatient(profile('Auckland', { zone: 'Pacific/Auckland' }));
      const times: number[] = [];
      for (let d = 0; d < 6; d++) times.push(t('2026-05-14T05:00:00Z') + d * DAY_MS);
      store.writeSeries([{ patientId: p, stream: STREAM.weight, source: 't', tMs: times, values: times.map(() => 80) }]);
      const now = t('2026-05-20T06:00:00Z'); // 18:00 on 20 May in Auckland
      const status = programStatus(store, p, '2026-05', now, 'UTC');
      expect(status.deviceDays.dates).toEqual(['2026-05-14', '2026-05-15', '2026-05-16', '2026-05-17', '2026-05-18', '2026-05-19']);
      // 14-19 May: six local days before today, each with a weight.
      expect(status.projection).toMatchObject({ recentWindowDays: 6, recentDaysWithData: 6 });
    }));

  it('sums logged minutes per period at the code thresholds', () =>
    withStore((store) => {
      const now = Date.parse('2026-05-28T12:00:00Z');
      const cases: [number[], string[]][] = [
        [[9], []],
        [[10], ['99470x1']],
        [[4, 15], ['99470x1']],
        [[20], ['99457x1']],
        [[19, 20], ['99457x1']],
        [[20, 20], ['99457x1', '99458x1']],
        [[30, 30], ['99457x1', '99458x2']],
      ];
      for (const [parts, want] of cases) {
        const p = store.createPatient(profile('M', { zone: 'Europe/Berlin' }));
        for (const m of parts) addMinutes(store, p, NURSE, now, { minutes: m, note: 'call', atMs: now - DAY_MS });
        const s = programStatus(store, p, '2026-05', now, 'UTC');
        expect(s.minutes.codes.map((c) => `${c.code}x${c.units}`)).toEqual(want);
        expect(s.minutes.totalMinutes).toBe(parts.reduce((a, b) => a + b, 0));
      }
    }));

  it('keeps a running timer across a close and reopen, and refuses the wrong steps', () =>
    withStore(async (store, dataDir) => {
      const p = store.createPatient(profile('Timer', { zone: 'Europe/Berlin' }));
      const t0 = Date.parse('2026-06-10T08:00:00Z');
      expect(() => stopTimer(store, p, NURSE, t0)).toThrow(/No timer is running/);
      startTimer(store, p, NURSE, t0);
      expect(() => startTimer(store, p, NURSE, t0 + MIN_MS)).toThrow(/running since/);
      store.close();

      const reopened = await CareTwinStore.unlock(dataDir, 'pass');
      try {
        expect(programStatus(reopened, p, '2026-06', t0 + 5 * MIN_MS, 'UTC').timer).toEqual({ startMs: t0, by: NURSE.actor });
        expect(() => stopTimer(reopened, p, NURSE, t0 + 21 * MIN_MS, { minutes: 25 })).toThrow(/at most the 21/);
        const entry = stopTimer(reopened, p, NURSE, t0 + 21 * MIN_MS + 30_000, { note: 'Reviewed weights with patient' });
        expect(entry).toMatchObject({ kind: 'timer', startMs: t0, seconds: 21 * 60 + 30, note: 'Reviewed weights with patient', by: NURSE.actor });
        const s = programStatus(reopened, p, '2026-06', t0 + DAY_MS, 'UTC');
        expect(s.timer).toBeNull();
        expect(s.minutes).toMatchObject({ totalMinutes: 21, codes: [{ code: '99457', units: 1 }], next: { code: '99458', minutesNeeded: 19 } });
        // A timer forgotten over lunch, corrected on stop.
        startTimer(reopened, p, NURSE, t0 + 2 * HOUR_MS);
        expect(stopTimer(reopened, p, NURSE, t0 + 4 * HOUR_MS, { minutes: 15 }).seconds).toBe(15 * 60);

        expect(() => addMinutes(reopened, p, NURSE, t0, { minutes: 5, note: '  ' })).toThrow(/needs a note/);
        expect(() => addMinutes(reopened, p, NURSE, t0, { minutes: 0, note: 'x' })).toThrow(/whole number from 1/);
        expect(() => addMinutes(reopened, p, NURSE, t0, { minutes: 5, note: 'x', atMs: t0 + HOUR_MS })).toThrow(/future/);
        expect(programStatus(reopened, p, '2026-06', t0 + DAY_MS, 'UTC').minutes.entries).toHaveLength(2);
      } finally {
        reopened.close();
      }
    }));

  it('counts device days of every demo patient as a direct count of the stored samples does', () =>
    withStore(async (store) => {
      const endMs = Date.parse('2026-03-18T15:45:00Z');
      await generateDemoPanel(store, { patients: 10, days: 45, seed: 5, endMs });
      const patients = store.listPatients();
      const zones = new Set(patients.map((p) => p.profile.zone));
      expect(zones.size).toBeGreaterThan(1);
      for (const { id, profile: prof } of patients) {
        const zone = prof.zone!;
        for (const month of ['2026-02', '2026-03']) {
          const want = new Set<string>();
          for (const s of store.streamSummaries(id)) {
            if (!isDeviceStream(s.stream)) continue;
            for (const tMs of store.readSeries(id, s.stream).tMs) {
              const d = localDate(tMs, zone);
              if (d.startsWith(month) && tMs <= endMs) want.add(d);
            }
          }
          const got = programStatus(store, id, month, endMs, 'UTC');
          expect(got.deviceDays.dates).toEqual([...want].sort());
          expect(got.deviceDays.code).toBe(want.size >= 16 ? '99454' : want.size >= 2 ? '99445' : null);
        }
      }
    }));
});
