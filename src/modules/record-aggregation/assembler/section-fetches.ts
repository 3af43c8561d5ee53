import type { R4Resource } from '../../../fhir/index.js';
import type { RecordSection } from '../../source-connectors/index.js';

// One source's answer for one patient's section, shared between the requests that want it:
// identical calls in flight at once are made once (always), and an answer may be kept for a
// short TTL (off by default). Entries live in this process's memory only, never on disk or in
// Redis, and are dropped when a feed or the identity index says the patient changed.

/** What a fetch produced, and when it was fetched from the source. */
export interface FetchedSection {
  resources: readonly R4Resource[];
  fetchedAt: Date;
}

export interface SectionKey {
  sourceId: string;
  organisationCode: string;
  localId: string;
  section: RecordSection;
}

export interface SectionFetchesOptions {
  /** How long an answer is kept; 0 keeps none (every request is live, only concurrent calls share). */
  ttlMs: number;
  /** Entries kept at most; the oldest go first. */
  maxEntries: number;
  now?: () => number;
}

interface CacheEntry {
  value: FetchedSection;
  expiresAt: number;
  patientKey: string;
  personIds: Set<string>;
}

const keyOf = (key: SectionKey) => `${key.sourceId}\u0000${key.localId}\u0000${key.section}`;
const patientKeyOf = (organisationCode: string, localId: string) => `${organisationCode.toUpperCase()}\u0000${localId}`;

export class SectionFetches {
  private readonly inFlight = new Map<string, Promise<FetchedSection>>();
  // A Map iterates in insertion order: re-inserting on write makes the first entry the oldest.
  private readonly cache = new Map<string, CacheEntry>();
  /** Organisation + local id → cache keys, so a feed's change drops that patient's sections. */
  private readonly byPatient = new Map<string, Set<string>>();
  /** Person → cache keys, so an identity change drops every section fetched for them. */
  private readonly byPerson = new Map<string, Set<string>>();
  private readonly now: () => number;

  constructor(private readonly options: SectionFetchesOptions) {
    this.now = options.now ?? Date.now;
  }

  get cacheEnabled(): boolean {
    return this.options.ttlMs > 0;
  }

  get size(): number {
    return this.cache.size;
  }

  /**
   * The section from the cache when fresh ('cached'), else from `fetch` ('live'), sharing a call
   * already in flight for the same key. A failed fetch is never cached.
   */
  async get(
    key: SectionKey,
    personId: string,
    fetch: () => Promise<readonly R4Resource[]>,
  ): Promise<FetchedSection & { freshness: 'live' | 'cached' }> {
    const id = keyOf(key);
    const cached = this.cache.get(id);
    if (cached && cached.expiresAt > this.now()) {
      this.remember(this.byPerson, personId, id);
      cached.personIds.add(personId);
      return { ...cached.value, freshness: 'cached' };
    }
    if (cached) this.forget(id);
    let call = this.inFlight.get(id);
    if (!call) {
      // The generation guards against a change announced while the call was out: its answer may predate the change.
      const generation = this.generation;
      call = fetch().then((resources) => {
        const value: FetchedSection = { resources: Object.freeze([...resources]), fetchedAt: new Date(this.now()) };
        if (this.cacheEnabled && generation === this.generation) this.store(id, key, personId, value);
        return value;
      });
      this.inFlight.set(id, call);
      void call.then(
        () => this.inFlight.delete(id),
        () => this.inFlight.delete(id),
      );
    }
    return { ...(await call), freshness: 'live' };
  }

  /** Drops what is held of a patient at an organisation (a feed reported a change). */
  invalidatePatient(organisationCode: string, localId: string): number {
    this.generation += 1;
    return this.dropAll(this.byPatient.get(patientKeyOf(organisationCode, localId)));
  }

  /** Drops every section fetched for these persons (their identities changed). */
  invalidatePersons(personIds: readonly string[]): number {
    this.generation += 1;
    return personIds.reduce((dropped, personId) => dropped + this.dropAll(this.byPerson.get(personId)), 0);
  }

  clear(): void {
    this.generation += 1;
    this.cache.clear();
    this.byPatient.clear();
    this.byPerson.clear();
  }

  private generation = 0;

  private store(id: string, key: SectionKey, personId: string, value: FetchedSection): void {
    this.forget(id);
    const patientKey = patientKeyOf(key.organisationCode, key.localId);
    this.cache.set(id, { value, expiresAt: this.now() + this.options.ttlMs, patientKey, personIds: new Set([personId]) });
    this.remember(this.byPatient, patientKey, id);
    this.remember(this.byPerson, personId, id);
    while (this.cache.size > this.options.maxEntries) {
      const oldest = this.cache.keys().next().value;
      if (oldest === undefined) break;
      this.forget(oldest);
    }
  }

  private dropAll(ids: Set<string> | undefined): number {
    if (!ids) return 0;
    let dropped = 0;
    for (const id of [...ids]) if (this.forget(id)) dropped += 1;
    return dropped;
  }

  private forget(id: string): boolean {
    const entry = this.cache.get(id);
    if (!entry) return false;
    this.cache.delete(id);
    const patientIds = this.byPatient.get(entry.patientKey);
    if (patientIds?.delete(id) && !patientIds.size) this.byPatient.delete(entry.patientKey);
    for (const personId of entry.personIds) {
      const ids = this.byPerson.get(personId);
      if (ids?.delete(id) && !ids.size) this.byPerson.delete(personId);
    }
    return true;
  }

  private remember(index: Map<string, Set<string>>, indexKey: string, id: string): void {
    const ids = index.get(indexKey) ?? new Set<string>();
    ids.add(id);
    index.set(indexKey, ids);
  }
}
