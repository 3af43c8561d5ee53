import { type ArgumentsHost, Catch, type ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import { GraphQLError } from 'graphql';

import { GovernanceError, GovernanceErrorCode } from '../governance.errors.js';

/** How a governance refusal is shown: one place for the HTTP status and the GraphQL code. */
export interface GovernanceRefusalShape {
  status: number;
  graphqlCode: string;
}

/**
 * UNAUTHENTICATED -> 401, FORBIDDEN -> 403, BAD_INPUT -> 400 (HTTP controllers; GraphQL uses the
 * code, and the status only for 401 and 503, see below). An identity provider the hub cannot
 * reach (reason 'issuer-unavailable') is not the caller's fault: 503 and ISSUER_UNAVAILABLE, so
 * that clients retry instead of signing in again.
 */
export function refusalShape(error: GovernanceError): GovernanceRefusalShape {
  if (error.reason === 'issuer-unavailable') return { status: 503, graphqlCode: 'ISSUER_UNAVAILABLE' };
  switch (error.code) {
    case GovernanceErrorCode.Unauthenticated:
      return { status: 401, graphqlCode: 'UNAUTHENTICATED' };
    case GovernanceErrorCode.Forbidden:
      return { status: 403, graphqlCode: 'FORBIDDEN' };
    case GovernanceErrorCode.BadInput:
      return { status: 400, graphqlCode: 'BAD_USER_INPUT' };
    case GovernanceErrorCode.NotFound:
      return { status: 404, graphqlCode: 'NOT_FOUND' };
    case GovernanceErrorCode.Conflict:
      return { status: 409, graphqlCode: 'CONFLICT' };
    default: {
      const unhandled: never = error.code;
      throw new Error(`unmapped governance error code ${String(unhandled)}`);
    }
  }
}

/**
 * Global filter (APP_FILTER) for GovernanceError from the guard, resolvers and services. Messages
 * are written to be safe (governance.errors.ts); `reason` is the stable code ('expired', ...).
 */
@Catch(GovernanceError)
export class GovernanceErrorFilter implements ExceptionFilter<GovernanceError> {
  catch(error: GovernanceError, host: ArgumentsHost): GraphQLError | void {
    const { status, graphqlCode } = refusalShape(error);
    if (host.getType<string>() === 'graphql') {
      // Apollo sets the response status from extensions.http (and drops it from the body). Only a
      // refusal of the whole request changes it: without a valid token no field can answer (401),
      // or the identity provider is down (503). A missing role refuses one field, and the others
      // may still answer: that stays a GraphQL error with HTTP 200.
      const wholeRequest = status === 401 || status === 503;
      const extensions = {
        code: graphqlCode,
        reason: error.reason,
        ...(wholeRequest ? { http: { status, headers: new Map(challenge(error, status)) } } : {}),
      };
      return new GraphQLError(error.message, { extensions });
    }
    const response = host.switchToHttp().getResponse<Response>();
    // A refusal after a stream (the audit export) began cannot change the status: end it short.
    if (response.headersSent) {
      response.end();
      return;
    }
    for (const [name, value] of challenge(error, status)) response.setHeader(name, value);
    response.status(status).json({ statusCode: status, error: graphqlCode, reason: error.reason, message: error.message });
  }
}

/** RFC 6750: a 401 tells the client which scheme to use. The reason is one of our fixed codes, never caller text. */
export function challenge(error: GovernanceError, status: number): [string, string][] {
  if (status !== 401) return [];
  // A request with no token at all gets the bare challenge (RFC 6750 section 3.1).
  if (error.reason === 'missing-token') return [['www-authenticate', 'Bearer realm="tessera"']];
  return [['www-authenticate', `Bearer realm="tessera", error="invalid_token", error_description="${error.reason}"`]];
}
