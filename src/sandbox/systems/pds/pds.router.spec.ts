import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { isValidNhsNumber } from '../../../fhir/index.js';
import { generatePopulation } from '../../population/generate-population.js';
import type { Person } from '../../population/population.types.js';
import { NICKNAMES } from '../../records/name-variants.js';
import { startSandbox, type RunningSandbox } from '../../server/sandbox-server.js';
import { PdsIndex } from './pds-index.js';
import { pdsShapeProblems, spineCodeOf } from './pds-shape.js';

const FIXTURES = path.resolve(process.cwd(), '../shared/fixtures/pds');

interface SearchEntry {
  fullUrl: string;
  search: { score: number };
  resource: PdsBody;
}

/**
 * The parts of a PDS response the tests read, typed as present: Patient, searchset Bundle and
 * OperationOutcome alike. A field a response lacks is simply undefined and fails its expectation.
 */
interface PdsBody {
  resourceType: string;
  id: string;
  identifier: Array<{ value: string }>;
  meta: { versionId: string; security: Array<{ code: string }> };
  name: Array<{ use: string; family: string; given?: string[]; period: { start: string; end?: string } }>;
  birthDate: string;
  address: Array<{ use: string; postalCode?: string; period: { start: string; end?: string } }>;
  telecom: unknown[];
  generalPractitioner: Array<{ identifier: { system: string; value: string } }>;
  total: number;
  entry: SearchEntry[];
}

let sandbox: RunningSandbox;
let people: Person[];
let restricted: Set<string>;

beforeAll(async () => {
  const population = generatePopulation({ seed: 20_250_601, size: 1_000, referenceDate: '2025-06-01' });
  people = population.people;
  sandbox = await startSandbox({ population, host: '127.0.0.1', port: 0 });
  restricted = new Set(new PdsIndex(sandbox.context).entries.filter((entry) => entry.restricted).map((entry) => entry.nhsNumber));
});

afterAll(async () => {
  await sandbox.stop();
});

