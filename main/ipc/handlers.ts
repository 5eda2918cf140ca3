/**
 * One handler per contract method. Inputs arrive parsed by the router; outputs are checked by it.
 * The mapped type makes a missing or misnamed handler a compile error.
 */
import type { Observable } from 'rxjs';
import type { Contract, InputOf, MethodName, OutputOf } from '../../shared/ipc/contract.js';
import type { CareTwinServices, CallerContext } from '../core/services.js';

type HandlerOf<K extends MethodName> = Contract[K]['kind'] extends 'stream'
  ? (ctx: CallerContext, input: InputOf<K>) => Observable<OutputOf<K>>
  : (ctx: CallerContext, input: InputOf<K>) => Promise<OutputOf<K>> | OutputOf<K>;

export type Handlers = { [K in MethodName]: HandlerOf<K> };

export function createHandlers(services: CareTwinServices): Handlers {
  return {
    'session.status': (ctx) => services.session.status(ctx),
    'session.setup': (ctx, input) => services.session.setup(input.passcode, ctx),
    'session.unlock': (ctx, input) => services.session.unlock(input.passcode, input.account, ctx, input.remember),
    'session.quickUnlock': (ctx) => services.session.quickUnlock(ctx),
    'session.forgetQuickUnlock': (ctx) => services.session.forgetQuickUnlock(ctx),
    'session.lock': () => services.session.lock(),
    'demo.generate': async (_ctx, input) => {
      const report = await services.generateDemo(input);
      return { patients: report.patients, samples: report.samples, ms: report.ms };
    },
    'panel.list': (ctx) => services.panel(ctx),
    'panel.triage': (ctx, input) => services.triage.triage(services.session.caller(ctx), input.periodDays),
    'panel.assign': (ctx, input) =>
      services.triage.assign(services.session.caller(ctx), input.patientId, { tags: input.tags, assignedNurse: input.assignedNurse }),
    'patient.get': (ctx, input) => services.patient(input.patientId, ctx),
    'patient.series': (ctx, input) => services.series(input.patientId, input.stream, input.fromMs, input.toMs, ctx),
    'consent.get': (ctx, input) => services.consent.show(services.session.caller(ctx), input.patientId),
    'consent.set': (ctx, input) =>
      services.consent.set(services.session.caller(ctx), input.patientId, input.dataClass, input.provision),
    'consent.revoke': (ctx, input) => services.consent.revoke(services.session.caller(ctx), input.patientId, input.dataClass),
    'audit.list': (ctx, input) => services.consent.auditList(services.session.caller(ctx), input),
    'patient.exportFhir': (ctx, input) => services.consent.exportBundle(services.session.caller(ctx), input.patientId),
    'audit.verify': (ctx) => services.consent.auditVerify(services.session.caller(ctx)),
    'users.list': (ctx) => services.admin.accounts(services.session.caller(ctx)),
    'audit.page': (ctx, input) => services.admin.auditPage(services.session.caller(ctx), input),
    'settings.get': (ctx) => services.admin.settings(services.session.caller(ctx)),
    'settings.setAutoLock': (ctx, input) => services.admin.setAutoLock(services.session.caller(ctx), input.minutes),
    'users.add': (ctx, input) =>
      services
        .store()
        .addAccount(services.session.caller(ctx), input.role, input.passcode, input.patientId === undefined ? {} : { patientId: input.patientId }),
    'users.setStatus': (ctx, input) => services.store().setAccountStatus(services.session.caller(ctx), input.account, input.status),
    'users.remove': (ctx, input) => {
      services.store().removeAccount(services.session.caller(ctx), input.account);
      return { removed: true };
    },
    'store.events': () => services.events$,
    'import.begin': (ctx, input) => services.imports.begin(ctx, input),
    'import.chunk': (ctx, input) => services.imports.chunk(ctx, input.importId, input.seq, input.data),
    'import.finish': (ctx, input) => services.imports.finish(ctx, input.importId),
    'import.cancel': (ctx, input) => services.imports.cancel(ctx, input.importId),
    'import.progress': (ctx, input) => services.imports.progress(ctx, input.importId),
    'alerts.list': (ctx, input) => services.alerts.list(services.session.caller(ctx), input),
    'alerts.acknowledge': (ctx, input) => services.alerts.acknowledge(services.session.caller(ctx), input.patientId, input.alertId),
    'alerts.resolve': (ctx, input) => services.alerts.resolve(services.session.caller(ctx), input.patientId, input.alertId, input.note),
    'program.get': (ctx, input) => services.program.get(services.session.caller(ctx), input.patientId, input.month),
    'program.timer.start': (ctx, input) => services.program.startTimer(services.session.caller(ctx), input.patientId),
    'program.timer.stop': (ctx, input) =>
      services.program.stopTimer(services.session.caller(ctx), input.patientId, { note: input.note, minutes: input.minutes }),
    'program.minutes.add': (ctx, input) =>
      services.program.addMinutes(services.session.caller(ctx), input.patientId, { minutes: input.minutes, note: input.note, atMs: input.atMs }),
    'twin.get': (ctx, input) => services.twin.get(services.session.caller(ctx), input.patientId),
    'twin.updates': (ctx, input) => services.twin.updates(services.session.caller(ctx), input.patientId),
    'twin.series': (ctx, input) =>
      services.twin.series(services.session.caller(ctx), input.patientId, { fromMs: input.fromMs, toMs: input.toMs, buckets: input.buckets }),
    'twin.refit': (ctx, input) => services.twin.refit(services.session.caller(ctx), input.patientIds),
    'report.agp': (ctx, input) =>
      services.reports.agp(services.session.caller(ctx), input.patientId, { fromMs: input.fromMs, toMs: input.toMs, days: input.days }),
    'report.pdf': (ctx, input) => services.reports.pdf(services.session.caller(ctx), ctx, input.patientId, input.pageSize),
  };
}
