/**
 * The session as the window sees it: the store's state from `session.status`, kept current by the
 * `store.events` stream (lock, unlock, new patients), and a data version that screens refetch on.
 */
import { createContext, useCallback, useContext, useEffect, useState } from 'react';
import { retry, timer } from 'rxjs';
import type { SessionStatus } from '../../shared/ipc/contract.js';
import { asIpcError, type CareTwinClient, type IpcError } from './ipc/client.js';

export type SessionView =
  | { readonly phase: 'starting' }
  | { readonly phase: 'unreachable'; readonly error: IpcError }
  | { readonly phase: 'ready'; readonly status: SessionStatus };

export interface Session {
  readonly view: SessionView;
  /** Bumped when the store says its patients changed: screens refetch. */
  readonly dataVersion: number;
  /** Set when live updates from the store stopped for good. */
  readonly liveError: IpcError | undefined;
  setStatus(status: SessionStatus): void;
  /** The store was found locked (an event, or a LOCKED answer): hide patient data now. */
  markLocked(): void;
  refresh(): void;
  /** Start over after the core could not be reached. */
  restart(): void;
}

export function useSession(client: CareTwinClient): Session {
  const [view, setView] = useState<SessionView>({ phase: 'starting' });
  const [dataVersion, setDataVersion] = useState(0);
  const [liveError, setLiveError] = useState<IpcError | undefined>(undefined);

  const refresh = useCallback(() => {
    client.call('session.status', {}).then(
      (status) => setView({ phase: 'ready', status }),
      // Once running, a failed refresh keeps the screen; the next action reports the problem.
      (error: unknown) => setView((v) => (v.phase === 'ready' ? v : { phase: 'unreachable', error: asIpcError(error) })),
    );
  }, [client]);

  const markLocked = useCallback(() => {
    setView((v) =>
      v.phase === 'ready' && v.status.state === 'unlocked'
        ? { phase: 'ready', status: { ...v.status, state: 'locked', demo: false, patientCount: null } }
        : v,
    );
    refresh();
  }, [refresh]);

  const setStatus = useCallback((status: SessionStatus) => setView({ phase: 'ready', status }), []);

  useEffect(() => {
    refresh();
  }, [refresh]);

  useEffect(() => {
    const subscription = client
      .stream('store.events', {})
      .pipe(retry({ count: 3, delay: (_error, attempt) => timer(1000 * attempt), resetOnSuccess: true }))
      .subscribe({
        next: (event) => {
          if (event.kind === 'locked') {
            markLocked();
            return;
          }
          refresh();
          if (event.kind === 'patients-changed') setDataVersion((n) => n + 1);
        },
        error: (error: unknown) => setLiveError(asIpcError(error)),
      });
    return () => subscription.unsubscribe();
  }, [client, refresh, markLocked]);

  const restart = useCallback(() => {
    setView({ phase: 'starting' });
    refresh();
  }, [refresh]);

  return { view, dataVersion, liveError, setStatus, markLocked, refresh, restart };
}

export interface AppServices {
  readonly client: CareTwinClient;
  readonly dataVersion: number;
  markLocked(): void;
}

export const AppContext = createContext<AppServices | null>(null);

export function useApp(): AppServices {
  const services = useContext(AppContext);
  if (!services) throw new Error('useApp outside <AppContext>');
  return services;
}
