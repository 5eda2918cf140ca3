/**
 * The one CLI command that reaches past main/core: it composes the core, the IPC router and the web
 * host (see the layering note in README: main/cli may import main/headless and main/ipc for `serve`).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServices } from '../../core/services.js';
import { createIpcRouter } from '../../ipc/router.js';
import { startWebHost } from '../../headless/web-host.js';
import { AppError } from '../../../shared/ipc/errors.js';
import { intOption } from './options.js';
import type { Command } from './index.js';

/** dist/cli/caretwin.mjs -> dist/renderer and dist/web/bridge.js */
function builtAssets(): { rendererDir: string; bridgeScript: string } {
  const distDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const rendererDir = path.join(distDir, 'renderer');
  try {
    readFileSync(path.join(rendererDir, 'index.html'));
    return { rendererDir, bridgeScript: readFileSync(path.join(distDir, 'web', 'bridge.js'), 'utf8') };
  } catch {
    throw new AppError('STORE_UNAVAILABLE', 'The app is not built: run "npm run build" first (npm run start:web does it for you).');
  }
}

export const serveCommand: Command = {
  options: { port: { type: 'string' }, demo: { type: 'boolean' } },
  async run({ dataDir, values, io }) {
    const port = intOption(values.port, 'port', 0, 0, 65535);
    const assets = builtAssets();
    const services = await createServices({ dataDir, host: 'web', demoWhenEmpty: values.demo === true });
    const router = createIpcRouter(services);
    let host;
    try {
      host = await startWebHost({ router, port, ...assets });
    } catch (error) {
      await services.close();
      if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new AppError('CONFLICT', `Port ${port} is in use; choose another with --port.`);
      throw error;
    }
    io.stdout(`READY ${host.url}`);
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    await host.close();
    await services.close();
  },
};
