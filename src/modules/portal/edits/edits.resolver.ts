import { UseFilters } from '@nestjs/common';
import { Args, ID, Int, Mutation, Query, Resolver } from '@nestjs/graphql';
import { GraphQLJSONObject } from 'graphql-scalars';

import { CurrentPrincipal, CurrentRequestId, type Principal } from '../../governance/index.js';
import { RecordWrites, SharedCarePlans } from '../../record-aggregation/index.js';
import { RecordAggregationErrorFilter } from '../record/record-aggregation-error.filter.js';
import {
  SharedCarePlanHistoryType,
  SharedCarePlanInputType,
  SharedCarePlanType,
  toSharedCarePlan,
  toSharedCarePlanInput,
  toSharedCarePlanVersion,
} from './shared-care-plans.graphql.js';
import { toWriteResult, WriteResultType } from './write-back.graphql.js';

// Editing through the hub: write-back to the source that owns the record (RecordWrites), and
// shared care plans the hub hosts itself (SharedCarePlans). Each is decided like a read of the
// same section and audited.

@Resolver()
@UseFilters(RecordAggregationErrorFilter)
export class EditsResolver {
  constructor(
    private readonly writes: RecordWrites,
    private readonly carePlans: SharedCarePlans,
  ) {}

  @Mutation(() => WriteResultType, {
    description:
      "Sends a new Observation or Condition to a source that accepts writes, for the person's record there. " +
      'The answer says whether the source accepted it; the hub keeps no copy. The resource subject is set by the hub.',
  })
  async writeToSource(
    @CurrentPrincipal() principal: Principal,
    @CurrentRequestId() requestId: string,
    @Args('personId', { type: () => ID }) personId: string,
    @Args('sourceId', { type: () => ID }) sourceId: string,
    @Args('resource', { type: () => GraphQLJSONObject, description: 'A FHIR R4 Observation or Condition.' })
    resource: Record<string, unknown>,
  ): Promise<WriteResultType> {
    return toWriteResult(
      await this.writes.create({ principal, requestId, queryKind: 'Mutation.writeToSource' }, personId, sourceId, resource),
    );
  }

  @Mutation(() => SharedCarePlanType, {
    description: 'Creates a shared care plan for the person (clinicians and social workers who may read their care plans).',
  })
  async createSharedCarePlan(
    @CurrentPrincipal() principal: Principal,
    @CurrentRequestId() requestId: string,
    @Args('personId', { type: () => ID }) personId: string,
    @Args('input', { type: () => SharedCarePlanInputType }) input: SharedCarePlanInputType,
  ): Promise<SharedCarePlanType> {
    const context = { principal, requestId, queryKind: 'Mutation.createSharedCarePlan' };
    return toSharedCarePlan(await this.carePlans.create(context, personId, toSharedCarePlanInput(input)));
  }

  @Mutation(() => SharedCarePlanType, {
    description: 'A new version of the plan, as given. CONFLICT when the plan is no longer at expectedVersion.',
  })
  async updateSharedCarePlan(
    @CurrentPrincipal() principal: Principal,
    @CurrentRequestId() requestId: string,
    @Args('planId', { type: () => ID }) planId: string,
    @Args('expectedVersion', { type: () => Int }) expectedVersion: number,
    @Args('input', { type: () => SharedCarePlanInputType }) input: SharedCarePlanInputType,
  ): Promise<SharedCarePlanType> {
    const context = { principal, requestId, queryKind: 'Mutation.updateSharedCarePlan' };
    return toSharedCarePlan(await this.carePlans.update(context, planId, expectedVersion, toSharedCarePlanInput(input)));
  }

  @Mutation(() => SharedCarePlanType, { description: 'Ends the plan: it leaves the record, and its history keeps every version.' })
  async revokeSharedCarePlan(
    @CurrentPrincipal() principal: Principal,
    @CurrentRequestId() requestId: string,
    @Args('planId', { type: () => ID }) planId: string,
    @Args('expectedVersion', { type: () => Int }) expectedVersion: number,
    @Args('reason', { description: 'Why, in at least 10 characters.' }) reason: string,
  ): Promise<SharedCarePlanType> {
    const context = { principal, requestId, queryKind: 'Mutation.revokeSharedCarePlan' };
    return toSharedCarePlan(await this.carePlans.revoke(context, planId, expectedVersion, reason));
  }

  @Query(() => SharedCarePlanHistoryType, {
    nullable: true,
    description: 'Every version of a shared care plan, with who changed it, when and why (audited as a read).',
  })
  async sharedCarePlanHistory(
    @CurrentPrincipal() principal: Principal,
    @CurrentRequestId() requestId: string,
    @Args('planId', { type: () => ID }) planId: string,
  ): Promise<SharedCarePlanHistoryType> {
    const context = { principal, requestId, queryKind: 'Query.sharedCarePlanHistory' };
    const { plan, versions } = await this.carePlans.history(context, planId);
    return { plan: toSharedCarePlan(plan), versions: versions.map(toSharedCarePlanVersion) };
  }
}
