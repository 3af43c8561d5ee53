import type { Sex } from '../../population/population.types.js';
import type { SystemDirectory, SystemRecord } from '../../records/system-record.types.js';
import { patientResourceId } from './fhir-ids.js';

/** Lower-case, accents and apostrophes gone, split into words: "O'Brien-Nuñez" → obriennunez, obrien, nunez. */
export function nameKeys(name: string): string[] {
  const tokens = foldName(name)
    .split(/[^a-z]+/)
    .filter(Boolean);
  const keys = new Set<string>([tokens.join(''), ...tokens]);
  keys.delete('');
  return [...keys];
}

/** A name as searched: folded and joined, so "smith-jones" finds Smith-Jones and "o'brien" finds O'Brien. */
export function nameQuery(value: string): string {
  return foldName(value).replace(/[^a-z]+/g, '');
}

export function postcodeKey(postcode: string): string {
  return postcode.toUpperCase().replace(/\s+/g, '');
}

function foldName(name: string): string {
  return name
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/['\u2019.]/g, '');
}

/** Keys to sorted positions, with prefix lookups by binary search over the sorted keys. */
class PrefixIndex {
  private readonly lists = new Map<string, number[]>();
  private sortedKeys: string[] = [];

  add(key: string, position: number): void {
    const list = this.lists.get(key);
    if (!list) this.lists.set(key, [position]);
    else if (list[list.length - 1] !== position) list.push(position);
  }

  seal(): void {
    this.sortedKeys = [...this.lists.keys()].sort();
  }

  exact(key: string): readonly number[] {
    return this.lists.get(key) ?? [];
  }

  prefix(prefix: string): readonly number[] {
    let low = 0;
    let high = this.sortedKeys.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.sortedKeys[middle] < prefix) low = middle + 1;
      else high = middle;
    }
    const found: Array<readonly number[]> = [];
    for (let index = low; index < this.sortedKeys.length && this.sortedKeys[index].startsWith(prefix); index += 1) {
      found.push(this.lists.get(this.sortedKeys[index]) ?? []);
    }
    return unionSorted(found);
  }
}

export function unionSorted(lists: ReadonlyArray<readonly number[]>): readonly number[] {
  if (lists.length === 0) return [];
  if (lists.length === 1) return lists[0];
  return [...new Set(lists.flat())].sort((a, b) => a - b);
}

/** One condition of a Patient search: index candidates to start from, and a test for the rest. */
export interface PatientCriterion {
  candidates(): readonly number[];
  test(record: SystemRecord): boolean;
}

/**
 * A trust's patient register, indexed once when its router is built: by resource id, local id,
 * NHS number, folded family and given names (prefix search), birth date (day, month, year),
 * postcode (prefix) and gender. A search starts from its smallest candidate list and tests the
 * other conditions on those records only, so no request scans the register.
 */
export class PatientIndex {
  readonly records: readonly SystemRecord[];
  private readonly byResourceId = new Map<string, SystemRecord>();
  private readonly resourceIds = new Map<SystemRecord, string>();
  private readonly positions = new Map<SystemRecord, number>();
  private readonly families = new PrefixIndex();
  private readonly givens = new PrefixIndex();
  private readonly postcodes = new PrefixIndex();
  private readonly birthDates = new Map<string, number[]>();
  private readonly genders = new Map<Sex, number[]>();
  /** The record of each person that holds their care items (not a duplicate registration). */
  private readonly primaryByPerson = new Map<string, SystemRecord>();

  constructor(private readonly directory: SystemDirectory) {
    this.records = directory.records;
    directory.records.forEach((record, position) => {
      let resourceId = patientResourceId(record.localId);
      // Two local ids folding to one resource id would hide a patient; keep both reachable.
      if (this.byResourceId.has(resourceId)) resourceId = `${resourceId.slice(0, 56)}-${position}`;
      this.byResourceId.set(resourceId, record);
      this.resourceIds.set(record, resourceId);
      this.positions.set(record, position);
      for (const key of nameKeys(record.family)) this.families.add(key, position);
      for (const key of [...nameKeys(record.given), ...nameKeys(record.middle ?? '')]) this.givens.add(key, position);
      this.postcodes.add(postcodeKey(record.address.postcode), position);
      for (const key of [record.birthDate, record.birthDate.slice(0, 7), record.birthDate.slice(0, 4)])
        push(this.birthDates, key, position);
      push(this.genders, record.sex, position);
      if (!record.duplicateOf && !this.primaryByPerson.has(record.personId)) this.primaryByPerson.set(record.personId, record);
    });
    this.families.seal();
    this.givens.seal();
    this.postcodes.seal();
  }

