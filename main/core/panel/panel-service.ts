/**
 * The triage panel as a service (panel.triage, panel.assign): one row per patient the caller may see, for a
 * period of 7, 14 or 30 days ending now, with only what the patient's consent lets the caller's role see
 * (CGM figures need `cgm`, weights `vitals`, the twin, alerts and program log `derived`).
 *
 * Definitions (also in README.md of this folder):
 * - observed diabetes figures: the CGM readings of the period (triage-metrics.ts, TIDE categories);
 * - projected: the stored twin's daily projection window closest in length to the period;
 * - congestion risk: P(fluid excess > 1 kg) under the heart-failure twin's posterior (the alert policy's
 *   threshold), with the fluid excess's 80 % band;
 * - weight change: the newest weigh-in day against the one closest to 7 days before; "probability it is
 *   fluid": the twin's probability that the fluid component moves the same way as the weight now (fluid rate
 *   > 0 for a gain, < 0 for a loss);
 * - last contact: the newest of an alert acknowledged, an alert resolved, or interactive minutes logged (at the
 *   end of the logged time), by anyone on the care team.
 */
import type { PanelRow, PanelTriage, TriageRow } from '../../../shared/ipc/contract.js';
import type { Alert } from '../../../shared/domain/alerts.js';
import { STREAM } from '../../../shared/domain/streams.js';
import { utcDay } from '../../../shared/domain/sample.js';
import { HF_ALERT_POLICY } from '../../../shared/model/heart-failure/alerts.js';
import { AppError } from '../../../shared/ipc/errors.js';
import { listAlerts } from '../alerts/alert-store.js';
import { requirePanelAccess, visibleClasses, type Caller } from '../consent/access.js';
import { programStatus, PROGRAM_RECORD } from '../program/program.js';
import { monthOf } from '../program/rpm-rules.js';
import type { StoredTwin } from '../twin/twin-compute.js';
import { TWIN_RECORD } from '../twin/pipeline.js';
import { seriesBetween, type CareTwinStore, type CareTeamRecord } from '../store/store.js';
import type { PatientRecord, Series } from '../store/api.js';
import { congestionRisk, dailyMeans, DAY_MS, glucoseStats, projectedGlucose, weightChange7d } from './triage-metrics.js';

export type TriagePeriod = 7 | 14 | 30;
export const DEFAULT_TRIAGE_PERIOD: TriagePeriod = 14;
/** Figures read from the stored series are recomputed when data arrive, and at least this often. */
export const TRIAGE_DATA_MAX_AGE_MS = 60 * 60 * 1000;
/** What a role may see of a patient (consent) is judged again at least this often. */
export const VISIBILITY_MAX_AGE_MS = 60 * 1000;

export interface PanelService {
  triage(caller: Caller, periodDays?: TriagePeriod): PanelTriage;
  assign(caller: Caller, patientId: string, value: CareTeamRecord): { patientId: string; tags: string[]; assignedNurse: string | null };
  /** Stored samples or consent changed (all patients, or these): their series figures are read again. */
  invalidate(patientIds?: readonly string[]): void;
  /** A patient's twin was recomputed: its figures are read again. */
  twinUpdated(patientId: string): void;
  /** panel.list's rows (name, conditions, last data, days with data in 30), from the cache where it holds them. */
  list(caller: Caller): PanelRow[];
}

const SEVERITY_RANK = { urgent: 3, warning: 2, info: 1 } as const;

interface ProgramLog {
  readonly entries: readonly { readonly startMs: number; readonly seconds: number; readonly by: string }[];
  readonly timer: { readonly startMs: number; readonly by: string } | null;
}

/** What a patient's stored series say for a period: expensive to read (decryption), cached until data change. */
interface SeriesFacts {
  readonly key: string;
  readonly computedMs: number;
  readonly lastDataMs: number | null;
  readonly daysWithData30: number;
  readonly cgm: { readonly observed: NonNullable<NonNullable<TriageRow['diabetes']>['observed']>; readonly trend: (number | null)[] } | null;
  readonly weight: { readonly change: ReturnType<typeof weightChange7d>; readonly trend: (number | null)[] } | null;
  readonly program: { readonly month: string; readonly startMs: number; readonly endMs: number; readonly deviceDays: number; readonly elapsedDays: number; readonly periodDays: number };
}

