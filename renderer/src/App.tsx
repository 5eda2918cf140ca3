/** The window: the header bar, then the screen the session calls for (setup, unlock, or the workspace). */
import { useEffect, useMemo, useState } from 'react';
import { HeaderBar } from './components/HeaderBar.js';
import { isCareTeam, useAdminRoute } from './components/AdminNav.js';
import { ErrorNotice, Loading } from './components/Notices.js';
import { asIpcError, type CareTwinClient, type IpcError } from './ipc/client.js';
import { CannotStartScreen } from './screens/CannotStartScreen.js';
import { AccountsScreen } from './screens/AccountsScreen.js';
import { AuditScreen } from './screens/AuditScreen.js';
import { ConsentScreen } from './screens/ConsentScreen.js';
import { SettingsScreen } from './screens/SettingsScreen.js';
import { SetupScreen } from './screens/SetupScreen.js';
import { UnlockScreen } from './screens/UnlockScreen.js';
import { preloadPatientScreen, Workspace } from './screens/Workspace.js';
import { AppContext, useSession, type AppServices } from './session.js';

export function App({ client }: { client: CareTwinClient }) {
  const session = useSession(client);
  const { markLocked, dataVersion, setStatus } = session;
  const [locking, setLocking] = useState(false);
  const [lockError, setLockError] = useState<IpcError | undefined>(undefined);
  const services = useMemo<AppServices>(() => ({ client, markLocked, dataVersion }), [client, markLocked, dataVersion]);
  // The patient page's code (its charts) loads with the first patient opened; fetch it once the window is idle after
  // unlocking, so that the first patient opened draws as fast as the next (the panel still loads without it).
  const unlocked = session.view.phase === 'ready' && session.view.status.state === 'unlocked';
  useEffect(() => {
    if (!unlocked) return;
    const id = window.requestIdleCallback(() => void preloadPatientScreen().catch(() => undefined), { timeout: 10_000 });
    return () => window.cancelIdleCallback(id);
  }, [unlocked]);
  const adminRoute = useAdminRoute();

  const view = session.view;
  if (view.phase === 'starting') {
    return (
      <main className="page page-center">
        <Loading>Starting CareTwin…</Loading>
      </main>
    );
  }
  if (view.phase === 'unreachable') return <CannotStartScreen message={view.error.message} onRetry={session.restart} />;
  const status = view.status;

  async function lock() {
    setLocking(true);
    setLockError(undefined);
    try {
      setStatus(await client.call('session.lock', {}));
    } catch (error) {
      setLockError(asIpcError(error));
    } finally {
      setLocking(false);
    }
  }

  return (
    <AppContext value={services}>
      <HeaderBar status={status} locking={locking} onLock={lock} />
      {session.liveError && (
        <div className="live-warning" role="alert">
          <p>
            Live updates from the store stopped: {session.liveError.message} New data and locking elsewhere will not show until you
            reload.
          </p>
          <button type="button" className="button" onClick={() => window.location.reload()}>
            Reload
          </button>
        </div>
      )}
      {lockError && <ErrorNotice title="CareTwin could not be locked." error={lockError} onRetry={lock} />}
      {status.state === 'uninitialised' && <SetupScreen dataDir={status.dataDir} onDone={setStatus} />}
      {status.state === 'locked' && <UnlockScreen dataDir={status.dataDir} onDone={setStatus} quickUnlock={status.quickUnlock} />}
      {status.state === 'unlocked' &&
        (status.account?.role === 'patient' && status.account.patientId !== null ? (
          // A patient account sees its own record's sharing screen, never the panel.
          <ConsentScreen patientId={status.account.patientId} />
        ) : adminRoute === 'audit' && isCareTeam(status) ? (
          <AuditScreen ownAccount={status.account?.id ?? null} />
        ) : adminRoute === 'accounts' && isCareTeam(status) ? (
          <AccountsScreen ownAccount={status.account?.id ?? null} />
        ) : adminRoute === 'settings' && isCareTeam(status) ? (
          <SettingsScreen status={status} onStatus={setStatus} />
        ) : (
          <Workspace status={status} />
        ))}
    </AppContext>
  );
}
