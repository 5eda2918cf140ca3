/**
 * The patient's own screen: for each kind of data, in plain words, what CareTwin holds, who may see it, how long it
 * is kept, and a way to stop sharing it (which deletes it for good); then who has looked at the record and when.
 */
import { useState } from 'react';
import { DATA_CLASS_LABEL, DATA_CLASSES, type ClassConsent, type DataClass } from '../../../shared/domain/consent.js';
import { STREAMS } from '../../../shared/domain/streams.js';
import type { AuditEntryOut, PatientDetail } from '../../../shared/ipc/contract.js';
import { ErrorNotice, Loading } from '../components/Notices.js';
import { formatCount, formatDate, formatDateTime } from '../format.js';
import { asIpcError, type IpcError } from '../ipc/client.js';
import { useApp } from '../session.js';
import { useQuery } from '../useQuery.js';

const ROLE_WORDS: Record<string, string> = {
  admin: 'administrators',
  clinician: 'your doctors',
  nurse: 'your nurses',
  patient: 'you',
};

const ACTION_WORDS: Record<string, string> = {
  'phi.read': 'looked at your record',
  'phi.denied': 'was refused access to your record',
  export: 'downloaded your data',
  import: 'added data to your record',
  sync: 'brought in data from a connected service',
  'consent.set': 'changed your sharing choices',
  'consent.revoke': 'stopped sharing some of your data',
  'retention.shred': 'deleted some of your data for good',
  'account.add': 'created an account for you',
  'account.disable': 'paused your account',
  'account.enable': 'turned your account back on',
  'account.remove': 'removed your account',
  'account.unlock': 'signed in',
  'alert.action': 'handled an alert about you',
};

function whoMaySee(c: ClassConsent): string {
  const p = c.provision;
  if (p.status === 'deny') return 'No one: you stopped sharing this, and what was kept was deleted.';
  const people = p.roles.filter((r) => r !== 'patient').map((r) => ROLE_WORDS[r] ?? r);
  const why = p.purposes.includes('research') ? 'your care and research' : 'your care';
  return people.length === 0 ? 'Only you.' : `You, and ${people.join(', ')}, for ${why}.`;
}

function howLong(c: ClassConsent): string {
  const p = c.provision;
  if (p.status === 'deny') return 'Nothing is kept.';
  if (p.retentionDays === null) return 'Kept until you stop sharing it.';
  return `Kept until ${formatDate(p.periodStartMs + p.retentionDays * 86_400_000)}, then deleted for good.`;
}

function whatWeHave(dataClass: DataClass, detail: PatientDetail | undefined): string {
  if (detail === undefined) return '';
  if (dataClass === 'medications') {
    const n = detail.medications.length;
    return n === 0 ? 'Nothing stored.' : `${formatCount(n)} medication${n === 1 ? '' : 's'}.`;
  }
  const streams = detail.streams.filter((s) => STREAMS.get(s.code)?.dataClass === dataClass);
  if (streams.length === 0) return 'Nothing stored.';
  return streams.map((s) => `${s.label}: ${formatCount(s.count)} readings, ${formatDate(s.firstMs)} to ${formatDate(s.lastMs)}`).join('; ') + '.';
}

