/**
 * The one gate between a host's transport (Electron IPC, the web host's WebSocket) and the core.
 * For every message: the name must be an own key of the contract, the input must parse, PHI needs an
 * unlocked session; then the handler runs and any error becomes `{code, message}` with no stack and no
 * PHI. Hosts check the sender (frame, origin, token) before they call this.
 */
import type { Observable, Subscription } from 'rxjs';
import { contract, isMethodName, type MethodName } from '../../shared/ipc/contract.js';
import type { InvokeResult, StreamFrame } from '../../shared/ipc/bridge.js';
import { AppError, type IpcErrorPayload } from '../../shared/ipc/errors.js';
import type { CareTwinServices, CallerContext } from '../core/services.js';
import { createHandlers, type Handlers } from './handlers.js';
import type { AuditAction, Role } from '../../shared/domain/consent.js';

/**
 * What a successful PHI call is audited as. Steps of an upload are not entries of their own: `import.finish`
 * (the import itself) is. Refusals are audited where they are decided (core/consent/access.ts).
 */
const AUDIT_AS: Partial<Record<MethodName, AuditAction | null>> = {
  'import.begin': null,
  'import.chunk': null,
  'import.cancel': null,
  'import.finish': 'import',
  'demo.generate': 'import',
  // Consent changes are audited by the store, in the transaction that makes them.
  'consent.set': null,
  'consent.revoke': null,
  // Alert changes are audited (alert.action) by the alert store, in the transaction that makes them.
  'alerts.acknowledge': null,
  'alerts.resolve': null,
  // The exporter writes its own entry (`export`, with the classes included).
  'patient.exportFhir': null,
  // A report saved as a PDF leaves the app: an export.
  'report.pdf': 'export',
  // Account changes are audited by the store.
  'users.add': null,
  'users.setStatus': null,
  'users.remove': null,
  // Settings: reading them is not patient data; a change is audited by the admin service (settings.change).
  'settings.get': null,
  'settings.setAutoLock': null,
  // Tags and assignment are audited by the store (patient.assign).
  'panel.assign': null,
};

/** Methods only some roles may call at all (the rest are decided per patient and class in the core). */
const CARE_TEAM: readonly Role[] = ['admin', 'clinician', 'nurse'];
const METHOD_ROLES: Partial<Record<MethodName, readonly Role[]>> = {
  'demo.generate': ['admin'],
  'users.list': ['admin'],
  'users.add': ['admin'],
  'users.setStatus': ['admin'],
  'users.remove': ['admin'],
  'audit.verify': CARE_TEAM,
  'audit.page': CARE_TEAM,
  'settings.get': CARE_TEAM,
  'settings.setAutoLock': ['admin'],
  'import.begin': CARE_TEAM,
  'import.chunk': CARE_TEAM,
  'import.finish': CARE_TEAM,
  'import.cancel': CARE_TEAM,
  'import.progress': CARE_TEAM,
  'alerts.acknowledge': CARE_TEAM,
  'alerts.resolve': CARE_TEAM,
  'program.timer.start': CARE_TEAM,
  'program.timer.stop': CARE_TEAM,
  'program.minutes.add': CARE_TEAM,
  'twin.refit': ['admin', 'clinician'],
  'panel.triage': CARE_TEAM,
  'panel.assign': ['admin', 'nurse'],
};

function auditActionOf(method: MethodName): AuditAction | null {
  const mapped = AUDIT_AS[method];
  return mapped === undefined ? 'phi.read' : mapped;
}

function patientIdOf(input: unknown): string | null {
  const id = (input as { patientId?: unknown } | null)?.patientId;
  return typeof id === 'string' && /^[0-9a-f]{32}$/.test(id) ? id : null;
}

export type { CallerContext };

export interface IpcRouter {
  invoke(ctx: CallerContext, name: unknown, args: unknown): Promise<InvokeResult>;
  /** Frames arrive through onFrame; the returned function ends the subscription. */
  subscribe(ctx: CallerContext, name: unknown, args: unknown, onFrame: (frame: StreamFrame) => void): () => void;
}

