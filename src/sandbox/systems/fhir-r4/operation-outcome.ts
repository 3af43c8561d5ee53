import type { OperationOutcome, OperationOutcomeIssue } from './r4-types.js';

/** Issue types we answer with (http://hl7.org/fhir/issue-type). */
export type IssueCode = 'invalid' | 'structure' | 'required' | 'value' | 'not-supported' | 'not-found' | 'processing' | 'business-rule';

/** A request the FHIR API refuses; the router turns it into an OperationOutcome with this status. */
export class FhirRequestError extends Error {
  constructor(
    readonly status: 400 | 404 | 405 | 415 | 422,
    readonly code: IssueCode,
    message: string,
    /** FHIRPath of the offending element, for create errors. */
    readonly expression?: string,
  ) {
    super(message);
    this.name = 'FhirRequestError';
  }
}

export function operationOutcome(
  severity: OperationOutcomeIssue['severity'],
  code: OperationOutcomeIssue['code'],
  diagnostics: string,
  expression?: string,
): OperationOutcome {
  const issue: OperationOutcomeIssue = { severity, code, diagnostics };
  if (expression) issue.expression = [expression];
  return { resourceType: 'OperationOutcome', issue: [issue] };
}

export function badRequest(message: string, code: IssueCode = 'invalid', expression?: string): FhirRequestError {
  return new FhirRequestError(400, code, message, expression);
}

export function notFound(message: string): FhirRequestError {
  return new FhirRequestError(404, 'not-found', message);
}

export function unprocessable(message: string, expression?: string): FhirRequestError {
  return new FhirRequestError(422, 'processing', message, expression);
}
