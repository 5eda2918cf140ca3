/** First run: create the encrypted store with a passcode typed twice. */
import { useState, type FormEvent } from 'react';
import type { SessionStatus } from '../../../shared/ipc/contract.js';
import { PasscodeField } from '../components/PasscodeField.js';
import { asIpcError } from '../ipc/client.js';
import { useApp } from '../session.js';

const MIN_LENGTH = 8;

export function SetupScreen({ dataDir, onDone }: { dataDir: string; onDone: (status: SessionStatus) => void }) {
  const { client } = useApp();
  const [passcode, setPasscode] = useState('');
  const [confirm, setConfirm] = useState('');
  const [submitted, setSubmitted] = useState(false);
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<string | undefined>(undefined);

  const passcodeError = passcode.length < MIN_LENGTH ? `The passcode needs at least ${MIN_LENGTH} characters.` : undefined;
  const confirmError = !passcodeError && confirm !== passcode ? 'The two passcodes differ. Type the same passcode twice.' : undefined;

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (busy) return;
    setSubmitted(true);
    setFailure(undefined);
    if (passcodeError || confirmError) {
      const firstInvalid = passcodeError ? 0 : 1;
      (event.currentTarget as HTMLFormElement).querySelectorAll('input')[firstInvalid]?.focus();
      return;
    }
    setBusy(true);
    try {
      onDone(await client.call('session.setup', { passcode, confirm }));
    } catch (error) {
      setFailure(asIpcError(error).message);
      setBusy(false);
    }
  }

  return (
    <main className="page page-center">
      <form className="card" onSubmit={submit} noValidate aria-busy={busy}>
        <h1>Create your CareTwin store</h1>
        <p>
          CareTwin keeps patient data encrypted on this computer, in a new store at <span className="path">{dataDir}</span>.
        </p>
        <p>
          Choose a passcode to protect it. <strong>Nobody can recover the data without this passcode</strong>, so keep it
          somewhere safe.
        </p>
        <PasscodeField
          label="Passcode"
          value={passcode}
          onChange={setPasscode}
          autoComplete="new-password"
          hint={`At least ${MIN_LENGTH} characters.`}
          error={submitted ? passcodeError : undefined}
          autoFocus
          readOnly={busy}
        />
        <PasscodeField
          label="Confirm passcode"
          value={confirm}
          onChange={setConfirm}
          autoComplete="new-password"
          error={submitted ? confirmError : undefined}
          readOnly={busy}
        />
        {failure && (
          <p className="form-error" role="alert">
            {failure}
          </p>
        )}
        <button type="submit" className="button button-primary" disabled={busy}>
          {busy && <span className="spinner" aria-hidden="true" />}
          {busy ? 'Creating store…' : 'Create store'}
        </button>
        {busy && (
          <p className="field-hint" role="status">
            Deriving the encryption key from your passcode and creating the store…
          </p>
        )}
      </form>
    </main>
  );
}
