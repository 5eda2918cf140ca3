/**
 * The patient's RPM program this month (in the patient's zone): days with device data so far and the device
 * code they reach, whether 16 days look reachable from recent wear, logged interactive minutes with the codes
 * they reach, a start/stop timer (it keeps running across restarts: the core stores it), and a manual entry
 * with a note.
 */
import { useState } from 'react';
import type { ProgramStatusView } from '../../../shared/ipc/contract.js';
import { asIpcError, type IpcError } from '../ipc/client.js';
import { formatDateTime } from '../format.js';
import { useApp } from '../session.js';
import { useQuery } from '../useQuery.js';
import { useNow } from '../useNow.js';
import { ErrorNotice, Loading } from './Notices.js';

function projectionText(s: ProgramStatusView): string {
  const p = s.projection;
  switch (p.outcome) {
    case 'reached':
      return '16 days reached.';
    case 'not-reachable':
      return `16 days can no longer be reached this month (${p.needed} more needed, ${p.remainingDays} days left).`;
    default:
      return (
        `${Math.round(p.probability * 100)}% chance of reaching 16 days: ${p.needed} more needed in ${p.remainingDays} days left, ` +
        `recent wear ${p.recentDaysWithData} of ${p.recentWindowDays} days.`
      );
  }
}

function codesText(s: ProgramStatusView): string {
  const codes = s.minutes.codes.map((c) => (c.units > 1 ? `${c.code} × ${c.units}` : c.code));
  return codes.length > 0 ? codes.join(', ') : 'none yet';
}

export function ProgramPanel({ patientId }: { patientId: string }) {
  const { client, markLocked, dataVersion } = useApp();
  const [version, setVersion] = useState(0);
  const program = useQuery(`${patientId}/${dataVersion}/${version}`, () => client.call('program.get', { patientId }), markLocked);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<IpcError | undefined>(undefined);
  const [minutes, setMinutes] = useState('');
  const [note, setNote] = useState('');
  const [correction, setCorrection] = useState('');
  const nowMs = useNow(30_000);
  const s = program.value;

  async function run(action: () => Promise<unknown>, after?: () => void) {
    setBusy(true);
    setError(undefined);
    try {
      await action();
      after?.();
      setVersion((v) => v + 1);
    } catch (e) {
      setError(asIpcError(e));
    } finally {
      setBusy(false);
    }
  }
  const minutesValue = Number(minutes);
  const canAdd = Number.isInteger(minutesValue) && minutesValue >= 1 && minutesValue <= 240 && note.trim() !== '';

  return (
    <section className="stream" aria-labelledby="program-title">
      <h2 id="program-title">Remote monitoring program{s ? `, ${s.period.month}` : ''}</h2>
      {program.loading && s === undefined && <Loading>Loading the program…</Loading>}
      {program.error && <ErrorNotice title="The program could not be loaded." error={program.error} onRetry={program.retry} />}
      {s && (
        <>
          <dl className="facts">
            <div>
              <dt>Days with device data</dt>
              <dd>
                {s.deviceDays.count} of {s.deviceDays.elapsedDays} so far ({s.deviceDays.code ?? 'no device code yet'})
              </dd>
            </div>
            <div>
              <dt>16 days</dt>
              <dd>{projectionText(s)}</dd>
            </div>
            <div>
              <dt>Interactive minutes</dt>
              <dd>
                {s.minutes.totalMinutes} ({codesText(s)}; {s.minutes.next.minutesNeeded} more for {s.minutes.next.code})
              </dd>
            </div>
          </dl>
          <p className="muted">Month in {s.zoneFrom === 'patient' ? 'the patient’s' : 'this computer’s'} time zone, {s.period.zone}.</p>
          <div className="program-timer">
            {s.timer ? (
              <>
                <p role="status">
                  Timer running since {formatDateTime(s.timer.startMs)} ({Math.max(0, Math.floor((nowMs - s.timer.startMs) / 60_000))} min).
                </p>
                <label htmlFor="program-timer-correction">Log instead (minutes, for a timer left running)</label>
                <input
                  id="program-timer-correction"
                  type="number"
                  min={0}
                  step={1}
                  value={correction}
                  onChange={(e) => setCorrection(e.target.value)}
                  disabled={busy}
                />
                <button
                  type="button"
                  className="button button-primary"
                  disabled={busy || (correction !== '' && !Number.isInteger(Number(correction)))}
                  onClick={() =>
                    void run(
                      () => client.call('program.timer.stop', correction === '' ? { patientId } : { patientId, minutes: Number(correction) }),
                      () => setCorrection(''),
                    )
                  }
                >
                  Stop timer
                </button>
              </>
            ) : (
              <button type="button" className="button" disabled={busy} onClick={() => void run(() => client.call('program.timer.start', { patientId }))}>
                Start timer
              </button>
            )}
          </div>
          <form
            className="program-add"
            onSubmit={(e) => {
              e.preventDefault();
              if (canAdd) {
                void run(
                  () => client.call('program.minutes.add', { patientId, minutes: minutesValue, note }),
                  () => {
                    setMinutes('');
                    setNote('');
                  },
                );
              }
            }}
          >
            <label htmlFor="program-minutes">Minutes</label>
            <input id="program-minutes" type="number" min={1} max={240} step={1} value={minutes} onChange={(e) => setMinutes(e.target.value)} disabled={busy} />
            <label htmlFor="program-note">Note</label>
            <input id="program-note" type="text" maxLength={1000} value={note} onChange={(e) => setNote(e.target.value)} disabled={busy} />
            <button type="submit" className="button" disabled={busy || !canAdd}>
              Log minutes
            </button>
          </form>
        </>
      )}
      {error && <ErrorNotice title="The program could not be changed." error={error} />}
    </section>
  );
}
