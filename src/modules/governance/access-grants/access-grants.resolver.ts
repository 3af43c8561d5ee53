import { Args, Context, ID, Int, Mutation, Query, Resolver } from '@nestjs/graphql';

import { requestIdOf, type RequestWithId } from '../audit-review/request-id.js';
import { CurrentPrincipal, RequireRoles } from '../authentication/index.js';
import type { Principal } from '../domain/principal.js';
import { AccessGrants, type GrantRequest } from './access-grants.service.js';
import {
  AccessGrantType,
  PrivacyAlertConnectionType,
  PrivacyAlertType,
  toAlert,
  toAlertConnection,
  toGrant,
} from './access-grants.graphql.js';

// Break-glass and self-declared relationships for professionals; privacy alerts for privacy
// officers. The roles here only keep out those who can never do it: the access policy decides
// which professional roles may break glass or declare a relationship (FORBIDDEN otherwise).

@Resolver()
export class AccessGrantsResolver {
  constructor(private readonly grants: AccessGrants) {}

  @Mutation(() => AccessGrantType, {
    description:
      "Emergency access to a person's record: a reason (policy minimum to 500 characters) is required, access lasts as long as the access policy allows, and privacy officers are alerted at once.",
  })
  @RequireRoles('clinician', 'social-worker', 'care-worker', 'admin-clerk')
  async breakGlass(
    @CurrentPrincipal() principal: Principal,
    @Context('req') req: RequestWithId,
    @Args('personId', { type: () => ID }) personId: string,
    @Args('reason', { type: () => String }) reason: string,
  ): Promise<AccessGrantType> {
    return toGrant(await this.grants.breakGlass(caller(principal, req), personId, reason));
  }

  @Mutation(() => AccessGrantType, {
    description:
      'States a relationship to a person the hub has no record of (a reason is required); flagged for privacy officer review and time-limited by the access policy.',
  })
  @RequireRoles('clinician', 'social-worker', 'care-worker', 'admin-clerk')
  async declareRelationship(
    @CurrentPrincipal() principal: Principal,
    @Context('req') req: RequestWithId,
    @Args('personId', { type: () => ID }) personId: string,
    @Args('reason', { type: () => String }) reason: string,
  ): Promise<AccessGrantType> {
    return toGrant(await this.grants.declareRelationship(caller(principal, req), personId, reason));
  }

  @Mutation(() => AccessGrantType, { description: 'Ends one of your own break-glass or self-declared grants before it expires.' })
  @RequireRoles('clinician', 'social-worker', 'care-worker', 'admin-clerk')
  async endAccessGrant(
    @CurrentPrincipal() principal: Principal,
    @Context('req') req: RequestWithId,
    @Args('id', { type: () => ID }) id: string,
  ): Promise<AccessGrantType> {
    return toGrant(await this.grants.end(caller(principal, req), id));
  }

  @Query(() => PrivacyAlertConnectionType, {
    description:
      'Privacy alerts (break-glass), newest first; not yet acknowledged unless `acknowledged`; `first` from 1 to 500 (50 by default).',
  })
  @RequireRoles('privacy-officer')
  async privacyAlerts(
    @CurrentPrincipal() principal: Principal,
    @Context('req') req: RequestWithId,
    @Args('acknowledged', { type: () => Boolean, defaultValue: false }) acknowledged: boolean,
    @Args('first', { type: () => Int, nullable: true }) first: number | null,
    @Args('after', { type: () => String, nullable: true }) after: string | null,
  ): Promise<PrivacyAlertConnectionType> {
    const page = await this.grants.privacyAlerts(caller(principal, req), {
      acknowledged,
      ...(first != null && { limit: first }),
      ...(after != null && { after }),
    });
    return toAlertConnection(page);
  }

  @Mutation(() => PrivacyAlertType, { description: 'Marks a privacy alert as seen by you; once per alert.' })
  @RequireRoles('privacy-officer')
  async acknowledgePrivacyAlert(
    @CurrentPrincipal() principal: Principal,
    @Context('req') req: RequestWithId,
    @Args('id', { type: () => ID }) id: string,
  ): Promise<PrivacyAlertType> {
    return toAlert(await this.grants.acknowledgePrivacyAlert(caller(principal, req), id));
  }
}

function caller(principal: Principal, req: RequestWithId): GrantRequest {
  return { principal, requestId: requestIdOf(req) };
}
