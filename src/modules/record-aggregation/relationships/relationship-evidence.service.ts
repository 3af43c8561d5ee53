import { Injectable } from '@nestjs/common';

import type { RelationshipEvent } from '../../governance/index.js';
import { IdentityMatchingService } from '../../identity-matching/index.js';
import { CareEvents, SourceRegistry } from '../../source-connectors/index.js';
import { feedPatientsOf, relationshipEventsOf } from './domain/relationship-events.js';

/**
 * The evidence that organisations are caring for a person, read from what the hub holds: the
 * person's source identities (GP registrations, social care) and the HL7 feed's care events
 * (admissions, attendances). What decideAccess takes as `relationshipEvidence`.
 */
@Injectable()
export class RelationshipEvidence {
  constructor(
    private readonly identityIndex: IdentityMatchingService,
    private readonly registry: SourceRegistry,
    private readonly careEvents: CareEvents,
  ) {}

  /** The person's relationship events (following merges); an unknown person is an IdentityMatchingError (not found). */
  async eventsFor(personId: string, now: Date): Promise<RelationshipEvent[]> {
    const identities = await this.identityIndex.identitiesOf(personId);
    if (!identities.length) return [];
    const sources = await this.registry.list();
    const careEvents = await this.careEvents.forPatients(feedPatientsOf(identities, sources));
    return relationshipEventsOf({ identities, sources, careEvents }, now);
  }
}
