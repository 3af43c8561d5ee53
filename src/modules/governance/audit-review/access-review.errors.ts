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

/** A refusal whose message is safe to show: it never repeats a note, a name or an NHS number. */
export class AccessReviewError extends Error {
  constructor(
    readonly code: AccessReviewErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'AccessReviewError';
  }
}
