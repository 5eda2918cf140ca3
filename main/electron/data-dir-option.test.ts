import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { chooseDataDir } from './data-dir-option.js';

const base = { argv: ['/opt/CareTwin/caretwin'], env: {}, fallback: () => '/home/nurse/.config/CareTwin', cwd: '/work' };

describe('chooseDataDir', () => {
  it('falls back to the OS app-data folder', () => {
    expect(chooseDataDir(base)).toBe(path.resolve('/home/nurse/.config/CareTwin'));
  });

  it('takes CARETWIN_DATA_DIR over the fallback', () => {
    expect(chooseDataDir({ ...base, env: { CARETWIN_DATA_DIR: '/srv/caretwin' } })).toBe(path.resolve('/srv/caretwin'));
    expect(chooseDataDir({ ...base, env: { CARETWIN_DATA_DIR: '  ' } })).toBe(path.resolve('/home/nurse/.config/CareTwin'));
  });

  it('takes --data-dir over the environment, in both spellings, relative to the working directory', () => {
    const env = { CARETWIN_DATA_DIR: '/srv/caretwin' };
    expect(chooseDataDir({ ...base, env, argv: ['electron', '.', '--data-dir=/tmp/store'] })).toBe(path.resolve('/tmp/store'));
    expect(chooseDataDir({ ...base, env, argv: ['electron', '.', '--data-dir', 'store'] })).toBe(path.resolve('/work', 'store'));
  });

  it('ignores a --data-dir without a value', () => {
    expect(chooseDataDir({ ...base, argv: ['electron', '.', '--data-dir'] })).toBe(path.resolve('/home/nurse/.config/CareTwin'));
    expect(chooseDataDir({ ...base, argv: ['electron', '.', '--data-dir', '--inspect'] })).toBe(path.resolve('/home/nurse/.config/CareTwin'));
  });
});
