/**
 * Names for demo patients: common given names combined with made-up compound surnames, so a panel
 * reads like a clinic list without naming anyone from a real record. Patient index -> name is a keyed
 * bijection, so names never repeat within a panel (up to 11,520 patients) and still look shuffled.
 */

const FEMALE_GIVEN = [
  'Amelia', 'Beatriz', 'Clara', 'Dolores', 'Eleanor', 'Fatima', 'Grace', 'Hannah', 'Ines', 'Joan',
  'Keisha', 'Lucia', 'Margaret', 'Nadia', 'Olivia', 'Priya', 'Rosa', 'Sofia', 'Tamara', 'Yvonne',
] as const;

const MALE_GIVEN = [
  'Aaron', 'Bernard', 'Carlos', 'Darnell', 'Edward', 'Felix', 'George', 'Hassan', 'Isaac', 'Jamal',
  'Kenji', 'Luis', 'Martin', 'Nathan', 'Omar', 'Peter', 'Raymond', 'Samuel', 'Thomas', 'Victor',
] as const;

const SURNAME_HEADS = [
  'Ash', 'Bel', 'Bram', 'Cal', 'Dun', 'El', 'Fen', 'Gar', 'Hal', 'Hart', 'Kel', 'Lang',
  'Mar', 'Nor', 'Oak', 'Pen', 'Quin', 'Rad', 'Sel', 'Thorn', 'Wes', 'Wyn', 'Ald', 'Bren',
] as const;

const SURNAME_TAILS = ['brook', 'ford', 'wick', 'ley', 'ton', 'more', 'field', 'wood', 'hurst', 'dale', 'croft', 'well'] as const;

const GIVEN_COUNT = FEMALE_GIVEN.length + MALE_GIVEN.length;
const SURNAME_COUNT = SURNAME_HEADS.length * SURNAME_TAILS.length;
/** Distinct given name + surname pairs. */
export const DEMO_NAME_CAPACITY = GIVEN_COUNT * SURNAME_COUNT;

const PERMUTATION_BITS = 14;
const PERMUTATION_MASK = (1 << PERMUTATION_BITS) - 1;

/**
 * A keyed permutation of 0..2^14-1: odd multiplication, xor-shift and addition are each invertible
 * modulo 2^14, so their composition is too.
 */
function permute14(x: number, key: number): number {
  let y = x;
  for (let round = 0; round < 3; round++) {
    y = Math.imul(y, 0x5bd1 | 1) & PERMUTATION_MASK;
    y ^= y >>> 7;
    y = (y + ((key >>> (round * 10)) & PERMUTATION_MASK)) & PERMUTATION_MASK;
  }
  return y;
}

/** Cycle-walking restricts the permutation to 0..capacity-1 and keeps it one-to-one. */
function nameSlot(index: number, key: number): number {
  let slot = permute14(index, key);
  while (slot >= DEMO_NAME_CAPACITY) slot = permute14(slot, key);
  return slot;
}

export interface DemoName {
  readonly name: string;
  readonly sex: 'female' | 'male';
}

/** The name of panel patient `index` under name key `key` (derived from the panel seed). */
export function demoPatientName(index: number, key: number): DemoName {
  const slot = nameSlot(index % DEMO_NAME_CAPACITY, key);
  const givenIndex = slot % GIVEN_COUNT;
  const surnameIndex = Math.floor(slot / GIVEN_COUNT);
  const female = givenIndex < FEMALE_GIVEN.length;
  const given = (female ? FEMALE_GIVEN[givenIndex] : MALE_GIVEN[givenIndex - FEMALE_GIVEN.length])!;
  const surname =
    SURNAME_HEADS[surnameIndex % SURNAME_HEADS.length]! + SURNAME_TAILS[Math.floor(surnameIndex / SURNAME_HEADS.length)]!;
  // Past the capacity a middle initial keeps names distinct (panels are capped far below this).
  const round = Math.floor(index / DEMO_NAME_CAPACITY);
  const middle = round > 0 ? ` ${String.fromCharCode(64 + (((round - 1) % 26) + 1))}.` : '';
  return { name: `${given}${middle} ${surname}`, sex: female ? 'female' : 'male' };
}
