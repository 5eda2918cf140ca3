/**
 * The triage panel above 200 patients renders only the rows near the view, and still reads as the whole table:
 * aria-rowcount counts every row, each rendered row carries its aria-rowindex, and the keyboard reaches every row
 * (End, Home, Page Down), also after the rows were scrolled away with the wheel. A 300-patient x 14-day demo store made by the CLI, the web host, Debian's Chromium.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from './support/browser.js';
import { CLI, freshDataDir, removeDataDir, startServe, type RunningHost } from './support/web-host.js';
import { UnlockScreen } from './pages/screens.js';
import { TriagePanel } from './pages/panel-page.js';

const run = promisify(execFile);
const PASSCODE = 'virtual panel e2e passcode';

describe('virtualised triage panel', () => {
  let host: RunningHost;
  let browser: Browser;
  let page: Page;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = freshDataDir();
    await run(process.execPath, [CLI, 'demo', '--patients', '300', '--days', '14', '--data-dir', dataDir], {
      env: { ...process.env, CARETWIN_PASSCODE: PASSCODE },
    });
    host = await startServe(['--data-dir', dataDir]);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1600, height: 900 } });
  });

  afterAll(async () => {
    await browser?.close();
    await host?.stop();
    if (dataDir) removeDataDir(dataDir);
  });

  it('renders a window of rows and reaches the last and first with the keyboard', async () => {
    await page.goto(host.url);
    await new UnlockScreen(page).unlock(PASSCODE);
    const panel = new TriagePanel(page);
    await panel.rowAt(0).waitFor({ timeout: 120_000 });
    expect(await panel.table().getAttribute('aria-rowcount')).toBe('301');
    const rendered = await panel.rows().count();
    expect(rendered).toBeGreaterThan(5);
    expect(rendered).toBeLessThan(60);
    expect(await panel.rowAt(0).getAttribute('aria-rowindex')).toBe('2');
    // One tab stop among the rows.
    expect(await panel.table().locator('tbody tr[tabindex="0"]').count()).toBe(1);
    const focusedIndex = () => page.evaluate(() => document.activeElement?.getAttribute('aria-rowindex') ?? null);
    const focusedName = () => page.evaluate(() => document.activeElement?.querySelector('th a')?.textContent ?? '');
    await panel.rowAt(0).focus();
    const firstAscending = await focusedName();
    // Scrolling with the wheel while a row holds the focus keeps that row (and so the keyboard) where it was:
    // the window moves, the focused row stays in the DOM in its place.
    const box = (await panel.table().boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + 300);
    await page.mouse.wheel(0, 150 * 64);
    await expect.poll(async () => Number(await panel.rows().last().getAttribute('aria-rowindex')), { timeout: 10_000 }).toBeGreaterThan(100);
    expect(await focusedIndex()).toBe('2');
    await page.keyboard.press('ArrowDown');
    await expect.poll(focusedIndex).toBe('3');
    await page.keyboard.press('End');
    await expect.poll(focusedIndex).toBe('301');
    expect(await panel.rowAt(0).count()).toBe(0);
    await page.keyboard.press('ArrowUp');
    await expect.poll(focusedIndex).toBe('300');
    await page.keyboard.press('Home');
    await expect.poll(focusedIndex).toBe('2');
    await page.keyboard.press('PageDown');
    const afterPage = Number(await focusedIndex());
    expect(afterPage).toBeGreaterThan(4);
    // The rendered rows' indexes are consecutive, so the table reads in order.
    const indexes = (await panel.rows().evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('aria-rowindex'))))) as number[];
    for (let i = 1; i < indexes.length; i++) expect(indexes[i]).toBe(indexes[i - 1]! + 1);
    // Sorting orders the whole panel, not the rendered window: the last name ascending comes first descending.
    await page.keyboard.press('End');
    await expect.poll(focusedIndex).toBe('301');
    const lastAscending = await focusedName();
    await panel.sortBy(/^Name/);
    expect(await panel.columnHeader(/^Name/).getAttribute('aria-sort')).toBe('descending');
    // The patient who was active stays active, now first: tabbing back into the table lands on them.
    await panel.table().locator('tbody tr[tabindex="0"]').focus();
    expect(await focusedIndex()).toBe('2');
    expect(await focusedName()).toBe(lastAscending);
    await page.keyboard.press('End');
    await expect.poll(focusedIndex).toBe('301');
    expect(await focusedName()).toBe(firstAscending);
  });
});
