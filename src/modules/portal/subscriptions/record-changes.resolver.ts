import { Logger, UseFilters } from '@nestjs/common';
import { Args, Context, ID, Resolver, Subscription } from '@nestjs/graphql';
import { GraphQLError } from 'graphql';
import { decodeJwt } from 'jose';

import { CurrentPrincipal, CurrentRequestId, GovernanceError, type Principal, refusalShape } from '../../governance/index.js';
import { type FollowOptions, RecordAggregationError, RecordChangeFeed, type RecordChangeEvent } from '../../record-aggregation/index.js';
import { graphqlCodeOf, RecordAggregationErrorFilter } from '../record/record-aggregation-error.filter.js';
import { RecordChangeType, toRecordChange } from './record-change.graphql.js';

// Live updates over GraphQL WebSocket (graphql-ws on /graphql): the socket's connection params
// carry the bearer token, which the global guard verifies for each subscription as it does for
// HTTP (platform/graphql/graphql-ws.config.ts makes them the request's headers).

const logger = new Logger('RecordChangesResolver');

@Resolver()
@UseFilters(RecordAggregationErrorFilter)
export class RecordChangesResolver {
  constructor(private readonly feed: RecordChangeFeed) {}

  @Subscription(() => RecordChangeType, {
    description:
      "Tells you when a person's record changes (a source's feed reports an admission or a new result, or the identity " +
      'index changes the person), for the sources you may see; then re-read it. Decided and audited like a read when you ' +
      'subscribe, and again when that decision expires: if you may no longer see the record, it ends with FORBIDDEN.',
    resolve: (event: RecordChangeEvent): RecordChangeType => {
      if ('ended' in event) throw endingError(event.ended);
      return toRecordChange(event.change);
    },
  })
  async recordChanged(
    @CurrentPrincipal() principal: Principal,
    @CurrentRequestId() requestId: string,
    @Args('personId', { type: () => ID }) personId: string,
    @Context('req') request: { headers?: Record<string, string | string[] | undefined> } | undefined,
  ): Promise<AsyncIterableIterator<RecordChangeEvent>> {
    return this.feed.follow({ principal, requestId, queryKind: 'Subscription.recordChanged' }, personId, credentialsExpiry(request));
  }
}

/** The last message of a subscription that ended: the same codes as a refused request. */
function endingError(error: Error): GraphQLError {
  if (error instanceof GovernanceError)
    return new GraphQLError(error.message, { extensions: { code: refusalShape(error).graphqlCode, reason: error.reason } });
  if (error instanceof RecordAggregationError)
    return new GraphQLError(error.message, { extensions: { code: graphqlCodeOf(error.code), reason: error.code } });
  logger.error(`a recordChanged subscription ended on an unexpected error: ${error.message}`);
  // No code: the platform shows it as a bare INTERNAL_SERVER_ERROR.
  return new GraphQLError('Internal server error', { originalError: error });
}

/**
 * When the bearer token of this subscription expires. The guard has verified this very token
 * for the subscription; only its `exp` is read here, so that a subscription cannot outlive it.
 */
function credentialsExpiry(request: { headers?: Record<string, string | string[] | undefined> } | undefined): FollowOptions {
  const header = request?.headers?.authorization;
  const token = /^Bearer\s+(\S+)$/i.exec((Array.isArray(header) ? header[0] : header) ?? '')?.[1];
  if (!token) return {};
  try {
    const { exp } = decodeJwt(token);
    return typeof exp === 'number' ? { credentialsExpireAt: new Date(exp * 1000) } : {};
  } catch {
    return {};
  }
}
