import { GovernanceError, GovernanceErrorCode } from '../governance.errors.js';

export enum AuditTrailErrorCode {
  InvalidSearch = 'AUDIT_INVALID_SEARCH',
}

/** A request of the audit trail that cannot be answered as asked; the message is safe to show. */
const GOVERNANCE_CODE: Record<AuditTrailErrorCode, GovernanceErrorCode> = {
  [AuditTrailErrorCode.InvalidSearch]: GovernanceErrorCode.BadInput,
};

/** Refusals are GovernanceErrors (one error class for the module); `reason` names the rule. Messages are safe to show. */
export function auditTrailError(code: AuditTrailErrorCode, message: string): GovernanceError {
  return new GovernanceError(GOVERNANCE_CODE[code], code, message);
}
