/**
 * The triage panel (the nurse's home screen): one row per patient with the TIDE category of the period (observed
 * and projected), heart-failure congestion risk, time in range, GMI, CGM wear, the 7-day weight change, a trend,
 * open alerts, RPM days and minutes, last contact and last data; filters and sortable columns; row actions.
 *
 * A real table, virtualised: only the rows in view are in the DOM, with aria-rowcount / aria-rowindex so that
 * assistive technology knows the whole size. One tab stop for the rows (the active one; Tab then reaches its
 * actions), arrow keys / Page Up / Page Down / Home / End to move, Enter to open. Live: refetched on store events
 * and, a moment after, on twin updates.
 */
import { memo, useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState, type KeyboardEvent, type MouseEvent } from 'react';
import type { PanelRow, PanelTriage, TriageRow } from '../../../shared/ipc/contract.js';
import { CONDITION_LABEL } from '../../../shared/domain/conditions.js';
import { DemoTag } from '../components/DemoTag.js';
import { ErrorNotice, Loading } from '../components/Notices.js';
import { Sparkline } from '../components/Sparkline.js';
import { asIpcError, type IpcError } from '../ipc/client.js';
import { formatAgo, formatCount, formatDate, formatDateTime, formatPercent, formatValue, viewerTimeZone } from '../format.js';
import { filterPanelRows, HF_RISK_FILTER, nextSort, NO_FILTER, sortPanelRows, type PanelFilter, type PanelSort, type PanelSortKey } from '../panelSort.js';
import { routeHref } from '../route.js';
import { useApp } from '../session.js';
import { useQuery, type Query } from '../useQuery.js';
import { useNow } from '../useNow.js';
import { renderedSegments } from '../virtualRows.js';

export const DEMO_PANEL = { patients: 120, days: 90, seed: 1 } as const;
type Period = 7 | 14 | 30;
const PERIODS: readonly Period[] = [7, 14, 30];
/** Every row is this tall (CSS .triage-table tbody tr): the window of rendered rows is computed from it. */
export const ROW_HEIGHT = 64;
const OVERSCAN = 6;
/** Panels up to this size render every row (a browser lays out a few hundred rows quickly); larger ones are virtualised. */
export const VIRTUALISE_ABOVE = 200;
/** Twin updates arrive in bursts (a panel refit): one refetch a little after the last. */
const TWIN_REFRESH_DELAY_MS = 1500;

const CATEGORY_LABEL: Record<string, string> = {
  'very-low': 'Very low',
  low: 'Low',
  'very-high': 'Very high',
  high: 'High',
  'meeting-targets': 'Meeting targets',
  'not-enough-data': 'Not enough data',
};

function conditionText(row: PanelRow): string {
  return row.conditions.map((c) => CONDITION_LABEL[c]).join(', ');
}

// What the screen showed last, so that coming back from a patient shows it at once (refreshed behind it).
let lastTriage: PanelTriage | undefined;
let lastFilter: PanelFilter = NO_FILTER;
let lastPeriod: Period = 14;

export interface PanelScreenProps {
  /** panel.list, as the workspace keeps it: the panel's rows before triage figures arrive. */
  readonly panel: Query<PanelRow[]>;
  readonly sort: PanelSort;
  readonly onSortChange: (sort: PanelSort) => void;
  /** The patient the user came back from: their row gets the focus. */
  readonly returnedFrom: string | undefined;
  readonly onOpen: (patientId: string) => void;
}

