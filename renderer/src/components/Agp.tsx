/**
 * The Ambulatory Glucose Profile (consensus layout, Battelino 2019): the metrics with their targets, the
 * time-in-ranges bar, and glucose by time of day as percentile bands (5-95 % outer, 25-75 % inner, median line)
 * over the shaded target range 70-180 mg/dL. Every number is also in tables, for screen readers and print.
 * `Agp` draws a computed AGP (report.agp); `AgpSection` fetches one for a patient and designs loading, error and
 * empty states. Units (mg/dL) and the zone the times of day are read in are always named.
 */
import { useEffect, useId, useMemo, useRef, useState } from 'react';
import { Chart, Filler, LinearScale, LineController, LineElement, PointElement, Tooltip, type ChartConfiguration, type Plugin } from 'chart.js';
import type { AgpReportView, AgpView } from '../../../shared/ipc/contract.js';
import { formatCount, formatDate, formatDateTime, formatPercent, formatTimeOfDay, formatValue } from '../format.js';
import { useApp } from '../session.js';
import { useEffectiveTheme } from '../theme.js';
import { useQuery } from '../useQuery.js';
import { ErrorNotice, Loading } from './Notices.js';

Chart.register(LineController, LineElement, PointElement, LinearScale, Tooltip, Filler);

const UNIT = 'mg/dL';
const TARGET_LOW = 70;
const TARGET_HIGH = 180;

interface RangeRow {
  readonly key: 'veryHigh' | 'high' | 'inRange' | 'low' | 'veryLow';
  readonly label: string;
  readonly bounds: string;
  readonly target: string;
  readonly pct: number;
}

function rangeRows(agp: AgpView): RangeRow[] {
  const r = agp.ranges;
  if (!r) return [];
  return [
    { key: 'veryHigh', label: 'Very high', bounds: `> 250 ${UNIT}`, target: '< 5 %', pct: r.veryHighPct },
    { key: 'high', label: 'High', bounds: `181–250 ${UNIT}`, target: '< 25 % with very high', pct: r.highPct },
    { key: 'inRange', label: 'In range', bounds: `70–180 ${UNIT}`, target: '> 70 %', pct: r.inRangePct },
    { key: 'low', label: 'Low', bounds: `54–69 ${UNIT}`, target: '< 4 % with very low', pct: r.lowPct },
    { key: 'veryLow', label: 'Very low', bounds: `< 54 ${UNIT}`, target: '< 1 %', pct: r.veryLowPct },
  ];
}

interface AgpColours {
  readonly outer: string;
  readonly inner: string;
  readonly median: string;
  readonly target: string;
  readonly targetLine: string;
  readonly grid: string;
  readonly text: string;
}

function readColours(element: Element): AgpColours {
  const style = getComputedStyle(element);
  const read = (name: string, fallback: string): string => style.getPropertyValue(name).trim() || fallback;
  return {
    outer: read('--agp-outer', 'rgba(31, 111, 192, 0.18)'),
    inner: read('--agp-inner', 'rgba(31, 111, 192, 0.42)'),
    median: read('--agp-median', '#0f4d8a'),
    target: read('--agp-target', 'rgba(46, 158, 79, 0.12)'),
    targetLine: read('--agp-target-line', '#2e7d46'),
    grid: read('--chart-grid', '#e3e8ee'),
    text: read('--chart-text', '#4d5868'),
  };
}

type Point = { x: number; y: number | null };

export interface AgpProps {
  readonly agp: AgpView;
  /** Where the zone came from: the patient's profile, or this host's zone when the profile names none. */
  readonly zoneFrom?: 'patient' | 'default';
  /** Heading level of the section's title (the report page uses 2, an embedding view may use 3). */
  readonly headingLevel?: 2 | 3;
  /** The id of a heading the embedding view already shows for this section: the AGP then shows no title of its own. */
  readonly labelledBy?: string;
  /** Called once the profile chart has drawn. */
  readonly onDrawn?: () => void;
}

