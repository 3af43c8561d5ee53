import { randomUUID } from 'node:crypto';

import request from 'supertest';

import type { RunningHub } from '../../../src/bootstrap.js';
import { AuditTrail, type AuditEventInput, type AuditEventRecord, type R4AuditEvent } from '../../../src/modules/governance/index.js';
import { r4Errors } from '../../setup/r4-validation.js';
import { startTestHub } from '../../setup/test-hub.js';
import { bearer, clinicianToken, operatorToken, testIssuer } from '../../setup/test-issuer.js';

// Privacy officers at work over GraphQL and HTTP against the real app: searching the audit trail,
// reviewing break-glass and self-declared access, exporting NDJSON. Nobody else may, and every
// look an officer takes is itself written to the trail. The run's database is shared with other
// files, so each test makes its own people and users and filters on them.

const OFFICER = { sub: `test-privacy-officer-${randomUUID().slice(0, 8)}`, name: 'Priya Privacy', organisation: 'Y00042' };

function officerToken(): Promise<string> {
  return testIssuer().sign({
    kind: 'staff',
    sub: OFFICER.sub,
    name: OFFICER.name,
    roles: ['privacy-officer'],
    organisation: { code: OFFICER.organisation, name: 'Tessera Privacy Office' },
  });
}

interface GraphqlAnswer {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each test checks the fields it asked for
  data?: Record<string, any> | null;
  errors?: Array<{ message: string; extensions: { code: string; reason?: string } }>;
}

const ENTRY_FIELDS = `id recordedAt requestId action outcome reason purpose personId nhsNumber sections sources queryKind
  agent { kind subject issuer name roleCode hubRole organisationCode onBehalfOf }
  review { id auditEventId outcome note reviewedAt reviewedBy { subject name } }`;
const auditEventsQuery = `query Audit($filter: AuditEventFilter, $first: Int, $after: String) {
  auditEvents(filter: $filter, first: $first, after: $after) { nodes { ${ENTRY_FIELDS} } pageInfo { hasNextPage endCursor } } }`;
const needingReviewQuery = `query Needing($kind: ReviewKind, $reviewed: Boolean, $first: Int) {
  accessNeedingReview(kind: $kind, reviewed: $reviewed, first: $first) { nodes { ${ENTRY_FIELDS} } pageInfo { hasNextPage endCursor } } }`;
const reviewMutation = `mutation Review($auditEventId: ID!, $outcome: ReviewOutcome!, $note: String) {
  reviewAccess(auditEventId: $auditEventId, outcome: $outcome, note: $note) {
    id auditEventId outcome note reviewedAt reviewedBy { subject issuer name } } }`;

/** An allowed read of one person's record by a professional; override what a test is about. */
function access(
  overrides: { agent?: Partial<AuditEventInput['agent']>; entity?: Partial<AuditEventInput['entity']> } & Partial<
    Omit<AuditEventInput, 'agent' | 'entity'>
  > = {},
): AuditEventInput {
  const { agent, entity, ...rest } = overrides;
  return {
    requestId: randomUUID(),
    action: 'read',
    outcome: 'allowed',
    purpose: 'TREAT',
    ...rest,
    agent: {
      principalKind: 'professional',
      subject: 'staff-review-1',
      issuer: 'http://127.0.0.1:4010/idp/staff',
      name: 'Dr Asha Patel',
      roleCode: 'S8000:G8000:R8000',
      hubRole: 'clinician',
      organisationCode: 'A81001',
      ...agent,
    },
    entity: {
      personId: randomUUID(),
      nhsNumber: '9434765919',
      sections: ['allergies', 'medicines'],
      sources: [randomUUID()],
      queryKind: 'person.record',
      ...entity,
    },
  };
}

