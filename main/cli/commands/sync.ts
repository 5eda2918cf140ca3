import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { AppError } from '../../../shared/ipc/errors.js';
import { CareTwinStore } from '../../core/store/store.js';
import { BackendServicesTokens, loadSigningKey } from '../../core/sync/backend-services.js';
import { bulkExportSync } from '../../core/sync/bulk-export.js';
import { FhirHttpClient, type AccessTokenSource } from '../../core/sync/fhir-http.js';
import { syncFhir } from '../../core/sync/fhir-sync.js';
import { syncNightscout, type NightscoutAuth } from '../../core/sync/nightscout.js';
import { smartStandaloneLaunch } from '../../core/sync/smart-launch.js';
import { passcodeFor } from '../passcode.js';
import type { Command, CommandIo } from './index.js';
import { intOption } from './options.js';

const HELP = `Usage:
  caretwin sync --fhir-base URL --client-id ID --key FILE [--bulk] [--page-size N] [--json]
  caretwin sync --fhir-base URL --interactive [--client-id ID] [--patient-launch] [--page-size N] [--json]
  caretwin sync --nightscout URL --patient ID [--json]

FHIR: reads Patient, Condition, Observation and medication resources changed since the last sync (or everything,
the first time) into the store. Each page is stored with its progress mark in one transaction, so an interrupted
sync resumes where it stopped.
  --client-id ID --key FILE   SMART Backend Services (unattended): the client's private key, a JWK or PKCS#8 PEM
                              (RS384 or ES384); its public key must be registered with the EHR
  --interactive               sign in as a clinician in the browser (SMART launch with PKCE; default client id
                              caretwin-desktop)
  --patient-launch            with --interactive: pick one patient at sign-in and sync only that patient
  --bulk                      Bulk Data $export (large panels) instead of paged searches

The sign-in page opens in the system browser (RFC 8252: never an embedded one). To use another program, set
CARETWIN_BROWSER_COMMAND to its path: it is run with the sign-in address as its only argument (no shell).

Nightscout: reads the CGM entries newer than the last sync into the named patient. The API secret comes from
NIGHTSCOUT_API_SECRET, or an access token from NIGHTSCOUT_TOKEN (never from the command line).`;

export const syncCommand: Command = {
  options: {
    'fhir-base': { type: 'string' },
    'client-id': { type: 'string' },
    key: { type: 'string' },
    interactive: { type: 'boolean' },
    'patient-launch': { type: 'boolean' },
    bulk: { type: 'boolean' },
    'page-size': { type: 'string' },
    nightscout: { type: 'string' },
    patient: { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  },
  async run({ dataDir, values, io }) {
    if (values.help) {
      io.stdout(HELP);
      return 0;
    }
    const fhirBase = typeof values['fhir-base'] === 'string' ? checkUrl(values['fhir-base'], 'fhir-base') : undefined;
    const nightscout = typeof values.nightscout === 'string' ? checkUrl(values.nightscout, 'nightscout') : undefined;
    if ((fhirBase === undefined) === (nightscout === undefined)) {
      throw new AppError('VALIDATION', 'Name one source: --fhir-base URL or --nightscout URL (see --help).');
    }
    if (values['patient-launch'] && !values.interactive) {
      throw new AppError('VALIDATION', '--patient-launch picks a patient at sign-in: use it with --interactive.');
    }
    // A bulk $export is server-wide: with a patient launch it would store every patient, not the one chosen.
    if (values['patient-launch'] && values.bulk) {
      throw new AppError('VALIDATION', '--bulk exports every patient the server holds; it cannot be narrowed to the patient picked with --patient-launch. Use one or the other.');
    }
    const pageSize = intOption(values['page-size'], 'page-size', 200, 1, 1000);
    // Credentials are checked before the passcode is asked for: a mistake costs no key derivation.
    const tokens = fhirBase === undefined ? undefined : values.interactive ? null : await backendTokens(fhirBase, values);
    const nsAuth = nightscout === undefined ? undefined : nightscoutAuth(io, values);
    if (CareTwinStore.inspect(dataDir).state === 'absent') {
      throw new AppError('NOT_FOUND', `There is no CareTwin store in ${dataDir}. Create one with "caretwin init" first.`);
    }
    const store = await CareTwinStore.unlock(dataDir, await passcodeFor(io, 'unlock'));
    try {
      if (nightscout !== undefined && nsAuth !== undefined) {
        const report = await syncNightscout({ store, siteUrl: nightscout, patientId: String(values.patient), auth: nsAuth });
        auditSync(store, 'nightscout', String(values.patient), report.added);
        if (values.json) io.stdout(JSON.stringify(report, null, 2));
        else {
          io.stdout(`Nightscout: ${report.entries} entries read in ${report.pages} page(s), ${report.added} readings added, ${report.duplicates} already stored.`);
          for (const [kind, n] of Object.entries(report.skipped)) io.stdout(`  skipped ${n} ${kind}`);
        }
        return report.rejected.length > 0 ? 1 : 0;
      }
      const base = fhirBase!;
      let source: AccessTokenSource;
      let patientId: string | undefined;
      if (tokens) source = tokens;
      else {
        const session = await smartStandaloneLaunch({
          fhirBaseUrl: base,
          clientId: typeof values['client-id'] === 'string' ? values['client-id'] : 'caretwin-desktop',
          patientLaunch: values['patient-launch'] === true,
          openBrowser: (url) => openSystemBrowser(url, io),
        });
        source = session;
        patientId = values['patient-launch'] ? session.patientId : undefined;
      }
      const client = new FhirHttpClient(base, source, { onRetry: (notice) => io.stderr(`caretwin sync: ${notice}`) });
      if (values.bulk) {
        const report = await bulkExportSync({ store, client, onProgress: (m) => io.stderr(`caretwin sync: ${m}`) });
        auditSync(store, 'fhir-bulk', null, report.added);
        if (values.json) io.stdout(JSON.stringify(report, null, 2));
        else {
          io.stdout(`FHIR bulk export of ${report.transactionTime}: ${report.files} files, ${report.added} samples added, ${report.duplicates} already stored, ` +
            `${report.medications} medication and ${report.conditions} condition records, ${report.patientsCreated} new patients, ${report.rejected.length} rejected.`);
        }
        return report.rejected.length > 0 ? 1 : 0;
      }
      const report = await syncFhir({
        store,
        client,
        pageSize,
        ...(patientId ? { patientId } : {}),
        onProgress: (p) => io.stderr(`caretwin sync: ${p.resourceType}: ${p.resources} resources in ${p.pages} page(s)`),
      });
      auditSync(store, 'fhir', patientId ?? null, report.added);
      if (values.json) io.stdout(JSON.stringify(report, null, 2));
      else {
        io.stdout(`FHIR sync: ${report.pages} pages, ${report.added} samples added, ${report.duplicates} already stored, ` +
          `${report.medications} medication and ${report.conditions} condition records, ${report.patientsCreated} new patients, ` +
          `${report.rejected.length} rejected, in ${(report.ms / 1000).toFixed(1)} s.`);
        for (const [stream, n] of Object.entries(report.byStream)) io.stdout(`  ${stream}: ${n} added`);
        for (const [kind, n] of Object.entries(report.skipped)) io.stdout(`  skipped ${n} ${kind}`);
        for (const r of report.rejected.slice(0, 20)) io.stdout(`  rejected: ${r.reason}`);
      }
      return report.rejected.length > 0 ? 1 : 0;
    } finally {
      store.close();
    }
  },
};

function checkUrl(value: string, name: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new AppError('VALIDATION', `--${name} takes a URL such as https://ehr.example.org/fhir.`);
  }
  const loopback = url.hostname === '127.0.0.1' || url.hostname === 'localhost' || url.hostname === '[::1]';
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw new AppError('VALIDATION', `--${name} must use https (plain http only on this machine): tokens and patient data cross it.`);
  }
  return value.replace(/\/+$/, '');
}

