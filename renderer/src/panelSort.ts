/**
 * Orders and filters triage panel rows. Missing values (no CGM, no twin, never synced) sort as the least
 * urgent in a descending sort and the first in an ascending one, so "stalest first" shows never-synced first.
 * `sortPanelRows` keeps working on plain panel.list rows for the columns they have.
 */
import type { PanelRow, TriageRow } from '../../shared/ipc/contract.js';

export type PanelSortKey =
  | 'name'
  | 'conditions'
  | 'lastData'
  | 'days30'
  | 'status'
  | 'tir'
  | 'gmi'
  | 'wear'
  | 'weight'
  | 'alerts'
  | 'rpmDays'
  | 'minutes'
  | 'lastContact';
export type SortDirection = 'ascending' | 'descending';

export interface PanelSort {
  readonly key: PanelSortKey;
  readonly direction: SortDirection;
}

export const DEFAULT_PANEL_SORT: PanelSort = { key: 'name', direction: 'ascending' };

/** Columns whose first click sorts the most urgent (largest) first. */
const DESCENDING_FIRST: ReadonlySet<PanelSortKey> = new Set(['status', 'alerts', 'weight']);

/** Clicking the sorted column flips it; another column starts ascending (urgency columns: most urgent first). */
export function nextSort(current: PanelSort, key: PanelSortKey): PanelSort {
  if (current.key === key) return { key, direction: current.direction === 'ascending' ? 'descending' : 'ascending' };
  return { key, direction: DESCENDING_FIRST.has(key) ? 'descending' : 'ascending' };
}

/**
 * How urgent a row's status is, 0-1, for sorting: the TIDE category of the observed period (else the
 * projection) on a fixed scale, or the heart-failure congestion probability, whichever is larger.
 */
export const CATEGORY_URGENCY = {
  'very-low': 1,
  low: 0.9,
  'very-high': 0.8,
  high: 0.6,
  'not-enough-data': 0.5,
  'meeting-targets': 0.1,
} as const;

export function statusUrgency(row: TriageRow): number | null {
  const category = row.diabetes?.observed?.category ?? row.diabetes?.projected?.category;
  const d = category === undefined ? null : CATEGORY_URGENCY[category];
  const h = row.heartFailure?.congestion?.probability ?? null;
  if (d === null) return h;
  if (h === null) return d;
  return Math.max(d, h);
}

function isTriage(row: PanelRow): row is TriageRow {
  return 'alerts' in row;
}

function sortValue(row: PanelRow, key: PanelSortKey): number | null {
  switch (key) {
    case 'lastData':
      return row.lastDataMs;
    case 'days30':
      return row.daysWithData30;
    default:
      break;
  }
  if (!isTriage(row)) return null;
  switch (key) {
    case 'status':
      return statusUrgency(row);
    case 'tir':
      return row.diabetes?.observed?.inRange ?? row.diabetes?.projected?.timeInRange.mean ?? null;
    case 'gmi':
      return row.diabetes?.observed?.gmiPct ?? null;
    case 'wear':
      return row.diabetes?.observed?.wear ?? null;
    case 'weight':
      return row.heartFailure?.weight?.changeKg ?? null;
    case 'alerts':
      return row.alerts.open;
    case 'rpmDays':
      return row.program?.deviceDays ?? null;
    case 'minutes':
      return row.program?.minutes ?? null;
    case 'lastContact':
      return row.lastContact?.atMs ?? null;
    default:
      return null;
  }
}

export function sortPanelRows<R extends PanelRow>(rows: readonly R[], sort: PanelSort, conditionLabel: (row: R) => string): R[] {
  const collator = new Intl.Collator(undefined, { sensitivity: 'base', numeric: true });
  const byName = (a: R, b: R): number => collator.compare(a.name, b.name) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  const sign = sort.direction === 'ascending' ? 1 : -1;
  if (sort.key === 'name') return [...rows].sort((a, b) => sign * byName(a, b));
  if (sort.key === 'conditions') {
    const labels = new Map(rows.map((r) => [r, conditionLabel(r)]));
    return [...rows].sort((a, b) => sign * collator.compare(labels.get(a)!, labels.get(b)!) || byName(a, b));
  }
  // Values once per row, not once per comparison.
  const values = new Map(rows.map((r) => [r, sortValue(r, sort.key) ?? Number.NEGATIVE_INFINITY]));
  // Names break ties in reading order whichever way the column runs.
  return [...rows].sort((a, b) => sign * (values.get(a)! - values.get(b)! || 0) || byName(a, b));
}

export interface PanelFilter {
  /** '' = any */
  readonly condition: '' | 't1d' | 't2d' | 'hf';
  /** '' = any; a TIDE category (observed, else projected), or 'hf-risk' (congestion probability >= 20 %) */
  readonly category: string;
  readonly tag: string;
  /** '' = anyone; '-' = nobody assigned; else a nurse account id */
  readonly nurse: string;
}

export const NO_FILTER: PanelFilter = { condition: '', category: '', tag: '', nurse: '' };
/** Congestion probability from which a heart-failure patient counts as "at risk" in the category filter. */
export const HF_RISK_FILTER = 0.2;

export function filterPanelRows(rows: readonly TriageRow[], filter: PanelFilter): TriageRow[] {
  return rows.filter((r) => {
    if (filter.condition !== '' && !r.conditions.includes(filter.condition)) return false;
    if (filter.tag !== '' && !r.tags.includes(filter.tag)) return false;
    if (filter.nurse === '-' ? r.assignedNurse !== null : filter.nurse !== '' && r.assignedNurse !== filter.nurse) return false;
    if (filter.category === 'hf-risk') return (r.heartFailure?.congestion?.probability ?? 0) >= HF_RISK_FILTER;
    if (filter.category !== '') return (r.diabetes?.observed?.category ?? r.diabetes?.projected?.category) === filter.category;
    return true;
  });
}
