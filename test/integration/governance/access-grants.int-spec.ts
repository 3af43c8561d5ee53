import { randomUUID } from 'node:crypto';

import { Redis } from 'ioredis';
import pg from 'pg';
import request from 'supertest';
import { DataSource } from 'typeorm';

import type { RunningHub } from '../../../src/bootstrap.js';
import {
  AccessGrants,
  AccessPolicyService,
  AuditTrail,
  type AuditEventRecord,
  PrivacyAlertEvents,
  type Principal,
  type PrivacyAlertRaised,
} from '../../../src/modules/governance/index.js';
import { eventually, startTestHub } from '../../setup/test-hub.js';
import { bearer, residentToken, serviceClientToken, testIssuer, type StaffRole } from '../../setup/test-issuer.js';
import { redisUrl, runDatabaseUrl } from '../../setup/test-run.js';

// Break-glass and self-declared relationships against the real app (issue 6, item 3): a reason
// is required, access is time-limited by the access policy, each start is audited with the
// grant in one transaction, and break-glass alerts privacy officers at once (a row they list and
// acknowledge, and a message on Redis). The run's database is shared: each test makes its own
// people and users.

const MINUTE_MS = 60_000;

interface GraphqlAnswer {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each test checks the fields it asked for
  data?: Record<string, any> | null;
  errors?: Array<{ message: string; extensions: { code: string; reason?: string } }>;
}

interface Staff {
  sub: string;
  token: string;
  principal: Principal;
}

const GRANT_FIELDS = 'id kind personId startedAt expiresAt endedAt';
const breakGlassMutation = `mutation BreakGlass($personId: ID!, $reason: String!) { breakGlass(personId: $personId, reason: $reason) { ${GRANT_FIELDS} } }`;
const declareMutation = `mutation Declare($personId: ID!, $reason: String!) {
  declareRelationship(personId: $personId, reason: $reason) { ${GRANT_FIELDS} } }`;
const endMutation = `mutation End($id: ID!) { endAccessGrant(id: $id) { ${GRANT_FIELDS} } }`;
const ALERT_FIELDS = `id kind personId raisedAt acknowledgedAt acknowledgedBy { subject name }
  grant { id kind personId expiresAt reason holder { subject name organisationCode hubRole } }`;
const alertsQuery = `query Alerts($acknowledged: Boolean, $first: Int, $after: String) {
  privacyAlerts(acknowledged: $acknowledged, first: $first, after: $after) { nodes { ${ALERT_FIELDS} } pageInfo { hasNextPage endCursor } } }`;
const acknowledgeMutation = `mutation Ack($id: ID!) { acknowledgePrivacyAlert(id: $id) { ${ALERT_FIELDS} } }`;

