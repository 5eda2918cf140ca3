/**
 * CGM glucose with its twin: the readings (decimated by the core, gaps kept as gaps), the smoothed glucose
 * with its 80 % and 95 % bands (wider where readings are missing), and the fast layer's forecast for the next
 * hour. Text alternatives: the chart's label summarises it, the forecast is a table, the gaps a list.
 */
import { useCallback, useMemo, useState } from 'react';
import type { StreamInfo, TwinSeriesView, TwinView } from '../../../../shared/ipc/contract.js';
import { formatCount, formatDate, formatDateTime, formatValue } from '../../format.js';
import type { Query } from '../../useQuery.js';
import { ErrorNotice, Loading } from '../Notices.js';
import type { TimeRange } from './chartAxis.js';
import { TwinChart, type BandLayer, type LineLayer } from './TwinChart.js';
import { BandText, durationText, markDrawn } from './twinText.js';

type Forecast = NonNullable<NonNullable<TwinView['twin']>['glucose']>['forecasts'][number];

function readings(n: number): string {
  return `${formatCount(n)} ${n === 1 ? 'reading' : 'readings'}`;
}

/** The latest smoothed value with its bands, for the text summary. */
function lastSmoothed(s: NonNullable<NonNullable<TwinSeriesView['glucose']>['smoothed']>) {
  for (let i = s.tMs.length - 1; i >= 0; i--) {
    const mean = s.mean[i];
    if (mean !== null && mean !== undefined) {
      return { tMs: s.tMs[i]!, mean, lower80: s.lower80[i] ?? null, upper80: s.upper80[i] ?? null, lower95: s.lower95[i] ?? null, upper95: s.upper95[i] ?? null };
    }
  }
  return null;
}

function chartLabel(g: NonNullable<TwinSeriesView['glucose']>, forecasts: readonly Forecast[]): string {
  const parts = [`CGM glucose, mg/dL: ${readings(g.readingsInWindow)} in the window shown`];
  const lastObserved = g.observed.mgDl.findLastIndex((v) => v !== null);
  if (lastObserved >= 0) parts.push(`latest reading ${formatValue(g.observed.mgDl[lastObserved]!, 0)} mg/dL on ${formatDateTime(g.observed.tMs[lastObserved]!)}`);
  const s = g.smoothed ? lastSmoothed(g.smoothed) : null;
  if (s && s.lower80 !== null && s.upper80 !== null) {
    parts.push(`smoothed glucose ${formatValue(s.mean, 0)} mg/dL (80 % band ${formatValue(s.lower80, 0)}–${formatValue(s.upper80, 0)})`);
  } else if (!g.smoothed) {
    parts.push('no twin bands yet');
  }
  parts.push(g.gaps.length === 0 ? 'no gaps' : `${formatCount(g.gaps.length)} ${g.gaps.length === 1 ? 'gap' : 'gaps'} without readings, shown as breaks with wider bands`);
  const f = forecasts.at(-1);
  if (f && f.medianMgDl !== null && f.lower80MgDl !== null && f.upper80MgDl !== null) {
    parts.push(`forecast in ${f.horizonMin} min: ${formatValue(f.medianMgDl, 0)} mg/dL (80 % band ${formatValue(f.lower80MgDl, 0)}–${formatValue(f.upper80MgDl, 0)})`);
  }
  return `${parts.join('; ')}.`;
}

export interface GlucoseTwinSectionProps {
  readonly info: StreamInfo;
  /** the charts' time axis; undefined until the twin (whose projection it reaches to) has loaded */
  readonly range: TimeRange | undefined;
  readonly twin: TwinView['twin'] | undefined;
  /** the page's twin.series query (fetched once for all twin sections) */
  readonly series: Query<TwinSeriesView>;
}

