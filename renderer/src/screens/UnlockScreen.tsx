/** Open an existing store with its passcode. A wrong passcode is a message, a cleared field and the focus back in it. */
import { useEffect, useRef, useState, type FormEvent } from 'react';
import type { SessionStatus } from '../../../shared/ipc/contract.js';
import { PasscodeField } from '../components/PasscodeField.js';
import { asIpcError } from '../ipc/client.js';
import { useApp } from '../session.js';

export function UnlockScreen({ dataDir, onDone }: { dataDir: string; onDone: (status: SessionStatus) => void }) {
  const { client } = useApp();
  const [passcode, setPasscode] = useState('');
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
      onDone(await client.call('session.unlock', { passcode }));
    } catch (e) {
      setError(asIpcError(e).message);
      setPasscode('');
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
        <button type="submit" className="button button-primary" disabled={busy}>
          {busy && <span className="spinner" aria-hidden="true" />}
          {busy ? 'Unlocking…' : 'Unlock'}
        </button>
      </form>
    </main>
  );
}
