// `npm test`: every check, from many and fast to few and slow. Static checks count as one test each;
// vitest's counts come from its JSON report. Every step runs even after a failure, so one run shows
// everything that is wrong; the last line is `N passed, N failed`.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';

mkdirSync('test-results', { recursive: true });
const node = process.execPath;
let passed = 0;
let failed = 0;
const failures = [];

function step(name, args) {
  const started = Date.now();
  console.log(`\n=== ${name}`);
  const r = spawnSync(node, args, { stdio: 'inherit', env: process.env });
  const ok = r.status === 0;
  console.log(`=== ${name}: ${ok ? 'ok' : 'FAILED'} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  return ok;
}

function check(name, args) {
  if (step(name, args)) passed += 1;
  else {
    failed += 1;
    failures.push(name);
  }
}

function vitest(project) {
  const report = `test-results/vitest-${project}.json`;
  const ok = step(`vitest ${project}`, [
    'node_modules/vitest/vitest.mjs',
    'run',
    '--project',
    project,
    '--reporter=default',
    '--reporter=json',
    `--outputFile=${report}`,
  ]);
  if (!existsSync(report)) {
    failed += 1;
    failures.push(`vitest ${project} (no report)`);
    return;
  }
  const json = JSON.parse(readFileSync(report, 'utf8'));
  passed += json.numPassedTests;
  failed += json.numFailedTests;
  // A suite that fails to load has no failed tests but must still fail the run.
  const brokenSuites = json.testResults.filter((s) => s.status === 'failed' && s.assertionResults.every((a) => a.status !== 'failed'));
  failed += brokenSuites.length;
  for (const s of brokenSuites) failures.push(`suite failed to run: ${s.name}`);
  if (!ok && json.numFailedTests === 0 && brokenSuites.length === 0) {
    failed += 1;
    failures.push(`vitest ${project}`);
  }
}

check('typecheck (per layer)', ['scripts/typecheck.mjs']);
check('eslint', ['node_modules/eslint/bin/eslint.js', '--max-warnings=0', '.']);
check('layering (dependency-cruiser)', ['node_modules/dependency-cruiser/bin/dependency-cruise.mjs', '--config', '.dependency-cruiser.cjs', 'main', 'renderer', 'shared', 'scripts', 'e2e']);
vitest('unit');
const built = step('build', ['scripts/build.mjs']);
if (built) {
  passed += 1;
  check('electronegativity', ['scripts/electronegativity.mjs']);
  vitest('e2e');
} else {
  failed += 1;
  failures.push('build (end-to-end tests not run)');
}

if (failures.length) console.log(`\nFailed: ${failures.join('; ')}`);
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
