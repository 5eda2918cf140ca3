import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/** The dark variables of a rule body: name -> value. */
function variables(body: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of body.matchAll(/(--[\w-]+)\s*:\s*([^;]+);/g)) out.set(m[1]!, m[2]!.trim());
  return out;
}

describe('styles.css themes', () => {
  const css = readFileSync(new URL('./styles.css', import.meta.url), 'utf8');

  it("sets the same dark variables for the system's dark scheme and for a user's dark choice", () => {
    const system = new Map<string, string>();
    for (const m of css.matchAll(/@media \(prefers-color-scheme: dark\) \{\s*:root:not\(\[data-theme='light'\]\) \{([^}]*)\}/g)) {
      for (const [k, v] of variables(m[1]!)) system.set(k, v);
    }
    const chosen = new Map<string, string>();
    for (const m of css.matchAll(/:root\[data-theme='dark'\] \{([^}]*)\}/g)) for (const [k, v] of variables(m[1]!)) chosen.set(k, v);
    expect(system.size).toBeGreaterThan(20);
    expect(Object.fromEntries(chosen)).toEqual(Object.fromEntries(system));
  });

  it('never applies the system dark scheme unconditionally (a light choice must win)', () => {
    expect(css).not.toMatch(/@media \(prefers-color-scheme: dark\) \{\s*:root \{/);
  });
});
