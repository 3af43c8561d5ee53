/// <reference types="fhir" />
import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';

import type { R4OperationOutcome } from '../../../fhir/index.js';
import { GovernanceError, refusalShape } from '../../governance/index.js';
import { RecordAggregationError, RecordAggregationErrorCode } from '../../record-aggregation/index.js';
import { REFUSAL_REASON_SYSTEM } from '../../record-aggregation/index.js';
import { FhirFacadeError, FhirFacadeErrorCode } from './fhir-facade.errors.js';

// Every error the FHIR facade answers is an OperationOutcome, in one place: the guard's
// refusals (401, 403), the access policy's (403 with its reason code), the record's (404, 400),
// the facade's own (400 naming the parameter, 404, 405, 406), a rate limit (429), and anything
// unexpected (500, with nothing of the error in it).

export const FHIR_JSON = 'application/fhir+json; charset=utf-8';

type IssueType = fhir4.OperationOutcomeIssue['code'];

export interface ErrorAnswer {
  status: number;
  outcome: R4OperationOutcome;
  headers: Array<[string, string]>;
  /** Not raised for the caller: logged, and shown as a bare 500. */
  unexpected: boolean;
}

function answer(status: number, code: IssueType, text: string, extra: Partial<fhir4.OperationOutcomeIssue> = {}): ErrorAnswer {
  return {
    status,
    outcome: { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code, details: { text }, ...extra }] },
    headers: [],
    unexpected: false,
  };
}

const reasonCoding = (reason: string, text: string): fhir4.CodeableConcept => ({
  coding: [{ system: REFUSAL_REASON_SYSTEM, code: reason }],
  text,
});

const ISSUE_OF_STATUS: Record<number, IssueType> = {
  400: 'invalid',
  401: 'login',
  403: 'forbidden',
  404: 'not-found',
  405: 'not-supported',
  406: 'not-supported',
  409: 'conflict',
  413: 'too-costly',
  415: 'not-supported',
  429: 'throttled',
  503: 'transient',
};

/** The HTTP status and OperationOutcome for any error a facade handler (or the guard in front of it) throws. */
export function errorAnswer(error: unknown): ErrorAnswer {
  if (error instanceof GovernanceError) {
    const { status } = refusalShape(error);
    const result = answer(status, ISSUE_OF_STATUS[status] ?? 'processing', error.message, {
      details: reasonCoding(error.reason, error.message),
    });
    if (status === 401)
      // RFC 6750: the client is told which scheme to use; the reason is one of governance's fixed codes.
      result.headers.push([
        'www-authenticate',
        error.reason === 'missing-token'
          ? 'Bearer realm="tessera"'
          : `Bearer realm="tessera", error="invalid_token", error_description="${error.reason}"`,
      ]);
    if (error.reason === 'insufficient-scope')
      result.headers.push(['www-authenticate', 'Bearer realm="tessera", error="insufficient_scope"']);
    return result;
  }
  if (error instanceof RecordAggregationError) {
    switch (error.code) {
      case RecordAggregationErrorCode.NotFound:
        return answer(404, 'not-found', error.message);
      case RecordAggregationErrorCode.BadInput:
        return answer(400, 'invalid', error.message);
      default: {
        const unhandled: never = error.code;
        throw new Error(`unmapped record-aggregation error code ${String(unhandled)}`);
      }
    }
  }
  if (error instanceof FhirFacadeError) {
    const at = error.parameter ? { expression: [`http.${error.parameter}`], location: [`http.${error.parameter}`] } : {};
    switch (error.code) {
      case FhirFacadeErrorCode.InvalidParameter:
        return answer(400, 'invalid', error.message, at);
      case FhirFacadeErrorCode.UnsupportedParameter:
        return answer(400, 'not-supported', error.message, at);
      case FhirFacadeErrorCode.UnknownResource:
        return answer(404, 'not-supported', error.message);
      case FhirFacadeErrorCode.ReadOnly:
        return { ...answer(405, 'not-supported', error.message), headers: [['allow', 'GET']] };
      case FhirFacadeErrorCode.NotAcceptable:
        return answer(406, 'not-supported', error.message, at);
      default: {
        const unhandled: never = error.code;
        throw new Error(`unmapped FHIR facade error code ${String(unhandled)}`);
      }
    }
  }
  if (error instanceof HttpException && error.getStatus() < 500) {
    // Nest's own and the rate limit's (which set Retry-After already): written for the caller.
    const status = error.getStatus();
    return answer(status, ISSUE_OF_STATUS[status] ?? 'processing', error.message);
  }
  return { ...answer(500, 'exception', 'the server could not answer this request'), unexpected: true };
}

/** Bound to the facade's controller, so it sees the global guard's refusals as well as the handlers' errors. */
@Catch()
export class FhirOutcomeFilter implements ExceptionFilter {
  private readonly logger = new Logger('FhirFacade');

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const response = http.getResponse<Response>();
    const { status, outcome, headers, unexpected } = errorAnswer(error);
    if (unexpected) {
      const request = http.getRequest<Request & { route?: { path?: string } }>();
      // The route template, never the URL: a query string can hold an NHS number.
      this.logger.error(
        `${request.method} ${String(request.route?.path ?? '/fhir/r4')} failed: ${(error as Error)?.name ?? 'error'}`,
        (error as Error)?.stack,
      );
    }
    if (response.headersSent) {
      response.end();
      return;
    }
    for (const [name, value] of headers) response.setHeader(name, value);
    response.status(status).type(FHIR_JSON).send(JSON.stringify(outcome));
  }
}