/** What a patient's stored twin says (a JSON record to decrypt and parse): cached until the twin is recomputed. */
interface TwinFacts {
  readonly state: 'computed' | 'pending';
  readonly computedMs: number | null;
  readonly daily: NonNullable<StoredTwin['daily']>['windows'] | null;
  readonly hf: StoredTwin['hf'];
}

export function createPanelService(store: () => CareTwinStore, nowMs: () => number, defaultZone: string): PanelService {
  const seriesCache = new Map<string, SeriesFacts>();
  const twinCache = new Map<string, TwinFacts>();
  // Consent decides what a role sees; it changes only through the consent service, which announces it (invalidate).
  const visibleCache = new Map<string, { readonly classes: ReadonlySet<string>; readonly computedMs: number }>();
  const teamCache = new Map<string, CareTeamRecord>();

  function visibleFor(s: CareTwinStore, caller: Caller, patientId: string, now: number): ReadonlySet<string> {
    const key = `${patientId}|${caller.role}|${caller.purpose}|${caller.ownPatientId ?? ''}`;
    const hit = visibleCache.get(key);
    // Consent periods end in time: judged again after a minute at most.
    if (hit !== undefined && now - hit.computedMs < VISIBILITY_MAX_AGE_MS) return hit.classes;
    const classes = visibleClasses(s, caller, patientId, now);
    visibleCache.set(key, { classes, computedMs: now });
    return classes;
  }

  function teamOf(s: CareTwinStore, patientId: string): CareTeamRecord {
    let team = teamCache.get(patientId);
    if (team === undefined) teamCache.set(patientId, (team = s.getCareTeam(patientId)));
    return team;
  }

  function clearAll(): void {
    seriesCache.clear();
    twinCache.clear();
    visibleCache.clear();
    teamCache.clear();
  }
  let cachedStore: CareTwinStore | undefined;

  function seriesFacts(s: CareTwinStore, p: PatientRecord, periodDays: TriagePeriod, now: number, monthIn: (zone: string) => string): SeriesFacts {
    const today = utcDay(now);
    const month = monthIn(p.profile.zone ?? defaultZone);
    const key = `${periodDays}|${month}`;
    const hit = seriesCache.get(p.id);
    if (hit !== undefined && hit.key === key && now - hit.computedMs < TRIAGE_DATA_MAX_AGE_MS && utcDay(hit.computedMs) === today) return hit;
    const fromMs = now - periodDays * DAY_MS;
    const firstTrendDay = today - periodDays + 1;
    const diabetic = p.profile.conditions.includes('t1d') || p.profile.conditions.includes('t2d');
    const hfPatient = p.profile.conditions.includes('hf');
    // The program's device days read the month's CGM first: a read that covers the triage window is kept and
    // sliced, so a diabetic patient's period is decrypted once, not twice.
    let programCgm: { fromMs: number; toMs: number; series: Series } | undefined;
    const status = programStatus(s, p.id, month, now, defaultZone, {
      patient: p,
      onSeriesRead: (stream, from, to, series) => {
        if (stream === STREAM.cgm && (programCgm === undefined || from < programCgm.fromMs)) programCgm = { fromMs: from, toMs: to, series };
      },
    });
    let cgm: SeriesFacts['cgm'] = null;
    if (diabetic) {
      const wantFrom = Math.min(fromMs, firstTrendDay * DAY_MS);
      const series =
        programCgm !== undefined && programCgm.fromMs <= wantFrom && programCgm.toMs >= now
          ? seriesBetween(programCgm.series, wantFrom, now)
          : s.readSeries(p.id, STREAM.cgm, wantFrom, now);
      const g = glucoseStats(series.tMs, series.values, fromMs, now);
      cgm = {
        observed: {
          category: g.category,
          readings: g.readings,
          wear: g.wear,
          veryLow: g.veryLow,
          low: g.low,
          inRange: g.inRange,
          high: g.high,
          veryHigh: g.veryHigh,
          meanMgDl: g.meanMgDl,
          gmiPct: g.gmiPct,
        },
        trend: rounded(dailyMeans(series.tMs, series.values, firstTrendDay, periodDays), 1),
      };
    }
    let weight: SeriesFacts['weight'] = null;
    if (hfPatient) {
      const series = s.readSeries(p.id, STREAM.weight, Math.min(fromMs, (today - 40) * DAY_MS), now);
      weight = { change: weightChange7d(series.tMs, series.values), trend: rounded(dailyMeans(series.tMs, series.values, firstTrendDay, periodDays), 2) };
    }
    const facts: SeriesFacts = {
      key,
      computedMs: now,
      lastDataMs: s.lastDataMs(p.id),
      daysWithData30: s.daysWithData(p.id, today - 29, today),
      cgm,
      weight,
      program: {
        month: status.period.month,
        startMs: status.period.startMs,
        endMs: status.period.endMs,
        deviceDays: status.deviceDays.count,
        elapsedDays: status.deviceDays.elapsedDays,
        periodDays: status.deviceDays.periodDays,
      },
    };
    seriesCache.set(p.id, facts);
    return facts;
  }

  function twinFacts(s: CareTwinStore, patientId: string): TwinFacts {
    const hit = twinCache.get(patientId);
    if (hit !== undefined) return hit;
    const twin = s.getDerivedRecord<StoredTwin>(patientId, TWIN_RECORD);
    const facts: TwinFacts =
      twin === undefined
        ? { state: 'pending', computedMs: null, daily: null, hf: null }
        : { state: 'computed', computedMs: twin.computedMs, daily: twin.daily?.windows ?? null, hf: twin.hf };
    twinCache.set(patientId, facts);
    return facts;
  }

  return {
    invalidate(patientIds) {
      if (patientIds === undefined) clearAll();
      else {
        for (const id of patientIds) {
          seriesCache.delete(id);
          twinCache.delete(id);
          teamCache.delete(id);
          for (const key of visibleCache.keys()) if (key.startsWith(`${id}|`)) visibleCache.delete(key);
        }
      }
    },
    twinUpdated(patientId) {
      twinCache.delete(patientId);
    },

    list(caller) {
      const s = store();
      if (cachedStore !== s) {
        clearAll();
        cachedStore = s;
      }
      requirePanelAccess(s, caller, 'panel.list');
      const now = nowMs();
      const today = utcDay(now);
      return s.listPatients().map((p) => {
        const hit = seriesCache.get(p.id);
        const fresh = hit !== undefined && now - hit.computedMs < TRIAGE_DATA_MAX_AGE_MS && utcDay(hit.computedMs) === today;
        return {
          id: p.id,
          name: p.profile.name,
          conditions: p.profile.conditions,
          demo: p.demo,
          lastDataMs: fresh ? hit.lastDataMs : s.lastDataMs(p.id),
          daysWithData30: fresh ? hit.daysWithData30 : s.daysWithData(p.id, today - 29, today),
        };
      });
    },

    triage(caller, periodDays = DEFAULT_TRIAGE_PERIOD) {
      const s = store();
      if (cachedStore !== s) {
        // Another unlock (possibly another store file): nothing read before is trusted.
        clearAll();
        cachedStore = s;
      }
      requirePanelAccess(s, caller, 'panel.triage');
      const now = nowMs();
      // A zone's calendar is slow to set up: once per zone and call.
      const months = new Map<string, string>();
      const monthIn = (zone: string): string => {
        let m = months.get(zone);
        if (m === undefined) months.set(zone, (m = monthOf(now, zone)));
        return m;
      };
      const rows: TriageRow[] = s.listPatients().map((p) => {
        const visible = visibleFor(s, caller, p.id, now);
        const team = teamOf(s, p.id);
        const facts = seriesFacts(s, p, periodDays, now, monthIn);
        const derived = visible.has('derived');
        const twin = derived ? twinFacts(s, p.id) : undefined;

        let diabetes: TriageRow['diabetes'] = null;
        if (facts.cgm !== null) {
          const seesCgm = visible.has('cgm');
          diabetes = {
            observed: seesCgm ? facts.cgm.observed : null,
            projected: twin?.daily ? projectedGlucose(twin.daily, periodDays) : null,
            trend: seesCgm ? facts.cgm.trend : [],
          };
        }

        let heartFailure: TriageRow['heartFailure'] = null;
        if (facts.weight !== null) {
          const risk = twin?.hf ? congestionRisk(twin.hf, HF_ALERT_POLICY.fluidExcessThresholdKg) : null;
          const seesVitals = visible.has('vitals');
          const change = seesVitals ? facts.weight.change : null;
          const rising = risk?.probabilityRising ?? null;
          heartFailure = {
            congestion: risk,
            weight: change === null ? null : { ...change, probabilityFluid: rising === null ? null : change.changeKg >= 0 ? rising : 1 - rising },
            trend: seesVitals ? facts.weight.trend : [],
          };
        }

        const alerts = derived ? listAlerts(s, p.id) : [];
        const open = alerts.filter((a) => a.state === 'open');
        const top = topAlert(open);
        let program: TriageRow['program'] = null;
        let lastContact: TriageRow['lastContact'] = lastAlertContact(alerts);
        if (derived) {
          const log = s.getDerivedRecord<ProgramLog>(p.id, PROGRAM_RECORD);
          let seconds = 0;
          for (const e of log?.entries ?? []) {
            if (e.startMs >= facts.program.startMs && e.startMs < facts.program.endMs) seconds += e.seconds;
            const at = e.startMs + e.seconds * 1000;
            if (lastContact === null || at > lastContact.atMs) lastContact = { atMs: at, kind: 'minutes', by: e.by };
          }
          program = {
            month: facts.program.month,
            deviceDays: facts.program.deviceDays,
            elapsedDays: facts.program.elapsedDays,
            periodDays: facts.program.periodDays,
            minutes: Math.floor(seconds / 60),
            timer: log?.timer ?? null,
          };
        }

        return compact({
          id: p.id,
          name: p.profile.name,
          conditions: p.profile.conditions,
          demo: p.demo,
          lastDataMs: facts.lastDataMs,
          daysWithData30: facts.daysWithData30,
          tags: [...team.tags],
          assignedNurse: team.assignedNurse,
          twin: twin === undefined ? { state: 'not-permitted', computedMs: null } : { state: twin.state, computedMs: twin.computedMs },
          diabetes,
          heartFailure,
          alerts: { open: open.length, top: top === undefined ? null : { id: top.id, severity: top.severity, text: top.text } },
          program,
          lastContact,
        });
      });
      const nurses = s
        .listAccounts()
        .filter((a) => a.role === 'nurse' && a.status === 'active')
        .map((a) => a.id);
      return { periodDays, fromMs: now - periodDays * DAY_MS, toMs: now, computedMs: now, nurses, rows };
    },

    assign(caller, patientId, value) {
      const s = store();
      requirePanelAccess(s, caller, 'panel.assign');
      if (s.getPatient(patientId) === undefined) throw new AppError('NOT_FOUND', 'That patient is not in this store.');
      if (value.assignedNurse !== null) {
        const account = s.listAccounts().find((a) => a.id === value.assignedNurse);
        if (account === undefined || account.role !== 'nurse') throw new AppError('VALIDATION', 'Patients are assigned to a nurse account.');
        if (account.status !== 'active') throw new AppError('VALIDATION', 'That nurse account is disabled.');
      }
      const stored = s.putCareTeam({ actor: caller.actor, role: caller.role }, patientId, value);
      teamCache.set(patientId, stored);
      return { patientId, tags: [...stored.tags], assignedNurse: stored.assignedNurse };
    },
  };
}

