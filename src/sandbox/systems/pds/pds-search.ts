import { PdsError } from './pds-outcome.js';
import { phoneKey, postcodeKey, type PdsEntry, type PdsIndex } from './pds-index.js';
import { compareNames, nameForm, type NameAgreement, type NameForm } from './name-similarity.js';

/** A name or postcode as searched: a trailing `*` asks for anything starting with the rest. */
interface Pattern {
  key: string;
  wildcard: boolean;
  /** For names: the keys a fuzzy comparison needs. */
  form: NameForm;
}

/** Inclusive date bounds (YYYY-MM-DD); `eq` sets both. */
interface DateRange {
  from?: string;
  to?: string;
  exactDay?: string;
}

export interface PdsSearch {
  family?: Pattern;
  given: Pattern[];
  gender?: string;
  birthDate: DateRange;
  deathDate?: DateRange;
  postcode?: Pattern;
  generalPractitioner?: string;
  phone?: string;
  email?: string;
  fuzzy: boolean;
  exactOnly: boolean;
  history: boolean;
  maxResults: number;
}

export interface PdsMatch {
  entry: PdsEntry;
  score: number;
}

const SEARCH_PARAMETERS = [
  'family',
  'given',
  'gender',
  'birthdate',
  'death-date',
  'address-postalcode',
  'address-postcode',
  'general-practitioner',
  'email',
  'phone',
  '_fuzzy-match',
  '_exact-match',
  '_history',
  '_max-results',
] as const;

const GENDERS = ['male', 'female', 'other', 'unknown'];
const DEFAULT_MAX_RESULTS = 1;
const MAX_RESULTS_LIMIT = 50;
/** A range of birth dates wider than this many people is narrowed by family name instead. */
const RANGE_SCAN_LIMIT = 2_000;

type Query = Record<string, unknown>;

/** Reads and checks a search as PDS does, refusing what PDS refuses with the error PDS gives. */
export function parseSearch(query: Query): PdsSearch {
  const names = Object.keys(query);
  const unknown = names.filter((name) => !(SEARCH_PARAMETERS as readonly string[]).includes(name));
  if (unknown.length > 0) {
    throw new PdsError('ADDITIONAL_PROPERTIES', `Invalid parameters: ${unknown.map((name) => `'${name}'`).join(', ')}`);
  }
  if (names.length === 0) throw new PdsError('UNSUPPORTED_SERVICE', 'No search parameters were provided');

  const fuzzy = flag(query, '_fuzzy-match');
  const search: PdsSearch = {
    family: pattern(query, 'family', fuzzy),
    given: values(query, 'given').map((value) => toPattern('given', value, fuzzy)),
    gender: single(query, 'gender'),
    birthDate: dateRange(query, 'birthdate') ?? {},
    deathDate: dateRange(query, 'death-date'),
    postcode: pattern(query, 'address-postalcode', fuzzy) ?? pattern(query, 'address-postcode', fuzzy),
    generalPractitioner: single(query, 'general-practitioner')?.toUpperCase(),
    phone: single(query, 'phone'),
    email: single(query, 'email'),
    fuzzy,
    exactOnly: flag(query, '_exact-match'),
    history: fuzzy || flag(query, '_history'),
    maxResults: maxResults(query),
  };
  if (search.gender !== undefined && !GENDERS.includes(search.gender)) {
    throw new PdsError('INVALID_VALUE', `Invalid value - '${search.gender}' in field 'gender'`);
  }
  if (!hasMinimumParameters(search)) {
    throw new PdsError('INVALID_SEARCH_DATA', 'Not enough search parameters were provided to be able to make a search');
  }
  return search;
}

/**
 * Minimum combinations PDS documents: family name and date of birth for a plain search; for a
 * fuzzy one given, family and date of birth, or date of birth, gender and postcode with either name.
 */
function hasMinimumParameters(search: PdsSearch): boolean {
  const birthDate = search.birthDate.from !== undefined || search.birthDate.to !== undefined;
  const family = search.family !== undefined;
  const given = search.given.length > 0;
  if (!search.fuzzy) return family && birthDate;
  const located = birthDate && search.gender !== undefined && search.postcode !== undefined;
  return (given && family && birthDate) || (located && (family || given));
}

