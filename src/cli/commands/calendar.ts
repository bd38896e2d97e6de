import { InvalidArgumentError, type Command } from 'commander';
import { chinaTime } from '../format.js';
import { printJson, type CliContext } from '../io.js';
import { parseDay } from '../parse.js';
import { addServerOptions } from '../server-options.js';
import { renderPairs, renderTable } from '../table.js';
import type { ListOf } from '../types.js';
import { apiFor, type JsonOpt } from './common.js';

/** One year of the working-day calendar, as GET /api/v1/admin/calendar/{year} answers. */
export interface CalendarYear {
  year: number;
  holidays: string[];
  workdays: string[];
  source: 'builtin' | 'admin';
  note: string;
  updatedBy: string | null;
  updatedAt: string | null;
}

function parseYear(value: string): number {
  if (!/^\d{4}$/.test(value) || Number(value) < 2000 || Number(value) > 2100)
    throw new InvalidArgumentError('Must be a year from 2000 to 2100.');
  return Number(value);
}

/** Comma-separated dates (YYYY-MM-DD); an empty value is no dates. */
function parseDays(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map(parseDay);
}

const sourceText = (y: CalendarYear): string =>
  y.source === 'builtin' ? 'built in' : `set by ${y.updatedBy ?? '?'} at ${chinaTime(y.updatedAt)}`;

export function renderCalendarYear(y: CalendarYear): string {
  return renderPairs([
    ['year', y.year],
    ['source', sourceText(y)],
    ['notice', y.note],
    ['days off', y.holidays.join(', ')],
    ['make-up working days', y.workdays.length > 0 ? y.workdays.join(', ') : '(none)'],
  ]);
}

interface SetOpts extends JsonOpt {
  holidays: string[];
  workdays?: string[];
  note?: string;
}

/** `sharing calendar`: the official working-day calendar that answer deadlines count with (administrator). */
export function registerCalendar(parent: Command, ctx: CliContext): void {
  const calendar = parent
    .command('calendar')
    .description(
      'the official working-day calendar answer deadlines count with: State Council holidays and make-up days',
    );

  const show = calendar
    .command('show')
    .description('the years covered, or one year’s days off and make-up working days (administrator)')
    .argument('[year]', 'a year, e.g. 2026', parseYear)
    .option('--json', 'print the year (or { items }) as JSON');
  addServerOptions(show).action(async (year: number | undefined, opts: JsonOpt, cmd: Command) => {
    const api = apiFor(cmd, ctx);
    if (year !== undefined) {
      const y = await api.request<CalendarYear>('GET', `/api/v1/admin/calendar/${year}`);
      if (opts.json) printJson(ctx.io, y);
      else ctx.io.out(renderCalendarYear(y));
    } else {
      const res = await api.request<ListOf<CalendarYear>>('GET', '/api/v1/admin/calendar');
      if (opts.json) printJson(ctx.io, res);
      else
        ctx.io.out(
          renderTable(
            ['YEAR', 'DAYS OFF', 'MAKE-UP DAYS', 'SOURCE'],
            res.items.map((y) => [y.year, y.holidays.length, y.workdays.length, sourceText(y)]),
            { right: [1, 2] },
          ) + 'A deadline running past these years counts weekends only there.\n',
        );
    }
    ctx.code = 0;
  });

  const set = calendar
    .command('set')
    .description('set one year as the State Council’s notice gives it, replacing that year (administrator; audited)')
    .argument('<year>', 'the year, e.g. 2027', parseYear)
    .requiredOption(
      '--holidays <dates>',
      'every day off, comma-separated YYYY-MM-DD (weekends inside a holiday too)',
      parseDays,
    )
    .option('--workdays <dates>', 'the make-up working days (调休上班), comma-separated YYYY-MM-DD', parseDays)
    .option('--note <text>', 'the notice followed, e.g. 国务院办公厅关于2027年部分节假日安排的通知')
    .option('--json', 'print the year as JSON');
  addServerOptions(set).action(async (year: number, opts: SetOpts, cmd: Command) => {
    const y = await apiFor(cmd, ctx).request<CalendarYear>('PUT', `/api/v1/admin/calendar/${year}`, {
      json: { holidays: opts.holidays, workdays: opts.workdays ?? [], ...(opts.note ? { note: opts.note } : {}) },
    });
    if (opts.json) printJson(ctx.io, y);
    else ctx.io.out(`calendar ${year} set: ${y.holidays.length} days off, ${y.workdays.length} make-up working days\n`);
    ctx.code = 0;
  });
}
