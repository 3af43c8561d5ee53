import doubleMetaphone from 'talisman/phonetics/double-metaphone.js';

import { isValidNhsNumber, normaliseNhsNumber } from '../../../fhir/index.js';
import type { IdentityFields } from './identity-fields.js';
import { canonicalFamily, canonicalGiven, PLACEHOLDER_NAMES } from './name-variants.js';

/**
 * A record as the matcher compares it: every value normalised once, so comparing a pair does no
 * string clean-up. Short keys because the index stores one of these per source identity.
 */
export interface MatchRecord {
  /** Valid NHS number (modulus 11), digits only. */
  n?: string;
  /** Other shared identifier: upper-case letters and digits. */
  o?: string;
  /** Given name: lower-case ASCII letters. */
  g?: string;
  /** Canonical given name (nickname and transliteration groups). */
  gc?: string;
  /** Middle names, space separated. */
  mi?: string;
  /** Family name: lower-case ASCII letters, without spaces, hyphens or apostrophes. */
  f?: string;
  /** Parts of a hyphenated or double-barrelled family name (only when there are several). */
  fp?: string[];
  /** Birth date YYYY-MM-DD. */
  d?: string;
  /** Sex: m, f or o. */
  s?: string;
  /** Postcode: upper-case, no spaces. */
  p?: string;
  /** UK postcode sector ("N19") and district ("N1"); absent for other countries' codes. */
  ps?: string;
  pd?: string;
  /** Address tokens, lower-case. */
  a?: string[];
  /** Town or city, lower-case letters. */
  c?: string;
}

const metaphoneCache = new Map<string, string>();

/** Primary Double Metaphone code of a normalised name, memoised: names repeat heavily. */
export function phonetic(name: string): string {
  let code = metaphoneCache.get(name);
  if (code === undefined) {
    code = doubleMetaphone(name)[0] || name.slice(0, 4);
    if (metaphoneCache.size > 500_000) metaphoneCache.clear();
    metaphoneCache.set(name, code);
  }
  return code;
}

/** Lower-case ASCII: accents folded ("Zoë" → "zoe"), anything else but letters and spaces dropped. */
function foldText(value: string): string {
  // Most names are plain ASCII already: decomposing them is the slow part of normalising.
  const ascii = /^[\x20-\x7e]*$/.test(value) ? value : value.normalize('NFKD').replace(/[\u0300-\u036f]/g, '');
  return ascii
    .toLowerCase()
    .replace(/['’`]/g, '')
    .replace(/[^a-z]+/g, ' ')
    .trim();
}

const TITLES = new Set(['mr', 'mrs', 'ms', 'miss', 'mx', 'dr', 'prof', 'sir', 'rev', 'master', 'lady', 'lord']);

function nameWords(value: string | undefined): string[] {
  if (!value) return [];
  return foldText(value)
    .split(' ')
    .filter((word) => word && !TITLES.has(word));
}

function usableName(word: string | undefined): string | undefined {
  return word && word.length > 0 && !PLACEHOLDER_NAMES.has(word) ? word : undefined;
}

const UK_POSTCODE = /^([A-Z]{1,2})(\d[A-Z\d]?)(\d)([A-Z]{2})$/;

const SEX: Record<string, string> = {
  m: 'm',
  male: 'm',
  man: 'm',
  boy: 'm',
  '1': 'm',
  h: 'm',
  f: 'f',
  female: 'f',
  woman: 'f',
  girl: 'f',
  '2': 'f',
  w: 'f',
  o: 'o',
  other: 'o',
  x: 'o',
  '9': 'o',
  indeterminate: 'o',
  i: 'o',
};

/** Sex as m, f or o from the many ways extracts write it; unknown and blank are absent. */
export function normaliseSex(value: string | undefined): string | undefined {
  if (!value) return undefined;
  return SEX[value.trim().toLowerCase()];
}

/** A real calendar date in YYYY-MM-DD, or undefined. */
export function normaliseBirthDate(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const match = /^(\d{4})-(\d{2})-(\d{2})/.exec(value.trim());
  if (!match) return undefined;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (month < 1 || month > 12 || day < 1 || day > 31 || year < 1850) return undefined;
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCDate() === day ? `${match[1]}-${match[2]}-${match[3]}` : undefined;
}

const ADDRESS_NOISE = new Set(['flat', 'apartment', 'apt', 'the', 'of', 'and', 'unit']);

/** Normalises a record's demographics once, for comparing and blocking. */
export function normaliseIdentity(fields: IdentityFields): MatchRecord {
  const record: MatchRecord = {};
  if (fields.nhsNumber && isValidNhsNumber(fields.nhsNumber)) record.n = normaliseNhsNumber(fields.nhsNumber);
  const other = fields.otherIdentifier?.toUpperCase().replace(/[^A-Z0-9]/g, '');
  if (other) record.o = other;

  const givenWords = nameWords(fields.given);
  const given = usableName(givenWords[0]);
  if (given) {
    record.g = given;
    record.gc = canonicalGiven(given);
  }
  const middle = [...givenWords.slice(1), ...nameWords(fields.middle)].filter((word) => usableName(word));
  if (middle.length) record.mi = middle.join(' ');

  const familyWords = nameWords(fields.family?.replace(/-/g, ' ')).filter((word) => usableName(word));
  if (familyWords.length) {
    record.f = canonicalFamily(familyWords.join(''));
    if (familyWords.length > 1) record.fp = familyWords.map(canonicalFamily);
  }

  const birthDate = normaliseBirthDate(fields.birthDate);
  if (birthDate) record.d = birthDate;
  const sex = normaliseSex(fields.sex);
  if (sex) record.s = sex;

  const postcode = fields.postcode?.toUpperCase().replace(/[^A-Z0-9]/g, '');
  if (postcode) {
    record.p = postcode;
    const uk = UK_POSTCODE.exec(postcode);
    if (uk) {
      record.pd = uk[1] + uk[2];
      record.ps = uk[1] + uk[2] + uk[3];
    }
  }
  const tokens = (fields.addressLines ?? [])
    .flatMap((line) =>
      (line ?? '')
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, ' ')
        .split(' '),
    )
    .filter((token) => token && !ADDRESS_NOISE.has(token));
  if (tokens.length) record.a = [...new Set(tokens)];
  const city = fields.city ? foldText(fields.city).replace(/ /g, '') : '';
  if (city) record.c = city;
  return record;
}