/** Runs a checked search: matches best first, within the index's candidates for the searched birth dates. */
export function runSearch(index: PdsIndex, search: PdsSearch): PdsMatch[] {
  const matches: PdsMatch[] = [];
  const locating = search.postcode !== undefined || search.generalPractitioner !== undefined;
  for (const entry of candidates(index, search)) {
    // PDS never returns a restricted patient to a search that names where they live or their GP.
    if (entry.restricted && locating) continue;
    const score = scoreEntry(search, entry);
    if (score === undefined) continue;
    if (search.exactOnly && score < 1) continue;
    matches.push({ entry, score });
  }
  return matches.sort((a, b) => b.score - a.score || a.entry.nhsNumber.localeCompare(b.entry.nhsNumber));
}

function candidates(index: PdsIndex, search: PdsSearch): Set<PdsEntry> {
  const { exactDay, from, to } = search.birthDate;
  if (exactDay) {
    const found = new Set(index.bornOn(exactDay));
    const swapped = search.fuzzy ? swapDayAndMonth(exactDay) : undefined;
    if (swapped) for (const entry of index.bornOn(swapped)) found.add(entry);
    return found;
  }
  const inRange = index.bornBetween(from, to, RANGE_SCAN_LIMIT);
  if (inRange) return new Set(inRange);
  // A wide range: go by family name instead, as its index is the narrower one.
  const family = search.family;
  if (!family || family.wildcard) return new Set(index.bornBetween(from, to, Number.MAX_SAFE_INTEGER));
  return new Set(search.fuzzy ? index.withFamilySound(family.form.sound) : index.withFamily(family.key));
}

// How much each searched item counts towards the score.
const WEIGHTS = { family: 0.3, given: 0.25, birthDate: 0.25, gender: 0.05, postcode: 0.1, deathDate: 0.025, generalPractitioner: 0.025 };

const AGREEMENT_SCORES: Record<NameAgreement, number> = { exact: 1, form: 0.9, part: 0.85, sound: 0.85, typo: 0.8, near: 0.65, none: 0 };
const WILDCARD_SCORE = 0.95;
const HISTORIC_FACTOR = 0.9;
const TRANSPOSED_FACTOR = 0.9;
const SWAPPED_DATE_SCORE = 0.7;
const SAME_DISTRICT_SCORE = 0.6;
/** Below this a fuzzy candidate is noise, not a match. */
const FUZZY_THRESHOLD = 0.6;

/** The entry's score in [0, 1] for the search, or undefined when it does not match. 1 means every item agreed exactly. */
export function scoreEntry(search: PdsSearch, entry: PdsEntry): number | undefined {
  const { record } = entry;
  if (search.gender && search.gender !== record.sex) return undefined;
  if (search.phone && (!entry.phoneKey || phoneKey(search.phone) !== entry.phoneKey)) return undefined;
  // No e-mail addresses are held in the sandbox, so a search by one finds nobody.
  if (search.email) return undefined;

  const parts: Array<[weight: number, score: number]> = [];
  const birth = birthDateScore(search, record.birthDate);
  if (birth === 0) return undefined;
  parts.push([WEIGHTS.birthDate, birth]);
  if (search.gender) parts.push([WEIGHTS.gender, 1]);

  const names = nameScores(search, entry);
  if (search.family) {
    if (names.family === 0) return undefined;
    parts.push([WEIGHTS.family, names.family]);
  }
  if (search.given.length > 0) {
    if (names.given === 0) return undefined;
    parts.push([WEIGHTS.given, names.given]);
  }
  if (search.postcode) {
    const postcode = postcodeScore(search, entry);
    // A fuzzy search with both names may find someone whose postcode is out of date; otherwise the postcode must agree.
    if (postcode === 0 && !(search.fuzzy && search.family && search.given.length > 0)) return undefined;
    parts.push([WEIGHTS.postcode, postcode]);
  }
  if (search.deathDate) {
    const died = record.deathDate !== undefined && inRange(record.deathDate, search.deathDate) ? 1 : 0;
    if (died === 0 && !search.fuzzy) return undefined;
    parts.push([WEIGHTS.deathDate, died]);
  }
  if (search.generalPractitioner) {
    const registered = entry.gp?.practiceCode === search.generalPractitioner ? 1 : 0;
    if (registered === 0 && !search.fuzzy) return undefined;
    parts.push([WEIGHTS.generalPractitioner, registered]);
  }

  const weight = parts.reduce((total, [w]) => total + w, 0);
  const score = Math.round((parts.reduce((total, [w, s]) => total + w * s, 0) / weight) * 10_000) / 10_000;
  if (search.fuzzy && score < FUZZY_THRESHOLD) return undefined;
  return score;
}

