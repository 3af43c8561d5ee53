import { isUndoable, nhsNumbersContradict, touchedIdentities } from './change-rules.js';

describe('nhsNumbersContradict', () => {
  it('finds two persons with different numbers contradictory', () => {
    expect(nhsNumbersContradict(['9434765919'], ['9434765870'])).toBe(true);
    expect(nhsNumbersContradict(['9434765919', '4010232137'], ['9434765919', '9434765870'])).toBe(true);
  });

  it('lets a person without a number, or with the same one, join any other', () => {
    expect(nhsNumbersContradict([], ['9434765870'])).toBe(false);
    expect(nhsNumbersContradict(['9434765919'], [])).toBe(false);
    expect(nhsNumbersContradict(['9434765919'], ['9434765919'])).toBe(false);
  });

  it('adds no contradiction when one person already holds all of the other’s numbers', () => {
    expect(nhsNumbersContradict(['9434765919'], ['9434765919', '9434765870'])).toBe(false);
  });
});

describe('isUndoable', () => {
  it('allows the changes a steward or the matcher makes, not reviews opened, traces or undos', () => {
    for (const kind of ['link', 'unlink', 'merge', 'unmerge', 'review-accepted', 'review-rejected']) expect(isUndoable(kind)).toBe(true);
    for (const kind of ['review-opened', 'nhs-number-traced', 'undo', 'nonsense']) expect(isUndoable(kind)).toBe(false);
  });
});

describe('touchedIdentities', () => {
  it('collects the identity of each event and every identity a merge moved, once and sorted', () => {
    expect(
      touchedIdentities([
        { sourceIdentityId: 'c', detail: {} },
        { sourceIdentityId: null, detail: { moved: [{ sourceIdentityId: 'b' }, { sourceIdentityId: 'a' }, { sourceIdentityId: 'c' }] } },
      ]),
    ).toEqual(['a', 'b', 'c']);
  });
});
