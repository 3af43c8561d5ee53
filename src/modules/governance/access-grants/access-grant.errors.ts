/** Why a request about access grants or privacy alerts was refused. Mapped to GraphQL codes in one place. */
export enum AccessGrantErrorCode {
  /** No such person, grant (of this caller's) or alert. */
  NotFound = 'ACCESS_GRANT_NOT_FOUND',
  /** The grant has ended already, or the alert was acknowledged already. */
  Conflict = 'ACCESS_GRANT_CONFLICT',
  /** The request is malformed (a short reason, an id that is not one). */
  BadInput = 'ACCESS_GRANT_BAD_INPUT',
}

/** A refusal whose message is safe to show: it never repeats a reason, a name or an NHS number. */
export class AccessGrantError extends Error {
  constructor(
    readonly code: AccessGrantErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'AccessGrantError';
  }
}
