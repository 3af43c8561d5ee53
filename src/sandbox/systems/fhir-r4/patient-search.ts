import { NHS_NUMBER_SYSTEM } from './code-systems.js';
import { badRequest } from './operation-outcome.js';
import type { PatientCriterion, PatientIndex } from './patient-index.js';
import type { SearchClause } from './search-parameters.js';

/** Patient search parameters and the modifiers each accepts. */
export const PATIENT_SEARCH_PARAMETERS: Readonly<Record<string, readonly string[]>> = {
  _id: [],
  identifier: [],
  family: ['exact'],
  given: ['exact'],
  name: ['exact'],
  birthdate: [],
  'address-postalcode': [],
  gender: [],
  _lastUpdated: [],
  _sort: [],
  _page_token: [],
};

/** A Patient search by change time: the `_lastUpdated` clauses, the order, and where a page starts. */
export interface ChangeSearch {
  lastUpdated: SearchClause[];
  descending: boolean;
  pageToken?: string;
}

/**
 * Takes the change-time clauses out of a Patient search. A search naming `_lastUpdated`, `_sort`
 * or `_page_token` is answered in lastUpdated order (ascending unless `_sort=-_lastUpdated`).
 */
export function splitChangeSearch(clauses: SearchClause[]): { criteria: SearchClause[]; change?: ChangeSearch } {
  const criteria = clauses.filter((clause) => !['_lastUpdated', '_sort', '_page_token'].includes(clause.name));
  if (criteria.length === clauses.length) return { criteria };
  let descending = false;
  let pageToken: string | undefined;
  for (const clause of clauses) {
    if (clause.name === '_sort') {
      if (clause.values.length !== 1 || !['_lastUpdated', '-_lastUpdated'].includes(clause.values[0]))
        throw badRequest(`_sort "${clause.values.join(',')}" is not supported: sort by _lastUpdated or -_lastUpdated`, 'not-supported');
      descending = clause.values[0] === '-_lastUpdated';
    }
    if (clause.name === '_page_token') pageToken = clause.values.join(',');
  }
  return {
    criteria,
    change: { lastUpdated: clauses.filter((clause) => clause.name === '_lastUpdated'), descending, ...(pageToken ? { pageToken } : {}) },
  };
}

const BIRTH_DATE = /^(eq)?(\d{4}(-\d{2}(-\d{2})?)?)$/;
const GENDERS = new Set(['male', 'female', 'other', 'unknown']);

/** Turns Patient search clauses into index criteria, refusing values that cannot match as written. */
export function patientCriteria(index: PatientIndex, clauses: SearchClause[], localIdSystem: string): PatientCriterion[] {
  return clauses.map((clause) => {
    const exact = clause.modifier === 'exact';
    switch (clause.name) {
      case '_id':
        return index.byResourceIds(clause.values);
      case 'identifier':
        return index.byLocalIdOrNhsNumber(clause.values.map((value) => identifierValue(value, localIdSystem)));
      case 'family':
        return index.byFamily(clause.values, exact);
      case 'given':
        return index.byGiven(clause.values, exact);
      case 'name':
        return eitherName(index.byFamily(clause.values, exact), index.byGiven(clause.values, exact));
      case 'birthdate':
        return index.byBirthDate(clause.values.map(birthDateValue));
      case 'address-postalcode':
        return index.byPostcode(clause.values);
      case 'gender':
        for (const value of clause.values) {
          if (!GENDERS.has(value)) throw badRequest(`gender must be male, female, other or unknown, not "${value}"`, 'value');
        }
        return index.byGender(clause.values);
      default:
        throw badRequest(`Unknown search parameter "${clause.name}" for resource type "Patient"`, 'not-supported');
    }
  });
}

function identifierValue(value: string, localIdSystem: string): { kind: 'local' | 'nhs' | 'any' | 'none'; value: string } {
  const bar = value.indexOf('|');
  if (bar < 0) return { kind: 'any', value };
  const system = value.slice(0, bar);
  const code = value.slice(bar + 1);
  if (!code) throw badRequest(`identifier "${value}" has no value after "|"; give system|value or value`, 'value');
  if (system === NHS_NUMBER_SYSTEM) return { kind: 'nhs', value: code };
  if (system === localIdSystem) return { kind: 'local', value: code };
  // An identifier system this trust does not hold matches nobody, as on a real server.
  return { kind: system ? 'none' : 'any', value: code };
}

function birthDateValue(value: string): string {
  const match = BIRTH_DATE.exec(value);
  if (!match) {
    throw badRequest(
      `birthdate "${value}" is not supported: give an exact date as YYYY-MM-DD (or YYYY-MM, YYYY), optionally prefixed eq`,
      'value',
    );
  }
  return match[2];
}

function eitherName(family: PatientCriterion, given: PatientCriterion): PatientCriterion {
  return {
    candidates: () => [...new Set([...family.candidates(), ...given.candidates()])].sort((a, b) => a - b),
    test: (record) => family.test(record) || given.test(record),
  };
}
