// Dates as whole UTC day numbers (days since 1970-01-01): fast to draw and compare in bulk,
// turned into ISO strings only at the edges.

const DAY_MS = 86_400_000;

export function dayNumber(isoDate: string): number {
  return Math.floor(Date.parse(`${isoDate.slice(0, 10)}T00:00:00Z`) / DAY_MS);
}

export function isoDate(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** ISO date-time at a minute of a day, in UTC. */
export function isoDateTime(day: number, minuteOfDay: number): string {
  return new Date(day * DAY_MS + minuteOfDay * 60_000).toISOString().replace('.000Z', 'Z');
}

/** Whole years between a birth day and a later day. */
export function ageOn(birthDay: number, day: number): number {
  const birth = new Date(birthDay * DAY_MS);
  const on = new Date(day * DAY_MS);
  let age = on.getUTCFullYear() - birth.getUTCFullYear();
  if (on.getUTCMonth() < birth.getUTCMonth() || (on.getUTCMonth() === birth.getUTCMonth() && on.getUTCDate() < birth.getUTCDate()))
    age -= 1;
  return age;
}

export const YEAR_DAYS = 365.25;
