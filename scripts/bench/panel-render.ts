/** Times the panel page in the real web host with Debian's Chromium, on a 120-patient demo store. */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { launchBenchChromium, webHostUrl } from './web-host.js';

const PASSCODE = 'bench passcode';

export async function benchPanelRender(runs = 7): Promise<{ afterUnlockMs: number; navigationMs: number; runs: number }> {
  const build = spawnSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
  if (build.status !== 0) throw new Error('build failed');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'caretwin-bench-web-'));
  const dataDir = path.join(dir, 'store');
  const env = { ...process.env, CARETWIN_PASSCODE: PASSCODE };
  const demo = spawnSync(process.execPath, ['dist/cli/caretwin.mjs', 'demo', '--data-dir', dataDir], { env, encoding: 'utf8' });
  if (demo.status !== 0) throw new Error(`demo failed: ${demo.stderr}`);
  const serve = spawn(process.execPath, ['dist/cli/caretwin.mjs', 'serve', '--data-dir', dataDir], { stdio: ['ignore', 'pipe', 'inherit'] });
  const browser = await launchBenchChromium();
  try {
    const url = await webHostUrl(serve);
    const page = await browser.newPage();
    await page.goto(url);
    await page.getByLabel('Passcode', { exact: true }).fill(PASSCODE);
    const t0 = performance.now();
    await page.getByRole('button', { name: 'Unlock' }).click();
    await page.locator('tbody tr').nth(119).waitFor();
    const afterUnlockMs = performance.now() - t0;
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const start = performance.now();
      await page.reload();
      await page.locator('tbody tr').nth(119).waitFor();
      times.push(performance.now() - start);
    }
    times.sort((a, b) => a - b);
    return { afterUnlockMs, navigationMs: times[Math.floor(times.length / 2)]!, runs };
  } finally {
    await browser.close();
    serve.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}
