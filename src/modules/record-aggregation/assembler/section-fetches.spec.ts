import type { R4Resource } from '../../../fhir/index.js';
import { SectionFetches, type SectionKey } from './section-fetches.js';

const key = (localId = 'MRN1', section: SectionKey['section'] = 'allergies'): SectionKey => ({
  sourceId: 'source-a',
  organisationCode: 'R9A',
  localId,
  section,
});
const allergy = (id: string): R4Resource => ({ resourceType: 'AllergyIntolerance', id }) as R4Resource;

/** A fetch the test resolves by hand, counting calls. */
function controlledFetch() {
  const calls: Array<(resources: R4Resource[]) => void> = [];
  const fetch = () => new Promise<readonly R4Resource[]>((resolve) => calls.push(resolve));
  return { fetch, calls };
}

describe('SectionFetches', () => {
  let clock = 1_000_000;
  const now = () => clock;
  beforeEach(() => {
    clock = 1_000_000;
  });

  it('makes identical concurrent calls once, even with the cache off', async () => {
    const fetches = new SectionFetches({ ttlMs: 0, maxEntries: 10, now });
    const { fetch, calls } = controlledFetch();
    const first = fetches.get(key(), 'person-1', fetch);
    const second = fetches.get(key(), 'person-2', fetch);
    expect(calls).toHaveLength(1);
    calls[0]!([allergy('a1')]);
    const [a, b] = await Promise.all([first, second]);
    expect(a.resources).toEqual([allergy('a1')]);
    expect(b.resources).toBe(a.resources);
    expect(a.freshness).toBe('live');
    // Off: the next request asks again.
    const third = fetches.get(key(), 'person-1', fetch);
    expect(calls).toHaveLength(2);
    calls[1]!([]);
    await third;
    expect(fetches.size).toBe(0);
  });

  it('keeps different patients and sections apart', async () => {
    const fetches = new SectionFetches({ ttlMs: 0, maxEntries: 10, now });
    const { fetch, calls } = controlledFetch();
    void fetches.get(key('MRN1', 'allergies'), 'p', fetch);
    void fetches.get(key('MRN2', 'allergies'), 'p', fetch);
    void fetches.get(key('MRN1', 'conditions'), 'p', fetch);
    expect(calls).toHaveLength(3);
    for (const resolve of calls) resolve([]);
  });

  it('serves a fresh answer from the cache until its TTL passes, with the time it was fetched', async () => {
    const fetches = new SectionFetches({ ttlMs: 30_000, maxEntries: 10, now });
    const { fetch, calls } = controlledFetch();
    const live = fetches.get(key(), 'person-1', fetch);
    calls[0]!([allergy('a1')]);
    const fetched = await live;
    clock += 29_999;
    const cached = await fetches.get(key(), 'person-1', fetch);
    expect(calls).toHaveLength(1);
    expect(cached.freshness).toBe('cached');
    expect(cached.fetchedAt).toEqual(fetched.fetchedAt);
    clock += 1;
    const again = fetches.get(key(), 'person-1', fetch);
    expect(calls).toHaveLength(2);
    calls[1]!([]);
    expect((await again).freshness).toBe('live');
  });

  it('never caches a failure', async () => {
    const fetches = new SectionFetches({ ttlMs: 30_000, maxEntries: 10, now });
    let attempts = 0;
    const failing = async (): Promise<readonly R4Resource[]> => {
      attempts += 1;
      throw new Error('source down');
    };
    await expect(fetches.get(key(), 'p', failing)).rejects.toThrow('source down');
    await expect(fetches.get(key(), 'p', failing)).rejects.toThrow('source down');
    expect(attempts).toBe(2);
    expect(fetches.size).toBe(0);
  });

  it("drops a patient's sections when a feed reports a change, and only theirs", async () => {
    const fetches = new SectionFetches({ ttlMs: 60_000, maxEntries: 10, now });
    await fetches.get(key('MRN1', 'allergies'), 'p1', async () => [allergy('a')]);
    await fetches.get(key('MRN1', 'encounters'), 'p1', async () => []);
    await fetches.get(key('MRN2', 'allergies'), 'p2', async () => []);
    expect(fetches.invalidatePatient('r9a', 'MRN1')).toBe(2);
    expect(fetches.size).toBe(1);
    expect((await fetches.get(key('MRN2', 'allergies'), 'p2', async () => [])).freshness).toBe('cached');
    expect((await fetches.get(key('MRN1', 'allergies'), 'p1', async () => [])).freshness).toBe('live');
  });

  it('drops every section fetched for persons whose identities changed', async () => {
    const fetches = new SectionFetches({ ttlMs: 60_000, maxEntries: 10, now });
    await fetches.get(key('MRN1'), 'p1', async () => []);
    await fetches.get(key('MRN2'), 'p2', async () => []);
    expect(fetches.invalidatePersons(['p1', 'p3'])).toBe(1);
    expect((await fetches.get(key('MRN2'), 'p2', async () => [])).freshness).toBe('cached');
  });

  it('does not cache an answer that was in flight when a change was announced', async () => {
    const fetches = new SectionFetches({ ttlMs: 60_000, maxEntries: 10, now });
    const { fetch, calls } = controlledFetch();
    const pending = fetches.get(key(), 'p1', fetch);
    fetches.invalidatePatient('R9A', 'MRN1');
    calls[0]!([allergy('before-the-change')]);
    await pending;
    expect(fetches.size).toBe(0);
  });

  it('holds at most maxEntries, dropping the oldest', async () => {
    const fetches = new SectionFetches({ ttlMs: 60_000, maxEntries: 2, now });
    for (const localId of ['A', 'B', 'C']) await fetches.get(key(localId), 'p', async () => []);
    expect(fetches.size).toBe(2);
    expect((await fetches.get(key('A'), 'p', async () => [])).freshness).toBe('live');
    expect((await fetches.get(key('C'), 'p', async () => [])).freshness).toBe('cached');
  });
});
