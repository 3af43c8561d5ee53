import { Injectable } from '@nestjs/common';

import { PersonReads, type Principal } from '../../governance/index.js';
import { type PersonType, toPerson } from './stewardship.graphql.js';
import { StewardshipService } from './stewardship.service.js';

/** Roles that see the index's own view of a person (its links and how each was made). */
export const STEWARD_ROLES = ['data-steward', 'operator'] as const;

/**
 * The steward's view of one person, for the portal's `person(id)`: the links, methods and scores
 * of the identity index, decided by the policy's identityIndex part and audited (one row) before
 * it is returned, exactly as the stewardship queries are.
 */
@Injectable()
export class StewardPersons {
  constructor(
    private readonly stewardship: StewardshipService,
    private readonly reads: PersonReads,
  ) {}

  /** True when the principal reads persons as a steward: the index's view rather than the clinical one. */
  isSteward(principal: Principal): boolean {
    return principal.roles.some((role) => (STEWARD_ROLES as readonly string[]).includes(role));
  }

  async person(principal: Principal, requestId: string, personId: string): Promise<PersonType> {
    const read = { principal, requestId, queryKind: 'Query.person', context: 'identity-index' } as const;
    return toPerson(await this.reads.release(read, await this.stewardship.person(personId)));
  }
}
