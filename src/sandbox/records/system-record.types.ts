import type { PostalAddress, Sex } from '../population/population.types.js';

/** Every simulated system that keeps its own copy of a person. */
export const SYSTEM_IDS = ['gp', 'acute', 'mental-health', 'social-care', 'pds'] as const;
export type SystemId = (typeof SYSTEM_IDS)[number];

/** The ways a system's copy of a person differs from the truth (docs/SANDBOX.md, "Error model"). */
export const RECORD_ERRORS = [
  'typo-given',
  'typo-family',
  'nickname',
  'transliteration',
  'swapped-names',
  'dob-day-month-swap',
  'old-address',
  'maiden-name',
  'hyphen-part',
  'missing-nhs-number',
  'wrong-nhs-number',
  'duplicate',
] as const;
export type RecordError = (typeof RECORD_ERRORS)[number];

/** One system's record of one person, as that system holds it. */
export interface SystemRecord {
  system: SystemId;
  /** The system's own identifier (MRN, RiO id, Mosaic id...). */
  localId: string;
  /** Truth: the person this record is of. Exported by `npm run sandbox:truth`, never served. */
  personId: string;
  /** Set on a second record of the same person inside one system. */
  duplicateOf?: string;
  nhsNumber?: string;
  title?: string;
  given: string;
  middle?: string;
  family: string;
  sex: Sex;
  birthDate: string;
  deathDate?: string;
  address: PostalAddress;
  phone?: string;
  /** ODS code of the organisation holding the record (the practice for the GP system). */
  organisationCode: string;
  errors: RecordError[];
}

/** One system's records with the lookups its API needs. */
export interface SystemDirectory {
  system: SystemId;
  records: SystemRecord[];
  byLocalId: Map<string, SystemRecord>;
  byNhsNumber: Map<string, SystemRecord[]>;
  byPersonId: Map<string, SystemRecord[]>;
}
