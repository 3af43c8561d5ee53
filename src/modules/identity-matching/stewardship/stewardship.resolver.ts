import { UseFilters } from '@nestjs/common';
import { Args, ID, Int, Mutation, Query, Resolver } from '@nestjs/graphql';

import { CurrentPrincipal, CurrentRequestId, PersonReads, type Principal, RequireRoles } from '../../governance/index.js';
import { IdentityMatchingErrorFilter } from './identity-matching-error.filter.js';
import {
  IdentityChangeType,
  IdentityEventType,
  MatchReviewType,
  PersonType,
  toChange,
  toEvent,
  toPerson,
  toReview,
} from './stewardship.graphql.js';
import { StewardshipService } from './stewardship.service.js';

// Operator GraphQL for data stewards: data stewards and operators only (no clinical view here).
// `person(id)` itself is the portal's (one query for stewards and clinicians): it reaches the
// steward's view through StewardPersons.
// Each change is recorded as made by the signed-in principal. Each read of persons is decided by
// the access policy (its identityIndex part) and audited, one row per person, before it is returned.

@Resolver()
@RequireRoles('data-steward', 'operator')
@UseFilters(IdentityMatchingErrorFilter)
export class StewardshipResolver {
  constructor(
    private readonly stewardship: StewardshipService,
    private readonly reads: PersonReads,
  ) {}

  @Query(() => PersonType, { nullable: true, description: "The person a source's record belongs to; null while it is not matched yet." })
  async personForIdentity(
    @CurrentPrincipal() principal: Principal,
    @CurrentRequestId() requestId: string,
    @Args('sourceId', { type: () => ID }) sourceId: string,
    @Args('localId') localId: string,
  ): Promise<PersonType | null> {
    const read = { principal, requestId, queryKind: 'Query.personForIdentity', context: 'identity-index' } as const;
    const person = await this.reads.release(read, await this.stewardship.personForIdentity(sourceId, localId));
    return person ? toPerson(person) : null;
  }

  @Query(() => [MatchReviewType], { description: 'Reviews by status: pending ones oldest first, decided ones newest first.' })
  async matchReviews(
    @CurrentPrincipal() principal: Principal,
    @CurrentRequestId() requestId: string,
    @Args('status', { defaultValue: 'pending', description: 'pending, accepted, rejected or superseded' }) status: string,
    @Args('limit', { type: () => Int, defaultValue: 50, description: '1 to 100' }) limit: number,
  ): Promise<MatchReviewType[]> {
    const read = { principal, requestId, queryKind: 'Query.matchReviews', context: 'identity-index' } as const;
    const reviews = await this.reads.release(read, await this.stewardship.reviews(status, limit));
    return reviews.flatMap((review) => (review.candidate ? [toReview({ ...review, candidate: review.candidate })] : []));
  }

  @Query(() => [IdentityEventType], { description: "A person's history, newest first." })
  async identityHistory(
    @CurrentPrincipal() principal: Principal,
    @CurrentRequestId() requestId: string,
    @Args('personId', { type: () => ID }) personId: string,
    @Args('limit', { type: () => Int, defaultValue: 50, description: '1 to 200' }) limit: number,
  ): Promise<IdentityEventType[]> {
    const read = { principal, requestId, queryKind: 'Query.identityHistory', context: 'identity-index' } as const;
    return (await this.reads.release(read, await this.stewardship.history(personId, limit))).map(toEvent);
  }

  @Mutation(() => IdentityChangeType, { description: "Links the review's record to its candidate person." })
  async acceptMatchReview(
    @CurrentPrincipal() principal: Principal,
    @CurrentRequestId() requestId: string,
    @Args('id', { type: () => ID }) id: string,
    @Args('note', { nullable: true, type: () => String }) note?: string | null,
  ): Promise<IdentityChangeType> {
    return this.released(principal, requestId, 'Mutation.acceptMatchReview', await this.stewardship.acceptReview(principal, id, note));
  }

