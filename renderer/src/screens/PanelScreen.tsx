/**
 * The triage panel: one row per patient with how fresh and how complete their data is. A real table
 * (caption, column and row headers) so assistive technology can read it; one tab stop for the rows,
 * arrow keys to move, Enter to open.
 */
import { memo, useEffect, useMemo, useRef, useState, type KeyboardEvent, type MouseEvent } from 'react';
import type { PanelRow } from '../../../shared/ipc/contract.js';
import { CONDITION_LABEL } from '../../../shared/domain/conditions.js';
import { DemoTag } from '../components/DemoTag.js';
import { ErrorNotice, Loading } from '../components/Notices.js';
import { asIpcError, type IpcError } from '../ipc/client.js';
import { formatAgo, formatCount, formatDateTime, viewerTimeZone } from '../format.js';
import { nextSort, sortPanelRows, type PanelSort, type PanelSortKey } from '../panelSort.js';
import { routeHref } from '../route.js';
import { useApp } from '../session.js';
import type { Query } from '../useQuery.js';
import { useNow } from '../useNow.js';

export const DEMO_PANEL = { patients: 120, days: 90, seed: 1 } as const;

function conditionText(row: PanelRow): string {
  return row.conditions.map((c) => CONDITION_LABEL[c]).join(', ');
}

export interface PanelScreenProps {
  readonly panel: Query<PanelRow[]>;
  readonly sort: PanelSort;
  readonly onSortChange: (sort: PanelSort) => void;
  /** The patient the user came back from: their row gets the focus. */
  readonly returnedFrom: string | undefined;
  readonly onOpen: (patientId: string) => void;
}

export function PanelScreen({ panel, sort, onSortChange, returnedFrom, onOpen }: PanelScreenProps) {
  const heading = useRef<HTMLHeadingElement>(null);
  const rows = panel.value;

  useEffect(() => {
    const row = returnedFrom ? document.querySelector<HTMLElement>(`tr[data-patient-id="${returnedFrom}"]`) : null;
    (row ?? heading.current)?.focus();
  }, [returnedFrom]);

  return (
    <main className="page">
      <div className="page-heading">
        <h1 ref={heading} tabIndex={-1}>
          Patients
        </h1>
        {panel.loading && rows && (
          <p className="muted" role="status">
            Updating…
          </p>
        )}
      </div>
      {panel.error && (
        <ErrorNotice title={rows ? 'The panel could not be updated.' : 'The panel could not be loaded.'} error={panel.error} onRetry={panel.retry} />
      )}
      {!rows && panel.loading && <Loading>Loading patients…</Loading>}
      {rows && rows.length === 0 && <EmptyPanel onGenerated={panel.retry} />}
      {rows && rows.length > 0 && <PanelTable rows={rows} sort={sort} onSortChange={onSortChange} returnedFrom={returnedFrom} onOpen={onOpen} />}
    </main>
  );
}

