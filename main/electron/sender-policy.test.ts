import { describe, expect, it } from 'vitest';
import { checkIpcSender, type IpcSenderFacts } from './sender-policy.js';

const ours: IpcSenderFacts = {
  frame: { url: 'app://caretwin/index.html', isTopFrame: true },
  senderId: 7,
  expectedSenderId: 7,
};

describe('checkIpcSender', () => {
  it('accepts the top frame of our window showing our origin', () => {
    expect(checkIpcSender(ours)).toEqual({ ok: true });
    expect(checkIpcSender({ ...ours, frame: { url: 'app://caretwin/index.html#/patients', isTopFrame: true } })).toEqual({ ok: true });
  });

  it('refuses a frame of another origin', () => {
    for (const url of [
      'https://caretwin/index.html',
      'app://evil/index.html',
      'app://caretwin.evil.example/index.html',
      'app://caretwin:8080/index.html',
      'app://user@caretwin/index.html',
      'file:///opt/CareTwin/resources/app.asar/dist/renderer/index.html',
      'http://127.0.0.1:5173/',
      'about:blank',
      'data:text/html,<script>caretwin.invoke()</script>',
      '',
    ]) {
      expect(checkIpcSender({ ...ours, frame: { url, isTopFrame: true } }), url).toEqual({ ok: false, reason: 'foreign-origin' });
    }
  });

  it('refuses a subframe, even one of our origin', () => {
    expect(checkIpcSender({ ...ours, frame: { url: 'app://caretwin/index.html', isTopFrame: false } })).toEqual({ ok: false, reason: 'subframe' });
  });

  it('refuses another webContents', () => {
    expect(checkIpcSender({ ...ours, senderId: 8 })).toEqual({ ok: false, reason: 'foreign-webcontents' });
  });

  it('refuses when the frame is gone', () => {
    expect(checkIpcSender({ ...ours, frame: null })).toEqual({ ok: false, reason: 'no-frame' });
  });

  it('refuses everything while there is no window', () => {
    expect(checkIpcSender({ ...ours, expectedSenderId: null })).toEqual({ ok: false, reason: 'no-window' });
  });
});
