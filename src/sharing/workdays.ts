import { BUILTIN_CALENDAR, type WorkCalendar } from './calendar/calendar.js';

const DAY = 86_400_000;
const CST = 8 * 3_600_000;

/**
 * How a deadline was counted: `official` when every day it spans is in a year the calendar covers (the State
 * Council's holidays and make-up working days), `weekends-only` when part of it lies beyond them and only
 * weekends were skipped there.
 */
export type DeadlineCalendar = 'official' | 'weekends-only';

export interface Deadline {
  deadline: Date;
  calendar: DeadlineCalendar;
}

/** Whether a China date (midnight of it, as UTC ms) is a working day, and whether the calendar covers its year. */
function workingDay(cal: WorkCalendar, local: number): { working: boolean; covered: boolean } {
  const d = new Date(local);
  const ymd = d.toISOString().slice(0, 10);
  const weekday = d.getUTCDay();
  const weekdayWorks = weekday !== 0 && weekday !== 6;
  const year = cal.years.get(d.getUTCFullYear());
  if (!year) return { working: weekdayWorks, covered: false };
  if (year.on.has(ymd)) return { working: true, covered: true };
  if (year.off.has(ymd)) return { working: false, covered: true };
  return { working: weekdayWorks, covered: true };
}

/**
 * Adds working days to a moment, counted in China Standard Time from the day after it: the official calendar's
 * holidays are skipped and its make-up working days counted. The deadline is the end of the last working day,
 * 23:59:59.999 +08:00.
 */
export function addWorkingDays(from: Date, days: number, cal: WorkCalendar = BUILTIN_CALENDAR): Deadline {
  let local = Math.floor((from.getTime() + CST) / DAY) * DAY; // midnight CST of the start day, as local ms
  let left = days;
  let official = true;
  while (left > 0) {
    local += DAY;
    const day = workingDay(cal, local);
    if (!day.covered) official = false;
    if (day.working) left -= 1;
  }
  return { deadline: new Date(local + DAY - 1 - CST), calendar: official ? 'official' : 'weekends-only' };
}
