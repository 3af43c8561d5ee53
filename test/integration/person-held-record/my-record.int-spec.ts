import { randomUUID } from 'node:crypto';

import { clinicianToken, residentToken, testIssuer } from '../../setup/test-issuer.js';
import { r4Errors } from '../../setup/r4-validation.js';
import { type RecordWorld, startRecordWorld, type WorldPerson } from '../record-aggregation/record-world.js';

// The resident's own view (issue 9): `me`, their sharing choices, who has looked at their record
// (in real time, with names, roles, organisations and reasons), emergency access to it, and the
// export, against the sandbox's systems through GraphQL.

const COUNCIL = 'E09000019';

const ME = `query Me { me { id nhsNumbers demographics { current { nhsNumbers } } record(sections: [appointments, conditions]) {
  access { basis deniedSections { section reason } } appointments { items { display date } } conditions { items { display } } } } }`;
const ACCESS_LOG = `query Log($first: Int, $after: String, $includeOwn: Boolean) {
  myAccessLog(first: $first, after: $after, includeOwn: $includeOwn) {
    entries { id at action outcome refusedBecause sections basis statedReason relationship { kind organisationCode }
      who { kind name role organisationCode organisationName } }
    hasMore endCursor } }`;
const GP_VIEW = `query View($id: ID!) { person(id: $id) { record(sections: [allergies, medications]) { access { basis } } } }`;
const CONSENT = `query { myConsent { optedOut refusesBreakGlass version hiddenSections { organisationKind sections } breakGlassWarning } }`;
const UPDATE_CONSENT = `mutation Change($change: ConsentChangeInput!, $version: Int) {
  updateMyConsent(change: $change, expectedVersion: $version) { optedOut refusesBreakGlass version hiddenSections { organisationKind sections } } }`;

type LogEntry = {
  id: string;
  at: string;
  outcome: string;
  sections: string[];
  basis: string | null;
  statedReason: string | null;
  relationship: { kind: string; organisationCode: string | null } | null;
  who: { kind: string; name: string | null; role: string | null; organisationCode: string | null; organisationName: string | null };
};

