import { Type } from '@sinclair/typebox';
import { bearer, ctxOf, errors } from '../../http/context.js';
import type { App } from '../../http/types.js';
import { coveredYears, getCalendarYear, putCalendarYear } from './service.js';

const tags = ['sharing'];
const Day = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'A China date, YYYY-MM-DD' });
const Year = Type.Object({ year: Type.Integer({ minimum: 2000, maximum: 2100 }) });

export const CalendarYearSchema = Type.Object({
  year: Type.Integer(),
  holidays: Type.Array(Day, { description: 'Days off (放假), weekends inside a holiday included' }),
  workdays: Type.Array(Day, { description: 'Make-up working days (调休上班)' }),
  source: Type.Union([Type.Literal('builtin'), Type.Literal('admin')], {
    description: 'builtin: the State Council notice as shipped; admin: set by an administrator',
  }),
  note: Type.String(),
  updatedBy: Type.Union([Type.String(), Type.Null()]),
  updatedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});

const CalendarYearInput = Type.Object(
  {
    holidays: Type.Array(Day, { maxItems: 366 }),
    workdays: Type.Array(Day, { maxItems: 366 }),
    note: Type.Optional(Type.String({ maxLength: 500 })),
  },
  { additionalProperties: false },
);

export function registerCalendarRoutes(app: App): void {
  app.get(
    '/api/v1/admin/calendar',
    {
      schema: {
        tags,
        summary: 'The years the working-day calendar covers',
        security: bearer,
        response: { 200: Type.Object({ items: Type.Array(CalendarYearSchema) }), ...errors },
      },
    },
    async (req) => ({ items: await coveredYears(ctxOf(req)) }),
  );
  app.get(
    '/api/v1/admin/calendar/:year',
    {
      schema: {
        tags,
        summary: 'One year of the working-day calendar',
        security: bearer,
        params: Year,
        response: { 200: CalendarYearSchema, ...errors },
      },
    },
    async (req) => getCalendarYear(ctxOf(req), req.params.year),
  );
  app.put(
    '/api/v1/admin/calendar/:year',
    {
      schema: {
        tags,
        summary: 'Set one year of the working-day calendar (the State Council notice)',
        description:
          'Replaces the year wholly: its days off and make-up working days. Deadlines set afterwards count with it.',
        security: bearer,
        params: Year,
        body: CalendarYearInput,
        response: { 200: CalendarYearSchema, ...errors },
      },
    },
    async (req) => putCalendarYear(ctxOf(req), req.params.year, req.body),
  );
}
