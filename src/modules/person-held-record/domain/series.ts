import { PhrInputError, safeToken } from './phr-input-error.js';
import { measureDefinition, roundTo, type CheckedReading, type MeasureName } from './readings.js';

// Readings summarised for a chart: one bucket per local day, ISO week (Monday first) or month in
// the person's time zone, so a reading at 00:30 British Summer Time counts on the day the person
// lived it, not the UTC day before. Intl's time zone data is the only calendar used: no library.

export const SERIES_BUCKETS = ['day', 'week', 'month'] as const;
export type SeriesBucket = (typeof SERIES_BUCKETS)[number];

export const DEFAULT_TIME_ZONE = 'Europe/London';

export interface SeriesPoint {
  /** When it was measured: an ISO 8601 instant, a Date, or epoch milliseconds. */
  at: string | Date | number;
  value: number;
}

export interface SeriesOptions {
  bucket: SeriesBucket | string;
  /** An IANA time zone; Europe/London when absent. */
  timeZone?: string;
  /** Decimal places of the mean. */
  decimals?: number;
}

export interface SeriesBucketSummary {
  /** The bucket's first instant, in local time with its offset (`2026-03-30T00:00:00+01:00`). */
  start: string;
  /** The next bucket's start: the bucket holds start <= time < end. */
  end: string;
  count: number;
  min: number;
  max: number;
  mean: number;
}

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

/** One measure of a set of readings (systolic of blood pressures, weight of weights) in buckets, oldest first. */
export function readingSeries(
  readings: readonly CheckedReading[],
  options: Omit<SeriesOptions, 'decimals'> & { measure: MeasureName },
): SeriesBucketSummary[] {
  const points: SeriesPoint[] = [];
  for (const reading of readings) {
    const measurement = reading.measurements.find((candidate) => candidate.measure === options.measure);
    if (measurement) points.push({ at: reading.effectiveAt, value: measurement.value });
  }
  return bucketSeries(points, { ...options, decimals: measureDefinition(options.measure).decimals });
}

/** Points grouped into local calendar buckets with count, min, max and mean; buckets without points are left out. */
export function bucketSeries(points: readonly SeriesPoint[], options: SeriesOptions): SeriesBucketSummary[] {
  const bucket = options.bucket;
  if (!(SERIES_BUCKETS as readonly string[]).includes(bucket)) {
    const shown = typeof bucket === 'string' ? safeToken(bucket) : undefined;
    throw new PhrInputError('bucket', 'not-allowed', `bucket ${shown ? `"${shown}" ` : ''}must be one of ${SERIES_BUCKETS.join(', ')}`);
  }
  const zone = new LocalCalendar(options.timeZone ?? DEFAULT_TIME_ZONE);
  const decimals = options.decimals ?? 1;
  const groups = new Map<string, { start: CalendarDate; values: number[] }>();
  for (const point of points) {
    const at = epochOf(point.at);
    if (!Number.isFinite(point.value)) throw new Error('series point value is not a finite number');
    const start = bucketStart(zone.dateOf(at), bucket as SeriesBucket);
    const key = keyOf(start);
    const group = groups.get(key) ?? { start, values: [] };
    group.values.push(point.value);
    groups.set(key, group);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([, { start, values }]) => {
      let sum = 0;
      let min = Infinity;
      let max = -Infinity;
      // A loop, not Math.min(...values): years of daily readings would overflow the argument list.
      for (const value of values) {
        sum += value;
        min = Math.min(min, value);
        max = Math.max(max, value);
      }
      return {
        start: zone.format(zone.startOf(start)),
        end: zone.format(zone.startOf(nextBucket(start, bucket as SeriesBucket))),
        count: values.length,
        min,
        max,
        mean: roundTo(sum / values.length, decimals),
      };
    });
}

/** Whether Intl knows the IANA time zone. */
export function isKnownTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone });
    return true;
  } catch {
    return false;
  }
}

interface CalendarDate {
  year: number;
  month: number;
  day: number;
}

function bucketStart(date: CalendarDate, bucket: SeriesBucket): CalendarDate {
  if (bucket === 'day') return date;
  if (bucket === 'month') return { ...date, day: 1 };
  // ISO weeks start on Monday: getUTCDay is 0 for Sunday.
  const noon = Date.UTC(date.year, date.month - 1, date.day, 12);
  const daysSinceMonday = (new Date(noon).getUTCDay() + 6) % 7;
  return calendarDateOf(noon - daysSinceMonday * DAY_MS);
}

