import { describe, expect, it } from 'vitest';
import { defaultDataDir } from './data-dir.js';

describe('default data directory', () => {
  it('follows each platform convention', () => {
    expect(defaultDataDir('linux', {}, '/home/ana')).toBe('/home/ana/.config/CareTwin');
    expect(defaultDataDir('linux', { XDG_CONFIG_HOME: '/data/cfg' }, '/home/ana')).toBe('/data/cfg/CareTwin');
    expect(defaultDataDir('linux', { XDG_CONFIG_HOME: 'relative/cfg' }, '/home/ana')).toBe('/home/ana/.config/CareTwin');
    expect(defaultDataDir('darwin', {}, '/Users/ana')).toBe('/Users/ana/Library/Application Support/CareTwin');
    expect(defaultDataDir('win32', { APPDATA: 'C:\\Users\\ana\\AppData\\Roaming' }, 'C:\\Users\\ana')).toBe(
      'C:\\Users\\ana\\AppData\\Roaming\\CareTwin',
    );
    expect(defaultDataDir('win32', {}, 'C:\\Users\\ana')).toBe('C:\\Users\\ana\\AppData\\Roaming\\CareTwin');
  });
});
