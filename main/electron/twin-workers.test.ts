import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { twinWorkerUrls } from './twin-workers.js';

describe('twinWorkerUrls', () => {
  it('points into app.asar.unpacked in a packaged app, and electron-builder unpacks those files', () => {
    const packaged = twinWorkerUrls(path.join('/opt', 'CareTwin', 'resources', 'app.asar'));
    expect(fileURLToPath(packaged.computeWorkerUrl)).toBe(
      path.join('/opt', 'CareTwin', 'resources', 'app.asar.unpacked', 'dist', 'twin', 'living-twin-worker.mjs'),
    );
    expect(readFileSync('electron-builder.yml', 'utf8')).toMatch(/asarUnpack:[\s\S]*- dist\/twin\/\*\*/);
  });

  it('points into the app folder when unpackaged (npm start)', () => {
    expect(fileURLToPath(twinWorkerUrls('/work/caretwin').computeWorkerUrl)).toBe(path.join('/work/caretwin', 'dist', 'twin', 'living-twin-worker.mjs'));
  });
});
