/** Where CareTwin keeps its store when the user has not chosen a directory: the platform's per-user config place. */
import os from 'node:os';
import path from 'node:path';

export const APP_DIR_NAME = 'CareTwin';

export function defaultDataDir(
  platform: NodeJS.Platform = process.platform,
  env: NodeJS.ProcessEnv = process.env,
  homeDir: string = os.homedir(),
): string {
  switch (platform) {
    case 'win32':
      return path.win32.join(env['APPDATA'] || path.win32.join(homeDir, 'AppData', 'Roaming'), APP_DIR_NAME);
    case 'darwin':
      return path.posix.join(homeDir, 'Library', 'Application Support', APP_DIR_NAME);
    default: {
      // The XDG spec says a relative XDG_CONFIG_HOME is invalid and must be ignored.
      const xdg = env['XDG_CONFIG_HOME'];
      const base = xdg && path.posix.isAbsolute(xdg) ? xdg : path.posix.join(homeDir, '.config');
      return path.posix.join(base, APP_DIR_NAME);
    }
  }
}
