import type { Principal } from '../governance/index.js';
import type { PersonRecord } from '../identity-matching/index.js';
import { type LookupSources, RecordLookups } from './record-lookups.js';

const doctor: Principal = { kind: 'professional', subject: 'doctor', issuer: 'test', roles: ['clinician'], roleCodes: ['R8000'] };
const person = (id: string): PersonRecord => ({ id, state: 'active', mergedInto: null, createdAt: new Date(0), links: [], nhsNumbers: [] });

/** Sources that answer from memory and count what they were asked, call by call. */
function countingSources() {
  const calls = { persons: [] as string[][], consents: [] as string[][], evidence: [] as string[], grants: [] as string[] };
  const sources: LookupSources = {
    persons: async (ids) => {
      calls.persons.push([...ids]);
      return new Map(ids.filter((id) => id !== 'nobody').map((id) => [id, person(id)]));
    },
    consents: async (numbers) => {
      calls.consents.push([...numbers]);
      return numbers.map((number) => ({ optedOut: number === '9000000009', hiddenSections: [], refusesBreakGlass: false }));
    },
    evidence: async (personId) => {
      calls.evidence.push(personId);
      return [];
    },
    grants: async (_principal, personId) => {
      calls.grants.push(personId);
      return {};
    },
  };
  return { calls, sources };
}

describe('RecordLookups: the identity and policy look-ups of one request', () => {
  it('reads the persons a request names in one batch, each once, in the order asked', async () => {
    const { calls, sources } = countingSources();
    const lookups = new RecordLookups(sources, doctor, new Date());
    const found = await Promise.all(['a', 'b', 'a', 'nobody', 'c'].map((id) => lookups.person(id)));
    expect(found.map((record) => record?.id ?? null)).toEqual(['a', 'b', 'a', null, 'c']);
    expect(calls.persons).toEqual([['a', 'b', 'nobody', 'c']]);
    // Asked again later in the same request: answered without asking the index again.
    expect((await lookups.person('b'))?.id).toBe('b');
    expect(calls.persons).toHaveLength(1);
  });

  it('reads consent for several people in one batch, each person getting their own', async () => {
    const { calls, sources } = countingSources();
    const lookups = new RecordLookups(sources, doctor, new Date());
    const [opted, shared] = await Promise.all([lookups.consent('9000000009'), lookups.consent('9434765919')]);
    expect(opted.optedOut).toBe(true);
    expect(shared.optedOut).toBe(false);
    expect(calls.consents).toEqual([['9000000009', '9434765919']]);
  });

  it('reads evidence and grants once a person however many fields ask', async () => {
    const { calls, sources } = countingSources();
    const lookups = new RecordLookups(sources, doctor, new Date());
    await Promise.all([lookups.evidence('a'), lookups.evidence('a'), lookups.grants('a'), lookups.grants('a'), lookups.evidence('b')]);
    expect(calls.evidence).toEqual(['a', 'b']);
    expect(calls.grants).toEqual(['a']);
  });

  it("answers only for the request's own principal, and a new request looks up afresh", async () => {
    const { calls, sources } = countingSources();
    const first = new RecordLookups(sources, doctor, new Date());
    expect(first.serves(doctor)).toBe(true);
    expect(first.serves({ ...doctor })).toBe(false);
    await first.person('a');
    await new RecordLookups(sources, doctor, new Date()).person('a');
    expect(calls.persons).toEqual([['a'], ['a']]);
  });
});
