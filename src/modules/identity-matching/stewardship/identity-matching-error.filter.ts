import { Catch } from '@nestjs/common';
import type { GqlExceptionFilter } from '@nestjs/graphql';
import { GraphQLError } from 'graphql';

import { IdentityMatchingError, IdentityMatchingErrorCode } from '../identity-matching.errors.js';

/** The GraphQL code each refusal is shown with; `reason` keeps the index's own code. */
export function graphqlCodeOf(code: IdentityMatchingErrorCode): string {
  switch (code) {
    case IdentityMatchingErrorCode.NotFound:
      return 'NOT_FOUND';
    case IdentityMatchingErrorCode.BadInput:
      return 'BAD_USER_INPUT';
    case IdentityMatchingErrorCode.Conflict:
    case IdentityMatchingErrorCode.Contradiction:
      return 'CONFLICT';
    default: {
      const unhandled: never = code;
      throw new Error(`unmapped identity-matching error code ${String(unhandled)}`);
    }
  }
}

/**
 * Turns the index's refusals into GraphQL errors in one place, for every stewardship resolver;
 * anything else passes on to the platform's formatter (which hides it).
 */
@Catch(IdentityMatchingError)
export class IdentityMatchingErrorFilter implements GqlExceptionFilter {
  catch(error: IdentityMatchingError): GraphQLError {
    return new GraphQLError(error.message, { extensions: { code: graphqlCodeOf(error.code), reason: error.code } });
  }
}
