/**
 * CareTwin's Electron main process: one store, one sandboxed window, the IPC router between them.
 * Order matters: the app:// scheme, the sandbox, the paths and the single-instance lock are settled
 * before `ready`; the protocol, the session rules and the services after it; the window last, so that
 * the page never asks for anything before the bridge is there.
 */
import path from 'node:path';
import { app, dialog, Menu, session, type BrowserWindow } from 'electron';
import { AppError } from '../../shared/ipc/errors.js';
import { createServices, type CareTwinServices } from '../core/services.js';
import { defaultDataDir } from '../core/store/data-dir.js';
import { createIpcRouter } from '../ipc/router.js';
import { chooseDataDir } from './data-dir-option.js';
import { installIpcBridge, type IpcBridge } from './ipc-bridge.js';
import { buildApplicationMenu } from './menu.js';
import { registerAppSchemeAsPrivileged, serveAppProtocol } from './protocol.js';
import { hardenSession, installContentGuards } from './security.js';
import { createMainWindow } from './window.js';
import { createWindowPdfPrinter } from './print-pdf.js';
import { createElectronQuickUnlock } from './quick-unlock.js';
import { twinWorkerUrls } from './twin-workers.js';

const development = !app.isPackaged;

let mainWindow: BrowserWindow | null = null;
let services: Promise<CareTwinServices> | null = null;
let bridge: IpcBridge | null = null;
let shutdown: 'running' | 'closing' | 'closed' = 'running';

function report(what: string, error: unknown): void {
  // The class name only: messages of library errors may echo stored values.
  const kind = error instanceof Error ? error.name : typeof error;
  process.stderr.write(`caretwin: ${what} (${kind})\n`);
}

async function closeServices(): Promise<void> {
  bridge?.dispose();
  bridge = null;
  if (services === null) return;
  const pending = services;
  services = null;
  try {
    await (await pending).close();
  } catch (error) {
    report('closing the store failed', error);
  }
}

function openWindow(): void {
  // Built by scripts/build.mjs next to main.cjs; app.getAppPath() is the folder (or asar) with package.json.
  const preloadPath = path.join(app.getAppPath(), 'dist', 'electron', 'preload.cjs');
  const window = createMainWindow({ preloadPath, devTools: development });
  window.on('closed', () => {
    if (mainWindow === window) mainWindow = null;
  });
  mainWindow = window;
}

async function start(dataDir: string): Promise<void> {
  await app.whenReady();
  hardenSession(session.defaultSession, { allowDevTools: development });
  serveAppProtocol(path.join(app.getAppPath(), 'dist', 'renderer'));
  Menu.setApplicationMenu(buildApplicationMenu({ isMac: process.platform === 'darwin', development }));

  const pending = createServices({
    dataDir,
    host: 'electron',
    demoWhenEmpty: true,
    printToPdf: createWindowPdfPrinter(() => mainWindow),
    // Offered only where safeStorage has a real OS secret store (see quick-unlock.ts); never by the web host.
    quickUnlock: createElectronQuickUnlock(),
    twinWorkers: twinWorkerUrls(app.getAppPath()),
  });
  services = pending;
  const router = createIpcRouter(await pending);
  // Quit may have been asked for while the store was opening; closeServices has it then.
  if (shutdown !== 'running') return;
  bridge = installIpcBridge({
    router,
    trustedContents: () => (mainWindow !== null && !mainWindow.isDestroyed() ? mainWindow.webContents : null),
  });
  openWindow();
}

async function fail(error: unknown): Promise<void> {
  report('start-up failed', error);
  const detail =
    error instanceof AppError
      ? error.message
      : 'The store could not be opened. Check that the data folder exists and is writable, then start CareTwin again.';
  dialog.showErrorBox('CareTwin could not start', detail);
  await closeServices();
  shutdown = 'closed';
  app.exit(1);
}

function main(): void {
  registerAppSchemeAsPrivileged();
  app.enableSandbox();

  const dataDir = chooseDataDir({ argv: process.argv, env: process.env, fallback: defaultDataDir, cwd: process.cwd() });
  // Everything Chromium writes (cookies, caches, local storage, the single-instance lock) goes to one
  // subfolder, so the store folder holds only CareTwin's own files and the lock is per store.
  const electronDir = path.join(dataDir, 'electron');
  app.setPath('userData', electronDir);
  app.setPath('sessionData', electronDir);

  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }
  app.on('second-instance', () => {
    if (mainWindow === null) return;
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.focus();
  });

  installContentGuards({ allowDevTools: development });

  app.on('window-all-closed', () => app.quit());
  app.on('before-quit', (event) => {
    if (shutdown === 'closed') return;
    // Quit only once the store is closed: its last writes and WAL checkpoint must not be cut off.
    event.preventDefault();
    if (shutdown === 'closing') return;
    shutdown = 'closing';
    void closeServices().finally(() => {
      shutdown = 'closed';
      app.quit();
    });
  });

  start(dataDir).catch((error: unknown) => fail(error));
}

main();