describe("the resident's own view of their record", () => {
  let world: RecordWorld;
  let anne: WorldPerson;
  let ben: WorldPerson;
  let carol: WorldPerson;
  let dan: WorldPerson;

  beforeAll(async () => {
    world = await startRecordWorld({
      name: 'my-record',
      population: 3_000,
      choose: [
        { systems: ['gp', 'acute'], count: 2 },
        // Known to the council: a social worker there has a relationship.
        {
          systems: ['gp', 'social-care'],
          count: 1,
          where: ({ truthId }, sandbox) => (sandbox.context.histories.forSystem(truthId, 'gp')?.conditions.length ?? 0) > 0,
        },
        // Type 2 diabetes in their GP record: the advice library has an entry for it.
        {
          systems: ['gp'],
          count: 1,
          where: ({ truthId }, sandbox) =>
            (sandbox.context.histories.forSystem(truthId, 'gp')?.conditions ?? []).some((condition) => condition.code.code === '44054006'),
        },
      ],
      hub: { RECORD_DEADLINE_MS: '2000', SOURCE_RETRIES: '0' },
    });
    [anne, ben, carol, dan] = world.people as [WorldPerson, WorldPerson, WorldPerson, WorldPerson];
  }, 180_000);
  afterAll(() => world?.stop());

  const log = async (person: WorldPerson, variables: Record<string, unknown> = {}) => {
    const answer = await world.graphql<{ myAccessLog: { entries: LogEntry[]; hasMore: boolean; endCursor: string | null } }>(
      await residentToken(person.nhsNumber, 'P9'),
      ACCESS_LOG,
      variables,
    );
    expect(answer.errors).toBeUndefined();
    return answer.data!.myAccessLog;
  };
  const socialWorker = () =>
    testIssuer().sign({
      kind: 'staff',
      sub: `test-social-worker-${randomUUID().slice(0, 8)}`,
      name: 'Sol Social',
      roles: ['social-worker'],
      organisation: { code: COUNCIL, name: 'The council' },
    });

  it('`me` is the signed-in resident, with their record as a resident may see it', async () => {
    const answer = await world.graphql<{
      me: { id: string; nhsNumbers: string[]; demographics: { current: { nhsNumbers: string[] } }; record: { access: { basis: string } } };
    }>(await residentToken(anne.nhsNumber, 'P9'), ME);
    expect(answer.errors).toBeUndefined();
    expect(answer.data!.me).toMatchObject({
      id: anne.personId,
      nhsNumbers: [anne.nhsNumber],
      demographics: { current: { nhsNumbers: [anne.nhsNumber] } },
      record: { access: { basis: 'own-record' } },
    });
  });

  it('at P5 a resident sees their appointments but not their conditions; someone the hub has never heard of is told so', async () => {
    const p5 = await world.graphql<{
      me: { record: { access: { deniedSections: Array<{ section: string; reason: string }> }; conditions: { items: unknown[] } } };
    }>(await residentToken(anne.nhsNumber, 'P5'), ME);
    expect(p5.errors).toBeUndefined();
    expect(p5.data!.me.record.access.deniedSections).toContainEqual({ section: 'conditions', reason: 'insufficient-proofing' });
    expect(p5.data!.me.record.conditions).toEqual({ items: [] });

    const stranger = await world.graphql(await residentToken('9990000018', 'P9'), ME);
    expect(stranger.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });

  it("shows a GP's view in the access log at once, with name, role, organisation and relationship; the resident's own views only when asked", async () => {
    const before = Date.now();
    const view = await world.graphql(await clinicianToken(anne.practice), GP_VIEW, { id: anne.personId });
    expect(view.errors).toBeUndefined();
    // The resident looks at their own record too: left out of the log by default.
    await world.graphql(await residentToken(anne.nhsNumber, 'P9'), ME);

    const entries = (await log(anne)).entries;
    const gpEntry = entries.find((entry) => entry.who.kind === 'professional');
    expect(gpEntry).toMatchObject({
      outcome: 'allowed',
      basis: 'relationship',
      relationship: { kind: 'gp-registration', organisationCode: anne.practice },
      who: { name: 'Cleo Clinician', role: 'clinician', organisationCode: anne.practice },
    });
    expect([...gpEntry!.sections].sort()).toEqual(['allergies', 'medications']);
    expect(Date.parse(gpEntry!.at)).toBeGreaterThanOrEqual(before - 1_000);
    expect(entries.some((entry) => entry.who.kind === 'resident')).toBe(false);
    expect((await log(anne, { includeOwn: true })).entries.some((entry) => entry.who.kind === 'resident')).toBe(true);
  });

  it('tells the resident of emergency access with the reason given, in the log and as an alert', async () => {
    const doctor = await clinicianToken('R9A');
    const reason = 'Collapsed in the emergency department, unable to give a history';
    const glass = await world.graphql(
      doctor,
      'mutation G($id: ID!, $reason: String!) { breakGlass(personId: $id, reason: $reason) { kind } }',
      {
        id: ben.personId,
        reason,
      },
    );
    expect(glass.errors).toBeUndefined();
    expect((await world.graphql(doctor, GP_VIEW, { id: ben.personId })).errors).toBeUndefined();

    const entry = (await log(ben)).entries.find((candidate) => candidate.outcome === 'break-glass');
    expect(entry).toMatchObject({ basis: 'break-glass', statedReason: reason, who: { organisationCode: 'R9A', role: 'clinician' } });
    const alerts = await world.graphql<{
      myBreakGlassAlerts: Array<{ reason: string; who: { organisationCode: string }; reviewed: boolean }>;
    }>(await residentToken(ben.nhsNumber, 'P9'), '{ myBreakGlassAlerts { reason reviewed who { organisationCode } } }');
    expect(alerts.data!.myBreakGlassAlerts).toEqual([{ reason, reviewed: false, who: { organisationCode: 'R9A' } }]);
    // Nobody else's alerts, and nothing of them, reach another resident.
    const others = await world.graphql<{ myBreakGlassAlerts: unknown[] }>(
      await residentToken(anne.nhsNumber, 'P9'),
      '{ myBreakGlassAlerts { reason } }',
    );
    expect(others.data!.myBreakGlassAlerts).toEqual([]);
  });

  it('pages the log newest first, and keeps it from a P5 sign-in and from a professional', async () => {
    const gp = await clinicianToken(anne.practice);
    for (let n = 0; n < 3; n += 1) await world.graphql(gp, GP_VIEW, { id: anne.personId });
    const first = await log(anne, { first: 2 });
    expect(first.entries).toHaveLength(2);
    expect(first.hasMore).toBe(true);
    const second = await log(anne, { first: 2, after: first.endCursor });
    expect(Number(second.entries[0]!.id)).toBeLessThan(Number(first.entries[1]!.id));

    const p5 = await world.graphql(await residentToken(anne.nhsNumber, 'P5'), ACCESS_LOG, {});
    expect(p5.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'insufficient-proofing' });
    const professional = await world.graphql(gp, ACCESS_LOG, {});
    expect(professional.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('hiding conditions from social care hides them from a social worker, and not from the GP', async () => {
    const worker = await socialWorker();
    const conditionsQuery = `query C($id: ID!) { record(personId: $id, sections: [conditions]) { conditions { items { display } sources { organisationCode status reason } } } }`;
    type Conditions = { record: { conditions: { items: unknown[]; sources: Array<{ organisationCode: string; status: string }> } } };
    const seenBefore = await world.graphql<Conditions>(worker, conditionsQuery, { id: carol.personId });
    expect(seenBefore.errors).toBeUndefined();
    expect(seenBefore.data!.record.conditions.items.length).toBeGreaterThan(0);

    const resident = await residentToken(carol.nhsNumber, 'P9');
    const defaults = await world.graphql<{ myConsent: { version: number; breakGlassWarning: string } }>(resident, CONSENT);
    expect(defaults.data!.myConsent).toMatchObject({ version: 0, breakGlassWarning: expect.stringContaining('emergency') });
    const changed = await world.graphql<{ updateMyConsent: { version: number; hiddenSections: unknown[] } }>(resident, UPDATE_CONSENT, {
      change: { hiddenSections: [{ organisationKind: 'social-care', sections: ['conditions'] }] },
      version: 0,
    });
    expect(changed.errors).toBeUndefined();
    expect(changed.data!.updateMyConsent).toEqual({
      optedOut: false,
      refusesBreakGlass: false,
      version: 1,
      hiddenSections: [{ organisationKind: 'social-care', sections: ['conditions'] }],
    });

    const seenAfter = await world.graphql<Conditions>(worker, conditionsQuery, { id: carol.personId });
    const hidden = seenAfter.data?.record?.conditions ?? null;
    // Hidden: the section is refused, or every source withheld with nothing shown.
    if (hidden) {
      expect(hidden.items).toEqual([]);
      expect(hidden.sources.every((source) => source.status === 'withheld')).toBe(true);
    } else expect(seenAfter.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const gp = await world.graphql<Conditions>(await clinicianToken(carol.practice), conditionsQuery, { id: carol.personId });
    expect(gp.data!.record.conditions.items.length).toBeGreaterThan(0);

    // A stale version is refused, naming the current one.
    const stale = await world.graphql(resident, UPDATE_CONSENT, { change: { optedOut: true }, version: 0 });
    expect(stale.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'version-conflict' });
  });

  it('refuses emergency access only once the person has read what it means', async () => {
    const resident = await residentToken(ben.nhsNumber, 'P9');
    const unread = await world.graphql(resident, UPDATE_CONSENT, { change: { refusesBreakGlass: true } });
    expect(unread.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'break-glass-warning-not-read' });
    expect(unread.errors?.[0]?.message).toContain('emergency');
    const read = await world.graphql<{ updateMyConsent: { refusesBreakGlass: boolean } }>(resident, UPDATE_CONSENT, {
      change: { refusesBreakGlass: true, breakGlassWarningRead: true },
    });
    expect(read.data!.updateMyConsent.refusesBreakGlass).toBe(true);

    // Someone else cannot set them: consent is the person's own, at P9.
    const p5 = await world.graphql(await residentToken(ben.nhsNumber, 'P5'), UPDATE_CONSENT, { change: { optedOut: true } });
    expect(p5.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'insufficient-proofing' });
    const gp = await world.graphql(await clinicianToken(ben.practice), UPDATE_CONSENT, { change: { optedOut: true } });
    expect(gp.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('exports everything the resident may see as a valid FHIR R4 Bundle, with provenance', async () => {
    const answer = await world.graphql<{ exportMyRecord: fhir4.Bundle }>(await residentToken(anne.nhsNumber, 'P9'), '{ exportMyRecord }');
    expect(answer.errors).toBeUndefined();
    const bundle = answer.data!.exportMyRecord;
    expect(bundle).toMatchObject({ resourceType: 'Bundle', type: 'collection' });
    expect(r4Errors(bundle as never)).toEqual([]);
    const types = (bundle.entry ?? []).map((entry) => entry.resource?.resourceType);
    expect(types[0]).toBe('Patient');
    expect(types).toContain('Provenance');
    expect(JSON.stringify(bundle)).not.toContain(ben.nhsNumber);
  });

  it('chooses advice by the coded conditions in the record: diabetes advice for a person with type 2 diabetes, general advice for everyone', async () => {
    const query = '{ myAdvice { id title forEveryone paragraphs } }';
    type Advice = { myAdvice: Array<{ id: string; title: string; forEveryone: boolean; paragraphs: string[] }> };
    const diabetic = await world.graphql<Advice>(await residentToken(dan.nhsNumber, 'P9'), query);
    expect(diabetic.errors).toBeUndefined();
    const specific = diabetic.data!.myAdvice.filter((entry) => !entry.forEveryone);
    expect(specific.map((entry) => entry.title.toLowerCase()).join(' ')).toContain('diabetes');
    expect(diabetic.data!.myAdvice.some((entry) => entry.forEveryone)).toBe(true);
    // Condition advice first, then general.
    const firstGeneral = diabetic.data!.myAdvice.findIndex((entry) => entry.forEveryone);
    expect(diabetic.data!.myAdvice.slice(firstGeneral).every((entry) => entry.forEveryone)).toBe(true);

    // Someone without diabetes in any record gets no diabetes advice.
    const hasDiabetes = (person: WorldPerson) =>
      (['gp', 'acute'] as const).some((system) =>
        (world.sandbox.context.histories.forSystem(person.truthId, system)?.conditions ?? []).some((condition) =>
          ['44054006', '237599002'].includes(condition.code.code),
        ),
      );
    const withoutDiabetes = [anne, ben].find((person) => !hasDiabetes(person));
    if (!withoutDiabetes) throw new Error('the world has nobody without diabetes to compare with');
    const other = await world.graphql<Advice>(await residentToken(withoutDiabetes.nhsNumber, 'P9'), query);
    expect(other.errors).toBeUndefined();
    const diabetesIds = new Set(specific.filter((entry) => /diabetes/i.test(entry.title)).map((entry) => entry.id));
    expect(other.data!.myAdvice.filter((entry) => diabetesIds.has(entry.id))).toEqual([]);
  });
});
