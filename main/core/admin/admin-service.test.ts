/** Settings are stored with their audit entry or not at all; the stored auto-lock is read back as the store opens. */
import { describe, expect, it } from 'vitest';
import { AppError } from '../../../shared/ipc/errors.js';
import { CareTwinStore } from '../store/store.js';
import { CHEAP_KDF, withTempDir } from '../store/store-test-fixtures.js';
import { AUTO_LOCK_SETTING, createAdminService } from './admin-service.js';

describe('admin service settings', () => {
  it('a setting whose audit entry cannot be written is not stored', async () => {
    await withTempDir(async (dir) => {
      const store = await CareTwinStore.create(dir, 'settings passcode', { kdf: CHEAP_KDF });
      try {
        expect(() => store.putSetting({ actor: 'not a valid id!', role: 'admin' }, AUTO_LOCK_SETTING, 5)).toThrow(AppError);
        expect(store.getMeta(AUTO_LOCK_SETTING)).toBeUndefined();
        expect(store.pageAudit({ action: 'settings.change' }).total).toBe(0);
        expect(() => store.putSetting({ actor: 'owner', role: 'admin' }, 'other.key', 5)).toThrow(/settings\./);

        let appliedMs = -1;
        const admin = createAdminService(() => store, { getMs: () => appliedMs, setMs: (ms) => (appliedMs = ms) });
        expect(admin.storedAutoLockMs()).toBeUndefined();
        admin.setAutoLock({ actor: 'owner', role: 'admin', purpose: 'treatment' }, 7);
        expect(appliedMs).toBe(7 * 60_000);
        expect(store.getMeta(AUTO_LOCK_SETTING)).toBe(7);
        expect(admin.storedAutoLockMs()).toBe(7 * 60_000);
        expect(store.pageAudit({ action: 'settings.change' }).entries[0]?.details).toEqual({ setting: 'autoLockMinutes', value: 7 });
        // A nurse is refused, and nothing changes.
        expect(() => admin.setAutoLock({ actor: 'nurse-00000001', role: 'nurse', purpose: 'treatment' }, 1)).toThrow(/admin/);
        expect(appliedMs).toBe(7 * 60_000);
        // A value stored by hand outside the range is ignored (the host default applies).
        store.putMeta(AUTO_LOCK_SETTING, 100_000);
        expect(admin.storedAutoLockMs()).toBeUndefined();
      } finally {
        store.close();
      }
    });
  });
});
