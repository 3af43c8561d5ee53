import type { GovernanceError } from '../../governance.errors.js';
import type { AuditEventRecord, AuditOutcome } from '../../audit/index.js';
import { accessReviewError, AccessReviewErrorCode } from '../access-review.errors.js';

// What a review of one access says, and the checks on a review and on an export request: pure,
// so that they are tested without a database.

export const REVIEW_OUTCOMES = ['appropriate', 'inappropriate', 'needs-follow-up'] as const;
export type ReviewOutcome = (typeof REVIEW_OUTCOMES)[number];

/** The access that is looked at one by one: it went ahead without the usual grounds. */
export const REVIEWABLE_OUTCOMES = ['break-glass', 'self-declared'] as const satisfies readonly AuditOutcome[];
export type ReviewableOutcome = (typeof REVIEWABLE_OUTCOMES)[number];

export const REVIEW_NOTE_MAX_LENGTH = 1000;

export interface AccessReviewRecord {
  id: string;
  auditEventId: string;
  reviewedBy: { subject: string; issuer: string; name: string | null };
  outcome: ReviewOutcome;
  note: string | null;
  reviewedAt: Date;
}

/** An audit event as a privacy officer sees it: the event and its review, if it has one. */
export interface AuditEntry {
  event: AuditEventRecord;
  review: AccessReviewRecord | null;
}

export function isReviewable(outcome: AuditOutcome): outcome is ReviewableOutcome {
  return (REVIEWABLE_OUTCOMES as readonly string[]).includes(outcome);
}

/**
 * The note as stored: trimmed, blank meaning none. Finding access inappropriate, or asking for
 * follow-up, must say why; a note never goes into logs or the audit trail.
 */
export function reviewNote(outcome: ReviewOutcome, note: string | null | undefined): string | null {
  const trimmed = note?.trim() ? note.trim() : null;
  if (trimmed && trimmed.length > REVIEW_NOTE_MAX_LENGTH) {
    throw accessReviewError(AccessReviewErrorCode.BadInput, `note must be at most ${REVIEW_NOTE_MAX_LENGTH} characters`);
  }
  if (!trimmed && outcome !== 'appropriate') {
    throw accessReviewError(AccessReviewErrorCode.BadInput, `a review with outcome ${outcome} needs a note saying why`);
  }
  return trimmed;
}

/** Why an event cannot be reviewed now, or nothing when it can. */
export function reviewRefusal(
  event: Pick<AuditEventRecord, 'id' | 'outcome'>,
  existing: AccessReviewRecord | null,
): GovernanceError | null {
  if (!isReviewable(event.outcome)) {
    return accessReviewError(
      AccessReviewErrorCode.NotReviewable,
      `audit event ${event.id} is ${event.outcome} access: only break-glass and self-declared access is reviewed`,
    );
  }
  if (existing) return accessReviewError(AccessReviewErrorCode.AlreadyReviewed, `audit event ${event.id} has been reviewed already`);
  return null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Person ids are UUIDs; anything else is refused before it reaches SQL. */
export function checkPersonId(personId: string | undefined): string | undefined {
  if (personId !== undefined && !UUID.test(personId)) throw accessReviewError(AccessReviewErrorCode.BadInput, 'personId must be a UUID');
  return personId;
}

/** An audit event position as given by a caller: a positive whole number. */
export function checkAuditEventId(id: string): string {
  if (!/^[1-9]\d{0,18}$/.test(id)) throw accessReviewError(AccessReviewErrorCode.NotFound, 'no audit event has that id');
  return id;
}

export interface ExportRequest {
  from?: Date;
  to?: Date;
  personId?: string;
}

/** The query string of GET /audit/export.ndjson: from and to as ISO 8601 times, personId a UUID. */
export function exportRequestOf(query: Record<string, unknown>): ExportRequest {
  const text = (name: string): string | undefined => {
    const value = query[name];
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || !value) throw accessReviewError(AccessReviewErrorCode.BadInput, `${name} must be given once`);
    return value;
  };
  const time = (name: string): Date | undefined => {
    const value = text(name);
    if (value === undefined) return undefined;
    const date = new Date(value);
    if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(date.getTime())) {
      throw accessReviewError(AccessReviewErrorCode.BadInput, `${name} must be an ISO 8601 date or time`);
    }
    return date;
  };
  const unknown = Object.keys(query).filter((name) => !['from', 'to', 'personId'].includes(name));
  if (unknown.length) throw accessReviewError(AccessReviewErrorCode.BadInput, 'the export takes only from, to and personId');
  const request: ExportRequest = {};
  const from = time('from');
  const to = time('to');
  const personId = checkPersonId(text('personId'));
  if (from) request.from = from;
  if (to) request.to = to;
  if (personId) request.personId = personId;
  return request;
}
