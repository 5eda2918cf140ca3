/**
 * Account management (admins): every account with its role, status, patient, when it was made and last signed in;
 * add one (role, passcode typed twice, the patient for a patient account), disable or enable, remove (confirmed:
 * the account's key slot is destroyed). The header shows this screen to admins only; anyone else is refused by the
 * core, and sees why.
 */
import { useEffect, useId, useState, type FormEvent } from 'react';
import { ROLES, type Role } from '../../../shared/domain/consent.js';
import type { AccountOut, PanelRow } from '../../../shared/ipc/contract.js';
import { ErrorNotice, Loading } from '../components/Notices.js';
import { PasscodeField } from '../components/PasscodeField.js';
import { formatDateTime, viewerTimeZone } from '../format.js';
import { asIpcError, type IpcError } from '../ipc/client.js';
import { useApp } from '../session.js';
import { useQuery } from '../useQuery.js';

const ROLE_LABEL: Readonly<Record<Role, string>> = { admin: 'Admin', clinician: 'Clinician', nurse: 'Nurse', patient: 'Patient' };
const MIN_PASSCODE = 8;

function AddAccount({ patients, onAdded }: { patients: readonly PanelRow[] | undefined; onAdded: (account: AccountOut) => void }) {
  const { client, markLocked } = useApp();
  const ids = useId();
  const [role, setRole] = useState<Role>('nurse');
  const [patientId, setPatientId] = useState('');
  const [passcode, setPasscode] = useState('');
  const [confirm, setConfirm] = useState('');
  const [fieldError, setFieldError] = useState<{ field: 'patient' | 'passcode' | 'confirm'; message: string } | undefined>(undefined);
  const [error, setError] = useState<IpcError | undefined>(undefined);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (busy) return;
    setError(undefined);
    if (role === 'patient' && patientId === '') return setFieldError({ field: 'patient', message: 'Choose the patient this account is for.' });
    if (passcode.length < MIN_PASSCODE) return setFieldError({ field: 'passcode', message: `The passcode needs at least ${MIN_PASSCODE} characters.` });
    if (confirm !== passcode) return setFieldError({ field: 'confirm', message: 'The two passcodes differ. Type it again.' });
    setFieldError(undefined);
    setBusy(true);
    try {
      const added = await client.call('users.add', role === 'patient' ? { role, passcode, patientId } : { role, passcode });
      setPasscode('');
      setConfirm('');
      onAdded(added);
    } catch (e) {
      const ipc = asIpcError(e);
      if (ipc.code === 'LOCKED') markLocked();
      setError(ipc);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="card account-add" onSubmit={submit} noValidate aria-labelledby={`${ids}-heading`} aria-busy={busy}>
      <h2 id={`${ids}-heading`}>Add an account</h2>
      {error && <ErrorNotice title="The account was not added." error={error} />}
      <div className="field">
        <label htmlFor={`${ids}-role`}>Role</label>
        <select id={`${ids}-role`} value={role} onChange={(e) => setRole(e.target.value as Role)} disabled={busy}>
          {ROLES.map((r) => (
            <option key={r} value={r}>
              {ROLE_LABEL[r]}
            </option>
          ))}
        </select>
      </div>
      {role === 'patient' && (
        <div className="field">
          <label htmlFor={`${ids}-patient`}>Patient</label>
          <p className="field-hint" id={`${ids}-patient-hint`}>
            A patient account opens only this patient&apos;s record.
          </p>
          <select
            id={`${ids}-patient`}
            value={patientId}
            onChange={(e) => setPatientId(e.target.value)}
            disabled={busy}
            aria-invalid={fieldError?.field === 'patient' ? true : undefined}
            aria-describedby={`${ids}-patient-hint${fieldError?.field === 'patient' ? ` ${ids}-patient-error` : ''}`}
          >
            <option value="">Choose a patient…</option>
            {(patients ?? []).map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
              </option>
            ))}
          </select>
          {fieldError?.field === 'patient' && (
            <p className="field-error" id={`${ids}-patient-error`} role="alert">
              {fieldError.message}
            </p>
          )}
        </div>
      )}
      <PasscodeField
        label="New account passcode"
        value={passcode}
        onChange={setPasscode}
        autoComplete="new-password"
        hint={`At least ${MIN_PASSCODE} characters. The person signs in with the account id and this passcode.`}
        {...(fieldError?.field === 'passcode' ? { error: fieldError.message } : {})}
        announceError
        readOnly={busy}
      />
      <PasscodeField
        label="Confirm new account passcode"
        value={confirm}
        onChange={setConfirm}
        autoComplete="new-password"
        {...(fieldError?.field === 'confirm' ? { error: fieldError.message } : {})}
        announceError
        readOnly={busy}
      />
      <button type="submit" className="button button-primary" disabled={busy}>
        {busy && <span className="spinner" aria-hidden="true" />}
        {busy ? 'Adding… (securing the passcode)' : 'Add account'}
      </button>
    </form>
  );
}

