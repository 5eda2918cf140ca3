/** Open an existing store with its passcode. A wrong passcode is a message, a cleared field and the focus back in it. */
import { useEffect, useRef, useState, type FormEvent } from 'react';
import type { SessionStatus } from '../../../shared/ipc/contract.js';
import { PasscodeField } from '../components/PasscodeField.js';
import { asIpcError } from '../ipc/client.js';
import { useApp } from '../session.js';

export function UnlockScreen({
  dataDir,
  onDone,
  quickUnlock,
}: {
  dataDir: string;
  onDone: (status: SessionStatus) => void;
  /** Desktop app only (main/core/session/quick-unlock.ts): offered, and ready once remembered in this run. */
  quickUnlock?: SessionStatus['quickUnlock'];
}) {
  const { client } = useApp();
  const [remember, setRemember] = useState(false);
  const [passcode, setPasscode] = useState('');
  const [account, setAccount] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>(undefined);
  const [failures, setFailures] = useState(0);
  const input = useRef<HTMLInputElement>(null);

  useEffect(() => {
    if (failures > 0) input.current?.focus();
  }, [failures]);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (busy) return;
    if (passcode.length === 0) {
      setError('Enter the passcode of this store.');
      input.current?.focus();
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      const id = account.trim();
      const rememberIt = quickUnlock?.offered === true && remember ? { remember: true } : {};
      onDone(await client.call('session.unlock', id === '' ? { passcode, ...rememberIt } : { passcode, account: id, ...rememberIt }));
    } catch (e) {
      setError(asIpcError(e).message);
      setPasscode('');
      setBusy(false);
      setFailures((n) => n + 1);
    }
  }

  async function quick() {
    if (busy) return;
    setBusy(true);
    setError(undefined);
    try {
      onDone(await client.call('session.quickUnlock', {}));
    } catch (e) {
      // Refused or forgotten (e.g. the account was disabled): the passcode it is.
      setError(asIpcError(e).message);
      setBusy(false);
      setFailures((n) => n + 1);
    }
  }

  return (
    <main className="page page-center">
      <form className="card" onSubmit={submit} noValidate aria-busy={busy}>
        <h1>Unlock CareTwin</h1>
        <p>
          Store at <span className="path">{dataDir}</span>
        </p>
        <div className="field">
          <label htmlFor="unlock-account">Account</label>
          <input
            id="unlock-account"
            value={account}
            onChange={(e) => setAccount(e.target.value)}
            autoComplete="username"
            spellCheck={false}
            readOnly={busy}
            aria-describedby="unlock-account-hint"
          />
          <p className="field-hint" id="unlock-account-hint">
            Your account id, e.g. nurse-1a2b3c4d. Leave it empty to use the store&apos;s own passcode.
          </p>
        </div>
        <PasscodeField
          ref={input}
          label="Passcode"
          value={passcode}
          onChange={setPasscode}
          autoComplete="current-password"
          error={error}
          announceError
          autoFocus
          readOnly={busy}
        />
        {quickUnlock?.offered && (
          <div className="field field-check">
            <input id="unlock-remember" type="checkbox" checked={remember} onChange={(e) => setRemember(e.target.checked)} disabled={busy} />
            <label htmlFor="unlock-remember">Remember until CareTwin quits (quick unlock after a lock)</label>
          </div>
        )}
        <button type="submit" className="button button-primary" disabled={busy}>
          {busy && <span className="spinner" aria-hidden="true" />}
          {busy ? 'Unlocking…' : 'Unlock'}
        </button>
        {quickUnlock?.ready && (
          <button type="button" className="button" disabled={busy} onClick={() => void quick()}>
            Quick unlock
          </button>
        )}
      </form>
    </main>
  );
}
