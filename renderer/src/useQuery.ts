/**
 * Runs a query when its key changes and keeps the last answer while a new one loads, so a refresh
 * after a store event does not blank the screen. A LOCKED answer tells the session (the store was
 * locked elsewhere), which then shows the unlock screen.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { asIpcError, type IpcError } from './ipc/client.js';

export interface Query<T> {
  /** The newest answer, possibly older than the current key while `loading`. */
  readonly value: T | undefined;
  /** The error of the newest attempt, if it failed. */
  readonly error: IpcError | undefined;
  readonly loading: boolean;
  retry(): void;
}

type Settled<T> = { readonly key: string; readonly value: T } | { readonly key: string; readonly error: IpcError };

/** The answers live as long as the component: unmounting it (for instance on lock) drops them. */
export function useQuery<T>(key: string, run: () => Promise<T>, onLocked: () => void): Query<T> {
  const [attempt, setAttempt] = useState(0);
  const [settled, setSettled] = useState<Settled<T> | undefined>(undefined);
  const [lastValue, setLastValue] = useState<T | undefined>(undefined);
  const runRef = useRef(run);
  useEffect(() => {
    runRef.current = run;
  });

  const requestKey = `${key}\u0000${attempt}`;
  useEffect(() => {
    let live = true;
    runRef.current().then(
      (value) => {
        if (!live) return;
        setSettled({ key: requestKey, value });
        setLastValue(() => value);
      },
      (error: unknown) => {
        if (!live) return;
        const ipcError = asIpcError(error);
        if (ipcError.code === 'LOCKED') onLocked();
        setSettled({ key: requestKey, error: ipcError });
      },
    );
    return () => {
      live = false;
    };
  }, [requestKey, onLocked]);

  const retry = useCallback(() => setAttempt((n) => n + 1), []);
  const current = settled !== undefined && settled.key === requestKey ? settled : undefined;
  return {
    value: lastValue,
    error: current !== undefined && 'error' in current ? current.error : undefined,
    loading: current === undefined,
    retry,
  };
}
