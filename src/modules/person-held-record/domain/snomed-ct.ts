// SNOMED CT identifiers (and dm+d's, which share the format), checked before they are stored or
// matched: a mistyped code then fails with a message instead of silently matching nothing.

export const SNOMED_CT_SYSTEM = 'http://snomed.info/sct';
export const DMD_SYSTEM = 'https://dmd.nhs.uk';

// Verhoeff's dihedral-group tables, as the SNOMED CT technical guide specifies the check digit.
const MULTIPLY = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  [1, 2, 3, 4, 0, 6, 7, 8, 9, 5],
  [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
  [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
  [4, 0, 1, 2, 3, 9, 5, 6, 7, 8],
  [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
  [6, 5, 9, 8, 7, 1, 0, 4, 3, 2],
  [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
  [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
  [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
];
const PERMUTE = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  [1, 5, 7, 6, 2, 8, 3, 0, 9, 4],
  [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
  [8, 9, 1, 6, 0, 4, 3, 5, 2, 7],
  [9, 4, 5, 3, 1, 2, 6, 8, 7, 0],
  [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
  [2, 7, 9, 3, 8, 0, 6, 4, 1, 5],
  [7, 0, 4, 6, 9, 1, 3, 2, 5, 8],
];

/** Whether the value is a well-formed concept id: 6 to 18 digits, no leading zero, concept partition, valid Verhoeff check digit. */
export function isValidConceptId(value: string): boolean {
  if (!/^[1-9]\d{5,17}$/.test(value)) return false;
  // The partition identifier (second and third digits from the right) is 00 or 10 for a concept.
  const partition = value.slice(-3, -1);
  if (partition !== '00' && partition !== '10') return false;
  let check = 0;
  const digits = [...value].reverse().map(Number);
  digits.forEach((digit, index) => {
    check = MULTIPLY[check][PERMUTE[index % 8][digit]];
  });
  return check === 0;
}
