/** One patient: who they are, each stored stream charted on a shared time axis, and their medications. */
import { useEffect, useRef } from 'react';
import type { StreamInfo } from '../../../shared/ipc/contract.js';
import { CONDITION_LABEL } from '../../../shared/domain/conditions.js';
import { STREAMS } from '../../../shared/domain/streams.js';
import { DemoTag } from '../components/DemoTag.js';
import { MedicationList } from '../components/MedicationList.js';
import { ImportPanel } from '../components/ImportPanel.js';
import { AlertsPanel } from '../components/AlertsPanel.js';
import { ProgramPanel } from '../components/ProgramPanel.js';
import { ErrorNotice, Loading } from '../components/Notices.js';
import { StreamSection } from '../components/StreamSection.js';
import { ageYears, formatCalendarDate, viewerTimeZone } from '../format.js';
import { useApp } from '../session.js';
import { useQuery } from '../useQuery.js';
import { useNow } from '../useNow.js';

const STREAM_ORDER = [...STREAMS.keys()];

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

export function PatientScreen({ patientId }: { patientId: string }) {
  const { client, markLocked, dataVersion } = useApp();
  const patient = useQuery(`${patientId}/${dataVersion}`, () => client.call('patient.get', { patientId }), markLocked);
  const heading = useRef<HTMLHeadingElement>(null);
  const nowMs = useNow(3_600_000);
  const detail = patient.value;
  const loadedId = detail?.id;

  useEffect(() => {
    if (loadedId) heading.current?.focus();
  }, [loadedId]);

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

  const streams = orderStreams(detail.streams);
  const rangeMs =
    streams.length > 0 ? { min: Math.min(...streams.map((s) => s.firstMs)), max: Math.max(...streams.map((s) => s.lastMs)) } : undefined;
  const age = detail.birthDate ? ageYears(detail.birthDate, nowMs) : null;

  return (
    <main className="page">
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
      </div>
      {patient.error && <ErrorNotice title="This patient could not be updated." error={patient.error} onRetry={patient.retry} />}

      <AlertsPanel patientId={detail.id} />
      <ProgramPanel patientId={detail.id} />

      <ImportPanel patientId={detail.id} />

      {streams.length === 0 && <p className="muted">No device or lab data is stored for this patient yet.</p>}
      {streams.map((info) => (
        <StreamSection key={info.code} patientId={detail.id} info={info} rangeMs={rangeMs} />
      ))}

      <section className="stream" aria-labelledby="medications-title">
        <h2 id="medications-title">Medications</h2>
        <MedicationList medications={detail.medications} />
      </section>
    </main>
  );
}
