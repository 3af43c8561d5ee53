import request from 'supertest';
import { DataSource } from 'typeorm';

import type { RunningHub } from '../../../src/bootstrap.js';
import { IdentityMatchingService } from '../../../src/modules/identity-matching/index.js';
import { AccessPolicyService, INVITATION_VALID_DAYS } from '../../../src/modules/governance/index.js';
import { startTestHub } from '../../setup/test-hub.js';
import { bearer, clinicianToken, testIssuer } from '../../setup/test-issuer.js';
import { addIdentity, addSource, nhsNumber } from '../identity-matching/identity-index-setup.js';

// Carers acting for a resident (issue 6 "a carer sees only what was delegated", issue 9 item 3):
// the person invites with a one-time code, a carer accepts with their own sign-in, and with
// X-Acting-For the carer is a 'carer' principal limited to the delegated sections until the
// delegation expires or is revoked. Every change and every refusal is in the audit trail. The
// run's database is shared: each test makes its own people.

const DAY_MS = 86_400_000;
const DELEGATION_FIELDS =
  'id status carerName sections canAddReadings invitedAt invitationExpiresAt acceptedAt expiresAt revokedAt revokedBy';
const CARED_FOR_FIELDS = 'delegationId nhsNumber name status sections canAddReadings acceptedAt expiresAt revokedAt';
const INVITE = `mutation Invite($input: InviteCarerInput!) { inviteCarer(input: $input) { code delegation { ${DELEGATION_FIELDS} } } }`;
const ACCEPT = `mutation Accept($code: String!) { acceptCarerInvitation(code: $code) { ${CARED_FOR_FIELDS} } }`;
const REVOKE = `mutation Revoke($id: ID!) { revokeCarerAccess(id: $id) { ${DELEGATION_FIELDS} } }`;
const MY_CARERS = `{ myCarers { ${DELEGATION_FIELDS} } }`;
const PEOPLE_I_CARE_FOR = `{ peopleICareFor { ${CARED_FOR_FIELDS} } }`;
const RECORD = `query Record($personId: ID!, $sections: [RecordSection!]) {
  record(personId: $personId, sections: $sections) { personId access { basis outcome allowedSections deniedSections { section reason } } }
}`;
const INVALID_CODE_MESSAGE =
  'this invitation code is not valid: it may be mistyped, used already, withdrawn or expired; ask for a new invitation';

interface GraphqlAnswer {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each test checks the fields it asked for
  data?: Record<string, any> | null;
  errors?: Array<{ message: string; extensions: { code: string; reason?: string } }>;
}

interface AuditRow {
  action: string;
  outcome: string;
  outcome_reason: string | null;
  purpose: string | null;
  principal_kind: string;
  subject: string;
  hub_role: string | null;
  on_behalf_of: string | null;
  person_id: string | null;
  nhs_number: string | null;
  sections: string[];
  query_kind: string;
  detail: Record<string, unknown>;
}

interface Resident {
  nhsNumber: string;
  sub: string;
  token: string;
}

