/** Light, dark or the system's choice; kept for the next start (theme.ts). */
import { useId } from 'react';
import { setThemeChoice, useThemeChoice, type ThemeChoice } from '../theme.js';

const LABELS: Record<ThemeChoice, string> = { system: 'System', light: 'Light', dark: 'Dark' };

export function ThemeToggle() {
  const choice = useThemeChoice();
  const id = useId();
  return (
    <div className="theme-toggle">
      <label htmlFor={id}>Theme</label>
      <select id={id} value={choice} onChange={(e) => setThemeChoice(e.target.value as ThemeChoice)}>
        {(Object.keys(LABELS) as ThemeChoice[]).map((c) => (
          <option key={c} value={c}>
            {LABELS[c]}
          </option>
        ))}
      </select>
    </div>
  );
}
