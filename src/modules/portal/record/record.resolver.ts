import { UseFilters } from '@nestjs/common';
import { Args, ID, Info, Query, Resolver } from '@nestjs/graphql';
import type { GraphQLResolveInfo } from 'graphql';

import { CurrentPrincipal, CurrentRequestId, CurrentRequestScope, type Principal } from '../../governance/index.js';
import { RecordAggregationErrorFilter } from './record-aggregation-error.filter.js';
import { DeadlineArgs, RecordArgs, TimelineArgs } from './record-args.js';
import { RecordQueries } from './record-queries.js';
import { PersonRecordType, ReconciliationType, TimelineConnectionType } from './record.graphql.js';

// A person's shared care record: every read is decided by the access policy and audited before
// it is answered (RecordReads); sources failing make statuses, never errors. The same reads are
// fields of `person(id)` (PersonResolver).

@Resolver()
@UseFilters(RecordAggregationErrorFilter)
export class RecordResolver {
  constructor(private readonly queries: RecordQueries) {}

  // Nullable, so that in a query with several record fields one refused field does not blank the others.
  @Query(() => PersonRecordType, {
    nullable: true,
    description: "A person's record from every linked source, assembled now, as you may see it; sections not asked for are null.",
  })
  record(
    @CurrentPrincipal() principal: Principal,
    @CurrentRequestId() requestId: string,
    @CurrentRequestScope() scope: object | undefined,
    @Args('personId', { type: () => ID }) personId: string,
    @Args() args: RecordArgs,
    @Info() info: GraphQLResolveInfo,
  ): Promise<PersonRecordType> {
    return this.queries.record({ principal, requestId, scope, queryKind: 'Query.record' }, personId, args, info);
  }

  @Query(() => ReconciliationType, {
    nullable: true,
    description: 'Medicines and allergies across every source, each with its status in each source, disagreements first.',
  })
  reconciliation(
    @CurrentPrincipal() principal: Principal,
    @CurrentRequestId() requestId: string,
    @CurrentRequestScope() scope: object | undefined,
    @Args('personId', { type: () => ID }) personId: string,
    @Args() args: DeadlineArgs,
  ): Promise<ReconciliationType> {
    return this.queries.reconciliation({ principal, requestId, scope, queryKind: 'Query.reconciliation' }, personId, args);
  }

  @Query(() => TimelineConnectionType, {
    nullable: true,
    description: 'Dated events across the sections asked for, most recent first, paged.',
  })
  timeline(
    @CurrentPrincipal() principal: Principal,
    @CurrentRequestId() requestId: string,
    @CurrentRequestScope() scope: object | undefined,
    @Args('personId', { type: () => ID }) personId: string,
    @Args() args: TimelineArgs,
  ): Promise<TimelineConnectionType> {
    return this.queries.timeline({ principal, requestId, scope, queryKind: 'Query.timeline' }, personId, args);
  }
}
