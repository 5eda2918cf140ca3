/**
 * Labs and medications on the charts' time axis, under the charts: one row per lab (each result a marker with
 * its value) and per medication (each dose a bar from its start to the next change, every change marked: ▲ up,
 * ▼ down, ● started). The rows are lists, so a screen reader reads each result and dose change as text; the
 * markers' positions use the same padded range and value-axis width as the charts above.
 */
import type { PatientDetail, StreamInfo } from '../../../../shared/ipc/contract.js';
import { STREAMS } from '../../../../shared/domain/streams.js';
import { formatCount, formatDate, formatValue } from '../../format.js';
import { useApp } from '../../session.js';
import { useQuery } from '../../useQuery.js';
import { ErrorNotice } from '../Notices.js';
import { paddedRange, VALUE_AXIS_WIDTH, type TimeRange } from './chartAxis.js';

type Medication = PatientDetail['medications'][number];

function position(ms: number, range: TimeRange): number {
  return ((ms - range.min) / (range.max - range.min)) * 100;
}
const clamp = (x: number): number => Math.min(100, Math.max(0, x));

function LabRow({ patientId, info, range }: { patientId: string; info: StreamInfo; range: TimeRange }) {
  const { client, markLocked, dataVersion } = useApp();
  const series = useQuery(`${patientId}/${info.code}/${dataVersion}`, () => client.call('patient.series', { patientId, stream: info.code }), markLocked);
  const decimals = STREAMS.get(info.code)?.decimals ?? 1;
  const value = series.value;
  const inRange = value ? value.tMs.map((t, i) => ({ t, v: value.values[i]! })).filter((p) => p.t >= range.min && p.t <= range.max) : [];
  const outside = value ? value.tMs.length - inRange.length : 0;
  return (
    <li className="timeline-row" data-lab={info.code}>
      <span className="timeline-label">
        {info.label} <span className="unit">({info.displayUnit})</span>
      </span>
      <div className="timeline-track">
        {series.error && <ErrorNotice title={`${info.label} could not be loaded.`} error={series.error} onRetry={series.retry} />}
        <ol className="timeline-marks" aria-label={`${info.label} results in the time shown`}>
          {inRange.map((p, i) => (
            <li key={`${p.t}-${i}`} className="timeline-mark timeline-lab" style={{ left: `${clamp(position(p.t, range))}%` }}>
              <span aria-hidden="true">◆ {formatValue(p.v, decimals)}</span>
              <span className="visually-hidden">
                {formatDate(p.t)}: {formatValue(p.v, decimals)} {info.displayUnit}
              </span>
            </li>
          ))}
        </ol>
        {value && inRange.length === 0 && <span className="muted timeline-empty">No results in the time shown</span>}
        {outside > 0 && <span className="visually-hidden">{formatCount(outside)} more outside the time shown.</span>}
      </div>
    </li>
  );
}

interface DoseStep {
  readonly startMs: number;
  readonly endMs: number;
  readonly dose: number;
  readonly change: 'start' | 'up' | 'down' | 'same';
  readonly note?: string | undefined;
}

export function doseSteps(med: Medication, endMs: number): DoseStep[] {
  const doses = [...med.doses].sort((a, b) => a.startMs - b.startMs);
  return doses.map((d, i) => {
    const previous = doses[i - 1];
    const change = previous === undefined ? 'start' : d.dose > previous.dose ? 'up' : d.dose < previous.dose ? 'down' : 'same';
    return { startMs: d.startMs, endMs: doses[i + 1]?.startMs ?? Math.max(endMs, d.startMs), dose: d.dose, change, note: d.note };
  });
}

const CHANGE_MARK = { start: '●', up: '▲', down: '▼', same: '■' } as const;
const CHANGE_TEXT = { start: 'started at', up: 'increased to', down: 'reduced to', same: 'renewed at' } as const;

function MedicationRow({ med, range }: { med: Medication; range: TimeRange }) {
  const steps = doseSteps(med, range.max);
  const dose = (d: number): string => `${formatCount(d)} ${med.unit}`;
  return (
    <li className="timeline-row">
      <span className="timeline-label">{med.name}</span>
      <div className="timeline-track">
        <ol className="timeline-marks" aria-label={`${med.name}: dose changes`}>
          {steps.map((s, i) => {
            const left = clamp(position(s.startMs, range));
            const right = clamp(position(s.endMs, range));
            if (s.endMs < range.min || s.startMs > range.max) {
              return (
                <li key={`${s.startMs}-${i}`} className="visually-hidden">
                  {formatDate(s.startMs)}: {CHANGE_TEXT[s.change]} {dose(s.dose)} (outside the time shown)
                </li>
              );
            }
            return (
              <li key={`${s.startMs}-${i}`} className={`timeline-dose timeline-dose-${s.change}`} style={{ left: `${left}%`, width: `${Math.max(0.3, right - left)}%` }}>
                <span aria-hidden="true" className="timeline-dose-mark">
                  {s.startMs >= range.min ? CHANGE_MARK[s.change] : ''} {dose(s.dose)}
                </span>
                <span className="visually-hidden">
                  {formatDate(s.startMs)}: {CHANGE_TEXT[s.change]} {dose(s.dose)}
                  {s.note ? ` (${s.note})` : ''}
                </span>
              </li>
            );
          })}
        </ol>
      </div>
    </li>
  );
}

export interface ClinicalTimelineProps {
  readonly patientId: string;
  readonly streams: readonly StreamInfo[];
  readonly medications: PatientDetail['medications'];
  readonly range: TimeRange;
}

export function ClinicalTimeline({ patientId, streams, medications, range }: ClinicalTimelineProps) {
  const padded = paddedRange(range);
  const labs = streams.filter((s) => STREAMS.get(s.code)?.dataClass === 'labs');
  if (labs.length === 0 && medications.length === 0) {
    return (
      <section className="stream timeline" aria-labelledby="timeline-title">
        <h2 id="timeline-title">Labs and medications</h2>
        <p className="muted">No lab results or medications are stored for this patient (or this account may not see them).</p>
      </section>
    );
  }
  return (
    <section className="stream timeline" aria-labelledby="timeline-title">
      <h2 id="timeline-title">Labs and medications</h2>
      <p className="muted">
        On the same time axis as the charts above. ▲ dose increased, ▼ reduced, ● started. Dates in your time zone.
      </p>
      <ul className="timeline-rows" style={{ ['--timeline-axis' as string]: `${VALUE_AXIS_WIDTH}px` }}>
        {labs.map((info) => (
          <LabRow key={info.code} patientId={patientId} info={info} range={padded} />
        ))}
        {medications.map((med, i) => (
          <MedicationRow key={`${med.name}-${i}`} med={med} range={padded} />
        ))}
      </ul>
    </section>
  );
}
