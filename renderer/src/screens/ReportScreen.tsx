/**
 * A patient's printable report (#/patient/<id>/report): a summary (conditions, open alerts with their reasons,
 * the twin's projections, data coverage, medications) and, where CGM is stored, the AGP. Laid out for A4 and
 * Letter by the @media print rules in styles.css. "Print / Save as PDF" uses the desktop app's printToPDF and
 * save dialog (report.pdf) where the host has them, the browser's print dialog (window.print()) in the web host.
 */
import { useEffect, useRef, useState } from 'react';
import type { AgpReportView, AlertView, PatientDetail, SessionStatus, TwinView } from '../../../shared/ipc/contract.js';
import { CONDITION_LABEL } from '../../../shared/domain/conditions.js';
import { STREAM, STREAMS } from '../../../shared/domain/streams.js';
import { AgpSection } from '../components/Agp.js';
import { DemoTag } from '../components/DemoTag.js';
import { MedicationList } from '../components/MedicationList.js';
import { ErrorNotice, Loading } from '../components/Notices.js';
import { asIpcError, type IpcError } from '../ipc/client.js';
import { formatCount, formatDate, formatDateTime, formatPercent, formatValue, viewerTimeZone } from '../format.js';
import { routeHref } from '../route.js';
import { useApp } from '../session.js';
import { lightThemeForPrint } from '../theme.js';
import { useQuery } from '../useQuery.js';

const PERIODS = [14, 30, 90] as const;
type Period = (typeof PERIODS)[number];
const DAY_MS = 86_400_000;

export interface ReportScreenProps {
  readonly patientId: string;
  /** Which host runs the window: the desktop app saves PDFs itself, the web host leaves it to the browser. */
  readonly host: SessionStatus['host'];
}

export function ReportScreen({ patientId, host }: ReportScreenProps) {
  const { client, markLocked, dataVersion } = useApp();
  const patient = useQuery(`report/${patientId}/${dataVersion}`, () => client.call('patient.get', { patientId }), markLocked);
  const [days, setDays] = useState<Period>(14);
  const [agp, setAgp] = useState<AgpReportView | undefined>(undefined);
  const [generatedMs] = useState(() => Date.now());
  const heading = useRef<HTMLHeadingElement>(null);
  const detail = patient.value;
  const loadedId = detail?.id;

  useEffect(() => {
    if (loadedId) heading.current?.focus();
  }, [loadedId]);

  if (!detail) {
    return (
      <main className="page report">
        <BackToPatient patientId={patientId} />
        {patient.loading && <Loading>Loading the report…</Loading>}
        {patient.error && (
          <ErrorNotice
            title="This report could not be opened."
            error={patient.error}
            onRetry={patient.error.code === 'NOT_FOUND' ? undefined : patient.retry}
          />
        )}
      </main>
    );
  }

  const hasCgm = detail.streams.some((s) => s.code === STREAM.cgm);
  const zone = agp?.agp.zone ?? detail.zone ?? viewerTimeZone();
  const toMs = agp?.agp.toMs ?? generatedMs;
  const fromMs = agp?.agp.fromMs ?? generatedMs - days * DAY_MS;

  return (
    <main className="page report">
      <div className="report-toolbar no-print">
        <BackToPatient patientId={patientId} />
        <label>
          Period{' '}
          <select value={days} onChange={(e) => setDays(Number(e.target.value) as Period)}>
            {PERIODS.map((d) => (
              <option key={d} value={d}>
                Last {d} days
              </option>
            ))}
          </select>
        </label>
        <PrintButton patientId={patientId} host={host} />
      </div>

      <header className="report-header">
        <div className="patient-title">
          <h1 ref={heading} tabIndex={-1}>
            Patient report: {detail.name}
          </h1>
          {detail.demo && <DemoTag />}
        </div>
        <dl className="facts report-facts">
          <div>
            <dt>Conditions</dt>
            <dd>{detail.conditions.map((c) => CONDITION_LABEL[c]).join(' · ') || 'none recorded'}</dd>
          </div>
          <div>
            <dt>Period</dt>
            <dd data-testid="report-period">
              {formatDate(fromMs, { timeZone: zone })} – {formatDate(toMs - 1, { timeZone: zone })} ({days} days)
            </dd>
          </div>
          <div>
            <dt>Time zone</dt>
            <dd>
              {zone}
              {agp?.zoneFrom === 'default' || (!agp && detail.zone === null) ? ' (the record names none: this computer’s)' : ''}
            </dd>
          </div>
          <div>
            <dt>Generated</dt>
            <dd>
              {formatDateTime(generatedMs)} ({viewerTimeZone()})
            </dd>
          </div>
          <div>
            <dt>CGM data sufficiency</dt>
            <dd data-testid="report-sufficiency">
              {!hasCgm
                ? 'no CGM stored'
                : agp === undefined
                  ? 'computing…'
                  : agp.agp.sufficiency.sufficient
                    ? `sufficient (${formatValue(agp.agp.periodDays, 0)} days, CGM active ${formatPercent(agp.agp.wearPct)})`
                    : `not sufficient (CGM active ${formatPercent(agp.agp.wearPct)}; ≥ 14 days and ≥ 70 % needed)`}
            </dd>
          </div>
        </dl>
      </header>

      <OpenAlerts patientId={patientId} zone={zone} />
      <TwinSummary patientId={patientId} />

      {hasCgm && (
        <div className="report-agp">
          <AgpSection key={days} patientId={patientId} days={days} onLoaded={setAgp} />
        </div>
      )}

      <DataCoverage detail={detail} zone={zone} />

      <section className="report-section" aria-labelledby="report-medications">
        <h2 id="report-medications">Medications</h2>
        <MedicationList medications={detail.medications} />
      </section>
    </main>
  );
}

