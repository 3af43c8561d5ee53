import { DataSource } from 'typeorm';

import { clinicianToken, residentToken, type StaffRole, testIssuer } from '../../setup/test-issuer.js';
import {
  type RecordWorld,
  SECTION_FIELDS,
  type SectionView,
  startRecordWorld,
  type WorldPerson,
} from '../record-aggregation/record-world.js';

// Editing through the hub (issue 8): write-back to the source that owns the record, and shared
// care plans the hub hosts as a source of its own. Every edit is decided like a read and audited.

const WRITE = `mutation Write($personId: ID!, $sourceId: ID!, $resource: JSONObject!) {
  writeToSource(personId: $personId, sourceId: $sourceId, resource: $resource) { accepted sourceId resourceType resourceId reason }
}`;
const PLAN_FIELDS = 'id personId kind status version resource';
const CREATE_PLAN = `mutation Create($personId: ID!, $input: SharedCarePlanInput!) { createSharedCarePlan(personId: $personId, input: $input) { ${PLAN_FIELDS} } }`;
const UPDATE_PLAN = `mutation Update($planId: ID!, $expectedVersion: Int!, $input: SharedCarePlanInput!) {
  updateSharedCarePlan(planId: $planId, expectedVersion: $expectedVersion, input: $input) { ${PLAN_FIELDS} }
}`;
const REVOKE_PLAN = `mutation Revoke($planId: ID!, $expectedVersion: Int!, $reason: String!) {
  revokeSharedCarePlan(planId: $planId, expectedVersion: $expectedVersion, reason: $reason) { ${PLAN_FIELDS} }
}`;
const PLAN_HISTORY = `query History($planId: ID!) {
  sharedCarePlanHistory(planId: $planId) {
    plan { id version status }
    versions { version status changeNote createdAt author { name role organisationCode } resource }
  }
}`;
const BREAK_GLASS =
  'mutation BreakGlass($personId: ID!, $reason: String!) { breakGlass(personId: $personId, reason: $reason) { id kind } }';
const DECLARE =
  'mutation Declare($personId: ID!, $reason: String!) { declareRelationship(personId: $personId, reason: $reason) { id kind } }';
const RECORD = `query Record($personId: ID!, $sections: [RecordSection!]) {
  record(personId: $personId, sections: $sections) { observations { ${SECTION_FIELDS} } carePlans { ${SECTION_FIELDS} } }
}`;

interface WriteAnswer {
  writeToSource: { accepted: boolean; sourceId: string; resourceType: string; resourceId: string | null; reason: string | null } | null;
}
interface PlanView {
  id: string;
  personId: string;
  kind: string;
  status: string;
  version: number;
  resource: Record<string, unknown> & { meta?: { versionId?: string } };
}
interface HistoryAnswer {
  sharedCarePlanHistory: {
    plan: { id: string; version: number; status: string };
    versions: Array<{
      version: number;
      status: string;
      changeNote: string | null;
      createdAt: string;
      author: { name: string | null; role: string; organisationCode: string | null };
      resource: Record<string, unknown>;
    }>;
  } | null;
}
interface RecordAnswer {
  record: { observations: SectionView | null; carePlans: SectionView | null } | null;
}
interface AuditRow {
  action: string;
  outcome: string;
  outcome_reason: string | null;
  person_id: string | null;
  sections: string[];
  sources: string[];
  query_kind: string;
  detail: Record<string, unknown>;
  organisation_code: string | null;
  hub_role: string | null;
}

/** A heart rate the acute trust accepts: numeric, UCUM, a vital sign. */
/** Staff of any role, for an organisation. */
const staffToken = (role: StaffRole, code: string, name: string) =>
  testIssuer().sign({
    kind: 'staff',
    sub: `test-${role}-${code}`,
    name,
    roles: [role],
    organisation: { code, name: `Organisation ${code}` },
  });

const COUNCIL = 'E09000019';
const HOSPITAL = 'R9A';

