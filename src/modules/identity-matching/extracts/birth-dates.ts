// Dates of birth as legacy extracts write them. A map names the format of its column; a date
// that does not fit it, or that no calendar has (31/02/1980), is dropped for that record
// rather than guessed, because a wrong date of birth is worse evidence than none.

/** The formats named in docs; any arrangement of YYYY, MM (or M) and DD (or D) with one separator is accepted. */
export const EXAMPLE_BIRTH_DATE_FORMATS = [
  'YYYYMMDD',
  'YYYY-MM-DD',
  'YYYY/MM/DD',
  'DD/MM/YYYY',
  'MM/DD/YYYY',
  'DD-MM-YYYY',
  'DD.MM.YYYY',
  'D/M/YYYY',
  'M/D/YYYY',
  'DDMMYYYY',
] as const;

type Part = 'year' | 'month' | 'day';

/** A compiled format: the pattern a value must match and which group holds which part. */
export interface BirthDateFormat {
  readonly name: string;
  readonly pattern: RegExp;
  readonly order: readonly Part[];
}

// A time of day after the date ("1980-04-09T00:00:00Z", "09/04/1980 00:00") is common in
// exports from databases that keep dates as timestamps; it is ignored.
const TIME_SUFFIX = String.raw`(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?`;
const TOKEN = /^(YYYY|MM|DD|M|D)/;
const SEPARATORS = new Set(['-', '/', '.', ' ']);
const pad = (value: number) => String(value).padStart(2, '0');
const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');

/**
 * Compiles a format such as `DD/MM/YYYY`, or explains why it cannot be one. With a separator,
 * day and month may have one or two digits whatever the format says (`D/M/YYYY` and
 * `DD/MM/YYYY` read the same values); without one, they must be two digits.
 */
export function compileBirthDateFormat(name: string): BirthDateFormat | string {
  const order: Part[] = [];
  const tokens: string[] = [];
  const separators: string[] = [];
  let rest = name;
  while (rest.length > 0) {
    const token = TOKEN.exec(rest)?.[1];
    if (!token) {
      if (order.length > 0 && order.length === separators.length + 1 && SEPARATORS.has(rest[0]!)) {
        separators.push(rest[0]!);
        rest = rest.slice(1);
        continue;
      }
      return `'${name}' is not a date format (use YYYY, MM, DD, M or D with one separator, e.g. ${EXAMPLE_BIRTH_DATE_FORMATS.slice(0, 4).join(', ')})`;
    }
    tokens.push(token);
    order.push(token.startsWith('Y') ? 'year' : token.startsWith('M') ? 'month' : 'day');
    rest = rest.slice(token.length);
    if (separators.length < order.length - 1) separators.push('');
  }
  if (order.length !== 3 || new Set(order).size !== 3) return `'${name}' must have a year (YYYY), a month (MM) and a day (DD), once each`;
  const separated = separators.every((separator) => separator !== '');
  const compact = separators.every((separator) => separator === '');
  if (!separated && !compact) return `'${name}' must separate all three parts or none`;
  if (compact && tokens.some((token) => token.length === 1)) {
    return `'${name}' has no separators, so day and month must be two digits (DD, MM)`;
  }
  const group = (part: Part) => (part === 'year' ? String.raw`(\d{4})` : separated ? String.raw`(\d{1,2})` : String.raw`(\d{2})`);
  const source = order.map((part, index) => group(part) + (index < 2 ? escapeRegExp(separators[index]!) : '')).join('');
  return { name, pattern: new RegExp(`^${source}${TIME_SUFFIX}$`), order };
}

// A plain column name for birthDate means a year-first date: ISO 8601 or the compact form.
// Day-first and month-first dates are never guessed: 04/09/1980 is April in one country and
// September in another, so the map must say which.
const YEAR_FIRST = [compileBirthDateFormat('YYYY-MM-DD'), compileBirthDateFormat('YYYYMMDD'), compileBirthDateFormat('YYYY/MM/DD')].map(
  (format) => format as BirthDateFormat,
);

/**
 * The ISO date (YYYY-MM-DD) a value holds in the format, or undefined when the value does not
 * fit the format or names no real day. Years before 1800 are placeholders (0001-01-01,
 * 1753-01-01 from SQL Server), not births. A date in the future is kept: it is usually a slip
 * in one part, and the matcher still scores the parts that agree.
 */
export function parseBirthDate(value: string, format: BirthDateFormat | 'year-first'): string | undefined {
  const text = value.trim();
  if (format === 'year-first') {
    for (const candidate of YEAR_FIRST) {
      const date = parseWith(text, candidate);
      if (date) return date;
    }
    return undefined;
  }
  return parseWith(text, format);
}

function parseWith(text: string, format: BirthDateFormat): string | undefined {
  const match = format.pattern.exec(text);
  if (!match) return undefined;
  const parts: Record<Part, number> = { year: 0, month: 0, day: 0 };
  format.order.forEach((part, index) => (parts[part] = Number(match[index + 1])));
  const { year, month, day } = parts;
  if (year < 1800 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  return `${year}-${pad(month)}-${pad(day)}`;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}
