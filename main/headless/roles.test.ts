/**
 * Roles through the web host's WebSocket and the IPC router, on a real store: each connection signs in with its own
 * account; a patient listing other patients and a nurse reading a class the consent keeps from nurses get FORBIDDEN,
 * and each attempt is in the audit log.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { defaultProvision } from '../../shared/domain/consent.js';
import { STREAM } from '../../shared/domain/streams.js';
import { WEB_TOKEN_PROTOCOL_PREFIX, type InvokeResult, type WireResponse } from '../../shared/ipc/bridge.js';
import { createServices, type CareTwinServices } from '../core/services.js';
import { createIpcRouter } from '../ipc/router.js';
import { startWebHost, type WebHost } from './web-host.js';

const CHEAP_KDF = { memorySize: 1024, iterations: 1 };
const NOW = Date.UTC(2026, 10, 20, 12);
const OWNER_PASS = 'owner passcode here';

interface Client {
  call(name: string, args?: unknown): Promise<InvokeResult>;
  close(): void;
}

async function connect(host: WebHost): Promise<Client> {
  const ws = new WebSocket(`ws://127.0.0.1:${host.port}/ipc`, [WEB_TOKEN_PROTOCOL_PREFIX + host.token], { origin: host.origin });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  let nextId = 1;
  const waiting = new Map<number, (r: InvokeResult) => void>();
  ws.on('message', (data) => {
    const msg = JSON.parse(String(data)) as WireResponse;
    if (msg.type === 'result') waiting.get(msg.id)?.(msg.result);
  });
  return {
    call(name, args = {}) {
      const id = nextId++;
      return new Promise((resolve) => {
        waiting.set(id, resolve);
        ws.send(JSON.stringify({ type: 'invoke', id, name, args }));
      });
    },
    close: () => ws.close(),
  };
}

describe('roles through the web host and the router', () => {
  let dir: string;
  let services: CareTwinServices;
  let host: WebHost;
  let now: number;
  const clients: Client[] = [];

  beforeEach(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'caretwin-roles-'));
    const rendererDir = path.join(dir, 'renderer');
    mkdirSync(rendererDir);
    writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><html><head></head><body></body></html>');
    now = NOW;
    services = await createServices({
      dataDir: path.join(dir, 'store'),
      host: 'web',
      kdf: CHEAP_KDF,
      nowMs: () => now,
      autoLockMs: 10 * 60_000,
    });
    host = await startWebHost({ router: createIpcRouter(services), rendererDir, bridgeScript: '' });
  });
  afterEach(async () => {
    for (const c of clients) c.close();
    clients.length = 0;
    await host.close();
    await services.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function client(): Promise<Client> {
    const c = await connect(host);
    clients.push(c);
    return c;
  }

  it('gives FORBIDDEN to a patient listing patients and to a nurse reading a class withheld from nurses; audits both', async () => {
    await services.session.setup(OWNER_PASS);
    const store = services.store();
    const owner = { actor: 'owner', role: 'admin' as const };
    const mine = store.createPatient({ name: 'Patient Self', conditions: ['t2d'], identifiers: [] });
    const other = store.createPatient({ name: 'Patient Other', conditions: ['hf'], identifiers: [] });
    for (const id of [mine, other]) {
      store.writeSeries([
        { patientId: id, stream: STREAM.cgm, source: 'cgm', tMs: [NOW - 3600_000, NOW - 1800_000], values: [110, 120] },
        { patientId: id, stream: STREAM.weight, source: 'scale', tMs: [NOW - 3600_000], values: [80] },
      ]);
    }
    store.setConsent(owner, mine, 'cgm', { ...defaultProvision(NOW - 86_400_000), roles: ['clinician'] });
    const patient = await store.addAccount(owner, 'patient', 'patient passcode', { patientId: mine });
    const nurse = await store.addAccount(owner, 'nurse', 'nurse passcode');
    services.session.lock();

    const anonymous = await client();
    expect(await anonymous.call('panel.list')).toMatchObject({ ok: false, error: { code: 'LOCKED' } });

    // The nurse's sign-in opens the store with the team key; the patient then signs in on their own connection.
    const n = await client();
    expect(await n.call('session.unlock', { passcode: 'nurse passcode', account: nurse.id })).toMatchObject({ ok: true });
    expect(await n.call('panel.list')).toMatchObject({ ok: true, value: [{ id: mine }, { id: other }] });
    expect(await n.call('patient.series', { patientId: mine, stream: STREAM.cgm })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(await n.call('patient.series', { patientId: other, stream: STREAM.cgm })).toMatchObject({ ok: true });
    const nurseView = await n.call('patient.get', { patientId: mine });
    expect(nurseView.ok && (nurseView.value as { streams: { code: string }[] }).streams.map((s) => s.code)).toEqual([STREAM.weight]);
    expect(await n.call('consent.revoke', { patientId: mine, dataClass: 'vitals' })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(await n.call('users.list')).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });

    const p = await client();
    expect(await p.call('session.unlock', { passcode: 'not the one', account: patient.id })).toMatchObject({
      ok: false,
      error: { code: 'BAD_PASSCODE' },
    });
    const signedIn = await p.call('session.unlock', { passcode: 'patient passcode', account: patient.id });
    expect(signedIn).toMatchObject({ ok: true, value: { state: 'unlocked', patientCount: null, account: { id: patient.id, role: 'patient', patientId: mine } } });
    expect(await p.call('panel.list')).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(await p.call('patient.get', { patientId: other })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(await p.call('patient.get', { patientId: mine })).toMatchObject({ ok: true, value: { name: 'Patient Self' } });
    expect(await p.call('patient.series', { patientId: mine, stream: STREAM.cgm })).toMatchObject({ ok: true, value: { values: [110, 120] } });
    expect(await p.call('demo.generate', { patients: 1, days: 1, seed: 1 })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    // Another connection is not signed in by these.
    expect(await anonymous.call('panel.list')).toMatchObject({ ok: false, error: { code: 'LOCKED' } });

    const denied = services.store().listAudit().filter((e) => e.outcome === 'denied');
    expect(denied.map((e) => [e.actor, e.role, e.patientId, e.details.method, e.details.dataClass ?? null])).toEqual([
      [nurse.id, 'nurse', mine, 'patient.series', 'cgm'],
      [nurse.id, 'nurse', mine, 'consent.set', null],
      [nurse.id, 'nurse', null, 'users.list', null],
      [patient.id, 'patient', null, 'panel.list', null],
      [patient.id, 'patient', other, 'patient.get', null],
      [patient.id, 'patient', null, 'demo.generate', null],
    ]);
    const reads = services.store().listAudit().filter((e) => e.action === 'phi.read');
    expect(reads.map((e) => [e.actor, e.details.method])).toContainEqual([nurse.id, 'panel.list']);
    expect(services.store().verifyAudit().ok).toBe(true);
  });

  it("a patient's own sign-in opens only their keys: the care team must lock it first", async () => {
    await services.session.setup(OWNER_PASS);
    const store = services.store();
    const mine = store.createPatient({ name: 'Alone Self', conditions: ['t2d'], identifiers: [] });
    store.createPatient({ name: 'Alone Other', conditions: ['t2d'], identifiers: [] });
    const patient = await store.addAccount({ actor: 'owner', role: 'admin' }, 'patient', 'patient passcode', { patientId: mine });
    const nurse = await store.addAccount({ actor: 'owner', role: 'admin' }, 'nurse', 'nurse passcode');
    services.session.lock();
    const p = await client();
    expect(await p.call('session.unlock', { passcode: 'patient passcode', account: patient.id })).toMatchObject({ ok: true });
    expect(services.store().listPatients().map((x) => x.id)).toEqual([mine]);
    const n = await client();
    expect(await n.call('session.unlock', { passcode: 'nurse passcode', account: nurse.id })).toMatchObject({
      ok: false,
      error: { code: 'CONFLICT' },
    });
  });

  it('once other accounts exist the store passcode no longer opens every connection: each signs in', async () => {
    const a = await client();
    expect(await a.call('session.setup', { passcode: OWNER_PASS, confirm: OWNER_PASS })).toMatchObject({ ok: true });
    const b = await client();
    expect(await b.call('panel.list')).toMatchObject({ ok: true });
    await services.store().addAccount({ actor: 'owner', role: 'admin' }, 'clinician', 'clinician passcode');
    expect(await a.call('panel.list')).toMatchObject({ ok: true });
    expect(await b.call('panel.list')).toMatchObject({ ok: false, error: { code: 'LOCKED' } });
    expect(await b.call('session.status')).toMatchObject({ ok: true, value: { state: 'locked', patientCount: null, account: null } });
    expect(await b.call('session.unlock', { passcode: 'not the owner one' })).toMatchObject({ ok: false, error: { code: 'BAD_PASSCODE' } });
    expect(await b.call('session.unlock', { passcode: OWNER_PASS })).toMatchObject({ ok: true, value: { account: { id: 'owner' } } });
    expect(await b.call('panel.list')).toMatchObject({ ok: true });
  });

  it('locks itself after the inactivity period', async () => {
    await services.session.setup(OWNER_PASS);
    const c = await client();
    expect(await c.call('panel.list')).toMatchObject({ ok: true });
    now += 9 * 60_000;
    expect(services.session.lockIfIdle()).toBe(false);
    expect(await c.call('panel.list')).toMatchObject({ ok: true });
    now += 10 * 60_000;
    expect(services.session.lockIfIdle()).toBe(true);
    expect(await c.call('panel.list')).toMatchObject({ ok: false, error: { code: 'LOCKED' } });
  });
});
