import { NICKNAMES, TRANSLITERATIONS } from '../../records/name-variants.js';

// How PDS's fuzzy search compares names: homophones (Soundex, as PDS documents), short forms
// and small typos. Pure functions over normalised keys, so the index computes them once.

/** Upper-case letters only: accents dropped, so "Kociński", "KOCINSKI" and "kocinski" compare equal. */
export function nameKey(value: string): string {
  if (/^[A-Za-z]*$/.test(value)) return value.toUpperCase();
  return value
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toUpperCase()
    .replace(/[^A-Z]/g, '');
}

/** The parts of a compound or hyphenated name ("Smith-Jones" → SMITH, JONES). */
export function nameParts(value: string): string[] {
  return value
    .split(/[\s-]+/)
    .map(nameKey)
    .filter((part) => part.length > 0);
}

// Soundex digit of each letter A to Z; 0 for vowels and H, W, Y, which carry no code.
const SOUNDEX_DIGITS = '01230120022455012623010202';

/** American Soundex of a name key; H and W do not separate equal codes, vowels do. */
export function soundex(key: string): string {
  if (key.length === 0) return '';
  const digitOf = (letter: string) => SOUNDEX_DIGITS[letter.charCodeAt(0) - 65] ?? '0';
  let code = key[0] as string;
  let previous = digitOf(code);
  for (let index = 1; index < key.length && code.length < 4; index++) {
    const letter = key[index] as string;
    const digit = digitOf(letter);
    if (digit !== '0' && digit !== previous) code += digit;
    if (letter !== 'H' && letter !== 'W') previous = digit;
  }
  return code.padEnd(4, '0');
}

/** Edit distance counting a swap of neighbouring letters as one edit (optimal string alignment), capped for speed. */
export function editDistance(a: string, b: string, cap = 3): number {
  if (Math.abs(a.length - b.length) > cap) return cap + 1;
  const rows = a.length + 1;
  const columns = b.length + 1;
  const table: number[] = new Array<number>(rows * columns).fill(0);
  for (let i = 0; i < rows; i++) table[i * columns] = i;
  for (let j = 0; j < columns; j++) table[j] = j;
  for (let i = 1; i < rows; i++) {
    let rowMinimum = Infinity;
    for (let j = 1; j < columns; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(table[(i - 1) * columns + j]! + 1, table[i * columns + j - 1]! + 1, table[(i - 1) * columns + j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) value = Math.min(value, table[(i - 2) * columns + j - 2]! + 1);
      table[i * columns + j] = value;
      rowMinimum = Math.min(rowMinimum, value);
    }
    if (rowMinimum > cap) return cap + 1;
  }
  return table[rows * columns - 1]!;
}

// Short forms and transliterations: the sandbox's own tables, so a name another system
// drifted to (records/name-variants.ts) is one PDS's fuzzy search recognises.
const NAME_GROUPS: string[][] = [
  ...Object.entries(NICKNAMES).map(([name, shortForms]) => [name, ...shortForms].map(nameKey)),
  ...TRANSLITERATIONS.map((group) => group.map(nameKey)),
];

const NAME_GROUPS_BY_KEY = new Map<string, number[]>();
NAME_GROUPS.forEach((group, index) => {
  for (const name of group) NAME_GROUPS_BY_KEY.set(name, [...(NAME_GROUPS_BY_KEY.get(name) ?? []), index]);
});

/** Whether two name keys are forms of one name (Bob and Robert, Mohammed and Muhammad). */
export function areNameForms(a: string, b: string): boolean {
  const groupsOfA = NAME_GROUPS_BY_KEY.get(a);
  const groupsOfB = NAME_GROUPS_BY_KEY.get(b);
  if (!groupsOfA || !groupsOfB) return false;
  return groupsOfA.some((group) => groupsOfB.includes(group));
}

/** How a searched name compares with a held one, weakest last; `none` means no match at all. */
export type NameAgreement = 'exact' | 'form' | 'part' | 'sound' | 'typo' | 'near' | 'none';

/** A name with the keys comparisons need, worked out once. */
export interface NameForm {
  key: string;
  /** Parts of a compound or hyphenated name; one part for a simple name. */
  parts: string[];
  sound: string;
}

export function nameForm(text: string): NameForm {
  const key = nameKey(text);
  return { key, parts: nameParts(text), sound: soundex(key) };
}

/**
 * Compares a searched name with a held one as PDS's fuzzy search does: same name, a short form or
 * transliteration, one part of a compound name, a homophone, one slip of the keyboard, or two.
 */
export function compareNames(searched: NameForm, held: NameForm): NameAgreement {
  const a = searched.key;
  const b = held.key;
  if (a.length === 0 || b.length === 0) return 'none';
  if (a === b) return 'exact';
  if (areNameForms(a, b)) return 'form';
  if (held.parts.length > 1 && held.parts.includes(a)) return 'part';
  if (searched.parts.length > 1 && searched.parts.includes(b)) return 'part';
  if (searched.sound === held.sound) return 'sound';
  const distance = editDistance(a, b, 2);
  if (distance === 1) return 'typo';
  if (distance === 2 && Math.min(a.length, b.length) >= 6) return 'near';
  return 'none';
}
