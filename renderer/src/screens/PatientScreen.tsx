/**
 * One patient's twin, the clinician's view: who they are, their alerts (each with its reason and the data it
 * used), the twin's charts on one shared time axis (glucose with the smoothed state, its bands and the
 * forecast; for heart failure weight with dry weight and fluid, and the projection), every other stored
 * signal on the same axis, labs and medications on a timeline under the charts, then the RPM program and
 * imports. The twin is fetched again whenever the core pushes a twin update for this patient.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import type { StreamInfo } from '../../../shared/ipc/contract.js';
import { CONDITION_LABEL } from '../../../shared/domain/conditions.js';
import { STREAM, STREAMS } from '../../../shared/domain/streams.js';
import { DemoTag } from '../components/DemoTag.js';
import { MedicationList } from '../components/MedicationList.js';
import { ImportPanel } from '../components/ImportPanel.js';
import { AlertsPanel } from '../components/AlertsPanel.js';
import { ProgramPanel } from '../components/ProgramPanel.js';
import { ErrorNotice, Loading } from '../components/Notices.js';
import { StreamSection } from '../components/StreamSection.js';
import { GlucoseTwinSection } from '../components/twin/GlucoseTwinSection.js';
import { HeartFailureTwinSection } from '../components/twin/HeartFailureTwinSection.js';
import { ClinicalTimeline } from '../components/twin/ClinicalTimeline.js';
import { AgpSlot } from '../components/twin/AgpSlot.js';
import type { TimeRange } from '../components/twin/chartAxis.js';
import '../components/twin/twin.css';
import { ageYears, formatCalendarDate, viewerTimeZone } from '../format.js';
import { routeHref } from '../route.js';
import { useApp } from '../session.js';
import { useQuery } from '../useQuery.js';
import { useNow } from '../useNow.js';

const STREAM_ORDER = [...STREAMS.keys()];
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** Time buckets of the twin's series: about one per pixel of a chart's width on a laptop screen. */
const SERIES_BUCKETS = 1000;

/** Streams in the product's usual order (glucose, vitals, activity, labs), unknown codes last. */
function orderStreams(streams: readonly StreamInfo[]): StreamInfo[] {
  const rank = (code: string): number => {
    const i = STREAM_ORDER.indexOf(code);
    return i === -1 ? STREAM_ORDER.length : i;
  };
  return [...streams].sort((a, b) => rank(a.code) - rank(b.code));
}

function BackLink() {
  return (
    <a className="back-link" href="#/">
      <span aria-hidden="true">← </span>Patient panel
    </a>
  );
}

const WINDOWS = [
  { id: 'all', label: 'All data' },
  { id: '14d', label: 'Last 14 days' },
  { id: '1d', label: 'Last 24 hours' },
] as const;
type WindowId = (typeof WINDOWS)[number]['id'];

function WindowPicker({ value, onChange }: { value: WindowId; onChange: (id: WindowId) => void }) {
  return (
    <fieldset className="window-picker">
      <legend>Time shown on every chart</legend>
      {WINDOWS.map((w) => (
        <label key={w.id}>
          <input type="radio" name="twin-window" value={w.id} checked={value === w.id} onChange={() => onChange(w.id)} /> {w.label}
        </label>
      ))}
    </fieldset>
  );
}

