import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

import { decodeJwt, decodeProtectedHeader } from 'jose';
import { Registry } from 'prom-client';

import { generatePopulation } from '../../../../src/sandbox/population/generate-population.js';
import type { SystemRecord } from '../../../../src/sandbox/records/system-record.types.js';
import { startSandbox, type RunningSandbox } from '../../../../src/sandbox/server/sandbox-server.js';
import { GpConnectConnector } from '../../../../src/modules/source-connectors/connectors/gp-connect.connector.js';
import {
  GET_STRUCTURED_RECORD_INTERACTION,
  structuredRecordParameters,
  type GpConnectConsumer,
} from '../../../../src/modules/source-connectors/connectors/gp-connect.request.js';
import { SourceGuard } from '../../../../src/modules/source-connectors/connectors/source-guard.js';
import {
  SourceError,
  type RecordSection,
  type SourceEndpoint,
} from '../../../../src/modules/source-connectors/connectors/source-connector.js';
import { r4Errors } from '../../../setup/r4-validation.js';

// The GP Connect connector against the sandbox's GP system, through a small recording proxy so
// that what goes over the wire (headers, JWT, Parameters) can be checked, and against the
// published examples served as a practice would serve them.

const FIXTURES = path.resolve(process.cwd(), '../shared/fixtures/gp-connect');

const CONSUMER: GpConnectConsumer = {
  asid: '918999198738',
  systemUrl: 'https://tessera.example',
  organisation: { odsCode: 'Y9T01', name: 'Tessera integrated care record' },
  device: { system: 'https://tessera.example/Id/device', value: 'tessera-hub', model: 'Tessera', version: '0.1' },
  practitioner: { id: 'svc-1', sdsUserId: 'G13579135', sdsRoleProfileId: '111111111', family: 'Service', given: ['Tessera'] },
};

interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

let sandbox: RunningSandbox;
let proxy: Server;
let proxyUrl: string;
const recorded: RecordedRequest[] = [];
let patient: SystemRecord;

beforeAll(async () => {
  sandbox = await startSandbox({
    population: generatePopulation({ seed: 47, size: 600, referenceDate: '2026-03-02' }),
    host: '127.0.0.1',
    port: 0,
  });

  // A living, registered patient whose GP record has something in every section.
  patient = sandbox.context.directories.gp.records.find((record) => {
    if (record.deathDate || record.duplicateOf || !record.nhsNumber) return false;
    const history = sandbox.context.histories.forSystem(record.personId, 'gp');
    return (
      !!history &&
      history.allergies.length > 0 &&
      history.conditions.length > 0 &&
      history.medications.length > 0 &&
      history.encounters.length > 0 &&
      history.observations.length > 0 &&
      history.appointments.length > 0
    );
  }) as SystemRecord;
  expect(patient).toBeDefined();

  proxy = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const url = request.url ?? '/';
      if (url.startsWith('/malformed/')) {
        response.writeHead(200, { 'content-type': 'application/fhir+json' });
        response.end(readFileSync(path.join(FIXTURES, 'malformed/consultations_response1.json')));
        return;
      }
      if (url.startsWith('/example/')) {
        // /example/<file>/STU3/...: the published response, whatever was asked.
        const file = url.split('/')[2] as string;
        response.writeHead(200, { 'content-type': 'application/fhir+json' });
        response.end(readFileSync(path.join(FIXTURES, 'access-record-structured', file)));
        return;
      }
      recorded.push({ method: request.method ?? '', url, headers: request.headers, body });
      const forwarded: Record<string, string> = {};
      for (const [name, value] of Object.entries(request.headers))
        if (typeof value === 'string' && name !== 'host') forwarded[name] = value;
      fetch(`${sandbox.url}${url.replace(/^\/proxy/, '')}`, {
        method: request.method ?? 'GET',
        headers: forwarded,
        ...(body ? { body } : {}),
      })
        .then(async (answer) => {
          response.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' });
          response.end(Buffer.from(await answer.arrayBuffer()));
        })
        .catch(() => {
          response.writeHead(502);
          response.end();
        });
    });
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => proxy?.close(resolve));
  await sandbox?.stop();
});

