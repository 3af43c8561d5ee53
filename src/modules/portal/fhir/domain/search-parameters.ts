import { isValidNhsNumber, NHS_NUMBER_SYSTEM, normaliseNhsNumber } from '../../../../fhir/index.js';
import { FhirFacadeError, FhirFacadeErrorCode, invalidParameter, unsupportedParameter } from '../fhir-facade.errors.js';

// The facade's search parameters, checked: a bad value is refused naming the parameter (and
// never echoing it: it may be an NHS number), and an unknown parameter is refused too, as under
// `Prefer: handling=strict`. Ignoring a filter the caller believes applied would show them more,
// or other, than they asked for, and a clinician could read an unfiltered list as a filtered one.

/** The query string as Express parses it: a value per name, an array when repeated. */
export type SearchQuery = Record<string, unknown>;

/** Accepted everywhere and ignored: the answer is FHIR JSON whatever the format asked, or else refused. */
const GENERAL = ['_format', '_pretty'];
const JSON_FORMATS = new Set(['json', 'application/json', 'application/fhir+json']);

/** Refuses parameters not in `allowed`, and a `_format` other than JSON (406). */
export function checkParameters(query: SearchQuery, allowed: readonly string[]): void {
  const unknown = Object.keys(query).filter((name) => !allowed.includes(name) && !GENERAL.includes(name));
  if (unknown.length) {
    const names = unknown.map((name) => JSON.stringify(name.slice(0, 40))).join(', ');
    const offered = allowed.length ? `this search takes ${allowed.join(', ')}` : 'this interaction takes no parameters';
    throw unsupportedParameter(unknown[0]!.slice(0, 40), `unknown parameter ${names}: ${offered}`);
  }
  const format = query._format;
  if (format !== undefined && !values(query, '_format').every((value) => JSON_FORMATS.has(value.split(';')[0]!.trim())))
    throw new FhirFacadeError(FhirFacadeErrorCode.NotAcceptable, '_format: this server answers in FHIR JSON only', '_format');
}

/** Every value given for a parameter (a repeated parameter gives several). */
export function values(query: SearchQuery, name: string): string[] {
  const value = query[name];
  if (value === undefined) return [];
  const list = Array.isArray(value) ? value : [value];
  if (!list.every((item): item is string => typeof item === 'string')) throw invalidParameter(name, 'must be plain text');
  return list;
}

/** The one value of a parameter that may be given once. */
export function single(query: SearchQuery, name: string): string | undefined {
  const list = values(query, name);
  if (list.length > 1) throw invalidParameter(name, 'may be given once');
  const value = list[0]?.trim();
  if (list.length && !value) throw invalidParameter(name, 'must not be empty');
  return value;
}

const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;

/** The person a `patient` reference names: `<id>`, `Patient/<id>` or `<base>/Patient/<id>`. */
export function patientIdOf(value: string | undefined, name = 'patient'): string {
  if (value === undefined) throw invalidParameter(name, 'is required (the person’s id, or Patient/<id>)');
  const match = /^(?:(?:.*\/)?Patient\/)?([^/]+)$/.exec(value);
  const id = match?.[1];
  if (!id || !FHIR_ID.test(id)) throw invalidParameter(name, 'must be a person’s id or a reference Patient/<id>');
  return id;
}

/** A logical id in a path (Patient/{id}). */
export function checkId(id: string): string {
  if (!FHIR_ID.test(id)) throw invalidParameter('id', 'must be 1 to 64 letters, digits, - or .');
  return id;
}

/** The NHS number of an identifier token: `https://fhir.nhs.uk/Id/nhs-number|<n>`, or `<n>` (any system). */
export function nhsNumberOfIdentifier(token: string): string {
  const bar = token.indexOf('|');
  const system = bar < 0 ? undefined : token.slice(0, bar);
  const value = bar < 0 ? token : token.slice(bar + 1);
  if (system !== undefined && system !== NHS_NUMBER_SYSTEM)
    throw unsupportedParameter('identifier', `only NHS numbers can be searched (system ${NHS_NUMBER_SYSTEM})`);
  const nhsNumber = normaliseNhsNumber(value);
  if (!nhsNumber || !isValidNhsNumber(nhsNumber)) throw invalidParameter('identifier', 'is not a valid NHS number');
  return nhsNumber;
}

/** `_count`: a whole number from 1 to `max`, `fallback` when absent. */
export function countOf(query: SearchQuery, fallback: number, max: number): number {
  const value = single(query, '_count');
  if (value === undefined) return fallback;
  const count = /^\d{1,6}$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(count) || count < 1 || count > max) throw invalidParameter('_count', `must be a whole number from 1 to ${max}`);
  return count;
}

