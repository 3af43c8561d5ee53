import { PhrInputError } from './phr-input-error.js';

// Times as a person's phone sends them, checked once and written the way FHIR R4 wants them
// (dateTime with seconds and a zone; date as YYYY-MM-DD). The person's own offset is kept: "08:00
// in the morning" matters more to them than the UTC instant.

/** How far ahead of the hub's clock a phone may be before its time counts as the future. */
export const CLOCK_SKEW_MS = 5 * 60_000;

/** Nothing a living person records about themselves happened before this. */
export const EARLIEST_DATE = '1900-01-01';

export interface TimeRules {
  /** The hub's clock (tests pass their own). */
  now?: Date;
  /** The future allowed for clock skew; CLOCK_SKEW_MS unless given. */
  skewMs?: number;
  /** Whether a time after now is acceptable (a planned stop date). */
  allowFuture?: boolean;
}

export interface CheckedTime {
  /** As FHIR writes it: `2026-03-01T08:15:00+00:00`, or `2026-03-01` for a date. */
  text: string;
  /** The earliest instant the value can mean (a date: its start in the earliest time zone). */
  epochMs: number;
  /** Whether it was a calendar date without a time. */
  dateOnly: boolean;
}

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
/** A calendar date starts first at UTC+14 (Kiribati): the earliest instant it can stand for. */
const EARLIEST_OFFSET_MS = 14 * 3_600_000;

/** A date-time with a time zone (or a Date, as a GraphQL DateTime scalar gives it). */
export function checkDateTime(value: unknown, field: string, rules: TimeRules = {}): CheckedTime {
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw invalid(field, 'a valid date and time');
    return withinLimits({ text: value.toISOString(), epochMs: value.getTime(), dateOnly: false }, field, rules);
  }
  if (value === undefined || value === null || value === '')
    throw new PhrInputError(field, 'missing', `${field} is required: the date and time of the entry`);
  if (typeof value !== 'string') throw invalid(field, 'an ISO 8601 date and time with a time zone');
  const match = DATE_TIME.exec(value.trim());
  if (!match) throw invalid(field, 'an ISO 8601 date and time with a time zone, such as 2026-03-01T08:15:00Z');
  const [, year, month, day, hour, minute, second = '00', fraction = '', zone] = match;
  if (!isCalendarDate(+year, +month, +day) || +hour > 23 || +minute > 59 || +second > 59 || !isZone(zone))
    throw invalid(field, 'a real date and time');
  const text = `${year}-${month}-${day}T${hour}:${minute}:${second}${fraction.slice(0, 4)}${zone}`;
  return withinLimits({ text, epochMs: Date.parse(text), dateOnly: false }, field, rules);
}

/** A calendar date (2026-03-01) or a date-time with a zone: what a person remembers of a start or stop. */
export function checkDateOrDateTime(value: unknown, field: string, rules: TimeRules = {}): CheckedTime {
  if (typeof value === 'string' && DATE.test(value.trim())) {
    const text = value.trim();
    const [year, month, day] = text.split('-').map(Number);
    if (!isCalendarDate(year, month, day)) throw invalid(field, 'a real date');
    return withinLimits({ text, epochMs: Date.UTC(year, month - 1, day) - EARLIEST_OFFSET_MS, dateOnly: true }, field, rules);
  }
  if (typeof value === 'string' && !DATE_TIME.test(value.trim()))
    throw invalid(field, 'a date (2026-03-01) or an ISO 8601 date and time with a time zone');
  return checkDateTime(value, field, rules);
}

/** Orders two checked times at the precision both have (a date against a date-time compares dates). */
export function compareTimes(a: CheckedTime, b: CheckedTime): number {
  if (a.dateOnly || b.dateOnly) return a.text.slice(0, 10).localeCompare(b.text.slice(0, 10));
  return a.epochMs - b.epochMs;
}

function withinLimits(time: CheckedTime, field: string, rules: TimeRules): CheckedTime {
  const now = (rules.now ?? new Date()).getTime();
  const skew = rules.skewMs ?? CLOCK_SKEW_MS;
  if (!rules.allowFuture && time.epochMs > now + skew) {
    const minutes = Math.round(skew / 60_000);
    throw new PhrInputError(field, 'in-the-future', `${field} ${time.text} is in the future (more than ${minutes} minutes ahead of now)`);
  }
  if (time.text.slice(0, 10) < EARLIEST_DATE)
    throw new PhrInputError(field, 'invalid-time', `${field} ${time.text} is before ${EARLIEST_DATE}`);
  return time;
}

function isCalendarDate(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  return day <= new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function isZone(zone: string): boolean {
  if (zone === 'Z') return true;
  const [hours, minutes] = zone.slice(1).split(':').map(Number);
  return hours <= 14 && minutes <= 59;
}

function invalid(field: string, expected: string): PhrInputError {
  return new PhrInputError(field, 'invalid-time', `${field} must be ${expected}`);
}
