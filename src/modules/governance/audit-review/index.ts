// Privacy officers' review of the audit trail: search, break-glass and self-declared access
// reviews (the access_review table), and the NDJSON export over HTTP.
export {
  AuditReviewService,
  type AuditEntryPage,
  type OfficerRequest,
  type ReviewQueueRequest,
  type ReviewRequest,
} from './audit-review.service.js';
export { AccessReviewErrorCode } from './access-review.errors.js';
export {
  REVIEW_OUTCOMES,
  REVIEWABLE_OUTCOMES,
  REVIEW_NOTE_MAX_LENGTH,
  type ReviewOutcome,
  type ReviewableOutcome,
  type AccessReviewRecord,
  type AuditEntry,
} from './domain/access-review.js';
