/**
 * `caretwin alerts [--json] [--patient ID] [--state S]` (refreshes the model-free alerts first),
 * `caretwin alerts ack --patient ID --alert ID`, `caretwin alerts resolve --patient ID --alert ID --note TEXT`;
 * `caretwin program [--month YYYY-MM] [--json] [--patient ID]`, `caretwin program timer start|stop --patient ID
 * [--note TEXT] [--minutes N]`, `caretwin program add --patient ID --minutes N --note TEXT`.
 * They act as the account in CARETWIN_ACCOUNT, or the store's owner.
 */
import { ALERT_STATES, type Alert, type AlertState } from '../../../shared/domain/alerts.js';
import { AppError } from '../../../shared/ipc/errors.js';
import { callerForAccount, type Caller } from '../../core/consent/access.js';
import { createAlertService, type AlertService } from '../../core/alerts/alert-service.js';
import { createProgramService, type ProgramService } from '../../core/program/program-service.js';
import type { ProgramStatus } from '../../core/program/program.js';
import { CareTwinStore } from '../../core/store/store.js';
import { passcodeFor } from '../passcode.js';
import type { Command, CommandContext } from './index.js';
import { intOption } from './options.js';

async function withServices<T>(
  ctx: CommandContext,
  fn: (s: { alerts: AlertService; program: ProgramService; caller: Caller; store: CareTwinStore }) => T | Promise<T>,
): Promise<T> {
  const account = ctx.io.env.CARETWIN_ACCOUNT;
  const store = await CareTwinStore.unlock(ctx.dataDir, await passcodeFor(ctx.io, 'unlock'), account ? { account } : {});
  try {
    return await fn({
      alerts: createAlertService(() => store, Date.now),
      program: createProgramService(() => store, Date.now),
      caller: callerForAccount(store.account),
      store,
    });
  } finally {
    store.close();
  }
}

function patientOption(values: CommandContext['values'], required: true): string;
function patientOption(values: CommandContext['values'], required: false): string | undefined;
function patientOption(values: CommandContext['values'], required: boolean): string | undefined {
  const id = values.patient;
  if (id === undefined && !required) return undefined;
  if (typeof id !== 'string' || !/^[0-9a-f]{32}$/.test(id)) {
    throw new AppError('VALIDATION', 'Name the patient with --patient ID (32 hex characters; see "caretwin patients").');
  }
  return id;
}

function stringOption(values: CommandContext['values'], name: string): string {
  const v = values[name];
  if (typeof v !== 'string' || v.trim() === '') throw new AppError('VALIDATION', `Give --${name}.`);
  return v;
}

function iso(ms: number | null): string {
  return ms === null ? '-' : new Date(ms).toISOString().slice(0, 16).replace('T', ' ') + 'Z';
}

function table(io: CommandContext['io'], header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd();
  io.stdout(line(header));
  for (const r of rows) io.stdout(line(r));
}

function alertJson(a: Alert, names: Map<string, string>) {
  return { ...a, patientName: names.get(a.patientId) ?? null };
}

export const alertsCommand: Command = {
  options: {
    json: { type: 'boolean' },
    patient: { type: 'string' },
    state: { type: 'string' },
    alert: { type: 'string' },
    note: { type: 'string' },
  },
  positionals: true,
  async run(ctx) {
    const { values, io } = ctx;
    const [sub, ...extra] = ctx.positionals ?? [];
    if (extra.length > 0 || (sub !== undefined && sub !== 'ack' && sub !== 'resolve')) {
      throw new AppError('VALIDATION', 'Usage: caretwin alerts [--json] [--patient ID] [--state open|acknowledged|resolved] | alerts ack|resolve --patient ID --alert ID [--note TEXT]');
    }
    if (sub === 'ack' || sub === 'resolve') {
      const patientId = patientOption(values, true);
      const alertId = stringOption(values, 'alert');
      const done = await withServices(ctx, ({ alerts, caller }) =>
        sub === 'ack' ? alerts.acknowledge(caller, patientId, alertId) : alerts.resolve(caller, patientId, alertId, typeof values.note === 'string' ? values.note : ''),
      );
      if (values.json) io.stdout(JSON.stringify(done, null, 2));
      else io.stdout(`Alert ${done.id} is ${done.state}.`);
      return;
    }
    const state = values.state;
    if (state !== undefined && !(ALERT_STATES as readonly unknown[]).includes(state)) {
      throw new AppError('VALIDATION', `--state takes one of ${ALERT_STATES.join(', ')}.`);
    }
    const patientId = patientOption(values, false);
    const { list, names } = await withServices(ctx, ({ alerts, caller, store }) => ({
      list: alerts.list(caller, { patientId, state: state as AlertState | undefined }),
      names: new Map(store.listPatients().map((p) => [p.id, p.profile.name])),
    }));
    if (values.json) {
      io.stdout(JSON.stringify(list.map((a) => alertJson(a, names)), null, 2));
      return;
    }
    if (list.length === 0) {
      io.stdout('No alerts.');
      return;
    }
    table(
      io,
      ['alert', 'patient', 'state', 'kind', 'severity', 'first seen', 'last seen', 'seen', 'reason'],
      list.map((a) => [
        a.id,
        names.get(a.patientId) ?? a.patientId,
        a.state + (a.conditionClearedMs !== null ? ' (cleared)' : ''),
        a.kind + (a.kind === 'no-data' ? ` ${a.key}` : ''),
        a.severity,
        iso(a.firstSeenMs),
        iso(a.lastSeenMs),
        String(a.seenCount),
        a.text,
      ]),
    );
  },
};

