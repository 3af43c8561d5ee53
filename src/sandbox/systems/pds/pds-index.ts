import type { AddressPeriod, Person } from '../../population/population.types.js';
import { SeededRandom } from '../../population/random.js';
import type { SystemRecord } from '../../records/system-record.types.js';
import type { SandboxContext } from '../../server/sandbox-context.js';
import { nameForm, nameKey, type NameForm } from './name-similarity.js';

/** One PDS record with everything a read or a search needs, worked out once when the sandbox starts. */
export interface PdsEntry {
  record: SystemRecord;
  nhsNumber: string;
  /** Restricted ("sensitive") patients: PDS withholds where they live and who treats them. */
  restricted: boolean;
  /** Given and middle names as held. */
  givenNames: string[];
  /** Family names held before the current one (maiden names). */
  formerFamilies: string[];
  /** The names again, ready for comparison; `given` holds each given name and, for several, all of them together. */
  forms: { family: NameForm; formerFamilies: NameForm[]; given: NameForm[] };
  /** When the current family name replaced the former one. */
  renamedOn?: string;
  /** The current address's start and the person's earlier addresses, oldest first. */
  addressFrom?: string;
  formerAddresses: AddressPeriod[];
  /** Postcode keys: upper case without spaces. */
  postcodeKey: string;
  formerPostcodeKeys: string[];
  gp?: { practiceCode: string; registeredFrom: string };
  /** 1 or 2 for twins, by order of birth. */
  birthOrder?: number;
  phoneKey?: string;
  /** Number of changes PDS has recorded: names, addresses, death. */
  version: number;
}

// About one person in two hundred carries the restricted flag: rare, but a search must cope with it.
const RESTRICTED_PER_THOUSAND = 5;

/**
 * PDS's records and the lookups its API needs. Every search names a date of birth (PDS insists),
 * so the date of birth index narrows any search to a handful of candidates.
 */
export class PdsIndex {
  readonly entries: PdsEntry[] = [];
  private readonly byNhsNumber = new Map<string, PdsEntry>();
  private readonly byBirthDate = new Map<string, PdsEntry[]>();
  private readonly byFamilyKey = new Map<string, PdsEntry[]>();
  private readonly byFamilySound = new Map<string, PdsEntry[]>();
  /** Distinct dates of birth, sorted, with the running count of entries up to each, for ranges. */
  private readonly birthDates: string[];

  constructor(private readonly context: SandboxContext) {
    for (const record of context.directories.pds.records) {
      if (!record.nhsNumber) continue;
      const entry = this.prepare(record, record.nhsNumber);
      this.entries.push(entry);
      // A duplicate registration never shadows the record it duplicates on a read.
      if (!this.byNhsNumber.has(entry.nhsNumber) || !record.duplicateOf) this.byNhsNumber.set(entry.nhsNumber, entry);
      push(this.byBirthDate, record.birthDate, entry);
      const families = [entry.forms.family, ...entry.forms.formerFamilies];
      for (const key of new Set(families.map((form) => form.key))) push(this.byFamilyKey, key, entry);
      for (const sound of new Set(families.map((form) => form.sound))) push(this.byFamilySound, sound, entry);
    }
    this.birthDates = [...this.byBirthDate.keys()].sort();
  }

  read(nhsNumber: string): PdsEntry | undefined {
    return this.byNhsNumber.get(nhsNumber);
  }

  bornOn(date: string): PdsEntry[] {
    return this.byBirthDate.get(date) ?? [];
  }

  /** Entries born in [from, to] (either end open), or undefined when there are more than `limit`. */
  bornBetween(from: string | undefined, to: string | undefined, limit: number): PdsEntry[] | undefined {
    const start = from ? lowerBound(this.birthDates, from) : 0;
    const found: PdsEntry[] = [];
    for (let index = start; index < this.birthDates.length; index++) {
      const date = this.birthDates[index] as string;
      if (to && date > to) break;
      found.push(...(this.byBirthDate.get(date) ?? []));
      if (found.length > limit) return undefined;
    }
    return found;
  }

