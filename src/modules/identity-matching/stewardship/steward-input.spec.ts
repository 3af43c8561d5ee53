import { IdentityMatchingError, IdentityMatchingErrorCode } from '../identity-matching.errors.js';
import { optionalNote, pageSize, requiredReason, reviewStatus } from './steward-input.js';

function refusal(work: () => unknown): IdentityMatchingError {
  try {
    work();
  } catch (error) {
    if (error instanceof IdentityMatchingError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('steward input', () => {
  it('requires a reason that is not blank and not too long, and trims it', () => {
    expect(requiredReason('  same person, confirmed by the GP  ')).toBe('same person, confirmed by the GP');
    expect(refusal(() => requiredReason('   '))).toMatchObject({
      code: IdentityMatchingErrorCode.BadInput,
      message: 'reason must not be blank',
    });
    expect(refusal(() => requiredReason(undefined)).message).toBe('reason must not be blank');
    expect(refusal(() => requiredReason('x'.repeat(501))).message).toBe('reason must be at most 500 characters');
    expect(requiredReason('x'.repeat(500))).toHaveLength(500);
  });

  it('never repeats the text it refuses', () => {
    const refused = refusal(() => requiredReason(`Jane Smith 9434765919 ${'x'.repeat(500)}`));
    expect(refused.message).not.toContain('9434765919');
  });

  it('takes a blank note as none', () => {
    expect(optionalNote('  ')).toBeUndefined();
    expect(optionalNote(null)).toBeUndefined();
    expect(optionalNote(' checked ')).toBe('checked');
    expect(refusal(() => optionalNote('x'.repeat(501))).code).toBe(IdentityMatchingErrorCode.BadInput);
  });

  it('caps page sizes', () => {
    expect(pageSize(50, 100)).toBe(50);
    expect(refusal(() => pageSize(0, 100)).message).toBe('limit must be from 1 to 100');
    expect(refusal(() => pageSize(101, 100)).message).toBe('limit must be from 1 to 100');
  });

  it('knows the review statuses', () => {
    expect(reviewStatus('rejected')).toBe('rejected');
    expect(refusal(() => reviewStatus('maybe')).message).toBe('status must be one of pending, accepted, rejected, superseded');
  });
});
