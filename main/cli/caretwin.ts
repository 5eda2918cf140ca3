/**
 * `caretwin <command>`: scripted use of CareTwin without a UI. Every command takes --data-dir (default:
 * the OS app-data folder) and ends with exit code 0, or non-zero with one line saying why.
 */
import { runCli } from './run.js';

process.exitCode = await runCli(process.argv.slice(2), {
  env: process.env,
  stdout: (line) => process.stdout.write(line + '\n'),
  stderr: (line) => process.stderr.write(line + '\n'),
});
