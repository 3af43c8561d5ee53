import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

import { Registry } from 'prom-client';

import type { R4Patient } from '../../../../src/fhir/index.js';
import { generatePopulation } from '../../../../src/sandbox/population/generate-population.js';
import { startSandbox, type RunningSandbox } from '../../../../src/sandbox/server/sandbox-server.js';
import { sourceUri } from '../../../../src/modules/source-connectors/connectors/fhir-r4.connector.js';
import { SourceHttpError } from '../../../../src/modules/source-connectors/connectors/http-client.js';
import { PdsConnector } from '../../../../src/modules/source-connectors/connectors/pds.connector.js';
import type { SourceEndpoint } from '../../../../src/modules/source-connectors/connectors/source-connector.js';
import { SourceGuard } from '../../../../src/modules/source-connectors/connectors/source-guard.js';
import { caught } from '../../../setup/caught.js';

function pds(baseUrl: string, maxResults?: number): PdsConnector {
  const endpoint: SourceEndpoint = {
    id: 'pds',
    organisationCode: 'X26',
    kind: 'pds',
    protocol: 'pds-fhir',
    baseUrl,
    authentication: { type: 'none' },
    timeoutMs: 5_000,
  };
  return new PdsConnector(endpoint, { guard: new SourceGuard('pds', new Registry(), { retries: 0 }), maxResults });
}

/** One keyboard slip: the second letter of the name replaced. */
const typo = (name: string) => `${name[0]}${name[1] === 'x' ? 'z' : 'x'}${name.slice(2)}`;

describe('PdsConnector against the sandbox PDS', () => {
  let sandbox: RunningSandbox;
  let person: R4Patient;
  const base = () => `${sandbox.url}/pds/FHIR/R4`;

  beforeAll(async () => {
    sandbox = await startSandbox({
      population: generatePopulation({ seed: 44, size: 200, referenceDate: '2026-11-23' }),
      host: '127.0.0.1',
      port: 0,
    });
    // A living, unrestricted person with a family name long enough for a slip to leave it recognisable.
    for (const candidate of sandbox.context.population.people) {
      const record = (await (await fetch(`${base()}/Patient/${candidate.nhsNumber}`)).json()) as R4Patient;
      if (record.deceasedDateTime || record.meta?.security?.[0]?.code !== 'U') continue;
      if ((record.name?.[0]?.family ?? '').length >= 5 && record.address?.[0]?.postalCode) {
        person = record;
        break;
      }
    }
    expect(person).toBeDefined();
  });
  afterAll(() => sandbox.stop());

  const demographics = () => ({
    family: person.name![0]!.family!,
    given: person.name![0]!.given![0],
    birthDate: person.birthDate!,
    gender: person.gender,
    postcode: person.address![0]!.postalCode,
  });

  it('traces a person by demographics with the score PDS gives', async () => {
    const result = await pds(base()).trace(demographics());
    expect(result.outcome).toBe('matched');
    if (result.outcome !== 'matched') return;
    expect(result.candidates[0]).toMatchObject({ patient: { id: person.id }, score: 1 });
    expect(result.candidates[0]!.patient.meta).toMatchObject({ source: sourceUri('pds') });
  });

  it('still finds the person through a typo in the family name, with a lower score', async () => {
    const result = await pds(base()).trace({ ...demographics(), family: typo(person.name![0]!.family!) });
    if (result.outcome !== 'matched') throw new Error(`expected candidates, got ${result.outcome}`);
    const match = result.candidates.find((candidate) => candidate.patient.id === person.id);
    expect(match).toBeDefined();
    expect(match!.score).toBeGreaterThan(0);
    expect(match!.score).toBeLessThan(1);
  });

  it('reads by NHS number, keeping PDS meta beside meta.source', async () => {
    const patient = await pds(base()).readPatient(person.id!);
    expect(patient).toMatchObject({ id: person.id, birthDate: person.birthDate });
    expect(patient.meta).toEqual({ ...person.meta, source: sourceUri('pds') });
    await expect(pds(base()).findPatients({ nhsNumber: person.id! })).resolves.toMatchObject([{ id: person.id }]);
  });

  it('says not-found for an NHS number PDS does not hold (RESOURCE_NOT_FOUND)', async () => {
    const error = await caught(pds(base()).readPatient('9990000018'));
    expect(error).toBeInstanceOf(SourceHttpError);
    expect(error).toMatchObject({
      kind: 'not-found',
      status: 404,
      outcomeCode: 'RESOURCE_NOT_FOUND',
      message: 'PDS: no record for that NHS number (RESOURCE_NOT_FOUND)',
    });
    await expect(pds(base()).findPatients({ nhsNumber: '9990000018' })).resolves.toEqual([]);
  });

  it('says precisely when PDS refuses a malformed NHS number (INVALID_RESOURCE_ID)', async () => {
    const error = await caught(pds(base()).readPatient('12345'));
    expect(error).toMatchObject({
      kind: 'http-error',
      status: 400,
      outcomeCode: 'INVALID_RESOURCE_ID',
      message: 'PDS: not a valid NHS number (INVALID_RESOURCE_ID)',
    });
  });

  it('says precisely when PDS refuses the search data (INVALID_SEARCH_DATA), without echoing it', async () => {
    const error = await caught(pds(base()).trace({ family: 'W*', birthDate: person.birthDate! }));
    expect(error).toMatchObject({ kind: 'http-error', status: 400, outcomeCode: 'INVALID_SEARCH_DATA' });
    expect(error.message).toBe('PDS: the search is missing data PDS needs or has data in a form it refuses (INVALID_SEARCH_DATA)');
  });

  it('holds no record sections', async () => {
    expect(await caught(pds(base()).readSection(person.id!, 'allergies'))).toMatchObject({
      kind: 'unsupported',
      message: 'PDS holds demographics only, no allergies',
    });
  });
});

