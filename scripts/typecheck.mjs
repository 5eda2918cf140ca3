// Type-checks each layer with its own tsconfig (its own lib and types), so `window` in shared/ or
// `process` in renderer/ does not compile.
import { spawnSync } from 'node:child_process';

const projects = ['shared', 'main', 'main/preload', 'main/headless/browser', 'renderer', 'tsconfig.test.json'];
let failed = 0;
for (const p of projects) {
  const r = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', p], { stdio: 'inherit' });
  if (r.status !== 0) {
    failed += 1;
    console.error(`typecheck failed: ${p}`);
  }
}
process.exit(failed ? 1 : 0);
