import { randomUUID } from 'node:crypto';

import { Client } from 'fhir-kit-client';
import { DataSource } from 'typeorm';

import { clinicianToken, residentToken, testIssuer } from '../../setup/test-issuer.js';
import { r4Errors } from '../../setup/r4-validation.js';
import { type RecordWorld, startRecordWorld, type WorldPerson } from '../record-aggregation/record-world.js';

// The read-only FHIR R4 facade (issue 8) through a FHIR client library, fhir-kit-client, against
// the sandbox's systems: the same governed, audited reads as GraphQL, as FHIR Bundles, with
// OperationOutcome for every error and for the sources that did not answer.

type Resource = { resourceType: string; id?: string } & Record<string, unknown>;
type Bundle = fhir4.Bundle & Resource;
type Outcome = fhir4.OperationOutcome;

const NHS_NUMBER_SYSTEM = 'https://fhir.nhs.uk/Id/nhs-number';
const DEADLINE_MS = 1_500;

/** The HTTP status and OperationOutcome a refused request answered with. */
async function refusal(call: Promise<unknown>): Promise<{ status: number; outcome: Outcome }> {
  try {
    await call;
  } catch (error) {
    const response = (error as { response?: { status: number; data: Outcome } }).response;
    if (response) return { status: response.status, outcome: response.data };
    throw error;
  }
  throw new Error('expected the request to be refused');
}

const resourcesOf = (bundle: Bundle, type?: string) =>
  (bundle.entry ?? []).map((entry) => entry.resource as Resource).filter((resource) => !type || resource.resourceType === type);
const outcomeOf = (bundle: Bundle) =>
  (bundle.entry ?? []).find((entry) => entry.search?.mode === 'outcome')?.resource as Outcome | undefined;

