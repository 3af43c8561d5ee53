import { GovernanceError, GovernanceErrorCode } from '../governance.errors.js';

/** Why a privacy officer's request about the audit trail was refused. Mapped to GraphQL and HTTP codes in one place. */
export enum AccessReviewErrorCode {
  /** No audit event at that position. */
  NotFound = 'ACCESS_REVIEW_NOT_FOUND',
  /** Only break-glass and self-declared access is reviewed. */
  NotReviewable = 'ACCESS_REVIEW_NOT_REVIEWABLE',
  /** The event has a review already; reviews are not replaced. */
  AlreadyReviewed = 'ACCESS_REVIEW_ALREADY_REVIEWED',
  /** The request itself is malformed (a bad date, an over-long note). */
  BadInput = 'ACCESS_REVIEW_BAD_INPUT',
}

const GOVERNANCE_CODE: Record<AccessReviewErrorCode, GovernanceErrorCode> = {
  [AccessReviewErrorCode.NotFound]: GovernanceErrorCode.NotFound,
  [AccessReviewErrorCode.NotReviewable]: GovernanceErrorCode.Conflict,
  [AccessReviewErrorCode.AlreadyReviewed]: GovernanceErrorCode.Conflict,
  [AccessReviewErrorCode.BadInput]: GovernanceErrorCode.BadInput,
};

/** Refusals are GovernanceErrors (one error class for the module); `reason` names the rule. Messages are safe to show. */
export function accessReviewError(code: AccessReviewErrorCode, message: string): GovernanceError {
  return new GovernanceError(GOVERNANCE_CODE[code], code, message);
}
