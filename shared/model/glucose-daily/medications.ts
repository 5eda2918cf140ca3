/**
 * Glucose-lowering medications as inputs of the daily layer: which drug class a prescription belongs
 * to, the population prior of its dose response, and the dose in force on each modelled day.
 *
 * A dose response is the steady-state change of mean glucose per unit of daily dose (mg/dL per mg/d or
 * per U/d). Priors are stated at a typical dose of each molecule, because molecules of one class are
 * dosed on different scales (empagliflozin 10 mg ≈ canagliflozin 100 mg), from the usual HbA1c
 * reductions converted through ADAG (1 % HbA1c ≈ 28.7 mg/dL), with SDs wide enough for non-responders
 * and strong responders alike.
 */
import { type DoseHistory, type DrugClass } from './types.js';

interface MoleculeEntry {
  readonly pattern: RegExp;
  readonly drugClass: DrugClass;
  readonly unit: string;
  /** A typical daily (or weekly, per `unit`) maintenance dose. */
  readonly typicalDose: number;
}

interface ClassPrior {
  /** Mean-glucose change at the typical dose, mg/dL. */
  readonly effectAtTypicalDoseMgDl: number;
  readonly sdAtTypicalDoseMgDl: number;
}

const CLASS_PRIORS: Record<DrugClass, ClassPrior> = {
  // Metformin 2,000 mg/d: HbA1c −1.0 to −1.5 %.
  metformin: { effectAtTypicalDoseMgDl: -30, sdAtTypicalDoseMgDl: 24 },
  // SGLT2 inhibitors: HbA1c −0.5 to −0.7 %.
  'sglt2-inhibitor': { effectAtTypicalDoseMgDl: -15, sdAtTypicalDoseMgDl: 12 },
  // Basal insulin: titrated to effect, so the per-unit response varies more than anything else here.
  'basal-insulin': { effectAtTypicalDoseMgDl: -15, sdAtTypicalDoseMgDl: 15 },
  'prandial-insulin': { effectAtTypicalDoseMgDl: -10, sdAtTypicalDoseMgDl: 15 },
  sulfonylurea: { effectAtTypicalDoseMgDl: -25, sdAtTypicalDoseMgDl: 20 },
  'dpp4-inhibitor': { effectAtTypicalDoseMgDl: -15, sdAtTypicalDoseMgDl: 12 },
  'glp1-receptor-agonist': { effectAtTypicalDoseMgDl: -30, sdAtTypicalDoseMgDl: 20 },
  thiazolidinedione: { effectAtTypicalDoseMgDl: -25, sdAtTypicalDoseMgDl: 20 },
};

const MOLECULES: readonly MoleculeEntry[] = [
  { pattern: /metformin/i, drugClass: 'metformin', unit: 'mg/d', typicalDose: 2000 },
  { pattern: /empagliflozin|jardiance/i, drugClass: 'sglt2-inhibitor', unit: 'mg/d', typicalDose: 10 },
  { pattern: /dapagliflozin|farxiga|forxiga/i, drugClass: 'sglt2-inhibitor', unit: 'mg/d', typicalDose: 10 },
  { pattern: /canagliflozin|invokana/i, drugClass: 'sglt2-inhibitor', unit: 'mg/d', typicalDose: 100 },
  { pattern: /ertugliflozin/i, drugClass: 'sglt2-inhibitor', unit: 'mg/d', typicalDose: 5 },
  { pattern: /glargine|detemir|degludec|\bnph\b|isophane|lantus|toujeo|basaglar|levemir|tresiba/i, drugClass: 'basal-insulin', unit: 'U/d', typicalDose: 10 },
  { pattern: /lispro|aspart|glulisine|insulin regular|humalog|novolog|novorapid|apidra/i, drugClass: 'prandial-insulin', unit: 'U/d', typicalDose: 10 },
  { pattern: /glipizide/i, drugClass: 'sulfonylurea', unit: 'mg/d', typicalDose: 10 },
  { pattern: /glimepiride/i, drugClass: 'sulfonylurea', unit: 'mg/d', typicalDose: 4 },
  { pattern: /gliclazide/i, drugClass: 'sulfonylurea', unit: 'mg/d', typicalDose: 160 },
  { pattern: /glyburide|glibenclamide/i, drugClass: 'sulfonylurea', unit: 'mg/d', typicalDose: 10 },
  { pattern: /sitagliptin/i, drugClass: 'dpp4-inhibitor', unit: 'mg/d', typicalDose: 100 },
  { pattern: /linagliptin|saxagliptin/i, drugClass: 'dpp4-inhibitor', unit: 'mg/d', typicalDose: 5 },
  { pattern: /alogliptin/i, drugClass: 'dpp4-inhibitor', unit: 'mg/d', typicalDose: 25 },
  { pattern: /semaglutide|ozempic/i, drugClass: 'glp1-receptor-agonist', unit: 'mg/wk', typicalDose: 1 },
  { pattern: /rybelsus/i, drugClass: 'glp1-receptor-agonist', unit: 'mg/d', typicalDose: 14 },
  { pattern: /dulaglutide|trulicity/i, drugClass: 'glp1-receptor-agonist', unit: 'mg/wk', typicalDose: 1.5 },
  { pattern: /tirzepatide|mounjaro/i, drugClass: 'glp1-receptor-agonist', unit: 'mg/wk', typicalDose: 10 },
  { pattern: /liraglutide|victoza/i, drugClass: 'glp1-receptor-agonist', unit: 'mg/d', typicalDose: 1.8 },
  { pattern: /pioglitazone/i, drugClass: 'thiazolidinedione', unit: 'mg/d', typicalDose: 30 },
];