export function AccountsScreen({ ownAccount }: { ownAccount: string | null }) {
  const { client, markLocked, dataVersion } = useApp();
  const zone = viewerTimeZone();
  const ids = useId();
  const [changes, setChanges] = useState(0);
  const accounts = useQuery(`accounts/${changes}`, () => client.call('users.list', {}), markLocked);
  const patients = useQuery(`account-patients/${dataVersion}`, () => client.call('panel.list', {}), markLocked);
  const [confirming, setConfirming] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState<string | undefined>(undefined);
  const [error, setError] = useState<IpcError | undefined>(undefined);
  const [notice, setNotice] = useState<string | undefined>(undefined);

  useEffect(() => {
    document.title = 'Accounts – CareTwin';
    return () => {
      document.title = 'CareTwin';
    };
  }, []);

  const names = new Map((patients.value ?? []).map((p) => [p.id, p.name]));

  async function act(account: string, run: () => Promise<unknown>, done: string) {
    setBusy(account);
    setError(undefined);
    setNotice(undefined);
    try {
      await run();
      setNotice(done);
      setConfirming(undefined);
      setChanges((n) => n + 1);
    } catch (e) {
      const ipc = asIpcError(e);
      if (ipc.code === 'LOCKED') markLocked();
      setError(ipc);
    } finally {
      setBusy(undefined);
    }
  }

  if (accounts.error && accounts.value === undefined) {
    return (
      <main className="page">
        <h1 className="page-heading">Accounts</h1>
        <ErrorNotice title="The accounts could not be loaded." error={accounts.error} onRetry={accounts.retry} />
      </main>
    );
  }
  if (accounts.value === undefined) {
    return (
      <main className="page">
        <h1 className="page-heading">Accounts</h1>
        <Loading>Loading accounts…</Loading>
      </main>
    );
  }

  return (
    <main className="page accounts-screen">
      <h1 className="page-heading">Accounts</h1>
      <p>Each account has its own passcode and key slot. Times are in {zone}.</p>
      {error && <ErrorNotice title="That did not work." error={error} />}
      <div role="status" aria-live="polite">
        {notice && <p className="notice notice-done">{notice}</p>}
      </div>
      <div className="table-frame">
        <table className="admin-table accounts-table" aria-labelledby={`${ids}-caption`}>
          <caption id={`${ids}-caption`}>Accounts</caption>
          <thead>
            <tr>
              <th scope="col">Account</th>
              <th scope="col">Role</th>
              <th scope="col">Status</th>
              <th scope="col">Patient</th>
              <th scope="col">Created</th>
              <th scope="col">Last sign-in</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {accounts.value.map((a) => {
              const owner = a.id === 'owner';
              const self = a.id === ownAccount;
              return (
                <tr key={a.id} data-account={a.id} data-status={a.status}>
                  <th scope="row" className="mono">
                    {a.id}
                    {owner && <span className="field-hint"> (the store&apos;s own passcode)</span>}
                    {self && <span className="field-hint"> (you)</span>}
                  </th>
                  <td>{ROLE_LABEL[a.role]}</td>
                  <td>{a.status === 'active' ? 'Active' : 'Disabled'}</td>
                  <td>{a.patientId === null ? '—' : (names.get(a.patientId) ?? 'Patient no longer in the store')}</td>
                  <td>{owner ? '—' : formatDateTime(a.createdMs, { timeZone: zone })}</td>
                  <td>{a.lastSignInMs === null || a.lastSignInMs === undefined ? 'Never' : formatDateTime(a.lastSignInMs, { timeZone: zone })}</td>
                  <td className="account-actions">
                    {!owner && confirming !== a.id && (
                      <>
                        <button
                          type="button"
                          className="button"
                          disabled={busy !== undefined}
                          onClick={() =>
                            void act(
                              a.id,
                              () => client.call('users.setStatus', { account: a.id, status: a.status === 'active' ? 'disabled' : 'active' }),
                              a.status === 'active' ? `${a.id} is disabled: it cannot sign in.` : `${a.id} is enabled again.`,
                            )
                          }
                        >
                          {a.status === 'active' ? `Disable ${a.id}` : `Enable ${a.id}`}
                        </button>{' '}
                        <button type="button" className="button" disabled={busy !== undefined} onClick={() => setConfirming(a.id)}>
                          Remove {a.id}
                        </button>
                      </>
                    )}
                    {!owner && confirming === a.id && (
                      <div role="group" aria-label={`Confirm: remove ${a.id}`} className="confirm-group">
                        <p>
                          Removing {a.id} destroys its key slot: its passcode will never open this store again. Patient data is kept. This
                          cannot be undone.
                        </p>
                        <button
                          type="button"
                          className="button button-danger"
                          disabled={busy !== undefined}
                          onClick={() =>
                            void act(a.id, () => client.call('users.remove', { account: a.id }), `${a.id} is removed and its key slot destroyed.`)
                          }
                        >
                          Remove and destroy key slot
                        </button>{' '}
                        <button type="button" className="button" disabled={busy !== undefined} onClick={() => setConfirming(undefined)}>
                          Keep account
                        </button>
                      </div>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <AddAccount
        patients={patients.value}
        onAdded={(added) => {
          setError(undefined);
          setNotice(`Added ${added.id} (${ROLE_LABEL[added.role]}). Give the person this account id and the passcode.`);
          setChanges((n) => n + 1);
        }}
      />
    </main>
  );
}
