/** Why the identity index refused a request. */
export enum IdentityMatchingErrorCode {
  /** No person, source identity, review or event with that id. */
  NotFound = 'NOT_FOUND',
  /** The request no longer fits the index as it is (already undone, superseded, not pending…). */
  Conflict = 'CONFLICT',
  /** The change would make one person of records that contradict each other (two NHS numbers). */
  Contradiction = 'CONTRADICTION',
  /** The request itself is malformed (a blank reason, a limit out of range). */
  BadInput = 'BAD_INPUT',
}

/**
 * Messages are written for the steward who made the request: they name ids and rules, never
 * names, NHS numbers or other demographics.
 */
export class IdentityMatchingError extends Error {
  constructor(
    readonly code: IdentityMatchingErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'IdentityMatchingError';
  }
}
