import { randomBytes, randomUUID } from 'node:crypto';

import request from 'supertest';
import { DataSource } from 'typeorm';

import type { RunningHub } from '../../../src/bootstrap.js';
import { PersonReads, type Principal, Withheld } from '../../../src/modules/governance/index.js';
import { IdentityIndexRepository } from '../../../src/modules/identity-matching/repositories/identity-index.repository.js';
import { startTestHub } from '../../setup/test-hub.js';
import { bearer, clinicianToken, operatorToken, stewardToken, TEST_STEWARD } from '../../setup/test-issuer.js';
import { fileRedisPrefix } from '../../setup/test-run.js';
import { addIdentity, addSource, nhsNumber, probableExplanation } from '../identity-matching/identity-index-setup.js';

// The stewards' reads of persons are the first governed reads: each is decided by the access
// policy (its identityIndex part) and leaves its audit row, committed before the data is
// returned: one row per person read, 'denied' rows for refusals, and no data when the row
// cannot be written.

interface AuditRow {
  action: string;
  outcome: string;
  outcome_reason: string | null;
  purpose: string | null;
  subject: string;
  hub_role: string | null;
  person_id: string | null;
  nhs_number: string | null;
  sections: string[];
  query_kind: string;
  detail: Record<string, unknown>;
}

const newRequestId = () => `governed-${randomBytes(8).toString('hex')}`;