function endpoint(baseUrl: string, organisationCode = patient.organisationCode): SourceEndpoint {
  return {
    id: `gp-${organisationCode}`,
    organisationCode,
    kind: 'gp',
    protocol: 'gp-connect',
    baseUrl,
    authentication: { type: 'none' },
    timeoutMs: 5_000,
  };
}

function practiceConnector(): GpConnectConnector {
  return new GpConnectConnector(endpoint(`${proxyUrl}/proxy/gp/${patient.organisationCode}/STU3/1/gpconnect`), {
    consumer: CONSUMER,
    providerAsid: '200000000359',
    now: () => new Date('2026-03-02T12:00:00Z'),
  });
}

it('is served by the sandbox manifest at the base URL it expects', async () => {
  const manifest = (await (await fetch(`${sandbox.url}/sandbox/sources`)).json()) as {
    sources: Array<{ protocol: string; baseUrl: string; organisation: { code: string } }>;
  };
  const source = manifest.sources.find(
    (candidate) => candidate.protocol === 'gp-connect' && candidate.organisation.code === patient.organisationCode,
  );
  expect(source?.baseUrl).toBe(`${sandbox.url}/gp/${patient.organisationCode}/STU3/1/gpconnect`);
});

it('reads the patient by NHS number, as R4', async () => {
  const found = await practiceConnector().readPatient(patient.nhsNumber as string);
  expect(r4Errors(found)).toEqual([]);
  expect(
    found.identifier?.some(
      (identifier) => identifier.system === 'https://fhir.nhs.uk/Id/nhs-number' && identifier.value === patient.nhsNumber,
    ),
  ).toBe(true);
  expect(found.meta?.source).toBe(`urn:tessera:source:gp-${patient.organisationCode}`);
  expect(await practiceConnector().findPatients({ nhsNumber: patient.nhsNumber as string })).toHaveLength(1);
});

const SECTIONS: Array<[RecordSection, string[]]> = [
  ['allergies', ['AllergyIntolerance']],
  ['medications', ['MedicationStatement', 'MedicationRequest', 'Medication']],
  ['conditions', ['Condition']],
  ['encounters', ['Encounter']],
  ['observations', ['Observation', 'DiagnosticReport']],
  ['appointments', ['Appointment']],
];

it.each(SECTIONS)('reads %s as valid R4 with meta.source', async (section, types) => {
  const resources = await practiceConnector().readSection(patient.nhsNumber as string, section);
  expect(resources.length).toBeGreaterThan(0);
  expect(resources.flatMap(r4Errors)).toEqual([]);
  for (const resource of resources) {
    expect(types).toContain(resource.resourceType);
    expect(resource.meta?.source).toBeDefined();
  }
});

