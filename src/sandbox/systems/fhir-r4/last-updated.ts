import type { CareItemOf } from '../../population/clinical-history.types.js';
import type { SystemRecord } from '../../records/system-record.types.js';
import { fhirInstant, SEARCH_DATE } from './fhir-dates.js';
import { badRequest } from './operation-outcome.js';
import type { SearchClause } from './search-parameters.js';

// Patients listed by change time (`_lastUpdated`, `_sort=_lastUpdated`), so a hub can sync a trust
// by asking what changed since its cursor. A patient's time is worked out from what the trust
// holds for it (see TrustRecords.lastUpdatedOf); this file keeps those times in one sorted array.

/** When an item last changed, as the population wrote it: recorded, or (an encounter) closed later, as a discharge does. */
export function itemChangedAtText(item: CareItemOf): string {
  return item.kind === 'encounter' && item.end && instantMs(item.end) > instantMs(item.recordedAt) ? item.end : item.recordedAt;
}

export function itemChangedAt(item: CareItemOf): number {
  return instantMs(itemChangedAtText(item));
}

/** ms since the epoch of a population date or dateTime (a dateTime without zone is UTC). */
export function instantMs(value: string): number {
  return Date.parse(fhirInstant(value));
}

/** meta.lastUpdated as an instant to the millisecond, so a cursor taken from it is exact. */
export function instantString(ms: number): string {
  return new Date(ms).toISOString();
}

/** The half-open time range [from, to) a search's `_lastUpdated` clauses leave, ANDed. */
export interface TimeRange {
  from: number;
  to: number;
}

export const ALL_TIME: TimeRange = { from: -Infinity, to: Infinity };

const PREFIXES = ['eq', 'gt', 'ge', 'lt', 'le'];
const UNSUPPORTED_PREFIXES = ['ne', 'sa', 'eb', 'ap'];

/** `_lastUpdated=[eq|gt|ge|lt|le]<date or instant>`, repeated to AND. Comma lists and ne/sa/eb/ap are refused. */
export function lastUpdatedRange(clauses: readonly SearchClause[]): TimeRange {
  let { from, to } = ALL_TIME;
  for (const clause of clauses) {
    if (clause.values.length > 1)
      throw badRequest('Give one value per _lastUpdated; repeat the parameter for a range (ge...&lt...)', 'not-supported');
    const value = clause.values[0];
    const head = value.slice(0, 2);
    const prefix = PREFIXES.includes(head) || UNSUPPORTED_PREFIXES.includes(head) ? head : 'eq';
    if (UNSUPPORTED_PREFIXES.includes(prefix)) {
      throw badRequest(`_lastUpdated prefix "${head}" is not supported; use gt, ge, lt, le or eq`, 'not-supported');
    }
    const span = instantSpan(prefix === head ? value.slice(2) : value);
    if (!span)
      throw badRequest(
        `"${value}" is not a valid _lastUpdated: give a date (YYYY, YYYY-MM, YYYY-MM-DD) or an instant, with an optional prefix such as gt`,
        'value',
      );
    const [start, end] = span;
    // The target is an instant: gt means at or after the end of the value's span, le before its end.
    if (prefix === 'gt' || prefix === 'eq') from = Math.max(from, prefix === 'gt' ? end : start);
    if (prefix === 'ge') from = Math.max(from, start);
    if (prefix === 'lt' || prefix === 'eq') to = Math.min(to, prefix === 'lt' ? start : end);
    if (prefix === 'le') to = Math.min(to, end);
  }
  return { from, to };
}

/** [start, end) of a search date or instant, to its precision (a fraction of a second to its digits). */
function instantSpan(value: string): [number, number] | undefined {
  if (!SEARCH_DATE.test(value)) return undefined;
  const date = /^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?$/.exec(value);
  if (date) {
    const year = Number(date[1]);
    const month = date[2] ? Number(date[2]) - 1 : undefined;
    if (date[3] && month !== undefined) {
      const start = Date.UTC(year, month, Number(date[3]));
      return [start, start + 86_400_000];
    }
    if (month !== undefined) return [Date.UTC(year, month, 1), Date.UTC(year, month + 1, 1)];
    return [Date.UTC(year, 0, 1), Date.UTC(year + 1, 0, 1)];
  }
  const start = Date.parse(/([zZ]|[+-]\d{2}:\d{2})$/.test(value) ? value : `${value}Z`);
  if (Number.isNaN(start)) return undefined;
  const fraction = /:\d{2}:\d{2}\.(\d+)/.exec(value)?.[1];
  const precision = fraction ? 10 ** (3 - fraction.length) : /T\d{2}:\d{2}:\d{2}/.test(value) ? 1_000 : 60_000;
  return [start, start + precision];
}

/** A page position: the last (time, id) a page ended on, carried in the next link. */
export interface PageAnchor {
  time: number;
  id: string;
}

export function pageToken(anchor: PageAnchor): string {
  return `${anchor.time}_${anchor.id}`;
}

