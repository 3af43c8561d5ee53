import { compileBirthDateFormat, parseBirthDate, type BirthDateFormat } from './birth-dates.js';

const format = (name: string) => {
  const compiled = compileBirthDateFormat(name);
  if (typeof compiled === 'string') throw new Error(compiled);
  return compiled as BirthDateFormat;
};

describe('dates of birth in an extract', () => {
  it.each([
    ['YYYYMMDD', '19560409'],
    ['YYYY-MM-DD', '1956-04-09'],
    ['YYYY/MM/DD', '1956/04/09'],
    ['DD/MM/YYYY', '09/04/1956'],
    ['MM/DD/YYYY', '04/09/1956'],
    ['DD-MM-YYYY', '09-04-1956'],
    ['DD.MM.YYYY', '09.04.1956'],
    ['D/M/YYYY', '9/4/1956'],
    ['M/D/YYYY', '4/9/1956'],
    ['DDMMYYYY', '09041956'],
  ])('reads %s (%s) as 9 April 1956', (name, value) => {
    expect(parseBirthDate(value, format(name))).toBe('1956-04-09');
  });

  it('takes one or two digits for day and month whenever the parts are separated', () => {
    expect(parseBirthDate('9/4/1956', format('DD/MM/YYYY'))).toBe('1956-04-09');
    expect(parseBirthDate('09/04/1956', format('D/M/YYYY'))).toBe('1956-04-09');
  });

  it('ignores a time of day after the date, as databases export timestamps', () => {
    expect(parseBirthDate('1956-04-09T00:00:00Z', format('YYYY-MM-DD'))).toBe('1956-04-09');
    expect(parseBirthDate('09/04/1956 00:00', format('DD/MM/YYYY'))).toBe('1956-04-09');
    expect(parseBirthDate(' 09/04/1956 ', format('DD/MM/YYYY'))).toBe('1956-04-09');
  });

  it('drops a date no calendar has, or a placeholder year, rather than guess', () => {
    const ddmmyyyy = format('DD/MM/YYYY');
    expect(parseBirthDate('31/02/1980', ddmmyyyy)).toBeUndefined();
    expect(parseBirthDate('29/02/1900', ddmmyyyy)).toBeUndefined();
    expect(parseBirthDate('29/02/2000', ddmmyyyy)).toBe('2000-02-29');
    expect(parseBirthDate('00/04/1980', ddmmyyyy)).toBeUndefined();
    expect(parseBirthDate('09/13/1980', ddmmyyyy)).toBeUndefined();
    expect(parseBirthDate('01/01/0001', ddmmyyyy)).toBeUndefined();
    expect(parseBirthDate('01/01/1753', ddmmyyyy)).toBeUndefined();
  });

  it('drops a value in another format than the map says', () => {
    expect(parseBirthDate('1956-04-09', format('DD/MM/YYYY'))).toBeUndefined();
    expect(parseBirthDate('9 April 1956', format('DD/MM/YYYY'))).toBeUndefined();
    expect(parseBirthDate('1956049', format('YYYYMMDD'))).toBeUndefined();
    expect(parseBirthDate('unknown', format('YYYYMMDD'))).toBeUndefined();
  });

  it('reads ISO and compact dates when the map names only the column, and never guesses day-first ones', () => {
    expect(parseBirthDate('1956-04-09', 'year-first')).toBe('1956-04-09');
    expect(parseBirthDate('19560409', 'year-first')).toBe('1956-04-09');
    expect(parseBirthDate('1956/04/09', 'year-first')).toBe('1956-04-09');
    expect(parseBirthDate('09/04/1956', 'year-first')).toBeUndefined();
  });

  it('explains a format it cannot use', () => {
    expect(compileBirthDateFormat('YYMMDD')).toMatch(/is not a date format/);
    expect(compileBirthDateFormat('YYYY-MM')).toMatch(/a year \(YYYY\), a month \(MM\) and a day \(DD\)/);
    expect(compileBirthDateFormat('YYYY-MM-MM')).toMatch(/once each/);
    expect(compileBirthDateFormat('YYYYMM-DD')).toMatch(/all three parts or none/);
    expect(compileBirthDateFormat('YYYYMD')).toMatch(/must be two digits/);
  });
});
