/** What an unlocked store shows: the demo banner when there are synthetic patients, and the routed screen. */
import { lazy, Suspense, useCallback, useEffect, useState } from 'react';
import type { SessionStatus } from '../../../shared/ipc/contract.js';
import { Loading } from '../components/Notices.js';
import { DEFAULT_PANEL_SORT, type PanelSort } from '../panelSort.js';
import { useApp } from '../session.js';
import { navigate, useHashRoute } from '../useHashRoute.js';
import { useQuery } from '../useQuery.js';
import { PanelScreen } from './PanelScreen.js';
import type * as PatientScreenModule from './PatientScreen.js';

// Charts (chart.js, date-fns) load with the first patient opened, not before the panel, or earlier when the
// window is idle after unlocking (App.tsx calls preloadPatientScreen). Once loaded, the screen renders directly:
// through lazy() the first patient page would still suspend and wait for React's Suspense reveal throttle.
let patientModule: typeof PatientScreenModule | undefined;
export function preloadPatientScreen(): Promise<typeof PatientScreenModule> {
  return import('./PatientScreen.js').then((m) => (patientModule = m));
}
const LazyPatientScreen = lazy(() => preloadPatientScreen().then((m) => ({ default: m.PatientScreen })));
const ReportScreen = lazy(() => import('./ReportScreen.js').then((m) => ({ default: m.ReportScreen })));

export function Workspace({ status }: { status: SessionStatus }) {
  const { client, markLocked, dataVersion } = useApp();
  const route = useHashRoute();
  // The panel lives here, not in its screen, so coming back from a patient shows it at once, sorted as left.
  const panel = useQuery(`panel/${dataVersion}`, () => client.call('panel.list', {}), markLocked);
  const [sort, setSort] = useState<PanelSort>(DEFAULT_PANEL_SORT);
  const [lastPatientId, setLastPatientId] = useState<string | undefined>(undefined);
  if (route.name === 'patient' && route.patientId !== lastPatientId) setLastPatientId(route.patientId);

  const openPatient = useCallback((patientId: string) => navigate({ name: 'patient', patientId }), []);
  const anyDemo = status.demo || (panel.value?.some((row) => row.demo) ?? false);

  useEffect(() => {
    // No names in the title: it shows in task bars and screen shares.
    document.title =
      route.name === 'patient' ? 'Patient record – CareTwin' : route.name === 'report' ? 'Patient report – CareTwin' : 'Patient panel – CareTwin';
    return () => {
      document.title = 'CareTwin';
    };
  }, [route.name]);

  return (
    <>
      {anyDemo && (
        <p className="demo-banner">
          <strong>Demo data:</strong> these patients are synthetic.
        </p>
      )}
      {route.name === 'report' ? (
        <Suspense
          fallback={
            <main className="page">
              <Loading>Loading the report…</Loading>
            </main>
          }
        >
          <ReportScreen key={route.patientId} patientId={route.patientId} host={status.host} />
        </Suspense>
      ) : route.name === 'patient' ? (
        <Suspense
          fallback={
            <main className="page">
              <Loading>Loading the patient…</Loading>
            </main>
          }
        >
          {patientModule ? (
            <patientModule.PatientScreen key={route.patientId} patientId={route.patientId} />
          ) : (
            <LazyPatientScreen key={route.patientId} patientId={route.patientId} />
          )}
        </Suspense>
      ) : (
        <PanelScreen
          panel={panel}
          sort={sort}
          onSortChange={setSort}
          returnedFrom={lastPatientId}
          onOpen={openPatient}
        />
      )}
    </>
  );
}
