import { Injectable } from '@nestjs/common';
import type { GraphQLResolveInfo } from 'graphql';

import { selectsField } from '../../../platform/graphql/index.js';

import { RecordReads, type RecordReadContext } from '../../record-aggregation/index.js';
import type { DeadlineArgs, RecordArgs, TimelineArgs } from './record-args.js';
import {
  type PersonRecordType,
  type ReconciliationType,
  type RecordSectionValue,
  type TimelineConnectionType,
  toItem,
  toItemSource,
  toPersonRecord,
  toSourceStatus,
} from './record.graphql.js';

// The record reads behind both ways GraphQL reaches a record (`record(personId: …)` and
// `person(id) { record }`), mapped to their GraphQL shapes in one place.

@Injectable()
export class RecordQueries {
  constructor(private readonly reads: RecordReads) {}

  async record(context: RecordReadContext, personId: string, args: RecordArgs, info: GraphQLResolveInfo): Promise<PersonRecordType> {
    // Demographics are decided and audited only when their conflicts are asked for.
    const record = await this.reads.read(context, personId, args.sections ?? undefined, {
      ...deadlineOf(args),
      demographics: selectsField(info, 'demographicConflicts'),
    });
    return toPersonRecord(record);
  }

  async reconciliation(context: RecordReadContext, personId: string, args: DeadlineArgs): Promise<ReconciliationType> {
    const { record, items } = await this.reads.reconciliation(context, personId, deadlineOf(args));
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

  async timeline(context: RecordReadContext, personId: string, args: TimelineArgs): Promise<TimelineConnectionType> {
    const { first, after, from, to, types } = args;
    const { record, page } = await this.reads.timeline(
      context,
      personId,
      { first, ...optionalFields({ after, from, to, types }) },
      deadlineOf(args),
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

const deadlineOf = ({ deadlineMs }: DeadlineArgs) => (deadlineMs === undefined || deadlineMs === null ? {} : { deadlineMs });

/** GraphQL gives null for an argument left out: the domain takes absent fields. */
function optionalFields<T extends Record<string, unknown>>(fields: T): { [K in keyof T]?: Exclude<T[K], null | undefined> } {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined && value !== null)) as never;
}
