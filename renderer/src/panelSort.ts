/** Orders panel rows by a column. Ascending "last data" puts the stalest first (never-synced before all). */
import type { PanelRow } from '../../shared/ipc/contract.js';

export type PanelSortKey = 'name' | 'conditions' | 'lastData' | 'days30';
export type SortDirection = 'ascending' | 'descending';

export interface PanelSort {
  readonly key: PanelSortKey;
  readonly direction: SortDirection;
}

export const DEFAULT_PANEL_SORT: PanelSort = { key: 'name', direction: 'ascending' };

/** Clicking the sorted column flips it; another column starts ascending. */
export function nextSort(current: PanelSort, key: PanelSortKey): PanelSort {
  if (current.key === key) return { key, direction: current.direction === 'ascending' ? 'descending' : 'ascending' };
  return { key, direction: 'ascending' };
}

export function sortPanelRows(rows: readonly PanelRow[], sort: PanelSort, conditionLabel: (row: PanelRow) => string): PanelRow[] {
  const collator = new Intl.Collator(undefined, { sensitivity: 'base', numeric: true });
  const byName = (a: PanelRow, b: PanelRow): number => collator.compare(a.name, b.name) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  const primary = (a: PanelRow, b: PanelRow): number => {
    switch (sort.key) {
      case 'name':
        return 0;
      case 'conditions':
        return collator.compare(conditionLabel(a), conditionLabel(b));
      case 'lastData':
        return (a.lastDataMs ?? Number.NEGATIVE_INFINITY) - (b.lastDataMs ?? Number.NEGATIVE_INFINITY);
      case 'days30':
        return a.daysWithData30 - b.daysWithData30;
    }
  };
  const sign = sort.direction === 'ascending' ? 1 : -1;
  // Names break ties in reading order whichever way the column runs.
  return [...rows].sort((a, b) => sign * primary(a, b) || (sort.key === 'name' ? sign : 1) * byName(a, b));
}
