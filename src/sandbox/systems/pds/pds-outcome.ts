import type { OperationOutcome } from './pds-fhir-types.js';

export const SPINE_ERROR_SYSTEM = 'https://fhir.nhs.uk/R4/CodeSystem/Spine-ErrorOrWarningCode';

/** The Spine codes this simulation answers with: HTTP status, issue type, severity and display, as the PDS fixtures have them. */
const SPINE_ERRORS = {
  INVALID_RESOURCE_ID: { status: 400, code: 'value', severity: 'error', display: 'Resource Id is invalid' },
  RESOURCE_NOT_FOUND: { status: 404, code: 'not-found', severity: 'information', display: 'Resource not found' },
  INVALID_SEARCH_DATA: { status: 400, code: 'value', severity: 'error', display: 'Search data is invalid' },
  INVALID_VALUE: { status: 400, code: 'value', severity: 'error', display: 'Provided value is invalid' },
  MISSING_VALUE: { status: 400, code: 'required', severity: 'error', display: 'Required value is missing' },
  ADDITIONAL_PROPERTIES: { status: 400, code: 'invariant', severity: 'error', display: 'Additional properties should not be included' },
  UNSUPPORTED_SERVICE: { status: 400, code: 'processing', severity: 'error', display: 'Unsupported Service' },
  // PDS answers a search that matched more than _max-results with 200 and this outcome, not with an error status.
  TOO_MANY_MATCHES: { status: 200, code: 'multiple-matches', severity: 'information', display: 'Too Many Matches' },
} as const satisfies Record<string, { status: number; code: OperationOutcome['issue'][number]['code']; severity: string; display: string }>;

export type SpineCode = keyof typeof SPINE_ERRORS;

/** A request PDS refuses or cannot answer with a resource; the router renders it as an OperationOutcome. */
export class PdsError extends Error {
  constructor(
    readonly spineCode: SpineCode,
    readonly diagnostics?: string,
  ) {
    super(diagnostics ?? SPINE_ERRORS[spineCode].display);
    this.name = 'PdsError';
  }

  get status(): number {
    return SPINE_ERRORS[this.spineCode].status;
  }

  toOutcome(): OperationOutcome {
    return spineOutcome(this.spineCode, this.diagnostics);
  }
}

export function spineOutcome(spineCode: SpineCode, diagnostics?: string): OperationOutcome {
  const { code, severity, display } = SPINE_ERRORS[spineCode];
  return {
    resourceType: 'OperationOutcome',
    issue: [
      {
        severity,
        code,
        details: { coding: [{ system: SPINE_ERROR_SYSTEM, version: '1', code: spineCode, display }] },
        ...(diagnostics ? { diagnostics } : {}),
      },
    ],
  };
}
