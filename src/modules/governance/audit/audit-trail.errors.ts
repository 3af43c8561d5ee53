export enum AuditTrailErrorCode {
  InvalidSearch = 'AUDIT_INVALID_SEARCH',
}

/** A request of the audit trail that cannot be answered as asked; the message is safe to show. */
export class AuditTrailError extends Error {
  constructor(
    readonly code: AuditTrailErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'AuditTrailError';
  }
}