export function PanelScreen({ sort, onSortChange, returnedFrom, onOpen }: PanelScreenProps) {
  const { client, markLocked, dataVersion } = useApp();
  const heading = useRef<HTMLHeadingElement>(null);
  const [period, setPeriod] = useState<Period>(lastPeriod);
  const [filter, setFilter] = useState<PanelFilter>(lastFilter);
  const [liveVersion, setLiveVersion] = useState(0);
  const triage = useQuery(
    `triage/${dataVersion}/${period}/${liveVersion}`,
    () => client.call('panel.triage', { periodDays: period }),
    markLocked,
  );
  const data = triage.value ?? (lastTriage?.periodDays === period ? lastTriage : undefined);
  useEffect(() => {
    if (triage.value) lastTriage = triage.value;
  }, [triage.value]);
  useEffect(() => {
    lastFilter = filter;
    lastPeriod = period;
  }, [filter, period]);

  // Twins computed in the background change categories and risks: refetch shortly after the last update.
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const subscription = client.stream('twin.updates', {}).subscribe({
      next: () => {
        if (timer !== undefined) clearTimeout(timer);
        timer = setTimeout(() => setLiveVersion((n) => n + 1), TWIN_REFRESH_DELAY_MS);
      },
      // The session's own stream reports a lost connection; a refused stream (a role without the panel) needs nothing here.
      error: () => undefined,
    });
    return () => {
      if (timer !== undefined) clearTimeout(timer);
      subscription.unsubscribe();
    };
  }, [client]);

  const refresh = useCallback(() => setLiveVersion((n) => n + 1), []);

  useEffect(() => {
    if (!returnedFrom) heading.current?.focus();
  }, [returnedFrom]);

  return (
    <main className="page page-wide">
      <div className="page-heading">
        <h1 ref={heading} tabIndex={-1}>
          Patients
        </h1>
        {triage.loading && data && (
          <p className="muted" role="status">
            Updating…
          </p>
        )}
      </div>
      {triage.error && (
        <ErrorNotice title={data ? 'The panel could not be updated.' : 'The panel could not be loaded.'} error={triage.error} onRetry={triage.retry} />
      )}
      {!data && triage.loading && <Loading>Loading patients…</Loading>}
      {data && data.rows.length === 0 && <EmptyPanel onGenerated={triage.retry} />}
      {data && data.rows.length > 0 && (
        <>
          <Filters data={data} filter={filter} onFilter={setFilter} period={period} onPeriod={setPeriod} />
          <TriageTable
            data={data}
            filter={filter}
            onClearFilter={() => setFilter(NO_FILTER)}
            sort={sort}
            onSortChange={onSortChange}
            returnedFrom={returnedFrom}
            onOpen={onOpen}
            onChanged={refresh}
          />
        </>
      )}
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

function Filters({
  data,
  filter,
  onFilter,
  period,
  onPeriod,
}: {
  data: PanelTriage;
  filter: PanelFilter;
  onFilter: (f: PanelFilter) => void;
  period: Period;
  onPeriod: (p: Period) => void;
}) {
  const tags = useMemo(() => [...new Set(data.rows.flatMap((r) => r.tags))].sort(), [data]);
  const nurses = useMemo(() => [...new Set([...data.nurses, ...data.rows.flatMap((r) => (r.assignedNurse ? [r.assignedNurse] : []))])].sort(), [data]);
  const set = (patch: Partial<PanelFilter>) => onFilter({ ...filter, ...patch });
  return (
    <form className="triage-filters" aria-label="Filter the panel" onSubmit={(e) => e.preventDefault()}>
      <label>
        <span>Condition</span>
        <select value={filter.condition} onChange={(e) => set({ condition: e.target.value as PanelFilter['condition'] })}>
          <option value="">Any</option>
          <option value="t1d">{CONDITION_LABEL.t1d}</option>
          <option value="t2d">{CONDITION_LABEL.t2d}</option>
          <option value="hf">{CONDITION_LABEL.hf}</option>
        </select>
      </label>
      <label>
        <span>Category</span>
        <select value={filter.category} onChange={(e) => set({ category: e.target.value })}>
          <option value="">Any</option>
          {Object.entries(CATEGORY_LABEL).map(([value, text]) => (
            <option key={value} value={value}>
              Diabetes: {text}
            </option>
          ))}
          <option value="hf-risk">Heart failure: congestion risk ≥ {formatPercent(HF_RISK_FILTER * 100)}</option>
        </select>
      </label>
      <label>
        <span>Tag</span>
        <select value={filter.tag} onChange={(e) => set({ tag: e.target.value })}>
          <option value="">Any</option>
          {tags.map((t) => (
            <option key={t} value={t}>
              {t}
            </option>
          ))}
        </select>
      </label>
      <label>
        <span>Assigned nurse</span>
        <select value={filter.nurse} onChange={(e) => set({ nurse: e.target.value })}>
          <option value="">Anyone</option>
          <option value="-">Nobody</option>
          {nurses.map((n) => (
            <option key={n} value={n}>
              {n}
            </option>
          ))}
        </select>
      </label>
      <label>
        <span>Period</span>
        <select value={period} onChange={(e) => onPeriod(Number(e.target.value) as Period)}>
          {PERIODS.map((p) => (
            <option key={p} value={p}>
              Last {p} days
            </option>
          ))}
        </select>
      </label>
    </form>
  );
}

const COLUMNS: readonly { key: PanelSortKey | null; label: string; unit?: string; numeric?: boolean; className: string }[] = [
  { key: 'name', label: 'Name', unit: 'conditions, tags, nurse', className: 'col-patient' },
  { key: 'status', label: 'Category / risk', className: 'col-status' },
  { key: 'tir', label: 'Time in range', unit: '70–180 mg/dL, %', numeric: true, className: 'col-tir' },
  { key: 'gmi', label: 'GMI', unit: '%', numeric: true, className: 'col-gmi' },
  { key: 'wear', label: 'CGM wear', unit: '%', numeric: true, className: 'col-wear' },
  { key: 'weight', label: 'Weight, 7 days', unit: 'kg', numeric: true, className: 'col-weight' },
  { key: null, label: 'Trend', className: 'col-trend' },
  { key: 'alerts', label: 'Open alerts', numeric: true, className: 'col-alerts' },
  { key: 'rpmDays', label: 'RPM this month', unit: 'days, minutes', numeric: true, className: 'col-rpm' },
  { key: 'lastContact', label: 'Last contact', className: 'col-contact' },
  { key: 'lastData', label: 'Last data', unit: 'days with data of 30', className: 'col-lastData' },
  { key: null, label: 'Actions', className: 'col-actions' },
];

interface TriageTableProps {
  readonly data: PanelTriage;
  readonly filter: PanelFilter;
  readonly onClearFilter: () => void;
  readonly sort: PanelSort;
  readonly onSortChange: (sort: PanelSort) => void;
  readonly returnedFrom: string | undefined;
  readonly onOpen: (patientId: string) => void;
  readonly onChanged: () => void;
}

function TriageTable({ data, filter, onClearFilter, sort, onSortChange, returnedFrom, onOpen, onChanged }: TriageTableProps) {
  const { client, markLocked } = useApp();
  const now = useNow(60_000);
  const zone = viewerTimeZone();
  const rows = useMemo(() => sortPanelRows(filterPanelRows(data.rows, filter), sort, conditionText), [data, filter, sort]);
  const scroller = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [viewport, setViewport] = useState(640);
  const [activeId, setActiveId] = useState<string | undefined>(returnedFrom);
  const focusPending = useRef<boolean>(returnedFrom !== undefined);
  const [message, setMessage] = useState<string>('');
  const [actionError, setActionError] = useState<{ title: string; error: IpcError } | undefined>(undefined);
  const [assigning, setAssigning] = useState<TriageRow | undefined>(undefined);

  const activeIndexFound = rows.findIndex((r) => r.id === activeId);
  const activeIndex = activeIndexFound >= 0 ? activeIndexFound : 0;

  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const measure = () => setViewport(el.clientHeight || 640);
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(el);
    return () => observer.disconnect();
  }, []);

  // Bring the active row into view (keyboard moves, coming back from a patient), then focus it.
  const scrollToIndex = useCallback(
    (index: number) => {
      const el = scroller.current;
      if (!el) return;
      const top = index * ROW_HEIGHT;
      const headerHeight = el.querySelector('thead')?.getBoundingClientRect().height ?? 0;
      if (top < el.scrollTop) el.scrollTop = top;
      else if (top + ROW_HEIGHT > el.scrollTop + el.clientHeight - headerHeight) el.scrollTop = top + ROW_HEIGHT - el.clientHeight + headerHeight;
      setScrollTop(el.scrollTop);
    },
    [],
  );

  useLayoutEffect(() => {
    if (!focusPending.current) return;
    if (activeIndexFound < 0 && activeId !== undefined) return;
    scrollToIndex(activeIndex);
  }, [activeIndex, activeIndexFound, activeId, scrollToIndex]);

  // In the commit, not after paint: a key pressed meanwhile must find the row focused, not the page.
  useLayoutEffect(() => {
    if (!focusPending.current) return;
    const row = scroller.current?.querySelector<HTMLElement>(`tr[data-index="${activeIndex}"]`);
    if (row) {
      focusPending.current = false;
      row.focus({ preventScroll: true });
    }
  });

  const virtual = rows.length > VIRTUALISE_ABOVE;
  const first = virtual ? Math.max(0, Math.floor(scrollTop / ROW_HEIGHT) - OVERSCAN) : 0;
  const last = virtual ? Math.min(rows.length, Math.ceil((scrollTop + viewport) / ROW_HEIGHT) + OVERSCAN) : rows.length;
  // The rendered rows: the window in view plus the active row wherever it is. The active row is the one tab stop
  // and may hold the focus; removing it as it scrolls away would drop the focus to the page, and the arrow keys
  // (or a key pressed while the window follows the scroll position) would then do nothing.
  const segments = renderedSegments(rows.length, first, last, activeIndex);
  const tabIndexRow = activeIndex;

  function moveTo(index: number) {
    const clamped = Math.max(0, Math.min(rows.length - 1, index));
    const row = rows[clamped];
    if (!row) return;
    focusPending.current = true;
    setActiveId(row.id);
    scrollToIndex(clamped);
  }

  function onKeyDown(event: KeyboardEvent<HTMLTableSectionElement>) {
    const target = event.target as HTMLElement;
    const tr = target.closest<HTMLTableRowElement>('tr[data-patient-id]');
    if (!tr || target !== tr) return;
    const index = Number(tr.dataset.index);
    const page = Math.max(1, Math.floor(viewport / ROW_HEIGHT) - 1);
    const moves: Record<string, number> = {
      ArrowDown: index + 1,
      ArrowUp: index - 1,
      PageDown: index + page,
      PageUp: index - page,
      Home: 0,
      End: rows.length - 1,
    };
    if (event.key === 'Enter') {
      event.preventDefault();
      onOpen(tr.dataset.patientId as string);
    } else if (event.key in moves) {
      event.preventDefault();
      moveTo(moves[event.key] as number);
    }
  }

  const run = useCallback(
    async (title: string, done: string, action: () => Promise<unknown>) => {
      setActionError(undefined);
      setMessage('');
      try {
        await action();
        setMessage(done);
        onChanged();
      } catch (e) {
        const error = asIpcError(e);
        if (error.code === 'LOCKED') markLocked();
        setActionError({ title, error });
      }
    },
    [onChanged, markLocked],
  );

  const actions = useMemo<RowActions>(
    () => ({
      acknowledge: (row) =>
        void run('The alert could not be acknowledged.', `Acknowledged the alert for ${row.name}.`, () =>
          client.call('alerts.acknowledge', { patientId: row.id, alertId: row.alerts.top!.id }),
        ),
      timer: (row) =>
        row.program?.timer
          ? void run('The timer could not be stopped.', `Stopped the timer for ${row.name}; the minutes are logged.`, () =>
              client.call('program.timer.stop', { patientId: row.id }),
            )
          : void run('The timer could not be started.', `Started the interactive-time timer for ${row.name}.`, () =>
              client.call('program.timer.start', { patientId: row.id }),
            ),
      assign: (row) => setAssigning(row),
      open: (row) => onOpen(row.id),
    }),
    [client, run, onOpen],
  );

  const sortedBy = COLUMNS.find((c) => c.key === sort.key)?.label ?? (sort.key === 'conditions' ? 'Conditions' : sort.key);
  const periodText = `${formatDate(data.fromMs)} – ${formatDate(data.toMs)}`;

  return (
    <>
      <p className="visually-hidden" role="status" aria-live="polite">
        {message}
      </p>
      {message && (
        <p className="triage-message" aria-hidden="true">
          {message}
        </p>
      )}
      {actionError && <ErrorNotice title={actionError.title} error={actionError.error} />}
      <p className="triage-count" role="status">
        Showing {formatCount(rows.length)} of {formatCount(data.rows.length)} patients
      </p>
      <div
        className="table-frame triage-scroll"
        ref={scroller}
        onScroll={virtual ? (e) => setScrollTop(e.currentTarget.scrollTop) : undefined}
      >
        <table className="panel-table triage-table" aria-rowcount={rows.length + 1} data-ready={rows.length > 0 ? 'true' : undefined}>
          <caption>
            <span className="caption-title">
              Patient panel: {formatCount(rows.length)} {rows.length === 1 ? 'patient' : 'patients'}
            </span>
            <span className="caption-zone">
              Period {periodText} (last {data.periodDays} days) · glucose in mg/dL, weight in kg · times in {zone}
            </span>
            <span className="visually-hidden">
              Sorted by {sortedBy}, {sort.direction}. Use the arrow keys to move between patients, Tab to reach the row&apos;s actions and
              Enter to open a patient.
            </span>
          </caption>
          <thead>
            <tr aria-rowindex={1}>
              {COLUMNS.map((column) => {
                const active = column.key !== null && column.key === sort.key;
                return (
                  <th
                    key={column.label}
                    scope="col"
                    aria-sort={active ? sort.direction : column.key !== null ? 'none' : undefined}
                    className={`${column.className}${column.numeric ? ' num' : ''}`}
                  >
                    {column.key === null ? (
                      <span className="col-label">{column.label}</span>
                    ) : (
                      <button type="button" className="sort-button" onClick={() => onSortChange(nextSort(sort, column.key!))}>
                        <span className="col-label">
                          {column.label}
                          {column.unit && <span className="col-unit">{column.unit}</span>}
                        </span>
                        <span className={active ? 'sort-icon sort-icon-active' : 'sort-icon'} aria-hidden="true">
                          {active ? (sort.direction === 'ascending' ? '▲' : '▼') : '↕'}
                        </span>
                      </button>
                    )}
                  </th>
                );
              })}
            </tr>
          </thead>
          <tbody onKeyDown={onKeyDown}>
            {rows.length === 0 && (
              <tr aria-rowindex={2}>
                <td colSpan={COLUMNS.length} className="triage-none">
                  No patients match these filters.{' '}
                  <button type="button" className="button button-quiet" onClick={onClearFilter}>
                    Clear filters
                  </button>
                </td>
              </tr>
            )}
            {segments.flatMap((segment) =>
              segment.kind === 'gap'
                ? [
                    <tr key={`gap-${segment.from}`} className="triage-spacer" aria-hidden="true" style={{ height: (segment.to - segment.from) * ROW_HEIGHT }}>
                      <td colSpan={COLUMNS.length} />
                    </tr>,
                  ]
                : rows.slice(segment.from, segment.to).map((row, i) => (
                    <TriageRowView
                      key={row.id}
                      row={row}
                      index={segment.from + i}
                      tabStop={segment.from + i === tabIndexRow}
                      nowMs={now}
                      actions={actions}
                      onFocusRow={setActiveId}
                    />
                  )),
            )}
          </tbody>
        </table>
      </div>
      {assigning && (
        <AssignDialog
          row={assigning}
          nurses={data.nurses}
          onClose={() => {
            const id = assigning.id;
            setAssigning(undefined);
            focusPending.current = true;
            setActiveId(id);
          }}
          onSaved={(text) => {
            setMessage(text);
            onChanged();
          }}
        />
      )}
    </>
  );
}

