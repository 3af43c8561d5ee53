// The population writes dates as YYYY-MM-DD and times as ISO strings; FHIR wants dateTime with a
// zone when a time is present, and instant always to the second.

const DATE_ONLY = /^\d{4}(-\d{2}(-\d{2})?)?$/;
const HAS_ZONE = /([zZ]|[+-]\d{2}:?\d{2})$/;

export function fhirDateTime(value: string): string {
  if (DATE_ONLY.test(value)) return value;
  const parsed = new Date(HAS_ZONE.test(value) ? value : `${value}Z`);
  return Number.isNaN(parsed.getTime()) ? value : parsed.toISOString().replace('.000Z', 'Z');
}

export function fhirInstant(value: string): string {
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return `${value}T00:00:00Z`;
  return fhirDateTime(value);
}

/** FHIR date search values: YYYY, YYYY-MM, YYYY-MM-DD, or a dateTime with optional seconds and zone. */
export const SEARCH_DATE = /^\d{4}(-\d{2}(-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?([zZ]|[+-]\d{2}:\d{2})?)?)?)?$/;

/** The span a date or dateTime covers, in ms: [start, end). undefined when it does not parse. */
export function dateSpan(value: string): [number, number] | undefined {
  const match = /^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?$/.exec(value);
  if (match) {
    const year = Number(match[1]);
    if (match[3]) {
      const start = Date.UTC(year, Number(match[2]) - 1, Number(match[3]));
      return [start, start + 86_400_000];
    }
    if (match[2]) return [Date.UTC(year, Number(match[2]) - 1, 1), Date.UTC(year, Number(match[2]), 1)];
    return [Date.UTC(year, 0, 1), Date.UTC(year + 1, 0, 1)];
  }
  const time = new Date(HAS_ZONE.test(value) ? value : `${value}Z`).getTime();
  if (Number.isNaN(time)) return undefined;
  // A time without seconds covers its minute; with seconds, its second.
  const precision = /T\d{2}:\d{2}([zZ+-]|$)/.test(value) ? 60_000 : 1_000;
  return [time, time + precision];
}

export function periodSpan(start?: string, end?: string): [number, number] | undefined {
  const from = start ? dateSpan(start) : undefined;
  const to = end ? dateSpan(end) : undefined;
  const first = from ?? to;
  const last = to ?? from;
  return first && last ? [first[0], last[1]] : undefined;
}