const planInput = (overrides: Record<string, unknown> = {}) => ({
  title: 'Urgent care plan: breathlessness at home',
  kind: 'urgentCare',
  description: 'What to do when breathless at home, agreed with the person.',
  activities: ['Start the rescue pack as prescribed', 'Call the community respiratory team before 999 unless in distress'],
  periodStart: '2026-11-01',
  addresses: [{ code: '13645005', display: 'Chronic obstructive lung disease' }],
  changeNote: 'First version, agreed at the practice review',
  ...overrides,
});

const heartRate = (value: number) => ({
  resourceType: 'Observation',
  status: 'final',
  category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] }],
  code: { coding: [{ system: 'http://loinc.org', code: '8867-4', display: 'Heart rate' }] },
  valueQuantity: { value, unit: 'beats/minute', system: 'http://unitsofmeasure.org', code: '/min' },
});

describe('editing through the hub', () => {
  let world: RecordWorld;
  let dataSource: DataSource;
  let people: { first: WorldPerson; second: WorldPerson; gpOnly: WorldPerson };

  beforeAll(async () => {
    world = await startRecordWorld({
      name: 'portal-edits',
      choose: [
        { systems: ['gp', 'acute'], count: 2, where: ({ records }) => !records['mental-health'] && !records['social-care'] },
        { systems: ['gp'], count: 1, where: ({ records }) => !records.acute },
      ],
      population: 1_500,
      hub: { RECORD_CACHE_TTL_S: '300' },
    });
    const [first, second, gpOnly] = world.people;
    people = { first: first!, second: second!, gpOnly: gpOnly! };
    dataSource = world.hub.app.get(DataSource);
  }, 180_000);
  afterAll(async () => {
    await world?.stop();
  });

  const auditRows = (requestId: string) =>
    dataSource.query<AuditRow[]>(
      `SELECT action, outcome, outcome_reason, person_id, sections, sources, query_kind, detail, organisation_code, hub_role
       FROM audit_event WHERE request_id = $1 ORDER BY id`,
      [requestId],
    );

  describe('write-back to a source', () => {
    it('sends an Observation to the hospital, which stores it: then it is in the record, from the hospital', async () => {
      const person = people.first;
      const token = await clinicianToken(person.practice);
      const acute = world.sourceFor('acute');
      // Read first, so that the cache holds the record as it was: the write must make it stale.
      const before = await world.graphql<RecordAnswer>(token, RECORD, { personId: person.personId, sections: ['observations'] });
      expect(before.errors).toBeUndefined();

      const answer = await world.graphql<WriteAnswer>(token, WRITE, {
        personId: person.personId,
        sourceId: acute.id,
        resource: heartRate(131),
      });
      expect(answer.errors).toBeUndefined();
      const written = answer.data!.writeToSource!;
      expect(written).toMatchObject({ accepted: true, sourceId: acute.id, resourceType: 'Observation', reason: null });
      expect(written.resourceId).toEqual(expect.any(String));

      const after = await world.graphql<RecordAnswer>(token, RECORD, { personId: person.personId, sections: ['observations'] });
      const item = after.data!.record!.observations!.items.find((candidate) =>
        candidate.sources.some((source) => source.sourceId === acute.id && source.resourceId === written.resourceId),
      );
      expect(item).toBeDefined();
      expect(item!.resource).toMatchObject({ resourceType: 'Observation', valueQuantity: { value: 131 } });
      expect(after.data!.record!.observations!.sources.find((source) => source.sourceId === acute.id)?.freshness).toBe('live');

      const [row, ...others] = await auditRows(answer.requestId);
      expect(others).toEqual([]);
      expect(row).toMatchObject({
        action: 'create',
        outcome: 'allowed',
        outcome_reason: null,
        person_id: person.personId,
        sections: ['observations'],
        sources: [acute.id],
        query_kind: 'Mutation.writeToSource',
        organisation_code: person.practice,
        detail: expect.objectContaining({ accepted: true, sourceStatus: 201 }),
      });
    });

    it('says the hospital refused an invalid Observation, with its status and issue code, and audits it as not accepted', async () => {
      const person = people.second;
      const acute = world.sourceFor('acute');
      const { valueQuantity: _value, ...noValue } = heartRate(80);
      const answer = await world.graphql<WriteAnswer>(await clinicianToken(person.practice), WRITE, {
        personId: person.personId,
        sourceId: acute.id,
        resource: noValue,
      });
      expect(answer.errors).toBeUndefined();
      expect(answer.data!.writeToSource).toMatchObject({ accepted: false, resourceId: null });
      expect(answer.data!.writeToSource!.reason).toBe('the source refused the resource (HTTP 400: required at Observation.valueQuantity)');
      const [row] = await auditRows(answer.requestId);
      expect(row).toMatchObject({
        action: 'create',
        outcome: 'allowed',
        detail: expect.objectContaining({ accepted: false, sourceStatus: 400 }),
      });
    });

    it('refuses a resident, who may read their record but not write into a hospital system', async () => {
      const person = people.first;
      const answer = await world.graphql<WriteAnswer>(await residentToken(person.nhsNumber), WRITE, {
        personId: person.personId,
        sourceId: world.sourceFor('acute').id,
        resource: heartRate(70),
      });
      expect(answer.data?.writeToSource ?? null).toBeNull();
      expect(answer.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'not-a-professional' });
      expect(await auditRows(answer.requestId)).toEqual([
        expect.objectContaining({
          action: 'create',
          outcome: 'denied',
          outcome_reason: 'not-a-professional',
          detail: expect.objectContaining({ accepted: false }),
        }),
      ]);
    });

    it('refuses a source the person has no record at, and a source that does not accept writes', async () => {
      const token = await clinicianToken(people.gpOnly.practice);
      const notLinked = await world.graphql<WriteAnswer>(token, WRITE, {
        personId: people.gpOnly.personId,
        sourceId: world.sourceFor('acute').id,
        resource: heartRate(70),
      });
      expect(notLinked.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(notLinked.errors?.[0]?.message).toMatch(/no record at/);
      expect(await auditRows(notLinked.requestId)).toEqual([
        expect.objectContaining({ action: 'create', outcome: 'denied', outcome_reason: 'not-linked-to-source' }),
      ]);

      // The person's own GP system is read through GP Connect, which the hub does not write to.
      const gp = world.sourceFor('gp', people.first.practice);
      const notWritable = await world.graphql<WriteAnswer>(await clinicianToken(people.first.practice), WRITE, {
        personId: people.first.personId,
        sourceId: gp.id,
        resource: heartRate(70),
      });
      expect(notWritable.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(notWritable.errors?.[0]?.message).toMatch(/does not accept writes/);
      expect(await auditRows(notWritable.requestId)).toEqual([
        expect.objectContaining({ outcome: 'denied', outcome_reason: 'source-not-writable', sources: [gp.id] }),
      ]);
    });

    it('refuses a resource it cannot route before asking anyone, naming the problem', async () => {
      const person = people.first;
      const answer = await world.graphql<WriteAnswer>(await clinicianToken(person.practice), WRITE, {
        personId: person.personId,
        sourceId: world.sourceFor('acute').id,
        resource: { resourceType: 'MedicationRequest', status: 'active' },
      });
      expect(answer.errors?.[0]).toMatchObject({
        message: 'resource.resourceType must be Observation or Condition, not MedicationRequest',
        extensions: { code: 'BAD_USER_INPUT' },
      });
    });
  });

  describe('shared care plans', () => {
    let planId: string;

    it('a GP clinician creates a plan: version 1, audited with the plan in one row', async () => {
      const person = people.first;
      const answer = await world.graphql<{ createSharedCarePlan: PlanView | null }>(await clinicianToken(person.practice), CREATE_PLAN, {
        personId: person.personId,
        input: planInput(),
      });
      expect(answer.errors).toBeUndefined();
      const plan = answer.data!.createSharedCarePlan!;
      planId = plan.id;
      expect(plan).toMatchObject({ personId: person.personId, kind: 'urgentCare', status: 'active', version: 1 });
      expect(plan.resource).toMatchObject({
        resourceType: 'CarePlan',
        status: 'active',
        title: 'Urgent care plan: breathlessness at home',
        subject: { identifier: { value: person.nhsNumber } },
        meta: { versionId: '1' },
      });
      const hubSource = (
        await world.hub.app.get(DataSource).query<Array<{ id: string }>>(`SELECT id FROM source WHERE protocol = 'hub-hosted'`)
      )[0]!;
      expect(await auditRows(answer.requestId)).toEqual([
        expect.objectContaining({
          action: 'create',
          outcome: 'allowed',
          person_id: person.personId,
          sections: ['carePlans'],
          sources: [hubSource.id],
          query_kind: 'Mutation.createSharedCarePlan',
          detail: expect.objectContaining({ sharedCarePlan: plan.id, version: 1, change: 'create', kind: 'urgent-care' }),
        }),
      ]);
    });

    it('shows in the record from the "Shared care plans" source, to the hospital after breaking glass', async () => {
      const person = people.first;
      const token = await clinicianToken(HOSPITAL);
      const glass = await world.graphql(token, BREAK_GLASS, {
        personId: person.personId,
        reason: 'Unconscious in ED, no history available',
      });
      expect(glass.errors).toBeUndefined();
      const answer = await world.graphql<RecordAnswer>(token, RECORD, { personId: person.personId, sections: ['carePlans'] });
      expect(answer.errors).toBeUndefined();
      const carePlans = answer.data!.record!.carePlans!;
      const hosted = carePlans.sources.find((source) => source.name === 'Shared care plans');
      expect(hosted).toMatchObject({ kind: 'shared-care', status: 'ok', itemCount: 1 });
      const item = carePlans.items.find((candidate) => candidate.sources.some((source) => source.sourceId === hosted!.sourceId));
      expect(item).toMatchObject({ display: 'Urgent care plan: breathlessness at home', section: 'carePlans' });
      expect(item!.sources[0]).toMatchObject({ resourceId: planId, name: 'Shared care plans' });
      expect(item!.resource).toMatchObject({
        id: planId,
        meta: { versionId: '1' },
        author: { display: expect.stringContaining('Cleo Clinician') },
      });
    });

    it('a council social worker (relationship declared) updates it to version 2; a stale version is a CONFLICT naming the current one', async () => {
      const person = people.first;
      const token = await staffToken('social-worker', COUNCIL, 'Sam Social');
      const declared = await world.graphql(token, DECLARE, {
        personId: person.personId,
        reason: 'Allocated social worker for the care review',
      });
      expect(declared.errors).toBeUndefined();
      const input = planInput({
        activities: ['Start the rescue pack as prescribed', 'Carer to call the respiratory team'],
        changeNote: 'Carer now calls the team',
      });
      const updated = await world.graphql<{ updateSharedCarePlan: PlanView | null }>(token, UPDATE_PLAN, {
        planId,
        expectedVersion: 1,
        input,
      });
      expect(updated.errors).toBeUndefined();
      expect(updated.data!.updateSharedCarePlan).toMatchObject({
        id: planId,
        version: 2,
        status: 'active',
        resource: { meta: { versionId: '2' } },
      });
      expect(await auditRows(updated.requestId)).toEqual([
        expect.objectContaining({
          action: 'update',
          outcome: 'self-declared',
          organisation_code: COUNCIL,
          hub_role: 'social-worker',
          detail: expect.objectContaining({ version: 2, change: 'update' }),
        }),
      ]);

      const stale = await world.graphql<{ updateSharedCarePlan: PlanView | null }>(token, UPDATE_PLAN, {
        planId,
        expectedVersion: 1,
        input,
      });
      expect(stale.errors?.[0]).toMatchObject({ extensions: { code: 'CONFLICT', reason: 'stale-version' } });
      expect(stale.errors?.[0]?.message).toMatch(/version 2/);

      // The record shows the current version only.
      const record = await world.graphql<RecordAnswer>(await clinicianToken(person.practice), RECORD, {
        personId: person.personId,
        sections: ['carePlans'],
      });
      const hosted = record.data!.record!.carePlans!.items.filter((item) =>
        item.sources.some((source) => source.name === 'Shared care plans'),
      );
      expect(hosted.map((item) => (item.resource.meta as { versionId: string }).versionId)).toEqual(['2']);
    });

    it('keeps every version in the history, with who changed it, when and why', async () => {
      const answer = await world.graphql<HistoryAnswer>(await clinicianToken(people.first.practice), PLAN_HISTORY, { planId });
      expect(answer.errors).toBeUndefined();
      const history = answer.data!.sharedCarePlanHistory!;
      expect(history.plan).toEqual({ id: planId, version: 2, status: 'active' });
      expect(history.versions.map(({ version, status, changeNote, author }) => ({ version, status, changeNote, author }))).toEqual([
        {
          version: 1,
          status: 'active',
          changeNote: 'First version, agreed at the practice review',
          author: { name: 'Cleo Clinician', role: 'clinician', organisationCode: people.first.practice },
        },
        {
          version: 2,
          status: 'active',
          changeNote: 'Carer now calls the team',
          author: { name: 'Sam Social', role: 'social-worker', organisationCode: COUNCIL },
        },
      ]);
      expect(Date.parse(history.versions[1]!.createdAt)).toBeGreaterThanOrEqual(Date.parse(history.versions[0]!.createdAt));
      expect(await auditRows(answer.requestId)).toEqual([
        expect.objectContaining({ action: 'read', outcome: 'allowed', query_kind: 'Query.sharedCarePlanHistory' }),
      ]);
    });

    it('refuses a care worker and a resident, audited; and a plan that does not check out, naming each problem', async () => {
      const person = people.first;
      const careWorker = await world.graphql(await staffToken('care-worker', 'VN9A1', 'Cal Carer'), UPDATE_PLAN, {
        planId,
        expectedVersion: 2,
        input: planInput(),
      });
      expect(careWorker.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'role-may-not-edit' });
      expect(await auditRows(careWorker.requestId)).toEqual([
        expect.objectContaining({ action: 'update', outcome: 'denied', outcome_reason: 'role-may-not-edit' }),
      ]);

      const resident = await world.graphql(await residentToken(person.nhsNumber), CREATE_PLAN, {
        personId: person.personId,
        input: planInput(),
      });
      expect(resident.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'not-a-professional' });
      expect(await auditRows(resident.requestId)).toEqual([
        expect.objectContaining({ action: 'create', outcome: 'denied', outcome_reason: 'not-a-professional' }),
      ]);

      const bad = await world.graphql(await clinicianToken(person.practice), CREATE_PLAN, {
        personId: person.personId,
        input: planInput({ title: '', periodStart: '2026-13-01', addresses: [{ code: '13645006', display: 'COPD' }] }),
      });
      expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(bad.errors?.[0]?.message).toContain('title is required');
      expect(bad.errors?.[0]?.message).toContain('periodStart must be a date (YYYY-MM-DD)');
      expect(bad.errors?.[0]?.message).toContain('addresses[0].code must be a SNOMED CT concept id');
    });

    it('revoking takes the plan out of the record and keeps it in the history', async () => {
      const person = people.first;
      const token = await clinicianToken(person.practice);
      const revoked = await world.graphql<{ revokeSharedCarePlan: PlanView | null }>(token, REVOKE_PLAN, {
        planId,
        expectedVersion: 2,
        reason: 'Replaced by the hospice end of life plan',
      });
      expect(revoked.errors).toBeUndefined();
      expect(revoked.data!.revokeSharedCarePlan).toMatchObject({ version: 3, status: 'revoked', resource: { status: 'revoked' } });
      const record = await world.graphql<RecordAnswer>(token, RECORD, { personId: person.personId, sections: ['carePlans'] });
      const carePlans = record.data!.record!.carePlans!;
      expect(carePlans.sources.find((source) => source.name === 'Shared care plans')).toMatchObject({ status: 'ok', itemCount: 0 });
      const history = await world.graphql<HistoryAnswer>(token, PLAN_HISTORY, { planId });
      expect(history.data!.sharedCarePlanHistory!.versions.map((version) => version.status)).toEqual(['active', 'active', 'revoked']);
      const again = await world.graphql(token, REVOKE_PLAN, {
        planId,
        expectedVersion: 3,
        reason: 'Replaced by the hospice end of life plan',
      });
      expect(again.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    });
  });
});
