// `npm run bench [-- --json]`: bundles scripts/bench/main.ts with esbuild and runs it. Figures go to
// stdout (JSON with --json); nothing is asserted here: tests check behaviour, this measures speed.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';

await build({
  entryPoints: ['scripts/bench/main.ts'],
  outfile: 'dist/bench/main.mjs',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  logLevel: 'warning',
});
// The refit section's worker thread, where the pool looks for it from dist/bench (../twin/).
await build({
  entryPoints: ['main/core/twin/refit-worker.ts'],
  outfile: 'dist/twin/refit-worker.mjs',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  logLevel: 'warning',
});
// The living twin's worker (main/core/twin/twin-compute-pool.ts), next to the refit worker.
await build({
  entryPoints: ['main/core/twin/living-twin-worker.ts'],
  outfile: 'dist/twin/living-twin-worker.mjs',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  logLevel: 'warning',
});
const r = spawnSync(process.execPath, ['--expose-gc', 'dist/bench/main.mjs', ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(r.status ?? 1);
