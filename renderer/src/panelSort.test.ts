import { describe, expect, it } from 'vitest';
import type { PanelRow, TriageRow } from '../../shared/ipc/contract.js';
import { filterPanelRows, nextSort, NO_FILTER, sortPanelRows, statusUrgency, type PanelFilter } from './panelSort.js';

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

describe('triage rows', () => {
  function triage(name: string, extra: Partial<TriageRow> = {}): TriageRow {
    return {
      ...row(name, 100, 10),
      tags: [],
      assignedNurse: null,
      twin: { state: 'pending', computedMs: null },
      diabetes: null,
      heartFailure: null,
      alerts: { open: 0, top: null },
      program: null,
      lastContact: null,
      ...extra,
    };
  }
  const observed = (category: NonNullable<NonNullable<TriageRow['diabetes']>['observed']>['category'], inRange: number) => ({
    observed: { category, readings: 100, wear: 0.9, veryLow: 0, low: 0, inRange, high: 1 - inRange, veryHigh: 0, meanMgDl: 150, gmiPct: 6.9 },
    projected: null,
    trend: [],
  });
  const hf = (probability: number): TriageRow['heartFailure'] => ({
    congestion: { probability, thresholdKg: 1, fluidExcessKg: { mean: 0, lower80: -1, upper80: 1 }, probabilityRising: null, alertActive: false, asOfDay: 1 },
    weight: null,
    trend: [],
  });
  const panel = [
    triage('ada', { conditions: ['t2d'], diabetes: observed('meeting-targets', 0.8), tags: ['new'], assignedNurse: 'nurse-1' }),
    triage('ben', { conditions: ['t1d'], diabetes: observed('very-low', 0.6), alerts: { open: 2, top: null } }),
    triage('cy', { conditions: ['hf'], heartFailure: hf(0.95) }),
    triage('dee', { conditions: ['hf'], heartFailure: hf(0.05), tags: ['new'], assignedNurse: 'nurse-2' }),
    triage('eve', { conditions: ['t2d'] }),
  ];

  it('ranks status by category urgency and congestion probability, missing last', () => {
    expect(statusUrgency(panel[1]!)).toBe(1);
    expect(statusUrgency(panel[2]!)).toBe(0.95);
    expect(statusUrgency(panel[4]!)).toBeNull();
    expect(names(sortPanelRows(panel, { key: 'status', direction: 'descending' }, label))).toEqual(['ben', 'cy', 'ada', 'dee', 'eve']);
    expect(names(sortPanelRows(panel, { key: 'tir', direction: 'ascending' }, label))).toEqual(['cy', 'dee', 'eve', 'ben', 'ada']);
    expect(nextSort({ key: 'name', direction: 'ascending' }, 'status')).toEqual({ key: 'status', direction: 'descending' });
  });

  it('filters by condition, category, tag and assigned nurse', () => {
    const f = (filter: Partial<PanelFilter>) => names(filterPanelRows(panel, { ...NO_FILTER, ...filter }));
    expect(f({})).toHaveLength(5);
    expect(f({ condition: 'hf' })).toEqual(['cy', 'dee']);
    expect(f({ category: 'very-low' })).toEqual(['ben']);
    expect(f({ category: 'hf-risk' })).toEqual(['cy']);
    expect(f({ tag: 'new' })).toEqual(['ada', 'dee']);
    expect(f({ nurse: '-' })).toEqual(['ben', 'cy', 'eve']);
    expect(f({ nurse: 'nurse-2', tag: 'new' })).toEqual(['dee']);
  });
});
