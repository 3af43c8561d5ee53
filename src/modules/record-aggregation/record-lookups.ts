import DataLoader from 'dataloader';

import type { ActiveGrants, PersonConsent, Principal, RelationshipEvent } from '../governance/index.js';
import type { PersonRecord } from '../identity-matching/index.js';

/** Where each look-up comes from: the services RecordAccess reads one person at a time. */
export interface LookupSources {
  persons(personIds: readonly string[]): Promise<Map<string, PersonRecord>>;
  consents(nhsNumbers: readonly string[]): Promise<PersonConsent[]>;
  evidence(personId: string, now: Date): Promise<RelationshipEvent[]>;
  grants(principal: Principal, personId: string, now: Date): Promise<ActiveGrants>;
}

/**
 * The identity and policy look-ups of one request, batched and shared by every field that needs
 * them (DataLoader): a query naming ten persons, or one person through `record`, `timeline` and
 * `demographics` at once, reads the identity index and consent once each, not once a field.
 * Made per request and dropped with it: nothing here outlives the request, so a change (a
 * consent withdrawn, a grant ended) is seen by the next request. Used for queries only: a
 * mutation may change what a later field of the same operation reads.
 */
export class RecordLookups {
  private readonly personLoader: DataLoader<string, PersonRecord | null>;
  private readonly consentLoader: DataLoader<string, PersonConsent>;
  private readonly evidenceLoader: DataLoader<string, RelationshipEvent[]>;
  private readonly grantsLoader: DataLoader<string, ActiveGrants>;

  constructor(
    sources: LookupSources,
    /** The one principal of the request: grants are theirs. */
    private readonly principal: Principal,
    /** The request's moment: relationship windows and grants are judged at it. */
    readonly now: Date,
  ) {
    this.personLoader = new DataLoader(async (ids) => {
      const found = await sources.persons(ids);
      return ids.map((id) => found.get(id) ?? null);
    });
    this.consentLoader = new DataLoader((numbers) => sources.consents(numbers));
    // Evidence and grants are read per person: batching them would need queries of their own for
    // several persons, and a request rarely names more than a few.
    this.evidenceLoader = new DataLoader(async (ids) => Promise.all(ids.map((id) => sources.evidence(id, now))), { batch: false });
    this.grantsLoader = new DataLoader(async (ids) => Promise.all(ids.map((id) => sources.grants(principal, id, now))), {
      batch: false,
    });
  }

  /** True when these look-ups may answer for this principal (the request's own). */
  serves(principal: Principal): boolean {
    return principal === this.principal;
  }

  person(personId: string): Promise<PersonRecord | null> {
    return this.personLoader.load(personId);
  }

  consent(nhsNumber: string): Promise<PersonConsent> {
    return this.consentLoader.load(nhsNumber);
  }

  evidence(personId: string): Promise<RelationshipEvent[]> {
    return this.evidenceLoader.load(personId);
  }

  grants(personId: string): Promise<ActiveGrants> {
    return this.grantsLoader.load(personId);
  }
}