export function Agp({ agp, zoneFrom, headingLevel = 2, labelledBy, onDrawn }: AgpProps) {
  const ownTitleId = useId();
  const titleId = labelledBy ?? ownTitleId;
  const Heading = headingLevel === 2 ? 'h2' : 'h3';
  const Sub = headingLevel === 2 ? 'h3' : 'h4';
  const rows = rangeRows(agp);
  const empty = agp.readings === 0;
  const period = `${formatDate(agp.fromMs, { timeZone: agp.zone })} – ${formatDate(agp.toMs - 1, { timeZone: agp.zone })}`;
  return (
    <section className="agp" aria-labelledby={titleId}>
      {labelledBy === undefined && <Heading id={titleId}>Ambulatory glucose profile</Heading>}
      <p className="agp-period">
        {period} ({formatValue(agp.periodDays, agp.periodDays % 1 === 0 ? 0 : 1)} days) · times of day in{' '}
        <strong>{agp.zone}</strong>
        {zoneFrom === 'default' && <span className="muted"> (this computer's zone: the patient's record names none)</span>} · glucose in {UNIT}
      </p>
      <SufficiencyNote agp={agp} />
      {empty ? (
        <p className="notice agp-empty">No CGM readings were stored for this period, so there is no profile to draw.</p>
      ) : (
        <>
          <div className="agp-top">
            <MetricsTable agp={agp} Sub={Sub} />
            <RangesBar rows={rows} Sub={Sub} />
          </div>
          <Sub>Glucose by time of day</Sub>
          <ProfileChart agp={agp} onDrawn={onDrawn} />
          <p className="agp-legend">
            <span className="agp-key agp-key-median" aria-hidden="true" /> median ·{' '}
            <span className="agp-key agp-key-inner" aria-hidden="true" /> 25–75th percentile ·{' '}
            <span className="agp-key agp-key-outer" aria-hidden="true" /> 5–95th percentile ·{' '}
            <span className="agp-key agp-key-target" aria-hidden="true" /> target {TARGET_LOW}–{TARGET_HIGH} {UNIT}. Each point pools the
            readings of the hour around it; a gap means fewer than 5 readings there.
          </p>
          <PercentileTable agp={agp} />
        </>
      )}
    </section>
  );
}

function SufficiencyNote({ agp }: { agp: AgpView }) {
  if (agp.sufficiency.sufficient) {
    return (
      <p className="agp-sufficiency agp-sufficient">
        Enough data: {formatValue(agp.periodDays, 0)} days with the CGM active {formatPercent(agp.wearPct)} of the time (the consensus asks
        for ≥ 14 days and ≥ 70 %).
      </p>
    );
  }
  return (
    <div className="agp-sufficiency agp-insufficient" role="note">
      <p className="notice-title">Not enough data for a reliable profile.</p>
      <ul>
        {agp.sufficiency.reasons.map((reason) => (
          <li key={reason}>{reason}</li>
        ))}
      </ul>
    </div>
  );
}