interface RowActions {
  acknowledge(row: TriageRow): void;
  timer(row: TriageRow): void;
  assign(row: TriageRow): void;
  open(row: TriageRow): void;
}

interface TriageRowViewProps {
  readonly row: TriageRow;
  readonly index: number;
  readonly tabStop: boolean;
  readonly nowMs: number;
  readonly actions: RowActions;
  readonly onFocusRow: (patientId: string) => void;
}

const pct = (share: number, decimals = 0) => formatPercent(share * 100, decimals);

// Memoised: scrolling and sorting move rows instead of rendering each again.
const TriageRowView = memo(function TriageRowView({ row, index, tabStop, nowMs, actions, onFocusRow }: TriageRowViewProps) {
  function onClick(event: MouseEvent<HTMLTableRowElement>) {
    if ((event.target as HTMLElement).closest('a, button')) return;
    actions.open(row);
  }
  const inner = tabStop ? 0 : -1;
  const d = row.diabetes;
  const h = row.heartFailure;
  const obs = d?.observed ?? null;
  const proj = d?.projected ?? null;
  return (
    <tr
      data-patient-id={row.id}
      data-index={index}
      aria-rowindex={index + 2}
      tabIndex={tabStop ? 0 : -1}
      onFocus={(e) => {
        if (e.target === e.currentTarget) onFocusRow(row.id);
      }}
      onClick={onClick}
    >
      <th scope="row" className="col-patient">
        <a href={routeHref({ name: 'patient', patientId: row.id })} tabIndex={-1}>
          {row.name}
        </a>
        {row.demo && <DemoTag />}
        <span className="cell-sub">
          {conditionText(row)}
          {row.tags.map((t) => (
            <span key={t} className="tag triage-tag">
              {t}
            </span>
          ))}
          <span className="triage-nurse">{row.assignedNurse ? `Nurse ${row.assignedNurse}` : 'Unassigned'}</span>
        </span>
      </th>
      <td className="col-status">
        <StatusCell row={row} />
      </td>
      <td className="num col-tir">
        {obs ? <span>{pct(obs.inRange)}</span> : d ? <span className="muted">–</span> : <NotApplicable />}
        {proj && proj.timeInRange.mean !== null && (
          <span className="cell-sub">
            projected {pct(proj.timeInRange.mean)}
            {proj.timeInRange.lower80 !== null && proj.timeInRange.upper80 !== null && (
              <> (80 %: {pct(proj.timeInRange.lower80)}–{pct(proj.timeInRange.upper80)})</>
            )}
          </span>
        )}
      </td>
      <td className="num col-gmi">{obs && obs.gmiPct !== null ? formatValue(obs.gmiPct, 1) : d ? <span className="muted">–</span> : <NotApplicable />}</td>
      <td className="num col-wear">
        {obs ? (
          <span className={obs.wear < 0.7 ? 'triage-low-wear' : undefined}>
            {pct(obs.wear)}
            {obs.wear < 0.7 && <span className="visually-hidden"> (below 70 %)</span>}
          </span>
        ) : d ? (
          <span className="muted">–</span>
        ) : (
          <NotApplicable />
        )}
      </td>
      <td className="num col-weight">
        {h?.weight ? (
          <>
            <span>
              {h.weight.changeKg > 0 ? '+' : ''}
              {formatValue(h.weight.changeKg, 1)}
            </span>
            <span className="cell-sub">{h.weight.probabilityFluid === null ? 'fluid: no twin yet' : `P(fluid) ${pct(h.weight.probabilityFluid)}`}</span>
          </>
        ) : h ? (
          <span className="muted">–</span>
        ) : (
          <NotApplicable />
        )}
      </td>
      <td className="col-trend">
        {d && d.trend.length > 0 ? (
          <Sparkline values={d.trend} label="Daily mean glucose" unit="mg/dL" decimals={0} />
        ) : h && h.trend.length > 0 ? (
          <Sparkline values={h.trend} label="Daily mean weight" unit="kg" decimals={1} />
        ) : (
          <span className="muted">–</span>
        )}
      </td>
      <td className="num col-alerts">
        <span className={row.alerts.open > 0 ? `triage-alerts triage-alerts-${row.alerts.top?.severity ?? 'info'}` : 'muted'}>{formatCount(row.alerts.open)}</span>
        {row.alerts.top && <span className="cell-sub">{row.alerts.top.severity}</span>}
      </td>
      <td className="num col-rpm">
        {row.program ? (
          <>
            <span>
              {formatCount(row.program.deviceDays)} / {formatCount(row.program.elapsedDays)} days
            </span>
            <span className="cell-sub">
              {formatCount(row.program.minutes)} min{row.program.timer && <strong className="triage-timer"> · timer running</strong>}
            </span>
          </>
        ) : (
          <span className="muted">–</span>
        )}
      </td>
      <td className="col-contact">
        {row.lastContact ? (
          <>
            <time dateTime={new Date(row.lastContact.atMs).toISOString()} title={formatDateTime(row.lastContact.atMs)}>
              {formatAgo(row.lastContact.atMs, nowMs)}
            </time>
            <span className="cell-sub">
              {row.lastContact.kind === 'minutes' ? 'minutes logged' : row.lastContact.kind === 'alert-resolved' ? 'alert resolved' : 'alert acknowledged'}
            </span>
          </>
        ) : (
          <span className="muted">none</span>
        )}
      </td>
      <td className="col-lastData">
        {row.lastDataMs === null ? (
          <span className="muted">never</span>
        ) : (
          <>
            <time dateTime={new Date(row.lastDataMs).toISOString()} title={formatDateTime(row.lastDataMs)}>
              {formatAgo(row.lastDataMs, nowMs)}
            </time>
            <span className="cell-sub">{formatCount(row.daysWithData30)} of 30 days</span>
          </>
        )}
      </td>
      <td className="col-actions">
        <span className="triage-actions">
          {row.alerts.top && (
            <button
              type="button"
              className="button button-quiet"
              tabIndex={inner}
              aria-label={`Acknowledge alert for ${row.name}: ${row.alerts.top.text}`}
              title={row.alerts.top.text}
              onClick={() => actions.acknowledge(row)}
            >
              Acknowledge
            </button>
          )}
          <button type="button" className="button button-quiet" tabIndex={inner} aria-label={`Assign ${row.name}`} onClick={() => actions.assign(row)}>
            Assign…
          </button>
          {row.program && (
            <button
              type="button"
              className="button button-quiet"
              tabIndex={inner}
              aria-label={`${row.program.timer ? 'Stop' : 'Start'} the interactive-time timer for ${row.name}`}
              onClick={() => actions.timer(row)}
            >
              {row.program.timer ? 'Stop timer' : 'Start timer'}
            </button>
          )}
        </span>
      </td>
    </tr>
  );
});

