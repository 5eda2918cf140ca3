import { describe, expect, it } from 'vitest';
import type { SessionStatus } from '../../../shared/ipc/contract.js';
import { isAdmin, isCareTeam, parseAdminRoute } from './AdminNav.js';

function status(role: 'admin' | 'clinician' | 'nurse' | 'patient' | null, state: SessionStatus['state'] = 'unlocked'): SessionStatus {
  return {
    state,
    demo: false,
    patientCount: null,
    dataDir: '/tmp/x',
    host: 'web',
    account: role === null ? null : { id: role === 'admin' ? 'owner' : `${role}-00000001`, role, patientId: null },
  };
}

describe('admin routes and who sees their links', () => {
  it('parses the three screens and nothing else', () => {
    expect(parseAdminRoute('#/audit')).toBe('audit');
    expect(parseAdminRoute('#/accounts/')).toBe('accounts');
    expect(parseAdminRoute('#/settings')).toBe('settings');
    expect(parseAdminRoute('#/')).toBeNull();
    expect(parseAdminRoute('#/patient/0123456789abcdef0123456789abcdef')).toBeNull();
    expect(parseAdminRoute('#/auditx')).toBeNull();
    expect(parseAdminRoute('#token=abc')).toBeNull();
  });

  it('the care team sees the audit log and settings, admins the accounts; patients and locked windows nothing', () => {
    expect(isCareTeam(status('nurse'))).toBe(true);
    expect(isCareTeam(status('clinician'))).toBe(true);
    expect(isCareTeam(status('patient'))).toBe(false);
    expect(isCareTeam(status('admin', 'locked'))).toBe(false);
    expect(isAdmin(status('admin'))).toBe(true);
    expect(isAdmin(status('nurse'))).toBe(false);
    expect(isAdmin(status('admin', 'locked'))).toBe(false);
    expect(isAdmin(undefined)).toBe(false);
  });
});
