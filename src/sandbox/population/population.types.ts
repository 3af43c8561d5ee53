// The synthetic borough's truth: who the people are, where they live, which practice they are
// registered with. Each simulated system holds its own imperfect copy (records/).

import type { ConditionKey } from './reference-data/clinical-codes.js';

export type Sex = 'male' | 'female';

/** Where a name comes from decides its spelling variants (transliteration) and short forms. */
export type NameOrigin =
  | 'british'
  | 'irish'
  | 'caribbean'
  | 'west-african'
  | 'somali'
  | 'bangladeshi'
  | 'pakistani'
  | 'indian'
  | 'turkish'
  | 'greek-cypriot'
  | 'arabic'
  | 'polish'
  | 'portuguese'
  | 'italian'
  | 'chinese';

export interface PostalAddress {
  /** e.g. ["Flat 4", "27 Holloway Road"] */
  lines: string[];
  town: string;
  postcode: string;
}

export interface AddressPeriod {
  address: PostalAddress;
  from: string;
  to?: string;
}

export interface Organisation {
  /** ODS-style code, e.g. F83012 for a practice. */
  code: string;
  name: string;
  kind: 'gp-practice' | 'acute-trust' | 'mental-health-trust' | 'local-authority' | 'care-provider' | 'national-service';
  address: PostalAddress;
}

export interface Person {
  /** The truth id, never shown by any simulated system: P0000001. */
  id: string;
  index: number;
  nhsNumber: string;
  title?: string;
  given: string;
  middle?: string;
  family: string;
  /** Family name at birth when it changed on marriage. */
  birthFamily?: string;
  sex: Sex;
  birthDate: string;
  deathDate?: string;
  nameOrigin: NameOrigin;
  /** Oldest first; the last one is current. */
  addresses: AddressPeriod[];
  phone?: string;
  householdId: string;
  motherId?: string;
  fatherId?: string;
  spouseId?: string;
  twinId?: string;
  /** Absent for the few people not registered with any practice. */
  gp?: { practiceCode: string; registeredFrom: string };
  /** Which long-term conditions they live with and which services know them. */
  care: CareProfile;
  /** Seed of this person's clinical history (population/clinical-history.ts). */
  historySeed: number;
}

/**
 * Drawn with the population (cheap), so every system knows its patients at start-up; the
 * detailed history behind it is generated from `historySeed` when first asked for.
 */
export interface CareProfile {
  conditions: ConditionKey[];
  /** Known to the hospital: A&E, admissions or outpatients in the last five years. */
  acute: boolean;
  mentalHealth: boolean;
  socialCare: boolean;
}

export interface Household {
  id: string;
  kind: 'single' | 'couple' | 'family' | 'single-parent' | 'older-couple' | 'sharers';
  address: PostalAddress;
  memberIds: string[];
}

export interface Population {
  seed: number;
  /** "Today" for the population (YYYY-MM-DD): ages, past and future appointments hang on it. */
  referenceDate: string;
  people: Person[];
  households: Household[];
  organisations: Organisation[];
}