function NotApplicable() {
  return (
    <span className="muted" title="Not monitored for this patient">
      n/a
    </span>
  );
}

function StatusCell({ row }: { row: TriageRow }) {
  const d = row.diabetes;
  const h = row.heartFailure;
  if (!d && !h) return <span className="muted">–</span>;
  const twinNote = row.twin.state === 'pending' ? 'twin not computed yet' : row.twin.state === 'not-permitted' ? 'not shared' : null;
  const subs: string[] = [];
  if (d) {
    subs.push(
      d.projected ? `projected: ${CATEGORY_LABEL[d.projected.category]} (${d.projected.lengthDays} d)` : `projection: ${twinNote ?? 'not enough data'}`,
    );
  }
  if (h) {
    const c = h.congestion;
    subs.push(
      c
        ? `fluid ${formatValue(c.fluidExcessKg.mean, 1)} kg (80 %: ${formatValue(c.fluidExcessKg.lower80, 1)} to ${formatValue(c.fluidExcessKg.upper80, 1)})`
        : `congestion risk: ${twinNote ?? 'not enough weights'}`,
    );
  }
  return (
    <>
      <span className="triage-status">
        {d &&
          (d.observed ? (
            <span className={`triage-category triage-category-${d.observed.category}`}>{CATEGORY_LABEL[d.observed.category]}</span>
          ) : (
            <span className="muted">CGM not shared</span>
          ))}
        {h?.congestion && (
          <span
            className={h.congestion.probability >= HF_RISK_FILTER ? 'triage-category triage-risk-high' : 'triage-category triage-risk-low'}
            title={`Congestion risk ${pct(h.congestion.probability)}`}
          >
            {d ? (
              // Beside a diabetes category the badge is short; its full name is read out and in the title.
              <>
                <span aria-hidden="true">HF risk</span>
                <span className="visually-hidden">Congestion risk</span>
              </>
            ) : (
              'Congestion risk'
            )}{' '}
            {pct(h.congestion.probability)}
          </span>
        )}
      </span>
      <span className="cell-sub" title={subs.join(' · ')}>
        {subs.join(' · ')}
      </span>
    </>
  );
}