describe('privacy officers review the audit trail', () => {
  let hub: RunningHub;
  let trail: AuditTrail;
  let officer: string;

  async function graphql(query: string, variables: Record<string, unknown> = {}, token: string | null = officer) {
    const call = request(hub.url).post('/graphql');
    if (token) call.set('authorization', bearer(token));
    const response = await call.send({ query, variables });
    return { body: response.body as GraphqlAnswer, requestId: response.headers['x-request-id'] as string };
  }

  /** The officer's own audit rows for one request (the trail is the only record of them). */
  async function officerRowsFor(requestId: string): Promise<AuditEventRecord[]> {
    const { events } = await trail.search({ subject: OFFICER.sub, limit: 500 });
    return events.filter((event) => event.requestId === requestId);
  }

  beforeAll(async () => {
    hub = await startTestHub({ TESSERA_ROLE: 'api' });
    trail = hub.app.get(AuditTrail);
    officer = await officerToken();
  });
  afterAll(() => hub?.stop());

  it('refuses everyone but privacy officers, over GraphQL and HTTP', async () => {
    const personId = randomUUID();
    const [breakGlass] = await trail.record([access({ outcome: 'break-glass', purpose: 'ETREAT', entity: { personId } })]);
    for (const token of [await clinicianToken(), await operatorToken()]) {
      const search = await graphql(auditEventsQuery, { filter: { personId } }, token);
      expect(search.body.errors?.[0]?.extensions.code).toBe('FORBIDDEN');
      expect(search.body.data ?? null).toBeNull();
      const queue = await graphql(needingReviewQuery, {}, token);
      expect(queue.body.errors?.[0]?.extensions.code).toBe('FORBIDDEN');
      const review = await graphql(reviewMutation, { auditEventId: breakGlass, outcome: 'APPROPRIATE' }, token);
      expect(review.body.errors?.[0]?.extensions.code).toBe('FORBIDDEN');
      const exported = await request(hub.url).get('/audit/export.ndjson').query({ personId }).set('authorization', bearer(token));
      expect(exported.status).toBe(403);
      expect(exported.text).not.toContain(personId);
    }
    expect((await graphql(auditEventsQuery, {}, null)).body.errors?.[0]?.extensions.code).toBe('UNAUTHENTICATED');
    expect((await request(hub.url).get('/audit/export.ndjson')).status).toBe(401);

    // Refused callers saw nothing and changed nothing: the event is still waiting for review.
    const queue = await graphql(needingReviewQuery, { kind: 'BREAK_GLASS', first: 500 });
    expect(queue.body.data!.accessNeedingReview.nodes.map((entry: { id: string }) => entry.id)).toContain(breakGlass);
  });

  it('filters by person, NHS number, user, organisation, outcome and time, newest first, in keyset pages', async () => {
    const personId = randomUUID();
    const subject = `staff-${randomUUID().slice(0, 8)}`;
    const organisationCode = `T${randomUUID().slice(0, 5).toUpperCase()}`;
    const nhsNumber = '9434765870';
    const ids = await trail.record([
      access({ entity: { personId, nhsNumber }, agent: { subject, organisationCode }, recordedAt: new Date('2026-03-01T09:00:00Z') }),
      access({
        entity: { personId, nhsNumber },
        agent: { subject, organisationCode },
        outcome: 'denied',
        outcomeReason: 'no-relationship',
        recordedAt: new Date('2026-03-02T09:00:00Z'),
      }),
      access({ entity: { personId, nhsNumber }, agent: { subject }, recordedAt: new Date('2026-03-03T09:00:00Z') }),
      access({ entity: { personId, nhsNumber }, agent: { subject, organisationCode }, recordedAt: new Date('2026-03-04T09:00:00Z') }),
      access({ agent: { subject, organisationCode }, recordedAt: new Date('2026-03-05T09:00:00Z') }),
    ]);
    const idsOf = (answer: GraphqlAnswer) => answer.data!.auditEvents.nodes.map((entry: { id: string }) => entry.id);

    const byPerson = await graphql(auditEventsQuery, { filter: { personId } });
    expect(byPerson.body.errors).toBeUndefined();
    expect(idsOf(byPerson.body)).toEqual([ids[3], ids[2], ids[1], ids[0]]);
    const denied = byPerson.body.data!.auditEvents.nodes[2];
    expect(denied).toMatchObject({
      outcome: 'DENIED',
      reason: 'no-relationship',
      action: 'read',
      purpose: 'TREAT',
      personId,
      nhsNumber,
      sections: ['allergies', 'medicines'],
      queryKind: 'person.record',
      agent: {
        kind: 'professional',
        subject,
        name: 'Dr Asha Patel',
        roleCode: 'S8000:G8000:R8000',
        hubRole: 'clinician',
        organisationCode,
      },
      review: null,
    });
    expect(denied.sources).toHaveLength(1);
    expect(new Date(denied.recordedAt).toISOString()).toBe('2026-03-02T09:00:00.000Z');

    expect(idsOf((await graphql(auditEventsQuery, { filter: { subject, organisationCode } })).body)).toEqual([
      ids[4],
      ids[3],
      ids[1],
      ids[0],
    ]);
    expect(idsOf((await graphql(auditEventsQuery, { filter: { nhsNumber, subject, outcome: 'DENIED' } })).body)).toEqual([ids[1]]);
    expect(
      idsOf((await graphql(auditEventsQuery, { filter: { subject, from: '2026-03-02T09:00:00Z', to: '2026-03-04T09:00:00Z' } })).body),
    ).toEqual([ids[2], ids[1]]);

    // Pages of two, following endCursor to the end.
    const seen: string[] = [];
    let after: string | undefined;
    for (let page = 0; page < 5; page++) {
      const answer = (await graphql(auditEventsQuery, { filter: { subject }, first: 2, after })).body.data!.auditEvents;
      seen.push(...answer.nodes.map((entry: { id: string }) => entry.id));
      if (!answer.pageInfo.hasNextPage) break;
      after = answer.pageInfo.endCursor;
    }
    expect(seen).toEqual([...ids].reverse());

    for (const variables of [{ first: 501 }, { first: 0 }, { after: 'not-a-cursor' }, { filter: { personId: 'not-a-uuid' } }]) {
      const refused = await graphql(auditEventsQuery, variables);
      expect(refused.body.errors?.[0]?.extensions.code).toBe('BAD_USER_INPUT');
      expect(refused.body.data ?? null).toBeNull();
    }
  });

  it('audits each of its own queries, with the request id the caller was given', async () => {
    const personId = randomUUID();
    await trail.record([access({ entity: { personId } })]);
    const search = await graphql(auditEventsQuery, { filter: { personId, outcome: 'ALLOWED' } });
    expect(search.body.data!.auditEvents.nodes).toHaveLength(1);
    expect(await officerRowsFor(search.requestId)).toEqual([
      expect.objectContaining({
        action: 'search',
        outcome: 'allowed',
        queryKind: 'auditEvents',
        purpose: 'HOPERAT',
        principalKind: 'privacy-officer',
        subject: OFFICER.sub,
        issuer: testIssuer().staffIssuer,
        agentName: OFFICER.name,
        hubRole: 'privacy-officer',
        roleCode: 'SSB00:GSB00:RSB02',
        organisationCode: OFFICER.organisation,
        personId,
        detail: { outcome: 'allowed', returned: 1 },
      }),
    ]);

    // The officer's look now shows in the person's own trail.
    const again = await graphql(auditEventsQuery, { filter: { personId } });
    expect(again.body.data!.auditEvents.nodes.map((entry: { agent: { subject: string } }) => entry.agent.subject)).toEqual([
      OFFICER.sub,
      'staff-review-1',
    ]);

    const queue = await graphql(needingReviewQuery, { kind: 'SELF_DECLARED', first: 3 });
    expect(queue.body.errors).toBeUndefined();
    expect(await officerRowsFor(queue.requestId)).toEqual([
      expect.objectContaining({
        action: 'search',
        outcome: 'allowed',
        queryKind: 'accessNeedingReview',
        detail: { outcome: ['self-declared'], reviewed: false, returned: queue.body.data!.accessNeedingReview.nodes.length },
      }),
    ]);
  });

  it('lists unreviewed break-glass and self-declared access, records one review per event, and refuses the rest', async () => {
    const personId = randomUUID();
    const [breakGlass, selfDeclared, allowed] = await trail.record([
      access({ outcome: 'break-glass', purpose: 'ETREAT', outcomeReason: 'emergency', entity: { personId } }),
      access({ outcome: 'self-declared', outcomeReason: 'self-declared-relationship', entity: { personId } }),
      access({ entity: { personId } }),
    ]);
    const queueIds = async (variables: Record<string, unknown>) =>
      (await graphql(needingReviewQuery, { first: 500, ...variables })).body.data!.accessNeedingReview.nodes.map(
        (entry: { id: string }) => entry.id,
      ) as string[];

    expect(await queueIds({ kind: 'BREAK_GLASS' })).toContain(breakGlass);
    expect(await queueIds({ kind: 'BREAK_GLASS' })).not.toContain(selfDeclared);
    expect(await queueIds({ kind: 'SELF_DECLARED' })).toContain(selfDeclared);
    const both = await queueIds({});
    expect(both).toEqual(expect.arrayContaining([breakGlass, selfDeclared]));
    expect(both).not.toContain(allowed);

    const reviewed = await graphql(reviewMutation, {
      auditEventId: breakGlass,
      outcome: 'INAPPROPRIATE',
      note: '  No emergency on record.  ',
    });
    expect(reviewed.body.errors).toBeUndefined();
    expect(reviewed.body.data!.reviewAccess).toMatchObject({
      auditEventId: breakGlass,
      outcome: 'INAPPROPRIATE',
      note: 'No emergency on record.',
      reviewedBy: { subject: OFFICER.sub, issuer: testIssuer().staffIssuer, name: OFFICER.name },
    });
    // The review is audited in the same commit, against the person whose access was reviewed.
    expect(await officerRowsFor(reviewed.requestId)).toEqual([
      expect.objectContaining({
        action: 'create',
        outcome: 'allowed',
        queryKind: 'reviewAccess',
        personId,
        detail: { auditEventId: breakGlass, reviewOutcome: 'inappropriate' },
      }),
    ]);

    expect(await queueIds({ kind: 'BREAK_GLASS' })).not.toContain(breakGlass);
    expect(await queueIds({ kind: 'BREAK_GLASS', reviewed: true })).toContain(breakGlass);
    const entry = (await graphql(auditEventsQuery, { filter: { personId, outcome: 'BREAK_GLASS' } })).body.data!.auditEvents.nodes[0];
    expect(entry).toMatchObject({
      id: breakGlass,
      reason: 'emergency',
      purpose: 'ETREAT',
      review: { outcome: 'INAPPROPRIATE', note: 'No emergency on record.' },
    });

    const refusals: Array<[Record<string, unknown>, string, string]> = [
      [{ auditEventId: breakGlass, outcome: 'APPROPRIATE' }, 'CONFLICT', 'ACCESS_REVIEW_ALREADY_REVIEWED'],
      [{ auditEventId: allowed, outcome: 'APPROPRIATE' }, 'CONFLICT', 'ACCESS_REVIEW_NOT_REVIEWABLE'],
      [{ auditEventId: '999999999999', outcome: 'APPROPRIATE' }, 'NOT_FOUND', 'ACCESS_REVIEW_NOT_FOUND'],
      [{ auditEventId: selfDeclared, outcome: 'NEEDS_FOLLOW_UP', note: '   ' }, 'BAD_USER_INPUT', 'ACCESS_REVIEW_BAD_INPUT'],
      [{ auditEventId: selfDeclared, outcome: 'INAPPROPRIATE', note: 'x'.repeat(1001) }, 'BAD_USER_INPUT', 'ACCESS_REVIEW_BAD_INPUT'],
    ];
    for (const [variables, code, reason] of refusals) {
      const refused = await graphql(reviewMutation, variables);
      expect(refused.body.errors?.[0]?.extensions).toMatchObject({ code, reason });
      // A refused review leaves no audit row claiming it happened.
      expect(await officerRowsFor(refused.requestId)).toEqual([]);
    }
    expect(await queueIds({ kind: 'SELF_DECLARED' })).toContain(selfDeclared);

    // Two officers reviewing the same access at once: one review wins, the other is told.
    const race = await Promise.all([
      graphql(reviewMutation, { auditEventId: selfDeclared, outcome: 'APPROPRIATE' }),
      graphql(reviewMutation, { auditEventId: selfDeclared, outcome: 'NEEDS_FOLLOW_UP', note: 'Ask the ward.' }),
    ]);
    expect(race.filter((answer) => answer.body.data?.reviewAccess).length).toBe(1);
    expect(race.flatMap((answer) => answer.body.errors ?? []).map((error) => error.extensions.code)).toEqual(['CONFLICT']);
  });

  it('streams the trail as FHIR AuditEvent NDJSON over HTTP, filtered, and audits the export first', async () => {
    const personId = randomUUID();
    const ids = await trail.record([
      access({ entity: { personId }, recordedAt: new Date('2026-06-01T08:00:00Z') }),
      access({ entity: { personId }, outcome: 'break-glass', purpose: 'ETREAT', recordedAt: new Date('2026-06-02T08:00:00Z') }),
      access({ entity: { personId }, recordedAt: new Date('2026-07-01T08:00:00Z') }),
    ]);

    const response = await request(hub.url)
      .get('/audit/export.ndjson')
      .query({ personId, to: '2026-06-30T00:00:00Z' })
      .set('authorization', bearer(officer));
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/fhir\+ndjson/);
    expect(response.headers['cache-control']).toBe('no-store');
    const lines = response.text.trimEnd().split('\n');
    const events = lines.map((line) => JSON.parse(line) as R4AuditEvent);
    expect(events.map((event) => event.id)).toEqual([ids[0], ids[1]]);
    for (const event of events) {
      expect(event.resourceType).toBe('AuditEvent');
      expect(r4Errors(event)).toEqual([]);
    }

    const requestId = response.headers['x-request-id'] as string;
    const [exportRow] = await officerRowsFor(requestId);
    expect(exportRow).toMatchObject({ action: 'search', outcome: 'allowed', queryKind: 'auditExport', personId });
    // Audited before the first line left: the export's own row is in a later export for the person.
    const later = await request(hub.url).get('/audit/export.ndjson').query({ personId }).set('authorization', bearer(officer));
    expect(
      later.text
        .trimEnd()
        .split('\n')
        .map((line) => (JSON.parse(line) as R4AuditEvent).id),
    ).toEqual(expect.arrayContaining([...ids, exportRow!.id]));

    for (const query of [{ from: 'yesterday' }, { personId: 'not-a-uuid' }, { nhsNumber: '9434765919' }]) {
      const refused = await request(hub.url).get('/audit/export.ndjson').query(query).set('authorization', bearer(officer));
      expect(refused.status).toBe(400);
      expect(refused.headers['content-type']).toMatch(/^application\/json/);
    }
  });
});
