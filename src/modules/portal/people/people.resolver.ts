import { UseFilters } from '@nestjs/common';
import { Args, Int, Query, Resolver } from '@nestjs/graphql';

import { CurrentPrincipal, CurrentRequestId, CurrentRequestScope, type Principal } from '../../governance/index.js';
import { PEOPLE_SEARCH_MAX, RecordReads } from '../../record-aggregation/index.js';
import { RecordAggregationErrorFilter } from '../record/record-aggregation-error.filter.js';
import { PeopleSearchInput, PeopleSearchResultType, toSearchResult } from './people.graphql.js';

// Finding a person in the identity index: every search is audited, and only the people the
// caller may see come back with their demographics.

@Resolver()
@UseFilters(RecordAggregationErrorFilter)
export class PeopleResolver {
  constructor(private readonly reads: RecordReads) {}

  @Query(() => [PeopleSearchResultType], { description: 'People who may be the one described, most likely first.' })
  async searchPeople(
    @CurrentPrincipal() principal: Principal,
    @CurrentRequestId() requestId: string,
    @CurrentRequestScope() scope: object | undefined,
    @Args('input') input: PeopleSearchInput,
    @Args('limit', { type: () => Int, defaultValue: 10, description: `1 to ${PEOPLE_SEARCH_MAX}.` }) limit: number,
  ): Promise<PeopleSearchResultType[]> {
    const query = Object.fromEntries(Object.entries({ ...input }).filter(([, value]) => typeof value === 'string'));
    return (await this.reads.searchPeople({ principal, requestId, scope, queryKind: 'Query.searchPeople' }, query, limit)).map(
      toSearchResult,
    );
  }
}
