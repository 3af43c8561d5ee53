import type { Person } from '../population/population.types.js';
import type { SeededRandom } from '../population/random.js';
import { nicknamesOf, transliterationsOf } from './name-variants.js';
import type { RecordError, SystemId, SystemRecord } from './system-record.types.js';

/**
 * How often each system's copy of a person carries each kind of error. A rate applies to the
 * people it can apply to: `maiden-name` to people whose name changed on marriage, `old-address`
 * to people who moved, `nickname` to names that have a short form, `dob-day-month-swap` to
 * dates whose day is 12 or less. `deathKnown` is the share of deaths the system has recorded.
 * The figures are the sandbox's documented error model (docs/SANDBOX.md).
 */
export const ERROR_RATES: Record<SystemId, Record<RecordError, number> & { deathKnown: number }> = {
  gp: {
    'typo-given': 0.01,
    'typo-family': 0.01,
    nickname: 0.02,
    transliteration: 0.02,
    'swapped-names': 0.002,
    'dob-day-month-swap': 0.003,
    'old-address': 0.03,
    'maiden-name': 0.05,
    'hyphen-part': 0.2,
    'missing-nhs-number': 0.003,
    'wrong-nhs-number': 0.001,
    duplicate: 0.003,
    deathKnown: 1,
  },
  acute: {
    'typo-given': 0.03,
    'typo-family': 0.03,
    nickname: 0.05,
    transliteration: 0.08,
    'swapped-names': 0.01,
    'dob-day-month-swap': 0.01,
    'old-address': 0.1,
    'maiden-name': 0.2,
    'hyphen-part': 0.3,
    'missing-nhs-number': 0.03,
    'wrong-nhs-number': 0.003,
    duplicate: 0.02,
    deathKnown: 0.8,
  },
  'mental-health': {
    'typo-given': 0.03,
    'typo-family': 0.03,
    nickname: 0.06,
    transliteration: 0.1,
    'swapped-names': 0.015,
    'dob-day-month-swap': 0.012,
    'old-address': 0.15,
    'maiden-name': 0.25,
    'hyphen-part': 0.35,
    'missing-nhs-number': 0.12,
    'wrong-nhs-number': 0.005,
    duplicate: 0.02,
    deathKnown: 0.7,
  },
  'social-care': {
    'typo-given': 0.05,
    'typo-family': 0.05,
    nickname: 0.1,
    transliteration: 0.12,
    'swapped-names': 0.03,
    'dob-day-month-swap': 0.02,
    'old-address': 0.12,
    'maiden-name': 0.3,
    'hyphen-part': 0.4,
    'missing-nhs-number': 0.3,
    'wrong-nhs-number': 0.01,
    duplicate: 0.03,
    deathKnown: 0.9,
  },
  // The national service is the reference: its copy is clean.
  pds: {
    'typo-given': 0,
    'typo-family': 0,
    nickname: 0,
    transliteration: 0,
    'swapped-names': 0,
    'dob-day-month-swap': 0,
    'old-address': 0,
    'maiden-name': 0,
    'hyphen-part': 0,
    'missing-nhs-number': 0,
    'wrong-nhs-number': 0,
    duplicate: 0,
    deathKnown: 1,
  },
};

// Keys next to each other on a UK keyboard: most typing slips land on a neighbour.
const NEIGHBOURS: Record<string, string> = {
  a: 'qswz',
  b: 'vghn',
  c: 'xdfv',
  d: 'serfcx',
  e: 'wsdr',
  f: 'drtgvc',
  g: 'ftyhbv',
  h: 'gyujnb',
  i: 'ujko',
  j: 'huikmn',
  k: 'jiolm',
  l: 'kop',
  m: 'njk',
  n: 'bhjm',
  o: 'iklp',
  p: 'ol',
  q: 'wa',
  r: 'edft',
  s: 'awedxz',
  t: 'rfgy',
  u: 'yhji',
  v: 'cfgb',
  w: 'qase',
  x: 'zsdc',
  y: 'tghu',
  z: 'asx',
};

