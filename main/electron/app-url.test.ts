import { describe, expect, it } from 'vitest';
import { APP_ENTRY_URL, isAllowedNavigation, isAllowedRequestUrl, isAppOriginUrl } from './app-url.js';

describe('isAllowedNavigation', () => {
  it('allows only the app page', () => {
    expect(APP_ENTRY_URL).toBe('app://caretwin/index.html');
    expect(isAllowedNavigation('app://caretwin/index.html')).toBe(true);
    expect(isAllowedNavigation('app://caretwin/index.html#/patient/1')).toBe(true);
    expect(isAllowedNavigation('app://caretwin/./assets/../index.html')).toBe(true);
  });

  it('refuses every other page', () => {
    for (const url of [
      'app://caretwin/',
      'app://caretwin/other.html',
      'app://caretwin/index.html?next=https://evil.example',
      'app://caretwin/assets/index.js',
      'app://evil/index.html',
      'app://caretwin:1/index.html',
      'app://x@caretwin/index.html',
      'https://caretwin/index.html',
      'https://evil.example/',
      'http://localhost:5173/index.html',
      'file:///etc/passwd',
      'javascript:alert(1)',
      'data:text/html,hi',
      'about:blank',
      'not a url',
      '',
    ]) {
      expect(isAllowedNavigation(url), url).toBe(false);
    }
  });
});

describe('isAppOriginUrl', () => {
  it('is true for any path of app://caretwin and nothing else', () => {
    expect(isAppOriginUrl('app://caretwin/assets/x.js')).toBe(true);
    expect(isAppOriginUrl('app://caretwin.evil/')).toBe(false);
    expect(isAppOriginUrl('apps://caretwin/')).toBe(false);
  });
});

describe('isAllowedRequestUrl', () => {
  it('lets the page load its own files and inline data only', () => {
    const policy = { allowDevTools: false };
    expect(isAllowedRequestUrl('app://caretwin/assets/index-abc.js', policy)).toBe(true);
    expect(isAllowedRequestUrl('data:image/png;base64,AAAA', policy)).toBe(true);
    for (const url of ['https://evil.example/x', 'http://127.0.0.1:8080/', 'wss://evil.example/', 'file:///etc/passwd', 'app://other/x', 'devtools://devtools/bundled/x.html']) {
      expect(isAllowedRequestUrl(url, policy), url).toBe(false);
    }
  });

  it('allows devtools pages only when asked to', () => {
    expect(isAllowedRequestUrl('devtools://devtools/bundled/devtools_app.html', { allowDevTools: true })).toBe(true);
  });
});
