import { type ArgumentsHost, Catch, type ExceptionFilter } from '@nestjs/common';
import type { GqlExceptionFilter } from '@nestjs/graphql';
import type { Response } from 'express';
import { GraphQLError } from 'graphql';

import { AuditTrailError, AuditTrailErrorCode } from '../audit/audit-trail.errors.js';
import { AccessReviewError, AccessReviewErrorCode } from './access-review.errors.js';

/** The GraphQL code and HTTP status each refusal is shown with; `reason` keeps our own code. */
export function refusalOf(error: AccessReviewError | AuditTrailError): { graphqlCode: string; httpStatus: number } {
  const code = error.code;
  switch (code) {
    case AccessReviewErrorCode.NotFound:
      return { graphqlCode: 'NOT_FOUND', httpStatus: 404 };
    case AccessReviewErrorCode.NotReviewable:
    case AccessReviewErrorCode.AlreadyReviewed:
      return { graphqlCode: 'CONFLICT', httpStatus: 409 };
    case AccessReviewErrorCode.BadInput:
    case AuditTrailErrorCode.InvalidSearch:
      return { graphqlCode: 'BAD_USER_INPUT', httpStatus: 400 };
    default: {
      const unhandled: never = code;
      throw new Error(`unmapped access review error code ${String(unhandled)}`);
    }
  }
}

/**
 * Turns refusals of privacy officers' requests into GraphQL errors or HTTP answers in one place;
 * anything else passes on (the platform's formatter hides it).
 */
@Catch(AccessReviewError, AuditTrailError)
export class AccessReviewErrorFilter implements GqlExceptionFilter, ExceptionFilter {
  catch(error: AccessReviewError | AuditTrailError, host: ArgumentsHost): GraphQLError | void {
    const { graphqlCode, httpStatus } = refusalOf(error);
    if (host.getType<string>() === 'graphql') {
      return new GraphQLError(error.message, { extensions: { code: graphqlCode, reason: error.code } });
    }
    const response = host.switchToHttp().getResponse<Response>();
    // A refusal after the export began streaming cannot change the status: end the stream short.
    if (response.headersSent) {
      response.end();
      return;
    }
    response.status(httpStatus).json({ statusCode: httpStatus, code: error.code, message: error.message });
  }
}
