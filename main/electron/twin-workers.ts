/**
 * Where the desktop app's twin worker script lies. electron-builder.yml unpacks dist/twin out of the asar
 * archive (a worker thread loads its entry module from a real file), so in a packaged app they are under
 * app.asar.unpacked; unpackaged (`npm start`) they are in the app's dist/twin.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';

export function twinWorkerUrls(appPath: string): { computeWorkerUrl: URL } {
  const root = appPath.endsWith('.asar') ? `${appPath}.unpacked` : appPath;
  return { computeWorkerUrl: pathToFileURL(path.join(root, 'dist', 'twin', 'living-twin-worker.mjs')) };
}