function programRow(s: ProgramStatus, name: string): string[] {
  const p = s.projection;
  const projection =
    p.outcome === 'reached' ? 'reached' : p.outcome === 'not-reachable' ? `cannot reach 16 (needs ${p.needed}, ${p.remainingDays} left)` : `${Math.round(p.probability * 100)}% (needs ${p.needed} of ${p.remainingDays})`;
  return [
    name,
    s.period.zone,
    `${s.deviceDays.count}/${s.deviceDays.elapsedDays}`,
    s.deviceDays.code ?? '-',
    s.phase === 'past' ? '-' : projection,
    String(s.minutes.totalMinutes),
    s.minutes.codes.map((c) => (c.units > 1 ? `${c.code}x${c.units}` : c.code)).join(' ') || '-',
    s.timer === null ? '-' : `since ${iso(s.timer.startMs)}`,
  ];
}

export const programCommand: Command = {
  options: {
    json: { type: 'boolean' },
    patient: { type: 'string' },
    month: { type: 'string' },
    note: { type: 'string' },
    minutes: { type: 'string' },
  },
  positionals: true,
  async run(ctx) {
    const { values, io } = ctx;
    const args = ctx.positionals ?? [];
    const month = typeof values.month === 'string' ? values.month : undefined;
    if (args[0] === 'timer' && (args[1] === 'start' || args[1] === 'stop') && args.length === 2) {
      const patientId = patientOption(values, true);
      const minutes = values.minutes === undefined ? undefined : intOption(values.minutes, 'minutes', 0, 0, 100_000);
      const note = typeof values.note === 'string' ? values.note : undefined;
      if (args[1] === 'start') {
        const timer = await withServices(ctx, ({ program, caller }) => program.startTimer(caller, patientId));
        io.stdout(values.json ? JSON.stringify(timer, null, 2) : `Timer started at ${iso(timer.startMs)}.`);
        return;
      }
      const entry = await withServices(ctx, ({ program, caller }) => program.stopTimer(caller, patientId, { note, minutes }));
      io.stdout(values.json ? JSON.stringify(entry, null, 2) : `Timer stopped: ${Math.floor(entry.seconds / 60)} min ${entry.seconds % 60} s logged.`);
      return;
    }
    if (args[0] === 'add' && args.length === 1) {
      const patientId = patientOption(values, true);
      const minutes = intOption(values.minutes, 'minutes', 0, 1, 240);
      const note = stringOption(values, 'note');
      const out = await withServices(ctx, ({ program, caller }) => program.addMinutes(caller, patientId, { minutes, note }));
      if (values.json) io.stdout(JSON.stringify(out, null, 2));
      else io.stdout(`${minutes} min logged.`);
      return;
    }
    if (args.length > 0) {
      throw new AppError(
        'VALIDATION',
        'Usage: caretwin program [--month YYYY-MM] [--json] [--patient ID] | program timer start|stop --patient ID [--note TEXT] [--minutes N] | program add --patient ID --minutes N --note TEXT',
      );
    }
    const patientId = patientOption(values, false);
    const { rows, names } = await withServices(ctx, ({ program, caller, store }) => ({
      rows: patientId === undefined ? program.panel(caller, month) : [program.get(caller, patientId, month)],
      names: new Map(store.listPatients().map((p) => [p.id, p.profile.name])),
    }));
    if (values.json) {
      io.stdout(JSON.stringify(rows.map((r) => ({ ...r, patientName: names.get(r.patientId) ?? null })), null, 2));
      return;
    }
    if (rows.length === 0) {
      io.stdout('No patients.');
      return;
    }
    table(
      io,
      ['patient', 'zone', 'device days', 'code', '16 days', 'minutes', 'codes', 'timer'],
      rows.map((r) => programRow(r, names.get(r.patientId) ?? r.patientId)),
    );
  },
};