async function get(pathAndQuery: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${sandbox.url}/pds/FHIR/R4/${pathAndQuery}`, {
    headers: { 'X-Request-ID': crypto.randomUUID(), ...headers },
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as PdsBody };
}

function search(parameters: Record<string, string | string[]>) {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(parameters)) for (const item of [value].flat()) query.append(name, item);
  return get(`Patient?${query.toString()}`);
}

/** Unrestricted living people with a GP, a phone and one unique name and birth date: the easy ones to find. */
function ordinaryPeople(): Person[] {
  const seen = new Map<string, number>();
  const key = (person: Person) => `${person.family}|${person.given}|${person.birthDate}`;
  for (const person of people) seen.set(key(person), (seen.get(key(person)) ?? 0) + 1);
  return people.filter((person) => !restricted.has(person.nhsNumber) && !person.deathDate && person.gp && seen.get(key(person)) === 1);
}

function fixture<T = unknown>(relative: string): T {
  return JSON.parse(readFileSync(path.join(FIXTURES, relative), 'utf8')) as T;
}

/** Top-level keys any PDS fixture Patient carries. */
function fixturePatientKeys(): Set<string> {
  const keys = new Set<string>();
  const folders = ['sandbox', 'mock-stubs/patientResponses', 'mock-stubs/searchResponses'];
  for (const folder of folders) {
    for (const file of readdirSync(path.join(FIXTURES, folder)).filter((name) => name.endsWith('.json'))) {
      const body = fixture<{ resourceType: string; entry?: Array<{ resource: { resourceType: string } }> }>(`${folder}/${file}`);
      const patients = body.resourceType === 'Patient' ? [body] : (body.entry ?? []).map((entry) => entry.resource);
      for (const patient of patients) if (patient.resourceType === 'Patient') for (const key of Object.keys(patient)) keys.add(key);
    }
  }
  return keys;
}

function typo(name: string): string {
  // Swap two letters in the middle: the commonest slip a clerk makes.
  const at = Math.floor(name.length / 2);
  return name.slice(0, at - 1) + name[at] + name[at - 1] + name.slice(at + 1);
}

describe('PDS read by NHS number', () => {
  it('returns the Patient shaped like the PDS fixtures, with the request id echoed', async () => {
    const person = ordinaryPeople()[0]!;
    const requestId = crypto.randomUUID();
    const { status, headers, body } = await get(`Patient/${person.nhsNumber}`, { 'X-Request-ID': requestId, 'X-Correlation-ID': 'corr-1' });

    expect(status).toBe(200);
    expect(headers.get('content-type')).toContain('application/fhir+json');
    expect(headers.get('x-request-id')).toBe(requestId);
    expect(headers.get('x-correlation-id')).toBe('corr-1');
    expect(headers.get('etag')).toBe(`W/"${body.meta.versionId}"`);
    expect(pdsShapeProblems(body)).toEqual([]);
    const allowed = fixturePatientKeys();
    expect(Object.keys(body).filter((key) => !allowed.has(key))).toEqual([]);
    expect(Object.keys(body)).toEqual(
      expect.arrayContaining(['resourceType', 'id', 'identifier', 'meta', 'name', 'gender', 'birthDate', 'address', 'generalPractitioner']),
    );
    expect(body.identifier[0].value).toBe(person.nhsNumber);
    expect(body.name[0]).toMatchObject({ use: 'usual', family: person.family, given: expect.arrayContaining([person.given]) });
    expect(body.birthDate).toBe(person.birthDate);
    expect(body.generalPractitioner[0].identifier).toMatchObject({
      system: 'https://fhir.nhs.uk/Id/ods-organization-code',
      value: person.gp!.practiceCode,
    });
    expect(body.address[0]).toMatchObject({ use: 'home', postalCode: person.addresses.at(-1)!.address.postcode });
  });

  it('shows a married name as usual and the birth name as old, ended when it changed', async () => {
    const married = people.find((person) => person.birthFamily && !restricted.has(person.nhsNumber))!;
    const { body } = await get(`Patient/${married.nhsNumber}`);
    const usual = body.name.find((name) => name.use === 'usual')!;
    const old = body.name.find((name) => name.use === 'old')!;

    expect(pdsShapeProblems(body)).toEqual([]);
    expect(usual.family).toBe(married.family);
    expect(old.family).toBe(married.birthFamily);
    expect(old.period.end).toBe(usual.period.start);
  });

  it('lists earlier home addresses with the day each ended', async () => {
    const mover = people.find((person) => person.addresses.length > 1 && !restricted.has(person.nhsNumber))!;
    const { body } = await get(`Patient/${mover.nhsNumber}`);

    expect(body.address).toHaveLength(mover.addresses.length);
    expect(body.address[0].period.end).toBeUndefined();
    expect(body.address[0].postalCode).toBe(mover.addresses.at(-1)!.address.postcode);
    for (const former of body.address.slice(1)) expect(former.period.end).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it('hides where a restricted patient lives and who their GP is', async () => {
    expect(restricted.size).toBeGreaterThan(0);
    const nhsNumber = [...restricted][0]!;
    const { status, body } = await get(`Patient/${nhsNumber}`);

    expect(status).toBe(200);
    expect(body.meta.security[0].code).toBe('R');
    expect(body.address).toBeUndefined();
    expect(body.telecom).toBeUndefined();
    expect(body.generalPractitioner).toBeUndefined();
    expect(pdsShapeProblems(body)).toEqual([]);
  });

  it('answers 400 INVALID_RESOURCE_ID for a number that fails the modulus 11 check or is not a number', async () => {
    const valid = people[0]!.nhsNumber;
    const wrongCheckDigit = valid.slice(0, 9) + String((Number(valid[9]) + 1) % 10);
    for (const id of [wrongCheckDigit, 'not-a-number', '12345']) {
      const { status, body } = await get(`Patient/${id}`);
      expect(status).toBe(400);
      expect(spineCodeOf(body)).toBe('INVALID_RESOURCE_ID');
      expect(pdsShapeProblems(body)).toEqual([]);
    }
  });

  it('answers 404 RESOURCE_NOT_FOUND for a valid number nobody holds', async () => {
    const known = new Set(people.map((person) => person.nhsNumber));
    let unknown = '';
    for (let stem = 999_000_001; !unknown; stem++) {
      for (let check = 0; check <= 9; check++) {
        const candidate = `${stem}${check}`;
        if (isValidNhsNumber(candidate) && !known.has(candidate)) unknown = candidate;
      }
    }
    const { status, body } = await get(`Patient/${unknown}`);

    expect(status).toBe(404);
    expect(spineCodeOf(body)).toBe('RESOURCE_NOT_FOUND');
    expect(body).toEqual(fixture('mock-stubs/errorResponses/RESOURCE_NOT_FOUND.json'));
  });

  it('refuses an X-Request-ID that is not a UUID, as PDS does, and still echoes it', async () => {
    const { status, headers, body } = await get(`Patient/${people[0]!.nhsNumber}`, { 'X-Request-ID': 'not-a-uuid' });
    expect(status).toBe(400);
    expect(headers.get('x-request-id')).toBe('not-a-uuid');
    expect(spineCodeOf(body)).toBe('INVALID_VALUE');
  });
});

describe('PDS search', () => {
  it('finds a person by exact demographics with score 1, in a searchset shaped like the fixtures', async () => {
    const person = ordinaryPeople()[1]!;
    const { status, body } = await search({
      family: person.family,
      given: person.given,
      gender: person.sex,
      birthdate: `eq${person.birthDate}`,
      'address-postalcode': person.addresses.at(-1)!.address.postcode,
    });

    expect(status).toBe(200);
    expect(pdsShapeProblems(body)).toEqual([]);
    expect(Object.keys(body).sort()).toEqual(Object.keys(fixture('sandbox/PatientSearch.json')).sort());
    expect(Object.keys(body.entry[0]).sort()).toEqual(Object.keys(fixture<PdsBody>('sandbox/PatientSearch.json').entry[0]!).sort());
    expect(body.total).toBe(1);
    const [entry] = body.entry;
    expect(entry!.resource.id).toBe(person.nhsNumber);
    expect(entry!.search.score).toBe(1);
    expect(entry!.fullUrl).toBe(`${sandbox.url}/pds/FHIR/R4/Patient/${person.nhsNumber}`);
    // A search match carries the usual name only, as PDS's does.
    expect(entry!.resource.name.map((name) => name.use)).toEqual(['usual']);
  });

  it('finds a person through a typo in the family name with a fuzzy search, scoring lower', async () => {
    const person = ordinaryPeople().find((candidate) => candidate.family.length >= 5)!;
    const misspelt = typo(person.family);
    expect(misspelt).not.toBe(person.family);
    const { status, body } = await search({
      family: misspelt,
      given: person.given,
      birthdate: `eq${person.birthDate}`,
      '_fuzzy-match': 'true',
      '_max-results': '10',
    });

    expect(status).toBe(200);
    expect(pdsShapeProblems(body)).toEqual([]);
    const entry = body.entry.find((candidate) => candidate.resource.id === person.nhsNumber)!;
    expect(entry).toBeDefined();
    expect(entry.search.score).toBeGreaterThan(0);
    expect(entry.search.score).toBeLessThan(1);
    expect(body.entry[0].resource.id).toBe(person.nhsNumber);
  });

  it('finds nobody through the same typo without fuzzy matching', async () => {
    const person = ordinaryPeople().find((candidate) => candidate.family.length >= 5)!;
    const { status, body } = await search({ family: typo(person.family), given: person.given, birthdate: `eq${person.birthDate}` });
    expect(status).toBe(200);
    expect(body).toMatchObject({ resourceType: 'Bundle', type: 'searchset', total: 0 });
    expect(body.entry).toBeUndefined();
  });

  it('tolerates a short form of the given name and a day/month swap in a fuzzy search, scoring the weaker match lower', async () => {
    const person = ordinaryPeople().find((candidate) => {
      const [, month, day] = candidate.birthDate.split('-').map(Number);
      return NICKNAMES[candidate.given] && day! <= 12 && day !== month;
    })!;
    expect(person).toBeDefined();
    const [year, month, day] = person.birthDate.split('-');
    const nickname = NICKNAMES[person.given]![0]!;
    const byNickname = await search({
      family: person.family,
      given: nickname,
      birthdate: `eq${person.birthDate}`,
      '_fuzzy-match': 'true',
      '_max-results': '10',
    });
    const byBoth = await search({
      family: person.family,
      given: nickname,
      birthdate: `eq${year}-${day}-${month}`,
      '_fuzzy-match': 'true',
      '_max-results': '10',
    });

    const score = (body: PdsBody) => body.entry.find((entry) => entry.resource.id === person.nhsNumber)?.search.score;
    expect(score(byNickname.body)).toBeLessThan(1);
    expect(score(byBoth.body)).toBeLessThan(score(byNickname.body)!);
  });

  it('finds a married person by their birth name in a fuzzy search', async () => {
    const married = people.find((person) => person.birthFamily && !restricted.has(person.nhsNumber))!;
    const { body } = await search({
      family: married.birthFamily!,
      given: married.given,
      birthdate: `eq${married.birthDate}`,
      '_fuzzy-match': 'true',
      '_max-results': '10',
    });
    const entry = body.entry.find((candidate) => candidate.resource.id === married.nhsNumber)!;
    expect(entry.resource.name[0]!.family).toBe(married.family);
    expect(entry.search.score).toBeLessThan(1);
  });

  it('answers TOO_MANY_MATCHES, with status 200 as PDS does, when more people match than _max-results', async () => {
    const counts = new Map<string, number>();
    for (const person of people) counts.set(person.family, (counts.get(person.family) ?? 0) + 1);
    // A family name shared by several people, but few enough to list within PDS's limit of 50.
    const [family, count] = [...counts].filter(([, n]) => n <= 50).sort((a, b) => b[1] - a[1])[0]!;
    expect(count).toBeGreaterThan(1);
    const wide = { family, birthdate: ['ge1900-01-01', 'le2025-06-01'] };

    const tooMany = await search(wide);
    expect(tooMany.status).toBe(200);
    expect(tooMany.body).toEqual(fixture('mock-stubs/searchResponses/TOO_MANY_MATCHES.json'));

    const all = await search({ ...wide, '_max-results': '50' });
    expect(all.status).toBe(200);
    expect(all.body.total).toBe(count);
    expect(pdsShapeProblems(all.body)).toEqual([]);
  });

  it('refuses searches PDS refuses, with its error codes', async () => {
    const person = people[0]!;
    const cases: Array<[Record<string, string | string[]>, string]> = [
      [{}, 'UNSUPPORTED_SERVICE'],
      [{ family: person.family }, 'INVALID_SEARCH_DATA'],
      [{ given: person.given, birthdate: person.birthDate }, 'INVALID_SEARCH_DATA'],
      [{ family: person.family, birthdate: person.birthDate, '_fuzzy-match': 'true' }, 'INVALID_SEARCH_DATA'],
      [{ family: person.family, birthdate: '02/01/1990' }, 'INVALID_SEARCH_DATA'],
      [{ family: person.family, birthdate: 'eq1990-02-30' }, 'INVALID_SEARCH_DATA'],
      [{ family: 'Sm*', given: 'Jo', birthdate: person.birthDate, '_fuzzy-match': 'true' }, 'INVALID_SEARCH_DATA'],
      [{ family: person.family, birthdate: person.birthDate, gender: 'mal' }, 'INVALID_VALUE'],
      [{ family: person.family, birthdate: person.birthDate, '_max-results': '51' }, 'INVALID_VALUE'],
      [{ family: person.family, birthdate: person.birthDate, nickname: 'Jo' }, 'ADDITIONAL_PROPERTIES'],
    ];
    for (const [parameters, code] of cases) {
      const { status, body } = await search(parameters);
      expect({ parameters, status, code: spineCodeOf(body) }).toEqual({ parameters, status: 400, code });
      expect(pdsShapeProblems(body)).toEqual([]);
    }
  });

  it('never returns a restricted patient to a search naming their postcode', async () => {
    const nhsNumber = [...restricted][0]!;
    const person = people.find((candidate) => candidate.nhsNumber === nhsNumber)!;
    const base = { family: person.family, given: person.given, birthdate: `eq${person.birthDate}`, '_max-results': '10' };

    const withoutPostcode = await search(base);
    const withPostcode = await search({ ...base, 'address-postalcode': person.addresses.at(-1)!.address.postcode });
    expect(withoutPostcode.body.entry.map((entry) => entry.resource.id)).toContain(nhsNumber);
    expect(withPostcode.body.total).toBe(0);
  });

  // Client and server share this process, and other test workers share the machine, so wall-clock
  // time measures the machine's load; the process's CPU time per request measures the system.
});
