import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { STREAM } from '../../../shared/domain/streams.js';
import { STORE_OWNER, type Caller } from '../consent/access.js';

const CLINICIAN: Caller = { actor: 'clin-0001', role: 'clinician', purpose: 'treatment' };
import { CareTwinStore } from '../store/store.js';
import { CHEAP_KDF, DAY_MS, profile, withTempDir } from '../store/store-test-fixtures.js';
import { createReportService, resolveAgpPeriod } from './report-service.js';

const MIN = 60_000;
/** Consent periods start when a patient is created, so the clock of these tests runs an hour after creation. */
const NOW_MS = Date.now() + 3_600_000;
const DAY0_MS = NOW_MS - 20 * DAY_MS;

async function withStore<T>(fn: (store: CareTwinStore) => Promise<T> | T): Promise<T> {
  return withTempDir(async (dir) => {
    const store = await CareTwinStore.create(path.join(dir, 'store'), 'pass', { kdf: CHEAP_KDF });
    try {
      return await fn(store);
    } finally {
      store.close();
    }
  });
}

describe('report.agp on a real store', () => {
  it("computes the AGP of the stored CGM in the patient's zone over the 14 days ending now", async () => {
    await withStore((store) => {
      const id = store.createPatient(profile('AGP Test', { zone: 'Asia/Tokyo' }));
      // 20 days of 5-min CGM; glucose 100 at night (00-06 Tokyo time), 200 otherwise; no readings on day 10.
      const tMs: number[] = [];
      const values: number[] = [];
      for (let t = DAY0_MS; t < DAY0_MS + 20 * DAY_MS; t += 5 * MIN) {
        if (t >= DAY0_MS + 10 * DAY_MS && t < DAY0_MS + 11 * DAY_MS) continue;
        const tokyoHour = new Date(t + 9 * 3600_000).getUTCHours(); // UTC+9, no DST
        tMs.push(t);
        values.push(tokyoHour < 6 ? 100 : 200);
      }
      store.writeSeries([{ patientId: id, stream: STREAM.cgm, source: 'test', tMs, values }]);
      const now = NOW_MS;
      const reports = createReportService(() => store, () => now, 'UTC');
      const report = reports.agp(CLINICIAN, id);
      const agp = report.agp;
      expect(report.zoneFrom).toBe('patient');
      expect(agp.zone).toBe('Asia/Tokyo');
      expect(agp.fromMs).toBe(now - 14 * DAY_MS);
      expect(agp.periodDays).toBe(14);
      // One day of 14 missing: 13/14 of the slots.
      expect(agp.wearPct).toBeCloseTo((100 * 13) / 14, 6);
      expect(agp.sufficiency.sufficient).toBe(true);
      expect(agp.readings).toBe(13 * 288);
      // 6 of 24 hours at 100 mg/dL.
      expect(agp.meanMgDl).toBeCloseTo(175, 6);
      expect(agp.ranges!.inRangePct).toBeCloseTo(25, 6);
      expect(agp.ranges!.highPct).toBeCloseTo(75, 6);
      // 03:00 Tokyo is night, 12:00 is day.
      expect(agp.bins[12]!.p50).toBe(100);
      expect(agp.bins[48]!.p50).toBe(200);

      const week = reports.agp(CLINICIAN, id, { days: 7 });
      expect(week.agp.periodDays).toBe(7);
      expect(week.agp.sufficiency.days).toBe(false);
      expect(week.agp.sufficiency.reasons[0]).toMatch(/7 days/);
    });
  });

  it('refuses a patient account looking at another record, an unknown patient and a revoked CGM class', async () => {
    await withStore((store) => {
      const a = store.createPatient(profile('A'));
      const b = store.createPatient(profile('B'));
      store.writeSeries([{ patientId: a, stream: STREAM.cgm, source: 'test', tMs: [DAY0_MS], values: [120] }]);
      const reports = createReportService(() => store, () => NOW_MS, 'UTC');
      const patientB: Caller = { actor: 'p-b', role: 'patient', purpose: 'treatment', ownPatientId: b };
      expect(() => reports.agp(patientB, a)).toThrow(expect.objectContaining({ code: 'FORBIDDEN' }));
      expect(() => reports.agp(CLINICIAN, 'f'.repeat(32))).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
      expect(reports.agp(CLINICIAN, a).zoneFrom).toBe('default');
      store.revokeConsent(STORE_OWNER, a, 'cgm');
      expect(() => reports.agp(CLINICIAN, a)).toThrow(expect.objectContaining({ code: 'FORBIDDEN' }));
    });
  });

  it('periods: days ending now, or an explicit range; reversed or too long refused', () => {
    const now = DAY0_MS;
    expect(resolveAgpPeriod({}, now)).toEqual({ fromMs: now - 14 * DAY_MS, toMs: now });
    expect(resolveAgpPeriod({ fromMs: 0, days: 2 }, now)).toEqual({ fromMs: 0, toMs: 2 * DAY_MS });
    expect(() => resolveAgpPeriod({ fromMs: 10, toMs: 5 }, now)).toThrow(/end after/);
    expect(() => resolveAgpPeriod({ days: 400 }, now)).toThrow(/at most/);
  });
});

describe('report.pdf', () => {
  it("hands the caller's window to the host's printer with a file name free of patient data; refused without a printer", async () => {
    await withStore(async (store) => {
      const id = store.createPatient(profile('Jane Example'));
      const asked: unknown[] = [];
      const printing = createReportService(() => store, () => Date.UTC(2026, 10, 23, 18), 'UTC', async (connection, request) => {
        asked.push({ connection, request });
        return { saved: true, filePath: '/tmp/x.pdf', bytes: 1234 };
      });
      await expect(printing.pdf(CLINICIAN, { connectionId: 'electron-1-1' }, id, 'A4')).resolves.toEqual({ saved: true, filePath: '/tmp/x.pdf', bytes: 1234 });
      expect(asked).toEqual([{ connection: { connectionId: 'electron-1-1' }, request: { pageSize: 'A4', suggestedFileName: 'caretwin-report-2026-11-23.pdf' } }]);
      const other: Caller = { actor: 'p-x', role: 'patient', purpose: 'treatment', ownPatientId: 'a'.repeat(32) };
      await expect(printing.pdf(other, { connectionId: 'c' }, id, 'A4')).rejects.toMatchObject({ code: 'FORBIDDEN' });
      const web = createReportService(() => store, () => NOW_MS, 'UTC');
      await expect(web.pdf(CLINICIAN, { connectionId: 'web-1' }, id, 'Letter')).rejects.toMatchObject({ code: 'UNKNOWN_METHOD' });
    });
  });
});
