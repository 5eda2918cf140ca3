/** One stored stream of a patient: heading with unit, what is stored, and the chart of its series. */
import { useCallback, useState } from 'react';
import type { SeriesResult, StreamInfo } from '../../../shared/ipc/contract.js';
import { STREAMS } from '../../../shared/domain/streams.js';
import { formatCount, formatDate, formatDateTime, formatValue } from '../format.js';
import { useApp } from '../session.js';
import { useQuery } from '../useQuery.js';
import { ErrorNotice, Loading } from './Notices.js';
import { TimeSeriesChart } from './TimeSeriesChart.js';

/** Up to this many readings a chart marks each one; denser series are a bare line. */
const MAX_MARKED_READINGS = 200;

function readings(n: number): string {
  return `${formatCount(n)} ${n === 1 ? 'reading' : 'readings'}`;
}

function chartLabel(info: StreamInfo, series: SeriesResult, decimals: number): string {
  const n = series.tMs.length;
  const first = series.tMs[0];
  const last = series.tMs[n - 1];
  const latest = series.values[n - 1];
  if (first === undefined || last === undefined || latest === undefined) return `${info.label}: no readings to chart.`;
  return (
    `${info.label}, ${readings(n)} from ${formatDate(first)} to ${formatDate(last)}, ${info.displayUnit}. ` +
    `Latest ${formatValue(latest, decimals)} ${info.displayUnit} on ${formatDateTime(last)}.`
  );
}

export interface StreamSectionProps {
  readonly patientId: string;
  readonly info: StreamInfo;
  readonly rangeMs: { readonly min: number; readonly max: number } | undefined;
}

export function StreamSection({ patientId, info, rangeMs }: StreamSectionProps) {
  const { client, markLocked, dataVersion } = useApp();
  const def = STREAMS.get(info.code);
  const decimals = def?.decimals ?? 1;
  const series = useQuery(
    `${patientId}/${info.code}/${dataVersion}`,
    () => client.call('patient.series', { patientId, stream: info.code }),
    markLocked,
  );
  const value = series.value;
  const [drawnFor, setDrawnFor] = useState<SeriesResult | undefined>(undefined);
  const onDrawn = useCallback(() => setDrawnFor(value), [value]);
  const empty = value !== undefined && value.tMs.length === 0;
  const ready = value !== undefined && (drawnFor === value || empty);
  const headingId = `stream-${info.code}`;

  return (
    <section className="stream" data-stream={info.code} data-ready={ready ? 'true' : 'false'} aria-labelledby={headingId}>
      <h2 id={headingId}>
        {info.label} <span className="unit">({info.displayUnit})</span>
      </h2>
      <p className="stream-summary">
        {readings(info.count)} · {formatDate(info.firstMs)} – {formatDate(info.lastMs)} · data on {formatCount(info.days)}{' '}
        {info.days === 1 ? 'day' : 'days'}
      </p>
      {series.error && <ErrorNotice title={`${info.label} could not be loaded.`} error={series.error} onRetry={series.retry} />}
      {!value && series.loading && <Loading>{`Loading ${info.label}…`}</Loading>}
      {value && empty && <p className="muted">No readings to chart.</p>}
      {value && !empty && (
        <TimeSeriesChart
          series={value}
          displayUnit={info.displayUnit}
          decimals={decimals}
          showPoints={def?.dataClass === 'labs' || value.tMs.length <= MAX_MARKED_READINGS}
          rangeMs={rangeMs}
          ariaLabel={chartLabel(info, value, decimals)}
          onDrawn={onDrawn}
        />
      )}
    </section>
  );
}
