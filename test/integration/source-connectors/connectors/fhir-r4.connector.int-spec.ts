import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

import { Registry } from 'prom-client';

import { NHS_NUMBER_SYSTEM, type R4Bundle, type R4Patient, type R4Resource } from '../../../../src/fhir/index.js';
import { generatePopulation } from '../../../../src/sandbox/population/generate-population.js';
import { startSandbox, type RunningSandbox } from '../../../../src/sandbox/server/sandbox-server.js';
import { FhirR4Connector, sourceUri } from '../../../../src/modules/source-connectors/connectors/fhir-r4.connector.js';
import { R4_SECTION_RESOURCE_TYPES } from '../../../../src/modules/source-connectors/connectors/r4-sections.js';
import { RECORD_SECTIONS, type SourceEndpoint } from '../../../../src/modules/source-connectors/connectors/source-connector.js';
import { SourceGuard } from '../../../../src/modules/source-connectors/connectors/source-guard.js';
import { caught } from '../../../setup/caught.js';

function endpoint(id: string, baseUrl: string): SourceEndpoint {
  return { id, organisationCode: 'R9A', kind: 'acute', protocol: 'fhir-r4', baseUrl, authentication: { type: 'none' }, timeoutMs: 5_000 };
}

function connector(id: string, baseUrl: string, options: { pageSize?: number; maxPages?: number } = {}): FhirR4Connector {
  return new FhirR4Connector(endpoint(id, baseUrl), { guard: new SourceGuard(id, new Registry(), { retries: 0 }), ...options });
}

/** Every resource of a search, fetched directly from the sandbox in one big page: what the connector must match. */
async function directSearch(url: string): Promise<R4Resource[]> {
  const bundle = (await (await fetch(url)).json()) as R4Bundle;
  return (bundle.entry ?? []).map((entry) => entry.resource!);
}

const nhsNumberOf = (patient: R4Patient) => patient.identifier?.find((identifier) => identifier.system === NHS_NUMBER_SYSTEM)?.value;