export interface DoseResponsePrior {
  readonly drugClass: DrugClass;
  readonly meanMgDlPerUnit: number;
  readonly sdMgDlPerUnit: number;
}

/** Normalises unit spellings (`U/day`, `units/d`, `mg/day`) to the table's. */
function canonicalUnit(unit: string): string {
  const compact = unit.trim().toLowerCase().replace(/\s+/g, '');
  return compact
    .replace(/^(iu|units?|u)\//, 'U/')
    .replace(/\/(day|24h)$/, '/d')
    .replace(/\/(week|wk|w)$/, '/wk');
}

/** The dose-response prior of a prescription, or null when the drug or its unit is not recognised. */
export function doseResponsePrior(drug: string, unit: string): DoseResponsePrior | null {
  const molecule = MOLECULES.find((entry) => entry.pattern.test(drug));
  if (!molecule || canonicalUnit(unit) !== canonicalUnit(molecule.unit)) return null;
  const prior = CLASS_PRIORS[molecule.drugClass];
  return {
    drugClass: molecule.drugClass,
    meanMgDlPerUnit: prior.effectAtTypicalDoseMgDl / molecule.typicalDose,
    sdMgDlPerUnit: prior.sdAtTypicalDoseMgDl / molecule.typicalDose,
  };
}

/** A modelled drug: one whose class is known and whose dose changes inside the modelled days. */
export interface ModelledDrug {
  readonly drug: string;
  readonly unit: string;
  readonly prior: DoseResponsePrior;
  readonly referenceDose: number;
  readonly doseAtEnd: number;
}

export interface DoseInputs {
  readonly drugs: readonly ModelledDrug[];
  /** dayCount × drugs: dose in force minus the reference dose. */
  readonly doseChange: Float64Array;
  /**
   * Prescriptions whose drug or unit is not recognised: no effect is modelled for them. (Recognised drugs
   * whose dose never changes on the grid are left out silently: their effect is part of the baseline.)
   */
  readonly ignoredDrugs: readonly string[];
}

/** Dose in force on `day` (0 before the first step). Steps are in day order; the last one that day wins. */
export function doseOnDay(history: DoseHistory, day: number): number {
  let dose = 0;
  for (const step of history.steps) {
    if (step.day > day) break;
    dose = step.dose;
  }
  return dose;
}

/**
 * Dose changes on the grid firstDay … firstDay+dayCount−1. Steps after the grid's last day are not
 * read, so a projection never sees a later prescription.
 */
export function doseInputsOnGrid(histories: readonly DoseHistory[], firstDay: number, dayCount: number): DoseInputs {
  const drugs: ModelledDrug[] = [];
  const columns: Float64Array[] = [];
  const ignoredDrugs: string[] = [];
  for (const history of histories) {
    const prior = doseResponsePrior(history.drug, history.unit);
    if (!prior) {
      ignoredDrugs.push(history.drug);
      continue;
    }
    const referenceDose = doseOnDay(history, firstDay);
    const column = new Float64Array(dayCount);
    let changes = false;
    for (let t = 0; t < dayCount; t++) {
      column[t] = doseOnDay(history, firstDay + t) - referenceDose;
      if (column[t] !== 0) changes = true;
    }
    if (!changes) continue;
    drugs.push({ drug: history.drug, unit: history.unit, prior, referenceDose, doseAtEnd: referenceDose + column[dayCount - 1]! });
    columns.push(column);
  }
  const doseChange = new Float64Array(dayCount * drugs.length);
  for (let k = 0; k < drugs.length; k++) {
    const column = columns[k]!;
    for (let t = 0; t < dayCount; t++) doseChange[t * drugs.length + k] = column[t]!;
  }
  return { drugs, doseChange, ignoredDrugs };
}
