import { describe, expect, it } from 'vitest';
import { doseInputsOnGrid, doseOnDay, doseResponsePrior } from './medications.js';

describe('dose-response priors', () => {
  it('recognises drug classes by name and unit (unit spellings normalised)', () => {
    expect(doseResponsePrior('Metformin ER', 'mg/day')).toEqual({ drugClass: 'metformin', meanMgDlPerUnit: -30 / 2000, sdMgDlPerUnit: 24 / 2000 });
    expect(doseResponsePrior('Insulin glargine', 'units/day')?.drugClass).toBe('basal-insulin');
    expect(doseResponsePrior('Empagliflozin', 'mg/d')?.meanMgDlPerUnit).toBeCloseTo(-1.5, 12);
    expect(doseResponsePrior('Canagliflozin', 'mg/d')?.meanMgDlPerUnit).toBeCloseTo(-0.15, 12);
    expect(doseResponsePrior('Semaglutide', 'mg/wk')?.drugClass).toBe('glp1-receptor-agonist');
  });

  it('refuses a unit the prior is not stated in, and drugs that are not glucose-lowering', () => {
    expect(doseResponsePrior('Semaglutide', 'mg/d')).toBeNull();
    expect(doseResponsePrior('Metformin', 'U/d')).toBeNull();
    expect(doseResponsePrior('Furosemide', 'mg/d')).toBeNull();
  });
});

describe('dose inputs on the day grid', () => {
  const metformin = { drug: 'Metformin', unit: 'mg/d', steps: [{ day: -100, dose: 1000 }, { day: 5, dose: 1500 }, { day: 12, dose: 2000 }] };

  it('takes the dose in force on the first grid day as reference and never reads steps after the grid', () => {
    expect(doseOnDay(metformin, -101)).toBe(0);
    expect(doseOnDay(metformin, 4)).toBe(1000);
    expect(doseOnDay(metformin, 5)).toBe(1500);
    const inputs = doseInputsOnGrid([metformin], 0, 10);
    expect(inputs.drugs).toHaveLength(1);
    expect(inputs.drugs[0]!.referenceDose).toBe(1000);
    expect(inputs.drugs[0]!.doseAtEnd).toBe(1500);
    expect(Array.from(inputs.doseChange)).toEqual([0, 0, 0, 0, 0, 500, 500, 500, 500, 500]);
  });

  it('leaves out drugs whose dose never changes and lists unrecognised ones', () => {
    const steady = { drug: 'Empagliflozin', unit: 'mg/d', steps: [{ day: -300, dose: 10 }] };
    const diuretic = { drug: 'Furosemide', unit: 'mg/d', steps: [{ day: -300, dose: 40 }, { day: 3, dose: 80 }] };
    const inputs = doseInputsOnGrid([steady, diuretic, metformin], 0, 4);
    expect(inputs.drugs).toHaveLength(0);
    expect(inputs.ignoredDrugs).toEqual(['Furosemide']);
    expect(inputs.doseChange).toHaveLength(0);
  });
});
