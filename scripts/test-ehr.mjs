// `npm run test-ehr -- --bundles DIR [--port P] [--fail-every N] [--latency MS]`: bundles scripts/test-ehr/main.ts
// with esbuild (like bench.mjs) and runs it; it prints `READY <fhir base url>` when listening.
import { build } from 'esbuild';
import { spawn } from 'node:child_process';

await build({
  entryPoints: ['scripts/test-ehr/main.ts'],
  outfile: 'dist/test-ehr/main.mjs',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  logLevel: 'warning',
});
const child = spawn(process.execPath, ['dist/test-ehr/main.mjs', ...process.argv.slice(2)], { stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code) => process.exit(code ?? 1));