  withFamily(key: string): PdsEntry[] {
    return this.byFamilyKey.get(key) ?? [];
  }

  withFamilySound(code: string): PdsEntry[] {
    return this.byFamilySound.get(code) ?? [];
  }

  private prepare(record: SystemRecord, nhsNumber: string): PdsEntry {
    const person = this.context.people.get(record.personId);
    const formerFamilies = person?.birthFamily && nameKey(person.birthFamily) !== nameKey(record.family) ? [person.birthFamily] : [];
    const addresses = person?.addresses ?? [];
    const current = addresses[addresses.length - 1];
    const formerAddresses = addresses.slice(0, -1);
    const givenNames = [record.given, ...(record.middle ? record.middle.split(/\s+/) : [])];
    // NHS numbers are already a pure function of the seed; mixing their digits is a cheap, even draw.
    const restricted = (Math.imul(Number(nhsNumber.slice(1)) | 0, 0x9e3779b1) >>> 0) % 1000 < RESTRICTED_PER_THOUSAND;
    return {
      record,
      nhsNumber,
      restricted,
      givenNames,
      formerFamilies,
      forms: {
        family: nameForm(record.family),
        formerFamilies: formerFamilies.map(nameForm),
        given: [...givenNames, ...(givenNames.length > 1 ? [givenNames.join(' ')] : [])].map(nameForm),
      },
      renamedOn: person && formerFamilies.length > 0 ? this.renamedOn(person) : undefined,
      addressFrom: current?.from,
      formerAddresses,
      postcodeKey: postcodeKey(record.address.postcode),
      formerPostcodeKeys: [...new Set(formerAddresses.map((period) => postcodeKey(period.address.postcode)))],
      gp: person?.gp,
      birthOrder: person ? this.birthOrder(person) : undefined,
      phoneKey: record.phone ? phoneKey(record.phone) : undefined,
      version: 1 + formerFamilies.length + formerAddresses.length + (record.deathDate ? 1 : 0),
    };
  }

  /**
   * The day a married name replaced the birth name: the day the couple's shared address begins,
   * or, with no shared address to go by, a day in the person's twenties or thirties.
   */
  private renamedOn(person: Person): string {
    const spouse = person.spouseId ? this.context.people.get(person.spouseId) : undefined;
    const shared = spouse && person.addresses.find((period) => spouse.addresses.some((other) => sameAddress(other, period)));
    if (shared && shared.from > person.birthDate) return shared.from;
    const random = SeededRandom.derive(this.context.population.seed, 'pds-renamed', person.id);
    const born = new Date(`${person.birthDate}T00:00:00Z`);
    const renamed = new Date(born.getTime() + random.int(22 * 365, 38 * 365) * 86_400_000);
    const today = this.context.population.referenceDate;
    const date = renamed.toISOString().slice(0, 10);
    return date < today ? date : today;
  }

  private birthOrder(person: Person): number | undefined {
    const twin = person.twinId ? this.context.people.get(person.twinId) : undefined;
    if (!twin) return undefined;
    return person.index < twin.index ? 1 : 2;
  }
}

export function postcodeKey(postcode: string): string {
  return postcode.toUpperCase().replace(/\s+/g, '');
}

export function phoneKey(phone: string): string {
  return phone.replace(/\D/g, '').replace(/^44/, '0');
}

function sameAddress(a: AddressPeriod, b: AddressPeriod): boolean {
  return (
    a.from === b.from &&
    postcodeKey(a.address.postcode) === postcodeKey(b.address.postcode) &&
    a.address.lines.join() === b.address.lines.join()
  );
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function lowerBound(sorted: string[], value: string): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if ((sorted[middle] as string) < value) low = middle + 1;
    else high = middle;
  }
  return low;
}
