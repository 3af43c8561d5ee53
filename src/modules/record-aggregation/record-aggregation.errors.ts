/** Why a record read was refused before any source was asked (access refusals are GovernanceErrors). */
export enum RecordAggregationErrorCode {
  /** No person with that id. */
  NotFound = 'NOT_FOUND',
  /** The request is malformed: an unknown section, a deadline out of range, a bad cursor. */
  BadInput = 'BAD_INPUT',
}

/** Messages are safe to show the caller: they name the rule, never a person's details. */
export class RecordAggregationError extends Error {
  constructor(
    readonly code: RecordAggregationErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'RecordAggregationError';
  }
}
