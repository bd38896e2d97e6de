import { CN_HOLIDAYS } from './cn-holidays.js';

/** One year of the official calendar: its days off and its make-up working days (YYYY-MM-DD, China dates). */
export interface CalendarYear {
  year: number;
  holidays: string[]; // days off that would otherwise be working days, and the weekends inside a holiday
  workdays: string[]; // make-up working days (调休上班) that would otherwise be weekends
  source: 'builtin' | 'admin';
  note: string; // the notice followed, or the administrator's note
  updatedBy: string | null;
  updatedAt: string | null;
}

/** The calendar deadlines are counted with: the years it covers and, per covered year, its exceptions. */
export interface WorkCalendar {
  years: ReadonlyMap<number, { off: ReadonlySet<string>; on: ReadonlySet<string> }>;
}

const DAY = 86_400_000;

/** The days from `first` to `last` (YYYY-MM-DD, inclusive). */
function range(first: string, last: string): string[] {
  const out: string[] = [];
  for (let t = Date.parse(`${first}T00:00:00Z`); t <= Date.parse(`${last}T00:00:00Z`); t += DAY) {
    out.push(new Date(t).toISOString().slice(0, 10));
  }
  return out;
}

/** The year as the built-in table (cn-holidays.ts) gives it, or undefined when the table does not cover it. */
export function builtinYear(year: number): CalendarYear | undefined {
  const y = CN_HOLIDAYS[year];
  if (!y) return undefined;
  return {
    year,
    holidays: y.holidays.flatMap((h) => range(h.off[0], h.off[1])),
    workdays: y.holidays.flatMap((h) => h.workdays).sort(),
    source: 'builtin',
    note: y.notice,
    updatedBy: null,
    updatedAt: null,
  };
}

/** The years the built-in table covers, in order. */
export const BUILTIN_YEARS: readonly number[] = Object.keys(CN_HOLIDAYS)
  .map(Number)
  .sort((a, b) => a - b);

/** A calendar of the given years; a later entry for the same year wins (an administrator's over the table). */
export function makeCalendar(years: readonly CalendarYear[]): WorkCalendar {
  const map = new Map<number, { off: ReadonlySet<string>; on: ReadonlySet<string> }>();
  for (const y of years) map.set(y.year, { off: new Set(y.holidays), on: new Set(y.workdays) });
  return { years: map };
}

/** The built-in calendar alone (what a node has before any administrator's change). */
export const BUILTIN_CALENDAR: WorkCalendar = makeCalendar(
  BUILTIN_YEARS.map((y) => builtinYear(y)).filter((y): y is CalendarYear => y !== undefined),
);