describe('carers acting for a resident', () => {
  let hub: RunningHub;
  let dataSource: DataSource;
  let carerSections: readonly string[];

  /** A resident signed in with NHS login: their own NHS number, P9 unless said otherwise. */
  async function resident(proofing: 'P0' | 'P5' | 'P9' = 'P9', number = nhsNumber()): Promise<Resident> {
    const sub = `test-resident-${number}`;
    const token = await testIssuer().sign({
      kind: 'resident',
      sub,
      nhsNumber: number,
      proofing,
      given: 'Rita',
      family: `Resident-${number}`,
    });
    return { nhsNumber: number, sub, token };
  }

  async function graphql(token: string, query: string, variables: Record<string, unknown> = {}, actingFor?: string) {
    const call = request(hub.url).post('/graphql').set('authorization', bearer(token));
    if (actingFor !== undefined) call.set('x-acting-for', actingFor);
    const response = await call.send({ query, variables });
    return { body: response.body as GraphqlAnswer, requestId: response.headers['x-request-id'] as string };
  }

  const auditRows = (requestId: string) =>
    dataSource.query<AuditRow[]>(
      `SELECT action, outcome, outcome_reason, purpose, principal_kind, subject, hub_role, on_behalf_of, person_id, nhs_number, sections,
              query_kind, detail
         FROM audit_event WHERE request_id = $1 ORDER BY id`,
      [requestId],
    );

  const inThirtyDays = () => new Date(Date.now() + 30 * DAY_MS).toISOString();

  async function invite(person: Resident, input: Record<string, unknown> = {}): Promise<{ code: string; id: string }> {
    const { body } = await graphql(person.token, INVITE, {
      input: { sections: ['medications', 'appointments'], expiresAt: inThirtyDays(), ...input },
    });
    expect(body.errors).toBeUndefined();
    return { code: body.data!.inviteCarer.code, id: body.data!.inviteCarer.delegation.id };
  }

  /** A person with a carer who accepted their invitation. */
  async function caredFor(input: Record<string, unknown> = {}) {
    const person = await resident();
    const carer = await resident();
    const { code, id } = await invite(person, input);
    const { body } = await graphql(carer.token, ACCEPT, { code });
    expect(body.errors).toBeUndefined();
    return { person, carer, id };
  }

  /** Moves a delegation's whole timeline back: what the passing of `days` would do. */
  const age = (id: string, days: number) =>
    dataSource.query(
      `UPDATE carer_delegation SET invited_at = invited_at - $2 * interval '1 day', invitation_expires_at = invitation_expires_at - $2 * interval '1 day',
         accepted_at = accepted_at - $2 * interval '1 day', expires_at = expires_at - $2 * interval '1 day' WHERE id = $1`,
      [id, days],
    );

  beforeAll(async () => {
    hub = await startTestHub({ TESSERA_ROLE: 'api' });
    dataSource = hub.app.get(DataSource);
    carerSections = hub.app.get(AccessPolicyService).policy.carers.sections;
  });
  afterAll(() => hub?.stop());

  describe('inviting and accepting', () => {
    it('gives the person a one-time code, stored only as its hash, and lists the carer once they accept', async () => {
      const person = await resident();
      const carer = await resident();
      const expiresAt = inThirtyDays();
      const invited = await graphql(person.token, INVITE, {
        input: { sections: ['appointments', 'demographics', 'medications'], canAddReadings: true, expiresAt, carerName: 'Sam (son)' },
      });
      expect(invited.body.errors).toBeUndefined();
      const { code, delegation } = invited.body.data!.inviteCarer;
      expect(code).toMatch(/^[0-9A-Z]{4}(-[0-9A-Z]{4}){4}$/);
      expect(delegation).toMatchObject({
        status: 'INVITED',
        carerName: 'Sam (son)',
        sections: ['demographics', 'medications', 'appointments'],
        canAddReadings: true,
        expiresAt,
        acceptedAt: null,
      });
      expect(Date.parse(delegation.invitationExpiresAt) - Date.parse(delegation.invitedAt)).toBe(INVITATION_VALID_DAYS * DAY_MS);

      const [stored] = await dataSource.query<Array<Record<string, unknown>>>(`SELECT * FROM carer_delegation WHERE id = $1`, [
        delegation.id,
      ]);
      expect(stored!.person_nhs_number).toBe(person.nhsNumber);
      expect(stored!.invitation_code_hash).toMatch(/^[0-9a-f]{64}$/);
      // Nowhere in the row is the code, in any form.
      const row = JSON.stringify(stored);
      expect(row).not.toContain(code);
      expect(row).not.toContain(code.replace(/-/g, ''));

      expect((await auditRows(invited.requestId)).map(({ detail: _detail, ...rest }) => rest)).toEqual([
        {
          action: 'create',
          outcome: 'allowed',
          outcome_reason: 'carer-invited',
          purpose: 'PATRQT',
          principal_kind: 'resident',
          subject: person.sub,
          hub_role: 'resident',
          on_behalf_of: null,
          person_id: null,
          nhs_number: person.nhsNumber,
          sections: ['demographics', 'medications', 'appointments'],
          query_kind: 'carerDelegation.invite',
        },
      ]);
      expect((await auditRows(invited.requestId))[0]!.detail).toMatchObject({
        delegationId: delegation.id,
        canAddReadings: true,
        expiresAt,
      });
      expect(JSON.stringify(await auditRows(invited.requestId))).not.toContain(code.replace(/-/g, '').slice(0, 8));

      // Typed as people type: lower case, spaces for dashes.
      const accepted = await graphql(carer.token, ACCEPT, { code: code.toLowerCase().replace(/-/g, ' ') });
      expect(accepted.body.errors).toBeUndefined();
      expect(accepted.body.data!.acceptCarerInvitation).toMatchObject({
        delegationId: delegation.id,
        nhsNumber: person.nhsNumber,
        name: `Rita Resident-${person.nhsNumber}`,
        status: 'ACTIVE',
        sections: ['demographics', 'medications', 'appointments'],
        canAddReadings: true,
      });
      const [acceptRow] = await auditRows(accepted.requestId);
      expect(acceptRow).toMatchObject({
        action: 'update',
        outcome: 'allowed',
        outcome_reason: 'carer-accepted',
        purpose: 'FAMRQT',
        principal_kind: 'resident',
        subject: carer.sub,
        nhs_number: person.nhsNumber,
        query_kind: 'carerDelegation.accept',
      });
      expect(acceptRow!.detail).toMatchObject({ delegationId: delegation.id, supersededDelegationIds: [] });

      const mine = await graphql(person.token, MY_CARERS);
      expect(mine.body.data!.myCarers).toEqual([expect.objectContaining({ id: delegation.id, status: 'ACTIVE', carerName: 'Sam (son)' })]);
      const theirs = await graphql(carer.token, PEOPLE_I_CARE_FOR);
      expect(theirs.body.data!.peopleICareFor).toEqual([
        expect.objectContaining({ delegationId: delegation.id, nhsNumber: person.nhsNumber, status: 'ACTIVE' }),
      ]);
      // Looking is recorded too.
      expect(await auditRows(mine.requestId)).toEqual([
        expect.objectContaining({
          action: 'search',
          outcome: 'allowed',
          nhs_number: person.nhsNumber,
          query_kind: 'carerDelegation.forPerson',
        }),
      ]);
      // Nobody else sees them.
      expect((await graphql((await resident()).token, MY_CARERS)).body.data!.myCarers).toEqual([]);
    });

    it('names the carer from their sign-in when the person gave no name', async () => {
      const { person, id } = await caredFor();
      const [listed] = (await graphql(person.token, MY_CARERS)).body.data!.myCarers;
      expect(listed).toMatchObject({ id, carerName: expect.stringMatching(/^Rita Resident-\d{10}$/) as string });
    });

    it('refuses the person below P9, with an audit row, and stores nothing', async () => {
      const person = await resident('P5');
      const { body, requestId } = await graphql(person.token, INVITE, { input: { sections: ['medications'], expiresAt: inThirtyDays() } });
      expect(body.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'insufficient-proofing' });
      expect(await auditRows(requestId)).toEqual([
        expect.objectContaining({
          outcome: 'denied',
          outcome_reason: 'insufficient-proofing',
          subject: person.sub,
          nhs_number: person.nhsNumber,
        }),
      ]);
      expect(await dataSource.query(`SELECT id FROM carer_delegation WHERE person_nhs_number = $1`, [person.nhsNumber])).toEqual([]);
    });

    it("refuses sections beyond the policy's carer list, a past expiry and one more than a year away", async () => {
      const person = await resident();
      const beyond = await graphql(person.token, INVITE, { input: { sections: ['medications', 'conditions'], expiresAt: inThirtyDays() } });
      expect(carerSections).not.toContain('conditions');
      expect(beyond.body.errors?.[0]).toMatchObject({
        message: `carers cannot be given: conditions (the access policy allows: ${carerSections.join(', ')})`,
        extensions: { code: 'BAD_USER_INPUT', reason: 'section-not-delegable' },
      });
      for (const expiresAt of [new Date(Date.now() - 60_000), new Date(Date.now() + 366 * DAY_MS)]) {
        const { body } = await graphql(person.token, INVITE, { input: { sections: ['medications'], expiresAt: expiresAt.toISOString() } });
        expect(body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'invalid-expiry' });
      }
      const none = await graphql(person.token, INVITE, { input: { sections: [], expiresAt: inThirtyDays() } });
      expect(none.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'invalid-sections' });
      expect(await dataSource.query(`SELECT id FROM carer_delegation WHERE person_nhs_number = $1`, [person.nhsNumber])).toEqual([]);
    });

    it('refuses professionals, and carers acting for the person, whatever they try', async () => {
      const clinician = await clinicianToken('Y00093');
      for (const [query, variables] of [
        [INVITE, { input: { sections: ['medications'], expiresAt: inThirtyDays() } }],
        [ACCEPT, { code: '0000-0000-0000-0000-0000' }],
        [MY_CARERS, {}],
        [PEOPLE_I_CARE_FOR, {}],
      ] as const) {
        const { body, requestId } = await graphql(clinician, query, variables);
        expect(body.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'missing-role' });
        expect(await auditRows(requestId)).toEqual([expect.objectContaining({ outcome: 'denied', principal_kind: 'professional' })]);
      }
      // A carer may not invite further carers for the person, nor read their list.
      const { person, carer } = await caredFor();
      for (const query of [INVITE, MY_CARERS]) {
        const variables = query === INVITE ? { input: { sections: ['medications'], expiresAt: inThirtyDays() } } : {};
        const { body, requestId } = await graphql(carer.token, query, variables, person.nhsNumber);
        expect(body.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'missing-role' });
        // The refused attempt is recorded as the carer acting for the person, and shows in the person's trail.
        expect(await auditRows(requestId)).toEqual([
          expect.objectContaining({
            outcome: 'denied',
            principal_kind: 'carer',
            on_behalf_of: person.nhsNumber,
            nhs_number: person.nhsNumber,
          }),
        ]);
      }
      expect((await graphql(person.token, MY_CARERS)).body.data!.myCarers).toHaveLength(1);
    });

    it('refuses a used, unknown, malformed, withdrawn or expired code with one same answer, each attempt audited', async () => {
      const person = await resident();
      const first = await resident();
      const second = await resident();
      const used = await invite(person);
      expect((await graphql(first.token, ACCEPT, { code: used.code })).body.errors).toBeUndefined();

      const withdrawn = await invite(person);
      expect((await graphql(person.token, REVOKE, { id: withdrawn.id })).body.data!.revokeCarerAccess.status).toBe('REVOKED');
      const expired = await invite(person);
      await age(expired.id, INVITATION_VALID_DAYS + 1);

      const attempts = [
        { code: used.code, about: person.nhsNumber },
        { code: '0000-0000-0000-0000-0000', about: null },
        { code: "x' OR 1=1 --", about: null },
        { code: withdrawn.code, about: person.nhsNumber },
        { code: expired.code, about: person.nhsNumber },
      ];
      for (const { code, about } of attempts) {
        const { body, requestId } = await graphql(second.token, ACCEPT, { code });
        expect(body.errors?.[0]).toMatchObject({
          message: INVALID_CODE_MESSAGE,
          extensions: { code: 'NOT_FOUND', reason: 'invitation-not-valid' },
        });
        expect(await auditRows(requestId)).toEqual([
          expect.objectContaining({
            action: 'execute',
            outcome: 'denied',
            outcome_reason: 'invitation-not-valid',
            subject: second.sub,
            nhs_number: about,
            query_kind: 'carerDelegation.accept',
          }),
        ]);
      }
      // The first carer's delegation is untouched by the second's attempts.
      expect((await graphql(first.token, PEOPLE_I_CARE_FOR)).body.data!.peopleICareFor).toEqual([
        expect.objectContaining({ delegationId: used.id, status: 'ACTIVE' }),
      ]);
      expect((await graphql(second.token, PEOPLE_I_CARE_FOR)).body.data!.peopleICareFor).toEqual([]);
    });

    it('refuses the person as their own carer and a carer below P9, leaving the code usable', async () => {
      const person = await resident();
      const { code, id } = await invite(person);
      const self = await graphql(person.token, ACCEPT, { code });
      expect(self.body.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'cannot-care-for-self' });
      expect(await auditRows(self.requestId)).toEqual([
        expect.objectContaining({ outcome: 'denied', outcome_reason: 'cannot-care-for-self' }),
      ]);

      const carer = await resident('P5');
      const weak = await graphql(carer.token, ACCEPT, { code });
      expect(weak.body.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'insufficient-proofing' });
      expect(await auditRows(weak.requestId)).toEqual([
        expect.objectContaining({ outcome: 'denied', outcome_reason: 'insufficient-proofing' }),
      ]);

      // The same carer, proven to P9, can use it.
      const proven = await resident('P9', carer.nhsNumber);
      expect((await graphql(proven.token, ACCEPT, { code })).body.data!.acceptCarerInvitation.delegationId).toBe(id);
    });

    it("replaces a carer's delegation when they accept a newer invitation from the same person", async () => {
      const { person, carer, id: old } = await caredFor({ sections: ['medications'] });
      const { code, id: newer } = await invite(person, { sections: ['appointments'] });
      const { body, requestId } = await graphql(carer.token, ACCEPT, { code });
      expect(body.errors).toBeUndefined();
      expect((await auditRows(requestId))[0]!.detail).toMatchObject({ delegationId: newer, supersededDelegationIds: [old] });
      const listed = (await graphql(person.token, MY_CARERS)).body.data!.myCarers as Array<{
        id: string;
        status: string;
        revokedBy: string;
      }>;
      expect(listed.map(({ id, status, revokedBy }) => ({ id, status, revokedBy }))).toEqual([
        { id: newer, status: 'ACTIVE', revokedBy: null },
        { id: old, status: 'REVOKED', revokedBy: 'SUPERSEDED' },
      ]);
    });
  });

  describe('acting for the person (X-Acting-For)', () => {
    it('makes the resident a carer principal for that person, audited on their behalf', async () => {
      const { person, carer, id } = await caredFor();
      const { body, requestId } = await graphql(carer.token, PEOPLE_I_CARE_FOR, {}, person.nhsNumber);
      expect(body.errors).toBeUndefined();
      expect(body.data!.peopleICareFor).toEqual([expect.objectContaining({ delegationId: id })]);
      expect(await auditRows(requestId)).toEqual([
        expect.objectContaining({
          principal_kind: 'carer',
          hub_role: 'carer',
          subject: carer.sub,
          on_behalf_of: person.nhsNumber,
          purpose: 'FAMRQT',
        }),
      ]);
      // The header accepts the number as people write it.
      const spaced = `${person.nhsNumber.slice(0, 3)} ${person.nhsNumber.slice(3, 6)} ${person.nhsNumber.slice(6)}`;
      expect((await graphql(carer.token, PEOPLE_I_CARE_FOR, {}, spaced)).body.errors).toBeUndefined();
    });

    it('refuses, and audits, acting for someone who delegated nothing to this sign-in', async () => {
      const { person } = await caredFor();
      const stranger = await resident();
      for (const token of [stranger.token, await clinicianToken('Y00093')]) {
        const { body, requestId } = await graphql(token, PEOPLE_I_CARE_FOR, {}, person.nhsNumber);
        expect(body.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'not-delegated' });
        expect(body.data).toBeNull();
        expect(await auditRows(requestId)).toEqual([
          expect.objectContaining({ action: 'execute', outcome: 'denied', outcome_reason: 'not-delegated', nhs_number: person.nhsNumber }),
        ]);
      }
      // The person cannot "act for" themself either: they read their record as themself.
      const self = await graphql(person.token, MY_CARERS, {}, person.nhsNumber);
      expect(self.body.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'not-delegated' });
    });

    it('refuses a header that is not one NHS number as bad input, audited', async () => {
      const { carer } = await caredFor();
      for (const header of ['not-a-number', '1234567890', '']) {
        const { body, requestId } = await graphql(carer.token, PEOPLE_I_CARE_FOR, {}, header);
        expect(body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'invalid-acting-for' });
        expect(await auditRows(requestId)).toEqual([
          expect.objectContaining({ outcome: 'denied', outcome_reason: 'invalid-acting-for', subject: carer.sub, nhs_number: null }),
        ]);
      }
    });

    it('is refused on HTTP controllers too, with 403 and the reason', async () => {
      const { person, carer } = await caredFor();
      const stranger = await resident();
      const refused = await request(hub.url)
        .get('/audit/export.ndjson')
        .set('authorization', bearer(stranger.token))
        .set('x-acting-for', person.nhsNumber);
      expect(refused.status).toBe(403);
      expect(refused.body).toMatchObject({ error: 'FORBIDDEN', reason: 'not-delegated' });
      // With a delegation the carer is who they are, and a carer is no privacy officer.
      const carerAsked = await request(hub.url)
        .get('/audit/export.ndjson')
        .set('authorization', bearer(carer.token))
        .set('x-acting-for', person.nhsNumber);
      expect(carerAsked.status).toBe(403);
      expect(carerAsked.body).toMatchObject({ reason: 'missing-role' });
    });

    it('ends at once when the person revokes it, and the carer may end their own', async () => {
      const { person, carer, id } = await caredFor();
      expect((await graphql(carer.token, PEOPLE_I_CARE_FOR, {}, person.nhsNumber)).body.errors).toBeUndefined();
      const revoked = await graphql(person.token, REVOKE, { id });
      expect(revoked.body.data!.revokeCarerAccess).toMatchObject({ id, status: 'REVOKED', revokedBy: 'PERSON' });
      expect(await auditRows(revoked.requestId)).toEqual([
        expect.objectContaining({
          action: 'update',
          outcome: 'allowed',
          outcome_reason: 'carer-revoked',
          subject: person.sub,
          nhs_number: person.nhsNumber,
        }),
      ]);
      const after = await graphql(carer.token, PEOPLE_I_CARE_FOR, {}, person.nhsNumber);
      expect(after.body.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'not-delegated' });
      const again = await graphql(person.token, REVOKE, { id });
      expect(again.body.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT', reason: 'delegation-ended' });

      // A carer steps down themself, while acting for the person.
      const other = await caredFor();
      const stepDown = await graphql(other.carer.token, REVOKE, { id: other.id }, other.person.nhsNumber);
      expect(stepDown.body.data!.revokeCarerAccess).toMatchObject({ status: 'REVOKED', revokedBy: 'CARER' });
      expect(await auditRows(stepDown.requestId)).toEqual([
        expect.objectContaining({
          outcome_reason: 'carer-revoked',
          principal_kind: 'carer',
          on_behalf_of: other.person.nhsNumber,
          purpose: 'FAMRQT',
        }),
      ]);
      expect((await graphql(other.carer.token, PEOPLE_I_CARE_FOR, {}, other.person.nhsNumber)).body.errors?.[0]?.extensions.reason).toBe(
        'not-delegated',
      );
    });

    it('lets nobody else revoke it: they hear it does not exist, and the trail names no person', async () => {
      const { person, carer, id } = await caredFor();
      const stranger = await resident();
      const { body, requestId } = await graphql(stranger.token, REVOKE, { id });
      expect(body.errors?.[0]).toMatchObject({ extensions: { code: 'NOT_FOUND', reason: 'delegation-not-found' } });
      expect(await auditRows(requestId)).toEqual([
        expect.objectContaining({
          outcome: 'denied',
          outcome_reason: 'delegation-not-found',
          nhs_number: null,
          detail: { delegationId: id },
        }),
      ]);
      // The person signed in below P9 cannot revoke either (a weaker sign-in cannot cut off care).
      const weak = await graphql((await resident('P5', person.nhsNumber)).token, REVOKE, { id });
      expect(weak.body.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'insufficient-proofing' });
      expect((await graphql(carer.token, PEOPLE_I_CARE_FOR, {}, person.nhsNumber)).body.errors).toBeUndefined();
    });

    it('ends when the delegation expires', async () => {
      const { person, carer, id } = await caredFor();
      await age(id, 31);
      const { body } = await graphql(carer.token, PEOPLE_I_CARE_FOR, {}, person.nhsNumber);
      expect(body.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'not-delegated' });
      expect((await graphql(carer.token, PEOPLE_I_CARE_FOR)).body.data!.peopleICareFor).toEqual([
        expect.objectContaining({ delegationId: id, status: 'EXPIRED' }),
      ]);
      expect((await graphql(person.token, REVOKE, { id })).body.errors?.[0]?.extensions.reason).toBe('delegation-ended');
    });
  });

  describe("the person's record, read by their carer", () => {
    /** The person in the identity index, from one source's record carrying their NHS number. */
    async function indexed(number: string): Promise<string> {
      const sourceId = await addSource(hub, 'Carers Test Hospital');
      const identity = await addIdentity(hub, sourceId, { nhsNumber: number, given: 'Rita', family: 'Resident', birthDate: '1940-02-03' });
      const outcome = await hub.app.get(IdentityMatchingService).matchIdentity(identity);
      if (outcome.kind === 'not-found') throw new Error('the identity was not matched');
      return outcome.personId;
    }

    it('shows only the delegated sections; the rest are denied not-delegated (or not allowed to carers at all)', async () => {
      const { person, carer } = await caredFor({ sections: ['medications', 'appointments'] });
      const personId = await indexed(person.nhsNumber);
      const { body, requestId } = await graphql(
        carer.token,
        RECORD,
        { personId, sections: ['allergies', 'medications', 'conditions', 'appointments'] },
        person.nhsNumber,
      );
      expect(body.errors).toBeUndefined();
      expect(body.data!.record.access).toEqual({
        basis: 'delegated',
        outcome: 'allowed',
        allowedSections: ['medications', 'appointments'],
        deniedSections: [
          { section: 'allergies', reason: 'not-delegated' },
          { section: 'conditions', reason: 'role-not-permitted' },
        ],
      });
      expect(await auditRows(requestId)).toEqual([
        expect.objectContaining({
          action: 'read',
          outcome: 'allowed',
          principal_kind: 'carer',
          subject: carer.sub,
          on_behalf_of: person.nhsNumber,
          person_id: personId,
          sections: ['medications', 'appointments'],
          purpose: 'FAMRQT',
        }),
      ]);

      // Without the header the carer is only themself: not this person.
      const asThemself = await graphql(carer.token, RECORD, { personId, sections: ['medications'] });
      expect(asThemself.body.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'not-own-record' });
      // Acting for this person does not reach anyone else's record.
      const other = await resident();
      const otherId = await indexed(other.nhsNumber);
      const elsewhere = await graphql(carer.token, RECORD, { personId: otherId, sections: ['medications'] }, person.nhsNumber);
      expect(elsewhere.body.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'not-delegated' });
    });
  });
});
