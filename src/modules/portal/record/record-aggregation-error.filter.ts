import { Catch } from '@nestjs/common';
import type { GqlExceptionFilter } from '@nestjs/graphql';
import { GraphQLError } from 'graphql';

import { RecordAggregationError, RecordAggregationErrorCode } from '../../record-aggregation/index.js';

/** The GraphQL code each refusal of a record read is shown with. */
export function graphqlCodeOf(code: RecordAggregationErrorCode): string {
  switch (code) {
    case RecordAggregationErrorCode.NotFound:
      return 'NOT_FOUND';
    case RecordAggregationErrorCode.BadInput:
      return 'BAD_USER_INPUT';
    default: {
      const unhandled: never = code;
      throw new Error(`unmapped record-aggregation error code ${String(unhandled)}`);
    }
  }
}

/** Turns record read refusals into GraphQL errors in one place; access refusals are governance's. */
@Catch(RecordAggregationError)
export class RecordAggregationErrorFilter implements GqlExceptionFilter {
  catch(error: RecordAggregationError): GraphQLError {
    return new GraphQLError(error.message, { extensions: { code: graphqlCodeOf(error.code), reason: error.code } });
  }
}