export function GlucoseTwinSection({ info, range, twin, series }: GlucoseTwinSectionProps) {
  const value = series.value;
  const [drawnFor, setDrawnFor] = useState<TwinSeriesView | undefined>(undefined);
  const onDrawn = useCallback(() => {
    setDrawnFor(value);
    markDrawn('glucose');
  }, [value]);
  const g = value?.glucose ?? null;
  const forecasts = useMemo(() => twin?.glucose?.forecasts ?? [], [twin]);
  const lastReadingMs = twin?.glucose?.lastReadingMs;

  const model = useMemo<BandLayer | undefined>(() => (g?.smoothed ? { ...g.smoothed, label: 'Smoothed glucose' } : undefined), [g]);
  const projection = useMemo<BandLayer | undefined>(() => {
    if (forecasts.length === 0 || lastReadingMs === undefined || !g) return undefined;
    const i = g.observed.mgDl.findLastIndex((v) => v !== null);
    const start = i >= 0 && g.observed.tMs[i] === lastReadingMs ? g.observed.mgDl[i]! : null;
    const head = start === null ? [] : [start];
    return {
      label: 'Forecast (median)',
      tMs: [...(start === null ? [] : [lastReadingMs]), ...forecasts.map((f) => f.atMs)],
      mean: [...head, ...forecasts.map((f) => f.medianMgDl)],
      lower80: [...head, ...forecasts.map((f) => f.lower80MgDl)],
      upper80: [...head, ...forecasts.map((f) => f.upper80MgDl)],
      lower95: [...head, ...forecasts.map((f) => f.lower95MgDl)],
      upper95: [...head, ...forecasts.map((f) => f.upper95MgDl)],
    };
  }, [forecasts, lastReadingMs, g]);
  const lines = useMemo<LineLayer[]>(() => (g ? [{ tMs: g.observed.tMs, values: g.observed.mgDl, label: 'CGM reading', colour: 'observed' }] : []), [g]);

  const ready = value !== undefined && range !== undefined && !series.loading && (drawnFor === value || g === null || g.observed.tMs.length === 0);
  const headingId = `stream-${info.code}`;
  const gaps = g ? [...g.gaps].sort((a, b) => b.toMs - b.fromMs - (a.toMs - a.fromMs)) : [];

  return (
    <section
      className="stream twin-section"
      data-stream={info.code}
      data-twin-chart="glucose"
      data-ready={ready ? 'true' : 'false'}
      data-twin-state={value === undefined ? 'loading' : value.computedMs === null || !g?.smoothed ? 'not-computed' : 'computed'}
      aria-labelledby={headingId}
    >
      <h2 id={headingId}>
        Glucose and its twin <span className="unit">(mg/dL)</span>
      </h2>
      <p className="stream-summary">
        {readings(info.count)} · {formatDate(info.firstMs)} – {formatDate(info.lastMs)} · data on {formatCount(info.days)} {info.days === 1 ? 'day' : 'days'}
      </p>
      {series.error && <ErrorNotice title="The glucose twin could not be loaded." error={series.error} onRetry={series.retry} />}
      {(!value || !range) && !series.error && <Loading>Loading glucose and its twin…</Loading>}
      {value && range && !g && <p className="muted">No CGM readings this account may see.</p>}
      {value && range && g && (
        <>
          {g.smoothed ? (
            <p className="twin-status">
              Twin computed {value.computedMs !== null ? formatDateTime(value.computedMs) : ''}; its parameters were fitted on readings up to{' '}
              {formatDateTime(g.smoothed.fitThroughMs - 1)} (model {g.smoothed.modelVersion}).
            </p>
          ) : (
            <p className="twin-status twin-pending" role="status">
              Twin not computed yet: the readings are shown without the model’s bands. They appear here as soon as the twin has been computed.
            </p>
          )}
          <ul className="twin-legend" aria-label="What the chart shows">
            <li>
              <span className="swatch swatch-observed" aria-hidden="true" /> CGM readings{value.window.decimated ? ' (lowest and highest per time step shown)' : ''}
            </li>
            {g.smoothed && (
              <li>
                <span className="swatch swatch-model" aria-hidden="true" /> Smoothed glucose with 80 % (darker) and 95 % bands
              </li>
            )}
            {projection && (
              <li>
                <span className="swatch swatch-projection" aria-hidden="true" /> Forecast for the next hour with 80 % and 95 % bands
              </li>
            )}
            <li>Breaks in the line are gaps of more than {durationText(g.gapThresholdMs)} without readings; the band widens there.</li>
          </ul>
          {g.observed.tMs.length === 0 ? (
            <p className="muted">No readings in this time window.</p>
          ) : (
            <TwinChart
              range={range}
              unit="mg/dL"
              decimals={0}
              model={model}
              projection={projection}
              lines={lines}
              yLimits={{ min: 30, max: 420 }}
              ariaLabel={chartLabel(g, forecasts)}
              onDrawn={onDrawn}
              tall
            />
          )}
          {forecasts.length > 0 && (
            <table className="twin-table">
              <caption>Forecast from the last reading{lastReadingMs !== undefined ? ` (${formatDateTime(lastReadingMs)})` : ''}, mg/dL</caption>
              <thead>
                <tr>
                  <th scope="col">In</th>
                  <th scope="col">At</th>
                  <th scope="col" className="num">
                    Median
                  </th>
                  <th scope="col">80 % band</th>
                  <th scope="col">95 % band</th>
                  <th scope="col" className="num">
                    Chance below 70
                  </th>
                </tr>
              </thead>
              <tbody>
                {forecasts.map((f) => (
                  <tr key={f.horizonMin}>
                    <th scope="row">{f.horizonMin} min</th>
                    <td>{formatDateTime(f.atMs)}</td>
                    <td className="num">{f.medianMgDl === null ? '–' : formatValue(f.medianMgDl, 0)}</td>
                    <td>
                      <BandText lower={f.lower80MgDl} upper={f.upper80MgDl} decimals={0} />
                    </td>
                    <td>
                      <BandText lower={f.lower95MgDl} upper={f.upper95MgDl} decimals={0} />
                    </td>
                    <td className="num">{f.probabilityBelow70 === null ? '–' : `${formatValue(100 * f.probabilityBelow70, 0)} %`}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {gaps.length > 0 && (
            <details className="twin-gaps">
              <summary>
                {formatCount(gaps.length)} {gaps.length === 1 ? 'gap' : 'gaps'} without readings in this window (longest {durationText(gaps[0]!.toMs - gaps[0]!.fromMs)})
              </summary>
              <ul>
                {gaps.slice(0, 20).map((gap) => (
                  <li key={gap.fromMs}>
                    {formatDateTime(gap.fromMs)} – {formatDateTime(gap.toMs)} ({durationText(gap.toMs - gap.fromMs)})
                  </li>
                ))}
              </ul>
              {gaps.length > 20 && <p className="muted">The 20 longest are listed.</p>}
            </details>
          )}
        </>
      )}
    </section>
  );
}
