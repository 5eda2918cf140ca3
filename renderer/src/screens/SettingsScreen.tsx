/**
 * Settings: the auto-lock period (admins change it; applied at once, kept in the store, audited as a settings
 * change) and, in the desktop app, the remembered quick unlock of this run.
 */
import { useEffect, useId, useState, type FormEvent } from 'react';
import { AUTO_LOCK_MAX_MINUTES, type SessionStatus } from '../../../shared/ipc/contract.js';
import { ErrorNotice, Loading } from '../components/Notices.js';
import { asIpcError, type IpcError } from '../ipc/client.js';
import { useApp } from '../session.js';
import { useQuery } from '../useQuery.js';

function describeAutoLock(minutes: number): string {
  if (minutes === 0) return 'CareTwin never locks by itself.';
  return `CareTwin locks after ${minutes} minute${minutes === 1 ? '' : 's'} without activity.`;
}

export function SettingsScreen({ status, onStatus }: { status: SessionStatus; onStatus: (status: SessionStatus) => void }) {
  const { client, markLocked } = useApp();
  const ids = useId();
  const [changes, setChanges] = useState(0);
  const settings = useQuery(`settings/${changes}`, () => client.call('settings.get', {}), markLocked);
  const [draft, setDraft] = useState<string | undefined>(undefined);
  const [fieldError, setFieldError] = useState<string | undefined>(undefined);
  const [error, setError] = useState<IpcError | undefined>(undefined);
  const [saved, setSaved] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    document.title = 'Settings – CareTwin';
    return () => {
      document.title = 'CareTwin';
    };
  }, []);

  async function save(event: FormEvent) {
    event.preventDefault();
    if (busy || settings.value === undefined) return;
    const text = (draft ?? String(settings.value.autoLockMinutes)).trim();
    const minutes = Number(text);
    if (text === '' || !Number.isInteger(minutes) || minutes < 0 || minutes > AUTO_LOCK_MAX_MINUTES) {
      setFieldError(`Enter whole minutes from 0 (never) to ${AUTO_LOCK_MAX_MINUTES}.`);
      return;
    }
    setFieldError(undefined);
    setError(undefined);
    setSaved(undefined);
    setBusy(true);
    try {
      const next = await client.call('settings.setAutoLock', { minutes });
      setSaved(`Saved. ${describeAutoLock(next.autoLockMinutes)}`);
      setDraft(undefined);
      setChanges((n) => n + 1);
    } catch (e) {
      const ipc = asIpcError(e);
      if (ipc.code === 'LOCKED') markLocked();
      setError(ipc);
    } finally {
      setBusy(false);
    }
  }

  async function forgetQuickUnlock() {
    setError(undefined);
    try {
      onStatus(await client.call('session.forgetQuickUnlock', {}));
      setSaved('The remembered unlock is forgotten: the passcode is needed after the next lock.');
    } catch (e) {
      setError(asIpcError(e));
    }
  }

  return (
    <main className="page settings-screen">
      <h1 className="page-heading">Settings</h1>
      {error && <ErrorNotice title="That did not work." error={error} />}
      <div role="status" aria-live="polite">
        {saved && <p className="notice notice-done">{saved}</p>}
      </div>
      <section className="card" aria-labelledby={`${ids}-autolock`}>
        <h2 id={`${ids}-autolock`}>Auto-lock</h2>
        {settings.error && <ErrorNotice title="The settings could not be loaded." error={settings.error} onRetry={settings.retry} />}
        {settings.value === undefined && !settings.error && <Loading>Loading settings…</Loading>}
        {settings.value !== undefined && (
          <>
            <p data-testid="auto-lock-current">{describeAutoLock(settings.value.autoLockMinutes)}</p>
            {settings.value.canChange ? (
              <form onSubmit={save} noValidate aria-busy={busy}>
                <div className="field">
                  <label htmlFor={`${ids}-minutes`}>Lock after this many minutes without activity</label>
                  <p className="field-hint" id={`${ids}-minutes-hint`}>
                    0 means never. Applies at once, to everyone using this store.
                  </p>
                  <input
                    id={`${ids}-minutes`}
                    type="number"
                    inputMode="numeric"
                    min={0}
                    max={AUTO_LOCK_MAX_MINUTES}
                    step={1}
                    value={draft ?? String(settings.value.autoLockMinutes)}
                    onChange={(e) => setDraft(e.target.value)}
                    readOnly={busy}
                    aria-invalid={fieldError ? true : undefined}
                    aria-describedby={`${ids}-minutes-hint${fieldError ? ` ${ids}-minutes-error` : ''}`}
                  />
                  {fieldError && (
                    <p className="field-error" id={`${ids}-minutes-error`} role="alert">
                      {fieldError}
                    </p>
                  )}
                </div>
                <button type="submit" className="button button-primary" disabled={busy}>
                  Save auto-lock
                </button>
              </form>
            ) : (
              <p className="field-hint">Only an admin changes this.</p>
            )}
          </>
        )}
      </section>
      {status.quickUnlock?.offered && (
        <section className="card" aria-labelledby={`${ids}-quick`}>
          <h2 id={`${ids}-quick`}>Quick unlock</h2>
          {status.quickUnlock.ready ? (
            <>
              <p>
                This computer remembers your last unlock until CareTwin quits: after a lock, you can open it again without the passcode.
              </p>
              <button type="button" className="button" onClick={() => void forgetQuickUnlock()}>
                Forget the remembered unlock
              </button>
            </>
          ) : (
            <p>
              Not remembered. Tick &quot;Remember until CareTwin quits&quot; when you unlock with your passcode to use it; the passcode is
              always needed once after CareTwin starts.
            </p>
          )}
        </section>
      )}
    </main>
  );
}
