import { describe, expect, it } from 'vitest';
import type { PanelRow } from '../../shared/ipc/contract.js';
import { nextSort, sortPanelRows } from './panelSort.js';

function row(name: string, lastDataMs: number | null, daysWithData30: number, conditions: PanelRow['conditions'] = ['t2d']): PanelRow {
  return { id: name.padEnd(32, '0').slice(0, 32), name, conditions, demo: false, lastDataMs, daysWithData30 };
}

const rows = [row('carla', 300, 30, ['hf']), row('Anna', 100, 10), row('bert', null, 10), row('dora', 200, 22, ['t1d'])];
const label = (r: PanelRow): string => r.conditions.join(',');
const names = (sorted: PanelRow[]): string[] => sorted.map((r) => r.name);

describe('sortPanelRows', () => {
  it('sorts names ignoring case, both ways', () => {
    expect(names(sortPanelRows(rows, { key: 'name', direction: 'ascending' }, label))).toEqual(['Anna', 'bert', 'carla', 'dora']);
    expect(names(sortPanelRows(rows, { key: 'name', direction: 'descending' }, label))).toEqual(['dora', 'carla', 'bert', 'Anna']);
  });

  it('puts never-synced patients first when the stalest come first', () => {
    expect(names(sortPanelRows(rows, { key: 'lastData', direction: 'ascending' }, label))).toEqual(['bert', 'Anna', 'dora', 'carla']);
    expect(names(sortPanelRows(rows, { key: 'lastData', direction: 'descending' }, label))).toEqual(['carla', 'dora', 'Anna', 'bert']);
  });

  it('breaks ties by name in reading order', () => {
    expect(names(sortPanelRows(rows, { key: 'days30', direction: 'ascending' }, label))).toEqual(['Anna', 'bert', 'dora', 'carla']);
    expect(names(sortPanelRows(rows, { key: 'days30', direction: 'descending' }, label))).toEqual(['carla', 'dora', 'Anna', 'bert']);
  });

  it('does not change the input', () => {
    const copy = [...rows];
    sortPanelRows(rows, { key: 'conditions', direction: 'ascending' }, label);
    expect(rows).toEqual(copy);
  });
});

describe('nextSort', () => {
  it('flips the active column and starts another ascending', () => {
    expect(nextSort({ key: 'name', direction: 'ascending' }, 'name')).toEqual({ key: 'name', direction: 'descending' });
    expect(nextSort({ key: 'name', direction: 'descending' }, 'days30')).toEqual({ key: 'days30', direction: 'ascending' });
  });
});
