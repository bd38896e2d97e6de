import { audit, type Ctx } from '../../access/context.js';
import { requireAdmin } from '../../access/policy.js';
import { badRequest, notFound } from '../../core/problem.js';
import type { Queryable } from '../../db/types.js';
import { BUILTIN_YEARS, builtinYear, makeCalendar, type CalendarYear, type WorkCalendar } from './calendar.js';

interface Row {
  year: number;
  holidays: string[];
  workdays: string[];
  note: string;
  updated_by: string;
  updated_at: Date | string;
}

const toYear = (r: Row): CalendarYear => ({
  year: r.year,
  holidays: [...r.holidays].sort(),
  workdays: [...r.workdays].sort(),
  source: 'admin',
  note: r.note,
  updatedBy: r.updated_by,
  updatedAt: new Date(r.updated_at).toISOString(),
});

async function adminYears(q: Queryable): Promise<CalendarYear[]> {
  const res = await q.query<Row>('SELECT * FROM work_calendar ORDER BY year');
  return res.rows.map(toYear);
}

/** The calendar deadlines are counted with: the built-in table, each year an administrator set replacing it. */
export async function loadCalendar(q: Queryable): Promise<WorkCalendar> {
  const builtin = BUILTIN_YEARS.map((y) => builtinYear(y)!);
  return makeCalendar([...builtin, ...(await adminYears(q))]);
}

/** The years covered (built-in or set by an administrator), in order. */
export async function coveredYears(ctx: Ctx): Promise<CalendarYear[]> {
  requireAdmin(ctx);
  const byYear = new Map<number, CalendarYear>(BUILTIN_YEARS.map((y) => [y, builtinYear(y)!]));
  for (const y of await adminYears(ctx.db)) byYear.set(y.year, y);
  return [...byYear.values()].sort((a, b) => a.year - b.year);
}

export async function getCalendarYear(ctx: Ctx, year: number): Promise<CalendarYear> {
  requireAdmin(ctx);
  const res = await ctx.db.query<Row>('SELECT * FROM work_calendar WHERE year = $1', [year]);
  const found = res.rows[0] ? toYear(res.rows[0]) : builtinYear(year);
  if (!found) {
    throw notFound(
      'calendar_year_not_covered',
      `The working-day calendar does not cover ${year}; deadlines in it skip weekends only. Set it with PUT /api/v1/admin/calendar/${year}.`,
    );
  }
  return found;
}

export interface CalendarYearInput {
  holidays: string[];
  workdays: string[];
  note?: string;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

function checkDates(year: number, field: string, dates: string[]): void {
  for (const d of dates) {
    const t = Date.parse(`${d}T00:00:00Z`);
    if (!DATE.test(d) || Number.isNaN(t) || new Date(t).toISOString().slice(0, 10) !== d) {
      throw badRequest('invalid_date', `${field}: '${d}' is not a date (YYYY-MM-DD).`, { field });
    }
    if (Number(d.slice(0, 4)) !== year) {
      throw badRequest('date_outside_year', `${field}: ${d} is not in ${year}.`, { field });
    }
  }
  if (new Set(dates).size !== dates.length) throw badRequest('duplicate_date', `${field}: a date is listed twice.`);
}

/**
 * An administrator sets one year of the calendar (a year the State Council has announced since the built-in table
 * was written, or a correction): it replaces that year wholly. Deadlines set from now on count with it; deadlines
 * already set keep theirs.
 */
export async function putCalendarYear(ctx: Ctx, year: number, input: CalendarYearInput): Promise<CalendarYear> {
  requireAdmin(ctx);
  checkDates(year, 'holidays', input.holidays);
  checkDates(year, 'workdays', input.workdays);
  const both = input.holidays.filter((d) => input.workdays.includes(d));
  if (both.length) {
    throw badRequest('date_both_ways', `${both.join(', ')}: a day is either a holiday or a working day, not both.`);
  }
  const p = ctx.principal;
  const by = p.kind === 'department' ? p.departmentId : 'system';
  const res = await ctx.db.query<Row>(
    `INSERT INTO work_calendar (year, holidays, workdays, note, updated_by) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (year) DO UPDATE SET holidays = $2, workdays = $3, note = $4, updated_by = $5, updated_at = now()
     RETURNING *`,
    [year, JSON.stringify(input.holidays), JSON.stringify(input.workdays), input.note ?? '', by],
  );
  const saved = toYear(res.rows[0]!);
  await audit(ctx, {
    action: 'calendar.update',
    outcome: 'ok',
    detail: { year, holidays: saved.holidays.length, workdays: saved.workdays.length },
  });
  return saved;
}