it('sends the GP Connect headers, an unsigned JWT and only the parameters the section needs', async () => {
  recorded.length = 0;
  await practiceConnector().readSection(patient.nhsNumber as string, 'allergies');
  const request = recorded.find((item) => item.url.endsWith('/Patient/$gpc.getstructuredrecord'));
  expect(request).toBeDefined();
  const headers = request!.headers;
  expect(headers['ssp-traceid']).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  expect(headers['ssp-from']).toBe(CONSUMER.asid);
  expect(headers['ssp-to']).toBe('200000000359');
  expect(headers['ssp-interactionid']).toBe(GET_STRUCTURED_RECORD_INTERACTION);
  expect(headers.accept).toBe('application/fhir+json');
  expect(headers['content-type']).toBe('application/fhir+json');

  const token = (headers.authorization as string).replace(/^Bearer /, '');
  expect(decodeProtectedHeader(token).alg).toBe('none');
  expect(token.split('.')[2]).toBe('');
  const claims = decodeJwt(token) as Record<string, unknown> & { exp: number; iat: number };
  expect(claims).toMatchObject({
    iss: CONSUMER.systemUrl,
    sub: CONSUMER.practitioner.id,
    aud: `${proxyUrl}/proxy/gp/${patient.organisationCode}/STU3/1/gpconnect/structured/fhir`,
    reason_for_request: 'directcare',
    requested_scope: 'patient/*.read',
    requesting_device: { resourceType: 'Device' },
    requesting_organization: {
      resourceType: 'Organization',
      identifier: [{ system: 'https://fhir.nhs.uk/Id/ods-organization-code', value: 'Y9T01' }],
    },
    requesting_practitioner: { resourceType: 'Practitioner', id: CONSUMER.practitioner.id },
  });
  expect(claims.exp - claims.iat).toBe(300);

  expect(JSON.parse(request!.body)).toEqual({
    resourceType: 'Parameters',
    parameter: [
      { name: 'patientNHSNumber', valueIdentifier: { system: 'https://fhir.nhs.uk/Id/nhs-number', value: patient.nhsNumber } },
      { name: 'includeAllergies', part: [{ name: 'includeResolvedAllergies', valueBoolean: false }] },
    ],
  });
});

it('answers not-found for an NHS number the practice does not hold, and for one that is not valid', async () => {
  const failsModulus11 = '9999999990';
  // A valid 999 number that nobody in this population has.
  let candidate = '';
  for (let n = 0; n < 1000 && !candidate; n++) {
    const nine = `999${String(900000 + n).padStart(6, '0')}`;
    let sum = 0;
    for (let i = 0; i < 9; i++) sum += Number(nine[i]) * (10 - i);
    const check = 11 - (sum % 11);
    if (check === 10) continue;
    const number = `${nine}${check === 11 ? 0 : check}`;
    if (!sandbox.context.directories.gp.records.some((record) => record.nhsNumber === number)) candidate = number;
  }
  await expect(practiceConnector().readPatient(candidate)).rejects.toMatchObject({
    kind: 'not-found',
    outcomeCode: 'PATIENT_NOT_FOUND',
    status: 404,
  });
  await expect(practiceConnector().readSection(candidate, 'conditions')).rejects.toMatchObject({ kind: 'not-found' });
  await expect(practiceConnector().readSection(candidate, 'appointments')).rejects.toMatchObject({ kind: 'not-found' });
  await expect(practiceConnector().readPatient(failsModulus11)).rejects.toMatchObject({ kind: 'not-found' });
  expect(await practiceConnector().findPatients({ nhsNumber: candidate })).toEqual([]);
  expect(await practiceConnector().findPatients({ family: 'Smith', birthDate: '1950-01-01' })).toEqual([]);
});

it('says carePlans are not a GP Connect section', async () => {
  await expect(practiceConnector().readSection(patient.nhsNumber as string, 'carePlans')).rejects.toMatchObject({ kind: 'unsupported' });
});

it('maps the practice refusing an unknown organisation to a precise error', async () => {
  const connector = new GpConnectConnector(endpoint(`${proxyUrl}/proxy/gp/Z99999/STU3/1/gpconnect`, 'Z99999'), { consumer: CONSUMER });
  await expect(connector.readPatient(patient.nhsNumber as string)).rejects.toMatchObject({
    kind: 'http-error',
    outcomeCode: 'ORGANISATION_NOT_FOUND',
    status: 404,
  });
});

it('gives a clear malformed error for the published example that is broken JSON', async () => {
  const connector = new GpConnectConnector(endpoint(`${proxyUrl}/malformed/STU3/1/gpconnect`), { consumer: CONSUMER });
  const failure = await connector.readSection('9999999999', 'encounters').catch((error: unknown) => error);
  expect(failure).toBeInstanceOf(SourceError);
  expect(failure).toMatchObject({ kind: 'malformed', status: 200 });
  expect((failure as Error).message).toMatch(/not JSON/);
});