function EmptyPanel({ onGenerated }: { onGenerated: () => void }) {
  const { client, markLocked } = useApp();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<IpcError | undefined>(undefined);

  async function generate() {
    setBusy(true);
    setError(undefined);
    try {
      await client.call('demo.generate', DEMO_PANEL);
      onGenerated();
    } catch (e) {
      const ipcError = asIpcError(e);
      if (ipcError.code === 'LOCKED') markLocked();
      setError(ipcError);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="empty-state" aria-labelledby="empty-panel-title">
      <h2 id="empty-panel-title">No patients yet</h2>
      <p>
        This store holds no patients. Patients appear here once their devices, labs and medications are synced or imported into
        CareTwin.
      </p>
      <p>
        To look around first, fill this store with a synthetic demo panel: {DEMO_PANEL.patients} made-up patients with{' '}
        {DEMO_PANEL.days} days of CGM, vitals, labs and medications. Demo patients are always marked as such.
      </p>
      <button type="button" className="button button-primary" onClick={generate} disabled={busy}>
        {busy && <span className="spinner" aria-hidden="true" />}
        {busy ? 'Generating demo panel…' : 'Generate demo panel'}
      </button>
      {busy && (
        <p className="field-hint" role="status">
          Generating {DEMO_PANEL.patients} synthetic patients. This can take a little while.
        </p>
      )}
      {error && <ErrorNotice title="The demo panel could not be generated." error={error} />}
    </section>
  );
}

const COLUMNS: readonly { key: PanelSortKey; label: string; numeric?: boolean }[] = [
  { key: 'name', label: 'Name' },
  { key: 'conditions', label: 'Conditions' },
  { key: 'lastData', label: 'Last data received' },
  { key: 'days30', label: 'Days with data (last 30)', numeric: true },
];

function PanelTable({ rows, sort, onSortChange, returnedFrom, onOpen }: Omit<PanelScreenProps, 'panel'> & { rows: PanelRow[] }) {
  const now = useNow(60_000);
  const zone = viewerTimeZone();
  const sorted = useMemo(() => sortPanelRows(rows, sort, conditionText), [rows, sort]);
  const [activeId, setActiveId] = useState<string | undefined>(returnedFrom);
  // The one row in the tab order: the last focused one, else the first.
  const tabRowId = sorted.some((r) => r.id === activeId) ? activeId : sorted[0]?.id;
  const sortedBy = COLUMNS.find((c) => c.key === sort.key)?.label ?? '';

  function onKeyDown(event: KeyboardEvent<HTMLTableSectionElement>) {
    const target = event.target as HTMLElement;
    const row = target.closest<HTMLTableRowElement>('tr[data-patient-id]');
    if (!row || target.closest('a, button')) return;
    const all = Array.from(event.currentTarget.querySelectorAll<HTMLTableRowElement>('tr[data-patient-id]'));
    const index = all.indexOf(row);
    const moves: Record<string, number> = {
      ArrowDown: index + 1,
      ArrowUp: index - 1,
      PageDown: index + 10,
      PageUp: index - 10,
      Home: 0,
      End: all.length - 1,
    };
    if (event.key === 'Enter') {
      event.preventDefault();
      onOpen(row.dataset.patientId as string);
    } else if (event.key in moves) {
      event.preventDefault();
      const next = all[Math.max(0, Math.min(all.length - 1, moves[event.key] as number))];
      next?.focus();
    }
  }

  return (
    <div className="table-frame">
      <table className="panel-table">
        <caption>
          <span className="caption-title">
            Patient panel: {formatCount(rows.length)} {rows.length === 1 ? 'patient' : 'patients'}
          </span>
          <span className="caption-zone">Times in {zone}</span>
          <span className="visually-hidden">
            Sorted by {sortedBy}, {sort.direction}. Use the arrow keys to move between patients and Enter to open one.
          </span>
        </caption>
        <thead>
          <tr>
            {COLUMNS.map((column) => {
              const active = column.key === sort.key;
              return (
                <th
                  key={column.key}
                  scope="col"
                  aria-sort={active ? sort.direction : undefined}
                  className={`col-${column.key}${column.numeric ? ' num' : ''}`}
                >
                  <button type="button" className="sort-button" onClick={() => onSortChange(nextSort(sort, column.key))}>
                    {column.label}
                    <span className={active ? 'sort-icon sort-icon-active' : 'sort-icon'} aria-hidden="true">
                      {active ? (sort.direction === 'ascending' ? '▲' : '▼') : '↕'}
                    </span>
                  </button>
                </th>
              );
            })}
          </tr>
        </thead>
        <tbody onKeyDown={onKeyDown}>
          {sorted.map((row) => (
            <PanelRowView key={row.id} row={row} tabStop={row.id === tabRowId} nowMs={now} onOpen={onOpen} onFocusRow={setActiveId} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

interface PanelRowViewProps {
  readonly row: PanelRow;
  /** The one row in the tab order. */
  readonly tabStop: boolean;
  readonly nowMs: number;
  readonly onOpen: (patientId: string) => void;
  readonly onFocusRow: (patientId: string) => void;
}

// Memoised so that sorting a 1,000-row panel moves rows instead of rendering each again.
const PanelRowView = memo(function PanelRowView({ row, tabStop, nowMs, onOpen, onFocusRow }: PanelRowViewProps) {
  function onClick(event: MouseEvent<HTMLTableRowElement>) {
    if ((event.target as HTMLElement).closest('a, button')) return;
    onOpen(row.id);
  }
  return (
    <tr data-patient-id={row.id} tabIndex={tabStop ? 0 : -1} onFocus={() => onFocusRow(row.id)} onClick={onClick}>
      <th scope="row">
        <a href={routeHref({ name: 'patient', patientId: row.id })} tabIndex={-1}>
          {row.name}
        </a>
        {row.demo && <DemoTag />}
      </th>
      <td>{conditionText(row)}</td>
      <td>
        <LastData ms={row.lastDataMs} nowMs={nowMs} />
      </td>
      <td className="num">
        <DaysWithData days={row.daysWithData30} />
      </td>
    </tr>
  );
});

function LastData({ ms, nowMs }: { ms: number | null; nowMs: number }) {
  if (ms === null) return <span className="muted">never</span>;
  const absolute = formatDateTime(ms);
  return (
    <>
      <time dateTime={new Date(ms).toISOString()} title={absolute}>
        {formatAgo(ms, nowMs)}
      </time>
      <span className="cell-sub">{absolute}</span>
    </>
  );
}

function DaysWithData({ days }: { days: number }) {
  return (
    <span className="days">
      <span className="days-text">
        {formatCount(days)} / {formatCount(30)}
      </span>
      <span className="meter" aria-hidden="true">
        <span className="meter-fill" style={{ width: `${(days / 30) * 100}%` }} />
      </span>
    </span>
  );
}
