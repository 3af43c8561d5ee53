import type { RecordSection } from '../../source-connectors/index.js';
import { instantOf } from './item-display.js';
import type { ItemProvenance, RecordItem } from './record.types.js';

// Every dated item across sections as one list, most recent first, paged by an opaque cursor
// that names the last event seen (its date and item id), not a position: an event added while
// someone pages moves nothing they have not yet read.

export interface TimelineEvent {
  itemId: string;
  section: RecordSection;
  /** The FHIR resource type (Encounter, Observation...). */
  type: string;
  date: string;
  display: string;
  status?: string;
  sources: ItemProvenance[];
}

export interface TimelineQuery {
  first: number;
  /** The endCursor of the previous page. */
  after?: string;
  /** FHIR date or dateTime; events at or after it. */
  from?: string;
  /** FHIR date or dateTime; events up to the end of it (a date includes its whole day). */
  to?: string;
  /** Sections to keep; all when absent or empty. */
  types?: RecordSection[];
}

export interface TimelineEdge {
  cursor: string;
  node: TimelineEvent;
}

export interface TimelinePage {
  edges: TimelineEdge[];
  pageInfo: { hasNextPage: boolean; endCursor?: string };
  /** Events matching the filters, across all pages. */
  totalCount: number;
}

export const MAX_TIMELINE_PAGE = 100;

/** The dated items as events, most recent first (ties by item id); undated items have no place on a timeline. */
export function timelineOf(items: RecordItem[]): TimelineEvent[] {
  return items
    .filter((item) => instantOf(item.date) !== undefined)
    .map((item) => ({
      itemId: item.id,
      section: item.section,
      type: item.resource.resourceType,
      date: item.date!,
      display: item.display,
      ...(item.status ? { status: item.status } : {}),
      sources: item.sources,
    }))
    .sort((a, b) => compareKeys(keyOf(a.date, a.itemId), keyOf(b.date, b.itemId)));
}

/**
 * One page of events (sorted as timelineOf sorts them). Throws a RangeError for a page size
 * outside 1..100, a cursor this function did not make, or a from/to that is not a FHIR date.
 */
export function pageTimeline(events: TimelineEvent[], query: TimelineQuery): TimelinePage {
  const { first } = query;
  if (!Number.isInteger(first) || first < 1 || first > MAX_TIMELINE_PAGE) {
    throw new RangeError(`first must be a whole number from 1 to ${MAX_TIMELINE_PAGE}`);
  }
  const from = query.from === undefined ? undefined : boundary(query.from, 'from');
  const to = query.to === undefined ? undefined : endOfSpan(query.to);
  const sections = query.types?.length ? new Set(query.types) : undefined;
  const after = query.after === undefined ? undefined : decodeCursor(query.after);

  const matching = events.filter((event) => {
    const time = instantOf(event.date);
    if (time === undefined) return false;
    if (sections && !sections.has(event.section)) return false;
    return (from === undefined || time >= from) && (to === undefined || time < to);
  });
  const rest = after ? matching.filter((event) => compareKeys(keyOf(event.date, event.itemId), after) > 0) : matching;
  const edges = rest.slice(0, first).map((node) => ({ cursor: encodeCursor(node), node }));
  const endCursor = edges.at(-1)?.cursor;
  return {
    edges,
    pageInfo: { hasNextPage: rest.length > first, ...(endCursor ? { endCursor } : {}) },
    totalCount: matching.length,
  };
}

interface EventKey {
  time: number;
  itemId: string;
}

function keyOf(date: string, itemId: string): EventKey {
  return { time: instantOf(date) ?? -Infinity, itemId };
}

/** Most recent first, then by item id: the one order pages are cut from. */
function compareKeys(a: EventKey, b: EventKey): number {
  if (a.time !== b.time) return b.time - a.time;
  return a.itemId < b.itemId ? -1 : a.itemId > b.itemId ? 1 : 0;
}

function encodeCursor(event: TimelineEvent): string {
  return Buffer.from(JSON.stringify([event.date, event.itemId]), 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): EventKey {
  const malformed = () => new RangeError('after is not a cursor of this timeline');
  if (!/^[A-Za-z0-9_-]{1,512}$/.test(cursor)) throw malformed();
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw malformed();
  }
  if (!Array.isArray(value) || value.length !== 2 || typeof value[0] !== 'string' || typeof value[1] !== 'string') throw malformed();
  const time = instantOf(value[0]);
  if (time === undefined || value[1] === '') throw malformed();
  return { time, itemId: value[1] };
}

function boundary(value: string, name: string): number {
  const time = instantOf(value);
  if (time === undefined) throw new RangeError(`${name} must be a FHIR date or dateTime`);
  return time;
}

/** The first moment after what a date or dateTime names: a year, month or day covers all of itself. */
function endOfSpan(value: string): number {
  const start = boundary(value, 'to');
  const date = /^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?$/.exec(value.trim());
  if (!date) return start + 1;
  const year = Number(date[1]);
  if (date[3]) return start + 86_400_000;
  if (date[2]) return Date.UTC(year, Number(date[2]), 1);
  return Date.UTC(year + 1, 0, 1);
}
