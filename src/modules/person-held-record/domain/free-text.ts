import { PhrInputError } from './phr-input-error.js';

// What a person types is stored as they meant it, minus what no one means to type: control
// characters (pasted terminal junk, NULs that break storage and exports) and stray carriage returns.

/** The longest note, symptom description or medicine note the hub keeps. */
export const MAX_TEXT_LENGTH = 2000;

/** Control characters other than line feed and tab (C0, DEL and C1). */
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/g;

/**
 * The text cleaned: Unicode NFC, line breaks as \n, control characters removed, outer white space
 * trimmed. Refuses a missing, empty or over-long text; the message counts characters, never quotes them.
 */
export function cleanText(value: unknown, field: string, maxLength = MAX_TEXT_LENGTH): string {
  if (value === undefined || value === null) throw new PhrInputError(field, 'missing', `${field} is required`);
  if (typeof value !== 'string') throw new PhrInputError(field, 'missing', `${field} must be text`);
  const cleaned = value.normalize('NFC').replace(/\r\n?/g, '\n').replace(CONTROL_CHARACTERS, '').trim();
  if (!cleaned) throw new PhrInputError(field, 'empty', `${field} is empty`);
  const length = [...cleaned].length;
  if (length > maxLength)
    throw new PhrInputError(field, 'too-long', `${field} is ${length} characters long; at most ${maxLength} are allowed`);
  return cleaned;
}

/** As cleanText, but absent or blank text is simply no text. */
export function cleanOptionalText(value: unknown, field: string, maxLength = MAX_TEXT_LENGTH): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string' && !value.replace(CONTROL_CHARACTERS, '').trim()) return undefined;
  return cleanText(value, field, maxLength);
}
