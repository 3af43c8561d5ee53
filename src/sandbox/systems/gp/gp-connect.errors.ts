import { CODE_SYSTEM, PROFILE } from './gp-connect.constants.js';
import type { OperationOutcome } from './stu3-types.js';

/** The Spine error codes the simulated GP system answers with, their HTTP status and FHIR issue type. */
const SPINE_ERRORS = {
  BAD_REQUEST: { status: 400, issue: 'invalid', display: 'Bad request' },
  INVALID_NHS_NUMBER: { status: 400, issue: 'value', display: 'Invalid NHS number' },
  INVALID_IDENTIFIER_SYSTEM: { status: 400, issue: 'invalid', display: 'Invalid identifier system' },
  INVALID_IDENTIFIER_VALUE: { status: 400, issue: 'invalid', display: 'Invalid identifier value' },
  PATIENT_NOT_FOUND: { status: 404, issue: 'not-found', display: 'Patient not found' },
  ORGANISATION_NOT_FOUND: { status: 404, issue: 'not-found', display: 'Organisation not found' },
  NO_RECORD_FOUND: { status: 404, issue: 'not-found', display: 'No record found' },
  DUPLICATE_REJECTED: { status: 409, issue: 'duplicate', display: 'Create would lead to creation of a duplicate resource' },
  INVALID_RESOURCE: { status: 422, issue: 'invalid', display: 'Invalid validation of resource' },
  INVALID_PARAMETER: { status: 422, issue: 'invalid', display: 'Invalid parameter' },
  REFERENCE_NOT_FOUND: { status: 422, issue: 'invalid', display: 'Reference not found' },
  INTERNAL_SERVER_ERROR: { status: 500, issue: 'exception', display: 'Internal server error' },
  NOT_IMPLEMENTED: { status: 501, issue: 'not-supported', display: 'Not implemented' },
} as const;

export type SpineErrorCode = keyof typeof SPINE_ERRORS;

/** A request the GP system refuses, answered as a GPConnect-OperationOutcome-1. */
export class GpConnectError extends Error {
  constructor(
    readonly code: SpineErrorCode,
    /** Says what was wrong with the request; never carries clinical content. */
    readonly diagnostics: string,
  ) {
    super(`${code}: ${diagnostics}`);
    this.name = 'GpConnectError';
  }

  get status(): number {
    return SPINE_ERRORS[this.code].status;
  }

  toOperationOutcome(): OperationOutcome {
    const spine = SPINE_ERRORS[this.code];
    return {
      resourceType: 'OperationOutcome',
      meta: { profile: [PROFILE.operationOutcome] },
      issue: [
        {
          severity: 'error',
          code: spine.issue,
          details: { coding: [{ system: CODE_SYSTEM.spineErrorValueSet, code: this.code, display: spine.display }] },
          diagnostics: this.diagnostics,
        },
      ],
    };
  }
}
