import { Injectable } from '@nestjs/common';

import {
  type AccessDecision,
  AccessGrants,
  AccessPolicyService,
  ConsentSettings,
  type OrganisationKind,
  type PolicySection,
  type Principal,
  type RelationshipEvent,
} from '../governance/index.js';
import {
  IdentityMatchingError,
  IdentityMatchingErrorCode,
  IdentityMatchingService,
  type PersonRecord,
} from '../identity-matching/index.js';
import { SourceRegistry } from '../source-connectors/index.js';
import { RecordLookups } from './record-lookups.js';
import { RelationshipEvidence } from './relationships/relationship-evidence.service.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Source kinds that are an organisation's own system, as the policy knows organisations. PHR,
 * PDS and the hub's shared care plans are nobody's organisation: left out on purpose.
 */
const KIND_OF_ORGANISATION: Partial<Record<string, OrganisationKind>> = {
  gp: 'gp',
  acute: 'acute',
  'mental-health': 'mental-health',
  community: 'community',
  'social-care': 'social-care',
};

/**
 * One way to decide what a principal may do with a person's record: every read and every edit
 * (write-back, shared care plans) asks here, so an edit is authorised exactly as a read of the
 * same sections would be.
 */
@Injectable()
export class RecordAccess {
  constructor(
    private readonly identityIndex: IdentityMatchingService,
    private readonly policy: AccessPolicyService,
    private readonly consent: ConsentSettings,
    private readonly grants: AccessGrants,
    private readonly relationships: RelationshipEvidence,
    private readonly registry: SourceRegistry,
  ) {}

  private readonly lookupsByRequest = new WeakMap<object, RecordLookups>();

  /**
   * The look-ups shared by the reads of one request (`scope`, the request object; see
   * RecordLookups), made on first use; undefined without a scope, when every read looks up afresh.
   */
  lookupsFor(scope: object | undefined, principal: Principal): RecordLookups | undefined {
    if (!scope) return undefined;
    let lookups = this.lookupsByRequest.get(scope);
    if (!lookups) {
      lookups = new RecordLookups(
        {
          persons: (ids) => this.identityIndex.persons(ids),
          consents: (numbers) => this.consent.forPersons(numbers),
          evidence: (personId, now) => this.relationships.eventsFor(personId, now),
          grants: (holder, personId, now) => this.grants.activeFor(holder, personId, now),
        },
        principal,
        new Date(),
      );
      this.lookupsByRequest.set(scope, lookups);
    }
    return lookups.serves(principal) ? lookups : undefined;
  }

  /** The person (the survivor of any merge), or null when the id is not a person's. */
  async personOrNull(personId: string, lookups?: RecordLookups): Promise<PersonRecord | null> {
    if (!UUID.test(personId)) return null;
    if (lookups) return lookups.person(personId);
    try {
      return await this.identityIndex.person(personId);
    } catch (error) {
      if (error instanceof IdentityMatchingError && error.code === IdentityMatchingErrorCode.NotFound) return null;
      throw error;
    }
  }

  /** The policy's decision on the sections for this principal and person now, on the person's consent, relationships and grants. */
  async decide(
    principal: Principal,
    person: PersonRecord,
    sections: readonly PolicySection[],
    now: Date,
    lookups?: RecordLookups,
  ): Promise<AccessDecision> {
    const nhsNumber = person.nhsNumbers[0] ?? '';
    const professional = principal.kind === 'professional';
    // Evidence and grants only count for professionals: not worth reading for anyone else.
    const [consent, relationshipEvidence, grants, sources] = await Promise.all([
      lookups ? lookups.consent(nhsNumber) : this.consent.forPerson(nhsNumber),
      !professional
        ? Promise.resolve<RelationshipEvent[]>([])
        : lookups
          ? lookups.evidence(person.id)
          : this.relationships.eventsFor(person.id, now),
      !professional ? Promise.resolve({}) : lookups ? lookups.grants(person.id) : this.grants.activeFor(principal, person.id, now),
      this.registry.list(),
    ]);
    const organisationKinds: Record<string, OrganisationKind> = {};
    for (const source of sources) {
      const kind = KIND_OF_ORGANISATION[source.kind];
      if (kind) organisationKinds[source.organisationCode.toUpperCase()] = kind;
    }
    return this.policy.decide({
      principal,
      context: 'record',
      person: { id: person.id, nhsNumber, restricted: false, consent },
      sections,
      relationshipEvidence,
      ...grants,
      organisationKinds,
      now,
    });
  }
}
