/**
 * The care team's audit view: who did what, as which role, about which patient, and when (in the viewer's time
 * zone, named), newest first, filtered by patient, action and account, a page at a time; and whether the hash
 * chain is intact. Patients are named by the label the panel shows, nothing more.
 */
import { useEffect, useId, useState, type FormEvent } from 'react';
import { AUDIT_ACTIONS, type AuditAction } from '../../../shared/domain/consent.js';
import type { AuditEntryOut, PanelRow } from '../../../shared/ipc/contract.js';
import { ErrorNotice, Loading } from '../components/Notices.js';
import { formatCount, formatDateTime, viewerTimeZone } from '../format.js';
import { useApp } from '../session.js';
import { useQuery } from '../useQuery.js';

export const AUDIT_PAGE_SIZE = 50;

/** The actions in the care team's words. */
export const AUDIT_ACTION_LABEL: Readonly<Record<AuditAction, string>> = {
  'phi.read': 'Read patient data',
  'phi.denied': 'Refused access',
  export: 'Exported data',
  import: 'Imported data',
  sync: 'Synced data',
  'consent.set': 'Changed consent',
  'consent.revoke': 'Revoked consent',
  'retention.shred': 'Deleted data (retention or revocation)',
  'account.add': 'Added an account',
  'account.disable': 'Disabled an account',
  'account.enable': 'Enabled an account',
  'account.remove': 'Removed an account',
  'account.unlock': 'Signed in',
  'alert.action': 'Handled an alert',
  'patient.assign': 'Changed tags or assigned nurse',
  'settings.change': 'Changed a setting',
};

const ROLE_LABEL: Readonly<Record<string, string>> = { admin: 'Admin', clinician: 'Clinician', nurse: 'Nurse', patient: 'Patient' };
const ACCOUNT_ID = /^[A-Za-z0-9_.:-]{1,64}$/;

interface Filters {
  readonly patientId: string;
  readonly action: AuditAction | '';
  readonly actor: string;
}
const NO_FILTERS: Filters = { patientId: '', action: '', actor: '' };

/** What an entry's details say, for people: codes and counts only (the log holds nothing else). */
function describeDetails(e: AuditEntryOut): string {
  const d = e.details;
  const parts: string[] = [];
  for (const key of ['method', 'dataClass', 'account', 'role', 'setting', 'value', 'classes', 'host']) {
    const v = d[key];
    if (v === undefined || v === null) continue;
    parts.push(`${key}: ${Array.isArray(v) ? v.join(', ') : String(v)}`);
  }
  return parts.join('; ');
}

function Verification() {
  const { client, markLocked } = useApp();
  const [attempt, setAttempt] = useState(0);
  const verify = useQuery(`audit-verify/${attempt}`, () => client.call('audit.verify', {}), markLocked);
  return (
    <section className="card audit-verify" aria-labelledby="audit-verify-heading">
      <h2 id="audit-verify-heading">Chain check</h2>
      <div role="status" aria-live="polite">
        {verify.loading && <Loading>Checking every entry of the audit log…</Loading>}
        {!verify.loading && verify.value !== undefined && verify.value.ok && (
          <p className="audit-intact" data-result="intact">
            <strong>Intact:</strong> all {formatCount(verify.value.entries)} entries are as they were written.
          </p>
        )}
        {!verify.loading && verify.value !== undefined && !verify.value.ok && (
          <p className="audit-broken" data-result="broken">
            <strong>Broken at entry {verify.value.firstBrokenSeq}:</strong> {verify.value.reason} Entries from there on cannot be trusted;
            keep a copy of the data folder and report it.
          </p>
        )}
      </div>
      {verify.error && <ErrorNotice title="The audit log could not be checked." error={verify.error} onRetry={verify.retry} />}
      {!verify.loading && (
        <button type="button" className="button" onClick={() => setAttempt((n) => n + 1)}>
          Check again
        </button>
      )}
    </section>
  );
}

