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

  /** The person (the survivor of any merge), or null when the id is not a person's. */
  async personOrNull(personId: string): Promise<PersonRecord | null> {
    if (!UUID.test(personId)) return null;
    try {
      return await this.identityIndex.person(personId);
    } catch (error) {
      if (error instanceof IdentityMatchingError && error.code === IdentityMatchingErrorCode.NotFound) return null;
      throw error;
    }
  }

  /** The policy's decision on the sections for this principal and person now, on the person's consent, relationships and grants. */
  async decide(principal: Principal, person: PersonRecord, sections: readonly PolicySection[], now: Date): Promise<AccessDecision> {
    const nhsNumber = person.nhsNumbers[0] ?? '';
    const professional = principal.kind === 'professional';
    // Evidence and grants only count for professionals: not worth reading for anyone else.
    const [consent, relationshipEvidence, grants, sources] = await Promise.all([
      this.consent.forPerson(nhsNumber),
      professional ? this.relationships.eventsFor(person.id, now) : Promise.resolve<RelationshipEvent[]>([]),
      professional ? this.grants.activeFor(principal, person.id, now) : Promise.resolve({}),
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
