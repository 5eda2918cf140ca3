import { describe, expect, it } from 'vitest';
import { DEMO_NAME_CAPACITY, demoPatientName } from './names.js';

describe('demoPatientName', () => {
  it('gives every patient up to the capacity a different name, for any key', () => {
    for (const key of [0, 12345, 0xdeadbeef]) {
      const names = new Set<string>();
      for (let i = 0; i < DEMO_NAME_CAPACITY; i++) names.add(demoPatientName(i, key).name);
      expect(names.size).toBe(DEMO_NAME_CAPACITY);
    }
  });

  it('keeps names distinct past the capacity with a middle initial', () => {
    const first = demoPatientName(5, 9).name;
    const next = demoPatientName(5 + DEMO_NAME_CAPACITY, 9).name;
    expect(next).not.toBe(first);
    expect(next).toMatch(/^\S+ A\. \S+$/);
  });

  it('does not list the panel alphabetically: consecutive patients have unrelated names', () => {
    const given = Array.from({ length: 12 }, (_, i) => demoPatientName(i, 1).name.split(' ')[0]);
    expect(new Set(given).size).toBeGreaterThan(8);
    expect([...given].sort()).not.toEqual(given);
  });

  it('gives both sexes', () => {
    const sexes = new Set(Array.from({ length: 50 }, (_, i) => demoPatientName(i, 3).sex));
    expect(sexes).toEqual(new Set(['female', 'male']));
  });
});
