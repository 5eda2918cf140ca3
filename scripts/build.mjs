// Builds every runnable piece into dist/: the CLI (and web host), the browser bridge, the Electron main
// process and preload (esbuild), and the renderer (vite). `node scripts/build.mjs --only cli` builds the
// CLI and bridge alone (what `npm run cli` needs).
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';

const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : null;
const common = { bundle: true, sourcemap: true, logLevel: 'warning', target: 'node20' };

const tasks = {
  cli: () =>
    build({
      ...common,
      entryPoints: { caretwin: 'main/cli/caretwin.ts' },
      outdir: 'dist/cli',
      outExtension: { '.js': '.mjs' },
      platform: 'node',
      format: 'esm',
      // Runtime packages (better-sqlite3's native addon above all) load from node_modules.
      packages: 'external',
      banner: { js: '#!/usr/bin/env node' },
    }),
  // The panel refit's worker thread (main/core/twin): a file of its own, found next to the CLI bundle.
  twinWorker: () =>
    build({
      ...common,
      entryPoints: { 'refit-worker': 'main/core/twin/refit-worker.ts', 'living-twin-worker': 'main/core/twin/living-twin-worker.ts' },
      outdir: 'dist/twin',
      outExtension: { '.js': '.mjs' },
      platform: 'node',
      format: 'esm',
      packages: 'external',
    }),
  bridge: () =>
    build({
      ...common,
      entryPoints: ['main/headless/browser/bridge.ts'],
      outfile: 'dist/web/bridge.js',
      platform: 'browser',
      format: 'iife',
      target: 'es2022',
    }),
  electron: () =>
    build({
      ...common,
      entryPoints: ['main/electron/main.ts'],
      outfile: 'dist/electron/main.cjs',
      platform: 'node',
      format: 'cjs',
      // ESM-only dependencies (@noble/hashes, zod) and libsodium (WebAssembly inlined) are bundled into the CommonJS main; the native addon is not.
      external: ['electron', 'better-sqlite3'],
      // CommonJS has no import.meta: the core's `new URL(..., import.meta.url)` gets this file's URL instead.
      define: { 'import.meta.url': '__caretwinMainUrl' },
      banner: { js: "const __caretwinMainUrl = require('node:url').pathToFileURL(__filename).href;" },
    }),
  preload: () =>
    build({
      ...common,
      // A sandboxed preload cannot require from node_modules: one self-contained file, electron aside.
      entryPoints: ['main/preload/preload.ts'],
      outfile: 'dist/electron/preload.cjs',
      platform: 'node',
      format: 'cjs',
      external: ['electron'],
    }),
  renderer: () => {
    const r = spawnSync(process.execPath, ['node_modules/vite/bin/vite.js', 'build', '--config', 'renderer/vite.config.ts', '--logLevel', 'warn'], {
      stdio: 'inherit',
    });
    if (r.status !== 0) throw new Error('renderer build failed');
  },
};

const selected = only === 'cli' ? ['cli', 'twinWorker', 'bridge'] : Object.keys(tasks);
if (!only) rmSync('dist', { recursive: true, force: true });
for (const name of selected) await tasks[name]();
