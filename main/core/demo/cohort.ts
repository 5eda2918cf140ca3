/**
 * Who is on the demo panel: each patient's conditions, whether they wear a CGM, and their profile.
 *
 * Conditions are dealt from shuffled blocks of ten (2 type 1, 4 type 2, 3 heart failure, 1 heart
 * failure with type 2), so every panel has the intended mix (20/40/30/10 %) however small it is, and
 * 4 of the 5 type 2 patients per block wear a CGM (about 80 %).
 */
import type { Condition, PatientProfile } from '../../../shared/domain/patient.js';
import { MS_PER_DAY } from '../../../shared/domain/sample.js';
import { demoPatientName } from './names.js';
import { deriveSeed, RANDOM_STREAM, SeededRandom } from './random.js';
import type { DemoZone } from './zone-clock.js';

interface CohortSlot {
  readonly conditions: readonly Condition[];
  readonly wearsCgm: boolean;
}

const COHORT_BLOCK: readonly CohortSlot[] = [
  { conditions: ['t1d'], wearsCgm: true },
  { conditions: ['t1d'], wearsCgm: true },
  { conditions: ['t2d'], wearsCgm: true },
  { conditions: ['t2d'], wearsCgm: true },
  { conditions: ['t2d'], wearsCgm: true },
  { conditions: ['t2d'], wearsCgm: false },
  { conditions: ['hf'], wearsCgm: false },
  { conditions: ['hf'], wearsCgm: false },
  { conditions: ['hf'], wearsCgm: false },
  { conditions: ['hf', 't2d'], wearsCgm: true },
];

/** Zones weighted roughly like a US practice with a UK partner clinic. */
const ZONE_WEIGHTS: readonly (readonly [DemoZone, number])[] = [
  ['America/New_York', 0.3],
  ['America/Chicago', 0.2],
  ['America/Denver', 0.08],
  ['America/Phoenix', 0.07],
  ['America/Los_Angeles', 0.2],
  ['Europe/London', 0.15],
];

export interface CohortMember {
  readonly profile: PatientProfile;
  readonly conditions: readonly Condition[];
  readonly wearsCgm: boolean;
  readonly zone: DemoZone;
}

function pickZone(rng: SeededRandom): DemoZone {
  let u = rng.next();
  for (const [zone, weight] of ZONE_WEIGHTS) {
    if (u < weight) return zone;
    u -= weight;
  }
  return ZONE_WEIGHTS[0]![0];
}

function cohortSlot(index: number, seed: number): CohortSlot {
  const block = Math.floor(index / COHORT_BLOCK.length);
  const order = new SeededRandom(deriveSeed(seed, block, RANDOM_STREAM.cohortBlock)).shuffle([...COHORT_BLOCK]);
  return order[index % COHORT_BLOCK.length]!;
}

function ageYears(rng: SeededRandom, conditions: readonly Condition[]): number {
  if (conditions.includes('hf')) return rng.int(52, 91);
  if (conditions.includes('t2d')) return rng.int(42, 84);
  return rng.int(19, 72);
}

export function planCohortMember(index: number, seed: number, endMs: number): CohortMember {
  const slot = cohortSlot(index, seed);
  const rng = new SeededRandom(deriveSeed(seed, index, RANDOM_STREAM.profile));
  const { name, sex } = demoPatientName(index, deriveSeed(seed, RANDOM_STREAM.nameKey));
  const zone = pickZone(rng);
  const age = ageYears(rng, slot.conditions);
  const birthMs = endMs - Math.round((age + rng.next()) * 365.2425) * MS_PER_DAY;
  const profile: PatientProfile = {
    name,
    birthDate: new Date(Math.floor(birthMs / MS_PER_DAY) * MS_PER_DAY).toISOString().slice(0, 10),
    sex,
    zone,
    conditions: [...slot.conditions],
    identifiers: [{ system: 'urn:caretwin:demo-mrn', value: `DEMO-${String(index + 1).padStart(6, '0')}` }],
  };
  return { profile, conditions: slot.conditions, wearsCgm: slot.wearsCgm, zone };
}
