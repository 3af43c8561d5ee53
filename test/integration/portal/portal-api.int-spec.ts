import { ClientError, GraphQLClient, gql } from 'graphql-request';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';

import { clinicianToken, residentToken, stewardToken } from '../../setup/test-issuer.js';
import { type RecordWorld, startRecordWorld, type WorldPerson } from '../record-aggregation/record-world.js';

// A portal's journeys through the GraphQL API (issue 8) with a GraphQL client library,
// graphql-request, against the sandbox's systems: find a person, open them with `person(id)`
// (demographics, record, timeline and reconciliation in one request), break glass, and the
// error codes a portal acts on. Every read is decided and audited; the look-ups they share
// within one request are made once.

const OPEN_PERSON = gql`
  query OpenPerson($id: ID!) {
    person(id: $id) {
      id
      nhsNumbers
      links {
        localId
      }
      demographics {
        current {
          nhsNumbers
          family
          birthDate
        }
        sources {
          kind
          organisationCode
          birthDate
        }
        conflicts {
          kind
        }
        patient
      }
      record(sections: [allergies, medications, encounters]) {
        access {
          basis
          outcome
        }
        allergies {
          items {
            display
            sources {
              kind
              asOf
              freshness
            }
            resource
          }
          sources {
            kind
            status
          }
        }
        medications {
          items {
            display
          }
        }
        encounters {
          items {
            display
          }
        }
        conditions {
          items {
            display
          }
        }
      }
      timeline(first: 3) {
        edges {
          cursor
          node {
            date
            display
            section
          }
        }
        pageInfo {
          hasNextPage
          endCursor
        }
        totalCount
      }
      reconciliation {
        items {
          kind
          agreed
          perSource {
            organisationCode
            status
          }
        }
      }
    }
  }
`;

interface OpenedPerson {
  person: {
    id: string;
    nhsNumbers: string[];
    links: Array<{ localId: string }> | null;
    demographics: {
      current: { nhsNumbers: string[]; family: string | null; birthDate: string | null };
      sources: Array<{ kind: string; organisationCode: string; birthDate: string | null }>;
      conflicts: Array<{ kind: string }>;
      patient: { resourceType: string; id: string };
    } | null;
    record: {
      access: { basis: string; outcome: string };
      allergies: {
        items: Array<{ display: string; sources: Array<{ kind: string; asOf: string; freshness: string }> }>;
        sources: Array<{ kind: string; status: string }>;
      };
      medications: { items: Array<{ display: string }> };
      encounters: { items: Array<{ display: string }> };
      conditions: null;
    } | null;
    timeline: {
      edges: Array<{ cursor: string; node: { date: string; display: string; section: string } }>;
      pageInfo: { hasNextPage: boolean; endCursor: string | null };
      totalCount: number;
    } | null;
    reconciliation: {
      items: Array<{ kind: string; agreed: boolean; perSource: Array<{ organisationCode: string; status: string }> }>;
    } | null;
  } | null;
}

/** The GraphQL errors and HTTP status a refused request answered with, and whatever data came with them. */
async function refusal<T>(call: Promise<T>): Promise<{ status: number; codes: string[]; reasons: string[]; body: string; data: unknown }> {
  try {
    await call;
  } catch (error) {
    if (!(error instanceof ClientError)) throw error;
    const errors = error.response.errors ?? [];
    return {
      status: error.response.status,
      codes: errors.map((entry) => String(entry.extensions?.code)),
      reasons: errors.map((entry) => String(entry.extensions?.reason)),
      body: JSON.stringify(error.response),
      data: error.response.data,
    };
  }
  throw new Error('expected the request to be refused');
}