describe('FhirR4Connector against the sandbox trusts', () => {
  let sandbox: RunningSandbox;
  beforeAll(async () => {
    sandbox = await startSandbox({
      population: generatePopulation({ seed: 42, size: 300, referenceDate: '2026-11-23' }),
      host: '127.0.0.1',
      port: 0,
    });
  });
  afterAll(() => sandbox.stop());

  describe.each([
    ['acute', ['carePlans']],
    ['mental-health', []],
  ])('/%s', (system, unsupportedSections) => {
    let patient: R4Patient;
    const base = () => `${sandbox.url}/${system}`;

    beforeAll(async () => {
      // The patient with the most observations and an NHS number, so every section has something to page through.
      const patients = (await directSearch(`${base()}/Patient?_count=1000`)) as R4Patient[];
      let best = 0;
      for (const candidate of patients.filter(nhsNumberOf).slice(0, 40)) {
        const count = (await directSearch(`${base()}/Observation?patient=${candidate.id}&_count=1000`)).length;
        if (count > best) [best, patient] = [count, candidate];
      }
      expect(best).toBeGreaterThan(6);
    });

    it('finds a patient by NHS number, marking the source and keeping the rest of meta', async () => {
      const found = await connector(system, base()).findPatients({ nhsNumber: nhsNumberOf(patient) });
      expect(found.map((p) => p.id)).toContain(patient.id);
      const match = found.find((p) => p.id === patient.id)!;
      expect(match.meta).toEqual({ ...patient.meta, source: sourceUri(system) });
      expect(match.meta?.versionId).toBeDefined();
    });

    it('finds a patient by demographics', async () => {
      const name = patient.name![0]!;
      const found = await connector(system, base()).findPatients({
        family: name.family!,
        given: name.given![0],
        birthDate: patient.birthDate,
        gender: patient.gender,
        postcode: patient.address?.[0]?.postalCode,
      });
      expect(found.map((p) => p.id)).toContain(patient.id);
    });

    it('refuses a search with too little to go on, before calling the source', async () => {
      expect((await caught(connector(system, base()).findPatients({ given: 'Sam' }))).kind).toBe('unsupported');
    });

    it('reads a patient, and says not-found for an unknown or impossible id', async () => {
      const source = connector(system, base());
      await expect(source.readPatient(patient.id!)).resolves.toMatchObject({ id: patient.id, meta: { source: sourceUri(system) } });
      expect(await caught(source.readPatient('00000000'))).toMatchObject({ kind: 'not-found', status: 404 });
      expect((await caught(source.readPatient('../metadata'))).kind).toBe('not-found');
    });

    it('reads every section it holds, all pages of each, and says unsupported for the rest', async () => {
      // A page of 3 makes every non-trivial section span several pages.
      const source = connector(system, base(), { pageSize: 3 });
      for (const section of RECORD_SECTIONS) {
        if (unsupportedSections.includes(section)) {
          expect(await caught(source.readSection(patient.id!, section))).toMatchObject({
            kind: 'unsupported',
            message: `source ${system} holds no ${section}`,
          });
          continue;
        }
        const resources = await source.readSection(patient.id!, section);
        const expected: R4Resource[] = [];
        for (const type of R4_SECTION_RESOURCE_TYPES[section]) {
          if (type === 'MedicationStatement') continue; // the sandbox trusts do not offer it
          expected.push(...(await directSearch(`${base()}/${type}?patient=${patient.id}&_count=1000`)));
        }
        expect(resources.map((r) => `${r.resourceType}/${r.id}`)).toEqual(expected.map((r) => `${r.resourceType}/${r.id}`));
        for (const resource of resources) expect(resource.meta?.source).toBe(sourceUri(system));
      }
      const observations = await source.readSection(patient.id!, 'observations');
      expect(observations.length).toBeGreaterThan(6);
    });

    it('says not-found for a section of an unknown patient', async () => {
      expect((await caught(connector(system, base()).readSection('00000000', 'allergies'))).kind).toBe('not-found');
    });

    it('can list changes: the sandbox CapabilityStatement offers _lastUpdated on Patient', async () => {
      await expect(connector(system, base()).supportsChanges()).resolves.toBe(true);
    });

    it('stops at the page cap rather than following pages for ever', async () => {
      const error = await caught(connector(system, base(), { pageSize: 1, maxPages: 2 }).readSection(patient.id!, 'observations'));
      expect(error).toMatchObject({
        kind: 'malformed',
        message: `source ${system} has more than 2 pages of Observation; the page cap stops there`,
      });
    });
  });
});