describe('the FHIR R4 facade', () => {
  let world: RecordWorld;
  let people: {
    gpPatient: WorldPerson;
    sharedAllergy: WorldPerson;
    resident: WorldPerson;
    other: WorldPerson;
    hung: WorldPerson;
    socialCare: WorldPerson;
  };

  beforeAll(async () => {
    world = await startRecordWorld({
      name: 'fhir-facade',
      population: 3_000,
      choose: [
        { systems: ['gp', 'acute'], count: 4, where: ({ records }) => !records['mental-health'] && !records['social-care'] },
        {
          systems: ['gp', 'acute'],
          count: 1,
          // An allergy the GP and the hospital both hold: one item, two sources.
          where: ({ truthId }, sandbox) =>
            (sandbox.context.histories.forSystem(truthId, 'gp')?.allergies.length ?? 0) > 0 &&
            (sandbox.context.histories.forSystem(truthId, 'acute')?.allergies.length ?? 0) > 0,
        },
        { systems: ['gp', 'social-care'], count: 1 },
      ],
      hub: { RECORD_DEADLINE_MS: String(DEADLINE_MS), SOURCE_RETRIES: '0' },
    });
    const [gpPatient, resident, other, hung, sharedAllergy, socialCare] = world.people;
    people = {
      gpPatient: gpPatient!,
      resident: resident!,
      other: other!,
      hung: hung!,
      sharedAllergy: sharedAllergy!,
      socialCare: socialCare!,
    };
  }, 180_000);
  afterAll(async () => {
    await world?.setFault('acute', null).catch(() => undefined);
    await world?.stop();
  });

  /** A FHIR client for a token; each request carries `requestId` when given, to find its audit rows. */
  const client = (token: string | undefined, requestId?: string) =>
    new Client({
      baseUrl: `${world.hub.url}/fhir/r4`,
      ...(token ? { bearerToken: token } : {}),
      ...(requestId ? { customHeaders: { 'x-request-id': requestId } } : {}),
    });
  const gpClient = async (person: WorldPerson, requestId?: string) => client(await clinicianToken(person.practice), requestId);
  const auditRows = (requestId: string) =>
    world.hub.app
      .get(DataSource)
      .query<Array<{ action: string; outcome: string; outcome_reason: string | null; person_id: string | null; query_kind: string }>>(
        'SELECT action, outcome, outcome_reason, person_id, query_kind FROM audit_event WHERE request_id = $1 ORDER BY id',
        [requestId],
      );

  it('describes itself in a CapabilityStatement, to a caller with a token only', async () => {
    const statement = (await (await gpClient(people.gpPatient)).capabilityStatement()) as fhir4.CapabilityStatement & Resource;
    expect(r4Errors(statement)).toEqual([]);
    expect(statement.fhirVersion).toBe('4.0.1');
    expect(statement.rest![0]!.resource!.map((resource) => resource.type)).toEqual(
      expect.arrayContaining(['Patient', 'AllergyIntolerance', 'Observation', 'AuditEvent']),
    );
    const answered = await fetch(`${world.hub.url}/fhir/r4/metadata`, { headers: { authorization: `Bearer ${await clinicianToken()}` } });
    expect(answered.headers.get('content-type')).toBe('application/fhir+json; charset=utf-8');
    const response = await fetch(`${world.hub.url}/fhir/r4/metadata`);
    expect(response.status).toBe(401);
    expect(response.headers.get('content-type')).toMatch(/^application\/fhir\+json/);
    expect(response.headers.get('www-authenticate')).toBe('Bearer realm="tessera"');
    expect(((await response.json()) as Outcome).issue[0]).toMatchObject({ severity: 'error', code: 'login' });
  });

  it('finds a person by NHS number for their GP, and reads them as a Patient', async () => {
    const person = people.gpPatient;
    const requestId = `fhir-search-${randomUUID()}`;
    const found = (await (
      await gpClient(person, requestId)
    ).search({
      resourceType: 'Patient',
      searchParams: { identifier: `${NHS_NUMBER_SYSTEM}|${person.nhsNumber}` },
    })) as Bundle;
    expect(found).toMatchObject({ resourceType: 'Bundle', type: 'searchset', total: 1 });
    const patient = found.entry![0]!;
    expect(patient.search).toEqual({ mode: 'match', score: 1 });
    expect(patient.resource).toMatchObject({
      resourceType: 'Patient',
      id: person.personId,
      identifier: [{ system: NHS_NUMBER_SYSTEM, value: person.nhsNumber }],
      birthDate: person.records.gp!.birthDate,
    });
    expect(await auditRows(requestId)).toEqual([
      expect.objectContaining({ action: 'search', outcome: 'allowed', person_id: person.personId, query_kind: 'fhir:Patient.search' }),
    ]);

    const read = (await (await gpClient(person)).read({ resourceType: 'Patient', id: person.personId })) as fhir4.Patient & Resource;
    expect(read).toEqual(patient.resource);
  });

  it('gives $everything as one searchset: the Patient, each section’s resources and a Provenance per source', async () => {
    const person = people.sharedAllergy;
    const requestId = `fhir-everything-${randomUUID()}`;
    const bundle = (await (
      await gpClient(person, requestId)
    ).operation({
      name: '$everything',
      resourceType: 'Patient',
      id: person.personId,
      method: 'GET',
    })) as Bundle;
    expect(bundle.type).toBe('searchset');
    expect(r4Errors(bundle)).toEqual([]);
    expect(bundle.entry![0]!.resource).toMatchObject({ resourceType: 'Patient', id: person.personId });
    const types = new Set(resourcesOf(bundle).map((resource) => resource.resourceType));
    expect([...types]).toEqual(expect.arrayContaining(['AllergyIntolerance', 'Condition', 'Encounter', 'Provenance']));
    expect(bundle.total).toBe(bundle.entry!.filter((entry) => entry.search?.mode === 'match').length);

    // One Provenance per source whose data is shown, naming the organisation and targeting resources in the Bundle.
    const provenances = resourcesOf(bundle, 'Provenance') as unknown as fhir4.Provenance[];
    const organisations = provenances.map((provenance) => provenance.agent[0]!.who!.identifier!.value);
    expect(organisations.sort()).toEqual([person.practice, 'R9A'].sort());
    const inBundle = new Set(resourcesOf(bundle).map((resource) => `${resource.resourceType}/${resource.id}`));
    for (const provenance of provenances) {
      expect(Date.parse(provenance.recorded)).toBeGreaterThan(Date.now() - 60_000);
      for (const target of provenance.target) expect(inBundle.has(target.reference!)).toBe(true);
    }
    // Every clinical resource names its first source and points at the hub's Patient.
    for (const resource of resourcesOf(bundle).filter(
      (entry) => !['Patient', 'Provenance', 'OperationOutcome'].includes(entry.resourceType),
    )) {
      expect((resource.meta as fhir4.Meta).source).toMatch(/^urn:tessera:source:/);
      const subject = (resource.subject ?? resource.patient) as fhir4.Reference | undefined;
      if (subject) expect(subject.reference).toBe(`Patient/${person.personId}`);
    }
    // One governed read of the record and one of the demographics, both audited.
    expect((await auditRows(requestId)).map((row) => [row.action, row.outcome, row.query_kind])).toEqual([
      ['read', 'allowed', 'fhir:Patient.$everything'],
      ['read', 'allowed', 'fhir:Patient.$everything'],
    ]);
  });

  it('gives a care worker $everything without the Patient their role may not see, saying so', async () => {
    const person = people.socialCare;
    const council = world.sourceFor('social-care').organisationCode;
    const token = await testIssuer().sign({
      kind: 'staff',
      sub: `test-care-worker-${council}`,
      name: 'Carys Careworker',
      roles: ['care-worker'],
      organisation: { code: council, name: `Council ${council}` },
    });
    const bundle = (await client(token).operation({
      name: '$everything',
      resourceType: 'Patient',
      id: person.personId,
      method: 'GET',
    })) as Bundle;
    const types = new Set(resourcesOf(bundle).map((resource) => resource.resourceType));
    expect(types.has('Patient')).toBe(false);
    expect(types.has('Condition')).toBe(false);
    expect(outcomeOf(bundle)!.issue).toContainEqual(
      expect.objectContaining({
        code: 'suppressed',
        details: expect.objectContaining({ coding: [expect.objectContaining({ code: 'role-not-permitted' })] }),
      }),
    );
    expect(bundle.total).toBeGreaterThan(0);
  });

  it('searches one section by patient: each item once, naming every source that holds it', async () => {
    const person = people.sharedAllergy;
    const bundle = (await (
      await gpClient(person)
    ).search({
      resourceType: 'AllergyIntolerance',
      searchParams: { patient: `Patient/${person.personId}` },
    })) as Bundle;
    const allergies = resourcesOf(bundle, 'AllergyIntolerance') as unknown as fhir4.AllergyIntolerance[];
    expect(allergies.length).toBeGreaterThan(0);
    expect(resourcesOf(bundle).every((resource) => resource.resourceType === 'AllergyIntolerance')).toBe(true);
    for (const allergy of allergies) expect(allergy.patient).toEqual({ reference: `Patient/${person.personId}`, type: 'Patient' });
    const organisationsOf = (allergy: fhir4.AllergyIntolerance) =>
      (allergy.extension ?? [])
        .filter((extension) => extension.url === 'https://tessera.example.org/fhir/StructureDefinition/item-source')
        .map((extension) => extension.extension!.find((part) => part.url === 'organization')!.valueReference!.identifier!.value);
    expect(allergies.some((allergy) => organisationsOf(allergy).sort().join() === [person.practice, 'R9A'].sort().join())).toBe(true);

    // The same items as the GraphQL record shows: one governed read, two faces.
    const graphql = await world.graphql<{ record: { allergies: { items: Array<{ id: string }> } } }>(
      await clinicianToken(person.practice),
      'query R($personId: ID!) { record(personId: $personId, sections: [allergies]) { allergies { items { id } } } }',
      { personId: person.personId },
    );
    expect(allergies.map((allergy) => allergy.id).sort()).toEqual(graphql.data!.record.allergies.items.map((item) => item.id).sort());
  });

  it('lets a resident read their own record, and refuses another person’s with 403 and the reason, audited', async () => {
    const { resident, other } = people;
    const own = client(await residentToken(resident.nhsNumber));
    expect(await own.read({ resourceType: 'Patient', id: resident.personId })).toMatchObject({ id: resident.personId });
    const conditions = (await own.search({ resourceType: 'Condition', searchParams: { patient: resident.personId } })) as Bundle;
    expect(conditions.type).toBe('searchset');

    const requestId = `fhir-refused-${randomUUID()}`;
    const refused = await refusal(
      client(await residentToken(resident.nhsNumber), requestId).search({
        resourceType: 'Condition',
        searchParams: { patient: other.personId },
      }),
    );
    expect(refused.status).toBe(403);
    expect(refused.outcome.issue[0]).toMatchObject({
      severity: 'error',
      code: 'forbidden',
      details: { coding: [{ code: 'not-own-record' }] },
    });
    expect(await auditRows(requestId)).toEqual([
      expect.objectContaining({
        action: 'read',
        outcome: 'denied',
        outcome_reason: 'not-own-record',
        person_id: other.personId,
        query_kind: 'fhir:Condition.search',
      }),
    ]);
  });

  it('gives privacy officers the audit trail as AuditEvents, and refuses it to a clinician', async () => {
    const person = people.gpPatient;
    const since = new Date(Date.now() - 1_000).toISOString();
    await (await gpClient(person)).search({ resourceType: 'Encounter', searchParams: { patient: person.personId } });
    const officer = await testIssuer().sign({
      kind: 'staff',
      sub: `test-privacy-officer-${randomUUID().slice(0, 8)}`,
      name: 'Priya Privacy',
      roles: ['privacy-officer'],
    });
    const trail = (await client(officer).search({
      resourceType: 'AuditEvent',
      searchParams: { patient: person.personId, date: `ge${since}`, _count: 50 },
    })) as Bundle;
    const events = resourcesOf(trail, 'AuditEvent') as unknown as fhir4.AuditEvent[];
    expect(events.length).toBeGreaterThan(0);
    for (const event of events) {
      expect(r4Errors(event as fhir4.AuditEvent & Resource)).toEqual([]);
      expect(Date.parse(event.recorded)).toBeGreaterThanOrEqual(Date.parse(since));
      expect(event.entity!.some((entity) => entity.what?.reference === `Patient/${person.personId}`)).toBe(true);
    }
    const kinds = events.flatMap((event) => event.entity!.flatMap((entity) => entity.detail ?? [])).map((detail) => detail.valueString);
    expect(kinds).toContain('fhir:Encounter.search');

    const requestId = `fhir-audit-refused-${randomUUID()}`;
    const refused = await refusal(
      (await gpClient(person, requestId)).search({ resourceType: 'AuditEvent', searchParams: { patient: person.personId } }),
    );
    expect(refused.status).toBe(403);
    expect(refused.outcome.issue[0]).toMatchObject({ code: 'forbidden', details: { coding: [{ code: 'missing-role' }] } });
    expect(await auditRows(requestId)).toEqual([expect.objectContaining({ outcome: 'denied', outcome_reason: 'missing-role' })]);
  });

  it('refuses a bad parameter with 400, naming it, before any source is asked', async () => {
    const gp = await gpClient(people.gpPatient);
    const badNumber = await refusal(
      gp.search({ resourceType: 'Patient', searchParams: { identifier: `${NHS_NUMBER_SYSTEM}|1234567890` } }),
    );
    expect(badNumber.status).toBe(400);
    expect(badNumber.outcome.issue[0]).toMatchObject({ code: 'invalid', expression: ['http.identifier'] });
    expect(JSON.stringify(badNumber.outcome)).not.toContain('1234567890');
    const unknown = await refusal(
      gp.search({ resourceType: 'Condition', searchParams: { patient: people.gpPatient.personId, 'clinical-status': 'active' } }),
    );
    expect(unknown.status).toBe(400);
    expect(unknown.outcome.issue[0]).toMatchObject({ code: 'not-supported', expression: ['http.clinical-status'] });
    const missing = await refusal(gp.search({ resourceType: 'Observation', searchParams: { _pretty: 'true' } }));
    expect(missing.outcome.issue[0]!.expression).toEqual(['http.patient']);
    // Not a FHIR server for writes, nor for types it does not hold.
    expect((await refusal(gp.create({ resourceType: 'Condition', body: { resourceType: 'Condition' } }))).status).toBe(405);
    expect((await refusal(gp.search({ resourceType: 'Immunization', searchParams: { patient: people.gpPatient.personId } }))).status).toBe(
      404,
    );
    expect((await refusal(gp.read({ resourceType: 'Patient', id: randomUUID() }))).outcome.issue[0]!.code).toBe('not-found');
  });

  it('still answers when a source hangs: the Bundle arrives by the deadline with a timeout warning for it', async () => {
    const person = people.hung;
    await world.setFault('acute', { hang: true });
    try {
      const started = Date.now();
      const bundle = (await (
        await gpClient(person)
      ).search({ resourceType: 'Condition', searchParams: { patient: person.personId } })) as Bundle;
      expect(Date.now() - started).toBeLessThan(DEADLINE_MS + 1_000);
      const warning = outcomeOf(bundle)!.issue.find((issue) => issue.details?.text?.includes('(R9A)'));
      expect(warning).toMatchObject({ severity: 'warning', code: 'timeout', details: { coding: [{ code: 'timeout' }] } });
      // The GP's part is there.
      for (const condition of resourcesOf(bundle, 'Condition'))
        expect((condition.meta as fhir4.Meta).source).not.toBe(`urn:tessera:source:${world.sourceFor('acute').id}`);
    } finally {
      await world.setFault('acute', null);
    }
  });

  it('holds a token that carries SMART scopes to them: a service with system/Patient.rs reads Patients only', async () => {
    const person = people.gpPatient;
    const token = await testIssuer().sign({
      kind: 'service',
      clientId: 'fhir-test-service',
      scope: 'tessera:record.read system/Patient.rs',
    });
    expect(await client(token).read({ resourceType: 'Patient', id: person.personId })).toMatchObject({ id: person.personId });
    const requestId = `fhir-scope-${randomUUID()}`;
    const refused = await refusal(
      client(token, requestId).search({ resourceType: 'AllergyIntolerance', searchParams: { patient: person.personId } }),
    );
    expect(refused.status).toBe(403);
    expect(refused.outcome.issue[0]).toMatchObject({ code: 'forbidden', details: { coding: [{ code: 'insufficient-scope' }] } });
    expect(await auditRows(requestId)).toEqual([
      expect.objectContaining({ outcome: 'denied', outcome_reason: 'insufficient-scope', query_kind: 'fhir:AllergyIntolerance.search' }),
    ]);
  });
});
