import { generatePopulation } from '../../../../src/sandbox/population/generate-population.js';
import type { SystemRecord } from '../../../../src/sandbox/records/system-record.types.js';
import { startSandbox, type RunningSandbox } from '../../../../src/sandbox/server/sandbox-server.js';
import { SocialCareConnector } from '../../../../src/modules/source-connectors/connectors/social-care.connector.js';
import { oneLineAddress } from '../../../../src/modules/source-connectors/connectors/social-care.mapping.js';
import type { SourceEndpoint } from '../../../../src/modules/source-connectors/connectors/source-connector.js';
import { r4Errors } from '../../../setup/r4-validation.js';

// The social care connector against the sandbox council API; every resource it makes is checked
// as R4 with medplum's validator.

let sandbox: RunningSandbox;
let baseUrl: string;
let client: SystemRecord;

beforeAll(async () => {
  sandbox = await startSandbox({
    population: generatePopulation({ seed: 53, size: 3_000, referenceDate: '2026-03-02' }),
    host: '127.0.0.1',
    port: 0,
  });
  baseUrl = `${sandbox.url}/social-care/api/v1`;
  // A client with an NHS number, packages, assessments and an allocated worker.
  client = sandbox.context.directories['social-care'].records.find((record) => {
    if (record.duplicateOf || !record.nhsNumber) return false;
    const history = sandbox.context.histories.forSystem(record.personId, 'social-care');
    return !!history && history.carePackages.length > 0 && history.assessments.length > 0 && !!history.allocatedWorkers['social-care'];
  }) as SystemRecord;
  expect(client).toBeDefined();
});

afterAll(async () => {
  await sandbox?.stop();
});

function connector(options: ConstructorParameters<typeof SocialCareConnector>[1] = {}): SocialCareConnector {
  const endpoint: SourceEndpoint = {
    id: 'council',
    organisationCode: 'E09000019',
    kind: 'social-care',
    protocol: 'social-care-json',
    baseUrl,
    authentication: { type: 'none' },
    timeoutMs: 5_000,
  };
  return new SocialCareConnector(endpoint, options);
}

it('reads a client as a valid R4 Patient', async () => {
  const patient = await connector().readPatient(client.localId);
  expect(r4Errors(patient)).toEqual([]);
  expect(patient.id).toBe(client.localId);
  expect(patient.meta?.source).toBe('urn:tessera:source:council');
  expect(patient.identifier).toEqual(
    expect.arrayContaining([
      { use: 'usual', system: `${baseUrl}/clients`, value: client.localId },
      { system: 'https://fhir.nhs.uk/Id/nhs-number', value: client.nhsNumber },
    ]),
  );
  expect(patient.birthDate).toBe(client.birthDate);
  expect(patient.gender).toBe(client.sex === 'male' ? 'male' : 'female');
  expect(patient.name?.[0]?.family?.toUpperCase()).toBe(client.family.toUpperCase());
  expect(patient.name?.[0]?.family).not.toBe(client.family.toUpperCase());
  expect(patient.address?.[0]?.postalCode).toBe(client.address.postcode);
  expect(patient.address?.[0]?.line).toEqual(client.address.lines);
});

it('finds clients by NHS number, by surname and date of birth, and by postcode', async () => {
  const byNhs = await connector().findPatients({ nhsNumber: client.nhsNumber as string });
  expect(byNhs.map((patient) => patient.id)).toContain(client.localId);
  const byName = await connector().findPatients({ family: client.family, birthDate: client.birthDate });
  expect(byName.map((patient) => patient.id)).toContain(client.localId);
  const byPostcode = await connector().findPatients({ postcode: client.address.postcode.replace(' ', '') });
  expect(byPostcode.map((patient) => patient.id)).toContain(client.localId);
  for (const patient of [...byNhs, ...byName, ...byPostcode]) expect(r4Errors(patient)).toEqual([]);
  expect(await connector().findPatients({ family: client.family })).toEqual([]);
  expect(await connector().findPatients({ nhsNumber: '9999999990' })).toEqual([]);
});

it('reads care plans (packages and allocated worker) and encounters (assessments) as valid R4', async () => {
  const plans = await connector().readSection(client.localId, 'carePlans');
  expect(plans.map((resource) => resource.resourceType).sort()).toEqual(['CarePlan', 'CareTeam']);
  const plan = plans.find((resource) => resource.resourceType === 'CarePlan') as fhir4.CarePlan;
  const history = sandbox.context.histories.forSystem(client.personId, 'social-care')!;
  expect(plan.activity).toHaveLength(history.carePackages.length);
  expect(plan.careTeam?.[0]?.reference).toBe(`CareTeam/${plans.find((resource) => resource.resourceType === 'CareTeam')!.id}`);
  const encounters = await connector().readSection(client.localId, 'encounters');
  expect(encounters).toHaveLength(history.assessments.length);
  for (const resource of [...plans, ...encounters]) {
    expect(r4Errors(resource)).toEqual([]);
    expect(resource.meta?.source).toBe('urn:tessera:source:council');
  }
  await expect(connector().readSection(client.localId, 'medications')).rejects.toMatchObject({ kind: 'unsupported' });
});

it('answers not-found for an unknown client', async () => {
  await expect(connector().readPatient('SC-999999')).rejects.toMatchObject({
    kind: 'not-found',
    status: 404,
    outcomeCode: 'CLIENT_NOT_FOUND',
  });
  await expect(connector().readPatient('../clients')).rejects.toMatchObject({ kind: 'not-found' });
});

it('pages through the change feed without losing or repeating a client', async () => {
  const all = new Set(sandbox.context.directories['social-care'].records.map((record) => record.localId));
  const seen: string[] = [];
  let cursor: string | undefined;
  let pages = 0;
  for (;;) {
    const page = await connector({ pageSize: 7, changesPerPage: 10 }).listChanges(cursor);
    pages++;
    for (const patient of page.patients) expect(r4Errors(patient)).toEqual([]);
    seen.push(...page.patients.map((patient) => patient.id as string));
    if (page.complete) {
      cursor = page.nextCursor;
      break;
    }
    expect(page.nextCursor > (cursor ?? '')).toBe(true);
    cursor = page.nextCursor;
    expect(pages).toBeLessThan(200);
  }
  expect(pages).toBeGreaterThan(2);
  expect(new Set(seen).size).toBe(seen.length);
  expect(new Set(seen)).toEqual(all);
  const after = await connector().listChanges(cursor);
  expect(after).toEqual({ patients: [], nextCursor: cursor, complete: true });
});

it('splits one-line addresses sensibly', () => {
  expect(oneLineAddress('Flat 4, 27 Holloway Road, London N7 6LJ')).toEqual({
    use: 'home',
    text: 'Flat 4, 27 Holloway Road, London N7 6LJ',
    line: ['Flat 4', '27 Holloway Road'],
    city: 'London',
    postalCode: 'N7 6LJ',
  });
  expect(oneLineAddress('12 Upper Street, n11aa')).toMatchObject({ line: ['12 Upper Street'], postalCode: 'N1 1AA' });
  expect(oneLineAddress('No fixed abode')).toEqual({ use: 'home', text: 'No fixed abode', line: ['No fixed abode'] });
});