/** A half-open span of time: on or after `from`, before `to`. */
export interface InstantRange {
  from?: Date;
  to?: Date;
}

const FHIR_DATE = /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;
const PREFIXES = ['eq', 'ge', 'gt', 'le', 'lt'] as const;
type Prefix = (typeof PREFIXES)[number];

/**
 * The span a FHIR date or dateTime stands for at its precision: 2026 is the whole year, 2026-03 the
 * month, 2026-03-01 the day, a time to the second that second. Times without a zone, and dates, are UTC.
 */
export function spanOf(value: string, name: string): { start: Date; end: Date; precision: 'year' | 'month' | 'day' | 'time' } {
  const match = FHIR_DATE.exec(value);
  if (!match) throw invalidParameter(name, 'must be a FHIR date or dateTime (YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDThh:mm:ss+zz:zz)');
  const [, year, month, day, hour, minute, second, fraction, zone] = match;
  const y = Number(year);
  const m = month === undefined ? 0 : Number(month) - 1;
  const d = day === undefined ? 1 : Number(day);
  const start = new Date(Date.UTC(y, m, d, Number(hour ?? 0), Number(minute ?? 0), Number(second ?? 0)));
  start.setUTCFullYear(y); // years below 100 are not 19xx
  // A 31st of February rolls into March: refused rather than read as another day.
  if (
    start.getUTCMonth() !== m ||
    start.getUTCDate() !== d ||
    Number(hour ?? 0) > 23 ||
    Number(minute ?? 0) > 59 ||
    Number(second ?? 0) > 59
  )
    throw invalidParameter(name, 'is not a real date or time');
  if (hour !== undefined) {
    const offset = !zone || zone === 'Z' ? 0 : (zone.startsWith('-') ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6)));
    const at = new Date(start.getTime() - offset * 60_000 + (fraction ? Math.floor(Number(fraction) * 1000) : 0));
    // To the second (or the millisecond given): the instant's own span.
    return { start: at, end: new Date(at.getTime() + (second === undefined ? 60_000 : fraction ? 1 : 1000)), precision: 'time' };
  }
  const end = new Date(start);
  if (month === undefined) end.setUTCFullYear(y + 1);
  else if (day === undefined) end.setUTCMonth(m + 1);
  else end.setUTCDate(d + 1);
  return { start, end, precision: month === undefined ? 'year' : day === undefined ? 'month' : 'day' };
}

/** Splits `ge2026-01-01` into its prefix and value; no prefix is `eq`. */
export function prefixed(value: string, name: string): { prefix: Prefix; value: string } {
  const prefix = /^[a-z]{2}/.exec(value)?.[0];
  if (prefix === undefined) return { prefix: 'eq', value };
  if (!(PREFIXES as readonly string[]).includes(prefix))
    throw unsupportedParameter(name, `the prefix ${JSON.stringify(prefix)} is not supported (use ${PREFIXES.join(', ')})`);
  return { prefix: prefix as Prefix, value: value.slice(2) };
}

/** Every value of a date parameter narrowing one range: `date=ge2026-01-01&date=lt2026-02-01`. */
export function dateRangeOf(query: SearchQuery, name: string): InstantRange {
  const range: InstantRange = {};
  const later = (a: Date | undefined, b: Date) => (a && a > b ? a : b);
  const earlier = (a: Date | undefined, b: Date) => (a && a < b ? a : b);
  for (const raw of values(query, name)) {
    const { prefix, value } = prefixed(raw.trim(), name);
    const { start, end } = spanOf(value, name);
    if (prefix === 'eq' || prefix === 'ge') range.from = later(range.from, start);
    if (prefix === 'gt') range.from = later(range.from, end);
    if (prefix === 'eq' || prefix === 'le') range.to = earlier(range.to, end);
    if (prefix === 'lt') range.to = earlier(range.to, start);
  }
  return range;
}

/** A list parameter such as `_type=Condition,Observation`: each name checked against `known`. */
export function listOf<T extends string>(query: SearchQuery, name: string, known: readonly T[]): T[] | undefined {
  const given = values(query, name);
  if (!given.length) return undefined;
  const items = given.flatMap((value) => value.split(',')).map((item) => item.trim());
  const unknown = items.filter((item) => !(known as readonly string[]).includes(item));
  if (unknown.length || !items.length)
    throw unsupportedParameter(
      name,
      `${unknown.length ? `unknown ${JSON.stringify(unknown[0]!.slice(0, 40))}: ` : ''}takes ${known.join(', ')}`,
    );
  return [...new Set(items as T[])];
}
