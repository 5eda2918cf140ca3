// `npm run screenshots`: PNGs of the care-team screens for people to look at, kept as test artefacts under
// test-results/screenshots/ (git-ignored). The built web host (dist/cli/caretwin.mjs serve) runs on a fresh
// encrypted store filled with the deterministic demo panel, whose twins are computed first (caretwin twin refit);
// Debian's Chromium (never a downloaded one) opens the panel, a diabetes patient's twin and report with its AGP,
// and a heart-failure patient's twin and report, in the light and the dark theme.
//
// Options: --patients N (default 120), --days N (default 90), --out DIR (default test-results/screenshots).
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { chromium } from 'playwright-core';

/* global document, requestAnimationFrame -- used in functions that run in the page */

const run = promisify(execFile);
const CLI = path.resolve('dist/cli/caretwin.mjs');
const CHROMIUM = process.env.CARETWIN_CHROMIUM ?? '/usr/bin/chromium';
const PASSCODE = 'screenshots passcode';

function option(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : fallback;
}

const patients = Number(option('patients', '120'));
const days = Number(option('days', '90'));
const outDir = path.resolve(option('out', 'test-results/screenshots'));
if (!Number.isInteger(patients) || patients < 2 || !Number.isInteger(days) || days < 1) {
  console.error('screenshots: --patients needs a whole number >= 2 and --days one >= 1');
  process.exit(2);
}

function say(line) {
  process.stderr.write(`${line}\n`);
}

async function cli(args, env = {}) {
  const { stdout } = await run(process.execPath, [CLI, ...args], {
    env: { ...process.env, CARETWIN_PASSCODE: PASSCODE, ...env },
    maxBuffer: 64 * 1024 * 1024,
  });
  return stdout;
}

function startServe(dataDir) {
  const child = spawn(process.execPath, [CLI, 'serve', '--data-dir', dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const ready = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the web host did not print READY within 60 s')), 60_000);
    child.stdout.on('data', (d) => {
      output += String(d);
      const m = /^READY (\S+)$/m.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.stderr.on('data', (d) => (output += String(d)));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the web host exited with ${code}`));
    });
  });
  return { child, ready };
}

/** Waits until nothing on the page is loading any more and every chart has had a frame to draw. */
async function settle(page) {
  await page.waitForFunction(() => document.querySelectorAll('.notice-loading').length === 0, undefined, { timeout: 60_000 });
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r(undefined)))));
  await page.waitForTimeout(250);
}

async function main() {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'caretwin-screenshots-'));
  const dataDir = path.join(tmp, 'store');
  let host;
  let browser;
  let failurePage;
  try {
    mkdirSync(outDir, { recursive: true });
    say(`demo panel: ${patients} patients x ${days} days…`);
    await cli(['demo', '--patients', String(patients), '--days', String(days), '--data-dir', dataDir]);
    say('computing the twins (caretwin twin refit)…');
    await cli(['twin', 'refit', '--data-dir', dataDir]);
    const list = JSON.parse(await cli(['patients', '--json', '--data-dir', dataDir]));
    const diabetes = list.find((p) => p.conditions.includes('t1d')) ?? list.find((p) => p.conditions.includes('t2d'));
    const heartFailure = list.find((p) => p.conditions.includes('hf'));
    if (!diabetes || !heartFailure) throw new Error('the demo panel holds no diabetes or no heart-failure patient: use more --patients');

    host = startServe(dataDir);
    const url = await host.ready;
    const origin = new URL(url).origin;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-gpu', '--no-first-run'],
    });
    const written = [];
    const page = await browser.newPage({ viewport: { width: 1440, height: 1000 }, deviceScaleFactor: 1 });
    failurePage = page;
    await page.goto(url);
    await page.getByLabel('Passcode', { exact: true }).fill(PASSCODE);
    await page.getByRole('button', { name: 'Unlock' }).click();
    await page.getByRole('button', { name: 'Lock' }).waitFor({ timeout: 60_000 });
    for (const scheme of ['light', 'dark']) {
      await page.emulateMedia({ colorScheme: scheme });
      await page.goto(`${origin}/#/`);
      await page.locator('main table').first().waitFor({ timeout: 60_000 });
      await settle(page);
      const suffix = scheme === 'light' ? '' : '-dark';
      const shot = async (name, fullPage) => {
        const file = path.join(outDir, `${name}${suffix}.png`);
        await page.screenshot({ path: file, fullPage });
        written.push(file);
      };
      // The panel is virtualised: the window's view of it is what a nurse sees.
      await shot('panel', false);
      for (const [name, patient] of [
        ['diabetes', diabetes],
        ['heart-failure', heartFailure],
      ]) {
        await page.goto(`${origin}/#/patient/${patient.id}`);
        await page.getByRole('heading', { level: 1 }).waitFor({ timeout: 60_000 });
        await settle(page);
        await shot(`${name}-twin`, true);
        await page.goto(`${origin}/#/patient/${patient.id}/report`);
        await page.getByRole('heading', { level: 1, name: /^Patient report/ }).waitFor({ timeout: 60_000 });
        if (name === 'diabetes') await page.locator('.agp-chart[data-drawn="true"]').waitFor({ timeout: 60_000 });
        await settle(page);
        await shot(`${name}-report${name === 'diabetes' ? '-agp' : ''}`, true);
      }
    }
    for (const file of written) console.log(path.relative(process.cwd(), file));
  } catch (error) {
    // What the page showed when it went wrong, beside the other pictures.
    await failurePage?.screenshot({ path: path.join(outDir, 'failure.png'), fullPage: true }).catch(() => undefined);
    throw error;
  } finally {
    await browser?.close();
    if (host && host.child.exitCode === null) {
      const exited = new Promise((r) => host.child.once('exit', r));
      host.child.kill('SIGTERM');
      await exited;
    }
    rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((error) => {
  // No stack: the reason in one line (patient data never reaches here: only counts and ids are handled).
  console.error(`screenshots: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
