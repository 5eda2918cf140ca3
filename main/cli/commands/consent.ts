/**
 * `caretwin consent show|set|revoke|import`, `caretwin retention sweep`, `caretwin audit verify|list` and
 * `caretwin export`: the consent, retention and audit services from a terminal. The CLI acts as the account in
 * CARETWIN_ACCOUNT, or the store's owner (the store passcode, an admin); every change and export is audited under it.
 */
import fs from 'node:fs';
import path from 'node:path';
import {
  DATA_CLASSES,
  DATA_CLASS_LABEL,
  PURPOSES,
  ROLES,
  retentionEndMs,
  type ConsentProvision,
  type DataClass,
  type Purpose,
  type Role,
} from '../../../shared/domain/consent.js';
import { AppError } from '../../../shared/ipc/errors.js';
import { callerForAccount, type Caller } from '../../core/consent/access.js';
import { createConsentService, type ConsentService } from '../../core/consent/consent-service.js';
import { CareTwinStore } from '../../core/store/store.js';
import { passcodeFor } from '../passcode.js';
import type { Command, CommandContext } from './index.js';
import { intOption } from './options.js';

/** Unlocks as CARETWIN_ACCOUNT (default: the owner, the store passcode) and acts as that account. */
export async function withConsent<T>(
  ctx: CommandContext,
  fn: (service: ConsentService, caller: Caller, store: CareTwinStore) => T | Promise<T>,
): Promise<T> {
  const account = ctx.io.env.CARETWIN_ACCOUNT;
  const passcode = await passcodeFor(ctx.io, 'unlock');
  const store = await CareTwinStore.unlock(ctx.dataDir, passcode, account ? { account } : {});
  try {
    return await fn(createConsentService(() => store, Date.now), callerForAccount(store.account), store);
  } finally {
    store.close();
  }
}

function patientOption(values: CommandContext['values']): string {
  const id = values.patient;
  if (typeof id !== 'string' || !/^[0-9a-f]{32}$/.test(id)) {
    throw new AppError('VALIDATION', 'Name the patient with --patient ID (32 hex characters; see "caretwin patients").');
  }
  return id;
}

function classOption(values: CommandContext['values']): DataClass {
  const c = values.class;
  if (typeof c !== 'string' || !(DATA_CLASSES as readonly string[]).includes(c)) {
    throw new AppError('VALIDATION', `--class takes one of ${DATA_CLASSES.join(', ')}.`);
  }
  return c as DataClass;
}

function listOption<T extends string>(value: unknown, name: string, allowed: readonly T[]): T[] | undefined {
  if (value === undefined) return undefined;
  const items = typeof value === 'string' ? value.split(',').map((s) => s.trim()).filter((s) => s !== '') : [];
  if (typeof value !== 'string' || items.some((s) => !(allowed as readonly string[]).includes(s))) {
    throw new AppError('VALIDATION', `--${name} takes a comma-separated list of ${allowed.join(', ')} (or "none").`);
  }
  return items as T[];
}

function dateOption(value: unknown, name: string): number | null | undefined {
  if (value === undefined) return undefined;
  if (value === 'none') return null;
  const ms = typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value) ? Date.parse(`${value}T00:00:00Z`) : NaN;
  if (!Number.isFinite(ms)) throw new AppError('VALIDATION', `--${name} takes a date YYYY-MM-DD (UTC) or "none".`);
  return ms;
}

function iso(ms: number | null): string {
  return ms === null ? '-' : new Date(ms).toISOString().slice(0, 10);
}

function describe(p: ConsentProvision): string {
  if (p.status === 'deny') return 'revoked (not collected, nothing kept)';
  const end = retentionEndMs(p);
  return (
    `permitted for ${p.purposes.join('+') || 'no purpose'} to ${p.roles.join(', ') || 'no role'}; ` +
    `period ${iso(p.periodStartMs)}..${iso(p.periodEndMs)}; kept ${end === null ? 'while consent stands' : `until ${iso(end)}`}`
  );
}

