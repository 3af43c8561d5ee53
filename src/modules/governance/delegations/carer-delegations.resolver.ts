import { Args, ID, Mutation, Query, Resolver } from '@nestjs/graphql';

import { CurrentPrincipal, RequireRoles } from '../authentication/authentication.decorators.js';
import type { Principal } from '../domain/principal.js';
import { CurrentRequestId } from '../governed-reads/current-request-id.decorator.js';
import { CarerDelegations } from './carer-delegations.service.js';
import {
  CaredForPersonType,
  CarerDelegationType,
  CarerInvitationType,
  InviteCarerInput,
  toCaredForPerson,
  toCarerDelegation,
  toCarerInvitation,
} from './carer-delegations.graphql.js';

// Carers for residents: the person invites and revokes, the carer accepts with their own sign-in
// and then acts with X-Acting-For. The roles keep out staff and services; CarerDelegations
// decides the rest (proofing, own record, policy sections) and audits it.

@Resolver()
export class CarerDelegationsResolver {
  constructor(private readonly delegations: CarerDelegations) {}

  @Mutation(() => CarerInvitationType, {
    description:
      'Invites a carer to your record with the sections they may see, whether they may add readings and when it ends; returns a one-time code (valid 7 days) to pass to them.',
  })
  @RequireRoles('resident')
  async inviteCarer(
    @CurrentPrincipal() principal: Principal,
    @CurrentRequestId() requestId: string,
    @Args('input', { type: () => InviteCarerInput }) input: InviteCarerInput,
  ): Promise<CarerInvitationType> {
    const invitation = await this.delegations.invite(
      principal,
      { sections: input.sections, canAddReadings: input.canAddReadings, expiresAt: input.expiresAt, carerName: input.carerName ?? null },
      requestId,
    );
    return toCarerInvitation(invitation, new Date());
  }

  @Mutation(() => CaredForPersonType, {
    description: 'Accepts a carer invitation with your own sign-in; then send X-Acting-For: <their NHS number> to act for them.',
  })
  @RequireRoles('resident')
  async acceptCarerInvitation(
    @CurrentPrincipal() principal: Principal,
    @CurrentRequestId() requestId: string,
    @Args('code', { type: () => String }) code: string,
  ): Promise<CaredForPersonType> {
    return toCaredForPerson(await this.delegations.accept(principal, code, requestId), new Date());
  }

  @Mutation(() => CarerDelegationType, {
    description:
      "Ends a carer's access at once: the person for any of their carers (or an invitation not yet used), a carer for their own.",
  })
  @RequireRoles('resident', 'carer')
  async revokeCarerAccess(
    @CurrentPrincipal() principal: Principal,
    @CurrentRequestId() requestId: string,
    @Args('id', { type: () => ID }) id: string,
  ): Promise<CarerDelegationType> {
    return toCarerDelegation(await this.delegations.revoke(principal, id, requestId), new Date());
  }

  @Query(() => [CarerDelegationType], { description: 'Your carers and invitations, newest first (at most 100).' })
  @RequireRoles('resident')
  async myCarers(@CurrentPrincipal() principal: Principal, @CurrentRequestId() requestId: string): Promise<CarerDelegationType[]> {
    const now = new Date();
    return (await this.delegations.forPerson(principal, requestId)).map((delegation) => toCarerDelegation(delegation, now));
  }

  @Query(() => [CaredForPersonType], { description: 'The people you are a carer for, newest first (at most 100), ended ones included.' })
  @RequireRoles('resident', 'carer')
  async peopleICareFor(@CurrentPrincipal() principal: Principal, @CurrentRequestId() requestId: string): Promise<CaredForPersonType[]> {
    const now = new Date();
    return (await this.delegations.forCarer(principal, requestId)).map((delegation) => toCaredForPerson(delegation, now));
  }
}