  @Mutation(() => IdentityChangeType, { description: 'Records that the record is not the candidate person; the matcher respects it.' })
  async rejectMatchReview(
    @CurrentPrincipal() principal: Principal,
    @CurrentRequestId() requestId: string,
    @Args('id', { type: () => ID }) id: string,
    @Args('note', { nullable: true, type: () => String }) note?: string | null,
  ): Promise<IdentityChangeType> {
    return this.released(principal, requestId, 'Mutation.rejectMatchReview', await this.stewardship.rejectReview(principal, id, note));
  }

  @Mutation(() => IdentityChangeType, { description: 'Links a source identity to a person by hand, ending its current link.' })
  async linkIdentity(
    @CurrentPrincipal() principal: Principal,
    @CurrentRequestId() requestId: string,
    @Args('sourceIdentityId', { type: () => ID }) sourceIdentityId: string,
    @Args('personId', { type: () => ID }) personId: string,
    @Args('reason') reason: string,
  ): Promise<IdentityChangeType> {
    return this.released(
      principal,
      requestId,
      'Mutation.linkIdentity',
      await this.stewardship.linkIdentity(principal, sourceIdentityId, personId, reason),
    );
  }

  @Mutation(() => IdentityChangeType, {
    description: 'Takes a source identity off its person onto a new one; the matcher will not link it back.',
  })
  async unlinkIdentity(
    @CurrentPrincipal() principal: Principal,
    @CurrentRequestId() requestId: string,
    @Args('sourceIdentityId', { type: () => ID }) sourceIdentityId: string,
    @Args('reason') reason: string,
  ): Promise<IdentityChangeType> {
    return this.released(
      principal,
      requestId,
      'Mutation.unlinkIdentity',
      await this.stewardship.unlinkIdentity(principal, sourceIdentityId, reason),
    );
  }

  @Mutation(() => IdentityChangeType, {
    description: 'Moves every identity of mergedId to survivorId. Refused when they hold different NHS numbers, unless force.',
  })
  async mergePersons(
    @CurrentPrincipal() principal: Principal,
    @CurrentRequestId() requestId: string,
    @Args('survivorId', { type: () => ID }) survivorId: string,
    @Args('mergedId', { type: () => ID }) mergedId: string,
    @Args('reason') reason: string,
    @Args('force', { defaultValue: false }) force: boolean,
  ): Promise<IdentityChangeType> {
    return this.released(
      principal,
      requestId,
      'Mutation.mergePersons',
      await this.stewardship.mergePersons(principal, survivorId, mergedId, reason, force),
    );
  }

  @Mutation(() => IdentityChangeType, { description: 'Restores a merged person with the identities the merge moved.' })
  async unmergePersons(
    @CurrentPrincipal() principal: Principal,
    @CurrentRequestId() requestId: string,
    @Args('mergeEventId', { type: () => ID }) mergeEventId: string,
    @Args('reason') reason: string,
  ): Promise<IdentityChangeType> {
    return this.released(
      principal,
      requestId,
      'Mutation.unmergePersons',
      await this.stewardship.unmergePersons(principal, mergeEventId, reason),
    );
  }

  @Mutation(() => IdentityChangeType, { description: 'Undoes one change from the history; refused if a later change superseded it.' })
  async undoIdentityEvent(
    @CurrentPrincipal() principal: Principal,
    @CurrentRequestId() requestId: string,
    @Args('eventId', { type: () => ID }) eventId: string,
    @Args('reason') reason: string,
  ): Promise<IdentityChangeType> {
    return this.released(principal, requestId, 'Mutation.undoIdentityEvent', await this.stewardship.undo(principal, eventId, reason));
  }

  /** A change's answer shows persons' demographics: released only after the policy decided and the read is audited. */
  private async released(
    principal: Principal,
    requestId: string,
    queryKind: string,
    change: Awaited<ReturnType<StewardshipService['undo']>>,
  ): Promise<IdentityChangeType> {
    return toChange(await this.reads.release({ principal, requestId, queryKind, context: 'identity-index' }, change));
  }
}
