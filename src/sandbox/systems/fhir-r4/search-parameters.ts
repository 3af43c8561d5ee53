import { dateSpan, SEARCH_DATE } from './fhir-dates.js';
import { badRequest } from './operation-outcome.js';

/** One `name[:modifier]=value` of a search, values split on unescaped commas (OR). */
export interface SearchClause {
  name: string;
  modifier?: string;
  values: string[];
}

export interface ParsedSearch {
  clauses: SearchClause[];
  count: number;
  offset: number;
}

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 1000;

/** Parameters every search accepts. */
const RESULT_PARAMETERS = ['_count', '_offset', '_format'];
const JSON_FORMATS = new Set(['json', 'application/json', 'application/fhir+json', 'application/json+fhir']);

/**
 * Reads a search's query as HAPI does with strict handling: an unknown parameter, or a modifier a
 * parameter does not support, is refused with a message naming it, not silently ignored.
 */
export function parseSearch(
  resourceType: string,
  query: URLSearchParams,
  supported: Readonly<Record<string, readonly string[]>>,
): ParsedSearch {
  const clauses: SearchClause[] = [];
  let count = DEFAULT_PAGE_SIZE;
  let offset = 0;
  for (const [key, raw] of query) {
    const [name, modifier, ...rest] = key.split(':');
    if (RESULT_PARAMETERS.includes(name) && modifier === undefined) {
      if (name === '_count') count = nonNegativeInteger('_count', raw, MAX_PAGE_SIZE);
      else if (name === '_offset') offset = nonNegativeInteger('_offset', raw);
      else if (!JSON_FORMATS.has(raw))
        throw badRequest(`_format "${raw}" is not supported: this server answers in JSON only`, 'not-supported');
      continue;
    }
    const modifiers = supported[name];
    if (!modifiers) {
      const valid = [...Object.keys(supported), ...RESULT_PARAMETERS].sort();
      throw badRequest(
        `Unknown search parameter "${name}" for resource type "${resourceType}". Valid search parameters for this search are: [${valid.join(', ')}]`,
        'not-supported',
      );
    }
    if (rest.length > 0 || (modifier !== undefined && !modifiers.includes(modifier))) {
      throw badRequest(
        `Modifier ":${[modifier, ...rest].join(':')}" is not supported for search parameter "${name}" of "${resourceType}"`,
        'not-supported',
      );
    }
    // HAPI ignores an empty value rather than matching everything with it.
    const values = splitValues(raw).filter((value) => value !== '');
    if (values.length === 0) continue;
    clauses.push({ name, ...(modifier !== undefined ? { modifier } : {}), values });
  }
  return { clauses, count, offset };
}

function nonNegativeInteger(name: string, raw: string, max?: number): number {
  if (!/^\d{1,9}$/.test(raw)) throw badRequest(`${name} must be a non-negative whole number, not "${raw}"`, 'value');
  const value = Number(raw);
  return max !== undefined ? Math.min(value, max) : value;
}

/** Splits on commas that are not escaped (\,), unescaping \, and \\. */
function splitValues(raw: string): string[] {
  const values: string[] = [];
  let current = '';
  for (let index = 0; index < raw.length; index += 1) {
    const char = raw[index];
    if (char === '\\' && index + 1 < raw.length) {
      current += raw[index + 1];
      index += 1;
    } else if (char === ',') {
      values.push(current.trim());
      current = '';
    } else current += char;
  }
  values.push(current.trim());
  return values;
}

/** A token search value: code, system|code, |code (no system) or system| (any code). */
export interface TokenValue {
  system?: string;
  code?: string;
  /** `|code`: only codes without a system. */
  noSystem?: boolean;
}

export function parseToken(value: string): TokenValue {
  const bar = value.indexOf('|');
  if (bar < 0) return { code: value };
  const system = value.slice(0, bar);
  const code = value.slice(bar + 1);
  return {
    ...(system ? { system } : { noSystem: true }),
    ...(code ? { code } : {}),
  };
}

export function tokenMatches(codings: ReadonlyArray<{ system?: string; code?: string }>, token: TokenValue): boolean {
  return codings.some(
    (coding) =>
      (token.code === undefined || coding.code === token.code) &&
      (token.system === undefined || coding.system === token.system) &&
      (!token.noSystem || coding.system === undefined),
  );
}

export type DatePrefix = 'eq' | 'ne' | 'gt' | 'lt' | 'ge' | 'le';

export interface DateValue {
  prefix: DatePrefix;
  span: [number, number];
}

const DATE_PREFIXES: readonly string[] = ['eq', 'ne', 'gt', 'lt', 'ge', 'le'];
const UNSUPPORTED_DATE_PREFIXES: readonly string[] = ['sa', 'eb', 'ap'];

export function parseDate(name: string, value: string): DateValue {
  const head = value.slice(0, 2);
  const hasPrefix = /^[a-z]{2}/.test(head);
  if (hasPrefix && UNSUPPORTED_DATE_PREFIXES.includes(head)) {
    throw badRequest(`Date prefix "${head}" is not supported for "${name}"; use eq, ne, gt, lt, ge or le`, 'not-supported');
  }
  if (hasPrefix && !DATE_PREFIXES.includes(head)) throw badRequest(`"${value}" is not a valid date for "${name}"`, 'value');
  const date = hasPrefix ? value.slice(2) : value;
  const span = SEARCH_DATE.test(date) ? dateSpan(date) : undefined;
  if (!span)
    throw badRequest(
      `"${value}" is not a valid date for "${name}": use YYYY, YYYY-MM, YYYY-MM-DD or a dateTime, with an optional prefix such as ge`,
      'value',
    );
  return { prefix: hasPrefix ? (head as DatePrefix) : 'eq', span };
}

/** FHIR date comparison of a resource's span [start, end) with a search value's span. */
export function dateMatches(target: [number, number], search: DateValue): boolean {
  const [targetStart, targetEnd] = target;
  const [searchStart, searchEnd] = search.span;
  const within = targetStart >= searchStart && targetEnd <= searchEnd;
  switch (search.prefix) {
    case 'eq':
      return within;
    case 'ne':
      return !within;
    case 'gt':
      return targetEnd > searchEnd;
    case 'lt':
      return targetStart < searchStart;
    case 'ge':
      return targetEnd > searchStart;
    case 'le':
      return targetStart < searchEnd;
  }
}
