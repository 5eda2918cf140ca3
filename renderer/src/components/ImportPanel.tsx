/**
 * Importing files into one patient: drop files on the area, or press "Import files…" (a keyboard-reachable
 * button opening the file chooser). Each file gets a row with its progress (a progressbar), a cancel button, and
 * then the import report in plain words: what was kept per stream (with units), duplicates skipped, rows rejected
 * with their line and reason. A file whose times carry no zone, for a patient without one, asks for the zone.
 * After an import stores something the core says the patient's data changed and the page reloads its streams.
 */
import { useCallback, useEffect, useRef, useState, type DragEvent } from 'react';
import type { ImportReportView, ImportStatus } from '../../../shared/ipc/contract.js';
import type { IpcError } from '../ipc/client.js';
import { sendFile, type FileImportHandle } from '../imports/sendFile.js';
import { formatCount, viewerTimeZone } from '../format.js';
import { useApp } from '../session.js';

interface FileRow {
  readonly key: number;
  readonly file: File;
  readonly zone: string | undefined;
  readonly status: ImportStatus | undefined;
  readonly error: IpcError | undefined;
  readonly running: boolean;
  /** Cancelled while waiting for its turn: nothing was sent. */
  readonly cancelledEarly?: boolean;
}

const PHASE_TEXT: Record<ImportStatus['phase'], string> = {
  upload: 'Sending the file',
  detect: 'Recognising the format',
  read: 'Reading',
  normalise: 'Checking the readings',
  write: 'Storing',
  done: 'Imported',
  failed: 'Not imported',
  cancelled: 'Cancelled',
};

/** One number for the whole import: sending is the first half, reading most of the rest. */
function overallPercent(status: ImportStatus | undefined): number {
  if (status === undefined) return 0;
  const part = status.totalBytes > 0 ? Math.min(1, status.bytes / status.totalBytes) : 0;
  switch (status.phase) {
    case 'upload':
      return Math.round(50 * part);
    case 'detect':
      return 50;
    case 'read':
    case 'normalise':
      return Math.round(50 + 40 * part);
    case 'write':
      return 95;
    default:
      return 100;
  }
}

function plural(n: number, one: string, many: string): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}

