import { IdentityMatchingError, IdentityMatchingErrorCode } from '../identity-matching.errors.js';

// What a steward types, checked before anything is read or written. Messages name the field
// and the rule, never echo the text (a reason may quote a patient's details).

export const MAX_REASON_LENGTH = 500;
export const REVIEW_STATUSES = ['pending', 'accepted', 'rejected', 'superseded'] as const;
export type ReviewStatus = (typeof REVIEW_STATUSES)[number];

const badInput = (message: string) => new IdentityMatchingError(IdentityMatchingErrorCode.BadInput, message);

/** A reason is required for every change a steward makes: the history shows why it was made. */
export function requiredReason(reason: string | null | undefined, field = 'reason'): string {
  const trimmed = (reason ?? '').trim();
  if (!trimmed) throw badInput(`${field} must not be blank`);
  if (trimmed.length > MAX_REASON_LENGTH) throw badInput(`${field} must be at most ${MAX_REASON_LENGTH} characters`);
  return trimmed;
}

/** An optional note: absent or blank is no note; too long is refused. */
export function optionalNote(note: string | null | undefined, field = 'note'): string | undefined {
  const trimmed = (note ?? '').trim();
  if (!trimmed) return undefined;
  if (trimmed.length > MAX_REASON_LENGTH) throw badInput(`${field} must be at most ${MAX_REASON_LENGTH} characters`);
  return trimmed;
}

export function pageSize(limit: number, max: number): number {
  if (!Number.isInteger(limit) || limit < 1 || limit > max) throw badInput(`limit must be from 1 to ${max}`);
  return limit;
}

export function reviewStatus(status: string): ReviewStatus {
  if (!(REVIEW_STATUSES as readonly string[]).includes(status)) throw badInput(`status must be one of ${REVIEW_STATUSES.join(', ')}`);
  return status as ReviewStatus;
}