describe('a portal using the GraphQL API through a client library', () => {
  let world: RecordWorld;
  let gpPatient: WorldPerson;
  let hospitalPatient: WorldPerson;
  let other: WorldPerson;

  beforeAll(async () => {
    world = await startRecordWorld({
      name: 'portal-api',
      population: 3_000,
      choose: [
        {
          systems: ['gp', 'acute'],
          count: 2,
          // Something to show in each section asked for: an allergy and an encounter at the hospital.
          where: ({ truthId }, sandbox) =>
            (sandbox.context.histories.forSystem(truthId, 'acute')?.allergies.length ?? 0) > 0 &&
            (sandbox.context.histories.forSystem(truthId, 'acute')?.encounters.length ?? 0) > 1,
        },
        { systems: ['gp', 'acute'], count: 1 },
      ],
      hub: { RECORD_DEADLINE_MS: '2000', SOURCE_RETRIES: '0' },
    });
    [gpPatient, hospitalPatient, other] = world.people as [WorldPerson, WorldPerson, WorldPerson];
  }, 180_000);
  afterAll(() => world?.stop());

  /** A client as a portal makes one: the caller's token, and a request id to find the audit rows by. */
  const client = (token: string | undefined, requestId = randomUUID()) => ({
    requestId,
    graphql: new GraphQLClient(`${world.hub.url}/graphql`, {
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), 'x-request-id': requestId },
    }),
  });
  const auditRows = (requestId: string) =>
    world.hub.app
      .get(DataSource)
      .query<Array<{ action: string; outcome: string; outcome_reason: string | null; person_id: string | null; query_kind: string }>>(
        `SELECT action, outcome, outcome_reason, person_id, query_kind FROM audit_event WHERE request_id = $1 ORDER BY id`,
        [requestId],
      );

  it('a GP finds their patient by NHS number and opens them: demographics, record, timeline and reconciliation in one request', async () => {
    const gp = await clinicianToken(gpPatient.practice);
    const search = client(gp);
    const found = await search.graphql.request<{ searchPeople: Array<{ personId: string; access: string }> }>(
      gql`
        query Find($nhs: String!) {
          searchPeople(input: { nhsNumber: $nhs }) {
            personId
            access
          }
        }
      `,
      { nhs: gpPatient.nhsNumber },
    );
    expect(found.searchPeople).toEqual([{ personId: gpPatient.personId, access: 'allowed' }]);

    const open = client(gp);
    const { person } = await open.graphql.request<OpenedPerson>(OPEN_PERSON, { id: gpPatient.personId });
    expect(person).not.toBeNull();
    expect(person!.id).toBe(gpPatient.personId);
    expect(person!.nhsNumbers).toEqual([gpPatient.nhsNumber]);
    // Links are the index's own view: for stewards, not for clinicians.
    expect(person!.links).toBeNull();
    expect(person!.demographics!.current).toMatchObject({ nhsNumbers: [gpPatient.nhsNumber], birthDate: gpPatient.records.gp!.birthDate });
    expect(person!.demographics!.sources.map((source) => source.kind).sort()).toEqual(['acute', 'gp']);
    expect(person!.demographics!.patient).toMatchObject({ resourceType: 'Patient', id: gpPatient.personId });

    const record = person!.record!;
    expect(record.access).toEqual({ basis: 'relationship', outcome: 'allowed' });
    expect(record.allergies.items.length).toBeGreaterThan(0);
    for (const item of record.allergies.items) {
      expect(item.display).toEqual(expect.any(String));
      for (const source of item.sources) expect(source).toMatchObject({ asOf: expect.any(String), freshness: 'live' });
    }
    expect(record.allergies.sources).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'acute', status: 'ok' }),
        expect.objectContaining({ kind: 'gp', status: 'ok' }),
      ]),
    );
    expect(record.encounters.items.length).toBeGreaterThan(1);
    expect(record.conditions).toBeNull();

    const timeline = person!.timeline!;
    expect(timeline.edges).toHaveLength(3);
    expect(timeline.totalCount).toBeGreaterThan(3);
    expect(timeline.pageInfo).toEqual({ hasNextPage: true, endCursor: timeline.edges[2]!.cursor });
    const dates = timeline.edges.map((edge) => edge.node.date);
    expect([...dates].sort().reverse()).toEqual(dates);
    expect(person!.reconciliation!.items.every((item) => ['medication', 'allergy'].includes(item.kind))).toBe(true);

    // One audited read a field: the person opened once (its demographics field reuses that read).
    const rows = await auditRows(open.requestId);
    expect(rows.map((row) => [row.query_kind, row.outcome, row.person_id])).toEqual(
      expect.arrayContaining([
        ['Query.person', 'allowed', gpPatient.personId],
        ['Person.record', 'allowed', gpPatient.personId],
        ['Person.timeline', 'allowed', gpPatient.personId],
        ['Person.reconciliation', 'allowed', gpPatient.personId],
      ]),
    );
    expect(rows).toHaveLength(4);
  });

  it('pages the timeline with the cursor, most recent first, without repeating an event', async () => {
    const gp = client(await clinicianToken(gpPatient.practice));
    const page = gql`
      query Page($id: ID!, $after: String) {
        person(id: $id) {
          timeline(first: 2, after: $after) {
            edges {
              node {
                date
                display
              }
            }
            pageInfo {
              hasNextPage
              endCursor
            }
          }
        }
      }
    `;
    type Page = {
      person: { timeline: { edges: Array<{ node: { date: string; display: string } }>; pageInfo: { endCursor: string | null } } };
    };
    const first = await gp.graphql.request<Page>(page, { id: gpPatient.personId });
    const second = await gp.graphql.request<Page>(page, { id: gpPatient.personId, after: first.person.timeline.pageInfo.endCursor });
    const firstEvents = first.person.timeline.edges.map((edge) => edge.node);
    const secondEvents = second.person.timeline.edges.map((edge) => edge.node);
    expect(secondEvents.length).toBeGreaterThan(0);
    expect(secondEvents[0]!.date <= firstEvents.at(-1)!.date).toBe(true);
    expect(secondEvents).not.toContainEqual(firstEvents.at(-1));
  });

  it('a hospital doctor with no relationship is refused (FORBIDDEN, audited), breaks glass with a reason, then reads', async () => {
    const doctor = await clinicianToken('R9A');
    const refused = client(doctor);
    const answer = await refusal(refused.graphql.request<OpenedPerson>(OPEN_PERSON, { id: hospitalPatient.personId }));
    expect(answer.codes).toEqual(['FORBIDDEN']);
    expect(answer.data).toEqual({ person: null });
    expect(answer.body).not.toContain(hospitalPatient.nhsNumber);
    expect(answer.body).not.toContain(hospitalPatient.records.gp!.family);
    expect(await auditRows(refused.requestId)).toEqual([
      expect.objectContaining({ outcome: 'denied', outcome_reason: answer.reasons[0], person_id: hospitalPatient.personId }),
    ]);

    const glass = client(doctor);
    const grant = await glass.graphql.request<{ breakGlass: { kind: string } }>(
      gql`
        mutation Glass($id: ID!, $reason: String!) {
          breakGlass(personId: $id, reason: $reason) {
            kind
          }
        }
      `,
      { id: hospitalPatient.personId, reason: 'Unconscious in the emergency department; medicines and allergies needed now' },
    );
    expect(grant.breakGlass.kind).toBe('BREAK_GLASS');

    const { person } = await client(doctor).graphql.request<OpenedPerson>(OPEN_PERSON, { id: hospitalPatient.personId });
    expect(person!.record!.access).toEqual({ basis: 'break-glass', outcome: 'break-glass' });
    expect(person!.record!.allergies.items.length).toBeGreaterThan(0);
  });

  it('a resident opens their own person and nothing of another’s', async () => {
    const resident = await residentToken(gpPatient.nhsNumber, 'P9');
    const own = await client(resident).graphql.request<OpenedPerson>(OPEN_PERSON, { id: gpPatient.personId });
    expect(own.person!.demographics!.current.nhsNumbers).toEqual([gpPatient.nhsNumber]);
    expect(own.person!.record!.access.basis).toBe('own-record');

    const theirs = await refusal(client(resident).graphql.request<OpenedPerson>(OPEN_PERSON, { id: other.personId }));
    expect(theirs.codes).toEqual(['FORBIDDEN']);
    expect(theirs.body).not.toContain(other.nhsNumber);
    expect(theirs.body).not.toContain(other.records.gp!.family);
  });

  it("gives a data steward the index's links, and no clinical record", async () => {
    const steward = client(await stewardToken());
    const answer = await refusal(
      steward.graphql.request<OpenedPerson>(
        gql`
          query Steward($id: ID!) {
            person(id: $id) {
              id
              links {
                localId
              }
              record(sections: [allergies]) {
                allergies {
                  items {
                    display
                  }
                }
              }
            }
          }
        `,
        { id: gpPatient.personId },
      ),
    );
    // The steward's part answers; the record field alone is refused.
    const data = answer.data as { person: { id: string; links: Array<{ localId: string }>; record: null } };
    expect(data.person.id).toBe(gpPatient.personId);
    expect(data.person.links.length).toBe(2);
    expect(data.person.record).toBeNull();
    expect(answer.codes).toEqual(['FORBIDDEN']);
  });

  it('answers the codes a portal acts on: NOT_FOUND, BAD_USER_INPUT, UNAUTHENTICATED', async () => {
    const gp = await clinicianToken(gpPatient.practice);
    const unknown = await refusal(client(gp).graphql.request<OpenedPerson>(OPEN_PERSON, { id: randomUUID() }));
    expect(unknown.codes).toEqual(['NOT_FOUND']);

    const tooMany = await refusal(
      client(gp).graphql.request(
        gql`
          query Big($id: ID!) {
            person(id: $id) {
              timeline(first: 1000) {
                totalCount
              }
            }
          }
        `,
        { id: gpPatient.personId },
      ),
    );
    expect(tooMany.codes).toEqual(['BAD_USER_INPUT']);

    const anonymous = await refusal(client(undefined).graphql.request(OPEN_PERSON, { id: gpPatient.personId }));
    expect(anonymous.status).toBe(401);
    expect(anonymous.codes).toEqual(['UNAUTHENTICATED']);
  });

  it('reads several persons in one request, each decided on its own: the allowed one answers, the other is refused', async () => {
    const gp = client(await clinicianToken(gpPatient.practice));
    const answer = await refusal(
      gp.graphql.request(
        gql`
          query Two($a: ID!, $b: ID!) {
            a: person(id: $a) {
              id
              record(sections: [allergies]) {
                access {
                  basis
                }
              }
            }
            b: person(id: $b) {
              id
            }
          }
        `,
        { a: gpPatient.personId, b: strangerOf(gpPatient) },
      ),
    );
    const data = answer.data as { a: { id: string; record: { access: { basis: string } } }; b: null };
    expect(data.a).toEqual({ id: gpPatient.personId, record: { access: { basis: 'relationship' } } });
    expect(data.b).toBeNull();
    expect(answer.codes).toEqual(['FORBIDDEN']);
    const rows = await auditRows(gp.requestId);
    expect(rows.map((row) => row.outcome).sort()).toEqual(['allowed', 'allowed', 'denied']);
  });

  /** A person registered at another practice than `person`'s: their GP has no relationship to them. */
  function strangerOf(person: WorldPerson): string {
    const stranger = world.people.find((candidate) => candidate.practice !== person.practice);
    if (!stranger) throw new Error('the world has no person at another practice');
    return stranger.personId;
  }
});
