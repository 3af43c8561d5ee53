import { Args, Context, ID, Int, Mutation, Query, Resolver } from '@nestjs/graphql';

import { CurrentPrincipal, RequireRoles } from '../authentication/index.js';
import type { Principal } from '../domain/principal.js';
import {
  AccessReviewType,
  AuditEntryConnectionType,
  AuditEventFilterInput,
  auditOutcomeOf,
  ReviewKindValue,
  reviewableOutcomeOf,
  ReviewOutcomeValue,
  reviewOutcomeOf,
  toConnection,
  toReview,
} from './audit-review.graphql.js';
import { AuditReviewService, type OfficerRequest } from './audit-review.service.js';
import { requestIdOf, type RequestWithId } from './request-id.js';

// Privacy officers' GraphQL: search the audit trail, review break-glass and self-declared
// access. Nobody else may call it; every call is itself written to the trail.

@Resolver()
@RequireRoles('privacy-officer')
export class AuditReviewResolver {
  constructor(private readonly audit: AuditReviewService) {}

  @Query(() => AuditEntryConnectionType, {
    description: 'The audit trail, newest first, filtered; `first` from 1 to 500 (100 by default).',
  })
  async auditEvents(
    @CurrentPrincipal() principal: Principal,
    @Context('req') req: RequestWithId,
    @Args('filter', { type: () => AuditEventFilterInput, nullable: true }) filter: AuditEventFilterInput | null,
    @Args('first', { type: () => Int, nullable: true }) first: number | null,
    @Args('after', { type: () => String, nullable: true }) after: string | null,
  ): Promise<AuditEntryConnectionType> {
    const given = filter ?? {};
    const page = await this.audit.auditEvents(
      officer(principal, req),
      {
        ...(given.personId != null && { personId: given.personId }),
        ...(given.nhsNumber != null && { nhsNumber: given.nhsNumber }),
        ...(given.subject != null && { subject: given.subject }),
        ...(given.organisationCode != null && { organisationCode: given.organisationCode }),
        ...(given.outcome != null && { outcome: auditOutcomeOf(given.outcome) }),
        ...(given.from != null && { from: given.from }),
        ...(given.to != null && { to: given.to }),
      },
      { ...(first != null && { limit: first }), ...(after != null && { after }) },
    );
    return toConnection(page);
  }

  @Query(() => AuditEntryConnectionType, {
    description: 'Break-glass and self-declared access (both kinds unless `kind`), not yet reviewed unless `reviewed`; newest first.',
  })
  async accessNeedingReview(
    @CurrentPrincipal() principal: Principal,
    @Context('req') req: RequestWithId,
    @Args('kind', { type: () => ReviewKindValue, nullable: true }) kind: ReviewKindValue | null,
    @Args('reviewed', { type: () => Boolean, defaultValue: false }) reviewed: boolean,
    @Args('first', { type: () => Int, nullable: true }) first: number | null,
    @Args('after', { type: () => String, nullable: true }) after: string | null,
  ): Promise<AuditEntryConnectionType> {
    const page = await this.audit.accessNeedingReview(officer(principal, req), {
      reviewed,
      ...(kind != null && { kind: reviewableOutcomeOf(kind) }),
      ...(first != null && { limit: first }),
      ...(after != null && { after }),
    });
    return toConnection(page);
  }

  @Mutation(() => AccessReviewType, {
    description:
      'Records what a privacy officer found about one break-glass or self-declared access; once per event. A note (≤ 1000 characters) is required unless the access was appropriate.',
  })
  async reviewAccess(
    @CurrentPrincipal() principal: Principal,
    @Context('req') req: RequestWithId,
    @Args('auditEventId', { type: () => ID }) auditEventId: string,
    @Args('outcome', { type: () => ReviewOutcomeValue }) outcome: ReviewOutcomeValue,
    @Args('note', { type: () => String, nullable: true }) note: string | null,
  ): Promise<AccessReviewType> {
    return toReview(await this.audit.reviewAccess(officer(principal, req), { auditEventId, outcome: reviewOutcomeOf(outcome), note }));
  }
}

function officer(principal: Principal, req: RequestWithId): OfficerRequest {
  return { principal, requestId: requestIdOf(req) };
}
