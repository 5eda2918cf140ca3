// The desktop wiring of quick re-unlock against a stand-in for 'electron' (the binary cannot run here): the token file
// in the user data folder (mode 0600, no passcode in it), deleted at start and at quit; Linux basic_text refused.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

const fake = vi.hoisted(() => {
  const state = { userData: '', backend: 'gnome_libsecret', available: true, quitHandlers: [] as (() => void)[] };
  const electron = {
    app: {
      getPath: (name: string) => {
        if (name !== 'userData') throw new Error(`unexpected path ${name}`);
        return state.userData;
      },
      on: (event: string, handler: () => void) => {
        if (event === 'will-quit') state.quitHandlers.push(handler);
      },
    },
    safeStorage: {
      isEncryptionAvailable: () => state.available,
      getSelectedStorageBackend: () => state.backend,
      // A reversible stand-in with a fixed prefix, so the test can tell what was handed to it.
      encryptString: (plain: string) => Buffer.from(`ENC:${Buffer.from(plain, 'utf8').reverse().toString('base64')}`),
      decryptString: (enc: Buffer) => {
        const text = enc.toString('utf8');
        if (!text.startsWith('ENC:')) throw new Error('not ours');
        return Buffer.from(text.slice(4), 'base64').reverse().toString('utf8');
      },
    },
  };
  return { state, electron };
});

vi.mock('electron', () => fake.electron);

const { createElectronQuickUnlock, QUICK_UNLOCK_FILE } = await import('./quick-unlock.js');

const PASSCODE = 'desktop passcode 123';

describe('Electron quick unlock wiring', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'caretwin-quick-'));
    fake.state.userData = dir;
    fake.state.backend = 'gnome_libsecret';
    fake.state.available = true;
    fake.state.quitHandlers = [];
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps only the safeStorage-encrypted token in the user data folder, and deletes it at quit', () => {
    const file = path.join(dir, QUICK_UNLOCK_FILE);
    writeFileSync(file, 'left by an earlier run');
    const quick = createElectronQuickUnlock();
    expect(existsSync(file)).toBe(false);
    expect(quick.ready()).toBe(false);

    quick.remember({ passcode: PASSCODE, account: 'nurse-0a0b0c0d' });
    const stored = readFileSync(file);
    expect(stored.toString('utf8').startsWith('ENC:')).toBe(true);
    expect(stored.toString('latin1')).not.toContain(PASSCODE);
    if (process.platform !== 'win32') expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(quick.recall()).toEqual({ passcode: PASSCODE, account: 'nurse-0a0b0c0d' });

    expect(fake.state.quitHandlers).toHaveLength(1);
    fake.state.quitHandlers[0]!();
    expect(existsSync(file)).toBe(false);
    expect(quick.ready()).toBe(false);
  });

  it('is not offered on Linux with the basic_text backend', () => {
    fake.state.backend = 'basic_text';
    const quick = createElectronQuickUnlock();
    expect(quick.available()).toBe(process.platform !== 'linux');
  });
});
