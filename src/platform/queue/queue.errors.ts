export enum QueueErrorCode {
  /** Job definitions and handlers do not match one to one. */
  InvalidJobSetup = 'INVALID_JOB_SETUP',
  /** A job was enqueued that no module declared. */
  UnknownJob = 'UNKNOWN_JOB',
  /** A payload held something other than ids and flags. */
  InvalidPayload = 'INVALID_PAYLOAD',
  DeadLetterNotFound = 'DEAD_LETTER_NOT_FOUND',
  DeadLetterAlreadyRedriven = 'DEAD_LETTER_ALREADY_REDRIVEN',
}

export class QueueError extends Error {
  constructor(
    readonly code: QueueErrorCode,
    message: string,
    readonly problems: string[] = [],
  ) {
    super(problems.length ? `${message}: ${problems.join('; ')}` : message);
    this.name = 'QueueError';
  }
}