function birthDateScore(search: PdsSearch, birthDate: string): number {
  if (inRange(birthDate, search.birthDate)) return 1;
  const { exactDay } = search.birthDate;
  if (search.fuzzy && exactDay && swapDayAndMonth(exactDay) === birthDate) return SWAPPED_DATE_SCORE;
  return 0;
}

function nameScores(search: PdsSearch, entry: PdsEntry): { family: number; given: number } {
  const { forms } = entry;
  const current = familyScore(search, forms.family);
  const historic = search.history ? Math.max(0, ...forms.formerFamilies.map((family) => familyScore(search, family) * HISTORIC_FACTOR)) : 0;
  const direct = { family: Math.max(current, historic), given: givenScore(search, search.given, forms.given) };
  if (!search.fuzzy || !search.family || search.given.length === 0) return direct;
  // Transposed names (Adam Thomas for Thomas Adam), which PDS's fuzzy search checks for.
  const transposed = {
    family: Math.max(0, ...forms.given.map((given) => patternScore(search, search.family!, given))) * TRANSPOSED_FACTOR,
    given: givenScore(search, search.given, [forms.family]) * TRANSPOSED_FACTOR,
  };
  return transposed.family + transposed.given > direct.family + direct.given ? transposed : direct;
}

function familyScore(search: PdsSearch, family: NameForm): number {
  return search.family ? patternScore(search, search.family, family) : 0;
}

/** Every searched given name must match one held (given, middle, or all together); the score is their average. */
function givenScore(search: PdsSearch, searched: Pattern[], held: NameForm[]): number {
  if (searched.length === 0) return 0;
  let total = 0;
  for (const pattern of searched) {
    let best = 0;
    for (const name of held) best = Math.max(best, patternScore(search, pattern, name));
    if (best === 0) return 0;
    total += best;
  }
  return total / searched.length;
}

function patternScore(search: PdsSearch, pattern: Pattern, held: NameForm): number {
  if (pattern.wildcard) return held.key.startsWith(pattern.key) ? (held.key === pattern.key ? 1 : WILDCARD_SCORE) : 0;
  if (!search.fuzzy) return held.key === pattern.key ? 1 : 0;
  return AGREEMENT_SCORES[compareNames(pattern.form, held)];
}

function postcodeScore(search: PdsSearch, entry: PdsEntry): number {
  const pattern = search.postcode!;
  const held = (key: string) => (pattern.wildcard ? (key.startsWith(pattern.key) ? WILDCARD_SCORE : 0) : key === pattern.key ? 1 : 0);
  const current = held(entry.postcodeKey);
  if (current > 0) return current;
  if (search.history) {
    const former = Math.max(0, ...entry.formerPostcodeKeys.map(held));
    if (former > 0) return former * HISTORIC_FACTOR;
  }
  // Fuzzy: someone who moved within the district still shares the outward code.
  if (search.fuzzy && outwardCode(entry.postcodeKey) === outwardCode(pattern.key)) return SAME_DISTRICT_SCORE;
  return 0;
}

function outwardCode(key: string): string {
  return key.length > 3 ? key.slice(0, -3) : key;
}

function inRange(date: string, range: DateRange): boolean {
  return (!range.from || date >= range.from) && (!range.to || date <= range.to);
}

/** 2001-02-03 → 2001-03-02, when that is a real date and a different one. */
function swapDayAndMonth(date: string): string | undefined {
  const [year, month, day] = date.split('-');
  if (!year || !month || !day || month === day || Number(day) > 12) return undefined;
  const swapped = `${year}-${day}-${month}`;
  return isCalendarDate(swapped) ? swapped : undefined;
}