function MetricsTable({ agp, Sub }: { agp: AgpView; Sub: 'h3' | 'h4' }) {
  const na = '–';
  const metric = (value: number | null, decimals: number, unit = '') => (value === null ? na : `${formatValue(value, decimals)}${unit}`);
  return (
    <div className="agp-metrics">
      <Sub>Glucose statistics</Sub>
      <table className="agp-table">
        <caption className="visually-hidden">Glucose statistics and targets for the period</caption>
        <thead>
          <tr>
            <th scope="col">Measure</th>
            <th scope="col">Value</th>
            <th scope="col">Target</th>
          </tr>
        </thead>
        <tbody>
          <tr>
            <th scope="row">Mean glucose</th>
            <td data-metric="mean">{metric(agp.meanMgDl, 0, ` ${UNIT}`)}</td>
            <td />
          </tr>
          <tr>
            <th scope="row">GMI (glucose management indicator)</th>
            <td data-metric="gmi">{agp.gmiPct === null ? na : formatPercent(agp.gmiPct, 1)}</td>
            <td />
          </tr>
          <tr>
            <th scope="row">Glucose variability (CV)</th>
            <td data-metric="cv">{agp.cvPct === null ? na : formatPercent(agp.cvPct, 1)}</td>
            <td>≤ 36 %</td>
          </tr>
          <tr>
            <th scope="row">Standard deviation</th>
            <td data-metric="sd">{metric(agp.sdMgDl, 0, ` ${UNIT}`)}</td>
            <td />
          </tr>
          <tr>
            <th scope="row">Time CGM active</th>
            <td data-metric="wear">{formatPercent(agp.wearPct, 1)}</td>
            <td>≥ 70 %</td>
          </tr>
          <tr>
            <th scope="row">Days with readings</th>
            <td data-metric="days">
              {formatCount(agp.daysWithData)} of {formatCount(agp.calendarDays)} calendar days
            </td>
            <td />
          </tr>
          <tr>
            <th scope="row">Readings</th>
            <td data-metric="readings">
              {formatCount(agp.readings)} (every {formatValue(agp.intervalMinutes, 0)} min)
            </td>
            <td />
          </tr>
        </tbody>
      </table>
    </div>
  );
}