function BackToPatient({ patientId }: { patientId: string }) {
  return (
    <a className="back-link" href={routeHref({ name: 'patient', patientId })}>
      <span aria-hidden="true">← </span>Patient record
    </a>
  );
}

/** Two animation frames: React has committed and chart.js has drawn with the print colours. */
function afterRedraw(): Promise<void> {
  return new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve())));
}

function PrintButton({ patientId, host }: { patientId: string; host: SessionStatus['host'] }) {
  const { client } = useApp();
  const [pageSize, setPageSize] = useState<'A4' | 'Letter'>('A4');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<IpcError | undefined>(undefined);
  const [saved, setSaved] = useState<string | undefined>(undefined);

  async function print() {
    setError(undefined);
    setSaved(undefined);
    setBusy(true);
    const restoreTheme = lightThemeForPrint();
    try {
      await afterRedraw();
      if (host !== 'electron') {
        // The browser's dialog prints or saves as PDF; @media print lays the page out.
        window.print();
      } else {
        const result = await client.call('report.pdf', { patientId, pageSize });
        if (result.saved && result.filePath) setSaved(result.filePath);
      }
    } catch (e) {
      setError(asIpcError(e));
    } finally {
      restoreTheme();
      setBusy(false);
    }
  }

  return (
    <div className="report-print">
      {host === 'electron' && (
        <label>
          Paper{' '}
          <select value={pageSize} onChange={(e) => setPageSize(e.target.value === 'Letter' ? 'Letter' : 'A4')}>
            <option value="A4">A4</option>
            <option value="Letter">Letter</option>
          </select>
        </label>
      )}
      <button type="button" className="button" onClick={() => void print()} disabled={busy}>
        {busy ? 'Saving…' : 'Print / Save as PDF'}
      </button>
      {saved && (
        <p role="status" className="muted">
          Saved as <span className="path">{saved}</span>
        </p>
      )}
      {error && <ErrorNotice title="The PDF was not saved." error={error} />}
    </div>
  );
}

function OpenAlerts({ patientId, zone }: { patientId: string; zone: string }) {
  const { client, markLocked, dataVersion } = useApp();
  const alerts = useQuery(`report-alerts/${patientId}/${dataVersion}`, () => client.call('alerts.list', { patientId, state: 'open' }), markLocked);
  return (
    <section className="report-section" aria-labelledby="report-alerts">
      <h2 id="report-alerts">Open alerts</h2>
      {alerts.error && <ErrorNotice title="Alerts could not be loaded." error={alerts.error} onRetry={alerts.retry} />}
      {!alerts.value && !alerts.error && <Loading>Loading alerts…</Loading>}
      {alerts.value?.length === 0 && <p>No open alerts.</p>}
      {alerts.value && alerts.value.length > 0 && (
        <ul className="report-alerts">
          {alerts.value.map((a) => (
            <ReportAlert key={a.id} alert={a} zone={zone} />
          ))}
        </ul>
      )}
    </section>
  );
}

function ReportAlert({ alert, zone }: { alert: AlertView; zone: string }) {
  const used = alert.dataUsed.streams
    .map((s) => `${STREAMS.get(s.stream)?.label ?? s.stream}: ${formatCount(s.count)} readings`)
    .join('; ');
  return (
    <li className={`report-alert severity-${alert.severity}`}>
      <p>
        <strong className="capitalise">{alert.severity}</strong> · first seen {formatDateTime(alert.firstSeenMs, { timeZone: zone })}
      </p>
      <p>{alert.text}</p>
      {alert.reason.signals.length > 0 && (
        <p className="muted">
          {alert.reason.signals
            .map((s) => `${s.label}: ${formatValue(s.value, Math.abs(s.value) < 10 ? 2 : 0)} ${s.unit}${s.threshold !== null ? ` (limit ${formatValue(s.threshold, Math.abs(s.threshold) < 10 ? 2 : 0)})` : ''}`)
            .join(' · ')}
        </p>
      )}
      {used && <p className="muted">Data used: {used}{alert.dataUsed.modelVersion ? ` · model ${alert.dataUsed.modelVersion}` : ''}</p>}
    </li>
  );
}

