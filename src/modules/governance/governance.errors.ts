/** Why governance refused a request. The GraphQL/HTTP layer maps each code to a status in one place. */
export enum GovernanceErrorCode {
  /** No valid identity: missing, malformed, expired or untrusted token (HTTP 401). */
  Unauthenticated = 'UNAUTHENTICATED',
  /** A valid identity that may not do this (HTTP 403). */
  Forbidden = 'FORBIDDEN',
  /** The request itself is malformed (a blank reason, an unknown section). */
  BadInput = 'BAD_INPUT',
  /** No such person, grant, alert or audit event (HTTP 404). */
  NotFound = 'NOT_FOUND',
  /** The request no longer fits what is stored: already reviewed, ended, acknowledged, a stale version (HTTP 409). */
  Conflict = 'CONFLICT',
}

/**
 * Messages are safe to show the caller and to log: they name the rule that failed, never the
 * token, a claim's value, a name or an NHS number. `reason` is a stable, machine-readable detail
 * (for authentication: 'expired', 'wrong-audience', ...), recorded in the audit trail.
 */
export class GovernanceError extends Error {
  constructor(
    readonly code: GovernanceErrorCode,
    readonly reason: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'GovernanceError';
  }
}