export interface RouterOptions {
  /** Where unexpected errors are reported (never sent to the caller). Defaults to a one-line stderr note without details. */
  readonly onInternalError?: (method: string, error: unknown) => void;
}

export function createIpcRouter(services: CareTwinServices, options: RouterOptions = {}): IpcRouter {
  const handlers = createHandlers(services);
  const reportInternal =
    options.onInternalError ??
    ((method: string, error: unknown) => {
      // The name of the error class only: messages of library errors may echo stored values.
      const kind = error instanceof Error ? error.name : typeof error;
      process.stderr.write(`caretwin: internal error in ${method} (${kind})\n`);
    });

  function toPayload(method: string, error: unknown): IpcErrorPayload {
    if (error instanceof AppError) return { code: error.code, message: error.message };
    reportInternal(method, error);
    return { code: 'INTERNAL', message: 'Something went wrong inside CareTwin. Nothing was changed; try again, and report it if it keeps happening.' };
  }

  function admit(ctx: CallerContext, name: unknown, args: unknown, kind: 'call' | 'stream'): { method: MethodName; input: unknown } {
    if (!isMethodName(name)) throw new AppError('UNKNOWN_METHOD', 'That request is not part of CareTwin.');
    const def = contract[name];
    if ((def.kind === 'stream') !== (kind === 'stream')) {
      throw new AppError('UNKNOWN_METHOD', kind === 'stream' ? `${name} is not a stream.` : `${name} is a stream: subscribe to it.`);
    }
    const parsed = def.input.safeParse(args ?? {});
    if (!parsed.success) {
      // zod messages name the field and the rule, never the value; they are written for people.
      const first = parsed.error.issues[0];
      const where = first && first.path.length ? ` (${first.path.join('.')})` : '';
      throw new AppError('VALIDATION', `${first?.message ?? 'Invalid input'}${where}.`);
    }
    if (def.phi && !services.session.isUnlocked(ctx)) {
      throw new AppError('LOCKED', 'CareTwin is locked. Unlock it with your passcode.');
    }
    if (def.phi) {
      services.session.touch();
      const allowed = METHOD_ROLES[name];
      const caller = services.session.caller(ctx);
      if (allowed !== undefined && !allowed.includes(caller.role)) {
        services.consent.record(caller, 'phi.denied', patientIdOf(parsed.data), { method: name }, 'denied');
        throw new AppError('FORBIDDEN', `A ${caller.role} account cannot use ${name}.`);
      }
    }
    return { method: name, input: parsed.data };
  }

  return {
    async invoke(ctx, name, args) {
      const label = typeof name === 'string' ? name.slice(0, 64) : 'unknown';
      try {
        const { method, input } = admit(ctx, name, args, 'call');
        const handler = handlers[method] as unknown as (ctx: CallerContext, input: unknown) => Promise<unknown> | unknown;
        const value = await handler(ctx, input);
        // Outputs are checked too: a handler bug must not leak fields the contract does not allow.
        const out = contract[method].output.parse(value);
        // Every PHI call that succeeded is in the audit log before its answer leaves: no entry, no answer.
        const action = contract[method].phi ? auditActionOf(method) : null;
        if (action !== null) {
          services.consent.record(services.session.caller(ctx), action, patientIdOf(input), { method });
        }
        return { ok: true, value: out };
      } catch (error) {
        return { ok: false, error: toPayload(label, error) };
      }
    },

    subscribe(ctx, name, args, onFrame) {
      const label = typeof name === 'string' ? name.slice(0, 64) : 'unknown';
      let subscription: Subscription | undefined;
      try {
        const { method, input } = admit(ctx, name, args, 'stream');
        const handler = handlers[method] as unknown as (ctx: CallerContext, input: unknown) => Observable<unknown>;
        const schema = contract[method].output;
        subscription = handler(ctx, input).subscribe({
          next: (value) => onFrame({ type: 'next', value: schema.parse(value) }),
          error: (error: unknown) => onFrame({ type: 'error', error: toPayload(label, error) }),
          complete: () => onFrame({ type: 'complete' }),
        });
      } catch (error) {
        onFrame({ type: 'error', error: toPayload(label, error) });
      }
      return () => subscription?.unsubscribe();
    },
  };
}

export type { Handlers };