describe('break-glass and self-declared access', () => {
  let hub: RunningHub;
  let dataSource: DataSource;
  let trail: AuditTrail;
  let grants: AccessGrants;
  let policy: AccessPolicyService['policy'];
  let officer: Staff;

  async function staff(role: StaffRole, organisation = 'Y00071'): Promise<Staff> {
    const sub = `test-${role}-${randomUUID().slice(0, 8)}`;
    const name = `Test ${role}`;
    const token = await testIssuer().sign({
      kind: 'staff',
      sub,
      name,
      roles: [role],
      organisation: { code: organisation, name: 'Test Trust' },
    });
    const principal: Principal = {
      kind: role === 'privacy-officer' ? 'privacy-officer' : 'professional',
      subject: sub,
      issuer: testIssuer().staffIssuer,
      name,
      roles: [role],
      roleCodes: [],
      organisation: { code: organisation },
    };
    return { sub, token, principal };
  }

  async function graphql(token: string, query: string, variables: Record<string, unknown> = {}) {
    const response = await request(hub.url).post('/graphql').set('authorization', bearer(token)).send({ query, variables });
    return { body: response.body as GraphqlAnswer, requestId: response.headers['x-request-id'] as string };
  }

  /** A person in the identity index (grants are for persons the hub knows). */
  async function newPerson(): Promise<string> {
    const [row] = await dataSource.query<Array<{ id: string }>>(`INSERT INTO person DEFAULT VALUES RETURNING id`);
    return row!.id;
  }

  async function auditRowsOf(subject: string): Promise<AuditEventRecord[]> {
    return (await trail.search({ subject, limit: 500 })).events;
  }

  async function grantRowsFor(personId: string): Promise<Array<{ id: string; kind: string; reason: string }>> {
    return dataSource.query(`SELECT id, kind, reason FROM access_grant WHERE person_id = $1`, [personId]);
  }

  async function alertRowsFor(personId: string): Promise<Array<{ id: string; access_grant_id: string }>> {
    return dataSource.query(`SELECT id, access_grant_id FROM privacy_alert WHERE person_id = $1`, [personId]);
  }

  beforeAll(async () => {
    hub = await startTestHub({ TESSERA_ROLE: 'api' });
    dataSource = hub.app.get(DataSource);
    trail = hub.app.get(AuditTrail);
    grants = hub.app.get(AccessGrants);
    policy = hub.app.get(AccessPolicyService).policy;
    officer = await staff('privacy-officer', 'Y00042');
  });
  afterAll(() => hub?.stop());

  it('break-glass records the grant, an ETREAT audit row naming it and a privacy alert, and announces the alert on Redis', async () => {
    const clinician = await staff('clinician');
    const personId = await newPerson();
    const reason = '  Unconscious in ED, no GP record reachable  ';

    // A listener of its own, outside the hub, stands for a privacy officers' console on another process.
    const listener = new Redis(redisUrl);
    const heard: PrivacyAlertRaised[] = [];
    try {
      listener.on('message', (_channel: string, message: string) => heard.push(JSON.parse(message) as PrivacyAlertRaised));
      await listener.subscribe(hub.app.get(PrivacyAlertEvents).channel);

      const { body, requestId } = await graphql(clinician.token, breakGlassMutation, { personId, reason });
      expect(body.errors).toBeUndefined();
      const grant = body.data!.breakGlass;
      expect(grant).toMatchObject({ kind: 'BREAK_GLASS', personId, endedAt: null });
      // The time limit is the loaded policy's maximum.
      expect(Date.parse(grant.expiresAt) - Date.parse(grant.startedAt)).toBe(policy.breakGlass.maximumMinutes * MINUTE_MS);

      const stored = await grantRowsFor(personId);
      expect(stored).toEqual([{ id: grant.id, kind: 'break-glass', reason: reason.trim() }]);
      const [alert] = await alertRowsFor(personId);
      expect(alert).toBeDefined();
      expect(alert!.access_grant_id).toBe(grant.id);

      const rows = (await auditRowsOf(clinician.sub)).filter((row) => row.requestId === requestId);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({
        outcome: 'break-glass',
        purpose: 'ETREAT',
        action: 'create',
        personId,
        hubRole: 'clinician',
        organisationCode: 'Y00071',
        queryKind: 'breakGlass',
      });
      expect(rows[0]!.detail).toMatchObject({
        accessGrantId: grant.id,
        privacyAlertId: String(alert!.id),
        reasonLength: reason.trim().length,
      });
      // The reason is free text: it lives on the grant only, never in the append-only trail.
      expect(JSON.stringify(rows[0])).not.toContain('Unconscious');

      const message = await eventually(async () => heard.find((raised) => raised.accessGrantId === grant.id), 5_000, 'the alert on Redis');
      expect(message).toEqual({ alertId: String(alert!.id), kind: 'break-glass', accessGrantId: grant.id, personId });
    } finally {
      listener.disconnect();
    }

    // What AccessRequest takes: the break-glass with its reason and limits.
    expect(await grants.activeFor(clinician.principal, personId)).toEqual({
      breakGlass: {
        reason: reason.trim(),
        startedAt: expect.any(String) as string,
        expiresAt: expect.any(String) as string,
      },
    });
  });

  it('commits the grant, its alert and its audit row together: none is visible before the audit row is written', async () => {
    const clinician = await staff('clinician');
    const personId = await newPerson();
    // Hold the audit chain's lock, so the break-glass transaction waits at its audit write.
    const blocker = new pg.Client({ connectionString: runDatabaseUrl() });
    await blocker.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query('SELECT last_id FROM audit_chain_head WHERE id = 1 FOR UPDATE');
      const pending = graphql(clinician.token, breakGlassMutation, { personId, reason: 'Collapsed at home, needs medicines list' });
      await eventually(
        async () => {
          const [waiting] = await dataSource.query<Array<{ count: number }>>(
            // A backend that has written to access_grant and now waits on a lock: this test's break-glass
            // (the run's database is shared with other files, whose audit writes may also wait).
            `SELECT count(*)::int AS count FROM pg_stat_activity activity
              WHERE activity.datname = current_database() AND activity.wait_event_type = 'Lock'
                AND EXISTS (SELECT 1 FROM pg_locks held JOIN pg_class class ON class.oid = held.relation
                             WHERE held.pid = activity.pid AND class.relname = 'access_grant' AND held.granted)`,
          );
          return waiting!.count > 0 ? true : undefined;
        },
        5_000,
        'the break-glass transaction to wait on the audit lock',
      );
      expect(await grantRowsFor(personId)).toEqual([]);
      expect(await alertRowsFor(personId)).toEqual([]);
      await blocker.query('ROLLBACK');
      const { body } = await pending;
      expect(body.errors).toBeUndefined();
    } finally {
      await blocker.end();
    }
    expect(await grantRowsFor(personId)).toHaveLength(1);
    expect(await alertRowsFor(personId)).toHaveLength(1);
    expect((await auditRowsOf(clinician.sub)).filter((row) => row.outcome === 'break-glass')).toHaveLength(1);
  });

  it('requires a reason of the policy minimum to 500 characters, and a known person; refusals write nothing', async () => {
    const clinician = await staff('clinician');
    const personId = await newPerson();
    const minimum = policy.breakGlass.minimumReasonLength;
    for (const reason of ['', '      ', ` ${'x'.repeat(minimum - 1)}   `, 'y'.repeat(501)]) {
      const { body } = await graphql(clinician.token, breakGlassMutation, { personId, reason });
      expect(body.errors?.[0]?.extensions.code).toBe('BAD_USER_INPUT');
      expect(body.errors?.[0]?.message).toBe(
        `reason must be from ${minimum} to 500 characters (after trimming); it was ${reason.trim().length}`,
      );
    }
    const badId = await graphql(clinician.token, declareMutation, { personId: 'not-a-person', reason: 'Reviewing discharge plan' });
    expect(badId.body.errors?.[0]).toMatchObject({ message: 'personId must be a UUID', extensions: { code: 'BAD_USER_INPUT' } });
    const unknown = await graphql(clinician.token, breakGlassMutation, {
      personId: randomUUID(),
      reason: 'Emergency admission, chest pain',
    });
    expect(unknown.body.errors?.[0]).toMatchObject({ message: 'no person has that id', extensions: { code: 'NOT_FOUND' } });

    expect(await grantRowsFor(personId)).toEqual([]);
    expect(await alertRowsFor(personId)).toEqual([]);
    expect(await auditRowsOf(clinician.sub)).toEqual([]);
  });

  it('ends at the policy time limit, or earlier when the professional ends it; only the holder can end it, once', async () => {
    const clinician = await staff('clinician');
    const colleague = await staff('clinician');
    const personId = await newPerson();
    const { body } = await graphql(clinician.token, breakGlassMutation, { personId, reason: 'Sepsis pathway, patient confused' });
    const grant = body.data!.breakGlass;
    const started = Date.parse(grant.startedAt);
    const limit = policy.breakGlass.maximumMinutes * MINUTE_MS;

    expect((await grants.activeFor(clinician.principal, personId, new Date(started + limit - 1_000))).breakGlass).toBeDefined();
    expect(await grants.activeFor(clinician.principal, personId, new Date(started + limit))).toEqual({});
    // A grant is the holder's own: a colleague holds nothing for this person.
    expect(await grants.activeFor(colleague.principal, personId)).toEqual({});

    const notTheirs = await graphql(colleague.token, endMutation, { id: grant.id });
    expect(notTheirs.body.errors?.[0]?.extensions.code).toBe('NOT_FOUND');

    const ended = await graphql(clinician.token, endMutation, { id: grant.id });
    expect(ended.body.errors).toBeUndefined();
    expect(ended.body.data!.endAccessGrant.endedAt).not.toBeNull();
    expect(await grants.activeFor(clinician.principal, personId)).toEqual({});
    const endedRows = (await auditRowsOf(clinician.sub)).filter((row) => row.requestId === ended.requestId);
    expect(endedRows).toHaveLength(1);
    expect(endedRows[0]).toMatchObject({ action: 'update', queryKind: 'endAccessGrant', outcomeReason: 'break-glass-ended', personId });

    const again = await graphql(clinician.token, endMutation, { id: grant.id });
    expect(again.body.errors?.[0]).toMatchObject({ message: 'that access grant has ended already', extensions: { code: 'CONFLICT' } });
  });

  it('records a self-declared relationship, flagged and audited, for the policy time, without a privacy alert', async () => {
    const socialWorker = await staff('social-worker');
    const personId = await newPerson();
    const { body, requestId } = await graphql(socialWorker.token, declareMutation, {
      personId,
      reason: 'New referral from hospital discharge team',
    });
    expect(body.errors).toBeUndefined();
    const grant = body.data!.declareRelationship;
    expect(grant.kind).toBe('SELF_DECLARED');
    expect(Date.parse(grant.expiresAt) - Date.parse(grant.startedAt)).toBe(policy.selfDeclared.validMinutes * MINUTE_MS);

    const [row] = (await auditRowsOf(socialWorker.sub)).filter((event) => event.requestId === requestId);
    expect(row).toMatchObject({
      outcome: 'self-declared',
      purpose: policy.roles['social-worker'].purposeOfUse,
      queryKind: 'declareRelationship',
      personId,
    });
    expect(row!.detail).toMatchObject({ accessGrantId: grant.id });
    expect(await alertRowsFor(personId)).toEqual([]);
    expect(await grants.activeFor(socialWorker.principal, personId)).toEqual({
      selfDeclared: { reason: 'New referral from hospital discharge team', declaredAt: grant.startedAt },
    });
  });

  it('refuses residents, services and professional roles the policy does not allow, writing nothing', async () => {
    const personId = await newPerson();
    const reason = 'I want to see this record please';
    for (const token of [await residentToken('9434765919'), await serviceClientToken()]) {
      for (const mutation of [breakGlassMutation, declareMutation]) {
        const { body } = await graphql(token, mutation, { personId, reason });
        expect(body.errors?.[0]?.extensions.code).toBe('FORBIDDEN');
        expect(body.data ?? null).toBeNull();
      }
    }
    // In config/access-policy.json social workers may not break glass, care workers may not self-declare.
    const socialWorker = await staff('social-worker');
    const noGlass = await graphql(socialWorker.token, breakGlassMutation, { personId, reason });
    expect(noGlass.body.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'break-glass-not-permitted' });
    const careWorker = await staff('care-worker');
    const noDeclaration = await graphql(careWorker.token, declareMutation, { personId, reason });
    expect(noDeclaration.body.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'self-declaration-not-permitted' });

    expect(await grantRowsFor(personId)).toEqual([]);
    expect(await alertRowsFor(personId)).toEqual([]);
  });

  it('lets privacy officers list and acknowledge alerts (audited), once each, and nobody else', async () => {
    const clinician = await staff('clinician', 'Y00088');
    const personId = await newPerson();
    const started = await graphql(clinician.token, breakGlassMutation, { personId, reason: 'Overdose suspected, unresponsive' });
    const grantId = started.body.data!.breakGlass.id as string;

    const findAlert = async (acknowledged: boolean) => {
      const { body } = await graphql(officer.token, alertsQuery, { acknowledged, first: 500 });
      expect(body.errors).toBeUndefined();
      return (body.data!.privacyAlerts.nodes as Array<{ id: string; grant: { id: string } }>).find((node) => node.grant.id === grantId);
    };
    const open = await findAlert(false);
    expect(open).toMatchObject({
      kind: 'BREAK_GLASS',
      personId,
      acknowledgedAt: null,
      grant: {
        kind: 'BREAK_GLASS',
        reason: 'Overdose suspected, unresponsive',
        holder: { subject: clinician.sub, organisationCode: 'Y00088', hubRole: 'clinician' },
      },
    });

    for (const token of [clinician.token, await residentToken('9434765919')]) {
      expect((await graphql(token, alertsQuery, {})).body.errors?.[0]?.extensions.code).toBe('FORBIDDEN');
      expect((await graphql(token, acknowledgeMutation, { id: open!.id })).body.errors?.[0]?.extensions.code).toBe('FORBIDDEN');
    }
    expect(await findAlert(true)).toBeUndefined();

    const acknowledged = await graphql(officer.token, acknowledgeMutation, { id: open!.id });
    expect(acknowledged.body.errors).toBeUndefined();
    expect(acknowledged.body.data!.acknowledgePrivacyAlert).toMatchObject({
      id: open!.id,
      acknowledgedBy: { subject: officer.sub, name: 'Test privacy-officer' },
    });
    expect(acknowledged.body.data!.acknowledgePrivacyAlert.acknowledgedAt).not.toBeNull();
    expect(await findAlert(false)).toBeUndefined();
    expect(await findAlert(true)).toMatchObject({ id: open!.id });

    const twice = await graphql(officer.token, acknowledgeMutation, { id: open!.id });
    expect(twice.body.errors?.[0]?.extensions.code).toBe('CONFLICT');
    const missing = await graphql(officer.token, acknowledgeMutation, { id: '999999999999' });
    expect(missing.body.errors?.[0]?.extensions.code).toBe('NOT_FOUND');

    const officerRows = await auditRowsOf(officer.sub);
    const ackRow = officerRows.find((row) => row.requestId === acknowledged.requestId);
    expect(ackRow).toMatchObject({ queryKind: 'acknowledgePrivacyAlert', purpose: 'HOPERAT', personId });
    expect(officerRows.some((row) => row.queryKind === 'privacyAlerts')).toBe(true);
  });

  it('pages privacy alerts newest first', async () => {
    const clinician = await staff('clinician');
    const ids: string[] = [];
    for (let index = 0; index < 3; index += 1) {
      const { body } = await graphql(clinician.token, breakGlassMutation, {
        personId: await newPerson(),
        reason: `Emergency number ${index} arrived`,
      });
      ids.push(body.data!.breakGlass.id as string);
    }
    const first = await graphql(officer.token, alertsQuery, { first: 2 });
    const firstNodes = first.body.data!.privacyAlerts.nodes as Array<{ id: string; grant: { id: string } }>;
    expect(firstNodes).toHaveLength(2);
    expect(first.body.data!.privacyAlerts.pageInfo.hasNextPage).toBe(true);
    expect(Number(firstNodes[0]!.id)).toBeGreaterThan(Number(firstNodes[1]!.id));
    const second = await graphql(officer.token, alertsQuery, { first: 2, after: first.body.data!.privacyAlerts.pageInfo.endCursor });
    const secondNodes = second.body.data!.privacyAlerts.nodes as Array<{ id: string }>;
    expect(Number(secondNodes[0]!.id)).toBeLessThan(Number(firstNodes[1]!.id));
    const bad = await graphql(officer.token, alertsQuery, { first: 501 });
    expect(bad.body.errors?.[0]).toMatchObject({
      message: 'first must be a whole number from 1 to 500',
      extensions: { code: 'BAD_USER_INPUT' },
    });
  });
});
