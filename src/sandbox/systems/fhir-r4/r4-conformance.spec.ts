import { readFileSync } from 'node:fs';
import path from 'node:path';

import { generatePopulation } from '../../population/generate-population.js';
import { startSandbox, type RunningSandbox } from '../../server/sandbox-server.js';
import { r4Errors } from '../../../../test/setup/r4-validation.js';

// Both trusts' FHIR APIs, checked as a client would: every resource type they answer with is
// valid R4 (against the base R4 StructureDefinitions, with medplum's validator), and Patient
// carries the UK Core NHS number shapes of the HL7 UK examples.

type FhirResource = { resourceType: string; id?: string; [key: string]: unknown };
type Bundle = FhirResource & { total: number; entry?: Array<{ fullUrl: string; resource: FhirResource }> };

const TRUSTS = {
  acute: ['AllergyIntolerance', 'MedicationRequest', 'Condition', 'Observation', 'DiagnosticReport', 'Encounter', 'Appointment'],
  'mental-health': [
    'AllergyIntolerance',
    'MedicationRequest',
    'Condition',
    'Observation',
    'DiagnosticReport',
    'Encounter',
    'Appointment',
    'CarePlan',
  ],
} as const;

/** The types the population gives each trust, so each must turn up in the sample. */
const EXPECTED_TYPES = {
  acute: ['Patient', 'AllergyIntolerance', 'MedicationRequest', 'Condition', 'Observation', 'DiagnosticReport', 'Encounter', 'Appointment'],
  'mental-health': ['Patient', 'MedicationRequest', 'Condition', 'Observation', 'Encounter', 'Appointment', 'CarePlan'],
};

let sandbox: RunningSandbox;

beforeAll(async () => {
  const population = generatePopulation({ seed: 31, size: 2_000, referenceDate: '2026-03-02' });
  sandbox = await startSandbox({ population, host: '127.0.0.1', port: 0 });
});

afterAll(async () => {
  await sandbox?.stop();
});

async function getJson<T = FhirResource>(url: string): Promise<{ status: number; body: T; type: string }> {
  const response = await fetch(url.startsWith('http') ? url : `${sandbox.url}${url}`);
  return { status: response.status, body: (await response.json()) as T, type: response.headers.get('content-type') ?? '' };
}

it('uses a validator that does catch invalid R4', () => {
  expect(r4Errors({ resourceType: 'Observation', id: 'x', status: 'final', code: { text: 'bp' }, colour: 'red' })).not.toEqual([]);
  expect(r4Errors({ resourceType: 'Patient', id: 'x', birthDate: '03/02/1950' })).not.toEqual([]);
});

describe.each(Object.keys(TRUSTS) as Array<keyof typeof TRUSTS>)('%s FHIR R4 API', (trust) => {
  it('answers with valid R4 for every resource type it serves', async () => {
    const samples = new Map<string, FhirResource[]>();
    const keep = (resource: FhirResource) => {
      const list = samples.get(resource.resourceType) ?? [];
      if (list.length < 15) list.push(resource);
      samples.set(resource.resourceType, list);
    };
    const records = sandbox.context.directories[trust].records;
    const errors: string[] = [];
    // Every 4th patient, so the sample reaches past the first registrations.
    for (const record of records.filter((_record, index) => index % 4 === 0).slice(0, 60)) {
      const patient = await getJson(`/${trust}/Patient/${record.localId}`);
      expect(patient.status).toBe(200);
      expect(patient.type).toContain('application/fhir+json');
      keep(patient.body);
      for (const type of TRUSTS[trust]) {
        const bundle = await getJson<Bundle>(`/${trust}/${type}?patient=${record.localId}`);
        expect(bundle.status).toBe(200);
        errors.push(...r4Errors(bundle.body));
        for (const entry of bundle.body.entry ?? []) keep(entry.resource);
      }
    }
    for (const resources of samples.values()) for (const resource of resources) errors.push(...r4Errors(resource));
    expect(errors).toEqual([]);
    expect([...samples.keys()].sort()).toEqual(expect.arrayContaining(EXPECTED_TYPES[trust]));
  });

  it('answers metadata with a valid CapabilityStatement listing Patient and its clinical types', async () => {
    const { status, body } = await getJson<
      FhirResource & { rest: Array<{ resource: Array<{ type: string; interaction: Array<{ code: string }> }> }> }
    >(`/${trust}/metadata`);
    expect(status).toBe(200);
    expect(r4Errors(body)).toEqual([]);
    const resources = body.rest[0].resource;
    expect(resources.map((resource) => resource.type)).toEqual(['Patient', ...TRUSTS[trust]]);
    const creatable = resources
      .filter((resource) => resource.interaction.some((interaction) => interaction.code === 'create'))
      .map((resource) => resource.type);
    expect(creatable).toEqual(trust === 'acute' ? ['Condition', 'Observation'] : []);
  });

  it('refuses with a valid OperationOutcome', async () => {
    const unknown = await getJson(`/${trust}/Patient/no-such-patient`);
    expect(unknown.status).toBe(404);
    expect(unknown.body.resourceType).toBe('OperationOutcome');
    expect(r4Errors(unknown.body)).toEqual([]);
  });

  it('carries the NHS number as UK Core does, with the verification status extension of the HL7 UK example', async () => {
    const example = readFileSync(path.resolve(process.cwd(), '../shared/fixtures/uk-core/UKCore-Patient-RichardSmith-Example.xml'), 'utf8');
    const extensionUrl = /<extension url="([^"]*NHSNumberVerificationStatus)"/.exec(example)?.[1];
    const codeSystem = /<system value="([^"]*NHSNumberVerificationStatus[^"]*)"/.exec(example)?.[1];
    const identifierSystem = /<system value="(https:\/\/fhir\.nhs\.uk\/Id\/nhs-number)"/.exec(example)?.[1];
    const record = sandbox.context.directories[trust].records.find((candidate) => candidate.nhsNumber)!;
    const { body } = await getJson<
      FhirResource & {
        identifier: Array<{
          system: string;
          value: string;
          extension?: Array<{ url: string; valueCodeableConcept: { coding: Array<{ system: string; code: string }> } }>;
        }>;
      }
    >(`/${trust}/Patient/${record.localId}`);
    const nhs = body.identifier.find((identifier) => identifier.system === identifierSystem);
    expect(nhs?.value).toBe(record.nhsNumber);
    expect(nhs?.extension?.[0].url).toBe(extensionUrl);
    expect(nhs?.extension?.[0].valueCodeableConcept.coding[0].system).toBe(codeSystem);
    expect(['01', '02']).toContain(nhs?.extension?.[0].valueCodeableConcept.coding[0].code);
  });
});
