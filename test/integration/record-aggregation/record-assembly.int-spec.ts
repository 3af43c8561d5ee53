import { Hl7Listener } from '../../../src/modules/source-connectors/hl7/hl7-listener.js';
import { clinicianToken } from '../../setup/test-issuer.js';
import { eventually } from '../../setup/test-hub.js';
import { adtMessage, MllpTestClient, readAck } from '../source-connectors/mllp-test-client.js';
import { type RecordWorld, SECTION_FIELDS, type SectionView, startRecordWorld, type WorldPerson } from './record-world.js';

// The record view against the sandbox's systems (issue 7): every linked source asked for every
// section at once, the answer by the deadline whatever a source does, one item per thing however
// many sources hold it, disagreements shown, and the short-lived cache dropped when a feed says
// the patient changed. The person's GP clinician reads, so the policy allows the whole record.

const RECORD = `query Record($personId: ID!, $sections: [RecordSection!], $deadlineMs: Int) {
  record(personId: $personId, sections: $sections, deadlineMs: $deadlineMs) {
    personId elapsedMs
    access { basis outcome allowedSections deniedSections { section reason } }
    allergies { ${SECTION_FIELDS} } medications { ${SECTION_FIELDS} } conditions { ${SECTION_FIELDS} }
    observations { ${SECTION_FIELDS} } encounters { ${SECTION_FIELDS} } appointments { ${SECTION_FIELDS} }
    carePlans { ${SECTION_FIELDS} }
    demographicConflicts { kind section description positions { sourceId organisationCode says } }
  }
}`;

type RecordView = {
  record: {
    personId: string;
    elapsedMs: number;
    access: { basis: string; outcome: string; allowedSections: string[] };
    demographicConflicts: Array<{ kind: string; description: string; positions: Array<{ organisationCode: string; says: string }> }>;
  } & Record<string, SectionView | null>;
};

/** Every Coding anywhere in a resource. */
function codingsIn(value: unknown, into: Array<{ system?: string; code?: string; display?: string }> = []) {
  if (Array.isArray(value)) for (const element of value) codingsIn(element, into);
  else if (value && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    if (Array.isArray(record.coding)) into.push(...(record.coding as typeof into));
    for (const [key, child] of Object.entries(record)) if (key !== 'coding') codingsIn(child, into);
  }
  return into;
}

