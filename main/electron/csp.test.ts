import { describe, expect, it } from 'vitest';
import { contentSecurityPolicy } from './csp.js';

describe('contentSecurityPolicy', () => {
  it('is the strict policy, directive for directive', () => {
    expect(contentSecurityPolicy()).toBe(
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; " +
        "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'; object-src 'none'",
    );
  });

  it('allows no inline code, eval, wildcard or network origin', () => {
    const csp = contentSecurityPolicy();
    for (const loose of ["'unsafe-inline'", "'unsafe-eval'", "'wasm-unsafe-eval'", '*', 'http:', 'https:', 'ws:', 'blob:']) {
      expect(csp.split(/[\s;]+/)).not.toContain(loose);
    }
  });

  it('names each directive once', () => {
    const names = contentSecurityPolicy()
      .split('; ')
      .map((d) => d.split(' ')[0]);
    expect(new Set(names).size).toBe(names.length);
  });
});