/** One slip of the keyboard: a neighbour key, a dropped letter, a doubled letter or two letters swapped. */
export function typo(random: SeededRandom, name: string): string {
  if (name.length < 3) return name;
  const position = random.int(1, name.length - 2);
  const letter = name[position]!.toLowerCase();
  switch (random.int(0, 3)) {
    case 0: {
      const options = NEIGHBOURS[letter];
      return options
        ? name.slice(0, position) + random.pick([...options]) + name.slice(position + 1)
        : name.slice(0, position) + name.slice(position + 1);
    }
    case 1:
      return name.slice(0, position) + name.slice(position + 1);
    case 2:
      return name.slice(0, position) + name[position] + name.slice(position);
    default:
      return name.slice(0, position) + name[position + 1] + name[position] + name.slice(position + 2);
  }
}

export interface ErrorContext {
  random: SeededRandom;
  system: SystemId;
  person: Person;
  /** Another valid NHS number a clerk could have copied by mistake (a relative's), if any. */
  relativeNhsNumber?: string;
}

/** Applies the system's error model to a clean copy of a person, recording each error made. */
export function applyRecordErrors(record: SystemRecord, context: ErrorContext): void {
  const { random, person } = context;
  const rates = ERROR_RATES[context.system];
  const make = (error: RecordError, applicable: boolean, change: () => void) => {
    if (applicable && random.chance(rates[error])) {
      change();
      record.errors.push(error);
    }
  };

  make('maiden-name', Boolean(person.birthFamily), () => (record.family = person.birthFamily!));
  make('old-address', person.addresses.length > 1, () => (record.address = person.addresses[person.addresses.length - 2]!.address));
  make('nickname', nicknamesOf(record.given).length > 0, () => (record.given = random.pick(nicknamesOf(record.given))));
  const givenSpellings = transliterationsOf(record.given);
  const familySpellings = transliterationsOf(record.family);
  make('transliteration', givenSpellings.length + familySpellings.length > 0, () => {
    if (givenSpellings.length > 0 && (familySpellings.length === 0 || random.chance(0.5))) record.given = random.pick(givenSpellings);
    else record.family = random.pick(familySpellings);
  });
  make('hyphen-part', record.family.includes('-'), () => {
    const parts = record.family.split('-');
    record.family = random.chance(0.3) ? parts.join(' ') : random.pick(parts);
  });
  make('typo-given', true, () => (record.given = typo(random, record.given)));
  make('typo-family', true, () => (record.family = typo(random, record.family)));
  make('swapped-names', true, () => ([record.given, record.family] = [record.family, record.given]));
  const [year, month, day] = record.birthDate.split('-');
  make('dob-day-month-swap', Number(day) <= 12 && day !== month, () => (record.birthDate = `${year}-${day}-${month}`));
  if (record.nhsNumber) {
    const wasMissing = random.chance(rates['missing-nhs-number']);
    if (wasMissing) {
      delete record.nhsNumber;
      record.errors.push('missing-nhs-number');
    } else {
      make('wrong-nhs-number', true, () => (record.nhsNumber = context.relativeNhsNumber ?? transposeDigits(random, record.nhsNumber!)));
    }
  }
  if (person.deathDate && random.chance(rates.deathKnown)) record.deathDate = person.deathDate;
}

/** Two neighbouring digits swapped: the commonest way a number is mistyped (it usually fails modulus 11). */
function transposeDigits(random: SeededRandom, digits: string): string {
  for (let attempt = 0; attempt < 10; attempt++) {
    const position = random.int(3, digits.length - 2);
    if (digits[position] !== digits[position + 1])
      return digits.slice(0, position) + digits[position + 1] + digits[position] + digits.slice(position + 2);
  }
  return digits;
}