describe('FhirR4Connector listing changes at the sandbox hospital', () => {
  let sandbox: RunningSandbox;
  // A past reference date: everything the population recorded is older than what happens during the test.
  beforeAll(async () => {
    sandbox = await startSandbox({
      population: generatePopulation({ seed: 7, size: 300, referenceDate: '2026-03-02' }),
      host: '127.0.0.1',
      port: 0,
    });
  });
  afterAll(() => sandbox.stop());

  it('walks every patient across pages and calls, then returns only the one that changed', async () => {
    const base = `${sandbox.url}/acute`;
    const everyone = ((await directSearch(`${base}/Patient?_count=1000`)) as R4Patient[]).map((patient) => patient.id!);
    expect(everyone.length).toBeGreaterThan(60);
    // 10 a page, 3 pages a call: the register takes several calls, each following next links.
    const source = connector('acute', base, { pageSize: 10, maxPages: 3 });
    const seen: string[] = [];
    let cursor: string | undefined;
    let calls = 0;
    for (; calls < 100; calls++) {
      const page = await source.listChanges(cursor);
      seen.push(...page.patients.map((patient) => patient.id!));
      for (const patient of page.patients) expect(patient.meta?.source).toBe(sourceUri('acute'));
      if (cursor) expect(Date.parse(page.nextCursor)).toBeGreaterThan(Date.parse(cursor));
      cursor = page.nextCursor;
      if (page.complete) break;
    }
    expect(calls).toBeGreaterThan(1);
    expect(new Set(seen)).toEqual(new Set(everyone));
    // Only a call cut inside a run of equal times repeats that run; a handful at most.
    expect(seen.length - everyone.length).toBeLessThan(everyone.length / 10);
    await expect(source.listChanges(cursor)).resolves.toEqual({ patients: [], nextCursor: cursor, complete: true });

    const changed = everyone[everyone.length >> 1]!;
    const created = await fetch(`${base}/Observation`, {
      method: 'POST',
      headers: { 'content-type': 'application/fhir+json' },
      body: JSON.stringify({
        resourceType: 'Observation',
        status: 'final',
        code: { coding: [{ system: 'http://snomed.info/sct', code: '27113001', display: 'Body weight' }] },
        subject: { reference: `Patient/${changed}` },
        valueQuantity: { value: 64, unit: 'kg', system: 'http://unitsofmeasure.org', code: 'kg' },
      }),
    });
    expect(created.status).toBe(201);
    const after = await source.listChanges(cursor);
    expect(after.patients.map((patient) => patient.id)).toEqual([changed]);
    expect(after).toMatchObject({ nextCursor: after.patients[0]!.meta!.lastUpdated, complete: true });
    expect(Date.parse(after.nextCursor)).toBeGreaterThan(Date.parse(cursor!));
    await expect(source.listChanges(after.nextCursor)).resolves.toMatchObject({ patients: [], complete: true });
  });
});

// The Synthea bundles served as a FHIR R4 source by a small real HTTP server: Patient search and
// read, per-type ?patient= searches, paging by _count/_offset, and _lastUpdated/_sort for changes.

const SEARCHABLE_TYPES = [
  'AllergyIntolerance',
  'MedicationRequest',
  'Condition',
  'Observation',
  'DiagnosticReport',
  'Encounter',
  'Appointment',
  'CarePlan',
];

interface SyntheaServer {
  url: string;
  patients: R4Patient[];
  byType: Map<string, R4Resource[]>;
  touch(patientId: string, instant: string): void;
  close(): Promise<void>;
}

