import { checkDateOrDateTime, checkDateTime, compareTimes } from './fhir-time.js';

const now = new Date('2026-03-10T12:00:00Z');

describe('checking times a person gives', () => {
  it('writes date-times as FHIR wants them, keeping the offset', () => {
    expect(checkDateTime('2026-03-10T09:30+01:00', 'at', { now })).toEqual({
      text: '2026-03-10T09:30:00+01:00',
      epochMs: Date.parse('2026-03-10T08:30:00Z'),
      dateOnly: false,
    });
    expect(checkDateTime('2026-03-10T09:30:00.123456Z', 'at', { now }).text).toBe('2026-03-10T09:30:00.123Z');
  });

  it('refuses impossible clock times and offsets', () => {
    expect(() => checkDateTime('2026-03-10T24:00:00Z', 'at', { now })).toThrow('at must be a real date and time');
    expect(() => checkDateTime('2026-03-10T10:00:00+15:00', 'at', { now })).toThrow('at must be a real date and time');
    expect(() => checkDateTime('2026-03-10', 'at', { now })).toThrow('with a time zone');
  });

  it('refuses times before 1900', () => {
    expect(() => checkDateTime('1899-12-31T10:00:00Z', 'at', { now })).toThrow('at 1899-12-31T10:00:00Z is before 1900-01-01');
  });

  it('takes a date alone where a person may only remember the day, refusing future days', () => {
    expect(checkDateOrDateTime('2026-03-10', 'startedOn', { now })).toMatchObject({ text: '2026-03-10', dateOnly: true });
    expect(() => checkDateOrDateTime('2026-03-12', 'startedOn', { now })).toThrow('startedOn 2026-03-12 is in the future');
    expect(checkDateOrDateTime('2026-03-12', 'stoppedOn', { now, allowFuture: true }).text).toBe('2026-03-12');
    expect(() => checkDateOrDateTime('2026-13-01', 'startedOn', { now })).toThrow('startedOn must be a real date');
    expect(() => checkDateOrDateTime('last Tuesday', 'startedOn', { now })).toThrow('startedOn must be a date (2026-03-01)');
  });

  it('orders a date against a date-time by day', () => {
    const day = checkDateOrDateTime('2026-03-01', 'a', { now });
    const sameDay = checkDateOrDateTime('2026-03-01T23:00:00Z', 'b', { now });
    expect(compareTimes(day, sameDay)).toBe(0);
    expect(compareTimes(checkDateOrDateTime('2026-02-28', 'c', { now }), sameDay)).toBeLessThan(0);
  });
});
