import { isTestRangeNhsNumber, isValidNhsNumber, normaliseNhsNumber } from './nhs-number.js';

describe('NHS number', () => {
  it.each(['9434765919', '943 476 5919', '943-476-5919', '9990000018', '4010232137'])('accepts %s', (value) => {
    expect(isValidNhsNumber(value)).toBe(true);
  });

  it.each([
    ['9434765918', 'wrong check digit'],
    ['943476591', 'nine digits'],
    ['94347659190', 'eleven digits'],
    ['94347A5919', 'a letter'],
    ['', 'empty'],
    ['1000000010', 'check digit would be 10'],
  ])('refuses %s (%s)', (value) => {
    expect(isValidNhsNumber(value)).toBe(false);
  });

  it('normalises spacing and recognises the test range', () => {
    expect(normaliseNhsNumber(' 999 000 0018 ')).toBe('9990000018');
    expect(isTestRangeNhsNumber('999 000 0018')).toBe(true);
    expect(isTestRangeNhsNumber('9434765919')).toBe(false);
  });
});
