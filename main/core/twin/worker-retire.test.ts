import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { retireWorker } from './worker-retire.js';

// A worker that busies itself for `ms` per message (as a patient's refit does), answering retire like the pool's.
const BUSY_WORKER = `
const { parentPort } = require('node:worker_threads');
parentPort.on('message', (m) => {
  if (m && m.kind === 'retire') { parentPort.close(); return; }
  const until = Date.now() + m.ms;
  let x = 0;
  while (Date.now() < until) x += Math.sqrt(x + 1);
  parentPort.postMessage({ done: m.id, x });
});`;

function exitCode(worker: Worker): Promise<number> {
  return new Promise((resolve) => worker.once('exit', resolve));
}

describe('retireWorker', () => {
  it('lets a busy worker finish what was posted and exit by itself (exit code 0, never terminated)', async () => {
    const worker = new Worker(BUSY_WORKER, { eval: true });
    const replies: number[] = [];
    worker.on('message', (m: { done: number }) => replies.push(m.done));
    worker.postMessage({ id: 1, ms: 150 });
    worker.postMessage({ id: 2, ms: 150 });
    const code = exitCode(worker);
    await retireWorker(worker, 10_000);
    expect(await code).toBe(0);
    expect(replies).toEqual([1, 2]);
    expect(worker.threadId).toBe(-1);
  });

  it('terminates a worker that does not answer within the grace period', async () => {
    const worker = new Worker(`require('node:worker_threads').parentPort.on('message', () => {});`, { eval: true });
    await new Promise((resolve) => worker.once('online', resolve));
    const code = exitCode(worker);
    const started = Date.now();
    await retireWorker(worker, 300);
    expect(await code).toBe(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
  });

  it('resolves at once for a worker that has already exited', async () => {
    const worker = new Worker(`process.exit(3)`, { eval: true });
    expect(await exitCode(worker)).toBe(3);
    await retireWorker(worker, 60_000);
  });
});
