/**
 * `caretwin users add|list|disable|enable|remove`: accounts, each with its own passcode and key slot. Run by an
 * admin: the store passcode (the owner) or an admin account in CARETWIN_ACCOUNT. The new account's passcode comes
 * from CARETWIN_NEW_PASSCODE, or is asked twice on the terminal.
 */
import { ROLES, type Role } from '../../../shared/domain/consent.js';
import { AppError } from '../../../shared/ipc/errors.js';
import { checkNewPasscode, passcodeFor } from '../passcode.js';
import { withConsent } from './consent.js';
import type { Command } from './index.js';

function requireAdmin(role: Role): void {
  if (role !== 'admin') throw new AppError('FORBIDDEN', 'Only an admin manages accounts.');
}

export const usersCommand: Command = {
  options: { role: { type: 'string' }, patient: { type: 'string' }, account: { type: 'string' }, json: { type: 'boolean' } },
  positionals: true,
  async run(ctx) {
    const [sub, ...extra] = ctx.positionals ?? [];
    const { values, io } = ctx;
    if (extra.length > 0) throw new AppError('VALIDATION', 'Use: users add|list|disable|enable|remove (see --help).');
    if (sub === 'list') {
      const accounts = await withConsent(ctx, (_s, caller, store) => {
        requireAdmin(caller.role);
        return store.listAccounts();
      });
      if (values.json) {
        io.stdout(JSON.stringify(accounts, null, 2));
        return;
      }
      for (const a of accounts) {
        io.stdout(`${a.id.padEnd(18)} ${a.role.padEnd(10)} ${a.status.padEnd(9)} ${a.patientId ?? (a.id === 'owner' ? '(store passcode)' : '')}`);
      }
      return;
    }
    if (sub === 'add') {
      const role = values.role;
      if (typeof role !== 'string' || !(ROLES as readonly string[]).includes(role)) {
        throw new AppError('VALIDATION', `--role takes one of ${ROLES.join(', ')}.`);
      }
      const patientId = typeof values.patient === 'string' ? values.patient : undefined;
      const newPasscode = io.env.CARETWIN_NEW_PASSCODE ?? (await passcodeFor({ ...io, env: {} }, 'create'));
      checkNewPasscode(newPasscode);
      const account = await withConsent(ctx, (_s, caller, store) => {
        requireAdmin(caller.role);
        return store.addAccount(caller, role as Role, newPasscode, patientId === undefined ? {} : { patientId });
      });
      io.stdout(`Added ${account.id} (${account.role}). Sign in with this account id and its passcode.`);
      return;
    }
    if (sub === 'disable' || sub === 'enable' || sub === 'remove') {
      const id = values.account;
      if (typeof id !== 'string' || id === '') throw new AppError('VALIDATION', `Name the account: users ${sub} --account ID.`);
      await withConsent(ctx, (_s, caller, store) => {
        requireAdmin(caller.role);
        if (sub === 'remove') store.removeAccount(caller, id);
        else store.setAccountStatus(caller, id, sub === 'disable' ? 'disabled' : 'active');
      });
      io.stdout(sub === 'remove' ? `Removed ${id}; its key slot is destroyed.` : `${id} is ${sub === 'disable' ? 'disabled' : 'enabled'}.`);
      return;
    }
    throw new AppError('VALIDATION', 'Use: users add|list|disable|enable|remove (see --help).');
  },
};
