import { PhrInputError } from './phr-input-error.js';
import { checkReading } from './readings.js';
import { bucketSeries, readingSeries } from './series.js';

const now = new Date('2027-01-01T00:00:00Z');

describe('bucketing readings for a chart', () => {
  it('counts a reading on the local day it was taken, not the UTC one (British Summer Time)', () => {
    const buckets = bucketSeries(
      [
        { at: '2026-06-01T23:30:00Z', value: 70 }, // 00:30 on 2 June in London
        { at: '2026-06-01T22:30:00Z', value: 72 }, // 23:30 on 1 June
      ],
      { bucket: 'day' },
    );
    expect(buckets).toEqual([
      { start: '2026-06-01T00:00:00+01:00', end: '2026-06-02T00:00:00+01:00', count: 1, min: 72, max: 72, mean: 72 },
      { start: '2026-06-02T00:00:00+01:00', end: '2026-06-03T00:00:00+01:00', count: 1, min: 70, max: 70, mean: 70 },
    ]);
  });

  it('starts weeks on Monday, and a week across the clocks going forward ends in summer time', () => {
    const buckets = bucketSeries(
      [
        { at: '2026-03-23T00:10:00Z', value: 1 }, // Monday
        { at: '2026-03-29T22:00:00Z', value: 3 }, // 23:00 BST on Sunday 29 March, the day the clocks change
        { at: '2026-03-29T23:30:00Z', value: 5 }, // 00:30 BST on Monday 30 March: the next week
      ],
      { bucket: 'week' },
    );
    expect(buckets.map(({ start, end, count }) => ({ start, end, count }))).toEqual([
      { start: '2026-03-23T00:00:00+00:00', end: '2026-03-30T00:00:00+01:00', count: 2 },
      { start: '2026-03-30T00:00:00+01:00', end: '2026-04-06T00:00:00+01:00', count: 1 },
    ]);
  });

  it('groups by calendar month, in time order whatever order the readings came in, with min, max and a rounded mean', () => {
    const buckets = bucketSeries(
      [
        { at: '2026-11-03T09:00:00Z', value: 80.2 },
        { at: '2026-10-31T23:30:00Z', value: 79 }, // still October in London (GMT again since the 25th)
        { at: '2026-10-01T00:30:00+01:00', value: 81 },
        { at: '2026-10-15T08:00:00Z', value: 80 },
      ],
      { bucket: 'month', decimals: 1 },
    );
    expect(buckets).toEqual([
      { start: '2026-10-01T00:00:00+01:00', end: '2026-11-01T00:00:00+00:00', count: 3, min: 79, max: 81, mean: 80 },
      { start: '2026-11-01T00:00:00+00:00', end: '2026-12-01T00:00:00+00:00', count: 1, min: 80.2, max: 80.2, mean: 80.2 },
    ]);
    expect(bucketSeries([{ at: '2026-12-31T12:00:00Z', value: 1 }], { bucket: 'month' })[0].end).toBe('2027-01-01T00:00:00+00:00');
  });

  it('uses the time zone asked for', () => {
    const [bucket] = bucketSeries([{ at: '2026-01-15T03:00:00Z', value: 5 }], { bucket: 'day', timeZone: 'America/New_York' });
    expect(bucket).toMatchObject({ start: '2026-01-14T00:00:00-05:00', end: '2026-01-15T00:00:00-05:00' });
  });

  it('starts a day at the clock change when the change skips midnight', () => {
    // Chile moved its clocks from 24:00 to 01:00 on 8 September 2024: that day began at 01:00.
    const [bucket] = bucketSeries([{ at: '2024-09-08T12:00:00Z', value: 5 }], { bucket: 'day', timeZone: 'America/Santiago' });
    expect(bucket).toMatchObject({ start: '2024-09-08T01:00:00-03:00', end: '2024-09-09T00:00:00-03:00' });
  });

  it('returns nothing for no readings', () => {
    expect(bucketSeries([], { bucket: 'week' })).toEqual([]);
  });

  it('refuses an unknown time zone or bucket with a precise message', () => {
    expect(() => bucketSeries([], { bucket: 'day', timeZone: 'Europe/Atlantis' })).toThrow(
      new PhrInputError('timeZone', 'unknown-time-zone', 'timeZone "Europe/Atlantis" is not a known IANA time zone, such as Europe/London'),
    );
    expect(() => bucketSeries([], { bucket: 'year' })).toThrow('bucket "year" must be one of day, week, month');
  });
});

describe('series of one measure of checked readings', () => {
  const bp = (systolic: number, diastolic: number, effectiveAt: string) =>
    checkReading({ kind: 'blood-pressure', systolic, diastolic, effectiveAt }, { now });

  it('takes the component asked for and rounds the mean to whole mmHg', () => {
    const readings = [
      bp(120, 80, '2026-05-04T08:00:00+01:00'),
      bp(125, 81, '2026-05-05T08:00:00+01:00'),
      bp(126, 84, '2026-05-06T08:00:00+01:00'),
    ];
    expect(readingSeries(readings, { measure: 'systolic', bucket: 'week' })).toEqual([
      { start: '2026-05-04T00:00:00+01:00', end: '2026-05-11T00:00:00+01:00', count: 3, min: 120, max: 126, mean: 124 },
    ]);
    expect(readingSeries(readings, { measure: 'diastolic', bucket: 'week' })[0]).toMatchObject({ min: 80, max: 84, mean: 82 });
  });

  it('leaves out readings without that measure (no pulse given)', () => {
    expect(readingSeries([bp(120, 80, '2026-05-04T08:00:00+01:00')], { measure: 'pulse', bucket: 'day' })).toEqual([]);
  });
});