describe('governed reads of persons by data stewards and operators', () => {
  let hub: RunningHub;

  beforeAll(async () => {
    hub = await startTestHub({ TESSERA_ROLE: 'api', REDIS_PREFIX: fileRedisPrefix() });
  });
  afterAll(() => hub?.stop());

  const graphql = async (query: string, token: string, variables: Record<string, unknown> = {}, requestId = newRequestId()) => {
    const response = await request(hub.url)
      .post('/graphql')
      .set('authorization', bearer(token))
      .set('x-request-id', requestId)
      .send({ query, variables });
    return { response, requestId };
  };
  const auditRows = (requestId: string) =>
    hub.app.get(DataSource).query<AuditRow[]>(
      `SELECT action, outcome, outcome_reason, purpose, subject, hub_role, person_id, nhs_number, sections, query_kind, detail
           FROM audit_event WHERE request_id = $1 ORDER BY id`,
      [requestId],
    );

  /** A person in the index with one linked record holding an NHS number. */
  async function placedPerson(): Promise<{ personId: string; nhsNumber: string; sourceId: string; localId: string }> {
    const sourceId = await addSource(hub);
    const number = nhsNumber();
    const localId = `P${randomBytes(5).toString('hex')}`;
    const identity = await addIdentity(
      hub,
      sourceId,
      { nhsNumber: number, given: 'Ada', family: 'Lovelace', birthDate: '1955-12-10', postcode: 'W1 1AA' },
      localId,
    );
    const link = await hub.app.get(IdentityIndexRepository).linkIdentity({
      sourceIdentityId: identity,
      method: 'probabilistic',
      score: 0.95,
      explanation: probableExplanation(0.95),
      actor: 'matcher',
    });
    return { personId: link.personId, nhsNumber: number, sourceId, localId };
  }

  const personQuery = 'query P($id: ID!) { person(id: $id) { id nhsNumbers links { demographics { family } } } }';

  it("returns a person to a data steward with one 'allowed' row, purpose HOPERAT, committed before the answer", async () => {
    const person = await placedPerson();
    const { response, requestId } = await graphql(personQuery, await stewardToken(), { id: person.personId });
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data.person).toEqual({
      id: person.personId,
      nhsNumbers: [person.nhsNumber],
      links: [{ demographics: { family: 'Lovelace' } }],
    });
    expect(response.headers['x-request-id']).toBe(requestId);
    // Read as soon as the answer arrived: no waiting, the row was committed before it was sent.
    expect(await auditRows(requestId)).toEqual([
      {
        action: 'read',
        outcome: 'allowed',
        outcome_reason: null,
        purpose: 'HOPERAT',
        subject: TEST_STEWARD.sub,
        hub_role: 'data-steward',
        person_id: person.personId,
        nhs_number: person.nhsNumber,
        sections: ['demographics'],
        query_kind: 'Query.person',
        detail: { basis: 'identity-stewardship', context: 'identity-index', personsRead: 1 },
      },
    ]);
  });

  it('audits the persons a steward change shows in its answer, as a read of their demographics', async () => {
    const [survivor, merged] = await Promise.all([placedPerson(), placedPerson()]);
    const { response, requestId } = await graphql(
      `
        mutation M($a: ID!, $b: ID!) {
          mergePersons(survivorId: $a, mergedId: $b, reason: "one person, confirmed with the practice", force: true) {
            event {
              kind
            }
            persons {
              id
              nhsNumbers
            }
          }
        }
      `,
      await stewardToken(),
      { a: survivor.personId, b: merged.personId },
    );
    expect(response.body.errors).toBeUndefined();
    const shown: Array<{ id: string }> = response.body.data.mergePersons.persons;
    expect(shown.length).toBeGreaterThanOrEqual(1);
    const rows = await auditRows(requestId);
    expect(rows).toHaveLength(shown.length);
    for (const row of rows)
      expect(row).toMatchObject({ action: 'read', outcome: 'allowed', sections: ['demographics'], query_kind: 'Mutation.mergePersons' });
    expect(rows.map((row) => row.person_id).sort()).toEqual(shown.map((entry) => entry.id).sort());
  });

  it('records an operator reading a person for system administration (HSYSADMIN)', async () => {
    const person = await placedPerson();
    const { response, requestId } = await graphql(personQuery, await operatorToken(), { id: person.personId });
    expect(response.body.errors).toBeUndefined();
    expect(await auditRows(requestId)).toEqual([
      expect.objectContaining({ outcome: 'allowed', purpose: 'HSYSADMIN', hub_role: 'operator', person_id: person.personId }),
    ]);
  });

  it("gives a clinician with no relationship neither the index's view nor demographics: no data and one 'denied' row", async () => {
    const person = await placedPerson();
    const { response, requestId } = await graphql(personQuery, await clinicianToken(), { id: person.personId });
    // A clinician opens the person through the record's policy, not the index's: refused without a relationship.
    expect(response.body.data).toEqual({ person: null });
    expect(response.body.errors).toHaveLength(1);
    expect(response.body.errors[0].extensions.code).toBe('FORBIDDEN');
    const reason = response.body.errors[0].extensions.reason as string;
    expect(reason).not.toBe('allowed');
    expect(JSON.stringify(response.body)).not.toContain(person.nhsNumber);
    expect(await auditRows(requestId)).toEqual([expect.objectContaining({ outcome: 'denied', outcome_reason: reason })]);
  });

  it('leaves one row per person when one request reads several, all under its request id', async () => {
    const [first, second] = await Promise.all([placedPerson(), placedPerson()]);
    const { response, requestId } = await graphql(
      'query Two($a: ID!, $b: ID!) { a: person(id: $a) { id } b: person(id: $b) { id } history: identityHistory(personId: $a) { kind } }',
      await stewardToken(),
      { a: first.personId, b: second.personId },
    );
    expect(response.body.errors).toBeUndefined();
    const rows = await auditRows(requestId);
    expect(rows.map((row) => [row.query_kind, row.person_id]).sort()).toEqual(
      [
        ['Query.identityHistory', first.personId],
        ['Query.person', first.personId],
        ['Query.person', second.personId],
      ].sort(),
    );
    expect(rows.every((row) => row.outcome === 'allowed')).toBe(true);
  });

  it('audits the persons a page of match reviews shows, and a read that found nobody', async () => {
    const { response, requestId } = await graphql(
      '{ matchReviews(status: "pending", limit: 100) { id identity { personId } candidate { id } } }',
      await stewardToken(),
    );
    expect(response.body.errors).toBeUndefined();
    const reviews = response.body.data.matchReviews as Array<{ identity: { personId: string | null }; candidate: { id: string } }>;
    const shown = new Set(
      reviews.flatMap((review) => [review.candidate.id, ...(review.identity.personId ? [review.identity.personId] : [])]),
    );
    const rows = await auditRows(requestId);
    if (shown.size) expect(new Set(rows.map((row) => row.person_id))).toEqual(shown);
    else expect(rows).toEqual([expect.objectContaining({ person_id: null, outcome: 'allowed' })]);
    expect(rows).toHaveLength(Math.max(shown.size, 1));

    // A source record the matcher has not placed yet: nobody is read, and the attempt is still recorded.
    const sourceId = await addSource(hub);
    await addIdentity(hub, sourceId, { given: 'Unplaced', family: 'Record' }, 'UNPLACED-1');
    const unplaced = await graphql(
      'query F($s: ID!, $l: String!) { personForIdentity(sourceId: $s, localId: $l) { id } }',
      await stewardToken(),
      { s: sourceId, l: 'UNPLACED-1' },
    );
    expect(unplaced.response.body).toEqual({ data: { personForIdentity: null } });
    expect(await auditRows(unplaced.requestId)).toEqual([
      expect.objectContaining({
        outcome: 'allowed',
        person_id: null,
        query_kind: 'Query.personForIdentity',
        detail: expect.objectContaining({ personsRead: 0 }),
      }),
    ]);
  });

  it("lets the policy refuse a role the identity index does not list, leaving a 'denied' row and releasing nothing", async () => {
    const clinician: Principal = {
      kind: 'professional',
      subject: 'test-clinician-direct',
      issuer: 'https://idp.test/staff',
      roles: ['clinician'],
      roleCodes: ['S8000:G8000:R8000'],
      organisation: { code: 'Y00001' },
    };
    const requestId = newRequestId();
    const personId = randomUUID();
    const sealed = Withheld.of({ family: 'Lovelace' }, [{ id: personId, nhsNumber: '9990001234' }], ['demographics']);
    await expect(
      hub.app.get(PersonReads).release({ principal: clinician, requestId, queryKind: 'test.direct', context: 'identity-index' }, sealed),
    ).rejects.toMatchObject({ code: 'FORBIDDEN', reason: 'role-not-permitted' });
    expect(await auditRows(requestId)).toEqual([
      expect.objectContaining({
        action: 'read',
        outcome: 'denied',
        outcome_reason: 'role-not-permitted',
        purpose: 'HOPERAT',
        subject: 'test-clinician-direct',
        person_id: personId,
      }),
    ]);
  });

  it('fails the read, returning no data, when its audit row cannot be written', async () => {
    const person = await placedPerson();
    const dataSource = hub.app.get(DataSource);
    const failing = `audit-fails-${randomBytes(6).toString('hex')}`;
    // A real database failure for this test's requests only (other test files share the database).
    const trigger = `fail_audit_${randomBytes(4).toString('hex')}`;
    await dataSource.query(`CREATE FUNCTION ${trigger}() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.request_id LIKE 'audit-fails-%' THEN RAISE EXCEPTION 'audit store unavailable (test)'; END IF;
        RETURN NEW;
      END $$`);
    await dataSource.query(`CREATE TRIGGER ${trigger} BEFORE INSERT ON audit_event FOR EACH ROW EXECUTE FUNCTION ${trigger}()`);
    try {
      const { response } = await graphql(personQuery, await stewardToken(), { id: person.personId }, failing);
      expect(response.body.data).toEqual({ person: null });
      expect(response.body.errors).toHaveLength(1);
      expect(JSON.stringify(response.body)).not.toContain(person.nhsNumber);
      expect(JSON.stringify(response.body)).not.toContain('Lovelace');
      expect(await auditRows(failing)).toEqual([]);
    } finally {
      await dataSource.query(`DROP TRIGGER ${trigger} ON audit_event`);
      await dataSource.query(`DROP FUNCTION ${trigger}()`);
    }
    // Other reads were never affected, and this one works again once the trail can be written.
    const again = await graphql(personQuery, await stewardToken(), { id: person.personId });
    expect(again.response.body.errors).toBeUndefined();
    expect(await auditRows(again.requestId)).toHaveLength(1);
  });
});
