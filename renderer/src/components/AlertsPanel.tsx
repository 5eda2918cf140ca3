/**
 * A patient's alerts on the patient page: each with its reason, the data it used, when it was first and last
 * seen, and its state. Open alerts can be acknowledged; open or acknowledged ones resolved with a note (a
 * labelled text field; Enter in it or the button resolves). Everything is reachable by keyboard. The full
 * triage screens come later.
 */
import { useState } from 'react';
import type { AlertView } from '../../../shared/ipc/contract.js';
import { STREAMS } from '../../../shared/domain/streams.js';
import { asIpcError, type IpcError } from '../ipc/client.js';
import { formatCount, formatDateTime } from '../format.js';
import { useApp } from '../session.js';
import { useQuery } from '../useQuery.js';
import { ErrorNotice, Loading } from './Notices.js';

const STATE_TEXT: Record<AlertView['state'], string> = { open: 'Open', acknowledged: 'Acknowledged', resolved: 'Resolved' };

function dataUsedText(a: AlertView): string {
  const parts = a.dataUsed.streams.map((s) => `${STREAMS.get(s.stream)?.label ?? s.stream}: ${formatCount(s.count)} readings`);
  if (a.dataUsed.modelVersion) parts.push(`model ${a.dataUsed.modelVersion}`);
  return parts.join('; ') || 'no stored readings';
}

function AlertItem({ alert, onChanged }: { alert: AlertView; onChanged: () => void }) {
  const { client } = useApp();
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<IpcError | undefined>(undefined);
  const noteId = `alert-note-${alert.id}`;

  async function run(action: () => Promise<unknown>) {
    setBusy(true);
    setError(undefined);
    try {
      await action();
      setNote('');
      onChanged();
    } catch (e) {
      setError(asIpcError(e));
    } finally {
      setBusy(false);
    }
  }
  const acknowledge = () => run(() => client.call('alerts.acknowledge', { patientId: alert.patientId, alertId: alert.id }));
  const resolve = () => run(() => client.call('alerts.resolve', { patientId: alert.patientId, alertId: alert.id, note }));

  return (
    <li className={`alert-item alert-${alert.state}`} aria-label={`${STATE_TEXT[alert.state]} alert: ${alert.text}`}>
      <p className="alert-text">
        <strong>{STATE_TEXT[alert.state]}</strong>
        {alert.conditionClearedMs !== null && <span className="muted"> (condition cleared {formatDateTime(alert.conditionClearedMs)})</span>}
        {' · '}
        {alert.text}
      </p>
      <p className="muted">
        First seen {formatDateTime(alert.firstSeenMs)}, last seen {formatDateTime(alert.lastSeenMs)}
        {alert.seenCount > 1 && ` (${formatCount(alert.seenCount)} times)`}. Data used: {dataUsedText(alert)}.
      </p>
      {alert.acknowledged && (
        <p className="muted">
          Acknowledged by {alert.acknowledged.by}, {formatDateTime(alert.acknowledged.atMs)}.
        </p>
      )}
      {alert.resolved && (
        <p className="muted">
          Resolved by {alert.resolved.by}, {formatDateTime(alert.resolved.atMs)}: {alert.resolved.note}
        </p>
      )}
      {alert.state !== 'resolved' && (
        <form
          className="alert-actions"
          onSubmit={(e) => {
            e.preventDefault();
            if (note.trim() !== '') void resolve();
          }}
        >
          {alert.state === 'open' && (
            <button type="button" className="button" disabled={busy} onClick={() => void acknowledge()}>
              Acknowledge
            </button>
          )}
          <label htmlFor={noteId}>Resolution note</label>
          <input id={noteId} type="text" value={note} maxLength={2000} onChange={(e) => setNote(e.target.value)} disabled={busy} />
          <button type="submit" className="button" disabled={busy || note.trim() === ''}>
            Resolve
          </button>
        </form>
      )}
      {error && <ErrorNotice title="The alert could not be changed." error={error} />}
    </li>
  );
}

export function AlertsPanel({ patientId }: { patientId: string }) {
  const { client, markLocked, dataVersion } = useApp();
  const [version, setVersion] = useState(0);
  const [showResolved, setShowResolved] = useState(false);
  const alerts = useQuery(`${patientId}/${dataVersion}/${version}`, () => client.call('alerts.list', { patientId }), markLocked);
  const list = alerts.value ?? [];
  const active = list.filter((a) => a.state !== 'resolved');
  const resolved = list.filter((a) => a.state === 'resolved');
  const changed = () => setVersion((v) => v + 1);

  return (
    <section className="stream" aria-labelledby="alerts-title">
      <h2 id="alerts-title">Alerts</h2>
      {alerts.loading && alerts.value === undefined && <Loading>Loading alerts…</Loading>}
      {alerts.error && <ErrorNotice title="The alerts could not be loaded." error={alerts.error} onRetry={alerts.retry} />}
      {alerts.value !== undefined && active.length === 0 && <p className="muted">No open alerts.</p>}
      {active.length > 0 && (
        <ul className="alert-list" aria-label="Open and acknowledged alerts">
          {active.map((a) => (
            <AlertItem key={a.id} alert={a} onChanged={changed} />
          ))}
        </ul>
      )}
      {resolved.length > 0 && (
        <>
          <button type="button" className="button button-quiet" aria-expanded={showResolved} onClick={() => setShowResolved((s) => !s)}>
            {showResolved ? 'Hide' : 'Show'} {formatCount(resolved.length)} resolved
          </button>
          {showResolved && (
            <ul className="alert-list" aria-label="Resolved alerts">
              {resolved.map((a) => (
                <AlertItem key={a.id} alert={a} onChanged={changed} />
              ))}
            </ul>
          )}
        </>
      )}
    </section>
  );
}