/**
 * Fractions, probabilities and kilograms to 4 decimals (integers, such as times, untouched): the panel shows them
 * to at most 2, and a 1,000-row answer is a third smaller without the float noise.
 */
function compact<T>(value: T): T {
  if (typeof value === 'number') return (Number.isInteger(value) || !Number.isFinite(value) ? value : Math.round(value * 1e4) / 1e4) as T;
  if (Array.isArray(value)) return value.map(compact) as T;
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = compact(v);
    return out as T;
  }
  return value;
}

/** Trend values for sparklines need no more digits than they are shown with (a smaller answer for 1,000 rows). */
function rounded(values: (number | null)[], decimals: number): (number | null)[] {
  const f = 10 ** decimals;
  return values.map((v) => (v === null ? null : Math.round(v * f) / f));
}

function topAlert(open: readonly Alert[]): Alert | undefined {
  let best: Alert | undefined;
  for (const a of open) {
    if (
      best === undefined ||
      SEVERITY_RANK[a.severity] > SEVERITY_RANK[best.severity] ||
      (SEVERITY_RANK[a.severity] === SEVERITY_RANK[best.severity] && a.lastSeenMs > best.lastSeenMs)
    ) {
      best = a;
    }
  }
  return best;
}

function lastAlertContact(alerts: readonly Alert[]): TriageRow['lastContact'] {
  let out: TriageRow['lastContact'] = null;
  for (const a of alerts) {
    if (a.acknowledged && (out === null || a.acknowledged.atMs > out.atMs)) out = { atMs: a.acknowledged.atMs, kind: 'alert-acknowledged', by: a.acknowledged.by };
    if (a.resolved && (out === null || a.resolved.atMs > out.atMs)) out = { atMs: a.resolved.atMs, kind: 'alert-resolved', by: a.resolved.by };
  }
  return out;
}
