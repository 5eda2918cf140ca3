// `npm run cli -- <command>`: builds the CLI bundle (esbuild, well under a second) and runs it with the
// given arguments, passing the exit code through.
import { spawnSync } from 'node:child_process';

const b = spawnSync(process.execPath, ['scripts/build.mjs', '--only', 'cli'], { stdio: 'inherit' });
if (b.status !== 0) process.exit(b.status ?? 1);
const r = spawnSync(process.execPath, ['dist/cli/caretwin.mjs', ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(r.status ?? 1);