function bandText(b: { mean: number | null; lower80: number | null; upper80: number | null }, asPercent: boolean, decimals: number, unit = ''): string {
  if (b.mean === null) return '–';
  const f = (x: number) => (asPercent ? formatPercent(100 * x, decimals) : `${formatValue(x, decimals)}${unit}`);
  return b.lower80 !== null && b.upper80 !== null ? `${f(b.mean)} (80 %: ${f(b.lower80)} to ${f(b.upper80)})` : f(b.mean);
}

function TwinSummary({ patientId }: { patientId: string }) {
  const { client, markLocked, dataVersion } = useApp();
  const twin = useQuery(`report-twin/${patientId}/${dataVersion}`, () => client.call('twin.get', { patientId }), markLocked);
  if (twin.error) {
    if (twin.error.code === 'FORBIDDEN') return null;
    return <ErrorNotice title="The twin's projections could not be loaded." error={twin.error} onRetry={twin.retry} />;
  }
  if (!twin.value) return <Loading>Loading the twin…</Loading>;
  return <TwinTables view={twin.value} />;
}

function TwinTables({ view }: { view: TwinView }) {
  const t = view.twin;
  return (
    <section className="report-section" aria-labelledby="report-twin">
      <h2 id="report-twin">Projections of the twin</h2>
      {t === null ? (
        <p>The twin has not been computed for this patient yet; projections appear once it has.</p>
      ) : (
        <>
          <p className="muted">Computed {formatDateTime(t.computedMs)} · model {t.modelVersion} · 80 % bands in brackets.</p>
          {t.daily && (
            <table className="agp-table report-table">
              <caption>Glucose: projected over the coming days</caption>
              <thead>
                <tr>
                  <th scope="col">Window</th>
                  <th scope="col">Time in range 70–180 mg/dL</th>
                  <th scope="col">Below 70 mg/dL</th>
                  <th scope="col">Mean glucose</th>
                  <th scope="col">GMI</th>
                </tr>
              </thead>
              <tbody>
                {t.daily.windows.map((w) => (
                  <tr key={w.lengthDays}>
                    <th scope="row">next {w.lengthDays} days</th>
                    <td>{bandText(w.timeInRange, true, 0)}</td>
                    <td>{bandText(w.timeBelow70, true, 1)}</td>
                    <td>{bandText(w.meanGlucoseMgDl, false, 0, ' mg/dL')}</td>
                    <td>{bandText(w.gmiPct, false, 1, ' %')}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {t.hf && <HeartFailureSummary hf={t.hf} />}
          {!t.daily && !t.hf && <p>No projections: the twin holds no glucose or heart-failure model for this patient.</p>}
        </>
      )}
    </section>
  );
}

function HeartFailureSummary({ hf }: { hf: NonNullable<NonNullable<TwinView['twin']>['hf']> }) {
  const last = hf.projection.days.at(-1);
  const fluid = hf.fluidExcessKg;
  return (
    <table className="agp-table report-table">
      <caption>Heart failure: fluid and weight</caption>
      <tbody>
        <tr>
          <th scope="row">Congestion alert</th>
          <td>{hf.alertActive ? 'active' : 'not active'}</td>
        </tr>
        <tr>
          <th scope="row">Fluid above dry weight now</th>
          <td>{fluid.mean === null ? '–' : `${formatValue(fluid.mean, 1)} kg${fluid.sd !== null ? ` (± ${formatValue(fluid.sd, 1)} kg SD)` : ''}`}</td>
        </tr>
        {last && (
          <tr>
            <th scope="row">Projected weight in {hf.projection.horizonDays} days</th>
            <td>{bandText(last.weightKg, false, 1, ' kg')}</td>
          </tr>
        )}
        {hf.streams.map((s) => (
          <tr key={s.stream}>
            <th scope="row">{STREAMS.get(s.stream)?.label ?? s.stream}: days with readings</th>
            <td>
              {formatCount(s.readingDays)} (longest gap {formatCount(s.longestGapDays)} days)
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function DataCoverage({ detail, zone }: { detail: PatientDetail; zone: string }) {
  return (
    <section className="report-section" aria-labelledby="report-coverage">
      <h2 id="report-coverage">Data held</h2>
      {detail.streams.length === 0 ? (
        <p>No device or lab data is stored for this patient.</p>
      ) : (
        <table className="agp-table report-table">
          <caption className="visually-hidden">Stored streams: readings, first and last, days with data (dates in {zone})</caption>
          <thead>
            <tr>
              <th scope="col">Stream</th>
              <th scope="col">Readings</th>
              <th scope="col">Days with data</th>
              <th scope="col">First</th>
              <th scope="col">Last</th>
            </tr>
          </thead>
          <tbody>
            {detail.streams.map((s) => (
              <tr key={s.code}>
                <th scope="row">
                  {s.label} <span className="muted">({s.displayUnit})</span>
                </th>
                <td>{formatCount(s.count)}</td>
                <td>{formatCount(s.days)}</td>
                <td>{formatDate(s.firstMs, { timeZone: zone })}</td>
                <td>{formatDate(s.lastMs, { timeZone: zone })}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
