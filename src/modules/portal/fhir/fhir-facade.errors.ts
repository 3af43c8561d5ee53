/**
 * Why the FHIR facade refused a request before anything was read. Access refusals are
 * GovernanceErrors and record refusals RecordAggregationErrors; fhir-outcome.filter.ts maps all
 * three to an OperationOutcome and an HTTP status in one place.
 */
export enum FhirFacadeErrorCode {
  /** A search parameter's value is malformed (HTTP 400, issue `invalid`). */
  InvalidParameter = 'INVALID_PARAMETER',
  /** A parameter the facade does not offer, or a form of one it does not (HTTP 400, issue `not-supported`). */
  UnsupportedParameter = 'UNSUPPORTED_PARAMETER',
  /** A resource type, operation or path the facade does not serve (HTTP 404, issue `not-supported`). */
  UnknownResource = 'UNKNOWN_RESOURCE',
  /** Anything but a read: the facade is read-only (HTTP 405, issue `not-supported`). */
  ReadOnly = 'READ_ONLY',
  /** A format other than FHIR JSON was asked for (HTTP 406, issue `not-supported`). */
  NotAcceptable = 'NOT_ACCEPTABLE',
}

/** Messages are safe to show the caller: they name the parameter and the rule, never its value. */
export class FhirFacadeError extends Error {
  constructor(
    readonly code: FhirFacadeErrorCode,
    message: string,
    /** The HTTP parameter at fault, when there is one (OperationOutcome `http.<name>`). */
    readonly parameter?: string,
  ) {
    super(message);
    this.name = 'FhirFacadeError';
  }
}

export const invalidParameter = (parameter: string, message: string): FhirFacadeError =>
  new FhirFacadeError(FhirFacadeErrorCode.InvalidParameter, `${parameter}: ${message}`, parameter);

export const unsupportedParameter = (parameter: string, message: string): FhirFacadeError =>
  new FhirFacadeError(FhirFacadeErrorCode.UnsupportedParameter, `${parameter}: ${message}`, parameter);