function nextBucket(start: CalendarDate, bucket: SeriesBucket): CalendarDate {
  if (bucket === 'month') return start.month === 12 ? { year: start.year + 1, month: 1, day: 1 } : { ...start, month: start.month + 1 };
  const noon = Date.UTC(start.year, start.month - 1, start.day, 12);
  return calendarDateOf(noon + (bucket === 'week' ? 7 : 1) * DAY_MS);
}

function calendarDateOf(utcMs: number): CalendarDate {
  const date = new Date(utcMs);
  return { year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate() };
}

function keyOf(date: CalendarDate): string {
  return `${String(date.year).padStart(4, '0')}-${pad(date.month)}-${pad(date.day)}`;
}

function pad(value: number): string {
  return String(value).padStart(2, '0');
}

function epochOf(at: SeriesPoint['at']): number {
  const epoch = typeof at === 'number' ? at : at instanceof Date ? at.getTime() : Date.parse(at);
  if (!Number.isFinite(epoch)) throw new Error('series point time is not a valid instant');
  return epoch;
}

/** Local dates and midnights in one IANA zone, from Intl's data. */
class LocalCalendar {
  readonly #format: Intl.DateTimeFormat;

  constructor(readonly timeZone: string) {
    if (typeof timeZone !== 'string' || !isKnownTimeZone(timeZone)) {
      const shown = typeof timeZone === 'string' ? safeToken(timeZone) : undefined;
      throw new PhrInputError(
        'timeZone',
        'unknown-time-zone',
        `timeZone ${shown ? `"${shown}" ` : ''}is not a known IANA time zone, such as Europe/London`,
      );
    }
    this.#format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      hourCycle: 'h23',
    });
  }

  dateOf(epochMs: number): CalendarDate {
    const { year, month, day } = this.#parts(epochMs);
    return { year, month, day };
  }

  /** The local midnight that starts the date; if a clock change skips midnight, the first instant of the day. */
  startOf(date: CalendarDate): number {
    const wall = Date.UTC(date.year, date.month - 1, date.day);
    const key = keyOf(date);
    const candidates = [...new Set([this.#offset(wall - DAY_MS), this.#offset(wall), this.#offset(wall + DAY_MS)])]
      .map((offset) => wall - offset)
      .sort((a, b) => a - b);
    for (const candidate of candidates) {
      const parts = this.#parts(candidate);
      if (keyOf(parts) === key && parts.hour === 0 && parts.minute === 0 && parts.second === 0) return candidate;
    }
    // Midnight does not exist that day: search minute by minute (halving) for the first local minute of the date.
    let before = candidates[0] - 3 * HOUR_MS;
    let after = candidates[candidates.length - 1] + 3 * HOUR_MS;
    while (after - before > MINUTE_MS) {
      const middle = before + Math.floor((after - before) / 2 / MINUTE_MS) * MINUTE_MS;
      if (keyOf(this.dateOf(middle)) >= key) after = middle;
      else before = middle;
    }
    return after;
  }

  /** `2026-03-30T00:00:00+01:00`: the local wall time and the offset in force. */
  format(epochMs: number): string {
    const parts = this.#parts(epochMs);
    const offsetMinutes = Math.round(this.#offset(epochMs) / MINUTE_MS);
    const sign = offsetMinutes < 0 ? '-' : '+';
    const absolute = Math.abs(offsetMinutes);
    return (
      `${keyOf(parts)}T${pad(parts.hour)}:${pad(parts.minute)}:${pad(parts.second)}` +
      `${sign}${pad(Math.floor(absolute / 60))}:${pad(absolute % 60)}`
    );
  }

  /** Local wall time minus UTC, in milliseconds, at the instant. */
  #offset(epochMs: number): number {
    const whole = Math.floor(epochMs / 1000) * 1000;
    const parts = this.#parts(whole);
    return Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second) - whole;
  }

  #parts(epochMs: number): CalendarDate & { hour: number; minute: number; second: number } {
    const values: Record<string, number> = {};
    for (const part of this.#format.formatToParts(epochMs)) if (part.type !== 'literal') values[part.type] = Number(part.value);
    return { year: values.year, month: values.month, day: values.day, hour: values.hour, minute: values.minute, second: values.second };
  }
}
