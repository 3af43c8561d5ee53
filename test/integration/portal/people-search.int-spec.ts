import { DataSource } from 'typeorm';

import { clinicianToken, residentToken } from '../../setup/test-issuer.js';
import { type RecordWorld, startRecordWorld } from '../record-aggregation/record-world.js';

// Finding a person (issue 8, searchPeople): by NHS number or by misspelt, partial demographics,
// through the identity index; only people the caller may see come back with demographics, and
// every search is audited by the names of its criteria, never their values.

const SEARCH = `query S($input: PeopleSearchInput!, $limit: Int) {
  searchPeople(input: $input, limit: $limit) {
    personId probability access demographics { nhsNumbers family given birthDate gender postcode }
  }
}`;

type Hit = {
  personId: string;
  probability: number;
  access: string;
  demographics: { nhsNumbers: string[]; family: string | null; given: string[]; birthDate: string | null } | null;
};

describe('searching for a person', () => {
  let world: RecordWorld;

  beforeAll(async () => {
    world = await startRecordWorld({
      name: 'people-search',
      population: 800,
      choose: [{ systems: ['gp', 'acute'], count: 4 }],
    });
  }, 180_000);
  afterAll(() => world?.stop());

  const search = async (token: string, input: Record<string, unknown>, limit?: number) =>
    world.graphql<{ searchPeople: Hit[] }>(token, SEARCH, { input, ...(limit ? { limit } : {}) });
  const auditRows = (requestId: string) =>
    world.hub.app
      .get(DataSource)
      .query<
        Array<{ action: string; outcome: string; outcome_reason: string | null; person_id: string | null; detail: Record<string, unknown> }>
      >('SELECT action, outcome, outcome_reason, person_id, detail FROM audit_event WHERE request_id = $1 ORDER BY id', [requestId]);

  it('finds a person by NHS number, with the demographics their GP may see, audited as a search', async () => {
    const person = world.people[0]!;
    const answer = await search(await clinicianToken(person.practice), { nhsNumber: person.nhsNumber });
    expect(answer.errors).toBeUndefined();
    expect(answer.data!.searchPeople).toEqual([
      {
        personId: person.personId,
        probability: 1,
        access: 'allowed',
        demographics: expect.objectContaining({ nhsNumbers: [person.nhsNumber], birthDate: person.records.gp!.birthDate }),
      },
    ]);
    const rows = await auditRows(answer.requestId);
    expect(rows).toEqual([
      {
        action: 'search',
        outcome: 'allowed',
        outcome_reason: null,
        person_id: person.personId,
        detail: expect.objectContaining({ criteria: ['nhsNumber'], personsFound: 1 }),
      },
    ]);
    expect(JSON.stringify(rows)).not.toContain(person.records.gp!.family);
  });

  it('finds a person by a misspelt family name and their date of birth, most likely first', async () => {
    const person = world.people[1]!;
    const gp = person.records.gp!;
    // One keyboard slip in the family name.
    const misspelt = gp.family.length > 3 ? `${gp.family.slice(0, -2)}${gp.family.at(-1)}${gp.family.at(-2)}` : gp.family;
    const answer = await search(await clinicianToken(person.practice), { family: misspelt, birthDate: gp.birthDate, given: gp.given });
    expect(answer.errors).toBeUndefined();
    const hits = answer.data!.searchPeople;
    expect(hits[0]).toMatchObject({ personId: person.personId, access: 'allowed' });
    expect(hits[0]!.probability).toBeGreaterThanOrEqual(0.5);
    for (let index = 1; index < hits.length; index += 1)
      expect(hits[index - 1]!.probability).toBeGreaterThanOrEqual(hits[index]!.probability);
  });

  it('shows a professional without a relationship only the id and why, so they can break glass', async () => {
    const person = world.people[2]!;
    const otherPractice = person.practice === 'F83001' ? 'F83002' : 'F83001';
    const answer = await search(await clinicianToken(otherPractice), { nhsNumber: person.nhsNumber });
    expect(answer.data!.searchPeople).toEqual([
      { personId: person.personId, probability: 1, access: 'no-relationship', demographics: null },
    ]);
    expect(await auditRows(answer.requestId)).toEqual([
      expect.objectContaining({ action: 'search', outcome: 'denied', outcome_reason: 'no-relationship', person_id: person.personId }),
    ]);
  });

  it('tells a resident of nobody but themself, while the attempt on someone else is audited', async () => {
    const [me, other] = [world.people[0]!, world.people[3]!];
    const token = await residentToken(me.nhsNumber);
    const mine = await search(token, { nhsNumber: me.nhsNumber });
    expect(mine.data!.searchPeople).toEqual([expect.objectContaining({ personId: me.personId, access: 'allowed' })]);
    const theirs = await search(token, { nhsNumber: other.nhsNumber });
    expect(theirs.data!.searchPeople).toEqual([]);
    expect(JSON.stringify(theirs)).not.toContain(other.personId);
    expect(await auditRows(theirs.requestId)).toEqual([
      expect.objectContaining({ action: 'search', outcome: 'denied', outcome_reason: 'not-own-record', person_id: other.personId }),
    ]);
  });

  it('audits a search that found nobody, and refuses a trawl with a clear error', async () => {
    const token = await clinicianToken(world.people[0]!.practice);
    const nobody = await search(token, { nhsNumber: '9999999999' });
    expect(nobody.data!.searchPeople).toEqual([]);
    expect(await auditRows(nobody.requestId)).toEqual([
      expect.objectContaining({ action: 'search', person_id: null, detail: expect.objectContaining({ personsFound: 0 }) }),
    ]);
    const trawl = await search(token, { family: 'Smith' });
    expect(trawl.errors?.[0]).toMatchObject({
      message: 'search by nhsNumber, or by family with birthDate, or by family, given and postcode',
      extensions: { code: 'BAD_USER_INPUT' },
    });
    const badLimit = await search(token, { nhsNumber: world.people[0]!.nhsNumber }, 500);
    expect(badLimit.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});