describe('PdsConnector against the published PDS response shapes', () => {
  const fixture = (file: string) => readFileSync(path.resolve(process.cwd(), '../shared/fixtures/pds', file), 'utf8');
  const requestIds: string[] = [];
  let url: string;
  let close: () => Promise<void>;

  beforeAll(async () => {
    const server = createServer((request, response) => {
      requestIds.push(String(request.headers['x-request-id']));
      const target = new URL(request.url ?? '/', 'http://pds.test');
      const answer = (status: number, file: string) => {
        response.writeHead(status, { 'content-type': 'application/fhir+json' });
        response.end(fixture(file));
      };
      if (target.pathname === '/Patient/9000000009') return answer(200, 'sandbox/Patient.json');
      if (target.pathname.startsWith('/Patient/')) return answer(404, 'mock-stubs/errorResponses/RESOURCE_NOT_FOUND.json');
      if (target.searchParams.get('family') === 'Smith') return answer(200, 'mock-stubs/searchResponses/TOO_MANY_MATCHES.json');
      if (target.searchParams.get('family') === 'Smythe') return answer(200, 'mock-stubs/searchResponses/fuzzy_multimatch_searchset.json');
      if (target.searchParams.get('family') === 'Smyth') return answer(200, 'sandbox/PatientSearch.json');
      answer(400, 'mock-stubs/errorResponses/INVALID_SEARCH_DATA.json');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    close = () => new Promise((resolve) => server.close(() => resolve()));
  });
  afterAll(() => close());

  it('keeps each candidate with its score', async () => {
    const result = await pds(url).trace({ family: 'Smyth', given: 'Jane', birthDate: '2010-10-22', gender: 'female' });
    expect(result).toMatchObject({ outcome: 'matched', candidates: [{ patient: { id: '9000000009' }, score: 0.75 }] });
  });

  it('orders many candidates best first', async () => {
    const result = await pds(url, 50).trace({ family: 'Smythe', birthDate: '2010-10-22' });
    if (result.outcome !== 'matched') throw new Error('expected candidates');
    expect(result.candidates).toHaveLength(20);
    const scores = result.candidates.map((candidate) => candidate.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
  });

  it('gives too-many-matches for the 200 OperationOutcome PDS answers then, and no patients from findPatients', async () => {
    await expect(pds(url).trace({ family: 'Smith', birthDate: '2010-10-22' })).resolves.toEqual({ outcome: 'too-many-matches' });
    await expect(pds(url).findPatients({ family: 'Smith', birthDate: '2010-10-22' })).resolves.toEqual([]);
  });

  it('maps RESOURCE_NOT_FOUND and INVALID_SEARCH_DATA from the published error bodies', async () => {
    expect(await caught(pds(url).readPatient('9000000017'))).toMatchObject({ kind: 'not-found', outcomeCode: 'RESOURCE_NOT_FOUND' });
    expect(await caught(pds(url).trace({ family: 'Jones', birthDate: '2010-10-22' }))).toMatchObject({
      kind: 'http-error',
      status: 400,
      outcomeCode: 'INVALID_SEARCH_DATA',
    });
    await expect(pds(url).readPatient('9000000009')).resolves.toMatchObject({ id: '9000000009', meta: { source: sourceUri('pds') } });
  });

  it('sends a new UUID X-Request-ID on every request', () => {
    expect(requestIds.length).toBeGreaterThanOrEqual(6);
    for (const id of requestIds) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Set(requestIds).size).toBe(requestIds.length);
  });
});
