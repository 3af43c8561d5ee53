/** What the council system answers when it refuses a request, in its own error shape. */
export const SOCIAL_CARE_ERRORS = {
  INVALID_QUERY: 400,
  CLIENT_NOT_FOUND: 404,
  NOT_FOUND: 404,
} as const;

export type SocialCareErrorCode = keyof typeof SOCIAL_CARE_ERRORS;

export class SocialCareError extends Error {
  constructor(
    readonly code: SocialCareErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'SocialCareError';
  }

  get status(): number {
    return SOCIAL_CARE_ERRORS[this.code];
  }

  /** `{ "error": { "code", "message" } }`, as the council's API writes every error. */
  toBody(): { error: { code: SocialCareErrorCode; message: string } } {
    return { error: { code: this.code, message: this.message } };
  }
}