function values(query: Query, name: string): string[] {
  const value = query[name];
  if (value === undefined) return [];
  const list = Array.isArray(value) ? value : [value];
  if (!list.every((item): item is string => typeof item === 'string')) {
    throw new PdsError('INVALID_VALUE', `Invalid value in field '${name}'`);
  }
  return list;
}

function single(query: Query, name: string): string | undefined {
  const list = values(query, name);
  if (list.length > 1) throw new PdsError('INVALID_SEARCH_DATA', `Field '${name}' may be given only once`);
  const value = list[0]?.trim();
  if (list.length === 1 && !value) throw new PdsError('INVALID_VALUE', `Invalid value - '' in field '${name}'`);
  return value;
}

function flag(query: Query, name: string): boolean {
  const value = single(query, name);
  if (value === undefined) return false;
  if (value !== 'true' && value !== 'false') throw new PdsError('INVALID_VALUE', `Invalid value - '${value}' in field '${name}'`);
  return value === 'true';
}

function maxResults(query: Query): number {
  const value = single(query, '_max-results');
  if (value === undefined) return DEFAULT_MAX_RESULTS;
  const number = Number(value);
  if (!/^\d+$/.test(value) || number < 1 || number > MAX_RESULTS_LIMIT) {
    throw new PdsError('INVALID_VALUE', `Invalid value - '${value}' in field '_max-results'`);
  }
  return number;
}

function pattern(query: Query, name: string, fuzzy: boolean): Pattern | undefined {
  const value = single(query, name);
  return value === undefined ? undefined : toPattern(name, value, fuzzy);
}

function toPattern(name: string, value: string, fuzzy: boolean): Pattern {
  const raw = value.trim();
  const wildcard = raw.endsWith('*');
  const stem = wildcard ? raw.slice(0, -1) : raw;
  const form = nameForm(stem);
  const key = name.startsWith('address') ? postcodeKey(stem) : form.key;
  if (stem.includes('*') || (wildcard && key.length < 2)) {
    throw new PdsError(
      'INVALID_SEARCH_DATA',
      `Invalid value - '${value}' in field '${name}': a wildcard must follow at least two characters`,
    );
  }
  if (wildcard && fuzzy) throw new PdsError('INVALID_SEARCH_DATA', `Wildcards are not allowed in a fuzzy search (field '${name}')`);
  if (key.length === 0) throw new PdsError('INVALID_VALUE', `Invalid value - '${value}' in field '${name}'`);
  return { key, wildcard, form };
}

/** birthdate=eq2010-10-22, birthdate=2010-10-22, or a range given as ge and le values. */
function dateRange(query: Query, name: string): DateRange | undefined {
  const list = values(query, name);
  if (list.length === 0) return undefined;
  if (list.length > 2) throw new PdsError('INVALID_SEARCH_DATA', `Field '${name}' may be given at most twice (a range)`);
  const range: DateRange = {};
  for (const value of list) {
    const match = /^(eq|ge|le)?(\d{4}-\d{2}-\d{2})$/.exec(value.trim());
    const date = match?.[2];
    if (!match || !date || !isCalendarDate(date)) {
      throw new PdsError('INVALID_SEARCH_DATA', `Invalid value - '${value}' in field '${name}'`);
    }
    const prefix = match[1] ?? 'eq';
    if (prefix === 'eq') {
      if (list.length > 1) {
        throw new PdsError('INVALID_SEARCH_DATA', `Invalid value - '${value}' in field '${name}': an exact date stands alone`);
      }
      return { from: date, to: date, exactDay: date };
    }
    if ((prefix === 'ge' && range.from) || (prefix === 'le' && range.to)) {
      throw new PdsError('INVALID_SEARCH_DATA', `Invalid value - '${value}' in field '${name}': repeated bound`);
    }
    if (prefix === 'ge') range.from = date;
    else range.to = date;
  }
  return range;
}

function isCalendarDate(date: string): boolean {
  const parsed = new Date(`${date}T00:00:00Z`);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 10) === date;
}