async function startSyntheaServer(options: { foreignNextLink?: boolean } = {}): Promise<SyntheaServer> {
  const folder = path.resolve(process.cwd(), '../shared/fixtures/fhir/synthea');
  const patients: R4Patient[] = [];
  const byType = new Map<string, R4Resource[]>();
  readdirSync(folder)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .forEach((file, index) => {
      const bundle = JSON.parse(readFileSync(path.join(folder, file), 'utf8')) as R4Bundle;
      for (const { resource } of bundle.entry ?? []) {
        if (!resource) continue;
        if (resource.resourceType === 'Patient') {
          // Pairs share a timestamp so that a page cut inside a run of equal instants is exercised.
          const lastUpdated = new Date(Date.UTC(2026, 0, 1, Math.floor(index / 2))).toISOString();
          patients.push({ ...(resource as R4Patient), meta: { ...resource.meta, lastUpdated } });
        } else if (SEARCHABLE_TYPES.includes(resource.resourceType)) {
          byType.set(resource.resourceType, [...(byType.get(resource.resourceType) ?? []), resource]);
        }
      }
    });

  const capability = {
    resourceType: 'CapabilityStatement',
    status: 'active',
    kind: 'instance',
    fhirVersion: '4.0.1',
    format: ['json'],
    rest: [
      {
        mode: 'server',
        searchParam: [
          { name: '_lastUpdated', type: 'date' },
          { name: '_sort', type: 'string' },
        ],
        resource: [
          {
            type: 'Patient',
            interaction: [{ code: 'read' }, { code: 'search-type' }],
            searchParam: ['identifier', 'family', 'given', 'birthdate', 'gender', 'address-postalcode'].map((name) => ({
              name,
              type: 'string',
            })),
          },
          ...SEARCHABLE_TYPES.map((type) => ({
            type,
            interaction: [{ code: 'search-type' }],
            searchParam: [{ name: 'patient', type: 'reference' }],
          })),
        ],
      },
    ],
  };

  const send = (response: ServerResponse, status: number, body: unknown) => {
    response.writeHead(status, { 'content-type': 'application/fhir+json' });
    response.end(JSON.stringify(body));
  };
  const notFound = { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'not-found' }] };
  const refersTo = (resource: R4Resource, patientId: string) => {
    const reference =
      (resource as { subject?: { reference?: string }; patient?: { reference?: string } }).subject?.reference ??
      (resource as { patient?: { reference?: string } }).patient?.reference;
    return reference === `urn:uuid:${patientId}` || reference === `Patient/${patientId}`;
  };

  let origin = '';
  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', origin);
    const [type, id] = url.pathname.slice(1).split('/');
    if (type === 'metadata') return send(response, 200, capability);
    if (type === 'Patient' && id) {
      const patient = patients.find((p) => p.id === id);
      return patient ? send(response, 200, patient) : send(response, 404, notFound);
    }
    const query = url.searchParams;
    let matches: R4Resource[];
    if (type === 'Patient') {
      matches = patients.filter((patient) => {
        const name = patient.name?.[0];
        const checks: [string, (value: string) => boolean][] = [
          ['family', (value) => (name?.family ?? '').toLowerCase().startsWith(value.toLowerCase())],
          ['given', (value) => (name?.given ?? []).some((given) => given.toLowerCase().startsWith(value.toLowerCase()))],
          ['birthdate', (value) => patient.birthDate === value],
          ['gender', (value) => patient.gender === value],
          ['address-postalcode', (value) => (patient.address ?? []).some((address) => address.postalCode === value)],
          ['identifier', (value) => (patient.identifier ?? []).some((identifier) => `${identifier.system}|${identifier.value}` === value)],
          ['_lastUpdated', (value) => Date.parse(patient.meta!.lastUpdated!) > Date.parse(value.replace(/^gt/, ''))],
        ];
        return checks.every(([parameter, test]) => !query.has(parameter) || test(query.get(parameter)!));
      });
      if (query.get('_sort') === '_lastUpdated') {
        matches = [...matches].sort((a, b) => Date.parse(a.meta!.lastUpdated!) - Date.parse(b.meta!.lastUpdated!));
      }
    } else if (type && SEARCHABLE_TYPES.includes(type) && query.has('patient')) {
      const patientId = query.get('patient')!;
      if (!patients.some((p) => p.id === patientId)) return send(response, 404, notFound);
      matches = (byType.get(type) ?? []).filter((resource) => refersTo(resource, patientId));
    } else {
      return send(response, 400, { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'not-supported' }] });
    }
    const count = Number(query.get('_count') ?? 20);
    const offset = Number(query.get('_offset') ?? 0);
    const link = [{ relation: 'self', url: url.href }];
    if (offset + count < matches.length) {
      const next = new URL(url.href);
      next.searchParams.set('_offset', String(offset + count));
      if (options.foreignNextLink) next.host = 'other-host.example:8080';
      link.push({ relation: 'next', url: next.href });
    }
    send(response, 200, {
      resourceType: 'Bundle',
      type: 'searchset',
      total: matches.length,
      link,
      entry: matches
        .slice(offset, offset + count)
        .map((resource) => ({ fullUrl: `${origin}/${resource.resourceType}/${resource.id}`, resource, search: { mode: 'match' } })),
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: origin,
    patients,
    byType,
    touch(patientId, instant) {
      const patient = patients.find((p) => p.id === patientId)!;
      patient.meta = { ...patient.meta, lastUpdated: instant };
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe('FhirR4Connector against the Synthea bundles served as a FHIR source', () => {
  let synthea: SyntheaServer;
  beforeAll(async () => {
    synthea = await startSyntheaServer();
  });
  afterAll(() => synthea.close());

  it('finds by demographics, reads, and keeps the existing meta (Synthea tags) beside meta.source', async () => {
    const source = connector('synthea', synthea.url);
    const portillo = synthea.patients.find((p) => p.name?.[0]?.family === 'Portillo')!;
    const found = await source.findPatients({ family: 'portillo', given: 'Adán', birthDate: '1937-02-13', gender: 'male' });
    expect(found.map((p) => p.id)).toEqual([portillo.id]);
    expect(found[0]!.meta).toEqual({ tag: portillo.meta!.tag, lastUpdated: portillo.meta!.lastUpdated, source: sourceUri('synthea') });

    await expect(source.findPatients({ nhsNumber: '9990000018' })).resolves.toEqual([]);
    await expect(source.readPatient(portillo.id!)).resolves.toMatchObject({ id: portillo.id, birthDate: '1937-02-13' });
    expect((await caught(source.readPatient('no-such-patient'))).kind).toBe('not-found');
  });

  it('reads every section of every patient across pages, matching the bundles', async () => {
    const source = connector('synthea', synthea.url, { pageSize: 7 });
    for (const patient of synthea.patients) {
      for (const section of RECORD_SECTIONS) {
        const resources = await source.readSection(patient.id!, section);
        const expected = R4_SECTION_RESOURCE_TYPES[section].flatMap((type) =>
          (synthea.byType.get(type) ?? []).filter((resource) => JSON.stringify(resource).includes(`"urn:uuid:${patient.id}"`)),
        );
        expect(resources.map((r) => r.id)).toEqual(expected.map((r) => r.id));
      }
    }
  });

  it('lists every patient once through the change list, page by page, and then only what changed', async () => {
    // 4 a page, 2 pages a call: 30 patients take several calls, and calls end inside runs of equal instants.
    const source = connector('synthea', synthea.url, { pageSize: 4, maxPages: 2 });
    await expect(source.supportsChanges()).resolves.toBe(true);
    const seen = new Set<string>();
    let cursor: string | undefined;
    for (let calls = 0; calls < 20; calls++) {
      const page = await source.listChanges(cursor);
      page.patients.forEach((patient) => seen.add(patient.id!));
      if (cursor) expect(Date.parse(page.nextCursor)).toBeGreaterThan(Date.parse(cursor));
      cursor = page.nextCursor;
      if (page.complete) break;
    }
    expect(seen.size).toBe(30);
    expect(cursor).toBe(new Date(Date.UTC(2026, 0, 1, 14)).toISOString());

    await expect(source.listChanges(cursor)).resolves.toEqual({ patients: [], nextCursor: cursor, complete: true });
    const changed = synthea.patients[3]!.id!;
    synthea.touch(changed, '2026-06-01T12:00:00.000Z');
    const after = await source.listChanges(cursor);
    expect(after.patients.map((p) => p.id)).toEqual([changed]);
    expect(after).toMatchObject({ nextCursor: '2026-06-01T12:00:00.000Z', complete: true });
    expect(after.patients[0]!.meta?.source).toBe(sourceUri('synthea'));
  });

  it('refuses a next link to another host', async () => {
    const hostile = await startSyntheaServer({ foreignNextLink: true });
    try {
      const patient = hostile.patients.find((p) => p.name?.[0]?.family === 'Portillo')!;
      const error = await caught(connector('hostile', hostile.url, { pageSize: 5 }).readSection(patient.id!, 'observations'));
      expect(error).toMatchObject({ kind: 'malformed', message: 'source hostile gave a next link to another host; not followed' });
    } finally {
      await hostile.close();
    }
  });
});