  get size(): number {
    return this.records.length;
  }

  byId(resourceId: string): SystemRecord | undefined {
    return this.byResourceId.get(resourceId);
  }

  idOf(record: SystemRecord): string {
    return this.resourceIds.get(record) ?? patientResourceId(record.localId);
  }

  /** The record a person's care items hang on in this system. */
  primaryRecordOf(personId: string): SystemRecord | undefined {
    return this.primaryByPerson.get(personId);
  }

  search(criteria: readonly PatientCriterion[]): SystemRecord[] {
    if (criteria.length === 0) return [...this.records];
    let smallest: readonly number[] | undefined;
    for (const criterion of criteria) {
      const candidates = criterion.candidates();
      if (!smallest || candidates.length < smallest.length) smallest = candidates;
      if (smallest.length === 0) return [];
    }
    const found: SystemRecord[] = [];
    for (const position of smallest ?? []) {
      const record = this.records[position];
      if (criteria.every((criterion) => criterion.test(record))) found.push(record);
    }
    return found;
  }

  byResourceIds(ids: string[]): PatientCriterion {
    const records = ids.map((id) => this.byResourceId.get(id)).filter((record): record is SystemRecord => record !== undefined);
    return {
      candidates: () => this.positionsOf(records),
      test: (record) => records.includes(record),
    };
  }

  /** kind 'none' is an identifier system the trust does not hold: it matches nobody. */
  byLocalIdOrNhsNumber(values: Array<{ kind: 'local' | 'nhs' | 'any' | 'none'; value: string }>): PatientCriterion {
    const records = new Set<SystemRecord>();
    for (const { kind, value } of values) {
      if (kind === 'none') continue;
      if (kind !== 'nhs') {
        const record = this.directory.byLocalId.get(value);
        if (record) records.add(record);
      }
      if (kind !== 'local') for (const record of this.directory.byNhsNumber.get(value.replace(/\s+/g, '')) ?? []) records.add(record);
    }
    return { candidates: () => this.positionsOf([...records]), test: (record) => records.has(record) };
  }

  byFamily(values: string[], exact: boolean): PatientCriterion {
    const queries = values.map(nameQuery);
    return {
      candidates: () => unionSorted(queries.map((query) => (exact ? this.families.exact(query) : this.families.prefix(query)))),
      test: (record) => matchesName(nameKeys(record.family), queries, exact),
    };
  }

  byGiven(values: string[], exact: boolean): PatientCriterion {
    const queries = values.map(nameQuery);
    return {
      candidates: () => unionSorted(queries.map((query) => (exact ? this.givens.exact(query) : this.givens.prefix(query)))),
      test: (record) => matchesName([...nameKeys(record.given), ...nameKeys(record.middle ?? '')], queries, exact),
    };
  }

  /** values are YYYY, YYYY-MM or YYYY-MM-DD (validated by the caller). */
  byBirthDate(values: string[]): PatientCriterion {
    return {
      candidates: () => unionSorted(values.map((value) => this.birthDates.get(value) ?? [])),
      test: (record) => values.some((value) => record.birthDate.startsWith(value)),
    };
  }

  byPostcode(values: string[]): PatientCriterion {
    const queries = values.map(postcodeKey);
    return {
      candidates: () => unionSorted(queries.map((query) => this.postcodes.prefix(query))),
      test: (record) => queries.some((query) => postcodeKey(record.address.postcode).startsWith(query)),
    };
  }

  byGender(values: string[]): PatientCriterion {
    const sexes = values.filter((value): value is Sex => value === 'male' || value === 'female');
    return {
      candidates: () => unionSorted(sexes.map((sex) => this.genders.get(sex) ?? [])),
      test: (record) => sexes.includes(record.sex),
    };
  }

  private positionsOf(records: SystemRecord[]): number[] {
    return records
      .map((record) => this.positions.get(record) ?? -1)
      .filter((position) => position >= 0)
      .sort((a, b) => a - b);
  }
}

function matchesName(keys: string[], queries: string[], exact: boolean): boolean {
  return queries.some((query) => keys.some((key) => (exact ? key === query : key.startsWith(query))));
}

function push(map: Map<string, number[]>, key: string, position: number): void {
  const list = map.get(key);
  if (list) list.push(position);
  else map.set(key, [position]);
}