function fileSize(bytes: number): string {
  if (bytes < 1024) return plural(bytes, 'byte', 'bytes');
  if (bytes < 1024 * 1024) return `${formatCount(Math.round(bytes / 1024))} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

function zoneChoices(): string[] {
  const intl = Intl as typeof Intl & { supportedValuesOf?: (key: 'timeZone') => string[] };
  const zones = intl.supportedValuesOf?.('timeZone') ?? [];
  const own = viewerTimeZone();
  return zones.includes(own) ? zones : [own, ...zones];
}

export function ImportReport({ report }: { report: ImportReportView }) {
  const skipped = Object.entries(report.skipped).filter(([, n]) => n > 0);
  return (
    <div className="import-report">
      <p className="import-summary">
        <strong>
          {plural(report.added, 'new reading', 'new readings')}, {plural(report.duplicates, 'duplicate', 'duplicates')} skipped
        </strong>{' '}
        (already stored){report.rejectedCount > 0 && `, ${plural(report.rejectedCount, 'row', 'rows')} rejected`}.
      </p>
      <p className="muted">Read as {report.formatLabel}.</p>
      {report.byStream.some((s) => s.added > 0) && (
        <ul className="import-streams" aria-label="Kept per stream">
          {report.byStream
            .filter((s) => s.added > 0)
            .map((s) => (
              <li key={s.code}>
                {s.label} <span className="unit">({s.displayUnit || 'no unit'})</span>: {plural(s.added, 'new reading', 'new readings')}
              </li>
            ))}
        </ul>
      )}
      {(report.medications > 0 || report.conditions > 0) && (
        <p>
          {plural(report.medications, 'medication record', 'medication records')} and {plural(report.conditions, 'coded condition', 'coded conditions')} added or updated.
        </p>
      )}
      {report.zoneStored && <p>Times without a zone were read in {report.zoneStored}, now stored as the patient’s time zone.</p>}
      {skipped.length > 0 && (
        <p>Left out on purpose: {skipped.map(([kind, n]) => `${formatCount(n)} ${kind}`).join(', ')}.</p>
      )}
      {report.rejectedCount > 0 && (
        <details className="import-rejected" open={report.rejectedCount <= 10}>
          <summary>
            {plural(report.rejectedCount, 'row was', 'rows were')} rejected and not stored
            {report.rejected.length < report.rejectedCount && ` (the first ${formatCount(report.rejected.length)} are listed)`}
          </summary>
          <ul aria-label="Rejected rows">
            {report.rejected.map((r, i) => (
              <li key={i}>
                Line {r.line}: {r.reason}
              </li>
            ))}
          </ul>
        </details>
      )}
      {report.warningCount > 0 && (
        <details className="import-warnings">
          <summary>{plural(report.warningCount, 'row was', 'rows were')} stored with a change worth knowing</summary>
          <ul aria-label="Warnings">
            {report.warnings.map((r, i) => (
              <li key={i}>
                Line {r.line}: {r.reason}
              </li>
            ))}
          </ul>
        </details>
      )}
    </div>
  );
}

function ZonePicker({ fileName, onChoose }: { fileName: string; onChoose: (zone: string) => void }) {
  const [zone, setZone] = useState(viewerTimeZone);
  const id = `zone-${fileName.replace(/[^A-Za-z0-9]/g, '-')}`;
  return (
    <div className="import-zone">
      <label htmlFor={id}>Patient’s time zone</label>{' '}
      <select id={id} value={zone} onChange={(e) => setZone(e.target.value)}>
        {zoneChoices().map((z) => (
          <option key={z} value={z}>
            {z}
          </option>
        ))}
      </select>{' '}
      <button type="button" className="button" onClick={() => onChoose(zone)}>
        Import with this time zone
      </button>
    </div>
  );
}

function FileImportRow({ row, onCancel, onRetryWithZone, onDismiss }: { row: FileRow; onCancel: () => void; onRetryWithZone: (zone: string) => void; onDismiss: () => void }) {
  const status = row.status;
  const phase = status?.phase;
  const percent = overallPercent(status);
  // A final status can arrive before the import's promise settles: the row shows its outcome from then on,
  // so that what it says always matches its phase.
  const finished = !row.running || phase === 'done' || phase === 'failed' || phase === 'cancelled';
  const running = !finished;
  const waiting = running && status === undefined && row.error === undefined;
  return (
    <li className="import-file" data-phase={phase ?? (row.error ? 'failed' : 'upload')} aria-label={`Import of ${row.file.name}`}>
      <div className="import-file-head">
        <span className="import-file-name">{row.file.name}</span>
        <span className="muted">{fileSize(row.file.size)}</span>
        {running ? (
          <button type="button" className="button button-quiet" onClick={onCancel}>
            Cancel<span className="visually-hidden"> import of {row.file.name}</span>
          </button>
        ) : (
          <button type="button" className="button button-quiet" onClick={onDismiss}>
            Dismiss<span className="visually-hidden"> the report of {row.file.name}</span>
          </button>
        )}
      </div>
      {running && (
        <>
          <div
            className="meter import-meter"
            role="progressbar"
            aria-label={`Importing ${row.file.name}`}
            aria-valuemin={0}
            aria-valuemax={100}
            aria-valuenow={percent}
            aria-valuetext={`${PHASE_TEXT[phase ?? 'upload']}, ${percent}%`}
          >
            <div className="meter-fill" style={{ width: `${percent}%` }} />
          </div>
          <p className="muted" aria-live="polite">
            {waiting ? 'Waiting for the files before it' : PHASE_TEXT[phase ?? 'upload']}…{status !== undefined && status.rows !== null && status.rows > 0 ? ` ${plural(status.rows, 'row', 'rows')}` : ''}
          </p>
        </>
      )}
      {finished && phase === 'done' && status?.report && <ImportReport report={status.report} />}
      {finished && (phase === 'cancelled' || row.cancelledEarly) && <p className="muted">Cancelled. Nothing from this file was stored.</p>}
      {finished && (phase === 'failed' || row.error) && (
        <div className="notice notice-error" role="alert">
          <p className="notice-title">{row.file.name} was not imported.</p>
          <p>{status?.error?.message ?? row.error?.message}</p>
          {status?.needsZone && <ZonePicker fileName={row.file.name} onChoose={onRetryWithZone} />}
        </div>
      )}
    </li>
  );
}

export function ImportPanel({ patientId }: { patientId: string }) {
  const { client } = useApp();
  const [rows, setRows] = useState<FileRow[]>([]);
  const [dragging, setDragging] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  const handles = useRef(new Map<number, FileImportHandle>());
  const nextKey = useRef(1);
  // Files go one after another: each is one transaction in the store, and the order is the user's.
  const queue = useRef<Promise<void>>(Promise.resolve());
  const cancelledKeys = useRef(new Set<number>());
  const waitingKeys = useRef(new Set<number>());

  useEffect(() => {
    const live = handles.current;
    const cancelled = cancelledKeys.current;
    const waiting = waitingKeys.current;
    return () => {
      // Leaving the patient cancels what is still sending or waiting.
      for (const handle of live.values()) handle.cancel();
      live.clear();
      for (const key of waiting) cancelled.add(key);
    };
  }, [patientId]);

  const update = useCallback((key: number, change: Partial<FileRow>) => {
    setRows((list) => list.map((r) => (r.key === key ? { ...r, ...change } : r)));
  }, []);

  const start = useCallback(
    (file: File, zone: string | undefined) => {
      const key = nextKey.current++;
      setRows((list) => [...list, { key, file, zone, status: undefined, error: undefined, running: true }]);
      waitingKeys.current.add(key);
      queue.current = queue.current.then(
        () =>
          new Promise<void>((resolve) => {
            waitingKeys.current.delete(key);
            if (cancelledKeys.current.has(key)) {
              resolve();
              return;
            }
            const handle = sendFile(client, patientId, file, zone, {
              onStatus: (status) => update(key, { status }),
              onError: (error) => update(key, { error }),
              onEnd: () => {
                handles.current.delete(key);
                update(key, { running: false });
                resolve();
              },
            });
            handles.current.set(key, handle);
          }),
      );
    },
    [client, patientId, update],
  );

  const startAll = (files: FileList | null): void => {
    for (const file of Array.from(files ?? [])) start(file, undefined);
  };

  const onDrop = (event: DragEvent<HTMLDivElement>): void => {
    event.preventDefault();
    setDragging(false);
    startAll(event.dataTransfer.files);
  };

  return (
    <section className="stream import-panel" aria-labelledby="import-title">
      <h2 id="import-title">Import files</h2>
      <div
        className={`drop-zone${dragging ? ' drop-zone-active' : ''}`}
        onDragOver={(e) => {
          e.preventDefault();
          e.dataTransfer.dropEffect = 'copy';
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={onDrop}
      >
        <p>
          Drop device or EHR exports here (Dexcom Clarity, LibreView, Nightscout, Fitbit, Apple Health, Withings, Open
          mHealth, FHIR), or{' '}
          <button type="button" className="button" onClick={() => input.current?.click()}>
            Import files…
          </button>
        </p>
        <input
          ref={input}
          type="file"
          multiple
          className="visually-hidden"
          tabIndex={-1}
          aria-label="Files to import"
          onChange={(e) => {
            startAll(e.target.files);
            e.target.value = '';
          }}
        />
        <p className="muted">Each file is stored whole or not at all; importing a file again adds nothing.</p>
      </div>
      {rows.length > 0 && (
        <ul className="import-files" aria-label="Imports">
          {rows.map((row) => (
            <FileImportRow
              key={row.key}
              row={row}
              onCancel={() => {
                const handle = handles.current.get(row.key);
                if (handle) handle.cancel();
                else {
                  cancelledKeys.current.add(row.key);
                  update(row.key, { running: false, cancelledEarly: true });
                }
              }}
              onRetryWithZone={(zone) => {
                setRows((list) => list.filter((r) => r.key !== row.key));
                start(row.file, zone);
              }}
              onDismiss={() => setRows((list) => list.filter((r) => r.key !== row.key))}
            />
          ))}
        </ul>
      )}
    </section>
  );
}
