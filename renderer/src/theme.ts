/**
 * Light and dark: the system's choice (prefers-color-scheme) unless the user picked one, kept in localStorage.
 * The choice is applied as `data-theme` on <html>, which styles.css reads; charts read their colours from the
 * same CSS variables and redraw when the effective theme changes (useEffectiveTheme).
 */
import { useSyncExternalStore } from 'react';

export type ThemeChoice = 'system' | 'light' | 'dark';
export type EffectiveTheme = 'light' | 'dark';

export const THEME_STORAGE_KEY = 'caretwin.theme';
const DARK_QUERY = '(prefers-color-scheme: dark)';
const CHANGE_EVENT = 'caretwin-theme-change';
/** Set while the page prints: charts draw light whatever the choice. */
let printing = false;

export function readThemeChoice(): ThemeChoice {
  try {
    const stored = window.localStorage.getItem(THEME_STORAGE_KEY);
    return stored === 'light' || stored === 'dark' ? stored : 'system';
  } catch {
    // Storage can be refused (privacy settings): the system's choice then.
    return 'system';
  }
}

export function effectiveTheme(choice: ThemeChoice = readThemeChoice()): EffectiveTheme {
  if (printing) return 'light';
  if (choice !== 'system') return choice;
  return window.matchMedia(DARK_QUERY).matches ? 'dark' : 'light';
}

/** Puts the choice on <html> (call once at start-up and after every change). */
export function applyThemeChoice(choice: ThemeChoice = readThemeChoice()): void {
  const root = document.documentElement;
  if (choice === 'system') root.removeAttribute('data-theme');
  else root.setAttribute('data-theme', choice);
}

export function setThemeChoice(choice: ThemeChoice): void {
  try {
    if (choice === 'system') window.localStorage.removeItem(THEME_STORAGE_KEY);
    else window.localStorage.setItem(THEME_STORAGE_KEY, choice);
  } catch {
    // Not kept across restarts then, but applied now.
  }
  applyThemeChoice(choice);
  window.dispatchEvent(new Event(CHANGE_EVENT));
}

function subscribe(onChange: () => void): () => void {
  const query = window.matchMedia(DARK_QUERY);
  query.addEventListener('change', onChange);
  window.addEventListener(CHANGE_EVENT, onChange);
  // Another window of the app changing the choice.
  window.addEventListener('storage', onChange);
  return () => {
    query.removeEventListener('change', onChange);
    window.removeEventListener(CHANGE_EVENT, onChange);
    window.removeEventListener('storage', onChange);
  };
}

export function useThemeChoice(): ThemeChoice {
  return useSyncExternalStore(subscribe, readThemeChoice);
}

export function useEffectiveTheme(): EffectiveTheme {
  return useSyncExternalStore(subscribe, () => effectiveTheme());
}

/**
 * While printing, the charts must be drawn in light colours (paper is light; styles.css switches the page's
 * variables). Returns the function that restores the user's theme. The caller waits a frame or two before
 * printing so that the charts have redrawn.
 */
export function lightThemeForPrint(): () => void {
  const root = document.documentElement;
  const before = root.getAttribute('data-theme');
  if (effectiveTheme() === 'light') return () => undefined;
  root.setAttribute('data-theme', 'light');
  printing = true;
  window.dispatchEvent(new Event(CHANGE_EVENT));
  return () => {
    printing = false;
    if (before === null) root.removeAttribute('data-theme');
    else root.setAttribute('data-theme', before);
    window.dispatchEvent(new Event(CHANGE_EVENT));
  };
}