export function AuditScreen({ ownAccount }: { ownAccount: string | null }) {
  const { client, markLocked, dataVersion } = useApp();
  const zone = viewerTimeZone();
  const ids = useId();
  const [draft, setDraft] = useState<Filters>(NO_FILTERS);
  const [filters, setFilters] = useState<Filters>(NO_FILTERS);
  const [draftError, setDraftError] = useState<string | undefined>(undefined);
  // Cursors of the pages seen so far: [undefined] is the newest page; the last is the one shown.
  const [cursors, setCursors] = useState<(number | undefined)[]>([undefined]);
  const [refresh, setRefresh] = useState(0);
  const beforeSeq = cursors[cursors.length - 1];

  useEffect(() => {
    document.title = 'Audit log – CareTwin';
    return () => {
      document.title = 'CareTwin';
    };
  }, []);

  const patients = useQuery(`audit-patients/${dataVersion}`, () => client.call('panel.list', {}), markLocked);
  const key = `audit-page/${JSON.stringify(filters)}/${beforeSeq ?? 'newest'}/${refresh}`;
  const page = useQuery(
    key,
    () =>
      client.call('audit.page', {
        limit: AUDIT_PAGE_SIZE,
        ...(filters.patientId !== '' ? { patientId: filters.patientId } : {}),
        ...(filters.action !== '' ? { action: filters.action } : {}),
        ...(filters.actor !== '' ? { actor: filters.actor } : {}),
        ...(beforeSeq !== undefined ? { beforeSeq } : {}),
      }),
    markLocked,
  );

  const names = new Map<string, PanelRow>((patients.value ?? []).map((p) => [p.id, p]));
  const patientLabel = (id: string | null): string => {
    if (id === null) return '—';
    const p = names.get(id);
    if (p !== undefined) return p.name;
    return patients.value === undefined ? 'Loading…' : 'Patient no longer in the store';
  };

  function apply(event: FormEvent) {
    event.preventDefault();
    const actor = draft.actor.trim();
    if (actor !== '' && !ACCOUNT_ID.test(actor)) {
      setDraftError('An account id is letters, digits, dots, dashes or underscores, e.g. nurse-1a2b3c4d.');
      return;
    }
    setDraftError(undefined);
    setFilters({ ...draft, actor });
    setCursors([undefined]);
  }

  function clear() {
    setDraft(NO_FILTERS);
    setDraftError(undefined);
    setFilters(NO_FILTERS);
    setCursors([undefined]);
  }

  const shown = page.loading ? undefined : page.value;
  const first = (cursors.length - 1) * AUDIT_PAGE_SIZE;
  const filtered = filters.patientId !== '' || filters.action !== '' || filters.actor !== '';

  return (
    <main className="page audit-screen">
      <h1 className="page-heading">Audit log</h1>
      <p>Every read and change of patient data, every sign-in and account change, newest first. Times are in {zone}.</p>
      <Verification />

      <form className="card audit-filters" onSubmit={apply} aria-label="Filter the audit log" noValidate>
        <div className="filter-row">
          <div className="field">
            <label htmlFor={`${ids}-patient`}>Patient</label>
            <select id={`${ids}-patient`} value={draft.patientId} onChange={(e) => setDraft({ ...draft, patientId: e.target.value })}>
              <option value="">All patients</option>
              {(patients.value ?? []).map((p) => (
                <option key={p.id} value={p.id}>
                  {p.name}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor={`${ids}-action`}>Action</label>
            <select id={`${ids}-action`} value={draft.action} onChange={(e) => setDraft({ ...draft, action: e.target.value as AuditAction | '' })}>
              <option value="">All actions</option>
              {AUDIT_ACTIONS.map((a) => (
                <option key={a} value={a}>
                  {AUDIT_ACTION_LABEL[a]}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor={`${ids}-actor`}>Account</label>
            <input
              id={`${ids}-actor`}
              value={draft.actor}
              onChange={(e) => setDraft({ ...draft, actor: e.target.value })}
              spellCheck={false}
              autoComplete="off"
              placeholder="any"
              aria-invalid={draftError ? true : undefined}
              aria-describedby={draftError ? `${ids}-actor-error` : undefined}
            />
            {draftError && (
              <p className="field-error" id={`${ids}-actor-error`} role="alert">
                {draftError}
              </p>
            )}
          </div>
        </div>
        <div className="filter-actions">
          <button type="submit" className="button button-primary">
            Show entries
          </button>
          {ownAccount !== null && (
            <button
              type="button"
              className="button"
              onClick={() => {
                const mine = { ...NO_FILTERS, actor: ownAccount };
                setDraft(mine);
                setDraftError(undefined);
                setFilters(mine);
                setCursors([undefined]);
              }}
            >
              My entries
            </button>
          )}
          <button type="button" className="button button-quiet" onClick={clear}>
            Clear filters
          </button>
          <button type="button" className="button button-quiet" onClick={() => setRefresh((n) => n + 1)}>
            Refresh
          </button>
        </div>
      </form>

      <section aria-labelledby={`${ids}-entries`}>
        <h2 id={`${ids}-entries`}>Entries</h2>
        {page.error && <ErrorNotice title="The audit log could not be loaded." error={page.error} onRetry={page.retry} />}
        {page.loading && <Loading>Loading audit entries…</Loading>}
        {shown !== undefined && shown.entries.length === 0 && (
          <p className="notice" role="status">
            {filtered ? 'No entries match these filters.' : 'The audit log is empty.'}
          </p>
        )}
        {shown !== undefined && shown.entries.length > 0 && (
          <>
            <p role="status" className="audit-range">
              Entries {formatCount(first + 1)}–{formatCount(first + shown.entries.length)} of {formatCount(shown.total)}
              {filtered ? ' matching' : ''}, newest first
            </p>
            <div className="table-frame">
              <table className="admin-table audit-table">
                <caption>Audit log entries, newest first; times in {zone}</caption>
                <thead>
                  <tr>
                    <th scope="col">#</th>
                    <th scope="col">When ({zone})</th>
                    <th scope="col">Who</th>
                    <th scope="col">Role</th>
                    <th scope="col">What</th>
                    <th scope="col">Patient</th>
                    <th scope="col">Outcome</th>
                  </tr>
                </thead>
                <tbody>
                  {shown.entries.map((e) => (
                    <tr key={e.seq} data-action={e.action}>
                      <td className="num">{e.seq}</td>
                      <td>
                        <time dateTime={new Date(e.atMs).toISOString()}>{formatDateTime(e.atMs, { timeZone: zone })}</time>
                      </td>
                      <td className="mono">{e.actor}</td>
                      <td>{ROLE_LABEL[e.role] ?? e.role}</td>
                      <th scope="row">
                        {AUDIT_ACTION_LABEL[e.action]}
                        {describeDetails(e) !== '' && <span className="audit-details"> ({describeDetails(e)})</span>}
                      </th>
                      <td>{patientLabel(e.patientId)}</td>
                      <td>{e.outcome === 'ok' ? 'Done' : e.outcome === 'denied' ? 'Refused' : 'Failed'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </>
        )}
        {(cursors.length > 1 || (shown?.nextBeforeSeq ?? null) !== null) && (
          <nav className="pager" aria-label="Audit log pages">
            <button type="button" className="button" disabled={cursors.length <= 1 || page.loading} onClick={() => setCursors((c) => c.slice(0, -1))}>
              Newer entries
            </button>
            <button
              type="button"
              className="button"
              disabled={(shown?.nextBeforeSeq ?? null) === null}
              onClick={() => {
                const next = shown?.nextBeforeSeq;
                if (next !== undefined && next !== null) setCursors((c) => [...c, next]);
              }}
            >
              Older entries
            </button>
          </nav>
        )}
      </section>
    </main>
  );
}