export function ConsentScreen({ patientId }: { patientId: string }) {
  const { client, markLocked, dataVersion } = useApp();
  const [changes, setChanges] = useState(0);
  const key = `${patientId}/${dataVersion}/${changes}`;
  const consent = useQuery(`consent/${key}`, () => client.call('consent.get', { patientId }), markLocked);
  const detail = useQuery(`self/${key}`, () => client.call('patient.get', { patientId }), markLocked);
  const audit = useQuery(`audit/${key}`, () => client.call('audit.list', { patientId }), markLocked);
  const [confirming, setConfirming] = useState<DataClass | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<IpcError | undefined>(undefined);

  async function stopSharing(dataClass: DataClass) {
    setBusy(true);
    setError(undefined);
    try {
      await client.call('consent.revoke', { patientId, dataClass });
      setConfirming(undefined);
      setChanges((n) => n + 1);
    } catch (e) {
      setError(asIpcError(e));
    } finally {
      setBusy(false);
    }
  }

  async function download() {
    setBusy(true);
    setError(undefined);
    try {
      const exported = await client.call('patient.exportFhir', { patientId });
      const blob = new Blob([JSON.stringify(exported.bundle)], { type: 'application/fhir+json' });
      const url = URL.createObjectURL(blob);
      const a = document.createElement('a');
      a.href = url;
      a.download = 'my-caretwin-data.fhir.json';
      a.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      setChanges((n) => n + 1);
    } catch (e) {
      setError(asIpcError(e));
    } finally {
      setBusy(false);
    }
  }

  if (consent.error) return <main className="page"><ErrorNotice title="Your sharing choices could not be loaded." error={consent.error} onRetry={consent.retry} /></main>;
  if (consent.value === undefined) return <main className="page"><Loading>Loading your sharing choices…</Loading></main>;
  const byClass = new Map(consent.value.map((c) => [c.dataClass, c]));

  return (
    <main className="page consent-screen">
      <h1 className="page-heading">Your data and who sees it</h1>
      <p>Each kind of data below is kept locked with its own key. When you stop sharing one, its key and everything in it are deleted for good.</p>
      {error && <ErrorNotice title="That did not work." error={error} />}
      <p>
        <button type="button" className="button" disabled={busy} onClick={() => void download()}>
          Download my data
        </button>{' '}
        <span className="field-hint">A FHIR file with everything above that CareTwin still holds.</span>
      </p>
      {DATA_CLASSES.map((dataClass) => {
        const c = byClass.get(dataClass);
        if (c === undefined) return null;
        const label = DATA_CLASS_LABEL[dataClass];
        const headingId = `consent-${dataClass}`;
        return (
          <section key={dataClass} className="card consent-class" aria-labelledby={headingId} data-class={dataClass}>
            <h2 id={headingId}>{label}</h2>
            <dl>
              <dt>What CareTwin holds</dt>
              <dd>{whatWeHave(dataClass, detail.value)}</dd>
              <dt>Who may see it</dt>
              <dd>{whoMaySee(c)}</dd>
              <dt>How long it is kept</dt>
              <dd>{howLong(c)}</dd>
            </dl>
            {c.provision.status === 'permit' &&
              (confirming === dataClass ? (
                <div role="group" aria-label={`Confirm: stop sharing ${label}`}>
                  <p>This deletes all your {label.toLowerCase()} data for good. It cannot be brought back.</p>
                  <button type="button" className="button button-primary" disabled={busy} onClick={() => void stopSharing(dataClass)}>
                    Stop sharing and delete
                  </button>{' '}
                  <button type="button" className="button" disabled={busy} onClick={() => setConfirming(undefined)}>
                    Keep sharing
                  </button>
                </div>
              ) : (
                <button type="button" className="button" onClick={() => setConfirming(dataClass)}>
                  Stop sharing {label}
                </button>
              ))}
          </section>
        );
      })}
      <section className="card" aria-labelledby="consent-audit">
        <h2 id="consent-audit">Who has looked at your record</h2>
        {audit.error && <ErrorNotice title="The list could not be loaded." error={audit.error} onRetry={audit.retry} />}
        {audit.value !== undefined && audit.value.length === 0 && <p>No one yet.</p>}
        {audit.value !== undefined && audit.value.length > 0 && (
          <table aria-label="Who has looked at your record">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Who</th>
                <th scope="col">What</th>
              </tr>
            </thead>
            <tbody>
              {[...audit.value].reverse().slice(0, 200).map((e: AuditEntryOut) => (
                <tr key={e.seq}>
                  <td>{formatDateTime(e.atMs)}</td>
                  <td>{e.role === 'patient' ? 'You' : `${ROLE_WORDS[e.role] ?? e.role} (${e.actor})`}</td>
                  <td>{ACTION_WORDS[e.action] ?? e.action}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </main>
  );
}
