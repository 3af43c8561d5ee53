import { randomUUID } from 'node:crypto';

import type { SubscriptionConfig } from '@nestjs/graphql';
import {
  type DocumentNode,
  type ExecutionResult,
  getOperationAST,
  GraphQLError,
  type GraphQLFormattedError,
  type GraphQLSchema,
  parse,
  specifiedRules,
  validate,
} from 'graphql';

import { formatGraphqlError } from './format-error.js';
import { type QueryLimits, queryLimitRules } from './query-limits.js';

// GraphQL over WebSocket (the graphql-ws protocol, on /graphql): subscriptions only. A socket
// has no HTTP headers of its own, so the client sends them as connection params
// ({ authorization: 'Bearer …' }); each subscription's context carries them as a request-like
// object's headers, and the guard in front of every resolver verifies them exactly as for HTTP.

/** Most subscriptions one socket may hold at once: each holds a listener and an access decision. */
export const MAX_SUBSCRIPTIONS_PER_SOCKET = 20;
/** Connection params taken as headers: at most this many, each at most this long (as HTTP caps headers). */
const MAX_PARAMS = 16;
const MAX_PARAM_LENGTH = 8_192;

/** The request a resolver sees for a subscription: the connection params as headers, and an id of its own. */
export interface SocketRequest {
  headers: Record<string, string>;
  id: string;
  method: 'WEBSOCKET';
}

/** What graphql-ws keeps for a socket (the fields read here). */
interface SocketContext {
  connectionParams?: Readonly<Record<string, unknown>>;
  subscriptions: Readonly<Record<string, unknown>>;
}

interface SubscribeMessage {
  query: string;
  operationName?: string | null;
}

/**
 * The GraphQL context: over HTTP Apollo passes { req, res } and the request is the context's
 * `req`; over the socket, a request-like object made for each subscription (so the guard's
 * cached verification and audit trail are per subscription, as they are per HTTP request).
 */
export function graphqlContext(context: { req?: unknown } | SocketContext): { req: unknown } {
  if ('req' in context && context.req) return { req: context.req };
  return { req: socketRequest((context as SocketContext).connectionParams) };
}

export function socketRequest(connectionParams: Readonly<Record<string, unknown>> | undefined): SocketRequest {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(connectionParams ?? {}).slice(0, MAX_PARAMS))
    if (typeof value === 'string' && value.length <= MAX_PARAM_LENGTH) headers[name.toLowerCase()] = value;
  return { headers, id: randomUUID(), method: 'WEBSOCKET' };
}

export interface GraphqlWsSettings {
  limits: QueryLimits;
  /** Production: validation errors do not suggest field names (as hideSchemaDetailsFromClientErrors does over HTTP). */
  hideSchemaDetails: boolean;
}

/**
 * graphql-ws's server options. Queries and mutations are refused on the socket: over HTTP they
 * have the authentication middleware, rate limit and status codes, and one way in is simpler to
 * hold. The same parse and validation limits as HTTP apply; every error leaves through the same
 * formatter (no internal message, no stack, no HTTP-only extension).
 */
export function graphqlWsSubscriptions(settings: GraphqlWsSettings): SubscriptionConfig {
  const { validationRules, parseOptions } = queryLimitRules(settings.limits);
  const rules = [...specifiedRules, ...validationRules];
  const options = {
    // Nest's types list only some of graphql-ws's options; it passes them all to graphql-ws's useServer.
    parse: (source: string): DocumentNode => parse(source, parseOptions),
    validate: (schema: GraphQLSchema, document: DocumentNode): readonly GraphQLError[] => validate(schema, document, rules),
    onSubscribe: (context: SocketContext, _id: string, message: SubscribeMessage): readonly GraphQLError[] | undefined => {
      // The subscription being started is already counted.
      if (Object.keys(context.subscriptions).length > MAX_SUBSCRIPTIONS_PER_SOCKET)
        return [coded(`at most ${MAX_SUBSCRIPTIONS_PER_SOCKET} subscriptions per connection`, 'BAD_REQUEST')];
      let document: DocumentNode;
      try {
        document = parse(message.query, parseOptions);
      } catch (error) {
        // graphql-ws would close the whole socket on a syntax error; this refuses the one operation.
        return [coded(error instanceof GraphQLError ? error.message : 'the operation could not be parsed', 'GRAPHQL_PARSE_FAILED')];
      }
      const operation = getOperationAST(document, message.operationName ?? undefined);
      if (operation && operation.operation !== 'subscription')
        return [coded(`only subscriptions are served over WebSocket: send ${operation.operation}s to POST /graphql`, 'BAD_REQUEST')];
      return undefined;
    },
    onNext: (_context: unknown, _id: unknown, _message: unknown, _args: unknown, result: ExecutionResult) =>
      result.errors ? { ...result, errors: result.errors.map((error) => formatSocketError(error, 'BAD_USER_INPUT', settings)) } : undefined,
    onError: (_context: unknown, _id: unknown, _message: unknown, errors: readonly GraphQLError[]) =>
      errors.map((error) => formatSocketError(error, 'GRAPHQL_VALIDATION_FAILED', settings)),
  };
  return { 'graphql-ws': options as NonNullable<SubscriptionConfig['graphql-ws']> };
}

/**
 * An error as the socket sends it. Errors graphql-js raises itself (no original error: the
 * operation was invalid, a variable missing) get `graphqlCode`; errors raised on purpose carry
 * their code; anything else becomes INTERNAL_SERVER_ERROR in formatGraphqlError.
 */
export function formatSocketError(
  error: GraphQLError,
  graphqlCode: string,
  settings: Pick<GraphqlWsSettings, 'hideSchemaDetails'>,
): GraphQLFormattedError {
  const formatted = error.toJSON();
  // Governance's filter tells Apollo the HTTP status this way; a socket has none to set.
  const { http: _http, ...extensions } = formatted.extensions ?? {};
  const code = typeof extensions.code === 'string' ? extensions.code : error.originalError ? undefined : graphqlCode;
  const message =
    settings.hideSchemaDetails && code === 'GRAPHQL_VALIDATION_FAILED'
      ? formatted.message.replace(/ Did you mean(.+?)\?$/, '')
      : formatted.message;
  return formatGraphqlError({ ...formatted, message, extensions: code ? { ...extensions, code } : extensions });
}

function coded(message: string, code: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code } });
}