function RangesBar({ rows, Sub }: { rows: RangeRow[]; Sub: 'h3' | 'h4' }) {
  const summary = rows.map((r) => `${r.label} ${formatPercent(r.pct)}`).join(', ');
  return (
    <div className="agp-ranges">
      <Sub>Time in ranges</Sub>
      <div className="agp-ranges-body">
        <div className="tir-bar" role="img" aria-label={`Time in ranges: ${summary}`}>
          {rows.map((r) => (
            <div key={r.key} className={`tir-segment tir-${r.key}`} style={{ flexGrow: r.pct, flexBasis: 0 }} />
          ))}
        </div>
        <table className="agp-table tir-table">
          <caption className="visually-hidden">Time in ranges, share of readings, with consensus targets</caption>
          <thead>
            <tr>
              <th scope="col">Range</th>
              <th scope="col">Share</th>
              <th scope="col">Target</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.key}>
                <th scope="row">
                  <span className={`tir-swatch tir-${r.key}`} aria-hidden="true" />
                  {r.label} <span className="muted">({r.bounds})</span>
                </th>
                <td data-range={r.key}>{formatPercent(r.pct, r.pct > 0 && r.pct < 1 ? 1 : 0)}</td>
                <td>{r.target}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

function ProfileChart({ agp, onDrawn }: { agp: AgpView; onDrawn: (() => void) | undefined }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const onDrawnRef = useRef(onDrawn);
  useEffect(() => {
    onDrawnRef.current = onDrawn;
  });
  const theme = useEffectiveTheme();
  const [drawn, setDrawn] = useState(false);
  const curves = useMemo(() => {
    const of = (pick: (b: AgpView['bins'][number]) => number | null): Point[] => {
      // Each bin is drawn at its centre; the first bin repeats at 24:00 so the curve spans the whole day.
      const points = agp.bins.map((b) => ({ x: b.minute + 7.5, y: pick(b) }));
      const first = agp.bins[0];
      if (first) points.push({ x: 24 * 60 + 7.5, y: pick(first) });
      return points;
    };
    return { p5: of((b) => b.p5), p25: of((b) => b.p25), p50: of((b) => b.p50), p75: of((b) => b.p75), p95: of((b) => b.p95) };
  }, [agp]);
  const maxY = useMemo(() => {
    let max = 0;
    for (const b of agp.bins) if (b.p95 !== null && b.p95 > max) max = b.p95;
    return Math.max(300, Math.ceil(max / 50) * 50);
  }, [agp]);

  useEffect(() => {
    const element = canvas.current;
    if (!element) return;
    const colours = readColours(element);
    let reported = false;
    const targetBand: Plugin<'line'> = {
      id: 'agpTarget',
      beforeDatasetsDraw(chart) {
        const { ctx, chartArea, scales } = chart;
        const y = scales['y'];
        if (!y) return;
        const top = y.getPixelForValue(TARGET_HIGH);
        const bottom = y.getPixelForValue(TARGET_LOW);
        ctx.save();
        ctx.fillStyle = colours.target;
        ctx.fillRect(chartArea.left, top, chartArea.right - chartArea.left, bottom - top);
        ctx.strokeStyle = colours.targetLine;
        ctx.lineWidth = 1;
        ctx.setLineDash([4, 3]);
        for (const py of [top, bottom]) {
          ctx.beginPath();
          ctx.moveTo(chartArea.left, py);
          ctx.lineTo(chartArea.right, py);
          ctx.stroke();
        }
        ctx.restore();
      },
      afterRender() {
        if (reported) return;
        reported = true;
        setDrawn(true);
        onDrawnRef.current?.();
      },
    };
    // Monotone curves: smooth, without overshooting a step in glucose (a spline's 4 a.m. dip that is not in the data).
    const line = { pointRadius: 0, pointHitRadius: 6, spanGaps: false, cubicInterpolationMode: 'monotone' } as const;
    const config: ChartConfiguration<'line', Point[]> = {
      type: 'line',
      data: {
        datasets: [
          { ...line, label: '5th percentile', data: curves.p5, borderColor: colours.outer, borderWidth: 1, fill: false },
          { ...line, label: '95th percentile', data: curves.p95, borderColor: colours.outer, borderWidth: 1, backgroundColor: colours.outer, fill: '-1' },
          { ...line, label: '25th percentile', data: curves.p25, borderColor: colours.inner, borderWidth: 1, fill: false },
          { ...line, label: '75th percentile', data: curves.p75, borderColor: colours.inner, borderWidth: 1, backgroundColor: colours.inner, fill: '-1' },
          { ...line, label: 'Median', data: curves.p50, borderColor: colours.median, borderWidth: 2.5, fill: false },
        ],
      },
      options: {
        parsing: false,
        normalized: true,
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        interaction: { mode: 'index', intersect: false },
        scales: {
          x: {
            type: 'linear',
            min: 0,
            max: 24 * 60,
            ticks: { stepSize: 180, color: colours.text, maxRotation: 0, callback: (value) => formatTimeOfDay(Number(value) % (24 * 60)) },
            grid: { color: colours.grid },
            border: { color: colours.grid },
            title: { display: true, text: `Time of day (${agp.zone})`, color: colours.text },
          },
          y: {
            type: 'linear',
            min: 0,
            max: maxY,
            ticks: { color: colours.text, stepSize: 50 },
            grid: { color: colours.grid },
            border: { color: colours.grid },
            title: { display: true, text: UNIT, color: colours.text },
          },
        },
        plugins: {
          tooltip: {
            callbacks: {
              title: (items) => (items[0] ? formatTimeOfDay(Math.floor(((items[0].parsed.x ?? 0) % 1440) / 15) * 15) : ''),
              label: (item) => `${item.dataset.label ?? ''}: ${formatValue(item.parsed.y ?? 0, 0)} ${UNIT}`,
            },
          },
        },
      },
      plugins: [targetBand],
    };
    const chart = new Chart(element, config);
    return () => chart.destroy();
    // `theme` redraws with the other theme's colours.
  }, [curves, maxY, agp.zone, theme]);

  const median = agp.bins.filter((b) => b.p50 !== null);
  const lowest = median.reduce<AgpView['bins'][number] | undefined>((m, b) => (m === undefined || b.p50! < m.p50! ? b : m), undefined);
  const highest = median.reduce<AgpView['bins'][number] | undefined>((m, b) => (m === undefined || b.p50! > m.p50! ? b : m), undefined);
  const label =
    lowest && highest
      ? `Glucose by time of day, ${agp.zone}: median lowest ${formatValue(lowest.p50!, 0)} ${UNIT} at ${formatTimeOfDay(lowest.minute)}, highest ${formatValue(highest.p50!, 0)} ${UNIT} at ${formatTimeOfDay(highest.minute)}. The table below lists the percentiles by hour.`
      : 'Glucose by time of day: too few readings to draw.';
  return (
    <div className="chart-frame agp-chart" data-drawn={drawn ? 'true' : undefined}>
      <canvas ref={canvas} role="img" aria-label={label} />
    </div>
  );
}

function PercentileTable({ agp }: { agp: AgpView }) {
  const hourly = agp.bins.filter((b) => b.minute % 60 === 0);
  const cell = (v: number | null) => (v === null ? '–' : formatValue(v, 0));
  return (
    <details className="agp-percentiles">
      <summary>Percentiles by hour (table, {UNIT})</summary>
      <table className="agp-table">
        <caption className="visually-hidden">
          Glucose percentiles by time of day in {agp.zone}, {UNIT}, over the readings of the hour around each time
        </caption>
        <thead>
          <tr>
            <th scope="col">Time ({agp.zone})</th>
            <th scope="col">5th</th>
            <th scope="col">25th</th>
            <th scope="col">Median</th>
            <th scope="col">75th</th>
            <th scope="col">95th</th>
            <th scope="col">Readings</th>
          </tr>
        </thead>
        <tbody>
          {hourly.map((b) => (
            <tr key={b.minute}>
              <th scope="row">{formatTimeOfDay(b.minute)}</th>
              <td>{cell(b.p5)}</td>
              <td>{cell(b.p25)}</td>
              <td>{cell(b.p50)}</td>
              <td>{cell(b.p75)}</td>
              <td>{cell(b.p95)}</td>
              <td>{formatCount(b.n)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </details>
  );
}

export interface AgpSectionProps {
  readonly patientId: string;
  /** Days ending now (default 14, the consensus minimum). */
  readonly days?: number;
  readonly headingLevel?: 2 | 3;
  /** See AgpProps.labelledBy. */
  readonly labelledBy?: string;
  readonly onDrawn?: () => void;
  /** The fetched report, for a caller that shows its header (the report page). */
  readonly onLoaded?: (report: AgpReportView) => void;
}

/** Fetches the patient's AGP (report.agp) and shows it, with loading, error and no-data states; refetches on new data. */
export function AgpSection({ patientId, days = 14, headingLevel = 2, labelledBy, onDrawn, onLoaded }: AgpSectionProps) {
  const { client, markLocked, dataVersion } = useApp();
  const query = useQuery(`agp/${patientId}/${days}/${dataVersion}`, () => client.call('report.agp', { patientId, days }), markLocked);
  const onLoadedRef = useRef(onLoaded);
  useEffect(() => {
    onLoadedRef.current = onLoaded;
  });
  useEffect(() => {
    if (query.value) onLoadedRef.current?.(query.value);
  }, [query.value]);
  if (query.error) {
    const title = query.error.code === 'FORBIDDEN' ? 'The glucose profile cannot be shown.' : 'The glucose profile could not be computed.';
    return <ErrorNotice title={title} error={query.error} onRetry={query.error.code === 'FORBIDDEN' ? undefined : query.retry} />;
  }
  if (!query.value) return <Loading>Computing the glucose profile…</Loading>;
  return (
    <>
      <Agp agp={query.value.agp} zoneFrom={query.value.zoneFrom} headingLevel={headingLevel} labelledBy={labelledBy} onDrawn={onDrawn} />
      <p className="muted agp-generated">
        Computed {formatDateTime(query.value.generatedMs)} from the stored CGM readings.
      </p>
    </>
  );
}
