import path from 'node:path';
import type { ImportProgress, ImportReport } from '../../core/ingest/importer.js';
import { importFile } from '../../core/ingest/run-import.js';
import { CareTwinStore } from '../../core/store/store.js';
import { AppError } from '../../../shared/ipc/errors.js';
import { passcodeFor } from '../passcode.js';
import type { Command } from './index.js';

const HELP = `Usage: caretwin import [--patient ID] [--zone Area/City] [--json] FILE...

Imports device exports into the store, one transaction per file: a file that cannot be read completely stores
nothing, and importing the same file again adds nothing. The format is detected from the content:
  Dexcom Clarity CSV, iglu CGM CSV (id,time,gl), LibreView CSV, Nightscout entries JSON,
  Fitbit CSV (heart rate seconds, minute steps, daily activity, weight log, sleep per day),
  Apple Health export.zip / export.xml, Withings weight / blood pressure CSV, Open mHealth JSON,
  FHIR R4 Bundle / NDJSON.

  --patient ID        the patient a file belongs to, where the file does not identify its patient
                      (Fitbit user ids and CGM subjects become patients matched by identifier)
  --zone Area/City    IANA zone of zone-less device times (default: the patient's stored zone)
  --json              print the reports as JSON

Rows that cannot be imported are reported with their line and the reason. Exit status 1 if any file failed.`;

/** Rejected rows listed per file in the text report; --json lists them all. */
const REJECTED_SHOWN = 20;

export const importCommand: Command = {
  options: {
    patient: { type: 'string' },
    zone: { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  },
  positionals: true,
  async run({ dataDir, values, io, positionals = [] }) {
    if (values.help) {
      io.stdout(HELP);
      return 0;
    }
    if (positionals.length === 0) throw new AppError('VALIDATION', 'Name at least one file to import (see --help).');
    const patientId = typeof values.patient === 'string' ? values.patient : null;
    const zone = typeof values.zone === 'string' ? values.zone : null;
    if (CareTwinStore.inspect(dataDir).state === 'absent') {
      throw new AppError('NOT_FOUND', `There is no CareTwin store in ${dataDir}. Create one with "caretwin init" first.`);
    }
    const store = await CareTwinStore.unlock(dataDir, await passcodeFor(io, 'unlock'));
    const reports: (ImportReport | { file: string; error: string })[] = [];
    let failed = 0;
    try {
      for (const file of positionals) {
        try {
          const onProgress = process.stderr.isTTY ? terminalProgress(path.basename(file)) : undefined;
          const report = await importFile(store, file, { patientId, zone, ...(onProgress ? { onProgress } : {}) });
          reports.push(report);
          // Every import is in the audit log: format and counts only, never the file name (it may name the person).
          const only = report.patients.length === 1 ? report.patients[0]!.id : null;
          store.audit({
            actor: { actor: store.account.id, role: store.account.role },
            action: 'import',
            patientId: only,
            details: { format: report.format, added: report.added, patients: report.patients.length },
          });
          if (!values.json) printReport(report, io.stdout);
        } catch (err) {
          if (process.stderr.isTTY) process.stderr.write('\n');
          if (!(err instanceof AppError)) throw err;
          failed++;
          reports.push({ file: path.basename(file), error: err.message });
          io.stderr(`caretwin import: ${path.basename(file)}: ${err.message}`);
        }
      }
    } finally {
      store.close();
    }
    if (values.json) io.stdout(JSON.stringify(reports, null, 2));
    return failed > 0 ? 1 : 0;
  },
};

/** Progress on one terminal line (only when stderr is a terminal: scripts and --json output stay clean). */
function terminalProgress(file: string): (p: ImportProgress) => void {
  let lastMs = 0;
  return (p) => {
    const now = Date.now();
    if (p.phase === 'read' && now - lastMs < 250) return;
    lastMs = now;
    const read =
      p.bytesRead !== undefined && p.totalBytes ? ` ${Math.round((100 * p.bytesRead) / p.totalBytes)}%` : '';
    const rows = p.rows !== undefined ? ` ${p.rows} rows` : '';
    process.stderr.write(`\r\x1b[K${file}: ${p.phase}${read}${rows}${p.phase === 'done' ? '\n' : ''}`);
  };
}

function printReport(r: ImportReport, out: (line: string) => void): void {
  const created = r.patients.filter((p) => p.created).length;
  out(
    `${r.file} (${r.format}): ${r.added} samples added, ${r.duplicates} already stored, ${r.rejected.length} rows ` +
      `rejected, ${r.warnings.length} warnings; ${r.patients.length} patient(s) (${created} new)` +
      (r.medications + r.conditions > 0 ? `; ${r.medications} medications, ${r.conditions} conditions` : '') +
      ` in ${(r.ms / 1000).toFixed(1)} s`,
  );
  for (const [stream, n] of Object.entries(r.byStream)) out(`  ${stream}: ${n} added`);
  for (const [kind, n] of Object.entries(r.skipped)) out(`  skipped ${n} ${kind}`);
  for (const row of r.rejected.slice(0, REJECTED_SHOWN)) out(`  line ${row.line}: rejected, ${row.reason}`);
  if (r.rejected.length > REJECTED_SHOWN) out(`  ... and ${r.rejected.length - REJECTED_SHOWN} more rejected rows (--json lists all)`);
  for (const row of r.warnings.slice(0, REJECTED_SHOWN)) out(`  line ${row.line}: warning, ${row.reason}`);
}
