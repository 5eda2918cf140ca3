/** The one CareTwin window: sandboxed, context-isolated, no Node, showing only app://caretwin/index.html. */
import { BrowserWindow } from 'electron';
import { APP_ENTRY_URL } from './app-url.js';

export function createMainWindow(opts: { preloadPath: string; devTools: boolean }): BrowserWindow {
  const window = new BrowserWindow({
    title: 'CareTwin',
    width: 1280,
    height: 860,
    minWidth: 900,
    minHeight: 600,
    show: false,
    backgroundColor: '#f5f7f8',
    webPreferences: {
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webviewTag: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      navigateOnDragDrop: false,
      // Middle-click would otherwise open links through the window-open path (denied anyway).
      disableBlinkFeatures: 'Auxclick',
      spellcheck: false,
      devTools: opts.devTools,
      preload: opts.preloadPath,
    },
  });
  window.once('ready-to-show', () => window.show());
  window.loadURL(APP_ENTRY_URL).catch(() => process.stderr.write('caretwin: the app page did not load\n'));
  return window;
}