async function backendTokens(fhirBase: string, values: Readonly<Record<string, string | boolean | undefined>>): Promise<BackendServicesTokens> {
  if (typeof values['client-id'] !== 'string' || typeof values.key !== 'string') {
    throw new AppError('VALIDATION', 'Unattended sync needs --client-id ID and --key FILE; or sign in with --interactive.');
  }
  let text: string;
  try {
    text = fs.readFileSync(values.key, 'utf8');
  } catch {
    throw new AppError('NOT_FOUND', 'The key file could not be read. Check the path given to --key.');
  }
  return new BackendServicesTokens({ fhirBaseUrl: fhirBase, clientId: values['client-id'], signingKey: await loadSigningKey(text) });
}

function nightscoutAuth(io: CommandIo, values: Readonly<Record<string, string | boolean | undefined>>): NightscoutAuth {
  if (typeof values.patient !== 'string' || values.patient === '') {
    throw new AppError('VALIDATION', 'Name the patient whose CGM this site holds with --patient ID (see "caretwin patients").');
  }
  const apiSecret = io.env.NIGHTSCOUT_API_SECRET;
  const token = io.env.NIGHTSCOUT_TOKEN;
  if (apiSecret) return { apiSecret };
  if (token) return { token };
  throw new AppError('VALIDATION', 'Set NIGHTSCOUT_API_SECRET (the site\'s API secret) or NIGHTSCOUT_TOKEN (an access token) for the Nightscout site.');
}

/**
 * RFC 8252: the system browser, not an embedded one, shows the EHR's login page. CARETWIN_BROWSER_COMMAND names
 * another program (a browser of the user's choice; tests drive the page with Playwright through it).
 */
export function browserCommand(url: string, env: CommandIo['env'], platform: NodeJS.Platform = process.platform): [string, string[]] {
  const chosen = env.CARETWIN_BROWSER_COMMAND?.trim();
  if (chosen) return [chosen, [url]];
  return platform === 'darwin' ? ['open', [url]] : platform === 'win32' ? ['cmd', ['/c', 'start', '""', url]] : ['xdg-open', [url]];
}

function openSystemBrowser(url: string, io: CommandIo): void {
  io.stderr(`caretwin sync: sign in to the EHR in your browser; if it does not open, visit ${url}`);
  const [command, args] = browserCommand(url, io.env);
  const child = spawn(command, args, { stdio: 'ignore', detached: true });
  child.on('error', () => undefined);
  child.unref();
}

/** Every sync is in the audit log: source kind and counts only. */
function auditSync(store: CareTwinStore, source: string, patientId: string | null, added: number): void {
  const validId = patientId !== null && /^[0-9a-f]{32}$/.test(patientId) ? patientId : null;
  store.audit({ actor: { actor: store.account.id, role: store.account.role }, action: 'sync', patientId: validId, details: { source, added } });
}
