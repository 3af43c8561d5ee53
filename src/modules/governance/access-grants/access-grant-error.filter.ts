import { type ArgumentsHost, Catch, type ExceptionFilter } from '@nestjs/common';
import type { GqlExceptionFilter } from '@nestjs/graphql';
import { GraphQLError } from 'graphql';

import { AccessGrantError, AccessGrantErrorCode } from './access-grant.errors.js';

/** The GraphQL code each refusal is shown with; `reason` keeps our own code. */
export function graphqlCodeOf(code: AccessGrantErrorCode): string {
  switch (code) {
    case AccessGrantErrorCode.NotFound:
      return 'NOT_FOUND';
    case AccessGrantErrorCode.Conflict:
      return 'CONFLICT';
    case AccessGrantErrorCode.BadInput:
      return 'BAD_USER_INPUT';
    default: {
      const unhandled: never = code;
      throw new Error(`unmapped access grant error code ${String(unhandled)}`);
    }
  }
}

/** Turns access grant refusals into GraphQL errors; anything else passes on (the platform's formatter hides it). */
@Catch(AccessGrantError)
export class AccessGrantErrorFilter implements GqlExceptionFilter, ExceptionFilter {
  catch(error: AccessGrantError, _host: ArgumentsHost): GraphQLError {
    return new GraphQLError(error.message, { extensions: { code: graphqlCodeOf(error.code), reason: error.code } });
  }
}
