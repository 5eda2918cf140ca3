/**
 * What no web content in this app may do, applied to every session and every webContents (not only the
 * main window), so that a future window or a devtools page gets the same rules:
 * - navigate or be redirected anywhere but the app page; open windows; attach <webview>s;
 * - get any permission (camera, notifications, geolocation, HID, USB, serial, ...);
 * - request anything outside the app's own origin (the session filter runs in the main process, so it
 *   holds even if a compromised renderer ignores its CSP).
 */
import { app, type Session, type WebContents } from 'electron';
import { isAllowedNavigation, isAllowedRequestUrl } from './app-url.js';

export function hardenSession(ses: Session, opts: { allowDevTools: boolean }): void {
  ses.setPermissionRequestHandler((_webContents, _permission, callback) => callback(false));
  ses.setPermissionCheckHandler(() => false);
  ses.setDevicePermissionHandler(() => false);
  // The session spellchecker would download dictionaries; the window has spellcheck off anyway.
  ses.setSpellCheckerEnabled(false);
  ses.webRequest.onBeforeRequest((details, callback) => {
    callback({ cancel: !isAllowedRequestUrl(details.url, opts) });
  });
}

export function hardenWebContents(contents: WebContents): void {
  contents.on('will-navigate', (event) => {
    if (!isAllowedNavigation(event.url)) event.preventDefault();
  });
  contents.on('will-frame-navigate', (event) => {
    // The CSP allows no frames; a subframe navigation is never ours.
    if (!event.isMainFrame || !isAllowedNavigation(event.url)) event.preventDefault();
  });
  contents.on('will-redirect', (event) => {
    if (!isAllowedNavigation(event.url)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  // Links to the web are not opened in the OS browser either: CareTwin shows PHI, and a link in
  // imported data must not become a way out of the app.
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
}

/** Applies hardenWebContents to every webContents and hardenSession to every session created from now on. */
export function installContentGuards(opts: { allowDevTools: boolean }): void {
  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents));
  app.on('session-created', (ses) => hardenSession(ses, opts));
}
