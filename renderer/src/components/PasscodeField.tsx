/** A labelled password input with an optional hint and an inline error, tied together for screen readers. */
import { useId, type Ref } from 'react';

export interface PasscodeFieldProps {
  readonly label: string;
  readonly value: string;
  readonly onChange: (value: string) => void;
  readonly autoComplete: 'new-password' | 'current-password';
  readonly hint?: string;
  readonly error?: string;
  /** Announce the error when it appears (it follows an action, not typing). */
  readonly announceError?: boolean;
  readonly autoFocus?: boolean;
  readonly readOnly?: boolean;
  readonly ref?: Ref<HTMLInputElement>;
}

export function PasscodeField({ label, value, onChange, autoComplete, hint, error, announceError, autoFocus, readOnly, ref }: PasscodeFieldProps) {
  const id = useId();
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const describedBy = [hint ? hintId : null, error ? errorId : null].filter(Boolean).join(' ') || undefined;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {hint && (
        <p className="field-hint" id={hintId}>
          {hint}
        </p>
      )}
      <input
        ref={ref}
        id={id}
        type="password"
        value={value}
        onChange={(e) => onChange(e.target.value)}
        autoComplete={autoComplete}
        autoFocus={autoFocus}
        readOnly={readOnly}
        spellCheck={false}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy}
      />
      {error && (
        <p className="field-error" id={errorId} role={announceError ? 'alert' : undefined}>
          {error}
        </p>
      )}
    </div>
  );
}
