import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import request from 'supertest';
import { DataSource } from 'typeorm';

import { ConsentSettings, type Principal } from '../../../src/modules/governance/index.js';
import {
  type RecordWorld,
  SECTION_FIELDS,
  type SectionView,
  startRecordWorld,
  usableRecords,
  type WorldPerson,
} from '../record-aggregation/record-world.js';
import { nhsNumber } from '../identity-matching/identity-index-setup.js';
import { bearer, clinicianToken, residentToken, type StaffRole, testIssuer } from '../../setup/test-issuer.js';

// The governed record read path end to end (issue 6, "Done when"): every way into a person's
// record over GraphQL is decided by the access policy and leaves exactly one audit row per
// person read, committed before the answer; refusals reveal nothing of the person.

const SECTIONS = ['allergies', 'medications', 'conditions', 'observations', 'encounters', 'appointments', 'carePlans'] as const;

const RECORD = `query Record($personId: ID!, $sections: [RecordSection!]) {
  record(personId: $personId, sections: $sections) {
    personId
    access { basis outcome allowedSections deniedSections { section reason } }
    ${SECTIONS.map((section) => `${section} { ${SECTION_FIELDS} }`).join('\n    ')}
  }
}`;
const TIMELINE = `query Timeline($personId: ID!, $types: [RecordSection!], $first: Int) {
  timeline(personId: $personId, types: $types, first: $first) {
    totalCount edges { node { itemId section type date display } } sources { organisationCode kind status }
  }
}`;
const RECONCILIATION = `query Reconciliation($personId: ID!) {
  reconciliation(personId: $personId) { personId items { kind agreed item { id display resource } } sources { organisationCode status } }
}`;
const ALIASED = `query Two($mine: ID!, $theirs: ID!) {
  a: record(personId: $mine, sections: [allergies, medications]) { personId access { basis outcome } allergies { items { id display } } }
  b: record(personId: $theirs, sections: [allergies, medications]) { personId access { basis outcome } allergies { items { id display } } }
}`;
const BREAK_GLASS =
  'mutation BreakGlass($personId: ID!, $reason: String!) { breakGlass(personId: $personId, reason: $reason) { id kind } }';
const DECLARE =
  'mutation Declare($personId: ID!, $reason: String!) { declareRelationship(personId: $personId, reason: $reason) { id kind } }';
const INVITE_CARER = `mutation Invite($input: InviteCarerInput!) { inviteCarer(input: $input) { code delegation { id status sections } } }`;
const ACCEPT_INVITATION = `mutation Accept($code: String!) { acceptCarerInvitation(code: $code) { nhsNumber status sections } }`;
const PRIVACY_ALERTS = `{ privacyAlerts(first: 500) { nodes { id kind personId grant { reason holder { subject organisationCode hubRole } } } } }`;

type RecordView = {
  personId: string;
  access: { basis: string; outcome: string; allowedSections: string[]; deniedSections: Array<{ section: string; reason: string }> };
} & Partial<Record<(typeof SECTIONS)[number], SectionView | null>>;

interface Answer {
  status: number;
  /** The raw body: what a leak check must search, not the parsed data. */
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each test reads the fields it asked for
  data: Record<string, any> | null;
  errors?: Array<{ message: string; path?: string[]; extensions?: { code?: string; reason?: string } }>;
  requestId: string;
}

interface AuditRow {
  id: string;
  request_id: string;
  action: string;
  outcome: string;
  outcome_reason: string | null;
  purpose: string | null;
  principal_kind: string;
  subject: string;
  hub_role: string | null;
  organisation_code: string | null;
  on_behalf_of: string | null;
  person_id: string | null;
  nhs_number: string | null;
  sections: string[];
  sources: string[];
  query_kind: string;
  detail: Record<string, unknown>;
}

const AUDIT_COLUMNS = `id, request_id, action, outcome, outcome_reason, purpose, principal_kind, subject, hub_role, organisation_code,
  on_behalf_of, person_id, nhs_number, sections, sources, query_kind, detail`;

/** The sections a read is decided on, sorted: those asked for (no query here asks for demographicConflicts, so not demographics). */
const decidedOn = (sections: readonly string[]) => [...new Set(sections)].sort();

const OPTED_OUT_REASON = 'the person has opted out of sharing this organisation’s data';