it('reads the published example responses through the connector as valid R4', async () => {
  const examples: Array<[string, RecordSection, number]> = [
    ['allergies_response1.json', 'allergies', 3],
    ['meds_response.json', 'medications', 12],
    ['pathology_response1.json', 'observations', 20],
  ];
  for (const [file, section, count] of examples) {
    const connector = new GpConnectConnector(endpoint(`${proxyUrl}/example/${file}`), { consumer: CONSUMER });
    const resources = await connector.readSection('9999999999', section);
    expect(resources).toHaveLength(count);
    expect(resources.flatMap(r4Errors)).toEqual([]);
  }
});

it('asks with the same parameter names as the published request examples', () => {
  const names = (body: { parameter: Array<{ name: string; part?: Array<{ name: string }> }> }) =>
    body.parameter.map((parameter) => [parameter.name, ...(parameter.part ?? []).map((part) => part.name)].join('/')).sort();
  const example = (file: string) => JSON.parse(readFileSync(path.join(FIXTURES, 'access-record-structured', file), 'utf8'));
  expect(names(structuredRecordParameters('9999999999', 'allergies'))).toEqual(names(example('allergies_request1.json')));
  // The example asks for medication without parts; includePrescriptionIssues is a part the 1.6 operation defines.
  const meds = names(example('meds_request.json')).map((name) => name.split('/')[0]);
  for (const name of names(structuredRecordParameters('9999999999', 'medications'))) expect(meds).toContain(name.split('/')[0]);
  const problems = names(example('problems_request1.json')).map((name) => name.split('/')[0]);
  for (const name of names(structuredRecordParameters('9999999999', 'conditions'))) expect(problems).toContain(name);
  const consultations = names(example('consultations_request1.json')).map((name) => name.split('/')[0]);
  for (const name of names(structuredRecordParameters('9999999999', 'encounters'))) expect(consultations).toContain(name);
  const pathology = names(example('pathology_request1.json')).map((name) => name.split('/')[0]);
  expect(pathology).toContain('includeInvestigations');
  // Every example names the patient the same way.
  for (const file of [
    'allergies_request1.json',
    'meds_request.json',
    'problems_request1.json',
    'immunizations_request1.json',
    'diaryentries_request1.json',
  ]) {
    expect(example(file).parameter[0]).toEqual({
      name: 'patientNHSNumber',
      valueIdentifier: { system: 'https://fhir.nhs.uk/Id/nhs-number', value: expect.any(String) },
    });
  }
});

it('runs its calls under a source guard, and reports an unreachable host precisely', async () => {
  const guard = new SourceGuard('gp-guarded', new Registry(), { retries: 0, failureThreshold: 1, coolDownMs: 60_000 });
  const guarded = new GpConnectConnector(endpoint(`${proxyUrl}/proxy/gp/${patient.organisationCode}/STU3/1/gpconnect`), {
    consumer: CONSUMER,
    guard,
  });
  expect((await guarded.readPatient(patient.nhsNumber as string)).resourceType).toBe('Patient');
  expect(guard.state().circuit).toBe('closed');

  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const port = (closed.address() as AddressInfo).port;
  await new Promise((resolve) => closed.close(resolve));
  const downGuard = new SourceGuard('gp-down', new Registry(), { retries: 0, failureThreshold: 1, coolDownMs: 60_000 });
  const down = new GpConnectConnector(endpoint(`http://127.0.0.1:${port}/gp/F83001/STU3/1/gpconnect`), {
    consumer: CONSUMER,
    guard: downGuard,
  });
  await expect(down.readPatient(patient.nhsNumber as string)).rejects.toMatchObject({ kind: 'unreachable' });
  expect(downGuard.state().circuit).toBe('open');
  await expect(down.readPatient(patient.nhsNumber as string)).rejects.toMatchObject({ kind: 'circuit-open' });
});
