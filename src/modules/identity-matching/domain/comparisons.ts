import damerauLevenshtein from 'talisman/metrics/damerau-levenshtein.js';
import jaroWinkler from 'talisman/metrics/jaro-winkler.js';

import type { MatchRecord } from './normalise.js';

/**
 * One field's comparison: ordered levels, strongest agreement first and `different` last. The
 * Fellegi-Sunter model learns an m and a u probability for each level. `compare` answers the
 * level's index, or MISSING when either side lacks the value (no evidence either way).
 */
export interface Comparison {
  field: string;
  levels: readonly string[];
  /** Index of the exact-match level whose weight is adjusted by the value's frequency, if any. */
  termFrequency?: { level: number; value: (record: MatchRecord) => string | undefined };
  compare(a: MatchRecord, b: MatchRecord): number;
}

export const MISSING = -1;

const similar = (a: string, b: string, at: number) => jaroWinkler(a, b) >= at;

/** First name against surname both ways: a record keyed in with the names the wrong way round. */
function namesSwapped(a: MatchRecord, b: MatchRecord): boolean {
  // First letters first: names this alike share them, and the check is cheap beside Jaro-Winkler.
  if (!a.g || !a.f || !b.g || !b.f || a.g === b.g || a.g[0] !== b.f[0] || a.f[0] !== b.g[0]) return false;
  return similar(a.g, b.f, 0.92) && similar(a.f, b.g, 0.92);
}

const givenName: Comparison = {
  field: 'given',
  levels: ['exact', 'nickname-or-spelling', 'jaro-winkler>=0.92', 'jaro-winkler>=0.80', 'names-swapped', 'middle-name', 'different'],
  termFrequency: { level: 0, value: (record) => record.g },
  compare(a, b) {
    if (!a.g || !b.g) return MISSING;
    if (a.g === b.g) return 0;
    if (a.gc === b.gc) return 1;
    const score = jaroWinkler(a.g, b.g);
    if (score >= 0.92) return 2;
    if (namesSwapped(a, b)) return 4;
    if (score >= 0.8) return 3;
    // Known by a middle name in one system ("Mary Anne Smith" booked as "Anne Smith").
    if ((a.mi && a.mi.split(' ').includes(b.g)) || (b.mi && b.mi.split(' ').includes(a.g))) return 5;
    return 6;
  },
};

const familyName: Comparison = {
  field: 'family',
  levels: ['exact', 'jaro-winkler>=0.92', 'jaro-winkler>=0.80', 'shares-a-part', 'names-swapped', 'different'],
  termFrequency: { level: 0, value: (record) => record.f },
  compare(a, b) {
    if (!a.f || !b.f) return MISSING;
    if (a.f === b.f) return 0;
    const score = jaroWinkler(a.f, b.f);
    if (score >= 0.92) return 1;
    // One part of a hyphenated or double-barrelled name: "Smith-Jones" and "Jones".
    if ((a.fp && a.fp.includes(b.f)) || (b.fp && b.fp.includes(a.f)) || (a.fp && b.fp && a.fp.some((part) => b.fp!.includes(part))))
      return 3;
    if (namesSwapped(a, b)) return 4;
    if (score >= 0.8) return 2;
    return 5;
  },
};

const birthDate: Comparison = {
  field: 'birthDate',
  levels: ['exact', 'day-month-swap', 'one-field-differs', 'two-digits-differ', 'different'],
  compare(a, b) {
    if (!a.d || !b.d) return MISSING;
    if (a.d === b.d) return 0;
    const [ay, am, ad] = [a.d.slice(0, 4), a.d.slice(5, 7), a.d.slice(8, 10)];
    const [by, bm, bd] = [b.d.slice(0, 4), b.d.slice(5, 7), b.d.slice(8, 10)];
    if (ay === by && am === bd && ad === bm) return 1;
    const same = (ay === by ? 1 : 0) + (am === bm ? 1 : 0) + (ad === bd ? 1 : 0);
    if (same === 2) return 2;
    // Keying errors touch a digit or two; a parent's and a child's birth dates differ throughout.
    return damerauLevenshtein.limited(2, a.d, b.d) <= 2 ? 3 : 4;
  },
};

const sex: Comparison = {
  field: 'sex',
  levels: ['same', 'different'],
  compare(a, b) {
    if (!a.s || !b.s) return MISSING;
    return a.s === b.s ? 0 : 1;
  },
};

const postcode: Comparison = {
  field: 'postcode',
  levels: ['exact', 'sector', 'district', 'one-edit', 'different'],
  compare(a, b) {
    if (!a.p || !b.p) return MISSING;
    if (a.p === b.p) return 0;
    if (a.ps && a.ps === b.ps) return 1;
    if (a.pd && a.pd === b.pd) return 2;
    if (damerauLevenshtein.limited(1, a.p, b.p) <= 1) return 3;
    return 4;
  },
};

/** How many of the shorter address's tokens the other holds: numbers exactly, words allowing a typo. */
function sharedTokenRatio(a: string[], b: string[]): number {
  const [shorter, longer] = a.length <= b.length ? [a, b] : [b, a];
  let shared = 0;
  for (const token of shorter) {
    if (longer.includes(token)) shared += 1;
    else if (token.length >= 4 && !/\d/.test(token) && longer.some((other) => typoOf(token, other))) shared += 1;
  }
  return shared / shorter.length;
}

/** A word with a typo: as long give or take two letters, starting alike, and Jaro-Winkler >= 0.9. */
function typoOf(token: string, other: string): boolean {
  return Math.abs(token.length - other.length) <= 2 && (token[0] === other[0] || token[1] === other[1]) && jaroWinkler(token, other) >= 0.9;
}

const address: Comparison = {
  field: 'address',
  levels: ['same', 'most-tokens', 'some-tokens', 'different'],
  compare(a, b) {
    if (!a.a || !b.a) return MISSING;
    const ratio = sharedTokenRatio(a.a, b.a);
    if (ratio === 1 && a.a.length === b.a.length) return 0;
    if (ratio >= 0.6) return 1;
    return ratio > 0 ? 2 : 3;
  },
};

const city: Comparison = {
  field: 'city',
  levels: ['exact', 'jaro-winkler>=0.90', 'different'],
  termFrequency: { level: 0, value: (record) => record.c },
  compare(a, b) {
    if (!a.c || !b.c) return MISSING;
    if (a.c === b.c) return 0;
    return typoOf(a.c, b.c) ? 1 : 2;
  },
};

const otherIdentifier: Comparison = {
  field: 'otherIdentifier',
  levels: ['exact', 'one-edit', 'different'],
  compare(a, b) {
    if (!a.o || !b.o) return MISSING;
    if (a.o === b.o) return 0;
    return damerauLevenshtein.limited(1, a.o, b.o) <= 1 ? 1 : 2;
  },
};

/** Every comparison the model scores, in a fixed order (the model's arrays follow it). */
export const COMPARISONS: readonly Comparison[] = [givenName, familyName, birthDate, sex, postcode, address, city, otherIdentifier];

/** Compares every field of a pair into `levels` (reused by the caller to avoid allocation). */
export function compareFields(a: MatchRecord, b: MatchRecord, levels: Int8Array): Int8Array {
  for (let k = 0; k < COMPARISONS.length; k++) levels[k] = COMPARISONS[k].compare(a, b);
  return levels;
}