export function parsePageToken(value: string): PageAnchor {
  const match = /^(-?\d{1,16})_([A-Za-z0-9\-.]{1,64})$/.exec(value);
  if (!match) throw badRequest('_page_token is not one this server gave out; follow the Bundle next link', 'value');
  return { time: Number(match[1]), id: match[2] };
}

interface Entry extends PageAnchor {
  record: SystemRecord;
}

const before = (a: PageAnchor, b: PageAnchor): boolean => a.time < b.time || (a.time === b.time && a.id < b.id);

/**
 * The trust's patients sorted by (lastUpdated, id), built once and kept sorted as items are
 * added. Equal times are ordered by id, so pages cut inside a run of equal times are stable.
 * Building needs every patient's history (about 0.2 ms each, 20 s for the hospital of a full
 * borough), so warm() works the times out in the background in small slices, and a change search
 * arriving before it is done finishes the rest at once.
 */
export class LastUpdatedIndex {
  private entries?: Entry[];
  private readonly current = new Map<SystemRecord, Entry>();
  /** Times worked out ahead of the build by warm(). */
  private readonly early = new Map<SystemRecord, number>();

  constructor(
    private readonly records: readonly SystemRecord[],
    private readonly idOf: (record: SystemRecord) => string,
    private readonly timeOf: (record: SystemRecord) => number,
  ) {}

  /** Works the times out between requests, a slice at a time, then sorts them. */
  warm(slice = 250): void {
    let next = 0;
    const step = () => {
      if (this.entries) return;
      for (const end = Math.min(this.records.length, next + slice); next < end; next += 1) {
        const record = this.records[next];
        if (!this.early.has(record)) this.early.set(record, this.timeOf(record));
      }
      if (next < this.records.length) setImmediate(step).unref();
      else this.sorted();
    };
    setImmediate(step).unref();
  }

  /** The sorted entries, built by warm() or by the first change search, whichever comes first. */
  private sorted(): Entry[] {
    if (!this.entries) {
      const entries = this.records.map((record): Entry => ({
        time: this.early.get(record) ?? this.timeOf(record),
        id: this.idOf(record),
        record,
      }));
      this.early.clear();
      entries.sort(compare);
      for (const entry of entries) this.current.set(entry.record, entry);
      this.entries = entries;
    }
    return this.entries;
  }

  /** Moves a record to its new time after an item was added or changed. */
  refresh(record: SystemRecord): void {
    // Before the build, forget a time worked out early: the build works it out again.
    this.early.delete(record);
    const entries = this.entries;
    const old = this.current.get(record);
    if (!entries || !old) return;
    const time = this.timeOf(record);
    if (time === old.time) return;
    entries.splice(lowerBound(entries, old), 1);
    const entry: Entry = { time, id: old.id, record };
    entries.splice(lowerBound(entries, entry), 0, entry);
    this.current.set(record, entry);
  }

  /**
   * One page of the records in the range, in (time, id) order (descending when asked): from just
   * past the anchor when given, else from the offset. With candidates (a search's other criteria
   * matched), only those; else the whole register, read straight off the sorted array.
   */
  page(query: {
    range: TimeRange;
    descending: boolean;
    anchor?: PageAnchor;
    offset: number;
    count: number;
    candidates?: readonly SystemRecord[];
  }): ChangePage {
    const { range, descending, anchor, offset, count, candidates } = query;
    let entries = this.sorted();
    if (candidates) {
      entries = candidates.map((record) => this.current.get(record)).filter((entry): entry is Entry => entry !== undefined);
      entries.sort(compare);
    }
    const first = lowerBound(entries, { time: range.from, id: '' });
    const end = Math.max(first, lowerBound(entries, { time: range.to, id: '' }));
    const total = end - first;
    // rank: how many of the range come before this page in the requested order.
    let rank = offset;
    if (anchor) {
      rank = descending ? end - lowerBound(entries, anchor) : lowerBound(entries, { time: anchor.time, id: `${anchor.id}\0` }) - first;
    }
    rank = Math.min(Math.max(rank, 0), total);
    const records: SystemRecord[] = [];
    let last: Entry | undefined;
    for (let index = rank; index < Math.min(total, rank + count); index += 1) {
      last = entries[descending ? end - 1 - index : first + index];
      records.push(last.record);
    }
    return { total, records, rank, ...(last ? { last: { time: last.time, id: last.id } } : {}), more: rank + count < total };
  }
}

export interface ChangePage {
  total: number;
  records: SystemRecord[];
  /** How many of the matches come before this page. */
  rank: number;
  /** Where this page ended, for the next link. */
  last?: PageAnchor;
  more: boolean;
}

function compare(a: PageAnchor, b: PageAnchor): number {
  return before(a, b) ? -1 : before(b, a) ? 1 : 0;
}

/** First position whose (time, id) is not before the key. */
function lowerBound(entries: readonly PageAnchor[], key: PageAnchor): number {
  let low = 0;
  let high = entries.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (before(entries[middle], key)) low = middle + 1;
    else high = middle;
  }
  return low;
}
