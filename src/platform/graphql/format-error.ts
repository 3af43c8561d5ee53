import type { GraphQLFormattedError } from 'graphql';

/** Codes whose messages are written for the caller and safe to show as they are. */
const callerFacingCodes = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_USER_INPUT',
  'BAD_REQUEST',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'CONFLICT',
  'SOURCE_UNAVAILABLE',
  // An identity provider could not be reached to check a token (HTTP 503; governance's GovernanceErrorFilter).
  'ISSUER_UNAVAILABLE',
  // Too many requests from one principal (HTTP 429 with Retry-After; governance's RateLimitGuard).
  'RATE_LIMITED',
]);

/**
 * The single place errors become GraphQL errors. Anything not deliberately raised for the
 * caller becomes a bare INTERNAL_SERVER_ERROR: its message could hold SQL or clinical content.
 * Stack traces never leave the process.
 */
export function formatGraphqlError(formatted: GraphQLFormattedError): GraphQLFormattedError {
  const code = typeof formatted.extensions?.code === 'string' ? formatted.extensions.code : 'INTERNAL_SERVER_ERROR';
  if (callerFacingCodes.has(code)) {
    const { stacktrace: _stacktrace, ...extensions } = formatted.extensions ?? {};
    return { ...formatted, extensions: { ...extensions, code } };
  }
  return { message: 'Internal server error', path: formatted.path, extensions: { code: 'INTERNAL_SERVER_ERROR' } };
}