export function PatientScreen({ patientId }: { patientId: string }) {
  const { client, markLocked, dataVersion } = useApp();
  const patient = useQuery(`${patientId}/${dataVersion}`, () => client.call('patient.get', { patientId }), markLocked);
  const [twinVersion, setTwinVersion] = useState(0);
  const twin = useQuery(`${patientId}/${dataVersion}/${twinVersion}`, () => client.call('twin.get', { patientId }), markLocked);
  const [windowId, setWindowId] = useState<WindowId>('all');
  // The twin's series, once for every twin section, asked for at once with the patient and the twin (for all data
  // the core takes the window from the data; a shorter window ends at the newest stored reading).
  const lastDataMs = patient.value?.id === patientId && patient.value.streams.length > 0 ? Math.max(...patient.value.streams.map((s) => s.lastMs)) : undefined;
  const seriesWindow =
    windowId === 'all' || lastDataMs === undefined ? null : { fromMs: Math.floor(lastDataMs - (windowId === '14d' ? 14 : 1) * DAY_MS), toMs: Math.ceil(lastDataMs) };
  const twinSeries = useQuery(
    `${patientId}/${seriesWindow ? `${seriesWindow.fromMs}-${seriesWindow.toMs}` : 'all'}/${dataVersion}/${twinVersion}`,
    () => client.call('twin.series', { patientId, buckets: SERIES_BUCKETS, ...(seriesWindow ?? {}) }),
    markLocked,
  );
  const heading = useRef<HTMLHeadingElement>(null);
  const nowMs = useNow(3_600_000);
  const detail = patient.value;
  const loadedId = detail?.id;

  useEffect(() => {
    if (loadedId) heading.current?.focus();
  }, [loadedId]);

  // A twin update for this patient (new samples, a refit): fetch the twin and its series again.
  useEffect(() => {
    const subscription = client.stream('twin.updates', { patientId }).subscribe({
      next: () => setTwinVersion((n) => n + 1),
      // Refused (consent) or the connection ended: the page still shows what it has; the twin query reports errors.
      error: () => undefined,
    });
    return () => subscription.unsubscribe();
  }, [client, patientId]);

  const twinValue = twin.value?.patientId === patientId ? twin.value : undefined;
  const streams = useMemo(() => (detail ? orderStreams(detail.streams) : []), [detail]);
  const range = useMemo<TimeRange | undefined>(() => {
    if (streams.length === 0) return undefined;
    const first = Math.min(...streams.map((s) => s.firstMs));
    let last = Math.max(...streams.map((s) => s.lastMs));
    const lastData = last;
    const hf = twinValue?.twin?.hf;
    const projectionEnd = hf ? (hf.projection.fromDay + hf.projection.horizonDays) * DAY_MS + DAY_MS / 2 : undefined;
    const forecastEnd = twinValue?.twin?.glucose?.forecasts.at(-1)?.atMs;
    if (projectionEnd !== undefined) last = Math.max(last, projectionEnd);
    if (forecastEnd !== undefined) last = Math.max(last, forecastEnd);
    if (windowId === '14d') return { min: Math.max(first, lastData - 14 * DAY_MS), max: last };
    if (windowId === '1d') return { min: Math.max(first, lastData - DAY_MS), max: Math.max(lastData + HOUR_MS, forecastEnd ?? lastData) };
    return { min: first, max: last };
  }, [streams, twinValue, windowId]);

  if (!detail) {
    return (
      <main className="page">
        <BackLink />
        {patient.loading && <Loading>Loading the patient…</Loading>}
        {patient.error && (
          <ErrorNotice
            title="This patient could not be opened."
            error={patient.error}
            onRetry={patient.error.code === 'NOT_FOUND' ? undefined : patient.retry}
          />
        )}
      </main>
    );
  }

  const age = detail.birthDate ? ageYears(detail.birthDate, nowMs) : null;
  const cgm = streams.find((s) => s.code === STREAM.cgm);
  const hasHf = detail.conditions.includes('hf');
  const hasDiabetes = detail.conditions.includes('t1d') || detail.conditions.includes('t2d');
  const weightInTwin = hasHf && streams.some((s) => s.code === STREAM.weight);
  // Every other stored signal on the same axis; labs go to the timeline under the charts.
  const others = streams.filter(
    (s) => s.code !== STREAM.cgm && !(weightInTwin && s.code === STREAM.weight) && STREAMS.get(s.code)?.dataClass !== 'labs',
  );
  const twinForbidden = twin.error?.code === 'FORBIDDEN';
  // The charts' time axis reaches to the end of the twin's projection: wait for the twin (or its refusal) so the
  // charts are fetched and drawn once, not once without the projection and again with it.
  const twinSettled = twinValue !== undefined || twin.error !== undefined;
  const shownRange = twinSettled ? range : undefined;

  return (
    <main className="page patient-twin">
      <BackLink />
      <div className="patient-header">
        <div className="patient-title">
          <h1 ref={heading} tabIndex={-1}>
            {detail.name}
          </h1>
          {detail.demo && <DemoTag />}
        </div>
        <p className="patient-conditions">{detail.conditions.map((c) => CONDITION_LABEL[c]).join(' · ') || 'No conditions recorded'}</p>
        <dl className="facts">
          <div>
            <dt>Born</dt>
            <dd>
              {detail.birthDate ? formatCalendarDate(detail.birthDate) : 'unknown'}
              {age !== null && ` (${age} years)`}
            </dd>
          </div>
          {detail.sex && (
            <div>
              <dt>Sex</dt>
              <dd className="capitalise">{detail.sex}</dd>
            </div>
          )}
          <div>
            <dt>Patient’s time zone</dt>
            <dd>{detail.zone ?? 'unknown'}</dd>
          </div>
          <div>
            <dt>Stored records</dt>
            <dd>
              {detail.medications.length} medications · {detail.conditionRecords.length} coded conditions
            </dd>
          </div>
        </dl>
        <p className="muted">Times on this page are in your time zone, {viewerTimeZone()}.</p>
        <p>
          <a className="button" href={routeHref({ name: 'report', patientId: detail.id })}>
            Report and AGP (print or save as PDF)
          </a>
        </p>
      </div>
      {patient.error && <ErrorNotice title="This patient could not be updated." error={patient.error} onRetry={patient.retry} />}

      <AlertsPanel patientId={detail.id} />

      <section className="twin-area" aria-labelledby="twin-title">
        <h2 id="twin-title" className="twin-area-title">
          The patient’s twin
        </h2>
        {twin.error && !twinForbidden && <ErrorNotice title="The twin could not be loaded." error={twin.error} onRetry={twin.retry} />}
        {twinForbidden && <p className="notice">{twin.error?.message} The recorded signals are shown below without the model.</p>}
        {streams.length === 0 && <p className="muted">No device or lab data is stored for this patient yet.</p>}
        {streams.length > 0 && !twinSettled && !cgm && !hasHf && <Loading>Loading the twin…</Loading>}
        {shownRange && <WindowPicker value={windowId} onChange={setWindowId} />}
        {!twinForbidden && cgm && <GlucoseTwinSection info={cgm} range={shownRange} twin={twinValue?.twin} series={twinSeries} />}
        {shownRange && twinForbidden && cgm && <StreamSection patientId={detail.id} info={cgm} rangeMs={shownRange} />}
        {hasDiabetes && cgm && <AgpSlot patientId={detail.id} />}
        {!twinForbidden && hasHf && <HeartFailureTwinSection range={shownRange} twin={twinValue?.twin} series={twinSeries} />}
        {shownRange && twinForbidden && weightInTwin && streams.filter((s) => s.code === STREAM.weight).map((info) => <StreamSection key={info.code} patientId={detail.id} info={info} rangeMs={shownRange} />)}
        {shownRange &&
          others.map((info) => <StreamSection key={info.code} patientId={detail.id} info={info} rangeMs={shownRange} />)}
        {shownRange && <ClinicalTimeline patientId={detail.id} streams={streams} medications={detail.medications} range={shownRange} />}
      </section>

      <section className="stream" aria-labelledby="medications-title">
        <h2 id="medications-title">Medications</h2>
        <MedicationList medications={detail.medications} />
      </section>

      <ProgramPanel patientId={detail.id} />
      <ImportPanel patientId={detail.id} />
    </main>
  );
}
