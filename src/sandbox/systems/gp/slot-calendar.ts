import { stableHash } from './gp-ids.js';

// Each practice's appointment book, generated rather than stored: every weekday each of its
// sessions (schedules) runs 15-minute slots from 08:30 to 18:00, London time, and about
// BUSY_SHARE of them are already taken by patients the sandbox does not model. A slot is
// named by practice, day, schedule and time, so it needs no storage until someone books it.

export const SLOT_MINUTES = 15;
export const FIRST_SLOT_MINUTE = 8 * 60 + 30;
export const LAST_SLOT_END_MINUTE = 18 * 60;
/** Sessions per practice: the practice's first two GPs each run one. */
export const SCHEDULES_PER_PRACTICE = 2;
/** Share of slots already booked when the sandbox starts. */
export const BUSY_SHARE = 0.6;
/** The longest window a free slot search may cover (GP Connect allows 14 days). */
export const MAX_SEARCH_DAYS = 14;

const DAY_MS = 86_400_000;
const SLOT_ID = /^([A-Z0-9]{3,10})-(\d{4})(\d{2})(\d{2})-(\d)-(\d{2})(\d{2})$/;

export interface SlotTime {
  id: string;
  practiceCode: string;
  /** Local date, YYYY-MM-DD. */
  date: string;
  /** 1-based schedule (session) number at the practice. */
  schedule: number;
  /** Minutes after local midnight the slot starts. */
  minute: number;
  /** ISO date-times with the London offset of that day, as GP Connect writes them. */
  start: string;
  end: string;
  startMs: number;
  endMs: number;
}

export function scheduleId(practiceCode: string, schedule: number): string {
  return `${practiceCode}-S${schedule}`;
}

/** The slot a slot id names, if the id is well formed and falls on a working slot of a weekday. */
export function slotById(id: string): SlotTime | undefined {
  const match = SLOT_ID.exec(id);
  if (!match) return undefined;
  const [, practiceCode, year, month, day, schedule, hour, minute] = match as unknown as string[];
  const date = `${year}-${month}-${day}`;
  const dayStart = Date.parse(`${date}T00:00:00Z`);
  if (Number.isNaN(dayStart) || new Date(dayStart).toISOString().slice(0, 10) !== date) return undefined;
  const minuteOfDay = Number(hour) * 60 + Number(minute);
  const scheduleNumber = Number(schedule);
  if (scheduleNumber < 1 || scheduleNumber > SCHEDULES_PER_PRACTICE || !isWeekday(dayStart) || !isSlotStart(minuteOfDay)) return undefined;
  return slotAt(practiceCode as string, date, scheduleNumber, minuteOfDay);
}

/** Every slot of a practice whose whole span lies in [fromMs, toMs]. */
export function slotsBetween(practiceCode: string, fromMs: number, toMs: number): SlotTime[] {
  const slots: SlotTime[] = [];
  // Local days overlap UTC days by at most an hour either side: widen by a day and filter.
  for (let day = Math.floor(fromMs / DAY_MS) * DAY_MS - DAY_MS; day <= toMs + DAY_MS; day += DAY_MS) {
    if (!isWeekday(day)) continue;
    const date = new Date(day).toISOString().slice(0, 10);
    for (let schedule = 1; schedule <= SCHEDULES_PER_PRACTICE; schedule++) {
      for (let minute = FIRST_SLOT_MINUTE; minute + SLOT_MINUTES <= LAST_SLOT_END_MINUTE; minute += SLOT_MINUTES) {
        const slot = slotAt(practiceCode, date, schedule, minute);
        if (slot.startMs >= fromMs && slot.endMs <= toMs) slots.push(slot);
      }
    }
  }
  return slots.sort((a, b) => a.startMs - b.startMs || a.schedule - b.schedule);
}

/** Whether the slot was already taken when the sandbox started (a stable draw per slot). */
export function takenAtStart(slot: SlotTime): boolean {
  return stableHash(slot.id) % 1000 < BUSY_SHARE * 1000;
}

export function slotAt(practiceCode: string, date: string, schedule: number, minute: number): SlotTime {
  const offset = londonOffsetMinutes(date);
  const startMs = Date.parse(`${date}T00:00:00Z`) + (minute - offset) * 60_000;
  const endMs = startMs + SLOT_MINUTES * 60_000;
  const hhmm = `${String(Math.floor(minute / 60)).padStart(2, '0')}${String(minute % 60).padStart(2, '0')}`;
  return {
    id: `${practiceCode}-${date.replace(/-/g, '')}-${schedule}-${hhmm}`,
    practiceCode,
    date,
    schedule,
    minute,
    start: localDateTime(date, minute, offset),
    end: localDateTime(date, minute + SLOT_MINUTES, offset),
    startMs,
    endMs,
  };
}

/**
 * A FHIR search bound (a date or a date-time) as epoch milliseconds. A whole date stands for
 * its whole London day: the start of it for a lower bound, the end of it for an upper one.
 */
export function boundToMs(value: string, side: 'lower' | 'upper'): number | undefined {
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    const dayStart = Date.parse(`${value}T00:00:00Z`);
    if (Number.isNaN(dayStart) || new Date(dayStart).toISOString().slice(0, 10) !== value) return undefined;
    const local = dayStart - londonOffsetMinutes(value) * 60_000;
    return side === 'lower' ? local : local + DAY_MS;
  }
  const dateTime = /^(\d{4}-\d{2}-\d{2})T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?$/.exec(value);
  if (!dateTime) return undefined;
  // A date-time without an offset is London time, as a GP system in England reads it.
  const parsed = Date.parse(dateTime[4] ? value : `${value}Z`);
  if (Number.isNaN(parsed)) return undefined;
  return dateTime[4] ? parsed : parsed - londonOffsetMinutes(dateTime[1] as string) * 60_000;
}

/** Minutes London is ahead of UTC on a day: 60 in British Summer Time, otherwise 0. */
export function londonOffsetMinutes(date: string): number {
  const year = Number(date.slice(0, 4));
  const day = Date.parse(`${date}T00:00:00Z`);
  // BST runs from the last Sunday of March to the last Sunday of October; slots never fall on a Sunday.
  return day >= lastSunday(year, 2) && day < lastSunday(year, 9) ? 60 : 0;
}

function lastSunday(year: number, month: number): number {
  const last = new Date(Date.UTC(year, month + 1, 0));
  return last.getTime() - last.getUTCDay() * DAY_MS;
}

function isWeekday(dayMs: number): boolean {
  const weekday = new Date(dayMs).getUTCDay();
  return weekday !== 0 && weekday !== 6;
}

function isSlotStart(minute: number): boolean {
  return minute >= FIRST_SLOT_MINUTE && minute + SLOT_MINUTES <= LAST_SLOT_END_MINUTE && (minute - FIRST_SLOT_MINUTE) % SLOT_MINUTES === 0;
}

function localDateTime(date: string, minute: number, offset: number): string {
  const hours = String(Math.floor(minute / 60)).padStart(2, '0');
  const minutes = String(minute % 60).padStart(2, '0');
  return `${date}T${hours}:${minutes}:00${offset === 60 ? '+01:00' : '+00:00'}`;
}