describe('who may read a person’s record, and the audit trail of every attempt', () => {
  let world: RecordWorld;
  let dataSource: DataSource;
  let policyFolder: string;
  /** The person whose hospital record holds the code the test policy calls sensitive (and their GP's does not). */
  const sensitive = { truthId: '', code: '' };
  let oraclePractice = '';
  let people: {
    sensitive: WorldPerson;
    noObservations: WorldPerson;
    withObservations: WorldPerson;
    residentA: WorldPerson;
    residentB: WorldPerson;
    breakGlass: WorldPerson;
    selfDeclared: WorldPerson;
    optedOut: WorldPerson;
    carer: WorldPerson;
  };

  beforeAll(async () => {
    policyFolder = await mkdtemp(join(tmpdir(), 'tessera-record-access-'));
    world = await startRecordWorld({
      name: 'record-access',
      // The policy names, as sensitive, a SNOMED CT code that one person's hospital record really has.
      hub: async (sandbox) => {
        for (const pds of sandbox.context.directories.pds.records) {
          if (!pds.nhsNumber) continue;
          const records = usableRecords(sandbox, pds.personId, pds.nhsNumber);
          if (!records?.gp || !records.acute) continue;
          const gpHistory = JSON.stringify(sandbox.context.histories.forSystem(pds.personId, 'gp') ?? {});
          const hospitalOnly = (sandbox.context.histories.forSystem(pds.personId, 'acute')?.conditions ?? []).find(
            (condition) => condition.code.system === 'http://snomed.info/sct' && !gpHistory.includes(condition.code.code),
          );
          if (!hospitalOnly) continue;
          Object.assign(sensitive, { truthId: pds.personId, code: hospitalOnly.code.code });
          break;
        }
        if (!sensitive.code) throw new Error('no person has a hospital-only SNOMED CT condition');
        const policy = JSON.parse(await readFile(join(process.cwd(), 'config', 'access-policy.json'), 'utf8')) as {
          sensitive: { lists: Array<{ codes: Array<{ code: string; display: string }> }> };
        };
        policy.sensitive.lists[0]!.codes.push({ code: sensitive.code, display: 'Chosen by the test' });
        const file = join(policyFolder, 'access-policy.json');
        await writeFile(file, JSON.stringify(policy));
        return { ACCESS_POLICY_FILE: file };
      },
      choose: [
        // First, so that no other entry takes them.
        { systems: ['gp', 'acute'], count: 1, where: ({ truthId }) => truthId === sensitive.truthId },
        {
          systems: ['gp', 'acute'],
          count: 1,
          where: ({ truthId, records }, sandbox) => {
            const none =
              (sandbox.context.histories.forSystem(truthId, 'gp')?.observations.length ?? 0) === 0 &&
              (sandbox.context.histories.forSystem(truthId, 'acute')?.observations.length ?? 0) === 0;
            if (none) oraclePractice = records.gp!.organisationCode;
            return none;
          },
        },
        // Someone with results at the same practice, so that one admin clerk asks about both.
        {
          systems: ['gp', 'acute'],
          count: 1,
          where: ({ truthId, records }, sandbox) =>
            records.gp!.organisationCode === oraclePractice &&
            (sandbox.context.histories.forSystem(truthId, 'gp')?.observations.length ?? 0) > 0,
        },
        // People the hospital has seen, so that its data is there to be withheld or shown.
        {
          systems: ['gp', 'acute'],
          count: 6,
          where: ({ truthId }, sandbox) => (sandbox.context.histories.forSystem(truthId, 'acute')?.encounters.length ?? 0) > 0,
        },
      ],
    });
    dataSource = world.hub.app.get(DataSource);
    const [sensitivePerson, noObservations, withObservations, residentA, residentB, breakGlass, selfDeclared, optedOut, carer] =
      world.people;
    people = {
      sensitive: sensitivePerson!,
      noObservations: noObservations!,
      withObservations: withObservations!,
      residentA: residentA!,
      residentB: residentB!,
      breakGlass: breakGlass!,
      selfDeclared: selfDeclared!,
      optedOut: optedOut!,
      carer: carer!,
    };
  }, 180_000);
  afterAll(async () => {
    await world?.stop();
    if (policyFolder) await rm(policyFolder, { recursive: true, force: true });
  });

  /** POST /graphql with the raw body kept; `body` may be one operation or a batch (an array). */
  async function post(token: string, body: unknown, headers: Record<string, string> = {}): Promise<Answer> {
    const call = request(world.hub.url).post('/graphql').set('Authorization', bearer(token)).set('Content-Type', 'application/json');
    for (const [name, value] of Object.entries(headers)) call.set(name, value);
    const response = await call.send(JSON.stringify(body));
    const parsed = (response.body ?? {}) as { data?: Answer['data']; errors?: Answer['errors'] };
    return {
      status: response.status,
      text: response.text,
      data: Array.isArray(parsed) ? null : (parsed.data ?? null),
      ...(!Array.isArray(parsed) && parsed.errors ? { errors: parsed.errors } : {}),
      requestId: String(response.headers['x-request-id'] ?? ''),
    };
  }
  const graphql = (token: string, query: string, variables: Record<string, unknown> = {}, headers?: Record<string, string>) =>
    post(token, { query, variables }, headers);

  const auditRows = (requestId: string) =>
    dataSource.query<AuditRow[]>(`SELECT ${AUDIT_COLUMNS} FROM audit_event WHERE request_id = $1 ORDER BY id`, [requestId]);

  /** The one row a single-person read leaves, checked against what the caller was told. */
  async function onlyAuditRow(requestId: string): Promise<AuditRow> {
    expect(requestId).not.toBe('');
    const rows = await auditRows(requestId);
    expect(rows).toHaveLength(1);
    // Sorted, to compare with decidedOn().
    return { ...rows[0]!, sections: [...rows[0]!.sections].sort() };
  }

  /** A member of staff of their own (grants are per user), at an organisation. */
  function staffToken(role: StaffRole, organisationCode: string, sub = `test-${role}-${randomUUID().slice(0, 8)}`) {
    return testIssuer().sign({
      kind: 'staff',
      sub,
      name: `Test ${role}`,
      roles: [role],
      organisation: { code: organisationCode, name: 'Test' },
    });
  }

  /** A GP practice whose clinicians have no tie to the person: not theirs, and named by none of their records. */
  async function unrelatedPractice(person: WorldPerson): Promise<string> {
    const named = await dataSource.query<Array<{ code: string }>>(
      `SELECT DISTINCT upper(si.demographics->>'gpPracticeCode') AS code FROM identity_link l JOIN source_identity si ON si.id = l.source_identity_id
        WHERE l.person_id = $1 AND l.state = 'active' AND si.demographics->>'gpPracticeCode' IS NOT NULL`,
      [person.personId],
    );
    const taken = new Set([person.practice.toUpperCase(), ...named.map((row) => row.code)]);
    const practice = world.sources.find((source) => source.kind === 'gp' && !taken.has(source.organisationCode.toUpperCase()));
    if (!practice) throw new Error('no other practice in the borough');
    return practice.organisationCode;
  }

  const residentPrincipal = (person: WorldPerson): Principal => ({
    kind: 'resident',
    subject: `test-resident-${person.nhsNumber}`,
    issuer: testIssuer().residentIssuer,
    roles: ['resident'],
    roleCodes: [],
    nhsNumber: person.nhsNumber,
    proofingLevel: 'P9',
  });

  const sectionsOf = (record: RecordView) => SECTIONS.map((section) => record[section]).filter((view): view is SectionView => !!view);
  const itemsOf = (record: RecordView) => sectionsOf(record).flatMap((view) => view.items);
  const hospitalItemsOf = (record: RecordView) => itemsOf(record).filter((item) => item.sources.some((source) => source.kind === 'acute'));
  const hospitalStatuses = (record: RecordView) =>
    sectionsOf(record).flatMap((view) => view.sources.filter((source) => source.kind === 'acute'));

  describe('residents', () => {
    /** Everything that would identify resident B or their data in a response. */
    let traceOfB: string[];

    beforeAll(async () => {
      const { residentA: a, residentB: b } = people;
      // B's own view of their record: the items whose ids and source ids must never reach A.
      const own = await graphql(await residentToken(b.nhsNumber), RECORD, { personId: b.personId });
      expect(own.errors).toBeUndefined();
      const items = itemsOf(own.data!.record as RecordView);
      expect(items.length).toBeGreaterThan(0);
      const mine = await graphql(await residentToken(a.nhsNumber), RECORD, { personId: a.personId });
      const given = b.records.gp!.given;
      const family = b.records.gp!.family;
      traceOfB = [
        b.nhsNumber,
        b.personId,
        b.truthId,
        `${given} ${family}`,
        ...items.map((item) => item.id),
        ...items.flatMap((item) => item.sources.flatMap((source) => (source.resourceId ? [source.resourceId] : []))),
        // B's family name, unless A's own record happens to hold the same word (a practitioner, say).
        ...(mine.text.includes(family) ? [] : [family]),
      ];
    });

    const expectNothingOfB = (answer: Answer) => {
      for (const trace of traceOfB) expect({ trace, found: answer.text.includes(trace) }).toEqual({ trace, found: false });
    };

    it('lets resident A (P9) read their own whole record, audited as own-record with every section', async () => {
      const a = people.residentA;
      const answer = await graphql(await residentToken(a.nhsNumber), RECORD, { personId: a.personId });
      expect(answer.errors).toBeUndefined();
      const record = answer.data!.record as RecordView;
      expect(record.access).toMatchObject({ basis: 'own-record', outcome: 'allowed', deniedSections: [] });
      expect([...record.access.allowedSections].sort()).toEqual(decidedOn(SECTIONS));
      expect(hospitalItemsOf(record).length).toBeGreaterThan(0);
      expect(await onlyAuditRow(answer.requestId)).toMatchObject({
        action: 'read',
        outcome: 'allowed',
        outcome_reason: null,
        purpose: 'PATRQT',
        principal_kind: 'resident',
        hub_role: 'resident',
        person_id: a.personId,
        nhs_number: a.nhsNumber,
        sections: decidedOn(SECTIONS),
        query_kind: 'Query.record',
        detail: expect.objectContaining({ basis: 'own-record' }),
      });
      expectNothingOfB(answer);
    });

    it.each([
      ['record', RECORD, 'Query.record', [...SECTIONS]],
      ['timeline', TIMELINE, 'Query.timeline', [...SECTIONS]],
      ['reconciliation', RECONCILIATION, 'Query.reconciliation', ['medications', 'allergies']],
    ])(
      "refuses resident A resident B's %s: FORBIDDEN not-own-record, nothing of B, one 'denied' row",
      async (field, query, queryKind, sections) => {
        const { residentA: a, residentB: b } = people;
        const answer = await graphql(await residentToken(a.nhsNumber), query, { personId: b.personId });
        expect(answer.data?.[field] ?? null).toBeNull();
        expect(answer.errors).toHaveLength(1);
        expect(answer.errors![0]).toMatchObject({ path: [field], extensions: { code: 'FORBIDDEN', reason: 'not-own-record' } });
        expectNothingOfB(answer);
        const row = await onlyAuditRow(answer.requestId);
        expect(row).toMatchObject({
          action: 'read',
          outcome: 'denied',
          outcome_reason: 'not-own-record',
          principal_kind: 'resident',
          subject: `test-resident-${a.nhsNumber}`,
          person_id: b.personId,
          nhs_number: b.nhsNumber,
          sources: [],
          query_kind: queryKind,
        });
        expect(row.sections).toEqual(decidedOn(sections));
      },
    );

    it("decides each alias on its own: A's record arrives, B's field is FORBIDDEN, one row for each", async () => {
      const { residentA: a, residentB: b } = people;
      const answer = await graphql(await residentToken(a.nhsNumber), ALIASED, { mine: a.personId, theirs: b.personId });
      expect(answer.errors).toHaveLength(1);
      expect(answer.errors![0]).toMatchObject({ path: ['b'], extensions: { code: 'FORBIDDEN', reason: 'not-own-record' } });
      expect(answer.data?.a).toMatchObject({ personId: a.personId, access: { basis: 'own-record', outcome: 'allowed' } });
      expect(answer.data?.b ?? null).toBeNull();
      expectNothingOfB(answer);
      const rows = await auditRows(answer.requestId);
      expect(rows.map((row) => [row.person_id, row.outcome, row.outcome_reason])).toEqual(
        expect.arrayContaining([
          [a.personId, 'allowed', null],
          [b.personId, 'denied', 'not-own-record'],
        ]),
      );
      expect(rows).toHaveLength(2);
    });

    it('gives nothing of B through a batched request: refused whole, or each operation decided on its own', async () => {
      const { residentA: a, residentB: b } = people;
      const requestId = `batch-${randomUUID()}`;
      const answer = await post(
        await residentToken(a.nhsNumber),
        [
          { query: RECORD, variables: { personId: a.personId, sections: ['allergies'] } },
          { query: RECORD, variables: { personId: b.personId, sections: ['allergies'] } },
        ],
        { 'X-Request-Id': requestId },
      );
      expectNothingOfB(answer);
      const rows = await auditRows(requestId);
      if (answer.status >= 400) {
        // Refused before any operation ran: no read, so no row.
        expect(answer.status).toBe(400);
        expect(rows).toEqual([]);
      } else {
        const results = JSON.parse(answer.text) as Array<{ data: { record: RecordView } | null; errors?: Answer['errors'] }>;
        expect(results[0]!.data!.record.personId).toBe(a.personId);
        expect(results[1]!.data?.record ?? null).toBeNull();
        expect(results[1]!.errors![0]!.extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'not-own-record' });
        expect(rows.map((row) => [row.person_id, row.outcome])).toEqual(
          expect.arrayContaining([
            [a.personId, 'allowed'],
            [b.personId, 'denied'],
          ]),
        );
      }
      // However it answered, no row says B's data was read.
      expect(rows.filter((row) => row.person_id === b.personId && row.outcome !== 'denied')).toEqual([]);
    });

    it('gives a resident proven only to P5 their appointments, every other section refused insufficient-proofing', async () => {
      const a = people.residentA;
      const answer = await graphql(await residentToken(a.nhsNumber, 'P5'), RECORD, { personId: a.personId });
      expect(answer.errors).toBeUndefined();
      const record = answer.data!.record as RecordView;
      expect([...record.access.allowedSections].sort()).toEqual(decidedOn(['appointments']));
      expect(record.access.deniedSections).toEqual(
        SECTIONS.filter((section) => section !== 'appointments').map((section) => ({ section, reason: 'insufficient-proofing' })),
      );
      for (const section of SECTIONS.filter((name) => name !== 'appointments')) {
        expect(record[section]!.items).toEqual([]);
        expect(record[section]!.sources.every((source) => source.status === 'withheld')).toBe(true);
      }
      expect(itemsOf(record).every((item) => item.section === 'appointments')).toBe(true);
      const row = await onlyAuditRow(answer.requestId);
      expect(row).toMatchObject({
        outcome: 'allowed',
        person_id: a.personId,
        sections: decidedOn(['appointments']),
        query_kind: 'Query.record',
      });
      expect(row.detail.deniedSections).toEqual(record.access.deniedSections);
    });
  });

  describe('professionals', () => {
    it("refuses a clinician with no relationship FORBIDDEN no-relationship, audited 'denied'", async () => {
      const person = people.breakGlass;
      const practice = await unrelatedPractice(person);
      const answer = await graphql(await staffToken('clinician', practice), RECORD, { personId: person.personId });
      expect(answer.data?.record ?? null).toBeNull();
      expect(answer.errors![0]).toMatchObject({ path: ['record'], extensions: { code: 'FORBIDDEN', reason: 'no-relationship' } });
      expect(answer.text).not.toContain(person.nhsNumber);
      expect(await onlyAuditRow(answer.requestId)).toMatchObject({
        outcome: 'denied',
        outcome_reason: 'no-relationship',
        purpose: 'TREAT',
        principal_kind: 'professional',
        hub_role: 'clinician',
        organisation_code: practice,
        person_id: person.personId,
        sources: [],
      });
    });

    it('lets the same clinician read after breaking glass: outcome break-glass, ETREAT, and privacy officers alerted', async () => {
      const person = people.breakGlass;
      const practice = await unrelatedPractice(person);
      const sub = `test-clinician-${randomUUID().slice(0, 8)}`;
      const token = await staffToken('clinician', practice, sub);
      expect((await graphql(token, RECORD, { personId: person.personId })).errors?.[0]?.extensions?.reason).toBe('no-relationship');

      const reason = 'Unconscious in A&E, needs medicines and allergies';
      const broken = await graphql(token, BREAK_GLASS, { personId: person.personId, reason });
      expect(broken.errors).toBeUndefined();
      expect(broken.data!.breakGlass.kind).toBe('BREAK_GLASS');

      const answer = await graphql(token, RECORD, { personId: person.personId });
      expect(answer.errors).toBeUndefined();
      const record = answer.data!.record as RecordView;
      expect(record.access).toMatchObject({ basis: 'break-glass', outcome: 'break-glass', deniedSections: [] });
      expect(hospitalItemsOf(record).length).toBeGreaterThan(0);
      const row = await onlyAuditRow(answer.requestId);
      expect(row).toMatchObject({
        outcome: 'break-glass',
        purpose: 'ETREAT',
        subject: sub,
        organisation_code: practice,
        person_id: person.personId,
        sections: decidedOn(SECTIONS),
        detail: expect.objectContaining({ basis: 'break-glass' }),
      });
      expect(row.sources.length).toBeGreaterThan(0);

      const alerts = await graphql(await staffToken('privacy-officer', 'Y00042'), PRIVACY_ALERTS);
      expect(alerts.errors).toBeUndefined();
      const mine = (alerts.data!.privacyAlerts.nodes as Array<{ personId: string; grant: { holder: { subject: string } } }>).filter(
        (alert) => alert.personId === person.personId && alert.grant.holder.subject === sub,
      );
      expect(mine).toEqual([
        expect.objectContaining({
          kind: 'BREAK_GLASS',
          grant: { reason, holder: { subject: sub, organisationCode: practice, hubRole: 'clinician' } },
        }),
      ]);
    });

    it('lets a clinician who declared a relationship read, audited self-declared', async () => {
      const person = people.selfDeclared;
      const practice = await unrelatedPractice(person);
      const sub = `test-clinician-${randomUUID().slice(0, 8)}`;
      const token = await staffToken('clinician', practice, sub);
      const declared = await graphql(token, DECLARE, { personId: person.personId, reason: 'Covering the registered practice this week' });
      expect(declared.errors).toBeUndefined();
      const answer = await graphql(token, RECORD, { personId: person.personId, sections: ['medications', 'allergies'] });
      expect(answer.errors).toBeUndefined();
      expect((answer.data!.record as RecordView).access).toMatchObject({ basis: 'self-declared', outcome: 'self-declared' });
      const row = await onlyAuditRow(answer.requestId);
      expect(row).toMatchObject({ outcome: 'self-declared', purpose: 'TREAT', subject: sub, person_id: person.personId });
      expect(row.sections).toEqual(decidedOn(['allergies', 'medications']));
    });

    it("withholds the hospital's data of a person who opted out from their GP, and shows it after break-glass", async () => {
      const person = people.optedOut;
      await world.hub.app.get(ConsentSettings).update(residentPrincipal(person), person.nhsNumber, { optedOut: true });

      const gp = await graphql(await clinicianToken(person.practice), RECORD, { personId: person.personId });
      expect(gp.errors).toBeUndefined();
      const seen = gp.data!.record as RecordView;
      expect(seen.access).toMatchObject({ basis: 'relationship', outcome: 'allowed' });
      // The practice's own record is its own: still shown.
      expect(itemsOf(seen).some((item) => item.sources.some((source) => source.organisationCode === person.practice))).toBe(true);
      expect(hospitalItemsOf(seen)).toEqual([]);
      const statuses = hospitalStatuses(seen);
      expect(statuses.length).toBeGreaterThan(0);
      for (const status of statuses) expect(status).toMatchObject({ status: 'withheld', reason: OPTED_OUT_REASON, itemCount: 0 });
      const gpRow = await onlyAuditRow(gp.requestId);
      expect(gpRow).toMatchObject({ outcome: 'allowed', purpose: 'TREAT', person_id: person.personId });
      expect(gpRow.sources).not.toContain(world.sourceFor('acute').id);

      const sub = `test-clinician-${randomUUID().slice(0, 8)}`;
      const token = await staffToken('clinician', person.practice, sub);
      expect(
        (await graphql(token, BREAK_GLASS, { personId: person.personId, reason: 'Collapsed in surgery, needs discharge summary' })).errors,
      ).toBeUndefined();
      const glass = await graphql(token, RECORD, { personId: person.personId });
      expect(glass.errors).toBeUndefined();
      const everything = glass.data!.record as RecordView;
      expect(everything.access.outcome).toBe('break-glass');
      expect(hospitalStatuses(everything).every((status) => status.status === 'ok')).toBe(true);
      expect(hospitalItemsOf(everything).length).toBeGreaterThan(0);
      const glassRow = await onlyAuditRow(glass.requestId);
      expect(glassRow).toMatchObject({
        outcome: 'break-glass',
        purpose: 'ETREAT',
        detail: expect.objectContaining({ consentOverridden: true }),
      });
      expect(glassRow.sources).toContain(world.sourceFor('acute').id);
    });

    it('withholds a hospital item coded sensitive from the GP (the code is nowhere in the answer), not from the person', async () => {
      const person = people.sensitive;
      expect(sensitive.code).not.toBe('');
      const gp = await graphql(await clinicianToken(person.practice), RECORD, { personId: person.personId });
      expect(gp.errors).toBeUndefined();
      expect(gp.text).not.toContain(sensitive.code);
      const seen = gp.data!.record as RecordView;
      // The hospital answered; how much it withheld is not said.
      expect(seen.conditions!.sources.find((source) => source.kind === 'acute')?.status).toBe('ok');
      const row = await onlyAuditRow(gp.requestId);
      expect(row).toMatchObject({ outcome: 'allowed', person_id: person.personId });
      expect((row.detail.withheldItems as Record<string, number>).sensitive).toBeGreaterThan(0);

      const own = await graphql(await residentToken(person.nhsNumber), RECORD, { personId: person.personId, sections: ['conditions'] });
      expect(own.errors).toBeUndefined();
      const conditions = (own.data!.record as RecordView).conditions!.items;
      expect(
        conditions.some((item) =>
          ((item.resource.code as { coding?: Array<{ code?: string }> } | undefined)?.coding ?? []).some(
            (coding) => coding.code === sensitive.code,
          ),
        ),
      ).toBe(true);
      expect(await onlyAuditRow(own.requestId)).toMatchObject({
        outcome: 'allowed',
        principal_kind: 'resident',
        detail: expect.objectContaining({ withheldItems: {} }),
      });
    });
  });

  describe('carers', () => {
    it('shows a carer only the sections delegated to them, audited on behalf of the person; without a delegation, nothing', async () => {
      const person = people.carer;
      const delegated = ['appointments', 'medications'];
      const invited = await graphql(await residentToken(person.nhsNumber), INVITE_CARER, {
        input: { sections: delegated, canAddReadings: false, expiresAt: new Date(Date.now() + 30 * 86_400_000).toISOString() },
      });
      expect(invited.errors).toBeUndefined();
      const carer = nhsNumber();
      const carerToken = await residentToken(carer);
      const accepted = await graphql(carerToken, ACCEPT_INVITATION, { code: invited.data!.inviteCarer.code });
      expect(accepted.errors).toBeUndefined();
      expect(accepted.data!.acceptCarerInvitation).toMatchObject({ nhsNumber: person.nhsNumber, status: 'ACTIVE' });

      const actingFor = { 'X-Acting-For': person.nhsNumber };
      const answer = await graphql(carerToken, RECORD, { personId: person.personId }, actingFor);
      expect(answer.errors).toBeUndefined();
      const record = answer.data!.record as RecordView;
      expect(record.access).toMatchObject({ basis: 'delegated', outcome: 'allowed' });
      expect([...record.access.allowedSections].sort()).toEqual(delegated);
      // Within the policy's carer sections, not delegated; beyond them, not for carers at all.
      const carerSections = ['demographics', 'allergies', 'medications', 'appointments', 'carePlans', 'observations'];
      expect(record.access.deniedSections).toEqual(
        expect.arrayContaining(
          SECTIONS.filter((section) => !delegated.includes(section)).map((section) => ({
            section,
            reason: carerSections.includes(section) ? 'not-delegated' : 'role-not-permitted',
          })),
        ),
      );
      expect(record.access.deniedSections).toHaveLength(SECTIONS.length - delegated.length);
      expect(record.appointments!.items.length + record.medications!.items.length).toBeGreaterThan(0);
      for (const section of SECTIONS.filter((name) => !delegated.includes(name))) expect(record[section]!.items).toEqual([]);
      expect(itemsOf(record).every((item) => delegated.includes(item.section))).toBe(true);
      expect(await onlyAuditRow(answer.requestId)).toMatchObject({
        outcome: 'allowed',
        purpose: 'FAMRQT',
        principal_kind: 'carer',
        hub_role: 'carer',
        subject: `test-resident-${carer}`,
        on_behalf_of: person.nhsNumber,
        person_id: person.personId,
        sections: delegated,
        detail: expect.objectContaining({ basis: 'delegated' }),
      });

      // Acting for the person, asking for someone else.
      const other = await graphql(carerToken, RECORD, { personId: people.residentB.personId }, actingFor);
      expect(other.data?.record ?? null).toBeNull();
      expect(other.errors![0]!.extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'not-delegated' });
      expect(other.text).not.toContain(people.residentB.nhsNumber);
      expect(await onlyAuditRow(other.requestId)).toMatchObject({
        outcome: 'denied',
        outcome_reason: 'not-delegated',
        on_behalf_of: person.nhsNumber,
        person_id: people.residentB.personId,
      });

      // Someone the person never delegated to.
      const stranger = nhsNumber();
      const refused = await graphql(await residentToken(stranger), RECORD, { personId: person.personId }, actingFor);
      expect(refused.data?.record ?? null).toBeNull();
      expect(refused.errors![0]!.extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'not-delegated' });
      expect(refused.text).not.toContain(person.personId);
      expect(await onlyAuditRow(refused.requestId)).toMatchObject({
        outcome: 'denied',
        outcome_reason: 'not-delegated',
        subject: `test-resident-${stranger}`,
        nhs_number: person.nhsNumber,
        sources: [],
      });
    });
  });

  describe('filtering on a section the caller may not see', () => {
    it('answers an admin clerk the same for a person with results and one without', async () => {
      const { withObservations: has, noObservations: none } = people;
      expect(has.practice).toBe(none.practice);
      const token = await staffToken('admin-clerk', has.practice);
      const strip = (answer: Answer) => ({ status: answer.status, data: answer.data, errors: answer.errors });

      for (const [query, variables, queryKind] of [
        [RECORD, { sections: ['observations'] }, 'Query.record'],
        [TIMELINE, { types: ['observations'] }, 'Query.timeline'],
      ] as const) {
        const withResults = await graphql(token, query, { personId: has.personId, ...variables });
        const withoutResults = await graphql(token, query, { personId: none.personId, ...variables });
        expect(withResults.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'role-not-permitted' });
        expect(strip(withResults)).toEqual(strip(withoutResults));
        for (const [answer, person] of [
          [withResults, has],
          [withoutResults, none],
        ] as const)
          expect(await onlyAuditRow(answer.requestId)).toMatchObject({
            outcome: 'denied',
            outcome_reason: 'role-not-permitted',
            purpose: 'PATADMIN',
            hub_role: 'admin-clerk',
            person_id: person.personId,
            // Asked for, refused: what the row names.
            sections: decidedOn(['observations']),
            sources: [],
            query_kind: queryKind,
          });
      }

      // Asking for results alongside appointments counts appointments only.
      const both = await graphql(token, TIMELINE, { personId: has.personId, types: ['observations', 'appointments'], first: 100 });
      const appointments = await graphql(token, TIMELINE, { personId: has.personId, types: ['appointments'], first: 100 });
      expect(both.errors).toBeUndefined();
      expect(appointments.errors).toBeUndefined();
      expect(both.data!.timeline.totalCount).toBe(appointments.data!.timeline.totalCount);
      const sectionsShown = (both.data!.timeline.edges as Array<{ node: { section: string } }>).map((edge) => edge.node.section);
      expect(sectionsShown.every((section) => section === 'appointments')).toBe(true);
      expect(await onlyAuditRow(both.requestId)).toMatchObject({ outcome: 'allowed', sections: decidedOn(['appointments']) });
    });
  });

  describe('the audit trail as a whole', () => {
    it('writes exactly one row for each of N concurrent reads, allowed or denied, and no other', async () => {
      const { residentA: a, residentB: b, breakGlass, withObservations } = people;
      const unrelated = await unrelatedPractice(breakGlass);
      const reads: Array<{ token: string; person: WorldPerson; allowed: boolean; sections?: string[] }> = [];
      for (let round = 0; round < 3; round += 1) {
        reads.push(
          { token: await residentToken(a.nhsNumber), person: a, allowed: true, sections: ['allergies', 'appointments'] },
          { token: await residentToken(a.nhsNumber), person: b, allowed: false },
          { token: await clinicianToken(withObservations.practice), person: withObservations, allowed: true, sections: ['conditions'] },
          { token: await staffToken('clinician', unrelated), person: breakGlass, allowed: false },
        );
      }
      const persons = [...new Set(reads.map((read) => read.person.personId))];
      const [{ last }] = (await dataSource.query(`SELECT coalesce(max(id), 0)::text AS last FROM audit_event`)) as [{ last: string }];

      const answers = await Promise.all(
        reads.map((read) =>
          graphql(read.token, RECORD, { personId: read.person.personId, ...(read.sections ? { sections: read.sections } : {}) }),
        ),
      );
      answers.forEach((answer, index) =>
        expect({ index, refused: answer.errors !== undefined }).toEqual({ index, refused: !reads[index]!.allowed }),
      );
      expect(new Set(answers.map((answer) => answer.requestId)).size).toBe(reads.length);

      const rows = await dataSource.query<AuditRow[]>(
        `SELECT ${AUDIT_COLUMNS} FROM audit_event WHERE id > $1 AND person_id = ANY($2::uuid[]) ORDER BY id`,
        [last, persons],
      );
      expect(rows).toHaveLength(reads.length);
      answers.forEach((answer, index) => {
        const mine = rows.filter((row) => row.request_id === answer.requestId);
        expect(mine).toHaveLength(1);
        expect(mine[0]).toMatchObject({ person_id: reads[index]!.person.personId, outcome: reads[index]!.allowed ? 'allowed' : 'denied' });
      });
    });
  });
});
