import { UseFilters } from '@nestjs/common';
import { Args, ID, Info, Int, Query, Resolver } from '@nestjs/graphql';
import type { GraphQLResolveInfo } from 'graphql';

import { selectsField } from '../../../platform/graphql/index.js';

import { CurrentPrincipal, CurrentRequestId, type Principal } from '../../governance/index.js';
import { RecordReads } from '../../record-aggregation/index.js';
import { RecordAggregationErrorFilter } from './record-aggregation-error.filter.js';
import {
  PersonRecordType,
  ReconciliationType,
  RecordSectionValue,
  TimelineConnectionType,
  toItem,
  toItemSource,
  toPersonRecord,
  toSourceStatus,
} from './record.graphql.js';

// A person's shared care record: every read is decided by the access policy and audited before
// it is answered (RecordReads); sources failing make statuses, never errors.

const DEADLINE_DESCRIPTION = 'How long to wait for sources, in milliseconds (the configured default when absent).';

@Resolver()
@UseFilters(RecordAggregationErrorFilter)
export class RecordResolver {
  constructor(private readonly reads: RecordReads) {}

  // Nullable, so that in a query with several record fields one refused field does not blank the others.
  @Query(() => PersonRecordType, {
    nullable: true,
    description: "A person's record from every linked source, assembled now, as you may see it; sections not asked for are null.",
  })
  async record(
    @CurrentPrincipal() principal: Principal,
    @CurrentRequestId() requestId: string,
    @Args('personId', { type: () => ID }) personId: string,
    @Args('sections', { type: () => [RecordSectionValue], nullable: true, description: 'Every section when absent.' })
    sections: RecordSectionValue[] | undefined,
    @Args('deadlineMs', { type: () => Int, nullable: true, description: DEADLINE_DESCRIPTION }) deadlineMs: number | undefined,
    @Info() info: GraphQLResolveInfo,
  ): Promise<PersonRecordType> {
    // Demographics are decided and audited only when their conflicts are asked for.
    const record = await this.reads.read({ principal, requestId, queryKind: 'Query.record' }, personId, sections, {
      ...optional(deadlineMs),
      demographics: selectsField(info, 'demographicConflicts'),
    });
    return toPersonRecord(record);
  }

  @Query(() => ReconciliationType, {
    nullable: true,
    description: 'Medicines and allergies across every source, each with its status in each source, disagreements first.',
  })
  async reconciliation(
    @CurrentPrincipal() principal: Principal,
    @CurrentRequestId() requestId: string,
    @Args('personId', { type: () => ID }) personId: string,
    @Args('deadlineMs', { type: () => Int, nullable: true, description: DEADLINE_DESCRIPTION }) deadlineMs: number | undefined,
  ): Promise<ReconciliationType> {
    const { record, items } = await this.reads.reconciliation(
      { principal, requestId, queryKind: 'Query.reconciliation' },
      personId,
      optional(deadlineMs),
    );
    return {
      personId: record.personId,
      items: items.map((entry) => ({
        kind: entry.kind,
        item: toItem(entry.item),
        perSource: entry.perSource.map(({ sourceId, organisationCode, name, status }) => ({ sourceId, organisationCode, name, status })),
        agreed: entry.agreed,
      })),
      sources: record.sections.flatMap((section) => section.sources).map(toSourceStatus),
    };
  }

  @Query(() => TimelineConnectionType, {
    nullable: true,
    description: 'Dated events across the sections asked for, most recent first, paged.',
  })
  async timeline(
    @CurrentPrincipal() principal: Principal,
    @CurrentRequestId() requestId: string,
    @Args('personId', { type: () => ID }) personId: string,
    @Args('first', { type: () => Int, defaultValue: 20, description: '1 to 100.' }) first: number,
    @Args('after', { type: () => String, nullable: true, description: 'endCursor of the page before.' }) after: string | undefined,
    @Args('from', { type: () => String, nullable: true, description: 'Events on or after this date or instant (ISO 8601).' })
    from: string | undefined,
    @Args('to', { type: () => String, nullable: true, description: 'Events before this date or instant (ISO 8601).' })
    to: string | undefined,
    @Args('types', { type: () => [RecordSectionValue], nullable: true, description: 'Sections to include; every one when absent.' })
    types: RecordSectionValue[] | undefined,
    @Args('deadlineMs', { type: () => Int, nullable: true, description: DEADLINE_DESCRIPTION }) deadlineMs: number | undefined,
  ): Promise<TimelineConnectionType> {
    const { record, page } = await this.reads.timeline(
      { principal, requestId, queryKind: 'Query.timeline' },
      personId,
      { first, ...optionalFields({ after, from, to, types }) },
      optional(deadlineMs),
    );
    return {
      edges: page.edges.map(({ cursor, node }) => ({
        cursor,
        node: {
          itemId: node.itemId,
          section: node.section as RecordSectionValue,
          type: node.type,
          date: node.date,
          display: node.display,
          ...(node.status ? { status: node.status } : {}),
          sources: node.sources.map(toItemSource),
        },
      })),
      pageInfo: { hasNextPage: page.pageInfo.hasNextPage, ...(page.pageInfo.endCursor ? { endCursor: page.pageInfo.endCursor } : {}) },
      totalCount: page.totalCount,
      sources: record.sections.flatMap((section) => section.sources).map(toSourceStatus),
    };
  }
}

const optional = (deadlineMs: number | undefined | null) => (deadlineMs === undefined || deadlineMs === null ? {} : { deadlineMs });

/** GraphQL gives null for an argument left out: the domain takes absent fields. */
function optionalFields<T extends Record<string, unknown>>(fields: T): { [K in keyof T]?: Exclude<T[K], null | undefined> } {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined && value !== null)) as never;
}