export const consentCommand: Command = {
  options: {
    patient: { type: 'string' },
    class: { type: 'string' },
    status: { type: 'string' },
    purposes: { type: 'string' },
    roles: { type: 'string' },
    'retention-days': { type: 'string' },
    'period-end': { type: 'string' },
    json: { type: 'boolean' },
  },
  positionals: true,
  async run(ctx) {
    const [sub, ...files] = ctx.positionals ?? [];
    const { values, io } = ctx;
    const patientId = patientOption(values);
    if (sub === 'show') {
      const consents = await withConsent(ctx, (service, caller) => service.show(caller, patientId));
      if (values.json) {
        io.stdout(JSON.stringify(consents, null, 2));
        return;
      }
      for (const c of consents) {
        io.stdout(`${c.dataClass.padEnd(12)} ${c.recorded ? '' : '(default) '}${describe(c.provision)}  [${DATA_CLASS_LABEL[c.dataClass]}]`);
      }
      return;
    }
    if (sub === 'revoke') {
      const dataClass = classOption(values);
      const report = await withConsent(ctx, (service, caller) => service.revoke(caller, patientId, dataClass));
      io.stdout(
        `${dataClass} revoked: data key ${report.keyDestroyed ? 'destroyed' : 'did not exist'}, ${report.chunks} chunks and ` +
          `${report.records} records deleted${report.walTruncated ? '' : ' (the WAL is still in use by another CareTwin; it is cleared when that closes)'}.`,
      );
      return;
    }
    if (sub === 'set') {
      const dataClass = classOption(values);
      const status = values.status;
      if (status !== undefined && status !== 'permit' && status !== 'deny') {
        throw new AppError('VALIDATION', '--status takes permit or deny.');
      }
      const purposes = values.purposes === 'none' ? [] : listOption<Purpose>(values.purposes, 'purposes', PURPOSES);
      const roles = values.roles === 'none' ? [] : listOption<Role>(values.roles, 'roles', ROLES);
      const retentionDays =
        values['retention-days'] === 'none' ? null : values['retention-days'] === undefined ? undefined : intOption(values['retention-days'], 'retention-days', 0, 1, 36_500);
      const periodEndMs = dateOption(values['period-end'], 'period-end');
      const result = await withConsent(ctx, (service, caller) => {
        const current = service.show(caller, patientId).find((c) => c.dataClass === dataClass)!.provision;
        const now = Date.now();
        const next: ConsentProvision = {
          ...current,
          ...(status !== undefined ? { status } : {}),
          ...(purposes !== undefined ? { purposes } : {}),
          ...(roles !== undefined ? { roles } : {}),
          ...(retentionDays !== undefined ? { retentionDays } : {}),
          ...(periodEndMs !== undefined ? { periodEndMs } : {}),
          // Permitting again after a revocation starts a new consent period.
          ...(current.status === 'deny' && status === 'permit' ? { periodStartMs: now } : {}),
          updatedMs: now,
        };
        const shred = service.set(caller, patientId, dataClass, next);
        return { next, shred };
      });
      io.stdout(`${dataClass}: ${describe(result.next)}${result.shred ? `; ${result.shred.chunks} chunks and ${result.shred.records} records destroyed` : ''}.`);
      return;
    }
    if (sub === 'import') {
      if (files.length !== 1) throw new AppError('VALIDATION', 'Name one FHIR Consent or Bundle file: consent import --patient ID FILE.');
      const json = readJson(files[0]!);
      const applied = await withConsent(ctx, (service, caller) => service.importFhir(caller, patientId, json));
      for (const a of applied) io.stdout(`${a.dataClass}: consent imported${a.shredded ? '; its data were destroyed' : ''}.`);
      return;
    }
    throw new AppError('VALIDATION', 'Use consent show|set|revoke|import --patient ID [--class C] (see --help).');
  },
};

function readJson(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw new AppError('NOT_FOUND', `Cannot read ${path.basename(file)}; nothing was changed.`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new AppError('VALIDATION', `${path.basename(file)} is not JSON; nothing was changed.`);
  }
}

export const retentionCommand: Command = {
  options: { json: { type: 'boolean' } },
  positionals: true,
  async run(ctx) {
    if (ctx.positionals?.[0] !== 'sweep' || ctx.positionals.length !== 1) {
      throw new AppError('VALIDATION', 'Use: retention sweep');
    }
    const reports = await withConsent(ctx, (service) => service.sweep());
    if (ctx.values.json) {
      ctx.io.stdout(JSON.stringify(reports, null, 2));
      return;
    }
    if (reports.length === 0) ctx.io.stdout('Nothing has passed its retention period.');
    for (const r of reports) {
      ctx.io.stdout(`${r.patientId} ${r.dataClass}: retention ended; key destroyed, ${r.chunks} chunks and ${r.records} records deleted.`);
    }
  },
};

export const auditCommand: Command = {
  options: { json: { type: 'boolean' }, patient: { type: 'string' } },
  positionals: true,
  async run(ctx) {
    const [sub, ...extra] = ctx.positionals ?? [];
    const { io, values } = ctx;
    if (extra.length > 0) throw new AppError('VALIDATION', 'Use: audit verify|list [--json]');
    if (sub === 'verify') {
      const result = await withConsent(ctx, (service, caller) => service.auditVerify(caller));
      if (values.json) io.stdout(JSON.stringify(result, null, 2));
      else if (result.ok) {
        io.stdout(`The audit log is intact: ${result.entries} entries.${result.appendOnlyTriggers ? '' : ' Its append-only triggers are missing.'}`);
      }
      if (!result.ok) {
        if (!values.json) io.stderr(`caretwin audit: broken at entry ${result.firstBrokenSeq}: ${result.reason}.`);
        return 1;
      }
      return;
    }
    if (sub === 'list') {
      const patientId = values.patient === undefined ? undefined : patientOption(values);
      const entries = await withConsent(ctx, (service, caller) =>
        service.auditList(caller, patientId === undefined ? {} : { patientId }),
      );
      if (values.json) {
        io.stdout(JSON.stringify(entries, null, 2));
        return;
      }
      for (const e of entries) {
        io.stdout(
          `${String(e.seq).padStart(6)} ${new Date(e.atMs).toISOString()} ${e.actor} (${e.role}) ${e.action} ${e.outcome} ` +
            `${e.patientId ?? '-'} ${JSON.stringify(e.details)}`,
        );
      }
      return;
    }
    throw new AppError('VALIDATION', 'Use: audit verify|list [--json]');
  },
};

export const exportCommand: Command = {
  options: { patient: { type: 'string' }, out: { type: 'string' } },
  async run(ctx) {
    const patientId = patientOption(ctx.values);
    const out = ctx.values.out;
    if (typeof out !== 'string' || out === '') throw new AppError('VALIDATION', 'Name the output file with --out FILE.');
    if (fs.existsSync(out)) throw new AppError('CONFLICT', `${path.basename(out)} already exists; choose a new file name.`);
    const report = await withConsent(ctx, (service, caller) => service.exportBundle(caller, patientId));
    // Owner-only permissions: the file holds the patient's data in plaintext.
    fs.writeFileSync(out, JSON.stringify(report.bundle), { mode: 0o600, flag: 'wx' });
    ctx.io.stdout(
      `Wrote a FHIR Bundle: ${report.observations} observations, ${report.medications} medications; classes ${report.classes.join(', ') || 'none'}.`,
    );
  },
};
