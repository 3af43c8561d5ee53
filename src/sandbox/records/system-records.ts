import { ACUTE_TRUST, COUNCIL, MENTAL_HEALTH_TRUST, PDS_SERVICE } from '../population/reference-data/organisations.js';
import { SeededRandom } from '../population/random.js';
import type { Person, Population } from '../population/population.types.js';
import { applyRecordErrors, ERROR_RATES } from './record-errors.js';
import { SYSTEM_IDS, type SystemDirectory, type SystemId, type SystemRecord } from './system-record.types.js';

// Which people each system knows, and its own copy of each. Local identifiers follow each
// system's habit: GP system patient numbers, hospital MRNs, RiO client ids, council client ids.

const LOCAL_ID: Record<SystemId, (sequence: number) => string> = {
  gp: (sequence) => String(100_000 + sequence),
  acute: (sequence) => String(40_000_000 + sequence * 7),
  'mental-health': (sequence) => String(1_200_000 + sequence * 3),
  'social-care': (sequence) => `SC-${100_000 + sequence}`,
  pds: () => '',
};

function knows(system: SystemId, person: Person): boolean {
  switch (system) {
    case 'gp':
      return person.gp !== undefined;
    case 'acute':
      return person.care.acute;
    case 'mental-health':
      return person.care.mentalHealth;
    case 'social-care':
      return person.care.socialCare;
    case 'pds':
      return true;
  }
}

function organisationOf(system: SystemId, person: Person): string {
  switch (system) {
    case 'gp':
      return person.gp!.practiceCode;
    case 'acute':
      return ACUTE_TRUST.code;
    case 'mental-health':
      return MENTAL_HEALTH_TRUST.code;
    case 'social-care':
      return COUNCIL.code;
    case 'pds':
      return PDS_SERVICE.code;
  }
}

function cleanCopy(system: SystemId, person: Person, localId: string): SystemRecord {
  const current = person.addresses[person.addresses.length - 1]!.address;
  const record: SystemRecord = {
    system,
    localId,
    personId: person.id,
    nhsNumber: person.nhsNumber,
    given: person.given,
    family: person.family,
    sex: person.sex,
    birthDate: person.birthDate,
    address: current,
    organisationCode: organisationOf(system, person),
    errors: [],
  };
  if (person.title) record.title = person.title;
  if (person.middle) record.middle = person.middle;
  if (person.phone) record.phone = person.phone;
  return record;
}

/** Every system's records, deterministic from the population's seed. */
export function buildSystemDirectories(population: Population): Record<SystemId, SystemDirectory> {
  const byId = new Map(population.people.map((person) => [person.id, person]));
  const directories = {} as Record<SystemId, SystemDirectory>;
  for (const system of SYSTEM_IDS) {
    const records: SystemRecord[] = [];
    let sequence = 0;
    for (const person of population.people) {
      if (!knows(system, person)) continue;
      const random = SeededRandom.derive(population.seed, 'records', system, person.index);
      const relative = [person.motherId, person.fatherId, person.spouseId, person.twinId].map((id) => id && byId.get(id)).find(Boolean);
      const primary = cleanCopy(system, person, system === 'pds' ? person.nhsNumber : LOCAL_ID[system](++sequence));
      applyRecordErrors(primary, { random, system, person, relativeNhsNumber: relative ? relative.nhsNumber : undefined });
      records.push(primary);
      if (random.chance(ERROR_RATES[system].duplicate)) {
        // A second registration made at a front desk that did not find the first.
        const duplicate = cleanCopy(system, person, LOCAL_ID[system](++sequence));
        duplicate.duplicateOf = primary.localId;
        applyRecordErrors(duplicate, { random, system, person });
        duplicate.errors.push('duplicate');
        records.push(duplicate);
      }
    }
    directories[system] = indexRecords(system, records);
  }
  return directories;
}

export function indexRecords(system: SystemId, records: SystemRecord[]): SystemDirectory {
  const directory: SystemDirectory = { system, records, byLocalId: new Map(), byNhsNumber: new Map(), byPersonId: new Map() };
  for (const record of records) {
    directory.byLocalId.set(record.localId, record);
    if (record.nhsNumber) push(directory.byNhsNumber, record.nhsNumber, record);
    push(directory.byPersonId, record.personId, record);
  }
  return directory;
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