function AssignDialog({ row, nurses, onClose, onSaved }: { row: TriageRow; nurses: readonly string[]; onClose: () => void; onSaved: (message: string) => void }) {
  const { client, markLocked } = useApp();
  const dialog = useRef<HTMLDialogElement>(null);
  const [nurse, setNurse] = useState<string>(row.assignedNurse ?? '');
  const [tags, setTags] = useState<string>(row.tags.join(', '));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<IpcError | undefined>(undefined);

  useEffect(() => {
    const el = dialog.current;
    if (el && !el.open) el.showModal();
  }, []);

  async function save() {
    setBusy(true);
    setError(undefined);
    try {
      const tagList = tags
        .split(',')
        .map((t) => t.trim())
        .filter((t) => t.length > 0);
      await client.call('panel.assign', { patientId: row.id, tags: tagList, assignedNurse: nurse === '' ? null : nurse });
      onSaved(nurse === '' ? `Saved ${row.name}: unassigned.` : `Assigned ${row.name} to ${nurse}.`);
      // Closing fires the dialog's close event, which calls onClose.
      dialog.current?.close();
    } catch (e) {
      const ipcError = asIpcError(e);
      if (ipcError.code === 'LOCKED') markLocked();
      setError(ipcError);
    } finally {
      setBusy(false);
    }
  }

  return (
    <dialog ref={dialog} className="triage-dialog" aria-labelledby="assign-title" onClose={onClose}>
      <form
        method="dialog"
        onSubmit={(e) => {
          e.preventDefault();
          void save();
        }}
      >
        <h2 id="assign-title">Assign {row.name}</h2>
        {nurses.length === 0 ? (
          <p className="field-hint">
            There are no nurse accounts yet. An admin adds them (<code>caretwin users add --role nurse</code>); tags can be set now.
          </p>
        ) : null}
        <label className="field">
          <span>Nurse</span>
          <select value={nurse} onChange={(e) => setNurse(e.target.value)}>
            <option value="">Nobody</option>
            {[...new Set([...nurses, ...(row.assignedNurse ? [row.assignedNurse] : [])])].map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>Tags</span>
          <input type="text" value={tags} onChange={(e) => setTags(e.target.value)} aria-describedby="assign-tags-hint" />
          <span id="assign-tags-hint" className="field-hint">
            Separated by commas; at most 12, each up to 40 characters.
          </span>
        </label>
        {error && <ErrorNotice title="The assignment could not be saved." error={error} />}
        <div className="triage-dialog-buttons">
          <button type="submit" className="button button-primary" disabled={busy}>
            {busy ? 'Saving…' : 'Save'}
          </button>
          <button
            type="button"
            className="button"
            onClick={() => {
              dialog.current?.close();
            }}
          >
            Cancel
          </button>
        </div>
      </form>
    </dialog>
  );
}