describe('assembling a person’s record from the sandbox’s sources', () => {
  let world: RecordWorld;
  let people: { plain: WorldPerson[]; sharedAllergy: WorldPerson; swappedBirthDate: WorldPerson; mentalHealth: WorldPerson };

  beforeAll(async () => {
    world = await startRecordWorld({
      name: 'record-assembly',
      choose: [
        // Known to their GP and the hospital only, so every other source's status is not-linked.
        { systems: ['gp', 'acute'], count: 6, where: ({ records }) => !records['mental-health'] && !records['social-care'] },
        {
          systems: ['gp', 'acute'],
          count: 1,
          // The hospital keeps its own copy of most GP drug allergies: a person whose allergy both hold.
          where: ({ truthId }, sandbox) =>
            (sandbox.context.histories.forSystem(truthId, 'gp')?.allergies.length ?? 0) > 0 &&
            (sandbox.context.histories.forSystem(truthId, 'acute')?.allergies.length ?? 0) > 0,
        },
        { systems: ['gp', 'acute'], count: 1, where: ({ records }) => records.acute!.errors.includes('dob-day-month-swap') },
        { systems: ['gp', 'mental-health'], count: 1 },
      ],
      population: 3_000,
      hub: {
        RECORD_CACHE_TTL_S: '300',
        SOURCE_RETRIES: '0',
        SOURCE_FAILURE_THRESHOLD: '3',
        SOURCE_CIRCUIT_COOLDOWN_MS: '1500',
      },
    });
    const [a, b, c, d, e, f, sharedAllergy, swappedBirthDate, mentalHealth] = world.people;
    people = {
      plain: [a!, b!, c!, d!, e!, f!],
      sharedAllergy: sharedAllergy!,
      swappedBirthDate: swappedBirthDate!,
      mentalHealth: mentalHealth!,
    };
  }, 180_000);
  afterAll(async () => {
    await world?.setFault('acute', null).catch(() => undefined);
    await world?.stop();
  });

  const read = async (person: WorldPerson, variables: Record<string, unknown> = {}) => {
    const answer = await world.graphql<RecordView>(await clinicianToken(person.practice), RECORD, {
      personId: person.personId,
      ...variables,
    });
    expect(answer.errors).toBeUndefined();
    return answer.data!.record;
  };
  const statusOf = (section: SectionView, kind: string) => section.sources.find((source) => source.kind === kind);

  it('asks every linked source for every section, and says how each answered', async () => {
    const person = people.plain[0]!;
    const record = await read(person);
    expect(record.access).toMatchObject({ basis: 'relationship', outcome: 'allowed' });
    for (const section of ['allergies', 'medications', 'conditions', 'observations', 'encounters', 'appointments', 'carePlans']) {
      const view = record[section]!;
      expect(view).not.toBeNull();
      for (const status of view.sources) {
        // The person's own practice and the hospital answered, and the hub's shared care plans (kept
        // for everyone by NHS number); the other holders do not know them.
        const linked = status.organisationCode === person.practice || status.kind === 'acute' || status.kind === 'shared-care';
        expect({ section, source: status.organisationCode, status: status.status }).toEqual({
          section,
          source: status.organisationCode,
          status: linked ? 'ok' : 'not-linked',
        });
        if (linked) {
          expect(Date.parse(status.fetchedAt!)).toBeGreaterThan(Date.now() - 60_000);
          expect(status.itemCount).toBe(view.items.filter((item) => item.sources.some((s) => s.sourceId === status.sourceId)).length);
        }
      }
    }
    // Every item says where it came from, when it was fetched, live; every coded value has a display.
    const items = Object.values(record).flatMap((value) => (value && typeof value === 'object' && 'items' in value ? value.items : []));
    expect(items.length).toBeGreaterThan(5);
    for (const item of items) {
      expect(item.display.length).toBeGreaterThan(0);
      expect(item.sources.length).toBeGreaterThanOrEqual(1);
      for (const source of item.sources) {
        expect([person.practice, 'R9A']).toContain(source.organisationCode);
        expect(source.freshness).toBe('live');
        expect(Number.isNaN(Date.parse(source.asOf))).toBe(false);
      }
      for (const coding of codingsIn(item.resource)) expect(coding.display?.length ?? 0).toBeGreaterThan(0);
    }
  });

  it('shows an allergy the GP and the hospital both hold once, naming both', async () => {
    const record = await read(people.sharedAllergy, { sections: ['allergies'] });
    const both = record.allergies!.items.filter((item) => {
      const organisations = item.sources.map((source) => source.organisationCode);
      return organisations.includes(people.sharedAllergy.practice) && organisations.includes('R9A');
    });
    expect(both.length).toBeGreaterThan(0);
    // Shown once: no other item of the section is about the same substance.
    const displays = record.allergies!.items.map((item) => item.display.toLowerCase());
    for (const item of both) expect(displays.filter((display) => display === item.display.toLowerCase())).toHaveLength(1);
    expect(record.medications).toBeNull();
  });

  it('shows the linked identities’ disagreement about the date of birth', async () => {
    const record = await read(people.swappedBirthDate, { sections: ['allergies'] });
    const conflict = record.demographicConflicts.find((candidate) => candidate.kind === 'birth-date');
    expect(conflict).toBeDefined();
    const sides = conflict!.positions.map((position) => position.says);
    expect(new Set(sides).size).toBeGreaterThan(1);
    expect(conflict!.positions.map((position) => position.organisationCode)).toEqual(expect.arrayContaining(['R9A']));
  });

  it('answers at the deadline when a source hangs, marking it timeout and keeping the others', async () => {
    const person = people.plain[1]!;
    await world.setFault('acute', { hang: true });
    try {
      const started = Date.now();
      const record = await read(person, { sections: ['encounters', 'conditions'], deadlineMs: 800 });
      const took = Date.now() - started;
      expect(took).toBeGreaterThanOrEqual(780);
      expect(took).toBeLessThan(800 + 1_000);
      for (const section of [record.encounters!, record.conditions!]) {
        expect(statusOf(section, 'acute')).toMatchObject({ status: 'timeout', reason: 'no answer within the deadline', itemCount: 0 });
        expect(section.sources.find((source) => source.organisationCode === person.practice)?.status).toBe('ok');
        expect(section.items.every((item) => item.sources.every((source) => source.kind !== 'acute'))).toBe(true);
      }
    } finally {
      await world.setFault('acute', null);
    }
  });

  it('marks a failing source error with a safe reason, opens its circuit, and closes it once the source recovers', async () => {
    const [first, second, third] = [people.plain[2]!, people.plain[3]!, people.plain[4]!];
    await world.setFault('acute', { errorRate: 1 });
    try {
      const failed = await read(first, { sections: ['conditions'] });
      expect(statusOf(failed.conditions!, 'acute')).toMatchObject({ status: 'error', itemCount: 0 });
      expect(statusOf(failed.conditions!, 'acute')!.reason).toMatch(/^the source answered with an error \(HTTP 5\d\d\)$/);
      // The GP's part still arrives.
      expect(failed.conditions!.sources.find((source) => source.organisationCode === first.practice)?.status).toBe('ok');
      // Three failures in a row (SOURCE_FAILURE_THRESHOLD) open the circuit: calls stop at once.
      await read(second, { sections: ['conditions', 'allergies'] });
      const paused = await read(third, { sections: ['conditions'] });
      expect(statusOf(paused.conditions!, 'acute')).toMatchObject({
        status: 'circuit-open',
        reason: 'calls to this source are paused after repeated failures',
      });
    } finally {
      await world.setFault('acute', null);
    }
    // After the cool-down a probe goes through, succeeds, and the circuit closes.
    await eventually(
      async () =>
        (await read(third, { sections: ['conditions'] })).conditions!.sources.find((s) => s.kind === 'acute')?.status === 'ok'
          ? true
          : undefined,
      10_000,
      'the circuit to close',
    );
  });

  it('serves a section from the short-lived cache, and drops it when an ADT message reports the patient changed', async () => {
    const person = people.plain[5]!;
    const live = await read(person, { sections: ['encounters'] });
    expect(statusOf(live.encounters!, 'acute')).toMatchObject({ status: 'ok', freshness: 'live' });
    const cached = await read(person, { sections: ['encounters'] });
    expect(statusOf(cached.encounters!, 'acute')).toMatchObject({ status: 'ok', freshness: 'cached' });
    expect(statusOf(cached.encounters!, 'acute')!.fetchedAt).toBe(statusOf(live.encounters!, 'acute')!.fetchedAt);
    expect(cached.encounters!.items.flatMap((item) => item.sources).every((source) => source.freshness === 'cached')).toBe(true);

    const client = await MllpTestClient.connect(world.hub.app.get(Hl7Listener).port);
    try {
      const message = adtMessage({ trigger: 'A08', mrn: person.records.acute!.localId, nhsNumber: person.nhsNumber, facility: 'R9A' });
      expect(readAck(await client.send(message)).code).toBe('AA');
    } finally {
      client.close();
    }
    await eventually(
      async () =>
        statusOf((await read(person, { sections: ['encounters'] })).encounters!, 'acute')?.freshness === 'live' ? true : undefined,
      15_000,
      'the cached encounters to be dropped',
    );
    // The GP's entry, which the feed did not touch, is still served from the cache.
    const after = await read(person, { sections: ['encounters'] });
    expect(after.encounters!.sources.find((source) => source.organisationCode === person.practice)?.freshness).toBe('cached');
  });

  it('reads a mental health trust’s record as well, and leaves out sources that do not hold a section', async () => {
    const person = people.mentalHealth;
    const record = await read(person, { sections: ['conditions', 'carePlans'] });
    expect(statusOf(record.conditions!, 'mental-health')?.status).toBe('ok');
    expect(record.conditions!.items.some((item) => item.sources.some((source) => source.kind === 'mental-health'))).toBe(true);
    // Only sources registered as holding the section are listed.
    const holders = world.sources.filter((source) => source.enabled && source.capabilities.sections.includes('carePlans')).map((s) => s.id);
    expect(record.carePlans!.sources.map((source) => source.sourceId).sort()).toEqual(holders.sort());
  });

  it('refuses an unknown section, a deadline out of range and an unknown person with clear errors', async () => {
    const person = people.plain[0]!;
    const token = await clinicianToken(person.practice);
    const badSection = await world.graphql(token, RECORD, { personId: person.personId, sections: ['xrays'] });
    expect(badSection.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const badDeadline = await world.graphql(token, RECORD, { personId: person.personId, deadlineMs: 10_000_000 });
    expect(badDeadline.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
    expect(badDeadline.errors?.[0]?.message).toMatch(/deadlineMs must be a whole number from 1 to \d+/);
    const unknown = await world.graphql(token, RECORD, { personId: '00000000-0000-4000-8000-000000000000' });
    expect(unknown.errors?.[0]).toMatchObject({ message: 'no person with that id', extensions: { code: 'NOT_FOUND' } });
  });

  it('pages a timeline of every dated event across sections, most recent first, with filters', async () => {
    const person = people.sharedAllergy;
    const token = await clinicianToken(person.practice);
    const TIMELINE = `query T($personId: ID!, $first: Int, $after: String, $from: String, $to: String, $types: [RecordSection!]) {
      timeline(personId: $personId, first: $first, after: $after, from: $from, to: $to, types: $types) {
        totalCount pageInfo { hasNextPage endCursor }
        edges { cursor node { itemId section type date display sources { organisationCode } } }
        sources { kind status }
      }
    }`;
    type Timeline = {
      timeline: {
        totalCount: number;
        pageInfo: { hasNextPage: boolean; endCursor: string | null };
        edges: Array<{ cursor: string; node: { itemId: string; section: string; type: string; date: string; display: string } }>;
      };
    };
    const page = async (variables: Record<string, unknown>) => {
      const answer = await world.graphql<Timeline>(token, TIMELINE, { personId: person.personId, ...variables });
      expect(answer.errors).toBeUndefined();
      return answer.data!.timeline;
    };
    const first = await page({ first: 5 });
    expect(first.totalCount).toBeGreaterThan(5);
    expect(first.edges).toHaveLength(5);
    expect(first.pageInfo.hasNextPage).toBe(true);
    const second = await page({ first: 5, after: first.pageInfo.endCursor });
    const all = [...first.edges, ...second.edges].map((edge) => edge.node);
    // Most recent first, and the second page carries on where the first stopped.
    for (let index = 1; index < all.length; index += 1)
      expect(Date.parse(all[index - 1]!.date)).toBeGreaterThanOrEqual(Date.parse(all[index]!.date));
    expect(new Set(all.map((node) => node.itemId)).size).toBe(all.length);
    const encounters = await page({ first: 100, types: ['encounters'] });
    expect(encounters.edges.every((edge) => edge.node.section === 'encounters' && edge.node.type === 'Encounter')).toBe(true);
    const since = all[3]!.date.slice(0, 10);
    const recent = await page({ first: 100, from: since });
    expect(recent.edges.every((edge) => edge.node.date.slice(0, 10) >= since)).toBe(true);
    expect(recent.totalCount).toBeLessThan(first.totalCount);
    const badCursor = await world.graphql(token, TIMELINE, { personId: person.personId, first: 5, after: 'not-a-cursor' });
    expect(badCursor.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const tooMany = await world.graphql(token, TIMELINE, { personId: person.personId, first: 500 });
    expect(tooMany.errors?.[0]).toMatchObject({
      message: 'first must be a whole number from 1 to 100',
      extensions: { code: 'BAD_USER_INPUT' },
    });
  });

  it('reconciles medicines and allergies across sources, with each source’s status', async () => {
    const person = people.sharedAllergy;
    const answer = await world.graphql<{
      reconciliation: {
        items: Array<{
          kind: string;
          agreed: boolean;
          item: { display: string };
          perSource: Array<{ organisationCode: string; status: string }>;
        }>;
        sources: Array<{ kind: string; status: string }>;
      };
    }>(
      await clinicianToken(person.practice),
      `query R($personId: ID!) { reconciliation(personId: $personId) {
        items { kind agreed item { display } perSource { organisationCode status } } sources { kind status } } }`,
      { personId: person.personId },
    );
    expect(answer.errors).toBeUndefined();
    const { items } = answer.data!.reconciliation;
    const allergy = items.find(
      (entry) =>
        entry.kind === 'allergy' &&
        entry.perSource.some((position) => position.organisationCode === 'R9A' && position.status !== 'not-recorded') &&
        entry.perSource.some((position) => position.organisationCode === person.practice && position.status !== 'not-recorded'),
    );
    expect(allergy).toBeDefined();
    // Both answering sources are listed for every item; one that does not hold it says not-recorded.
    for (const entry of items) {
      expect(entry.perSource.map((position) => position.organisationCode)).toEqual(expect.arrayContaining([person.practice, 'R9A']));
      const statuses = new Set(entry.perSource.map((position) => position.status));
      expect(entry.agreed).toBe(statuses.size === 1 && !statuses.has('not-recorded'));
    }
    // Disagreements first.
    const firstAgreed = items.findIndex((entry) => entry.agreed);
    if (firstAgreed >= 0) expect(items.slice(firstAgreed).every((entry) => entry.agreed)).toBe(true);
  });
});
