// The one error the person-held record's pure rules throw. The module's error class (and the
// GraphQL mapping) wrap it as a bad-input error; the message is written to be shown to the
// person as it is.

/** Why an entry was refused, stable for clients and metrics. */
export type PhrInputProblem =
  | 'missing'
  | 'not-a-number'
  | 'unknown-kind'
  | 'unknown-unit'
  | 'not-allowed'
  | 'out-of-range'
  | 'inconsistent'
  | 'invalid-time'
  | 'in-the-future'
  | 'too-long'
  | 'empty'
  | 'invalid-code'
  | 'invalid-identity'
  | 'unknown-time-zone';

/**
 * A person's entry that the hub will not store. The message names the field, the value and what
 * is allowed ("systolic 400 mmHg is outside the plausible range 50–300 mmHg"): it is meant for the
 * person who typed it. It may hold their reading, so log `field` and `problem`, never the message.
 * Free text and unrecognised strings are never echoed.
 */
export class PhrInputError extends Error {
  constructor(
    /** The input field at fault, as the client named it (`systolic`, `effectiveAt`, `dosage`). */
    readonly field: string,
    readonly problem: PhrInputProblem,
    message: string,
  ) {
    super(message);
    this.name = 'PhrInputError';
  }
}

/** Echo a short token (a unit, a kind) only when it cannot carry anything but a name. */
export function safeToken(value: string): string | undefined {
  return /^[A-Za-z0-9_.%/[\]{}°*^-]{1,24}$/.test(value) ? value : undefined;
}
