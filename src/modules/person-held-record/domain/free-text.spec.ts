import { cleanOptionalText, cleanText, MAX_TEXT_LENGTH } from './free-text.js';
import { PhrInputError } from './phr-input-error.js';

describe('cleaning free text', () => {
  it('strips control characters and carriage returns but keeps line breaks and tabs', () => {
    expect(cleanText('  Slept badly.\r\nHead\u0000ache\u0007 all\tday \u0085 ', 'text')).toBe('Slept badly.\nHeadache all\tday');
  });

  it('normalises accents to one form, so the same word is stored the same way', () => {
    expect(cleanText('Cafe\u0301', 'text')).toBe('Caf\u00e9');
  });

  it('refuses text over the limit, counting characters rather than quoting them', () => {
    const error = (() => {
      try {
        cleanText('é'.repeat(MAX_TEXT_LENGTH + 1), 'text');
      } catch (caught) {
        return caught as PhrInputError;
      }
      throw new Error('accepted');
    })();
    expect(error).toMatchObject({ field: 'text', problem: 'too-long', message: 'text is 2001 characters long; at most 2000 are allowed' });
    expect(cleanText('é'.repeat(MAX_TEXT_LENGTH), 'text')).toHaveLength(MAX_TEXT_LENGTH);
    // An emoji is one character to the person, however many code units it takes.
    expect(cleanText('🙂'.repeat(MAX_TEXT_LENGTH), 'text')).toBe('🙂'.repeat(MAX_TEXT_LENGTH));
  });

  it('refuses text that is empty once cleaned, and anything that is not text', () => {
    expect(() => cleanText(' \u0000 \n ', 'note')).toThrow('note is empty');
    expect(() => cleanText(undefined, 'note')).toThrow('note is required');
    expect(() => cleanText(42, 'note')).toThrow('note must be text');
  });

  it('treats optional blank text as none', () => {
    expect(cleanOptionalText(undefined, 'dosage')).toBeUndefined();
    expect(cleanOptionalText('  \u0000 ', 'dosage')).toBeUndefined();
    expect(cleanOptionalText(' one at night ', 'dosage')).toBe('one at night');
    expect(() => cleanOptionalText('x'.repeat(11), 'dosage', 10)).toThrow('dosage is 11 characters long; at most 10 are allowed');
  });
});
